// Periodic aggregation (issue 16): three samples of a schedule, one period apart, give the full run's step figures. Checked
// against the full simulation itself — an independent computation of the same timeline, op by op — over many small
// configurations of every schedule, with uneven stage costs, per-chunk costs and p2p delays, and the memory walk of
// the drawn sample against the full run's (the peak of every stage is reached in a period that repeats).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCHEDULE_NAMES, type ScheduleName, type ScheduleSpec, type SimResult } from '../../../../src/core/types';
import { periodOf, simulatePeriodic } from '../../../../src/core/schedule/periodic';
import { isSimResult, simulateSchedule, uniformCosts, type SimCosts } from '../../../../src/core/schedule/simulator';
import { walkLiveness } from '../../../../src/core/memory/liveness';
import { smallRun } from '../../../support/memoryFixtures';
import { prng, randInt } from '../../../support/scheduleCheck';

function specOf(schedule: ScheduleName, p: number, m: number, k: number, v: number): ScheduleSpec {
  return { schedule, stages: p, microbatches: m, splits: k, virtualStages: v };
}

/**
 * Costs shaped as the cost model makes them (costModel.ts): every virtual stage alike except the first (embedding)
 * and the last (output layer and loss), chunks growing with their causal prefix (Seq1F1B), one p2p delay per chunk.
 */
function modelLikeCosts(spec: ScheduleSpec, rand: () => number): SimCosts {
  const c = uniformCosts(spec, 1, 2, 1, 0.05);
  const k = spec.splits;
  const vs = spec.stages * spec.virtualStages;
  const [first, last] = [1 + rand() * 0.3, 1 + rand() * 0.8];
  const perChunk = Array.from({ length: k }, (_, j) => 1 + j * rand() * 0.4);
  const [f, b, w] = [0.5 + rand(), 1 + rand() * 2, rand()];
  for (let s = 0; s < vs; s++) {
    const stage = s === 0 ? first : s === vs - 1 ? last : 1;
    for (let j = 0; j < k; j++) {
      c.forward[s * k + j] = (f * stage * perChunk[j]) / k;
      c.backward[s * k + j] = (b * stage * perChunk[j]) / k;
      c.weight[s * k + j] = (w * stage * perChunk[j]) / k;
    }
  }
  const p2p = rand() * 0.3;
  for (let j = 0; j < k; j++) c.p2pForward[j] = c.p2pBackward[j] = p2p / k;
  return c;
}

/** Costs drawn independently per virtual stage and chunk: an adversary for the periodic regime. */
function randomCosts(spec: ScheduleSpec, rand: () => number): SimCosts {
  const c = uniformCosts(spec, 1, 2, 1, 0.05);
  for (let i = 0; i < c.forward.length; i++) {
    c.forward[i] = 0.2 + rand() * 1.5;
    c.backward[i] = 0.4 + rand() * 3;
    c.weight[i] = rand() * 1.2;
  }
  for (let j = 0; j < spec.splits; j++) {
    c.p2pForward[j] = rand() * 0.3;
    c.p2pBackward[j] = rand() * 0.3;
  }
  return c;
}

function full(spec: ScheduleSpec, costs: SimCosts): SimResult {
  const r = simulateSchedule(spec, costs, Number.MAX_SAFE_INTEGER);
  assert.ok(isSimResult(r), `${JSON.stringify(spec)}: ${'reason' in r ? r.reason : ''}`);
  return r;
}

function lastEnd(sim: SimResult, r: number): number {
  let last = 0;
  for (let q = sim.stageOffsets[r]; q < sim.stageOffsets[r + 1]; q++) last = Math.max(last, sim.end[q]);
  return last;
}

const near = (a: number, b: number, relative: number): boolean =>
  Math.abs(a - b) <= relative * Math.max(1, Math.abs(b));

/** Never sampled (engine.ts sampleOpsFor: steady state late, or no stated period). */
const NEVER_SAMPLED = new Set<string>([
  'zb-h2',
  'zb-v',
  'dualpipev',
  'dualpipe',
  'v-half',
  'v-min',
  'group-interleaved',
]);
const SAMPLED = SCHEDULE_NAMES.filter((s) => !NEVER_SAMPLED.has(s));

function randomSpec(rand: () => number): ScheduleSpec | null {
  const schedule = SAMPLED[randInt(rand, 0, SAMPLED.length - 1)];
  if (schedule === 'gpipe') return null; // all forwards then all backwards: no steady state to repeat
  const p = randInt(rand, 2, 8);
  const interleaved = schedule === '1f1b-interleaved' || schedule === 'seq1f1b-interleaved';
  const v = interleaved ? randInt(rand, 2, 3) : 1;
  let k = schedule.startsWith('seq1f1b') ? randInt(rand, 2, 4) : 1;
  if (schedule === 'seq1f1b-interleaved') {
    if (p < 3) return null;
    const divisors = [2, 3, 4, 8].filter((d) => p % d === 0);
    if (divisors.length === 0) return null;
    k = divisors[randInt(rand, 0, divisors.length - 1)];
  }
  const spec = specOf(schedule, p, 1, k, v);
  const d = periodOf(spec);
  // Long enough for three samples past 2p and a few more periods to extrapolate over.
  spec.microbatches = interleaved ? p * randInt(rand, 5, 12) : randInt(rand, 4 * p + 1, 8 * p + 20);
  if (interleaved && schedule === '1f1b-interleaved' && rand() < 0.4) {
    spec.interleavedWarmup = 'grouped';
    spec.microbatchGroupSize = p;
  }
  return spec.microbatches % d === 0 || !interleaved ? spec : null;
}

