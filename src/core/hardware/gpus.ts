// GPU profiles for the cost and memory models. Figures are vendor datasheet values (dense, no sparsity);
// memory is the capacity nvidia-smi reports. Every field can be overridden by the user (settings / CLI).
// - intraNodeGBps: NVLink per GPU per direction = half the datasheet's bidirectional figure.
// - interNodeGBps: one NIC per GPU as in DGX/HGX systems (HDR 200 Gb/s = 25 GB/s; NDR 400 Gb/s = 50 GB/s).
// - latencies: order of magnitude of NCCL's small-message p2p / ring-step latency (nccl-tests on DGX systems:
//   ~10 µs over NVLink, ~20 µs over InfiniBand); they matter only for many small Seq1F1B chunks.
// - B200: HGX B200 at 1,000 W, 2.25 PFLOP/s dense BF16 (4.5 with 2:4 sparsity), 75 TFLOP/s FP32.
import type { GpuProfile } from '../types';

import { DEFAULT_GPU_ID } from '../defaults';

const GiB_PER_MiB = 1 / 1024;

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
    source:
      'NVIDIA A100 datasheet (312 TFLOP/s dense BF16, NVLink3 600 GB/s bidirectional); HDR InfiniBand 200 Gb/s per GPU',
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
    source:
      'NVIDIA A100 datasheet (312 TFLOP/s dense BF16, NVLink3 600 GB/s bidirectional); HDR InfiniBand 200 Gb/s per GPU',
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
    source:
      'NVIDIA H100 datasheet (989 TFLOP/s dense BF16, NVLink4 900 GB/s bidirectional); NDR InfiniBand 400 Gb/s per GPU',
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
    source:
      'NVIDIA H200 datasheet (989 TFLOP/s dense BF16, 141 GB HBM3e, NVLink4 900 GB/s bidirectional); NDR 400 Gb/s per GPU',
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
    source:
      'NVIDIA HGX B200 datasheet (2.25 PFLOP/s dense BF16 per GPU, NVLink5 1.8 TB/s bidirectional); 400 Gb/s NIC per GPU',
  },
];

export function getGpuProfile(id: string): GpuProfile {
  return GPU_PROFILES.find((g) => g.id === id.toLowerCase()) ?? GPU_PROFILES.find((g) => g.id === DEFAULT_GPU_ID)!;
}

export function isKnownGpu(id: string): boolean {
  return GPU_PROFILES.some((g) => g.id === id.toLowerCase());
}
