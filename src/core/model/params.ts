// Parameter counts: per decoder layer, per pipeline rank (split by how Megatron shards them) and for the whole
// model. The cost model's DP gradient reduction and the memory model's weights, grads and optimizer state read the
// same counts, so step time and memory cannot disagree on what a rank holds.
import type { VirtualStage } from './layout';
import type { ModelShape } from './shape';

/** Parameters of one piece of the model, split by how Megatron shards them. All counts are whole (unsharded). */
interface ParamBuckets {
  /** Divided by t: attention, dense MLP, shared experts, word embedding, output layer, column-parallel biases. */
  tpSharded: number;
  /** Same on every TP rank: norms, router, row-parallel biases, learned position embeddings, MLA down-projections. */
  replicated: number;
  /** Routed experts: divided by etp·ep. */
  expert: number;
  /** K and V projection weights (+ biases); inside tpSharded, but replicated when g < t. */
  kv: number;
}

/** A piece's parameters, and the part of them that are weights of Transformer Engine linear layers (FP8/FP4-able). */
interface PieceParams {
  all: ParamBuckets;
  linear: ParamBuckets;
}

const zero = (): ParamBuckets => ({ tpSharded: 0, replicated: 0, expert: 0, kv: 0 });
const zeroPiece = (): PieceParams => ({ all: zero(), linear: zero() });

function add(to: ParamBuckets, from: ParamBuckets, times = 1): void {
  to.tpSharded += from.tpSharded * times;
  to.replicated += from.replicated * times;
  to.expert += from.expert * times;
  to.kv += from.kv * times;
}

function addPiece(to: PieceParams, from: PieceParams, lowPrecision: boolean): void {
  add(to.all, from.all);
  if (lowPrecision) add(to.linear, from.linear);
}

/** Adds a weight to a bucket of `p.all`, and to the same bucket of `p.linear` when it is a TE linear weight. */
function put(p: PieceParams, bucket: keyof ParamBuckets, count: number, linear: boolean): void {
  p.all[bucket] += count;
  if (linear) p.linear[bucket] += count;
}

/** Standard (GQA) self-attention: Q, K, V and output projections. */
function attentionParams(shape: ModelShape, p: PieceParams): void {
  const { hidden: h, heads: a, kvHeads: g, headDim: d } = shape;
  const kvWeights = 2 * h * g * d;
  put(p, 'tpSharded', 2 * h * a * d + kvWeights, true); // Q and O, K and V
  put(p, 'kv', kvWeights, true);
  if (shape.bias) {
    put(p, 'tpSharded', a * d + 2 * g * d, false); // Q, K, V biases (column-parallel)
    put(p, 'kv', 2 * g * d, false);
    put(p, 'replicated', h, false); // output-projection bias (row-parallel, added after the all-reduce)
  }
}

/**
 * Multi-latent attention (Megatron-Core multi_latent_attention.py at d98e8a64). Q: one projection h → a·(qk+rope)
 * (:508-517), or a down projection h → q_lora_rank (:537-545), its norm (:620) and an up projection (:557-566).
 * KV: a down projection h → kv_lora_rank + rope (:584-592), its norm (:626) and an up projection kv_lora_rank →
 * a·(qk+v) (:604-613); output a·v → h (:221-229). The down projections are TELinear "duplicated" (:527, :574), so
 * every TP rank holds them whole; the up projections and the output are split over TP. No biases but the output's.
 */
function mlaParams(shape: ModelShape, mla: NonNullable<ModelShape['mla']>, p: PieceParams): void {
  const { hidden: h, heads: a } = shape;
  const qHead = mla.qkHeadDim + mla.qkPosEmbHeadDim;
  if (mla.qLoraRank === null) put(p, 'tpSharded', h * a * qHead, true);
  else {
    put(p, 'replicated', h * mla.qLoraRank, true);
    put(p, 'replicated', shape.normParamFactor * mla.qLoraRank, false);
    put(p, 'tpSharded', mla.qLoraRank * a * qHead, true);
  }
  put(p, 'replicated', h * (mla.kvLoraRank + mla.qkPosEmbHeadDim), true);
  put(p, 'replicated', shape.normParamFactor * mla.kvLoraRank, false);
  put(p, 'tpSharded', mla.kvLoraRank * a * (mla.qkHeadDim + mla.vHeadDim), true);
  put(p, 'tpSharded', a * mla.vHeadDim * h, true);
  if (shape.bias) put(p, 'replicated', h, false);
}

