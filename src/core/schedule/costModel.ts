// Per-op durations (ms) of a real run, built from terms (cost/layer.ts: GEMMs at a size-dependent efficiency,
// attention, memory-bound kernels, exposed TP / EP / CP communication, recompute), plus the output layer and loss on
// the last stage, a fixed cost per op, the p2p hops between stages (cost/pipelineComm.ts) and what follows the flush:
// DP gradient reduction and the optimizer step (cost/afterFlush.ts). Durations are computed once per (virtual stage,
// chunk) unit — every microbatch of a unit costs the same — and the same terms are kept per unit so the step time can
// be broken down (stepBreakdown.ts). Every constant is in cost/constants.ts with its source; EngineOptions.costConstants
// overrides them.
import { layerLayout, type VirtualStage } from '../model/layout';
import type { ModelShape } from '../model/shape';
import type { GpuProfile, RunConfig } from '../types';
import { afterFlush, NO_RUN_FLAGS, type CostRunFlags } from './cost/afterFlush';
import { inputHopSlot, placementTables, type PlacementTables } from './placement';
import type { CostConstants } from './cost/constants';
import { gemmMs, kernelRates, linkOf, ringMs, type KernelRates, type Link } from './cost/kernels';
import { layerCost, type LayerContext, type LayerCost } from './cost/layer';
import { hopsAcrossNodes, p2pCosts } from './cost/pipelineComm';
import type { SimCosts } from './simulator';

export { DEFAULT_COST_CONSTANTS, type CostConstants } from './cost/constants';
export { layerForwardFlops } from './cost/layer';

/** What an op's time is spent on (the step-time breakdown's categories inside ops). */
export const OP_TERMS = ['compute', 'nonGemm', 'comm', 'recompute', 'overhead'] as const;
export type OpTerm = (typeof OP_TERMS)[number];
/** ms per unit (index vs·k + chunk) of one term. */
export type TermTable = Record<OpTerm, Float64Array>;

export interface StageCosts {
  costs: SimCosts;
  /** The terms each unit's F, B and W durations are the sum of. */
  terms: { forward: TermTable; backward: TermTable; weight: TermTable };
  /** Exposed DP (× CP) gradient reduction and parameter all-gather after the flush, per rank, ms. */
  dpSyncMsPerRank: Float64Array;
  /** Optimizer step per rank, ms. */
  optimizerMsPerRank: Float64Array;
  /** What each rank does after its last op: dpSyncMsPerRank + optimizerMsPerRank + constants.stepOverheadMs. */
  afterFlushMsPerRank: Float64Array;
  /** Gradient bytes one GPU of each rank reduces over DP (the memory model's gradient bytes of the same rank). */
  dpGradBytesPerRank: Float64Array;
  /** Whether each forward hop r → r+1 (mod p) crosses nodes. */
  hopInterNode: boolean[];
  dpInterNode: boolean;
  tpInterNode: boolean;
}

/**
 * The flags of the file that the cost model reads beyond the model shape. Gradient bytes follow Megatron's DDP:
 * fp32 main grads under bf16 (arguments.py forces accumulate_allreduce_grads_in_fp32) unless --grad-reduce-in-bf16;
 * 2-byte grads under fp16 unless --accumulate-allreduce-grads-in-fp32.
 */
export function costFlagsOf(config: RunConfig): CostRunFlags {
  const precision = config.precision ?? 'bf16';
  const gradBytes =
    precision === 'fp16'
      ? config.accumulateAllreduceGradsInFp32 === true
        ? 4
        : 2
      : precision === 'bf16' && config.gradReduceInBf16 === true
        ? 2
        : 4;
  return {
    tpCommOverlap: config.tpCommOverlap === true,
    overlapGradReduce: config.overlapGradReduce === true,
    overlapParamGather: config.overlapParamGather === true,
    gradBytes,
    bucketElements: config.ddpBucketSize ?? null,
    fp8: config.fp8Format != null,
    p2pScatterGather: config.transformerImpl === 'local',
    p2pOverlap: config.interleavedMinPipeline === 2,
  };
}

const newTable = (units: number): TermTable => ({
  compute: new Float64Array(units),
  nonGemm: new Float64Array(units),
  comm: new Float64Array(units),
  recompute: new Float64Array(units),
  overhead: new Float64Array(units),
});

function sumTerms(t: TermTable, idx: number): number {
  return t.compute[idx]! + t.nonGemm[idx]! + t.comm[idx]! + t.recompute[idx]! + t.overhead[idx]!;
}

