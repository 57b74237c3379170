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

/** Non-PyTorch bytes per GPU: CUDA context + NCCL buffers, or the user's total. */
export function nonPyTorchOverheadBytes(shape: ModelShape, constants: OverheadConstants, overrideGiB?: number): number {
  if (overrideGiB != null && Number.isFinite(overrideGiB) && overrideGiB >= 0) return overrideGiB * GiB;
  let gib = constants.cudaContextGiB;
  for (const c of communicators(shape)) {
    // PP uses point-to-point pairs only, so its buffers are those of a 2-rank communicator whatever p is.
    gib += c.size === 2 || c.name === 'pp' ? constants.ncclPairGiB : constants.ncclGroupGiB;
    if (c.name === 'ep') gib += constants.ncclAllToAllGiB;
  }
  return gib * GiB;
}

/** Reserved-memory estimate from allocated bytes. */
export function reservedBytes(allocatedBytes: number, overheadBytes: number, constants: OverheadConstants): number {
  return allocatedBytes * (1 + constants.fragmentationFraction) + overheadBytes;
}