/** One dense MLP of width f into `bucket`: h → f (·2 with a GLU) → h, with its biases when the model has them. */
function mlpParams(shape: ModelShape, f: number, p: PieceParams, bucket: 'tpSharded' | 'replicated' | 'expert'): void {
  const h = shape.hidden;
  const gluWidth = shape.glu ? 2 : 1;
  put(p, bucket, h * f * gluWidth + f * h, true);
  if (!shape.bias) return;
  // Column-parallel bias is split with its weight; the row-parallel bias is added after the reduce, so replicated.
  put(p, bucket, f * gluWidth, false);
  put(p, bucket === 'tpSharded' ? 'replicated' : bucket, h, false);
}

/** One decoder layer with `experts` routed experts (0: dense). */
function layerParams(shape: ModelShape, experts: number): PieceParams {
  const h = shape.hidden;
  const p = zeroPiece();
  if (shape.mla) mlaParams(shape, shape.mla, p);
  else attentionParams(shape, p);
  put(p, 'replicated', 2 * shape.normParamFactor * h, false); // pre-attention and pre-MLP norms
  if (experts === 0) {
    mlpParams(shape, shape.ffn, p, 'tpSharded');
    return p;
  }
  // One expert's MLP, times the expert count: a loop per expert cost O(E) per layer and per call (fuzz: 65,536
  // experts took a second and a half).
  const expert = zeroPiece();
  mlpParams(shape, shape.moeFfn, expert, 'expert');
  add(p.all, expert.all, experts);
  add(p.linear, expert.linear, experts);
  // Shared experts have no biases (Megatron-Core shared_experts.py:124 asserts it).
  const fsh = shape.sharedExpertFfn;
  if (fsh > 0) put(p, 'tpSharded', h * fsh * (shape.glu ? 2 : 1) + fsh * h, true);
  put(p, 'replicated', h * experts + (shape.routerBias ? experts : 0), false); // router weight (router.py:64-72)
  if (shape.residualMoe) {
    // DeepSpeed-MoE residual MoE (deepspeed/moe/layer.py: `self.mlp = expert`, `self.coefficient = nn.Linear(h, 2)`):
    // the dense MLP is built with moe=True, so it is not split over TP (Megatron-DeepSpeed layers.py:529-531).
    mlpParams(shape, shape.moeFfn, p, 'replicated');
    put(p, 'replicated', 2 * h + 2, false);
  }
  return p;
}

/** Whether decoder layer i runs in FP8/FP4: not under bf16, and not one of the --first-last-layers-bf16 layers. */
function lowPrecisionLayer(shape: ModelShape, i: number): boolean {
  const { lowPrecision, bf16Layers } = shape.storage;
  return lowPrecision !== null && i >= bf16Layers.start && i < shape.numLayers - bf16Layers.end;
}

/**
 * One multi-token-prediction layer (Megatron-Core multi_token_prediction.py at d98e8a64): enorm and hnorm
 * (:1157-1167), eh_proj 2h → h column-parallel without bias (:1174-1183), a decoder layer of the last decoder
 * layer's spec (gpt_layer_specs.py:769) and a final norm (:1247). The output layer is the model's own.
 */
function mtpLayerParams(shape: ModelShape): PieceParams {
  const h = shape.hidden;
  const p = layerParams(shape, shape.expertsPerLayer[shape.numLayers - 1] ?? 0);
  put(p, 'replicated', 3 * shape.normParamFactor * h, false);
  put(p, 'tpSharded', 2 * h * h, true);
  return p;
}

/** Embedding and output-layer weights of a virtual stage (plain Megatron modules: never FP8). */
function embeddingParams(shape: ModelShape, vs: VirtualStage, p: PieceParams): void {
  const vh = shape.vocabPadded * shape.hidden;
  // With MTP on the last stage, Megatron-Core builds an embedding there too (gpt_model.py:173: `pre_process or
  // mtp_process`); a tied output layer then uses that embedding instead of its own copy.
  const mtpHere = vs.hasLoss && shape.mtpLayers > 0;
  if (vs.hasEmbedding || mtpHere) {
    put(p, 'tpSharded', vh, false);
    if (shape.learnedPositions) put(p, 'replicated', shape.maxPositions * shape.hidden, false);
  }
  if (vs.hasLoss) {
    put(p, 'replicated', shape.normParamFactor * shape.hidden, false); // final norm
    // Untied: the output layer. Tied with p > 1: the last stage keeps its own copy of the embedding.
    const ownsCopy = shape.tied && shape.pp > 1 && !vs.hasEmbedding && !mtpHere;
    if (!shape.tied || ownsCopy) put(p, 'tpSharded', vh, false);
  }
}