/** Links of the TP, EP and CP groups: ranks ordered TP fastest, then CP, then DP (EP inside the expert grid). */
function groupLinks(mdl: ModelShape, gpu: GpuProfile, c: CostConstants, gpusPerNode: number) {
  const raw = (inter: boolean): Link =>
    inter
      ? { GBps: gpu.interNodeGBps, latencyUs: gpu.interNodeLatencyUs }
      : { GBps: gpu.intraNodeGBps, latencyUs: gpu.intraNodeLatencyUs };
  const tpInterNode = mdl.tp > gpusPerNode;
  return {
    tpInterNode,
    tpLink: linkOf(gpu, c, tpInterNode),
    epLink: raw(mdl.etp * mdl.ep > gpusPerNode),
    cpLink: raw(mdl.tp * mdl.cp > gpusPerNode),
  };
}

/**
 * The tables already built for a shape (its object, which one analysis shares between all its evaluations:
 * schedule/analysisMemo.ts), by everything else they depend on. An analysis asks for the same tables again and again —
 * the engine's schedules, the Seq1F1B k candidates, the sweep's candidates and its lower bounds (a 24-layer PP 4 file:
 * 31 requests, 15 distinct) — and each took ~50–150 µs. The tables are only read by their users (simulator, breakdown,
 * lower bound), so sharing them is safe; they live as long as the shape.
 */
const costsByShape = new WeakMap<ModelShape, Map<string, CostsEntry[]>>();

interface CostsEntry {
  gpu: GpuProfile;
  constants: CostConstants;
  flags: CostRunFlags;
  costs: StageCosts;
}

/**
 * Durations for every (virtual stage, chunk) of a schedule with p ranks, v model chunks per rank and the given chunk
 * lengths. zeroBubble splits each backward into B (input gradients, attention backward, non-GEMM backward, recompute)
 * and W (the weight-gradient GEMMs). The layers of each virtual stage come from model/layout.
 */
export function buildStageCosts(
  mdl: ModelShape,
  v: number,
  chunkLengths: number[],
  zeroBubble: boolean,
  gpu: GpuProfile,
  constants: CostConstants,
  flags: CostRunFlags = NO_RUN_FLAGS,
): StageCosts {
  let built = costsByShape.get(mdl);
  if (!built) costsByShape.set(mdl, (built = new Map()));
  const key = `${v}|${zeroBubble}|${chunkLengths.join(',')}`;
  let entries = built.get(key);
  // The GPU by its object; the constants and flags (fresh objects per evaluation) field by field, so a field added
  // to either later is compared too.
  const hit = entries?.find((e) => e.gpu === gpu && sameFields(e.constants, constants) && sameFields(e.flags, flags));
  if (hit) return hit.costs;
  // A calibration fit asks for one shape under thousands of constants: keep the tables of the recent ones only.
  if (built.size >= MAX_COSTS_PER_SHAPE || (entries?.length ?? 0) >= MAX_COSTS_PER_SHAPE) built.clear();
  if (!entries || !built.has(key)) built.set(key, (entries = []));
  const costs = computeStageCosts(mdl, v, chunkLengths, zeroBubble, gpu, constants, flags);
  entries.push({ gpu, constants: { ...constants }, flags: { ...flags }, costs });
  return costs;
}

/** Whether two flat objects have the same fields with the same values (NaN equals NaN, as Object.is says). */
function sameFields(a: object, b: object): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let fields = 0;
  // Flat objects built by spreads: every enumerable field is their own.
  for (const name in x) {
    if (!Object.is(x[name], y[name])) return false;
    fields++;
  }
  for (const _name in y) fields--;
  return fields === 0;
}
const MAX_COSTS_PER_SHAPE = 64;

/**
 * The layer layout of a shape for (v, V, bidirectional), built once per shape: afterFlush keys its parameter counts by
 * it, and the memory model reads the same object (static memory, unit tables).
 */
const layoutsByShape = new WeakMap<ModelShape, Map<string, VirtualStage[]>>();

export function layoutOf(mdl: ModelShape, v: number, vShape: boolean, bidirectional: boolean): VirtualStage[] {
  let byKey = layoutsByShape.get(mdl);
  if (!byKey) layoutsByShape.set(mdl, (byKey = new Map()));
  const key = `${v}/${vShape}/${bidirectional}`;
  let layout = byKey.get(key);
  if (!layout) byKey.set(key, (layout = layerLayout(mdl, v, vShape, bidirectional)));
  return layout;
}

