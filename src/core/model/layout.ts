// Which decoder layers live on which pipeline rank and model chunk: the one placement the cost model (FLOPs per
// virtual stage), the memory model (weights and activations per rank) and the recommendation read.
import type { ModelShape } from './shape';

/** The part of the shape the layer placement depends on. */
export type LayoutShape = Pick<
  ModelShape,
  | 'numLayers'
  | 'pp'
  | 'moeLayers'
  | 'accountEmbedding'
  | 'accountLoss'
  | 'firstStageLayers'
  | 'lastStageLayers'
  | 'layerSplitMethod'
  | 'stageLayers'
  | 'noopLayers'
>;

/** One model chunk on one rank: virtual stage vs = modelChunk·p + rank (in a V's odd chunks, + p − 1 − rank). */
export interface VirtualStage {
  rank: number;
  modelChunk: number;
  /** Global index of its first decoder layer slot. */
  firstLayer: number;
  /** Decoder layers built with weights and compute (its slots less MindSpeed's no-op layers). */
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

/** Whether the split is L (+ account-for slots) over p, rather than given first/last-stage counts. */
const slotSplit = (shape: LayoutShape): boolean =>
  shape.stageLayers == null && ((shape.firstStageLayers == null && shape.lastStageLayers == null) || shape.pp === 1);

/** The dialect's own counts per virtual stage, when they are for v chunks per rank. */
const statedFor = (shape: LayoutShape, v: number): number[] | null =>
  shape.stageLayers && shape.stageLayers.length === shape.pp * v ? shape.stageLayers : null;

/**
 * The rank of virtual stage vs of p ranks. Interleaved: vs mod p. V shape (ZB-V, V-Half, V-Min, DualPipeV): odd
 * chunks come back up, so rank r holds virtual stages r and 2p − 1 − r and the last one — output layer and loss — is
 * on rank 0 with the embedding (the Zero-Bubble fork's layer_group_idx, sail-sg/zero-bubble-pipeline-parallelism
 * 39f2c186 zbv.py:310-314, zbv_greedy.py:273-277; schedule/placement.ts is the same rule for the timeline).
 */
const rankOfStage = (vs: number, p: number, vShape: boolean): number =>
  vShape && Math.floor(vs / p) % 2 === 1 ? p - 1 - (vs % p) : vs % p;

/** Decoder layers (+ account-for slots) on each pipeline rank before the split into model chunks (invalid splits spread evenly). */
function layersOnRanks(shape: LayoutShape, vShape: boolean): number[] {
  const p = shape.pp;
  if (shape.stageLayers) {
    const onRanks = new Array<number>(p).fill(0);
    shape.stageLayers.forEach((n, vs) => {
      const r = rankOfStage(vs, p, vShape);
      onRanks[r] = (onRanks[r] ?? 0) + n;
    });
    return onRanks;
  }
  const first = shape.firstStageLayers;
  const last = shape.lastStageLayers;
  if (slotSplit(shape))
    return spread(shape.numLayers + (shape.accountEmbedding ? 1 : 0) + (shape.accountLoss ? 1 : 0), p);
  const middleStages = p - (first != null ? 1 : 0) - (last != null ? 1 : 0);
  const perMiddle =
    middleStages > 0 ? spread(Math.max(0, shape.numLayers - (first ?? 0) - (last ?? 0)), middleStages) : [];
  let mi = 0;
  return Array.from({ length: p }, (_, r) =>
    r === 0 && first != null ? first : r === p - 1 && last != null ? last : (perMiddle[mi++] ?? 0),
  );
}

/**
 * Decoder layers per virtual stage, indexed vs = modelChunk·p + rank, as transformer_block.get_num_layers_to_build
 * assigns them: L/p per rank, or the given first/last-stage counts with the rest spread over the middle ranks
 * (--decoder-first/last-pipeline-num-layers), each rank's layers spread over its v model chunks. The account-for
 * flags (--account-for-embedding/loss-in-pipeline-split) count the embedding / loss as one layer slot of the first /
 * last virtual stage, which builds no decoder layer there. A dialect's own placement (a layout string, MindSpeed's
 * list, Zero-Bubble padding, DeepSpeed's partition: shape.stageLayers) is taken as it is when it is for v chunks per
 * rank; for another v (a what-if) each rank's total is spread over the v chunks. MindSpeed's no-op layers keep their
 * slot but count as no layer. Invalid splits (see layerSplitProblem) are spread as evenly as possible instead, so the
 * memory model can still estimate them. `vShape`: the chunks sit in a V (rankOfStage) — the layers of each virtual
 * stage are the same, the rank that holds them is not.
 */
export function layerLayout(
  shape: LayoutShape,
  virtualStages: number,
  vShape = false,
  bidirectional = false,
): VirtualStage[] {
  const p = shape.pp;
  if (bidirectional) return bidirectionalLayout(shape);
  const v = Math.max(1, virtualStages);
  const L = shape.numLayers;
  const stated = statedFor(shape, v);
  const counts = stated ? [...stated] : new Array<number>(p * v).fill(0);
  // Rank r's share of its total goes to its chunk c, which is virtual stage c·p + r, or c·p + p − 1 − r in a V's odd chunk.
  const stageOf = (c: number, r: number): number => c * p + (vShape && c % 2 === 1 ? p - 1 - r : r);
  if (!stated)
    layersOnRanks(shape, vShape).forEach((onRank, r) =>
      spread(onRank, v).forEach((n, c) => (counts[stageOf(c, r)] = n)),
    );
  const slotted = slotSplit(shape);
  if (slotted && shape.accountEmbedding) counts[0] = Math.max(0, (counts[0] ?? 0) - 1);
  if (slotted && shape.accountLoss) counts[p * v - 1] = Math.max(0, (counts[p * v - 1] ?? 0) - 1);
  const stages: VirtualStage[] = [];
  let next = 0;
  counts.forEach((count, vs) => {
    const n = Math.max(0, Math.min(count, L - next));
    let moe = 0;
    let noop = 0;
    for (let i = next; i < next + n; i++) {
      if (shape.noopLayers[i] === true) noop++;
      else if (shape.moeLayers[i] === true) moe++;
    }
    stages.push({
      rank: rankOfStage(vs, p, vShape),
      modelChunk: Math.floor(vs / p),
      firstLayer: next,
      numLayers: n - noop,
      numMoeLayers: moe,
      hasEmbedding: vs === 0,
      hasLoss: vs === p * v - 1,
    });
    next += n;
  });
  return stages;
}

/**
 * DualPipe (schedule/dualPipe.ts): the model's p stages, each a whole stage of the plain split (L/p layers, not L/2p as
 * a V's chunks), twice — virtual stage x (direction 0) on rank x and virtual stage p + x (direction 1) on rank
 * p − 1 − x, both model stage x with its layers, embedding and loss. So every rank holds two stages' weights, the
 * README's "Parameter Per Device 2×" (deepseek-ai/DualPipe 3da1bbe README.md; examples/example_dualpipe.py:138 builds
 * rank r from full_modules[rank] and full_modules[pp_size − 1 − rank]).
 */
function bidirectionalLayout(shape: LayoutShape): VirtualStage[] {
  const p = shape.pp;
  const stages = layerLayout(shape, 1);
  return [...stages, ...stages.map((st, x) => ({ ...st, rank: p - 1 - x, modelChunk: 1 }))];
}

/** Decoder layers on each pipeline rank (all its model chunks together). */
export function layersPerRank(stages: readonly VirtualStage[], p: number): number[] {
  const out = new Array<number>(p).fill(0);
  for (const s of stages) out[s.rank] = (out[s.rank] ?? 0) + s.numLayers;
  return out;
}

/** Why there is no placement when the dialect places the layers itself (the resolver's source note has the detail). */
const REFUSED: Record<Exclude<LayoutShape['layerSplitMethod'], 'megatron'>, string> = {
  layout: 'Megatron would not accept this --pipeline-model-parallel-layout (see the diagnostic on it)',
  'num-layer-list':
    'MindSpeed-LLM would not accept this --num-layer-list (see the diagnostic on it), or its layerwise form (PP + 1 entries) is not modelled',
  'zero-bubble-padding': "the Zero-Bubble fork's padded layers do not split into the virtual stages",
  'deepspeed-balanced':
    "DeepSpeed's pipeline partition of this model is not modelled (fewer layers than stages, or VPP)",
  'vocab-parallel-fork': 'the Vocabulary Parallelism fork would not accept this layer split (see the diagnostic on it)',
};

/**
 * Why the file's Megatron would refuse this layer split, or null. A dialect that places the layers itself
 * (shape.layerSplitMethod) refuses only what its own checks refuse — the resolver leaves stageLayers null then;
 * otherwise Megatron-LM's rules: L (+ account-for slots) divisible by p, or first/last-stage
 * counts that leave a remainder the middle ranks can share evenly. The time model refuses such a split; the memory
 * model spreads it (layerLayout) and the config validator reports it.
 */
export function layerSplitProblem(shape: LayoutShape): string | null {
  const p = shape.pp;
  const first = shape.firstStageLayers;
  const last = shape.lastStageLayers;
  if (shape.layerSplitMethod !== 'megatron') {
    if (shape.stageLayers && shape.stageLayers.length % p === 0) return null;
    return REFUSED[shape.layerSplitMethod];
  }
  if (p === 1) return null;
  if (first == null && last == null) {
    const slotted = shape.accountEmbedding || shape.accountLoss;
    const slots = shape.numLayers + (shape.accountEmbedding ? 1 : 0) + (shape.accountLoss ? 1 : 0);
    return slots % p === 0
      ? null
      : `Megatron needs the layers${slotted ? ' (+ embedding/loss slots)' : ''} divisible by the pipeline size (${slots} layers, p=${p})`;
  }
  const rest = shape.numLayers - (first ?? 0) - (last ?? 0);
  const middle = p - (first != null ? 1 : 0) - (last != null ? 1 : 0);
  if (rest < 0 || (middle > 0 && rest % middle !== 0) || (middle === 0 && rest !== 0)) {
    return `the first/last-stage layer counts leave ${rest} layers that Megatron cannot spread evenly over ${middle} middle stages`;
  }
  return null;
}
