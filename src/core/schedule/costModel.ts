// Per-op durations (ms) of a real run: FLOPs of each (virtual stage, sequence chunk) on the GPU's dense
// bf16 peak × an achieved efficiency, plus the tensor-parallel collectives inside each op, the p2p hops between
// stages, and the data-parallel gradient reduction after the pipeline flush. Every constant is documented with
// its source and can be overridden through EngineOptions.costConstants.
import type { GpuProfile, RunConfig } from '../types';
import { paddedVocab } from './partition';
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

/** The model and layout with every value the cost model needs resolved (Megatron defaults applied). */
export interface ResolvedModel {
  numLayers: number;
  hiddenSize: number;
  numHeads: number;
  /** K/V heads: num-query-groups under GQA, else the head count. */
  numKvHeads: number;
  /** Per-head width (kv-channels, default h/n). */
  headDim: number;
  ffnHiddenSize: number;
  swiglu: boolean;
  /** MoE: experts each token visits (1 for dense); the expert FFN width replaces ffnHiddenSize. */
  moeTopk: number;
  /** MoE experts held per rank (numExperts / expert-parallel size; 1 for dense). */
  expertsPerRank: number;
  vocab: number;
  seqLength: number;
  microBatch: number;
  tp: number;
  cp: number;
  dp: number;
  pp: number;
  sequenceParallel: boolean;
  distributedOptimizer: boolean;
  gpusPerNode: number;
  addBias: boolean;
  /** Layers on each pipeline rank (sums to numLayers). */
  layersPerRank: number[];
}

/** Resolves the config or names what is missing (so the engine can say so instead of guessing). */
export function resolveModel(config: RunConfig, pp: number, constants: CostConstants = DEFAULT_COST_CONSTANTS): ResolvedModel | { missing: string[] } | { invalid: string } {
  const missing: string[] = [];
  if (config.numLayers == null) missing.push('num-layers');
  if (config.hiddenSize == null) missing.push('hidden-size');
  if (config.numAttentionHeads == null) missing.push('num-attention-heads');
  if (config.seqLength == null) missing.push('seq-length');
  const vocab = paddedVocab(config);
  if (vocab == null) missing.push('vocabulary size (tokenizer / padded vocab)');
  if (missing.length) return { missing };
  const L = config.numLayers!;
  const h = config.hiddenSize!;
  const n = config.numAttentionHeads!;
  const tp = config.tensorParallel ?? 1;
  const cp = config.contextParallel ?? 1;
  const worldDp = config.worldSize != null ? config.worldSize / (tp * pp * cp) : null;
  const dp = config.dataParallel ?? (worldDp != null && Number.isInteger(worldDp) && worldDp >= 1 ? worldDp : 1);
  const moe = (config.numExperts ?? 0) > 1;
  const layers = layersPerRank(config, L, pp);
  if (typeof layers === 'string') return { invalid: layers };
  return {
    numLayers: L,
    hiddenSize: h,
    numHeads: n,
    numKvHeads: config.groupQueryAttention === false ? n : (config.numQueryGroups ?? n),
    headDim: config.kvChannels ?? h / n,
    ffnHiddenSize: moe ? (config.moeFfnHiddenSize ?? config.ffnHiddenSize ?? 4 * h) : (config.ffnHiddenSize ?? 4 * h),
    swiglu: config.swiglu ?? false,
    moeTopk: moe ? (config.moeRouterTopk ?? 2) : 1,
    expertsPerRank: moe ? config.numExperts! / Math.max(1, config.expertParallel ?? 1) : 1,
    vocab: vocab!,
    seqLength: config.seqLength!,
    microBatch: config.microBatchSize ?? 1,
    tp,
    cp,
    dp,
    pp,
    sequenceParallel: config.sequenceParallel ?? false,
    distributedOptimizer: config.distributedOptimizer ?? false,
    gpusPerNode: config.gpusPerNode ?? constants.defaultGpusPerNode,
    addBias: config.addBiasLinear ?? true,
    layersPerRank: layers,
  };
}

/**
 * Megatron's layer split: L/p per rank, or the given first/last-stage counts with the rest spread evenly over
 * the middle ranks (--decoder-first/last-pipeline-num-layers); --account-for-embedding/loss-in-pipeline-split
 * count the embedding / loss as one layer slot on the first / last rank.
 */