/** buildStageCosts without the memo. */
function computeStageCosts(
  mdl: ModelShape,
  v: number,
  chunkLengths: number[],
  zeroBubble: boolean,
  gpu: GpuProfile,
  constants: CostConstants,
  flags: CostRunFlags,
): StageCosts {
  const p = mdl.pp;
  // Under a V the last virtual stage (output layer, loss) is on rank 0: its weights' DP reduction is rank 0's (afterFlush).
  const dual = flags.bidirectional === true;
  const layout = layoutOf(mdl, v, flags.chunkPlacement === 'v-shape', dual);
  const gpusPerNode = mdl.gpusPerNode ?? constants.defaultGpusPerNode;
  const k = chunkLengths.length;
  const units = p * v * k;
  const rates = kernelRates(gpu, constants, flags.fp8);
  const links = groupLinks(mdl, gpu, constants, gpusPerNode);
  const ctx: LayerContext = { shape: mdl, rates, constants, ...links, tpCommOverlap: flags.tpCommOverlap };
  const terms = { forward: newTable(units), backward: newTable(units), weight: newTable(units) };
  let prefix = 0;
  chunkLengths.forEach((x, j) => {
    prefix += x;
    const dense = layerCost(ctx, false, x, prefix);
    const moe = mdl.numExperts > 0 ? layerCost(ctx, true, x, prefix) : dense;
    for (let s = 0; s < layout.length; s++) {
      const st = layout[s]!;
      // The first op of a microbatch on its rank: model chunk 0 (s < p), sequence chunk 0 — under DualPipe either
      // chunk, as each microbatch passes a rank once, on its direction's chunk.
      const unit = { idx: s * k + j, firstOfMicrobatch: j === 0 && (s < p || dual) };
      unitTerms(ctx, st, { dense, moe }, x, unit, zeroBubble, terms);
    }
  });

  const hopInterNode = hopsAcrossNodes(p, mdl.tp * mdl.cp * mdl.dp, gpusPerNode);
  const p2p = p2pCosts(mdl, chunkLengths, hopInterNode, gpu, constants, flags.p2pScatterGather);
  const place = placementTables({
    schedule: flags.chunkPlacement === 'v-shape' ? 'zb-v' : '1f1b-interleaved',
    stages: p,
    virtualStages: v,
  });
  if (!(flags.p2pOverlap && v > 1)) blockingSends(place, p, k, p2p, terms);
  const forward = new Float64Array(units);
  const backward = new Float64Array(units);
  const weight = new Float64Array(units);
  const lastBackward = new Float64Array(p);
  const firstForward = new Float64Array(p);
  for (let idx = 0; idx < units; idx++) {
    forward[idx] = sumTerms(terms.forward, idx);
    backward[idx] = sumTerms(terms.backward, idx);
    weight[idx] = sumTerms(terms.weight, idx);
    const rank = place.rankOf[Math.floor(idx / k)]!;
    lastBackward[rank] = lastBackward[rank]! + backward[idx]! + weight[idx]!;
    firstForward[rank] = firstForward[rank]! + forward[idx]!;
  }
  const after = afterFlush(mdl, layout, gpusPerNode, gpu, constants, rates, flags, lastBackward, firstForward);
  return {
    costs: { forward, backward, weight, ...p2p },
    terms,
    dpSyncMsPerRank: after.dpMsPerRank,
    optimizerMsPerRank: after.optimizerMsPerRank,
    afterFlushMsPerRank: after.dpMsPerRank.map((ms, r) => ms + after.optimizerMsPerRank[r]! + constants.stepOverheadMs),
    dpGradBytesPerRank: after.dpGradBytesPerRank,
    hopInterNode,
    dpInterNode: after.dpInterNode,
    tpInterNode: links.tpInterNode,
  };
}

/**
 * Megatron's p2p without overlap is synchronous: an op's rank is held until the send of its output completes
 * (batch_isend_irecv + wait, and torch.cuda.synchronize in the older forks), so every F that feeds a next stage and
 * every B that feeds a previous one also pays its message time on its own rank (Zero Bubble Table 9 measures it as
 * T_comm, 0.4–0.6 ms per message). The simulator's edge delay stays: the receiver cannot start before it arrives.
 */
