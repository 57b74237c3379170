// Schedule engine cost: the simulator alone at a million ops — against the typed-array floor (a tight loop writing a
// million start and end times) and a naive Map-based replay of the same schedule, both timed in the same run (issue
// 16: ≤ 5× the floor, ≥ 10× faster than the replay) — and all seven schedules of a typical Seq1F1B config through
// the real cost model (what a full analysis pays for the schedule part). The CPU rows time the floor and the work
// alternately in the same iterations (process.cpuUsage, user + system), so their ratio survives a loaded machine; both
// write into arrays kept across iterations (the floor's own, the simulator's transient ones), so that neither pays
// for the other's garbage — the wall rows above them allocate, as the editor's simulations do.
import type { BenchCase } from './bench';
import { evaluateAllSchedules } from '../../src/core/schedule/engine';
import { buildProgramsUnchecked, type Programs } from '../../src/core/schedule/programs';
import {
  isSimResult,
  simulatePrograms,
  simulateSchedule,
  uniformCosts,
  type SimCosts,
} from '../../src/core/schedule/simulator';
import { OP_B, OP_F } from '../../src/core/types';
import { getGpuProfile } from '../../src/core/hardware/gpus';
import type { LaunchConfigRead, RunConfig, ScheduleSpec } from '../../src/core/types';
import { cpuMs, median } from './cpu';

export function benches(): BenchCase[] {
  const million: ScheduleSpec = { schedule: 'seq1f1b', stages: 64, microbatches: 1024, splits: 8, virtualStages: 1 };
  const millionCosts = uniformCosts(million, 1, 2);
  const typical = {
    numLayers: 32,
    hiddenSize: 4096,
    numAttentionHeads: 32,
    seqLength: 32768,
    microBatchSize: 1,
    globalBatchSize: 64,
    tensorParallel: 4,
    pipelineParallel: 8,
    contextParallel: 1,
    dataParallel: 1,
    worldSize: 32,
    numMicrobatches: 64,
    paddedVocabSize: 32768,
    pipeSpSplits: 4,
    pipeSpStrategy: 'uniform_comp',
    sequenceParallel: true,
    distributedOptimizer: true,
    virtualStages: 2,
    gpusPerNode: 8,
  } as Partial<RunConfig> as RunConfig;
  const read: LaunchConfigRead = {
    format: 'bash',
    isLaunchConfig: true,
    commandRange: null,
    config: typical,
    sources: {},
    flags: [],
    diagnostics: [],
  };
  const gpu = getGpuProfile('a100-80gb');
  const programs = buildProgramsUnchecked(million);
  const n = programs.opCount;
  // DualPipeV at p = 16: 16 · 10,923 · 2 · 3 = 1,048,608 ops; its F&B pairs and full backwards replay too.
  const dualSpec: ScheduleSpec = {
    schedule: 'dualpipev',
    stages: 16,
    microbatches: 10923,
    splits: 1,
    virtualStages: 2,
  };
  const dual = buildProgramsUnchecked(dualSpec);
  const dualCosts = uniformCosts(dualSpec, 1, 1, 1);
  const replayNs: number[] = [];
  return [
    {
      name: 'simulator floor: 1,048,576 start + end times written into fresh typed arrays',
      run: () => floor(n),
      iterations: 30,
    },
    {
      name: 'simulate Seq1F1B p=64 m=1024 k=8 (1,048,576 ops), programs built',
      run: () => simulatePrograms(programs, millionCosts),
      iterations: 15,
      target: '≤ 5× the floor',
    },
    alternating(
      'simulate Seq1F1B p=64 m=1024 k=8 (1,048,576 ops), programs built (replay), CPU ms',
      () => simulatePrograms(programs, millionCosts, true),
      n,
      21,
      '≤ 5× the floor',
      replayNs,
    ),
    alternating(
      // A shallow copy is a program never simulated: the event loop runs and writes its replay plan.
      'simulate Seq1F1B p=64 m=1024 k=8 (1,048,576 ops), first run (event loop + plan), CPU ms',
      () => simulatePrograms({ ...programs }, millionCosts, true),
      n,
      9,
    ),
    alternating(
      'simulate DualPipeV p=16 m=10923 (1,048,608 ops), programs built (replay), CPU ms',
      () => simulatePrograms(dual, dualCosts, true),
      dual.opCount,
      21,
      'per op ≤ Seq1F1B replay',
      undefined,
      replayNs,
    ),
    {
      name: 'simulate Seq1F1B p=64 m=1024 k=8 (1,048,576 ops), cold: build + pack + simulate',
      run: () => simulatePrograms(buildProgramsUnchecked(million), millionCosts),
      iterations: 15,
    },
    {
      name: 'simulateSchedule Seq1F1B p=64 m=1024 k=8 (1,048,576 ops), programs cached',
      run: () => simulateSchedule(million, millionCosts),
      iterations: 15,
    },
    {
      name: 'naive Map-based replay of the same schedule (1,048,576 ops), the baseline',
      run: () => naiveReplay(programs, millionCosts),
      iterations: 3,
      target: '≥ 10× the simulator',
    },
    {
      name: 'evaluateAllSchedules p=8 m=64 k=4 v=2 (7 schedules)',
      run: () => evaluateAllSchedules(read, { gpu }),
      target: '< 5 ms',
    },
  ];
}

