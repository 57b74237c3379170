// The cost model's constants, each with where it comes from. "Fitted" means chosen by scripts/calibrate.mjs on the
// public tables of docs/cost-model.md (Korthikanti et al. 2022 Tables 4–5, Zero Bubble Tables 4 and 9) and nothing
// else; test/unit/core/schedule/costCalibration.test.ts fails if the fit on those tables drifts.

export interface CostConstants {
  /**
   * The calibration knob (the `efficiency` setting): the fraction of the GPU's dense peak that large GEMMs reach.
   * Null: the GPU profile's `gemmEfficiency` (0.80 on A100, fitted). It scales GEMMs only; memory-bound kernels,
   * attention kernels and communication keep their own rates, so end-to-end MFU comes out of the model.
   */
  efficiency: number | null;
  /**
   * GFLOP at which one GEMM runs at half the ceiling: efficiency(F) = ceiling · F / (F + F½), i.e. every GEMM costs
   * F½ / (peak · ceiling) on top of its FLOPs. 0.6 reproduces Calculon's A100 GEMM table (0.6 of the large-GEMM
   * figure at 1 GFLOP, ≥ 0.96 from 16 GFLOP; Isaev et al., SC'23).
   */
  gemmHalfGflop: number;
  /**
   * Flash-attention forward / backward fraction of dense peak: FlashAttention-2 on A100 reaches ~190 TFLOP/s forward
   * and ~160 backward on causal 2k sequences (Dao 2023, Fig. 5–6) → 0.6 and 0.5 of 312.
   */
  flashForwardEfficiency: number;
  flashBackwardEfficiency: number;
  /** Backward / forward FLOPs of attention: 5 matmuls vs 2 (FlashAttention-2 §3.1). */
  attentionBackwardRatio: number;
  /**
   * Unfused attention (local layer without flash, or backend unfused): HBM bytes moved per score element forward
   * (baddbmm write, scale-mask-softmax read+write, dropout) and backward (cost-model.md §1.8).
   */
  unfusedScoreBytesForward: number;
  unfusedScoreBytesBackward: number;
  /**
   * Fraction of HBM bandwidth memory-bound kernels reach (STREAM-like copies on A100 reach ~0.9 of the datasheet;
   * the element-wise chains of a layer less): 0.8, not fitted (the non-GEMM byte counts absorb the rest).
   */
  hbmEfficiency: number;
  /**
   * Non-GEMM forward work, as effective HBM bytes: per element of tok·h for the ops every TP rank repeats unless SP
   * splits them (two norms, two dropout + residual adds), and per element of tok·(h + f)/t for the TP-sharded ones
   * (biases, activation, rotary, softmax bookkeeping; the activation width is f, 1.5 f for GLU). Fitted together:
   * the replicated figure settles at 16, the least the fit may take (two norms and two dropout + residual adds move
   * ~22 bytes per 2-byte element), the sharded one at 53.3 — Zero Bubble Table 9's T_F minus GEMMs, κ ≈ 0.2 ns per
   * tok·h at TP 1 on A100, is mostly this term.
   */
  nonGemmReplicatedBytes: number;
  nonGemmShardedBytes: number;
  /** Non-GEMM backward / forward time. Fitted (Zero Bubble Table 9: T_B minus the input-gradient GEMMs). */
  nonGemmBackwardRatio: number;
  /** Output layer + cross-entropy: fp32 softmax traffic per logit element, forward and backward (cost-model.md §1.9). */
  logitsBytesForward: number;
  logitsBytesBackward: number;
  /**
   * Achieved fraction of NVLink bus bandwidth for NCCL rings. Fitted within [0.5, 0.8] (Calculon uses 0.65;
   * nccl-tests all-reduce on DGX A100 reaches ~230–240 of 300 GB/s): 0.8.
   */
  nvlinkBusEfficiency: number;
  /**
   * Achieved fraction of one NIC for collectives across nodes (NCCL runs one ring per NIC, see kernels.linkOf).
   * Not fitted (every calibration table but the H100 one has DP 1): 0.6, between Korthikanti §6.3 (530B at DP 8,
   * ≈ 5–10 GB/s effective of 25 in 2022) and nccl-tests on current InfiniBand (~0.9 of line rate).
   */
  networkBusEfficiency: number;
  /**
   * Exposed share of the backward TP collectives (Megatron's async TP all-reduce can overlap the input-gradient
   * all-reduce with the weight-gradient GEMM). Fitted within the spec's [0.5, 1]: 1, Korthikanti Table 4's backward
   * (11.9 ms at TP 8) shows no hidden share.
   */
  tpBackwardExposed: number;
  /**
   * Exposed share of TP collectives under --tp-comm-overlap (TE userbuffers pipeline the AG/RS with the GEMM
   * chunks; NVIDIA reports most of it hidden). Not fitted: no public table runs it at the layer level.
   */
  tpOverlapExposed: number;
  /** Achieved fraction of link bandwidth for the MoE all-to-all (pairwise, small messages); not fitted (no MoE table). */
  allToAllEfficiency: number;
  /**
   * p2p between stages: achieved fraction of NVLink for one send/recv pair, and the fixed cost of each batched
   * isend/irecv (stream sync, launch). Fitted on Zero Bubble Table 9's T_comm: 0.60 / 0.53 / 0.38 / 0.41 ms for
   * 28.3 / 25.2 / 10.5 / 12.6 MB messages ≈ 0.25 ms + bytes / 81 GB/s.
   */
  p2pLinkEfficiency: number;
  p2pMessageMs: number;
  /**
   * Fixed cost of one pipeline op on its rank (schedule bookkeeping, the wait on the previous p2p, the first kernel's
   * launch after it), so k·v small ops cost more than one large one. Fitted on Zero Bubble Table 4 (1F1B vs 1F1B-I,
   * 3× the ops, at growing m): 0.9 ms; the paper's measured steps exceed its own profiled op times by 0.5–2 ms per op.
   */
  opOverheadMs: number;
  /**
   * Fixed cost of one microbatch on each rank, whatever the number of ops it is cut into (forward_step's get_batch and
   * its TP broadcast, loss bookkeeping, the schedule's per-microbatch Python): charged on the first op of the
   * microbatch. Fitted on Zero Bubble Table 4 together with opOverheadMs: the measured steps exceed the sum of the
   * paper's own profiled T_F + T_B + T_W (Table 9), and interleaving (3× the ops) does not triple the excess.
   */
  microbatchOverheadMs: number;
  /**
   * Fixed cost of one training step outside the pipeline schedule and the modelled optimizer (data-iterator
   * bookkeeping, loss reduction and logging, the optimizer's Python and grad-norm clipping), paid by every rank after
   * its optimizer step. 0 by default: no public table separates it; a calibration from a training log
   * (core/logs/calibrate.ts) fits it as the measured step minus the measured forward-backward timer.
   */
  stepOverheadMs: number;
  /**
   * CPU launch floor of a layer: eager PyTorch issues ~30 kernels per layer forward and ~50 backward at ~5 µs each
   * (dispatcher + cudaLaunchKernel); a layer whose GPU work is shorter is launch-bound. Estimates, not fitted.
   */
  kernelsPerLayerForward: number;
  kernelsPerLayerBackward: number;
  kernelLaunchUs: number;
  /** Adam step: HBM bytes per locally updated parameter (fp32 master, m, v read + write, grad read, bf16 copy; §1.7). */
  optimizerBytesPerParam: number;
  /** Bytes of one activation element on the wire and in TP collectives (bf16/fp16). */
  activationBytes: number;
  /** Bytes per parameter all-gathered by the distributed optimizer after its step (bf16 params). */
  paramBytes: number;
  /** GPUs per node when the file does not say: DGX/HGX A100/H100 nodes have 8. */
  defaultGpusPerNode: number;
}