function blockingSends(
  place: PlacementTables,
  p: number,
  k: number,
  p2p: ReturnType<typeof p2pCosts>,
  terms: { forward: TermTable; backward: TermTable },
): void {
  const vs = place.rankOf.length;
  // A send pays the hop that feeds the receiving op (placement.ts inputHopSlot); the turn of a V stays on its rank.
  const slotMs = (slot: number): number =>
    slot < p * k ? p2p.p2pForwardByRank![slot]! : p2p.p2pBackwardByRank![slot - p * k]!;
  for (let s = 0; s < vs; s++) {
    for (let j = 0; j < k; j++) {
      const idx = s * k + j;
      const fwd = s < vs - 1 ? inputHopSlot(place, p, k, s + 1, false, j) : -1;
      const bwd = s > 0 ? inputHopSlot(place, p, k, s - 1, true, j) : -1;
      if (fwd >= 0) terms.forward.overhead[idx] = terms.forward.overhead[idx]! + slotMs(fwd);
      if (bwd >= 0) terms.backward.overhead[idx] = terms.backward.overhead[idx]! + slotMs(bwd);
    }
  }
}

/** Layers of a virtual stage that full recompute re-runs: all of them (uniform), or the first n (block). */
function fullyRecomputed(mdl: ModelShape, layers: number): number {
  if (mdl.recompute !== 'full' || layers === 0) return 0;
  return mdl.recomputeMethod === 'block' ? Math.min(Math.max(1, mdl.recomputeNumLayers), layers) : layers;
}

/** Fills one unit's F, B and W terms. */
function unitTerms(
  ctx: LayerContext,
  st: VirtualStage,
  layer: { dense: LayerCost; moe: LayerCost },
  x: number,
  unit: { idx: number; firstOfMicrobatch: boolean },
  zeroBubble: boolean,
  terms: { forward: TermTable; backward: TermTable; weight: TermTable },
): void {
  const { shape: mdl, constants: c, rates } = ctx;
  const { idx, firstOfMicrobatch } = unit;
  const nMoe = st.numMoeLayers;
  const nDense = st.numLayers - nMoe;
  const each = (f: (l: LayerCost) => number): number => nDense * f(layer.dense) + nMoe * f(layer.moe);
  const { forward: F, backward: B, weight: W } = terms;
  F.compute[idx] = each((l) => l.forward.compute);
  F.nonGemm[idx] = each((l) => l.forward.nonGemm);
  F.comm[idx] = each((l) => l.forward.comm);
  B.compute[idx] = each((l) => l.backwardInput.compute);
  B.nonGemm[idx] = each((l) => l.backwardInput.nonGemm);
  B.comm[idx] = each((l) => l.backwardInput.comm);
  W.compute[idx] = each((l) => l.weightGradMs);
  // Full recompute re-runs a layer's whole forward (its TP collectives included) inside the backward; the MoE share
  // of the recomputed layers is taken as the stage's.
  const full = fullyRecomputed(mdl, st.numLayers);
  const layerForward = (l: LayerCost): number => l.forward.compute + l.forward.nonGemm + l.forward.comm;
  B.recompute[idx] = full > 0 ? (full / st.numLayers) * each(layerForward) : each((l) => l.selectiveRecomputeMs);
  const tpBytes = ((x * mdl.microBatch) / mdl.cp) * mdl.hidden * c.activationBytes;
  if (st.hasEmbedding) {
    // The embedding is a gather; its vocab-parallel output is all-reduced (reduce-scattered under SP).
    const ms = ringMs(tpBytes, mdl.tp, mdl.sequenceParallel ? 'half' : 'all-reduce', ctx.tpLink);
    F.comm[idx] = F.comm[idx]! + ms;
    B.comm[idx] = B.comm[idx]! + ms;
  }
  if (st.hasLoss) lossTerms(ctx, rates, x, idx, tpBytes, terms);
  // Launch-bound layers: the CPU cannot issue their kernels faster than the GPU runs them.
  const launchF = st.numLayers * layer.dense.launchForwardMs - F.compute[idx]! - F.nonGemm[idx]!;
  const launchB = st.numLayers * layer.dense.launchBackwardMs - B.compute[idx]! - B.nonGemm[idx]! - W.compute[idx]!;
  F.overhead[idx] = Math.max(0, launchF) + c.opOverheadMs + (firstOfMicrobatch ? c.microbatchOverheadMs : 0);
  B.overhead[idx] = Math.max(0, launchB) + c.opOverheadMs;
  if (!zeroBubble) {
    // Without a separate W pass the weight-gradient GEMMs run inside B.
    B.compute[idx] = B.compute[idx]! + W.compute[idx]!;
    W.compute[idx] = 0;
  }
}