/**
 * A CPU-time row: each iteration times the floor (same op count) and then the work, so the ratio of their medians
 * compares them under the same load. `ownNs` collects this row's ns per op, `againstNs` compares to another row's.
 */
function alternating(
  name: string,
  work: () => unknown,
  ops: number,
  iterations: number,
  goal = '',
  ownNs?: number[],
  againstNs?: number[],
): BenchCase {
  const floorMs: number[] = [];
  const workMs: number[] = [];
  const kept = { start: new Float64Array(ops), end: new Float64Array(ops) };
  let warm = false;
  const checked = (): void => {
    const r = work() as ReturnType<typeof simulatePrograms>;
    if (!isSimResult(r)) throw new Error(`${name}: ${r.reason}`);
  };
  return {
    name,
    iterations,
    run: checked,
    measure: (): number => {
      if (!warm) {
        checked();
        warm = true;
      }
      floorMs.push(cpuMs(() => floor(ops, kept)));
      const ms = cpuMs(checked);
      workMs.push(ms);
      ownNs?.push((ms * 1e6) / ops);
      return ms;
    },
    get target(): string {
      const nsPerOp = (median(workMs) * 1e6) / ops;
      const vsFloor = `${(median(workMs) / median(floorMs)).toFixed(2)}× the floor's CPU (${median(floorMs).toFixed(2)} ms)`;
      const vsOther = againstNs ? `, ${(nsPerOp / median(againstNs)).toFixed(2)}× Seq1F1B's replay per op` : '';
      return `${nsPerOp.toFixed(1)} ns/op, ${vsFloor}${vsOther}${goal ? ` (goal ${goal})` : ''}`;
    },
  };
}

/** The floor: nothing but writing every op's start and end once into arrays allocated for the run (or kept ones). */
function floor(n: number, into?: { start: Float64Array; end: Float64Array }): Float64Array {
  const start = into?.start ?? new Float64Array(n);
  const end = into?.end ?? new Float64Array(n);
  let t = 0;
  for (let i = 0; i < n; i++) {
    start[i] = t;
    t += 1;
    end[i] = t;
  }
  return end;
}

/**
 * The straightforward replay the simulator is measured against: an object per op, completion times in a Map keyed by
 * strings, stages swept round-robin until none can advance. Same semantics as simulator.ts (Seq1F1B's chunk chain,
 * p2p on the hop), written without any of its packing.
 */
function naiveReplay(prog: Programs, costs: SimCosts): number {
  const { stages: p, splits: k } = prog.spec;
  const vs = p * prog.spec.virtualStages;
  const done = new Map<string, number>();
  const pc = Array.from({ length: p }, (_, r) => prog.stageOffsets[r]!);
  const free = new Array<number>(p).fill(0);
  const ops: { start: number; end: number }[] = [];
  let progress = true;
  while (progress) {
    progress = false;
    for (let r = 0; r < p; r++) {
      while (pc[r]! < prog.stageOffsets[r + 1]!) {
        const q = pc[r]!;
        const op = { kind: prog.kind[q]!, mb: prog.microbatch[q]!, j: prog.chunk[q]!, s: prog.modelChunk[q]! * p + r };
        const deps: [string, number][] = [];
        if (op.kind === OP_F) {
          if (op.s > 0) deps.push([`F${op.s - 1}/${op.mb}/${op.j}`, costs.p2pForward[op.j]!]);
          if (op.j > 0) deps.push([`F${op.s}/${op.mb}/${op.j - 1}`, 0]);
        } else if (op.kind === OP_B) {
          if (op.s < vs - 1) deps.push([`B${op.s + 1}/${op.mb}/${op.j}`, costs.p2pBackward[op.j]!]);
          deps.push(op.j < k - 1 ? [`B${op.s}/${op.mb}/${op.j + 1}`, 0] : [`F${op.s}/${op.mb}/${op.j}`, 0]);
        } else deps.push([`B${op.s}/${op.mb}/${op.j}`, 0]);
        let ready = free[r]!;
        let blocked = false;
        for (const [key, delay] of deps) {
          const t = done.get(key);
          if (t === undefined) blocked = true;
          else ready = Math.max(ready, t + delay);
        }
        if (blocked) break;
        const slot = op.s * k + op.j;
        const dur =
          op.kind === OP_F ? costs.forward[slot]! : op.kind === OP_B ? costs.backward[slot]! : costs.weight[slot]!;
        const record = { start: ready, end: ready + dur };
        ops.push(record);
        done.set(`${op.kind === OP_F ? 'F' : op.kind === OP_B ? 'B' : 'W'}${op.s}/${op.mb}/${op.j}`, record.end);
        free[r] = record.end;
        pc[r] = q + 1;
        progress = true;
      }
    }
  }
  return Math.max(...free);
}
