// Per-op durations (ms) of a real run: FLOPs of each (virtual stage, sequence chunk) on the GPU's dense
// bf16 peak × an achieved efficiency, plus the tensor-parallel collectives inside each op, the p2p hops between
// stages, and the data-parallel gradient reduction after the pipeline flush. Every constant is documented with
// its source and can be overridden through EngineOptions.costConstants.
import { layerLayout, type VirtualStage } from '../model/layout';
import { localParamsPerRank } from '../model/params';
import type { ModelShape } from '../model/shape';
import type { GpuProfile } from '../types';
import type { SimCosts } from './simulator';

export interface CostConstants {
  /**
   * Achieved fraction of peak bf16 tensor-core throughput. 0.5: Megatron-LM reaches 44–52 % of A100 peak on
   * GPT models from 1.7B to 1T parameters (Narayanan et al., SC'21, "Efficient Large-Scale Language Model
   * Training on GPU Clusters", Table 1), and the Seq1F1B runs use the same Megatron base.
   */
  efficiency: number;
  /** Backward / forward FLOPs of a GEMM: one GEMM for the input gradient and one for the weight gradient. */
  gemmBackwardRatio: number;
  /**
   * Backward / forward FLOPs of causal flash attention: 5 matmuls backward vs 2 forward (Dao, "FlashAttention-2",
   * 2023, §3.1 and its FLOP count 2.5× for the backward pass).
   */
  attentionBackwardRatio: number;
  /** Bytes of one activation / gradient element on the wire: bf16 (every Seq1F1B script trains in bf16). */
  activationBytes: number;
  /** Bytes per gradient element in the DP reduction: fp32 main grads unless --grad-reduce-in-bf16 (Megatron default). */
  gradBytes: number;
  /** Bytes per parameter all-gathered by the distributed optimizer after its step (bf16 params). */
  paramBytes: number;
  /** GPUs per node when the file does not say: DGX/HGX A100/H100 nodes have 8. */
  defaultGpusPerNode: number;
}

export const DEFAULT_COST_CONSTANTS: CostConstants = {
  efficiency: 0.5,
  gemmBackwardRatio: 2,
  attentionBackwardRatio: 2.5,
  activationBytes: 2,
  gradBytes: 4,
  paramBytes: 2,
  defaultGpusPerNode: 8,
};

/**
 * Forward FLOPs of one transformer layer for x tokens of one sequence whose prefix ends at token P. Under MoE every
 * layer is costed as an expert layer (top-k experts of width moeFfn each).
 */
export function layerForwardFlops(shape: ModelShape, x: number, prefix: number): { gemm: number; attention: number } {
  const { hidden: h, heads: n, kvHeads: g, headDim: d } = shape;
  const moe = shape.numExperts > 0;
  const qkv = 2 * x * h * (n * d + 2 * g * d);
  const proj = 2 * x * n * d * h;
  const mlp = 2 * x * h * (moe ? shape.moeFfn : shape.ffn) * (shape.glu ? 3 : 2) * (moe ? shape.topk : 1);
  // Causal attention over the prefix: QKᵀ and AV (2·n·d each per query–key pair) plus softmax (3·n),
  // over x·P − x²/2 pairs (spec §2.2).
  const attention = (4 * d + 3) * n * (x * prefix - (x * x) / 2);
  return { gemm: qkv + proj + mlp, attention };
}

/** Ring collective time: steps·latency + fraction·bytes/bandwidth (Patarasuk & Yuan 2009 ring all-reduce). */
function ringMs(bytes: number, ranks: number, kind: 'all-reduce' | 'half', gbps: number, latencyUs: number): number {
  if (ranks <= 1 || bytes <= 0) return 0;
  const factor = kind === 'all-reduce' ? 2 : 1;
  return factor * (ranks - 1) * latencyUs * 1e-3 + ((factor * (ranks - 1)) / ranks) * (bytes / (gbps * 1e9)) * 1e3;
}

export interface StageCosts {
  costs: SimCosts;
  /** DP (× CP) gradient reduction after the flush, per rank, ms. */
  dpSyncMsPerRank: Float64Array;
  /** Gradient bytes one GPU of each rank reduces over DP (the memory model's gradient bytes of the same rank). */
  dpGradBytesPerRank: Float64Array;
  /** Whether each forward hop r → r+1 (mod p) crosses nodes. */
  hopInterNode: boolean[];
  dpInterNode: boolean;
  tpInterNode: boolean;
}