/** Output layer and vocab-parallel cross-entropy on the last virtual stage (cost-model.md §1.9). */
function lossTerms(
  ctx: LayerContext,
  rates: KernelRates,
  x: number,
  idx: number,
  tpBytes: number,
  terms: { forward: TermTable; backward: TermTable; weight: TermTable },
): void {
  const { shape: mdl, constants: c } = ctx;
  const tok = (x * mdl.microBatch) / mdl.cp;
  const logits = (tok * mdl.vocabPadded) / mdl.tp; // logit elements on this GPU
  const gemm = gemmMs(2 * logits * mdl.hidden, rates);
  terms.forward.compute[idx] = terms.forward.compute[idx]! + gemm;
  terms.forward.nonGemm[idx] = terms.forward.nonGemm[idx]! + (c.logitsBytesForward * logits) / rates.hbmBytesPerMs;
  terms.backward.compute[idx] = terms.backward.compute[idx]! + gemm;
  terms.backward.nonGemm[idx] = terms.backward.nonGemm[idx]! + (c.logitsBytesBackward * logits) / rates.hbmBytesPerMs;
  terms.weight.compute[idx] = terms.weight.compute[idx]! + gemm;
  if (mdl.sequenceParallel) {
    // The final norm's output is all-gathered before the output layer (its gradient reduce-scattered back).
    const ms = ringMs(tpBytes, mdl.tp, 'half', ctx.tpLink);
    terms.forward.comm[idx] = terms.forward.comm[idx]! + ms;
    terms.backward.comm[idx] = terms.backward.comm[idx]! + ms;
  }
}

/** The output layer and loss of one microbatch on its GPU, split the way Vocabulary Parallelism's passes need it. */
export interface OutputLayerMs {
  /** Logits GEMM, softmax statistics (and, under SP, the all-gather of the final norm's output). */
  forwardMs: number;
  /** Input-gradient GEMM and the softmax backward (under SP, the reduce-scatter of the gradient). */
  inputGradMs: number;
  /** Weight-gradient GEMM. */
  weightGradMs: number;
}

/** The kernel rates and link context one layer's cost terms read, for the one-layer tables below. */
function layerContext(mdl: ModelShape, gpu: GpuProfile, constants: CostConstants, flags: CostRunFlags): LayerContext {
  const gpusPerNode = mdl.gpusPerNode ?? constants.defaultGpusPerNode;
  return {
    shape: mdl,
    rates: kernelRates(gpu, constants, flags.fp8),
    constants,
    ...groupLinks(mdl, gpu, constants, gpusPerNode),
    tpCommOverlap: flags.tpCommOverlap,
  };
}

/**
 * What lossTerms adds to the last virtual stage for one microbatch of `tokens` sequence positions, by part: the same
 * terms the step time is built from (cost-model.md §1.9), so the vocabulary share of a stage and the passes of
 * Vocabulary Parallelism (schedule/vocabParallel.ts) read one model of the output layer.
 */
export function outputLayerMs(
  mdl: ModelShape,
  gpu: GpuProfile,
  constants: CostConstants,
  flags: CostRunFlags = NO_RUN_FLAGS,
  tokens = mdl.seqLength,
): OutputLayerMs {
  const ctx = layerContext(mdl, gpu, constants, flags);
  const terms = { forward: newTable(1), backward: newTable(1), weight: newTable(1) };
  const tpBytes = ((tokens * mdl.microBatch) / mdl.cp) * mdl.hidden * constants.activationBytes;
  lossTerms(ctx, ctx.rates, tokens, 0, tpBytes, terms);
  return {
    forwardMs: sumTerms(terms.forward, 0),
    inputGradMs: sumTerms(terms.backward, 0),
    weightGradMs: sumTerms(terms.weight, 0),
  };
}

/**
 * Forward and backward ms of one dense decoder layer over the whole sequence on one GPU (no output layer, no
 * per-op cost): the per-layer times Korthikanti et al. 2022 Table 4 reports, recompute included in the backward.
 */
export function layerTimesMs(
  mdl: ModelShape,
  gpu: GpuProfile,
  constants: CostConstants,
  flags: CostRunFlags = NO_RUN_FLAGS,
): { forwardMs: number; backwardMs: number } {
  const ctx = layerContext(mdl, gpu, constants, flags);
  const l = layerCost(ctx, false, mdl.seqLength, mdl.seqLength);
  const forwardMs = l.forward.compute + l.forward.nonGemm + l.forward.comm;
  const recompute = mdl.recompute === 'full' ? forwardMs : l.selectiveRecomputeMs;
  const b = l.backwardInput;
  return { forwardMs, backwardMs: b.compute + b.nonGemm + b.comm + l.weightGradMs + recompute };
}