export const DEFAULT_COST_CONSTANTS: CostConstants = {
  efficiency: null,
  gemmHalfGflop: 0.6,
  flashForwardEfficiency: 0.6,
  flashBackwardEfficiency: 0.5,
  attentionBackwardRatio: 2.5,
  unfusedScoreBytesForward: 9,
  unfusedScoreBytesBackward: 11,
  hbmEfficiency: 0.8,
  nonGemmReplicatedBytes: 16,
  nonGemmShardedBytes: 53.3,
  nonGemmBackwardRatio: 0.99,
  logitsBytesForward: 16,
  logitsBytesBackward: 12,
  nvlinkBusEfficiency: 0.8,
  networkBusEfficiency: 0.6,
  tpBackwardExposed: 1,
  tpOverlapExposed: 0.2,
  allToAllEfficiency: 0.5,
  p2pLinkEfficiency: 0.27,
  p2pMessageMs: 0.25,
  opOverheadMs: 0.903,
  microbatchOverheadMs: 0.535,
  stepOverheadMs: 0,
  kernelsPerLayerForward: 30,
  kernelsPerLayerBackward: 50,
  kernelLaunchUs: 5,
  optimizerBytesPerParam: 40,
  activationBytes: 2,
  paramBytes: 2,
  defaultGpusPerNode: 8,
};