export function layersPerRank(config: RunConfig, L: number, p: number): number[] | string {
  const out = new Array<number>(p).fill(0);
  const embSlot = config.accountForEmbeddingInPipelineSplit ? 1 : 0;
  const lossSlot = config.accountForLossInPipelineSplit ? 1 : 0;
  const first = config.decoderFirstPipelineNumLayers;
  const last = config.decoderLastPipelineNumLayers;
  if (p === 1) return [L];
  if (first == null && last == null) {
    const slots = L + embSlot + lossSlot;
    if (slots % p !== 0) return `Megatron needs the layers${embSlot || lossSlot ? ' (+ embedding/loss slots)' : ''} divisible by the pipeline size (${slots} layers, p=${p})`;
    out.fill(slots / p);
    out[0] -= embSlot;
    out[p - 1] -= lossSlot;
    return out;
  }
  let rest = L;
  let middle = p;
  if (first != null) { out[0] = first; rest -= first; middle--; }
  if (last != null) { out[p - 1] = last; rest -= last; middle--; }
  if (rest < 0 || (middle > 0 && rest % middle !== 0) || (middle === 0 && rest !== 0)) {
    return `the first/last-stage layer counts leave ${rest} layers that Megatron cannot spread evenly over ${middle} middle stages`;
  }
  for (let r = 0; r < p; r++) if ((r !== 0 || first == null) && (r !== p - 1 || last == null)) out[r] = rest / middle;
  return out;
}

/** Forward FLOPs of one transformer layer for x tokens of one sequence whose prefix ends at token P. */
export function layerForwardFlops(mdl: ResolvedModel, x: number, prefix: number): { gemm: number; attention: number } {
  const { hiddenSize: h, numHeads: n, numKvHeads: g, headDim: d, ffnHiddenSize: f } = mdl;
  const qkv = 2 * x * h * (n * d + 2 * g * d);
  const proj = 2 * x * n * d * h;
  const mlp = 2 * x * h * f * (mdl.swiglu ? 3 : 2) * mdl.moeTopk;
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
  /** Whether each forward hop r → r+1 (mod p) crosses nodes. */
  hopInterNode: boolean[];
  dpInterNode: boolean;
  tpInterNode: boolean;
}

/**
 * Durations for every (virtual stage, chunk) of a schedule with p ranks, v model chunks per rank and the given
 * chunk lengths. zeroBubble splits each backward into B (input gradients + all of attention's backward, which
 * has no weights) and W (the weight-gradient GEMMs).
 */