/**
 * Durations for every (virtual stage, chunk) of a schedule with p ranks, v model chunks per rank and the given
 * chunk lengths. zeroBubble splits each backward into B (input gradients + all of attention's backward, which
 * has no weights) and W (the weight-gradient GEMMs). The layers of each virtual stage come from model/layout.
 */
export function buildStageCosts(
  mdl: ModelShape,
  v: number,
  chunkLengths: number[],
  zeroBubble: boolean,
  gpu: GpuProfile,
  constants: CostConstants,
): StageCosts {
  const p = mdl.pp;
  const layout = layerLayout(mdl, v);
  const gpusPerNode = mdl.gpusPerNode ?? constants.defaultGpusPerNode;
  const k = chunkLengths.length;
  const vs = p * v;
  const units = vs * k;
  const flopsPerMs = gpu.peakTflops16 * 1e12 * constants.efficiency * 1e-3;
  const tp = mdl.tp;
  const cp = mdl.cp;
  const b = mdl.microBatch;
  const h = mdl.hidden;
  const perGpu = b / (tp * cp);

  // Ranks are ordered TP fastest, then CP, then DP, then PP (Megatron's default order tp-cp-ep-dp-pp).
  const tpInterNode = tp > gpusPerNode;
  const tpGBps = tpInterNode ? gpu.interNodeGBps : gpu.intraNodeGBps;
  const tpLatUs = tpInterNode ? gpu.interNodeLatencyUs : gpu.intraNodeLatencyUs;
  const hopInterNode = hopsAcrossNodes(p, tp * cp * mdl.dp, gpusPerNode);

  const forward = new Float64Array(units);
  const backward = new Float64Array(units);
  const weight = new Float64Array(units);
  const gemmRatio = constants.gemmBackwardRatio;
  const attnRatio = constants.attentionBackwardRatio;
  let prefix = 0;
  chunkLengths.forEach((x, j) => {
    prefix += x;
    const layer = layerForwardFlops(mdl, x, prefix);
    // Two TP collectives per layer each way (after attention and after the MLP): all-reduce, or under SP a
    // reduce-scatter + all-gather pair, which moves the same bytes (Korthikanti et al. 2022, §4.2.2).
    const tpBytes = (x * b * h * constants.activationBytes) / cp;
    const tpLayerMs = 2 * ringMs(tpBytes, tp, 'all-reduce', tpGBps, tpLatUs);
    const logits = 2 * x * h * mdl.vocabPadded;
    for (let s = 0; s < vs; s++) {
      const layers = layout[s]?.numLayers ?? 0;
      const idx = s * k + j;
      let fGemm = layer.gemm * layers;
      const attn = layer.attention * layers;
      let commMs = tpLayerMs * layers;
      if (s === vs - 1) {
        // Output projection + loss on the last virtual stage; the vocab-parallel cross-entropy reductions are
        // a few floats per token and are left out.
        fGemm += logits;
        if (mdl.sequenceParallel) commMs += ringMs(tpBytes, tp, 'half', tpGBps, tpLatUs);
      }
      if (s === 0) {
        // The embedding is a gather (no math); its vocab-parallel output is all-reduced (reduce-scattered with SP).
        commMs += ringMs(tpBytes, tp, mdl.sequenceParallel ? 'half' : 'all-reduce', tpGBps, tpLatUs);
      }
      forward[idx] = ((fGemm + attn) * perGpu) / flopsPerMs + commMs;
      const dgrad = fGemm * (gemmRatio - 1);
      const wgrad = fGemm * 1;
      const attnBwd = attn * attnRatio;
      if (zeroBubble) {
        backward[idx] = ((dgrad + attnBwd) * perGpu) / flopsPerMs + commMs;
        weight[idx] = (wgrad * perGpu) / flopsPerMs;
      } else {
        backward[idx] = ((dgrad + wgrad + attnBwd) * perGpu) / flopsPerMs + commMs;
      }
    }
  });

  const dp = dpReduction(mdl, layout, gpusPerNode, gpu, constants);
  return {
    costs: { forward, backward, weight, ...p2pCosts(mdl, chunkLengths, hopInterNode, gpu, constants) },
    dpSyncMsPerRank: dp.dpSyncMsPerRank,
    dpGradBytesPerRank: dp.dpGradBytesPerRank,
    hopInterNode,
    dpInterNode: dp.dpInterNode,
    tpInterNode,
  };
}

