// Synthetic timelines for the renderer, trace and panel tests, independent of the real engine (which is being
// written in parallel): op orders follow spec §1.2/§1.3/§1.5, and a tiny list scheduler turns them into times.
import type { AnalysisResult } from '../../src/core/analyze';
import { getGpuProfile } from '../../src/core/hardware/gpus';
import {
  OP_B,
  OP_F,
  type RunConfig,
  type ScheduleEvaluation,
  type ScheduleName,
  type SimResult,
  type StageMemory,
} from '../../src/core/types';

export interface SynthSpec {
  schedule: 'gpipe' | '1f1b' | 'seq1f1b';
  stages: number;
  microbatches: number;
  splits: number;
  /** Forward time of one whole microbatch on one stage, ms; chunk j of k costs more as its causal prefix grows. */
  forwardMs?: number;
  p2pMs?: number;
  /** Activation bytes of one unit held from its F to its B. */
  unitBytes?: number;
}

type Unit = [kind: number, unit: number];

/** Per-rank static programs (spec §1.5; k = 1 gives 1F1B §1.3). */
export function programs(spec: SynthSpec): Unit[][] {
  const { stages: p, microbatches: m } = spec;
  const k = spec.schedule === 'seq1f1b' ? spec.splits : 1;
  const units = m * k;
  const backwardUnit = (t: number): number => Math.floor(t / k) * k + (k - 1 - (t % k));
  const out: Unit[][] = [];
  for (let r = 0; r < p; r++) {
    const prog: Unit[] = [];
    if (spec.schedule === 'gpipe') {
      for (let u = 0; u < units; u++) prog.push([OP_F, u]);
      for (let u = 0; u < units; u++) prog.push([OP_B, u]);
    } else {
      const w = Math.min(p - r - 1 + (k - 1), units);
      for (let u = 0; u < w; u++) prog.push([OP_F, u]);
      for (let t = 0; t < units - w; t++) {
        prog.push([OP_F, w + t]);
        prog.push([OP_B, backwardUnit(t)]);
      }
      for (let t = units - w; t < units; t++) prog.push([OP_B, backwardUnit(t)]);
    }
    out.push(prog);
  }
  return out;
}

/** List-schedules the programs: an op starts when its stage is free and its cross-stage input has arrived. */
export function synthSim(spec: SynthSpec): SimResult {
  const p = spec.stages;
  const k = spec.schedule === 'seq1f1b' ? spec.splits : 1;
  const units = spec.microbatches * k;
  const fMs = spec.forwardMs ?? 10;
  const p2pMs = spec.p2pMs ?? 0.4;
  // Causal attention: chunk j attends to a prefix of j+1 chunks, so later chunks cost more (weights 1..k, normalised).
  const chunkWeight = Array.from({ length: k }, (_, j) => (0.6 + (0.8 * (j + 0.5)) / k) / k);
  const progs = programs(spec);
  const n = progs.reduce((s, pr) => s + pr.length, 0);
  const kind = new Uint8Array(n);
  const microbatch = new Int32Array(n);
  const chunk = new Uint16Array(n);
  const modelChunk = new Uint16Array(n);
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  const p2pStart = new Float64Array(n).fill(NaN);
  const p2pEnd = new Float64Array(n).fill(NaN);
  const stageOffsets = new Int32Array(p + 1);
  for (let r = 0; r < p; r++) stageOffsets[r + 1] = stageOffsets[r] + progs[r].length;
  const endF = new Float64Array(p * units).fill(NaN);
  const endB = new Float64Array(p * units).fill(NaN);
  const ptr = new Int32Array(p);
  const free = new Float64Array(p);
  let done = 0;
  while (done < n) {
    let progress = false;
    for (let r = 0; r < p; r++) {
      while (ptr[r] < progs[r].length) {
        const [kd, u] = progs[r][ptr[r]];
        let ready = 0;
        let hasP2p = false;
        if (kd === OP_F && r > 0) {
          ready = endF[(r - 1) * units + u];
          hasP2p = true;
        }
        if (kd === OP_B) {
          if (r < p - 1) {
            ready = endB[(r + 1) * units + u];
            hasP2p = true;
          } else ready = endF[r * units + u];
        }
        if (Number.isNaN(ready)) break;
        const i = stageOffsets[r] + ptr[r];
        if (hasP2p) {
          p2pStart[i] = ready;
          p2pEnd[i] = ready + p2pMs;
          ready += p2pMs;
        }
        const j = u % k;
        const dur = fMs * chunkWeight[j] * (kd === OP_B ? 2 : 1);
        start[i] = Math.max(free[r], ready);
        end[i] = start[i] + dur;
        free[r] = end[i];
        kind[i] = kd;
        microbatch[i] = Math.floor(u / k);
        chunk[i] = j;
        (kd === OP_F ? endF : endB)[r * units + u] = end[i];
        ptr[r]++;
        done++;
        progress = true;
      }
    }
    if (!progress) throw new Error('synthetic schedule deadlocked');
  }
  const makespan = Math.max(...Array.from(free));
  const busy = new Float64Array(p);
  const peakUnits = new Int32Array(p);
  for (let r = 0; r < p; r++) {
    let live = 0;
    for (let i = stageOffsets[r]; i < stageOffsets[r + 1]; i++) {
      busy[r] += end[i] - start[i];
      live += kind[i] === OP_F ? 1 : -1;
      peakUnits[r] = Math.max(peakUnits[r], live);
    }
  }
  const bubbleFraction = 1 - busy.reduce((a, b) => a + b, 0) / (p * makespan);
  return {
    spec: { schedule: spec.schedule, stages: p, microbatches: spec.microbatches, splits: k, virtualStages: 1 },
    opCount: n,
    stageOffsets,
    kind,
    microbatch,
    chunk,
    modelChunk,
    start,
    end,
    p2pStart,
    p2pEnd,
    makespan,
    busy,
    bubbleFraction,
    peakUnits,
  };
}