test("periodic samples give the full simulation's figures — exactly when the regime is reached, else within 1.5 %", () => {
  const rand = prng(16);
  let exact = 0;
  let inexact = 0;
  let worst = 0;
  const refused: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < 500; i++) {
    const spec = randomSpec(rand);
    if (!spec) continue;
    const costs = modelLikeCosts(spec, rand);
    const agg = simulatePeriodic(spec, costs, 1); // the smallest samples: the hardest case
    const label = JSON.stringify(spec);
    if ('applicable' in agg) {
      refused.push(`${label}: ${agg.reason}`);
      continue;
    }
    const f = full(spec, costs);
    assert.ok(agg.sampleMicrobatches < spec.microbatches, label);
    let same = true;
    for (let r = 0; r < spec.stages; r++) {
      same &&= near(agg.lastEndByStage[r], lastEnd(f, r), 1e-9) && near(agg.busyByStage[r], f.busy[r], 1e-9);
      // Busy time is a sum of durations: linear in m whatever the transient.
      assert.ok(near(agg.busyByStage[r], f.busy[r], 1e-9), `${label} stage ${r} busy`);
      assert.equal(agg.sim.peakUnits[r], f.peakUnits[r], `${label} stage ${r} peak units`);
    }
    const error = Math.abs(agg.makespan - f.makespan) / f.makespan;
    worst = Math.max(worst, error);
    assert.ok(error <= 0.015, `${label}: makespan ${agg.makespan} vs ${f.makespan}`);
    if (same && error <= 1e-9) exact++;
    else inexact++;
    seen.add(spec.schedule);
  }
  // Refusing is safe (the engine then simulates in full or says why not); a far-off figure is not.
  const tried = exact + inexact + refused.length;
  assert.ok(exact >= 0.95 * (exact + inexact), `${exact} exact, ${inexact} within ${worst}`);
  assert.ok(refused.length <= tried / 10, refused.join('\n'));
  assert.ok(exact + inexact >= 250, `only ${exact + inexact} configurations compared`);
  assert.deepEqual([...seen].sort(), SAMPLED.filter((s) => s !== 'gpipe').sort());
});

test('costs drawn at random per stage and chunk (an adversary): never further than 1.5 % off, or refused', () => {
  const rand = prng(61);
  let compared = 0;
  for (let i = 0; i < 300; i++) {
    const spec = randomSpec(rand);
    if (!spec) continue;
    const costs = randomCosts(spec, rand);
    const agg = simulatePeriodic(spec, costs, 1);
    if ('applicable' in agg) continue;
    const f = full(spec, costs);
    assert.ok(near(agg.makespan, f.makespan, 0.015), `${JSON.stringify(spec)}: ${agg.makespan} vs ${f.makespan}`);
    compared++;
  }
  assert.ok(compared >= 100, `${compared}`);
});

test("the memory walk of the drawn sample has the full run's peak on every stage (bytes, time of the breakdown)", () => {
  const rand = prng(1616);
  for (const [schedule, p, k, v, m] of [
    ['1f1b', 4, 1, 1, 40],
    ['seq1f1b', 4, 4, 1, 37],
    ['seq1f1b-zb', 4, 2, 1, 33],
    ['zb-h1', 6, 1, 1, 75],
    ['1f1b-interleaved', 4, 1, 2, 48],
    ['seq1f1b-interleaved', 4, 2, 2, 48],
  ] as const) {
    const spec = specOf(schedule, p, m, k, v);
    const costs = modelLikeCosts(spec, rand);
    const agg = simulatePeriodic(spec, costs, 1);
    assert.ok(!('applicable' in agg), schedule);
    const f = full(spec, costs);
    const { tables } = smallRun(p, v, k, m, 4096);
    const statics = Array.from({ length: p }, (_, r) => 1e9 + r);
    const sample = walkLiveness(agg.sim, tables, statics);
    const whole = walkLiveness(f, tables, statics);
    for (let r = 0; r < p; r++) {
      assert.equal(sample[r].peakBytes, whole[r].peakBytes, `${schedule} stage ${r} peak`);
      assert.deepEqual(sample[r].peak, whole[r].peak, `${schedule} stage ${r} breakdown`);
    }
  }
});

test('a schedule not longer than its samples is left to the full simulation', () => {
  const spec = specOf('1f1b', 8, 39, 1, 1); // samples of 16, 24 and 32 microbatches + 8 more: not worth it
  const r = simulatePeriodic(spec, uniformCosts(spec, 1, 2), 1 << 20);
  assert.ok('applicable' in r && r.applicable === false);
});