/** Whether each forward hop r → r+1 (mod p) crosses nodes; ranks are ordered TP, CP, DP, then PP (stride = t·c·dp). */
function hopsAcrossNodes(p: number, stride: number, gpusPerNode: number): boolean[] {
  return Array.from({ length: p }, (_, r) => {
    const next = (r + 1) % p;
    const lo = Math.min(r, next) * stride;
    const hi = Math.max(r, next) * stride + stride - 1;
    return Math.floor(lo / gpusPerNode) !== Math.floor(hi / gpusPerNode);
  });
}

/** p2p: one chunk's hidden states (b·x·h bf16), scattered over TP ranks under SP and over CP ranks. */
function p2pCosts(
  mdl: ModelShape,
  chunkLengths: number[],
  hopInterNode: boolean[],
  gpu: GpuProfile,
  constants: CostConstants,
): Omit<SimCosts, 'forward' | 'backward' | 'weight'> {
  const p = mdl.pp;
  const k = chunkLengths.length;
  const p2pForward = new Float64Array(k);
  const p2pBackward = new Float64Array(k);
  const p2pByRankF = new Float64Array(p * k);
  const p2pByRankB = new Float64Array(p * k);
  const hopMs = (bytes: number, inter: boolean): number =>
    (inter ? gpu.interNodeLatencyUs : gpu.intraNodeLatencyUs) * 1e-3 +
    (bytes / ((inter ? gpu.interNodeGBps : gpu.intraNodeGBps) * 1e9)) * 1e3;
  const anyInterNode = hopInterNode.some((x) => x);
  chunkLengths.forEach((x, j) => {
    const bytes =
      (x * mdl.microBatch * mdl.hidden * constants.activationBytes) / (mdl.sequenceParallel ? mdl.tp : 1) / mdl.cp;
    const ms = hopMs(bytes, anyInterNode);
    p2pForward[j] = ms;
    p2pBackward[j] = ms;
    // The forward hop r → r+1 is hop r; the backward hop r → r−1 is hop r−1 (mod p).
    hopInterNode.forEach((inter, r) => {
      p2pByRankF[r * k + j] = hopMs(bytes, inter);
      p2pByRankB[((r + 1) % p) * k + j] = hopMs(bytes, inter);
    });
  });
  return { p2pForward, p2pBackward, p2pForwardByRank: p2pByRankF, p2pBackwardByRank: p2pByRankB };
}

/**
 * DP gradient reduction after the flush (not overlapped with the backward: --overlap-grad-reduce is not modelled).
 * Grads are reduced over DP × CP. Distributed optimizer: reduce-scatter grads + all-gather params
 * (docs/distrib_optimizer.md); otherwise one all-reduce. Each GPU reduces the parameters it holds (model/params:
 * dense and routed-expert weights after TP/EP division); expert grads are reduced over the expert-data-parallel
 * group, which we approximate by the DP group.
 */
function dpReduction(
  mdl: ModelShape,
  layout: VirtualStage[],
  gpusPerNode: number,
  gpu: GpuProfile,
  constants: CostConstants,
): { dpSyncMsPerRank: Float64Array; dpGradBytesPerRank: Float64Array; dpInterNode: boolean } {
  const dpRanks = mdl.dp * mdl.cp;
  const dpInterNode = mdl.tp * mdl.cp * mdl.dp > gpusPerNode;
  const dpGBps = dpInterNode ? gpu.interNodeGBps : gpu.intraNodeGBps;
  const dpLatUs = dpInterNode ? gpu.interNodeLatencyUs : gpu.intraNodeLatencyUs;
  const dpSyncMsPerRank = new Float64Array(mdl.pp);
  const dpGradBytesPerRank = new Float64Array(mdl.pp);
  localParamsPerRank(mdl, layout).forEach((local, r) => {
    const params = local.dense + local.expert;
    dpGradBytesPerRank[r] = params * constants.gradBytes;
    dpSyncMsPerRank[r] = mdl.distributedOptimizer
      ? ringMs(params * constants.gradBytes, dpRanks, 'half', dpGBps, dpLatUs) +
        ringMs(params * constants.paramBytes, dpRanks, 'half', dpGBps, dpLatUs)
      : ringMs(params * constants.gradBytes, dpRanks, 'all-reduce', dpGBps, dpLatUs);
  });
  return { dpSyncMsPerRank, dpGradBytesPerRank, dpInterNode };
}
