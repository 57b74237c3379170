// Static memory per pipeline rank: which parameters live on each rank, and what weights, gradients and optimizer
// state cost in bytes. Follows megatron.md §3.1, but from the real layer assignment (uneven PP, account-for flags,
// VPP chunks) instead of Megatron's "first stage of an even split" shortcut, and with the corrections listed there
// (shard group dp·cp / instances, --grad-reduce-in-bf16, biases, learned position embeddings, GQA with g < t).
import type { Precision, RunConfig } from '../types';

/** Everything the memory model needs, with Megatron's defaults applied; built once per RunConfig. */
export interface ModelShape {
  numLayers: number;
  hidden: number;
  heads: number;
  /** g: K/V heads (= heads without GQA). */
  queryGroups: number;
  /** d: head dimension. */
  kvChannels: number;
  ffn: number;
  glu: boolean;
  vocabPadded: number;
  seqLength: number;
  microBatch: number;
  tp: number;
  pp: number;
  cp: number;
  ep: number;
  etp: number;
  dp: number;
  /** Data-parallel size of the expert grid: world / (etp·ep·pp); folds in cp. */
  expertDp: number;
  /** Parameters per norm: 2h for LayerNorm (weight + bias), h for RMSNorm → 2 or 1. */
  normParamFactor: 1 | 2;
  bias: boolean;
  learnedPositions: boolean;
  maxPositions: number;
  tied: boolean;
  numExperts: number;
  topk: number;
  moeFfn: number;
  sharedExpertFfn: number;
  /** Length numLayers: true where the layer is MoE. */
  moeLayers: boolean[];
  precision: Precision;
  distributedOptimizer: boolean;
  gradReduceInBf16: boolean;
  distOptInstances: number;
  sequenceParallel: boolean;
  /** True when attention does not store the s² score matrix (flash / fused / TE auto). */
  flashAttention: boolean;
  /**
   * The pre-2024 local layer with --use-flash-attn (the Seq1F1B repo's code path): K/V are expanded to all heads
   * before flash-attn, and the flash output is copied (contiguous) before the output projection, so both copies live.
   */
  legacyFlashPath: boolean;
  hiddenDropout: number;
  attentionDropout: number;
  recompute: 'full' | 'selective' | null;
  recomputeMethod: 'uniform' | 'block' | null;
  recomputeNumLayers: number;
  recomputeModules: string[];
  distributeSavedActivations: boolean;
  accountEmbedding: boolean;
  accountLoss: boolean;
  firstStageLayers: number | null;
  lastStageLayers: number | null;
  /** File's virtual stages (1 when VPP is off). */
  virtualStages: number;
}

export interface ShapeResolution {
  shape: ModelShape | null;
  /** RunConfig fields that are required but unknown (shape is null then). */
  missing: string[];
  /** Defaults we assumed for unknown (null) fields, for the report. */
  assumptions: string[];
}

const pos = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;

/** Padded vocabulary as Megatron computes it: ceil(V / (unit·t))·(unit·t). */
export function padVocab(vocab: number, divisibleBy: number, tp: number): number {
  const unit = divisibleBy * tp;
  return Math.ceil(vocab / unit) * unit;
}

