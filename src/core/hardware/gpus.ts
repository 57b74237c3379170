// GPU profiles for the cost and memory models. Figures are vendor datasheet values (dense, no sparsity);
// memory is the capacity nvidia-smi reports. Every field can be overridden by the user (settings / CLI).
// - intraNodeGBps: NVLink per GPU per direction = half the datasheet's bidirectional figure.
// - interNodeGBps: one NIC per GPU as in DGX/HGX systems (HDR 200 Gb/s = 25 GB/s; NDR 400 Gb/s = 50 GB/s).
// - latencies: order of magnitude of NCCL's small-message p2p / ring-step latency (nccl-tests on DGX systems:
//   ~10 µs over NVLink, ~20 µs over InfiniBand); they matter only for many small Seq1F1B chunks.
// - hbmGBps: the datasheet's memory bandwidth; the cost model's memory-bound (non-GEMM, optimizer) terms scale by it.
// - gemmEfficiency: the fraction of dense peak large Megatron GEMMs reach. A100: 0.80, fitted by
//   scripts/calibrate.mjs on Korthikanti et al. 2022 Tables 4–5 and Zero Bubble Table 9, whose W passes (pure
//   weight-gradient GEMMs) run at 0.76–0.81 of peak. Hopper/Blackwell: no public per-GEMM table in the spec, so the
//   A100 figure stands (Megatron-LM's H100 table is then a plausibility check, see docs/cost-model.md).
// - B200: HGX B200 at 1,000 W, 2.25 PFLOP/s dense BF16 (4.5 with 2:4 sparsity), 75 TFLOP/s FP32.
import type { GpuProfile } from '../types';

import { DEFAULT_GPU_ID } from '../defaults';

const GiB_PER_MiB = 1 / 1024;

const A100_GEMM_EFFICIENCY = 0.8;

