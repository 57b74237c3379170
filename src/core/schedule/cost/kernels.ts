// Time of one kernel class on one GPU: GEMMs at a size-dependent efficiency, attention at flash-attention's rate (or
// the unfused path's matmuls plus score traffic), memory-bound work at the HBM rate, ring collectives at an achieved
// bus bandwidth. Every rate comes from CostConstants (constants.ts, with sources) and the GPU profile.
import type { GpuProfile } from '../../types';
import type { CostConstants } from './constants';

/** A100-80GB bytes per dense FLOP (2,039 GB/s over 312 TFLOP/s): HBM of a profile that does not state it. */
const A100_HBM_PER_TFLOP_GBPS = 2039 / 312;

/** Fraction of dense peak the largest GEMMs reach: the `efficiency` knob, else the GPU's calibrated figure. */
export function gemmCeiling(gpu: GpuProfile, c: CostConstants): number {
  return c.efficiency ?? gpu.gemmEfficiency ?? 0.8;
}

/** The rates a layer's kernels run at on one GPU, resolved once per cost table. */
export interface KernelRates {
  /** GEMM FLOPs per ms at the ceiling (FP8 peak when the run's GEMMs are FP8 and the GPU has it). */
  gemmFlopsPerMs: number;
  /** Fixed ms every GEMM adds: F½ at the ceiling (constants.gemmHalfGflop). */
  gemmFixedMs: number;
  flashForwardFlopsPerMs: number;
  flashBackwardFlopsPerMs: number;
  /** Achieved HBM bytes per ms for memory-bound kernels. */
  hbmBytesPerMs: number;
}

export function kernelRates(gpu: GpuProfile, c: CostConstants, fp8: boolean): KernelRates {
  const peak16 = gpu.peakTflops16 * 1e9; // FLOP per ms
  const peakGemm = fp8 && gpu.peakTflops8 ? gpu.peakTflops8 * 1e9 : peak16;
  const ceiling = gemmCeiling(gpu, c);
  const gemmFlopsPerMs = peakGemm * ceiling;
  const hbm = gpu.hbmGBps ?? gpu.peakTflops16 * A100_HBM_PER_TFLOP_GBPS;
  return {
    gemmFlopsPerMs,
    gemmFixedMs: (c.gemmHalfGflop * 1e9) / gemmFlopsPerMs,
    flashForwardFlopsPerMs: peak16 * c.flashForwardEfficiency,
    flashBackwardFlopsPerMs: peak16 * c.flashBackwardEfficiency,
    hbmBytesPerMs: hbm * 1e6 * c.hbmEfficiency,
  };
}

/** One GEMM of `flops` per GPU (repeated `count` times, e.g. one per local expert). */
export function gemmMs(flops: number, rates: KernelRates, count = 1): number {
  if (flops <= 0) return 0;
  return flops / rates.gemmFlopsPerMs + count * rates.gemmFixedMs;
}

/** A ring collective's link: bandwidth (GB/s) already scaled by its achieved fraction, and per-step latency. */
export interface Link {
  GBps: number;
  latencyUs: number;
}

/**
 * The achieved link of a collective. Across nodes NCCL runs one ring per NIC, so a group with several members per
 * node (`membersPerNode`, e.g. DP at TP 1) crosses each node boundary on that many NICs at once; a group with one
 * member per node (DP at TP 8) has one NIC. Never faster than NVLink.
 */
export function linkOf(gpu: GpuProfile, c: CostConstants, interNode: boolean, membersPerNode = 1): Link {
  const nvlink = gpu.intraNodeGBps * c.nvlinkBusEfficiency;
  return interNode
    ? {
        GBps: Math.min(nvlink, gpu.interNodeGBps * c.networkBusEfficiency * Math.max(1, Math.floor(membersPerNode))),
        latencyUs: gpu.interNodeLatencyUs,
      }
    : { GBps: nvlink, latencyUs: gpu.intraNodeLatencyUs };
}

/**
 * Ring collective time (Patarasuk & Yuan 2009): an all-reduce moves 2(n−1)/n of the bytes in 2(n−1) steps; a
 * reduce-scatter or all-gather ('half') moves (n−1)/n in n−1 steps.
 */
export function ringMs(bytes: number, ranks: number, kind: 'all-reduce' | 'half', link: Link): number {
  if (ranks <= 1 || bytes <= 0) return 0;
  const factor = kind === 'all-reduce' ? 2 : 1;
  return (
    factor * (ranks - 1) * link.latencyUs * 1e-3 + ((factor * (ranks - 1)) / ranks) * (bytes / (link.GBps * 1e9)) * 1e3
  );
}