export function resolveModelShape(config: RunConfig): ShapeResolution {
  const missing: string[] = [];
  const assumptions: string[] = [];
  const need = (key: keyof RunConfig): number => {
    const v = config[key];
    if (!pos(v as number | null)) missing.push(key);
    return v as number;
  };
  const L = need('numLayers');
  const h = need('hiddenSize');
  const a = need('numAttentionHeads');
  const s = need('seqLength');
  const tp = pos(config.tensorParallel) ? config.tensorParallel : 1;
  let vocabPadded = config.paddedVocabSize;
  if (!pos(vocabPadded) && pos(config.vocabSize)) vocabPadded = padVocab(config.vocabSize, config.makeVocabSizeDivisibleBy ?? 128, tp);
  if (!pos(vocabPadded)) missing.push('paddedVocabSize');
  if (missing.length > 0) return { shape: null, missing, assumptions };

  const pp = pos(config.pipelineParallel) ? config.pipelineParallel : 1;
  const cp = pos(config.contextParallel) ? config.contextParallel : 1;
  const ep = pos(config.expertParallel) ? config.expertParallel : 1;
  const etp = pos(config.expertTensorParallel) ? config.expertTensorParallel : tp;
  let dp = config.dataParallel;
  if (!pos(dp)) {
    dp = pos(config.worldSize) ? Math.max(1, Math.floor(config.worldSize / (tp * pp * cp))) : 1;
    if (!pos(config.worldSize)) assumptions.push(`data-parallel size ${dp}`);
  }
  const world = pos(config.worldSize) ? config.worldSize : dp * tp * pp * cp;
  const expertDp = Math.max(1, Math.floor(world / (etp * ep * pp)));

  // Megatron silently ignores --num-query-groups without --group-query-attention.
  let g = a;
  if (config.groupQueryAttention === true) g = pos(config.numQueryGroups) ? config.numQueryGroups : 1;
  else if (config.groupQueryAttention == null && pos(config.numQueryGroups)) g = config.numQueryGroups;
  const d = pos(config.kvChannels) ? config.kvChannels : h / a;
  const glu = config.swiglu === true;
  const ffn = pos(config.ffnHiddenSize) ? config.ffnHiddenSize : glu ? Math.floor((8 * h) / 3 / 64) * 64 : 4 * h;

  const numExperts = pos(config.numExperts) ? config.numExperts : 0;
  let moeLayers: boolean[] = new Array<boolean>(L).fill(false);
  if (numExperts > 0) {
    const pattern = config.moeLayerPattern;
    moeLayers = pattern && pattern.length === L ? pattern.map((x) => x !== 0) : new Array<boolean>(L).fill(true);
  }

  let precision = config.precision;
  if (precision == null) {
    precision = 'bf16';
    assumptions.push('bf16 (precision unknown)');
  }
  const positionType = config.positionEmbeddingType ?? 'learned_absolute';
  const backend = (config.attentionBackend ?? '').toLowerCase();
  // TE (the default implementation) picks flash/fused unless the backend is forced to unfused/local; the local
  // implementation only avoids the s² scores with --use-flash-attn.
  const localImpl = (config.transformerImpl ?? 'transformer_engine') === 'local';
  const flashAttention = backend === 'unfused' || backend === 'local' ? false : localImpl ? config.useFlashAttn === true : true;

  const recompute = config.recomputeGranularity;
  const recomputeModules = config.recomputeModules && config.recomputeModules.length > 0 ? config.recomputeModules : ['core_attn'];

  const shape: ModelShape = {
    numLayers: L,
    hidden: h,
    heads: a,
    queryGroups: g,
    kvChannels: d,
    ffn,
    glu,
    vocabPadded: vocabPadded as number,
    seqLength: s,
    microBatch: pos(config.microBatchSize) ? config.microBatchSize : 1,
    tp,
    pp,
    cp,
    ep,
    etp,
    dp,
    expertDp,
    normParamFactor: config.normalization === 'RMSNorm' ? 1 : 2,
    bias: config.addBiasLinear ?? true,
    learnedPositions: positionType === 'learned_absolute',
    maxPositions: pos(config.maxPositionEmbeddings) ? config.maxPositionEmbeddings : s,
    tied: !(config.untieEmbeddingsAndOutputWeights ?? false),
    numExperts,
    topk: numExperts > 0 ? (pos(config.moeRouterTopk) ? config.moeRouterTopk : 2) : 0,
    moeFfn: pos(config.moeFfnHiddenSize) ? config.moeFfnHiddenSize : ffn,
    sharedExpertFfn: pos(config.moeSharedExpertIntermediateSize) ? config.moeSharedExpertIntermediateSize : 0,
    moeLayers,
    precision,
    distributedOptimizer: config.distributedOptimizer ?? false,
    gradReduceInBf16: config.gradReduceInBf16 ?? false,
    distOptInstances: pos(config.numDistributedOptimizerInstances) ? config.numDistributedOptimizerInstances : 1,
    // Megatron turns SP off when t == 1.
    sequenceParallel: (config.sequenceParallel ?? false) && tp > 1,
    flashAttention,
    legacyFlashPath: localImpl && flashAttention,
    // Megatron's defaults are 0.1 for both.
    hiddenDropout: config.hiddenDropout ?? 0.1,
    attentionDropout: config.attentionDropout ?? 0.1,
    recompute,
    recomputeMethod: config.recomputeMethod,
    recomputeNumLayers: pos(config.recomputeNumLayers) ? config.recomputeNumLayers : 1,
    recomputeModules,
    distributeSavedActivations: config.distributeSavedActivations ?? false,
    accountEmbedding: config.accountForEmbeddingInPipelineSplit ?? false,
    accountLoss: config.accountForLossInPipelineSplit ?? false,
    firstStageLayers: pos(config.decoderFirstPipelineNumLayers) ? config.decoderFirstPipelineNumLayers : null,
    lastStageLayers: pos(config.decoderLastPipelineNumLayers) ? config.decoderLastPipelineNumLayers : null,
    virtualStages: pos(config.virtualStages) ? config.virtualStages : 1,
  };
  return { shape, missing, assumptions };
}

