// Issue 15: ZB-H2 and ZB-V are sampled too (periodic.ts settlesAfter: from 4p microbatches on), so a long zero-bubble
// file no longer costs a million simulated ops. Checked here against the full simulation of the same timeline, op by
// op — an independent computation — over random model-shaped configurations, and the memory walk of the drawn sample
// against the full run's. Refusing (samples that do not repeat yet) is allowed: the engine then simulates in full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScheduleName, ScheduleSpec, SimResult } from '../../../../src/core/types';
import { simulatePeriodic } from '../../../../src/core/schedule/periodic';
import { isSimResult, simulateSchedule, uniformCosts, type SimCosts } from '../../../../src/core/schedule/simulator';
import { walkLiveness } from '../../../../src/core/memory/liveness';
import { smallRun } from '../../../support/memoryFixtures';
import { prng, randInt } from '../../../support/scheduleCheck';

/** Costs shaped as the cost model makes them: stages alike but the first (embedding) and last (output layer, loss). */
function modelLikeCosts(spec: ScheduleSpec, rand: () => number): SimCosts {
  const c = uniformCosts(spec, 1, 2, 1, 0.05);
  const vs = spec.stages * spec.virtualStages;
  const [first, last] = [1 + rand() * 0.3, 1 + rand() * 0.8];
  const [f, b, w] = [0.5 + rand(), 1 + rand() * 2, rand()];
  for (let s = 0; s < vs; s++) {
    const stage = s === 0 ? first : s === vs - 1 ? last : 1;
    c.forward[s] = f * stage;
    c.backward[s] = b * stage;
    c.weight[s] = w * stage;
  }
  c.p2pForward[0] = c.p2pBackward[0] = rand() * 0.3;
  return c;
}

function full(spec: ScheduleSpec, costs: SimCosts): SimResult {
  const r = simulateSchedule(spec, costs, Number.MAX_SAFE_INTEGER);
  assert.ok(isSimResult(r), JSON.stringify(spec));
  return r;
}

function lastEnd(sim: SimResult, r: number): number {
  let last = 0;
  for (let q = sim.stageOffsets[r]; q < sim.stageOffsets[r + 1]; q++) last = Math.max(last, sim.end[q]);
  return last;
}

const near = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

for (const schedule of ['zb-h2', 'zb-v'] as const satisfies readonly ScheduleName[]) {
  test(`${schedule}: periodic samples give the full run's figures — exactly once settled, else within 1.5 %`, () => {
    const rand = prng(schedule === 'zb-h2' ? 152 : 153);
    let exact = 0;
    let inexact = 0;
    let refused = 0;
    let worst = 0;
    for (let i = 0; i < 150; i++) {
      const p = randInt(rand, 2, 8);
      const spec: ScheduleSpec = {
        schedule,
        stages: p,
        microbatches: randInt(rand, 6 * p + 1, 14 * p + 20), // samples of 4p, 5p, 6p + more
        splits: 1,
        virtualStages: schedule === 'zb-v' ? 2 : 1,
      };
      const costs = modelLikeCosts(spec, rand);
      const agg = simulatePeriodic(spec, costs, 1); // the smallest samples: the hardest case
      if ('applicable' in agg) {
        refused++;
        continue;
      }
      const label = JSON.stringify(spec);
      assert.ok(agg.sampleMicrobatches >= 4 * p && agg.sampleMicrobatches < spec.microbatches, label);
      const f = full(spec, costs);
      let same = near(agg.makespan, f.makespan) && near(agg.bubbleFraction, f.bubbleFraction);
      for (let r = 0; r < p; r++) {
        same &&= near(agg.lastEndByStage[r], lastEnd(f, r));
        // Busy time is a sum of durations, and the units held at once repeat: exact whatever the transient.
        assert.ok(near(agg.busyByStage[r], f.busy[r]), `${label} stage ${r} busy`);
        assert.equal(agg.sim.peakUnits[r], f.peakUnits[r], `${label} stage ${r} peak units`);
      }
      const error = Math.abs(agg.makespan - f.makespan) / f.makespan;
      worst = Math.max(worst, error);
      assert.ok(error <= 0.015, `${label}: makespan ${agg.makespan} vs ${f.makespan}`);
      if (same) exact++;
      else inexact++;
    }
    // Refusing is safe (the engine then simulates in full within the budget); a far-off figure is not. The engine's
    // samples are larger than these (FULL_SAMPLE_OPS), and a sampled evaluation is marked `extrapolated`. Measured
    // over 150: ZB-H2 135 exact, 3 within 0.58 %, 12 refused; ZB-V 140 exact, 1 within 0.82 %, 9 refused (at 2p
    // samples instead of 4p, ZB-V was up to 1.8 % off).
    assert.ok(exact >= 0.95 * (exact + inexact), `${exact} exact, ${inexact} within ${worst}, ${refused} refused`);
    assert.ok(refused <= 20, `${refused} refused`);
  });

  test(`${schedule}: the memory walk of the drawn sample has the full run's peak on every stage`, () => {
    const rand = prng(schedule === 'zb-h2' ? 2152 : 2153);
    for (const [p, m] of [
      [4, 41],
      [6, 77],
      [8, 101],
    ] as const) {
      const v = schedule === 'zb-v' ? 2 : 1;
      const spec: ScheduleSpec = { schedule, stages: p, microbatches: m, splits: 1, virtualStages: v };
      const costs = modelLikeCosts(spec, rand);
      const agg = simulatePeriodic(spec, costs, 1);
      assert.ok(!('applicable' in agg), `${schedule} p=${p} m=${m}: ${'reason' in agg ? agg.reason : ''}`);
      const f = full(spec, costs);
      const { tables } = smallRun(p, v, 1, m, 4096);
      const statics = Array.from({ length: p }, (_, r) => 1e9 + r);
      const sample = walkLiveness(agg.sim, tables, statics);
      const whole = walkLiveness(f, tables, statics);
      for (let r = 0; r < p; r++) {
        assert.equal(sample[r].peakBytes, whole[r].peakBytes, `${schedule} p=${p} stage ${r} peak`);
        assert.deepEqual(sample[r].peak, whole[r].peak, `${schedule} p=${p} stage ${r} breakdown`);
      }
    }
  });
}