/** Parameters held by one rank (whole, before TP/EP division), given its virtual stages. */
function rankParams(shape: ModelShape, stages: readonly VirtualStage[], rank: number): PieceParams {
  const total = zeroPiece();
  const layers = new Map<number, PieceParams>();
  const layerOf = (experts: number): PieceParams => {
    let l = layers.get(experts);
    if (!l) layers.set(experts, (l = layerParams(shape, experts)));
    return l;
  };
  for (const vs of stages) {
    if (vs.rank !== rank) continue;
    // Walk the stage's slots from its first layer, skipping MindSpeed's no-op layers (no weights).
    let built = 0;
    for (let i = vs.firstLayer; built < vs.numLayers && i < shape.numLayers; i++) {
      if (shape.noopLayers[i] === true) continue;
      built++;
      addPiece(total, layerOf(shape.expertsPerLayer[i] ?? 0), lowPrecisionLayer(shape, i));
    }
    embeddingParams(shape, vs, total);
    if (vs.hasLoss && shape.mtpLayers > 0) {
      const mtp = mtpLayerParams(shape);
      // The MTP layers come after the last decoder layer, so --first-last-layers-bf16 keeps them in bf16 too.
      const low = shape.storage.lowPrecision !== null && shape.storage.bf16Layers.end === 0;
      for (let j = 0; j < shape.mtpLayers; j++) addPiece(total, mtp, low);
    }
  }
  return total;
}

const sum = (b: ParamBuckets): number => b.tpSharded + b.replicated + b.expert;

/** Total unique parameters of the model (what model cards publish), and the parameters active per token. */
export function countModelParams(shape: ModelShape): { total: number; active: number } {
  const h = shape.hidden;
  let total = shape.vocabPadded * h + shape.normParamFactor * h;
  if (!shape.tied) total += shape.vocabPadded * h;
  if (shape.learnedPositions) total += shape.maxPositions * h;
  let active = total;
  const count = (l: ParamBuckets, experts: number): void => {
    total += sum(l);
    active += sum(l) - (experts > 0 ? (l.expert * Math.max(0, experts - shape.topk)) / experts : 0);
  };
  for (let i = 0; i < shape.numLayers; i++) {
    // MindSpeed's no-op layers have no weights (NoopTransformerLayer).
    if (shape.noopLayers[i] === true) continue;
    const experts = shape.expertsPerLayer[i] ?? 0;
    count(layerParams(shape, experts).all, experts);
  }
  const mtpExperts = shape.expertsPerLayer[shape.numLayers - 1] ?? 0;
  for (let j = 0; j < shape.mtpLayers; j++) count(mtpLayerParams(shape).all, mtpExperts);
  return { total, active };
}

/** Parameters stored on one GPU of a rank, after TP/EP division. */
interface LocalParams {
  /** Dense parameters (their optimizer state shards over dp·cp). */
  dense: number;
  /** Routed-expert parameters (their optimizer state shards over the expert data-parallel group). */
  expert: number;
  /** Of `dense`, the weights of FP8/FP4 linear layers (0 without FP8/FP4). */
  lowPrecisionDense: number;
  /** Of `expert`, the weights of FP8/FP4 expert linear layers. */
  lowPrecisionExpert: number;
}

/** One GPU's share of whole buckets: dense ones split over t (K/V over min(t, g)), experts over etp·ep. */
function localCounts(shape: ModelShape, buckets: ParamBuckets): { dense: number; expert: number } {
  const t = shape.tp;
  // With g < t each TP rank still holds one whole K/V group (t % g == 0), so K/V are not divided by the full t.
  const kvPerRank = buckets.kv / Math.min(t, shape.kvHeads);
  const dense = (buckets.tpSharded - buckets.kv) / t + kvPerRank + buckets.replicated;
  const expert = buckets.expert / (shape.etp * shape.ep);
  return { dense, expert };
}

/** Parameters on one GPU of each pipeline rank (after TP/EP division), given the virtual stages of the layout. */
export function localParamsPerRank(shape: ModelShape, stages: readonly VirtualStage[]): LocalParams[] {
  return Array.from({ length: shape.pp }, (_, r) => {
    const p = rankParams(shape, stages, r);
    const all = localCounts(shape, p.all);
    const linear = localCounts(shape, p.linear);
    return { ...all, lowPrecisionDense: linear.dense, lowPrecisionExpert: linear.expert };
  });
}

/**
 * Parameters of the largest decoder (or MTP) layer on one GPU after TP/EP division: what FSDP and ZeRO-3 gather
 * for one layer's compute.
 */
export function largestLayerLocalParams(shape: ModelShape): number {
  let largest = 0;
  const kinds = new Set(shape.expertsPerLayer);
  for (const experts of kinds) {
    const local = localCounts(shape, layerParams(shape, experts).all);
    largest = Math.max(largest, local.dense + local.expert);
  }
  if (shape.mtpLayers > 0) {
    const local = localCounts(shape, mtpLayerParams(shape).all);
    largest = Math.max(largest, local.dense + local.expert);
  }
  return largest;
}