// ─── Layer assignment ────────────────────────────────────────────────────────────────────────────

/** One model chunk on one rank: virtual stage vs = modelChunk·p + rank. */
export interface VirtualStage {
  rank: number;
  modelChunk: number;
  /** Global index of its first decoder layer. */
  firstLayer: number;
  numLayers: number;
  numMoeLayers: number;
  hasEmbedding: boolean;
  hasLoss: boolean;
}

/** Splits n items into parts as evenly as Megatron would if it allowed a remainder (earlier parts get the extra). */
function spread(n: number, parts: number): number[] {
  const base = Math.floor(n / parts);
  const extra = n - base * parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/**
 * Decoder layers per virtual stage, indexed vs = modelChunk·p + rank, as transformer_block.get_num_layers_to_build
 * assigns them. Invalid splits (which the config validator reports) are spread as evenly as possible instead.
 */
export function layerLayout(shape: ModelShape, virtualStages: number): VirtualStage[] {
  const p = shape.pp;
  const v = Math.max(1, virtualStages);
  const L = shape.numLayers;
  const counts = new Array<number>(p * v).fill(0);
  if ((shape.firstStageLayers != null || shape.lastStageLayers != null) && p > 1) {
    const first = shape.firstStageLayers;
    const last = shape.lastStageLayers;
    const middleStages = p - (first != null ? 1 : 0) - (last != null ? 1 : 0);
    const middleLayers = L - (first ?? 0) - (last ?? 0);
    const perMiddle = middleStages > 0 ? spread(Math.max(0, middleLayers), middleStages) : [];
    let mi = 0;
    for (let r = 0; r < p; r++) {
      const onRank = r === 0 && first != null ? first : r === p - 1 && last != null ? last : perMiddle[mi++] ?? 0;
      const perChunk = spread(onRank, v);
      for (let c = 0; c < v; c++) counts[c * p + r] = perChunk[c];
    }
  } else {
    // The account-for flags count the embedding / loss as one layer of the split; that slot builds no decoder layer.
    const slots = L + (shape.accountEmbedding ? 1 : 0) + (shape.accountLoss ? 1 : 0);
    const perRank = spread(slots, p);
    for (let r = 0; r < p; r++) {
      const perChunk = spread(perRank[r], v);
      for (let c = 0; c < v; c++) counts[c * p + r] = perChunk[c];
    }
    if (shape.accountEmbedding) counts[0] = Math.max(0, counts[0] - 1);
    if (shape.accountLoss) counts[p * v - 1] = Math.max(0, counts[p * v - 1] - 1);
  }
  const stages: VirtualStage[] = [];
  let next = 0;
  for (let vs = 0; vs < p * v; vs++) {
    const n = Math.min(counts[vs], L - next);
    let moe = 0;
    for (let i = next; i < next + n; i++) if (shape.moeLayers[i]) moe++;
    stages.push({ rank: vs % p, modelChunk: Math.floor(vs / p), firstLayer: next, numLayers: n, numMoeLayers: moe, hasEmbedding: vs === 0, hasLoss: vs === p * v - 1 });
    next += n;
  }
  return stages;
}

// ─── Parameter counts ────────────────────────────────────────────────────────────────────────────

/** Parameters of one piece of the model, split by how Megatron shards them. All counts are whole (unsharded). */
export interface ParamBuckets {
  /** Divided by t: attention, dense MLP, shared experts, word embedding, output layer, column-parallel biases. */
  tpSharded: number;
  /** Same on every TP rank: norms, router, row-parallel biases, learned position embeddings. */
  replicated: number;
  /** Routed experts: divided by etp·ep. */
  expert: number;
  /** K and V projection weights (+ biases); inside tpSharded, but replicated when g < t. */
  kv: number;
}

const zero = (): ParamBuckets => ({ tpSharded: 0, replicated: 0, expert: 0, kv: 0 });

function add(to: ParamBuckets, from: ParamBuckets, times = 1): void {
  to.tpSharded += from.tpSharded * times;
  to.replicated += from.replicated * times;
  to.expert += from.expert * times;
  to.kv += from.kv * times;
}

/** One decoder layer. */
export function layerParams(shape: ModelShape, moe: boolean): ParamBuckets {
  const { hidden: h, heads: a, queryGroups: g, kvChannels: d } = shape;
  const gluWidth = shape.glu ? 2 : 1;
  const b = zero();
  const kvWeights = 2 * h * g * d + (shape.bias ? 2 * g * d : 0);
  // Q and O projections, K and V projections.
  b.tpSharded += 2 * h * a * d + kvWeights;
  b.kv += kvWeights;
  if (shape.bias) {
    b.tpSharded += a * d; // Q bias (column-parallel)
    b.replicated += h; // output-projection bias (row-parallel, added after the all-reduce)
  }
  b.replicated += 2 * shape.normParamFactor * h; // pre-attention and pre-MLP norms
  if (!moe) {
    b.tpSharded += h * shape.ffn * gluWidth + shape.ffn * h;
    if (shape.bias) {
      b.tpSharded += shape.ffn * gluWidth;
      b.replicated += h;
    }
  } else {
    const E = shape.numExperts;
    const fe = shape.moeFfn;
    b.expert += E * (h * fe * gluWidth + fe * h + (shape.bias ? fe * gluWidth + h : 0));
    const fsh = shape.sharedExpertFfn;
    if (fsh > 0) b.tpSharded += h * fsh * gluWidth + fsh * h;
    b.replicated += h * E; // router
  }
  return b;
}

/** Parameters held by one rank (whole, before TP/EP division), given its virtual stages. */
export function rankParamBuckets(shape: ModelShape, stages: VirtualStage[], rank: number): ParamBuckets {
  const total = zero();
  const dense = layerParams(shape, false);
  const moe = layerParams(shape, true);
  for (const vs of stages) {
    if (vs.rank !== rank) continue;
    add(total, dense, vs.numLayers - vs.numMoeLayers);
    add(total, moe, vs.numMoeLayers);
    if (vs.hasEmbedding) {
      total.tpSharded += shape.vocabPadded * shape.hidden;
      if (shape.learnedPositions) total.replicated += shape.maxPositions * shape.hidden;
    }
    if (vs.hasLoss) {
      total.replicated += shape.normParamFactor * shape.hidden; // final norm
      // Untied: the output layer. Tied with p > 1: the last stage keeps its own copy of the embedding.
      if (!shape.tied || shape.pp > 1) total.tpSharded += shape.vocabPadded * shape.hidden;
    }
  }
  return total;
}

/** Total unique parameters of the model (what model cards publish), and the parameters active per token. */
export function countModelParams(shape: ModelShape): { total: number; active: number } {
  const h = shape.hidden;
  let total = shape.vocabPadded * h + shape.normParamFactor * h;
  if (!shape.tied) total += shape.vocabPadded * h;
  if (shape.learnedPositions) total += shape.maxPositions * h;
  let active = total;
  const dense = layerParams(shape, false);
  const moe = layerParams(shape, true);
  for (let i = 0; i < shape.numLayers; i++) {
    const l = shape.moeLayers[i] ? moe : dense;
    const all = l.tpSharded + l.replicated + l.expert;
    total += all;
    active += all - (shape.numExperts > 0 ? (l.expert * (shape.numExperts - shape.topk)) / shape.numExperts : 0);
  }
  return { total, active };
}

/** Parameters stored on one GPU of the rank: dense ones (DP-sharded optimizer over dp·cp) and routed experts. */
export function localParamCounts(shape: ModelShape, buckets: ParamBuckets): { dense: number; expert: number } {
  const t = shape.tp;
  // With g < t each TP rank still holds one whole K/V group (t % g == 0), so K/V are not divided by the full t.
  const kvPerRank = buckets.kv / Math.min(t, shape.queryGroups);
  const dense = (buckets.tpSharded - buckets.kv) / t + kvPerRank + buckets.replicated;
  const expert = buckets.expert / (shape.etp * shape.ep);
  return { dense, expert };
}

// ─── Bytes per parameter ─────────────────────────────────────────────────────────────────────────

export interface BytesPerParam {
  weight: number;
  grad: number;
  optimizer: number;
}

/**
 * Mixed-precision Adam as in Megatron's distributed-optimizer guide: bf16 2 + fp32 grad 4 + (fp32 master 4 + m 4 +
 * v 4) = 18; fp16 keeps 2-byte grads but an extra fp32 grad copy in the optimizer (20); fp32 has no master copy (16).
 * The distributed optimizer shards only the optimizer part over `shardGroup` ranks.
 */
export function bytesPerParam(precision: Precision, distributedOptimizer: boolean, gradReduceInBf16: boolean, shardGroup: number): BytesPerParam {
  const shard = distributedOptimizer ? Math.max(1, shardGroup) : 1;
  if (precision === 'fp16') return { weight: 2, grad: 2, optimizer: 16 / shard };
  if (precision === 'fp32') return { weight: 4, grad: 4, optimizer: 8 / shard };
  return { weight: 2, grad: gradReduceInBf16 ? 2 : 4, optimizer: 12 / shard };
}

export interface StaticMemory {
  rank: number;
  /** Parameters on one GPU of this rank (after TP/EP division). */
  denseParams: number;
  expertParams: number;
  weightsBytes: number;
  gradsBytes: number;
  optimizerBytes: number;
}

/** Weights, grads and optimizer state per pipeline rank. */
export function staticMemoryPerRank(shape: ModelShape, virtualStages: number): StaticMemory[] {
  const stages = layerLayout(shape, virtualStages);
  const denseBpp = bytesPerParam(shape.precision, shape.distributedOptimizer, shape.gradReduceInBf16, (shape.dp * shape.cp) / shape.distOptInstances);
  const expertBpp = bytesPerParam(shape.precision, shape.distributedOptimizer, shape.gradReduceInBf16, shape.expertDp / shape.distOptInstances);
  const out: StaticMemory[] = [];
  for (let r = 0; r < shape.pp; r++) {
    const local = localParamCounts(shape, rankParamBuckets(shape, stages, r));
    out.push({
      rank: r,
      denseParams: local.dense,
      expertParams: local.expert,
      weightsBytes: local.dense * denseBpp.weight + local.expert * expertBpp.weight,
      gradsBytes: local.dense * denseBpp.grad + local.expert * expertBpp.grad,
      optimizerBytes: local.dense * denseBpp.optimizer + local.expert * expertBpp.optimizer,
    });
  }
  return out;
}
