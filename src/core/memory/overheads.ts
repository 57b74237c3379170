// Memory PyTorch's allocator does not report (CUDA context, library workspaces, NCCL buffers) and the gap between
// reserved and allocated (fragmentation). These are rough, measured-elsewhere figures (megatron.md §4); every one is
// a user-adjustable constant, and MemoryOptions.overheadGiB replaces the whole non-PyTorch part.
import type { ModelShape } from '../model/shape';

export const GiB = 2 ** 30;

export interface OverheadConstants {
  /** CUDA context + cuBLAS / Transformer Engine workspaces per process ("roughly 0.5–1 GiB", megatron.md §4). */
  cudaContextGiB: number;
  /** NCCL buffers of a 2-rank communicator (NCCL #964: 544 MB per 2-GPU group on A100 NVLink). */
  ncclPairGiB: number;
  /** NCCL buffers of a larger communicator (NCCL #964: 688 MB; LUMI #111: ~0.65 GiB per extra communicator). */
  ncclGroupGiB: number;
  /** Extra for expert-parallel all-to-all channels (NCCL #1685: +3.3 GB on 8×H100 with 32 channels per peer). */
  ncclAllToAllGiB: number;
  /** Reserved ≈ allocated × (1 + this): ROCm/Megatron-LM PR #162 models 7 %, megatron.md §4 suggests 5–10 %. */
  fragmentationFraction: number;
}

export const DEFAULT_OVERHEADS: OverheadConstants = {
  cudaContextGiB: 0.75,
  ncclPairGiB: 0.5,
  ncclGroupGiB: 0.65,
  ncclAllToAllGiB: 1.5,
  fragmentationFraction: 0.07,
};

export interface Communicator {
  name: 'tp' | 'pp' | 'dp' | 'cp' | 'ep';
  size: number;
}

/** Process groups of size > 1 a rank takes part in. The DP group is dp·cp wide when CP is on (gradients reduce over both). */
export function communicators(shape: ModelShape): Communicator[] {
  const all: Communicator[] = [
    { name: 'tp', size: shape.tp },
    { name: 'pp', size: shape.pp },
    { name: 'dp', size: shape.dp * shape.cp },
    { name: 'cp', size: shape.cp },
    { name: 'ep', size: shape.numExperts > 0 ? shape.ep : 1 },
  ];
  return all.filter((c) => c.size > 1);
}

/** Non-PyTorch bytes per GPU: CUDA context + NCCL buffers + TE userbuffers, or the user's total. */
export function nonPyTorchOverheadBytes(shape: ModelShape, constants: OverheadConstants, overrideGiB?: number): number {
  if (overrideGiB != null && Number.isFinite(overrideGiB) && overrideGiB >= 0) return overrideGiB * GiB;
  let gib = constants.cudaContextGiB;
  for (const c of communicators(shape)) {
    // PP uses point-to-point pairs only, so its buffers are those of a 2-rank communicator whatever p is.
    gib += c.size === 2 || c.name === 'pp' ? constants.ncclPairGiB : constants.ncclGroupGiB;
    if (c.name === 'ep') gib += constants.ncclAllToAllGiB;
  }
  return gib * GiB + userbufferBytes(shape);
}

/**
 * Transformer Engine's userbuffers under --tp-comm-overlap. Megatron-LM (d98e8a64 megatron/training/initialize.py
 * :223-249) calls te.initialize_ub with shape [s·b/CP, h] and one quantization mode, FP8 under --fp8, plus a bf16 set
 * when --first-last-layers-bf16 keeps layers in bf16. Transformer Engine (d0067d0 transformer_engine/pytorch/module/
 * base.py:336-360, :560-568) creates one communicator per GEMM: 4 ring-exchange all-gathers (qkv_fprop, fc1_fprop,
 * proj_dgrad, fc2_dgrad), 2 pipelined reduce-scatters (proj_fprop, fc2_fprop), 4 bulk (qkv/fc1 dgrad and wgrad) and 2
 * external (proj_wgrad, fc2_wgrad). Each registers one buffer of exactly that shape (comm_gemm_overlap.cpp:419-421;
 * a ring exchange holds tp chunks of 1/tp, :813-824, only reduce-scatters take 2tp−1 and none of the four is one),
 * 1 byte per element for the 8 all-gather-side names under FP8 (base.py:336-345, :391, :473-476), else 2 (bf16).
 * The buffers are allocated outside PyTorch's allocator, so they are reserved, never allocated. TE before #1982
 * (077e26c3) had no external pair: 10 buffers.
 */
export function userbufferBytes(shape: ModelShape): number {
  if (!shape.tpCommOverlap) return 0;
  const elements = ((shape.seqLength * shape.microBatch) / shape.cp) * shape.hidden;
  const bf16Set = 12 * 2;
  const fp8Set = 8 * 1 + 4 * 2;
  const fp8 = shape.storage.lowPrecision?.format === 'fp8';
  const bf16Layers = shape.storage.bf16Layers.start + shape.storage.bf16Layers.end > 0;
  return elements * (fp8 ? fp8Set + (bf16Layers ? bf16Set : 0) : bf16Set);
}

/**
 * Reserved-memory estimate from allocated bytes. In the breakdown (stageMemory.ts) allocated × the fraction is part of
 * the `fragmentation` term (the allocator's cache) and `overheadBytes` is the `overhead` term (outside PyTorch).
 */
export function reservedBytes(allocatedBytes: number, overheadBytes: number, constants: OverheadConstants): number {
  return allocatedBytes * (1 + constants.fragmentationFraction) + overheadBytes;
}