export function buildStageCosts(mdl: ResolvedModel, v: number, chunkLengths: number[], zeroBubble: boolean, gpu: GpuProfile, constants: CostConstants): StageCosts {
  const p = mdl.pp;
  const k = chunkLengths.length;
  const vs = p * v;
  const units = vs * k;
  const flopsPerMs = gpu.peakTflops16 * 1e12 * constants.efficiency * 1e-3;
  const tp = mdl.tp;
  const cp = mdl.cp;
  const b = mdl.microBatch;
  const h = mdl.hiddenSize;
  const perGpu = b / (tp * cp);

  // Ranks are ordered TP fastest, then CP, then DP, then PP (Megatron's default order tp-cp-ep-dp-pp).
  const tpInterNode = tp > mdl.gpusPerNode;
  const tpGBps = tpInterNode ? gpu.interNodeGBps : gpu.intraNodeGBps;
  const tpLatUs = tpInterNode ? gpu.interNodeLatencyUs : gpu.intraNodeLatencyUs;
  const stride = tp * cp * mdl.dp;
  const hopInterNode: boolean[] = [];
  for (let r = 0; r < p; r++) {
    const next = (r + 1) % p;
    const lo = Math.min(r, next) * stride;
    const hi = Math.max(r, next) * stride + stride - 1;
    hopInterNode.push(Math.floor(lo / mdl.gpusPerNode) !== Math.floor(hi / mdl.gpusPerNode));
  }

  const forward = new Float64Array(units);
  const backward = new Float64Array(units);
  const weight = new Float64Array(units);
  const gemmRatio = constants.gemmBackwardRatio;
  const attnRatio = constants.attentionBackwardRatio;
  let prefix = 0;
  for (let j = 0; j < k; j++) {
    const x = chunkLengths[j];
    prefix += x;
    const layer = layerForwardFlops(mdl, x, prefix);
    // Two TP collectives per layer each way (after attention and after the MLP): all-reduce, or under SP a
    // reduce-scatter + all-gather pair, which moves the same bytes (Korthikanti et al. 2022, §4.2.2).
    const tpBytes = x * b * h * constants.activationBytes / cp;
    const tpLayerMs = 2 * ringMs(tpBytes, tp, 'all-reduce', tpGBps, tpLatUs);
    const logits = 2 * x * h * mdl.vocab;
    for (let s = 0; s < vs; s++) {
      const rank = s % p;
      const layers = mdl.layersPerRank[rank] / v;
      const idx = s * k + j;
      let fGemm = layer.gemm * layers;
      let attn = layer.attention * layers;
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
  }

  // p2p: one chunk's hidden states (b·x·h bf16), scattered over TP ranks under SP and over CP ranks.
  const p2pForward = new Float64Array(k);
  const p2pBackward = new Float64Array(k);
  const p2pByRankF = new Float64Array(p * k);
  const p2pByRankB = new Float64Array(p * k);
  const hopMs = (bytes: number, inter: boolean): number =>
    (inter ? gpu.interNodeLatencyUs : gpu.intraNodeLatencyUs) * 1e-3 + (bytes / ((inter ? gpu.interNodeGBps : gpu.intraNodeGBps) * 1e9)) * 1e3;
  for (let j = 0; j < k; j++) {
    const bytes = (chunkLengths[j] * b * h * constants.activationBytes) / (mdl.sequenceParallel ? tp : 1) / cp;
    p2pForward[j] = hopMs(bytes, hopInterNode.some((x) => x));
    p2pBackward[j] = p2pForward[j];
    for (let r = 0; r < p; r++) {
      p2pByRankF[r * k + j] = hopMs(bytes, hopInterNode[r]);
      p2pByRankB[r * k + j] = hopMs(bytes, hopInterNode[(r - 1 + p) % p]);
    }
  }

  // DP gradient reduction after the flush (not overlapped with the backward: --overlap-grad-reduce is not
  // modelled). Grads are reduced over DP × CP. Distributed optimizer: reduce-scatter grads + all-gather params
  // (docs/distrib_optimizer.md); otherwise one all-reduce.
  const dpRanks = mdl.dp * cp;
  const dpInterNode = tp * cp * mdl.dp > mdl.gpusPerNode;
  const dpGBps = dpInterNode ? gpu.interNodeGBps : gpu.intraNodeGBps;
  const dpLatUs = dpInterNode ? gpu.interNodeLatencyUs : gpu.intraNodeLatencyUs;
  const dpSyncMsPerRank = new Float64Array(p);
  for (let r = 0; r < p; r++) {
    const params = rankParams(mdl, r) / tp;
    dpSyncMsPerRank[r] = mdl.distributedOptimizer
      ? ringMs(params * constants.gradBytes, dpRanks, 'half', dpGBps, dpLatUs) + ringMs(params * constants.paramBytes, dpRanks, 'half', dpGBps, dpLatUs)
      : ringMs(params * constants.gradBytes, dpRanks, 'all-reduce', dpGBps, dpLatUs);
  }

  return {
    costs: { forward, backward, weight, p2pForward, p2pBackward, p2pForwardByRank: p2pByRankF, p2pBackwardByRank: p2pByRankB },
    dpSyncMsPerRank,
    hopInterNode,
    dpInterNode,
    tpInterNode,
  };
}

/** Parameters held by pipeline rank r (whole TP group): its layers, the embedding on rank 0, the output layer on the last. */
export function rankParams(mdl: ResolvedModel, r: number): number {
  const { hiddenSize: h, numHeads: n, numKvHeads: g, headDim: d, ffnHiddenSize: f } = mdl;
  const attn = h * (n * d + 2 * g * d) + n * d * h + (mdl.addBias ? n * d + 2 * g * d + h : 0);
  // Expert grads are reduced over the expert-data-parallel group, which we approximate by the DP group.
  const experts = mdl.expertsPerRank;
  const mlp = (h * f * (mdl.swiglu ? 3 : 2) + (mdl.addBias ? f * (mdl.swiglu ? 2 : 1) + h : 0)) * experts;
  const norms = 4 * h;
  let total = mdl.layersPerRank[r] * (attn + mlp + norms);
  if (r === 0) total += mdl.vocab * h;
  // The last rank holds the output layer (untied) or its own copy of the embedding (tied), plus the final norm.
  if (r === mdl.pp - 1) total += mdl.vocab * h + 2 * h;
  return total;
}
