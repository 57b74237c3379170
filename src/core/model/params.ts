// Parameter counts: per decoder layer, per pipeline rank (split by how Megatron shards them) and for the whole
// model. The cost model's DP gradient reduction and the memory model's weights, grads and optimizer state read the
// same counts, so step time and memory cannot disagree on what a rank holds.
import type { VirtualStage } from './layout';
import type { ModelShape } from './shape';

/** Parameters of one piece of the model, split by how Megatron shards them. All counts are whole (unsharded). */
interface ParamBuckets {
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
function layerParams(shape: ModelShape, moe: boolean): ParamBuckets {
  const { hidden: h, heads: a, kvHeads: g, headDim: d } = shape;
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
function rankParamBuckets(shape: ModelShape, stages: readonly VirtualStage[], rank: number): ParamBuckets {
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
    // MindSpeed's no-op layers have no weights (NoopTransformerLayer).
    if (shape.noopLayers[i] === true) continue;
    const l = shape.moeLayers[i] ? moe : dense;
    const all = l.tpSharded + l.replicated + l.expert;
    total += all;
    active += all - (shape.numExperts > 0 ? (l.expert * (shape.numExperts - shape.topk)) / shape.numExperts : 0);
  }
  return { total, active };
}

/** Parameters stored on one GPU of the rank: dense ones (DP-sharded optimizer over dp·cp) and routed experts. */
function localParamCounts(shape: ModelShape, buckets: ParamBuckets): { dense: number; expert: number } {
  const t = shape.tp;
  // With g < t each TP rank still holds one whole K/V group (t % g == 0), so K/V are not divided by the full t.
  const kvPerRank = buckets.kv / Math.min(t, shape.kvHeads);
  const dense = (buckets.tpSharded - buckets.kv) / t + kvPerRank + buckets.replicated;
  const expert = buckets.expert / (shape.etp * shape.ep);
  return { dense, expert };
}

/** Parameters on one GPU of each pipeline rank (after TP/EP division), given the virtual stages of the layout. */
export function localParamsPerRank(
  shape: ModelShape,
  stages: readonly VirtualStage[],
): { dense: number; expert: number }[] {
  return Array.from({ length: shape.pp }, (_, r) => localParamCounts(shape, rankParamBuckets(shape, stages, r)));
}
