// Issue 18's throughput figure: every schedule added with it (ZB-H2, ZB-V, V-Half, V-Min, DualPipeV,
// group-interleaved) built and simulated cold at about a million ops, per op, against Seq1F1B timed the same way in
// the same run — "none slower per op than today's Seq1F1B". All at p = 16, the sizes chosen for ≥ 1,048,576 ops.
// Figures are CPU time (process.cpuUsage, user + system, so a parallel GC thread counts too), not wall time: the
// machine is shared and CPU time is what the analysis spends. The target column gives ns per op and the ratio to
// Seq1F1B's row of the same kind; the rows run in the order listed, Seq1F1B first, so a filter that keeps the
// yardstick keeps the ratios.
import type { BenchCase } from './bench';
import { buildProgramsUnchecked } from '../../src/core/schedule/programs';
import { isSimResult, simulatePrograms, uniformCosts } from '../../src/core/schedule/simulator';
import type { ScheduleSpec } from '../../src/core/types';
import { cpuMs, median } from './cpu';

const P = 16;

/** Each schedule at p = 16 with the fewest microbatches giving ≥ 2^20 ops (ops per stage: m·k·v·(2 or 3)). */
const SPECS: readonly { label: string; spec: ScheduleSpec }[] = [
  // 16 · 8192 · 4 · 2 = 1,048,576: the yardstick.
  { label: 'Seq1F1B k=4', spec: { schedule: 'seq1f1b', stages: P, microbatches: 8192, splits: 4, virtualStages: 1 } },
  // 16 · 21,846 · 3 = 1,048,608.
  { label: 'ZB-H2', spec: { schedule: 'zb-h2', stages: P, microbatches: 21846, splits: 1, virtualStages: 1 } },
  // The V schedules and group-interleaved: 16 · 10,923 · 2 · 3 = 1,048,608.
  ...(['zb-v', 'v-half', 'v-min', 'dualpipev'] as const).map((schedule) => ({
    label: { 'zb-v': 'ZB-V', 'v-half': 'V-Half', 'v-min': 'V-Min', dualpipev: 'DualPipeV' }[schedule],
    spec: { schedule, stages: P, microbatches: 10923, splits: 1, virtualStages: 2 },
  })),
  {
    // The fork's default group ⌈p/2⌉ = 8 (groupInterleaved.ts).
    label: 'group-interleaved G=8',
    spec: { schedule: 'group-interleaved', stages: P, microbatches: 10923, splits: 1, virtualStages: 2 },
  },
];

const ITERATIONS = 5;

/**
 * One row per schedule and kind: `measure` returns CPU ms (one untimed warm-up first, so the JIT is not in it) and
 * the target, read by bench.ts after the timing, states ns per op and the ratio to the first row of the kind.
 */
function rows(kind: 'build + simulate' | 'build only'): BenchCase[] {
  let yardstickNsPerOp = NaN;
  return SPECS.map(({ label, spec }, index) => {
    const costs = uniformCosts(spec, 1, 1, 1);
    const ops = buildProgramsUnchecked(spec).opCount;
    const times: number[] = [];
    let warm = false;
    const once = (): void => {
      const prog = buildProgramsUnchecked(spec);
      if (kind === 'build only') return;
      const r = simulatePrograms(prog, costs);
      if (!isSimResult(r)) throw new Error(`${label}: ${r.reason}`);
    };
    return {
      name: `${kind} ${label} p=${P} m=${spec.microbatches} (${ops.toLocaleString('en-US')} ops), cold program, CPU ms`,
      iterations: ITERATIONS,
      // bench.ts times `measure` when there is one; `run` is the same work.
      run: once,
      measure: (): number => {
        if (!warm) {
          once();
          warm = true;
        }
        const ms = cpuMs(once);
        times.push(ms);
        return ms;
      },
      get target(): string {
        const nsPerOp = (median(times) * 1e6) / ops;
        if (index === 0) yardstickNsPerOp = nsPerOp;
        const ratio = index === 0 ? 'the yardstick' : `${(nsPerOp / yardstickNsPerOp).toFixed(2)}× Seq1F1B`;
        return `${nsPerOp.toFixed(0)} ns/op CPU, ${ratio} (goal ≤ 1×)`;
      },
    };
  });
}

export function benches(): BenchCase[] {
  return [...rows('build + simulate'), ...rows('build only')];
}