const GiB = 2 ** 30;

/** Memory over time: static weights/optimizer plus one unit's activations from each F start to its B end. */
export function synthMemory(sim: SimResult, unitBytes: number): StageMemory[] {
  const out: StageMemory[] = [];
  const p = sim.spec.stages;
  for (let r = 0; r < p; r++) {
    const staticBytes = (12 + r * 0.5) * GiB;
    const times: number[] = [0];
    const bytes: number[] = [staticBytes];
    let cur = staticBytes;
    let peak = cur;
    let peakT = 0;
    for (let i = sim.stageOffsets[r]; i < sim.stageOffsets[r + 1]; i++) {
      if (sim.kind[i] === OP_F) {
        cur += unitBytes;
        times.push(sim.start[i]);
      } else {
        cur -= unitBytes;
        times.push(sim.end[i]);
      }
      bytes.push(cur);
      if (cur > peak) {
        peak = cur;
        peakT = times[times.length - 1];
      }
    }
    // The parts sum to reserved, as the engine's do: static + dynamic = allocated, then the allocator cache (7 % of
    // allocated, overheads.ts's default) and 1 % outside PyTorch (issue 13: both are their own segments).
    const dynamic = peak - staticBytes;
    const logits = r === p - 1 ? Math.min(1.5 * GiB, dynamic / 4) : 0;
    const kvCache = (dynamic - logits) / 11;
    out.push({
      stage: r,
      peakBytes: peak,
      peakReservedBytes: peak * 1.08,
      peakTimeMs: peakT,
      breakdownBytes: {
        weights: 4 * GiB,
        grads: 4 * GiB,
        paramGather: 0,
        gradBuckets: 0,
        optimizer: (4 + r * 0.5) * GiB,
        activations: dynamic - logits - kvCache,
        kvCache,
        logits,
        fragmentation: peak * 0.07,
        overhead: peak * 0.01,
      },
      series: { timeMs: Float64Array.from(times), bytes: Float64Array.from(bytes) },
    });
  }
  return out;
}

export function synthEvaluation(spec: SynthSpec, gpuMemoryGiB = 80): ScheduleEvaluation {
  const sim = synthSim(spec);
  const memory = synthMemory(sim, spec.unitBytes ?? (spec.schedule === 'seq1f1b' ? (6 * GiB) / spec.splits : 6 * GiB));
  const peaks = memory.map((m) => m.peakBytes / GiB);
  return {
    schedule: spec.schedule as ScheduleName,
    applicable: true,
    reason: null,
    splits: sim.spec.splits,
    virtualStages: 1,
    whatIf: spec.schedule !== 'seq1f1b',
    splitsSource: 'file',
    stepTimeMs: sim.makespan,
    bubbleFraction: sim.bubbleFraction,
    tokensPerSecond: 1e6 / sim.makespan,
    tflopsPerGpu: 150,
    peakMemoryGiBPerStage: peaks,
    peakReservedGiBPerStage: peaks.map((x) => x * 1.08),
    oom: peaks.some((x) => x * 1.08 > gpuMemoryGiB),
    memoryBreakdownGiB: null,
    sim,
    memory,
  };
}

/** A full AnalysisResult as analyze() would return it for a Seq1F1B launch file, with 1F1B and GPipe as what-ifs. */
export function synthAnalysis(
  opts: { stages?: number; microbatches?: number; splits?: number; fileName?: string } = {},
): AnalysisResult {
  const p = opts.stages ?? 4;
  const m = opts.microbatches ?? 8;
  const k = opts.splits ?? 2;
  const gpu = getGpuProfile('a100-80gb');
  const config = {
    pipelineParallel: p,
    numMicrobatches: m,
    pipeSpSplits: k,
    pipeSpStrategy: 'average',
    virtualStages: null,
  } as Partial<RunConfig> as RunConfig;
  return {
    format: 'bash',
    isLaunchConfig: true,
    commandRange: null,
    config,
    sources: {},
    flags: [],
    diagnostics: [],
    gpu,
    partition: { strategy: 'average', lengths: Array.from({ length: k }, () => 4096) },
    schedules: {
      gpipe: synthEvaluation({ schedule: 'gpipe', stages: p, microbatches: m, splits: 1 }, gpu.memoryGiB),
      '1f1b': synthEvaluation({ schedule: '1f1b', stages: p, microbatches: m, splits: 1 }, gpu.memoryGiB),
      seq1f1b: synthEvaluation({ schedule: 'seq1f1b', stages: p, microbatches: m, splits: k }, gpu.memoryGiB),
    },
    selectedSchedule: 'seq1f1b',
    recommendation: null,
    timingsMs: { read: 0, schedules: 0, memory: 0 },
    simulatedOps: 0,
  };
}
