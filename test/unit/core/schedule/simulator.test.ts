// The simulator's two ways of running one program (issue 15/16): the first run is the event loop, which writes the
// replay plan as it completes the ops; every later run replays that plan. Both must give the timeline the dependency
// rules give — checked by the independent checker of
// test/support/scheduleCheck.ts (it shares no code with the simulator) — and the same bits as a fresh program's event
// loop with the same costs. A transient run (the recommendation sweep) writes into arrays the next one reuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCHEDULE_NAMES, type ScheduleName, type ScheduleSpec, type SimResult } from '../../../../src/core/types';
import { buildProgramsUnchecked, isZeroBubble } from '../../../../src/core/schedule/programs';
import { chunkPlacement } from '../../../../src/core/schedule/placement';
import {
  isSimResult,
  simulatePrograms,
  simulateSchedule,
  uniformCosts,
  type SimCosts,
} from '../../../../src/core/schedule/simulator';
import { checkTimeline, prng, randInt } from '../../../support/scheduleCheck';

/** Durations drawn per virtual stage and chunk, so a plan built under one set of costs is replayed under another. */
function randomCosts(spec: ScheduleSpec, rand: () => number): SimCosts {
  const c = uniformCosts(spec, 1, 2, 1, 0);
  for (let i = 0; i < c.forward.length; i++) {
    c.forward[i] = 0.2 + rand();
    c.backward[i] = 0.4 + 2 * rand();
    c.weight[i] = rand();
  }
  for (let j = 0; j < spec.splits; j++) {
    c.p2pForward[j] = rand() * 0.3;
    c.p2pBackward[j] = rand() * 0.3;
  }
  return c;
}

function randomSpec(rand: () => number, schedule: ScheduleName): ScheduleSpec {
  // DualPipe: even p, even m ≥ 2p (dualPipe.ts).
  if (schedule === 'dualpipe') {
    const pe = 2 * randInt(rand, 1, 3);
    return { schedule, stages: pe, microbatches: 2 * randInt(rand, pe, 2 * pe), splits: 1, virtualStages: 2 };
  }
  const p = randInt(rand, 3, 6);
  const interleaved = schedule === '1f1b-interleaved' || schedule === 'seq1f1b-interleaved';
  const v = interleaved || schedule === 'group-interleaved' || chunkPlacement(schedule) === 'v-shape' ? 2 : 1;
  const k = schedule === 'seq1f1b-interleaved' ? p : schedule.startsWith('seq1f1b') ? randInt(rand, 2, 4) : 1;
  // DualPipeV: every phase of a rank has a length from 2p − 1 microbatches on (dualPipeV.ts).
  const m = interleaved ? p * randInt(rand, 1, 3) : randInt(rand, schedule === 'dualpipev' ? 2 * p - 1 : 1, 3 * p);
  return { schedule, stages: p, microbatches: m, splits: k, virtualStages: v };
}

function simulated(r: ReturnType<typeof simulatePrograms>, label: string): SimResult {
  assert.ok(isSimResult(r), `${label}: ${'reason' in r ? r.reason : ''}`);
  return r;
}

const figures = (s: SimResult) => ({
  start: Array.from(s.start),
  end: Array.from(s.end),
  busy: Array.from(s.busy),
  peakUnits: Array.from(s.peakUnits),
  makespan: s.makespan,
});

test('event loop, then replays of its plan: the same timeline under any costs', () => {
  const rand = prng(1507);
  let checked = 0;
  for (const schedule of SCHEDULE_NAMES) {
    for (let i = 0; i < 6; i++) {
      const spec = randomSpec(rand, schedule);
      const label = JSON.stringify(spec);
      const shared = buildProgramsUnchecked(spec);
      // Run 1: event loop (it writes the plan); runs 2-4: replays — each with costs of its own. DualPipeV's F&B pairs
      // and full backwards replay too.
      for (let run = 1; run <= 4; run++) {
        const costs = randomCosts(spec, rand);
        const got = simulated(simulatePrograms(shared, costs), `${label} run ${run}`);
        assert.equal(checkTimeline(got, costs, isZeroBubble(schedule), shared.opFlags), null, `${label} run ${run}`);
        // A program never simulated before runs the event loop: the reference for the same costs.
        const fresh = simulated(simulatePrograms(buildProgramsUnchecked(spec), costs), label);
        assert.deepEqual(figures(got), figures(fresh), `${label} run ${run}`);
        checked++;
      }
    }
  }
  assert.equal(checked, SCHEDULE_NAMES.length * 6 * 4);
});

test('a transient run has the figures of a kept one; the next transient run reuses its arrays', () => {
  const spec: ScheduleSpec = { schedule: 'seq1f1b', stages: 4, microbatches: 9, splits: 3, virtualStages: 1 };
  const other: ScheduleSpec = { ...spec, microbatches: 7 };
  const costs = randomCosts(spec, prng(16));
  const kept = simulated(simulateSchedule(spec, costs), 'kept');
  const keptFigures = figures(kept);
  const transient = simulated(simulateSchedule(spec, costs, undefined, true), 'transient');
  assert.deepEqual(figures(transient), keptFigures);
  assert.equal(transient.start.length, kept.opCount);
  const next = simulated(simulateSchedule(other, randomCosts(other, prng(17)), undefined, true), 'next');
  assert.equal(next.start.buffer, transient.start.buffer, 'the second transient run writes where the first did');
  // A kept timeline is its own: later runs, transient or not, leave it alone.
  assert.deepEqual(figures(kept), keptFigures);
});

test('one rank with no idle time has a bubble of exactly 0, not an ulp below it', () => {
  // Busy time is count × duration per cost slot (simulator.ts busySums); the makespan is the ops' durations added one
  // after another. Five forwards of 0.3 and five backwards of 0.6: 5 · 0.3 + 5 · 0.6 = 4.5 in doubles, while adding
  // F, B, F, B, … one by one gives 4.499999999999999 — a busy time one ulp above the makespan.
  const spec: ScheduleSpec = { schedule: '1f1b', stages: 1, microbatches: 5, splits: 1, virtualStages: 1 };
  const r = simulated(simulateSchedule(spec, uniformCosts(spec, 0.3, 0.6)), 'p = 1');
  assert.ok(r.busy[0]! > r.makespan, `busy ${r.busy[0]} vs makespan ${r.makespan}: the case this test is about`);
  assert.equal(r.bubbleFraction, 0);
});