export const GPU_PROFILES: readonly GpuProfile[] = [
  {
    id: 'a100-40gb',
    name: 'NVIDIA A100 40GB SXM',
    memoryGiB: 40960 * GiB_PER_MiB,
    peakTflops16: 312,
    peakTflops32: 19.5,
    intraNodeGBps: 300,
    interNodeGBps: 25,
    intraNodeLatencyUs: 10,
    interNodeLatencyUs: 20,
    hbmGBps: 1555,
    gemmEfficiency: A100_GEMM_EFFICIENCY,
    source:
      'NVIDIA A100 datasheet (312 TFLOP/s dense BF16, HBM2 1,555 GB/s, NVLink3 600 GB/s bidirectional); HDR InfiniBand 200 Gb/s per GPU',
  },
  {
    id: 'a100-80gb',
    name: 'NVIDIA A100 80GB SXM',
    memoryGiB: 81920 * GiB_PER_MiB,
    peakTflops16: 312,
    peakTflops32: 19.5,
    intraNodeGBps: 300,
    interNodeGBps: 25,
    intraNodeLatencyUs: 10,
    interNodeLatencyUs: 20,
    hbmGBps: 2039,
    gemmEfficiency: A100_GEMM_EFFICIENCY,
    source:
      'NVIDIA A100 datasheet (312 TFLOP/s dense BF16, HBM2e 2,039 GB/s, NVLink3 600 GB/s bidirectional); HDR InfiniBand 200 Gb/s per GPU',
  },
  {
    id: 'h100-80gb',
    name: 'NVIDIA H100 80GB SXM',
    memoryGiB: 81559 * GiB_PER_MiB,
    peakTflops16: 989,
    peakTflops32: 67,
    intraNodeGBps: 450,
    interNodeGBps: 50,
    intraNodeLatencyUs: 8,
    interNodeLatencyUs: 15,
    hbmGBps: 3350,
    peakTflops8: 1979,
    gemmEfficiency: A100_GEMM_EFFICIENCY,
    source:
      'NVIDIA H100 datasheet, SXM (989 TFLOP/s dense BF16, 1,979 dense FP8, HBM3 3.35 TB/s, NVLink4 900 GB/s bidirectional); NDR InfiniBand 400 Gb/s per GPU',
  },
  {
    id: 'h100-pcie',
    name: 'NVIDIA H100 80GB PCIe',
    memoryGiB: 81559 * GiB_PER_MiB,
    peakTflops16: 756,
    peakTflops32: 51,
    // No NVLink switch: GPUs talk over PCIe Gen5 x16 (64 GB/s per direction); one 200 Gb/s NIC per GPU.
    intraNodeGBps: 64,
    interNodeGBps: 25,
    intraNodeLatencyUs: 10,
    interNodeLatencyUs: 20,
    hbmGBps: 2000,
    peakTflops8: 1513,
    gemmEfficiency: A100_GEMM_EFFICIENCY,
    source:
      'NVIDIA H100 datasheet, PCIe (756 TFLOP/s dense BF16, 1,513 dense FP8, HBM2e 2 TB/s, PCIe Gen5 128 GB/s bidirectional); 200 Gb/s NIC per GPU',
  },
  {
    id: 'h200-141gb',
    name: 'NVIDIA H200 141GB SXM',
    memoryGiB: 143771 * GiB_PER_MiB,
    peakTflops16: 989,
    peakTflops32: 67,
    intraNodeGBps: 450,
    interNodeGBps: 50,
    intraNodeLatencyUs: 8,
    interNodeLatencyUs: 15,
    hbmGBps: 4800,
    peakTflops8: 1979,
    gemmEfficiency: A100_GEMM_EFFICIENCY,
    source:
      'NVIDIA H200 datasheet (989 TFLOP/s dense BF16, 1,979 dense FP8, 141 GB HBM3e at 4.8 TB/s, NVLink4 900 GB/s bidirectional); NDR 400 Gb/s per GPU',
  },
  {
    id: 'b200',
    name: 'NVIDIA B200 180GB',
    memoryGiB: 183359 * GiB_PER_MiB,
    peakTflops16: 2250,
    peakTflops32: 75,
    intraNodeGBps: 900,
    interNodeGBps: 50,
    intraNodeLatencyUs: 8,
    interNodeLatencyUs: 15,
    hbmGBps: 8000,
    peakTflops8: 4500,
    gemmEfficiency: A100_GEMM_EFFICIENCY,
    source:
      'NVIDIA HGX B200 datasheet (2.25 PFLOP/s dense BF16, 4.5 dense FP8 per GPU, HBM3e 8 TB/s, NVLink5 1.8 TB/s bidirectional); 400 Gb/s NIC per GPU',
  },
  {
    id: 'ascend-910b',
    name: 'Huawei Ascend 910B 64GB',
    memoryGiB: 64,
    // Atlas 800T A2: 8 NPUs, 2.5 PFLOP/s FP16 per server → 313 per NPU; HCCS full mesh 392 GB/s per NPU
    // (7 links × 56 GB/s, bidirectional) → 196 per direction; 8 × 200GE RoCE per server → 25 GB/s per NPU.
    // FP32 has no public figure: a quarter of FP16 is assumed (it only sizes fp32 runs).
    peakTflops16: 313,
    peakTflops32: 78,
    intraNodeGBps: 196,
    interNodeGBps: 25,
    intraNodeLatencyUs: 10,
    interNodeLatencyUs: 20,
    hbmGBps: 1600,
    gemmEfficiency: A100_GEMM_EFFICIENCY,
    source:
      'Huawei Atlas 800T A2 datasheet (8 × Ascend 910B, 2.5 PFLOP/s FP16, 64 GB HBM2e per NPU, HCCS, 8 × 200GE RoCE); HBM 1.6 TB/s and FP32 from public vendor briefings, not a datasheet',
  },
];

export function getGpuProfile(id: string): GpuProfile {
  return GPU_PROFILES.find((g) => g.id === id.toLowerCase()) ?? GPU_PROFILES.find((g) => g.id === DEFAULT_GPU_ID)!;
}

export function isKnownGpu(id: string): boolean {
  return GPU_PROFILES.some((g) => g.id === id.toLowerCase());
}
