import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OP_B, OP_F, OP_W, type ScheduleName, type ScheduleSpec, type SimResult } from '../../../../src/core/types';
import {
  buildPrograms,
  buildProgramsUnchecked,
  scheduleNotApplicable,
  isZeroBubble,
} from '../../../../src/core/schedule/programs';
import {
  isSimResult,
  simulatePrograms,
  simulateSchedule,
  uniformCosts,
  type SimCosts,
} from '../../../../src/core/schedule/simulator';
import { checkTimeline, prng, randInt } from '../../../support/scheduleCheck';

function spec(schedule: ScheduleName, p: number, m: number, k = 1, v = 1): ScheduleSpec {
  return { schedule, stages: p, microbatches: m, splits: k, virtualStages: v };
}

function run(s: ScheduleSpec, costs: SimCosts = uniformCosts(s, 1, 2)): SimResult {
  const r = simulateSchedule(s, costs);
  if (!isSimResult(r))
    assert.fail(`${s.schedule} p=${s.stages} m=${s.microbatches} k=${s.splits} v=${s.virtualStages}: ${r.reason}`);
  const problem = checkTimeline(r, costs, isZeroBubble(s.schedule));
  assert.equal(problem, null, `${s.schedule} p=${s.stages} m=${s.microbatches} k=${s.splits} v=${s.virtualStages}`);
  return r;
}

function close(actual: number, expected: number, what: string, eps = 1e-9): void {
  assert.ok(
    Math.abs(actual - expected) <= eps * Math.max(1, Math.abs(expected)),
    `${what}: got ${actual}, expected ${expected}`,
  );
}

function opList(r: SimResult, stage: number): string {
  const out: string[] = [];
  for (let q = r.stageOffsets[stage]; q < r.stageOffsets[stage + 1]; q++) {
    out.push(`${r.kind[q] === OP_F ? 'F' : r.kind[q] === OP_B ? 'B' : 'W'}${r.microbatch[q]}${r.chunk[q]}`);
  }
  return out.join(' ');
}

// Spec §4 golden table: F=1, B=2 per microbatch-stage, zero communication.
const GOLDEN: [ScheduleName, number, number, number, number, number, number[]][] = [
  ['1f1b', 4, 8, 1, 1, 33.0, [4, 3, 2, 1]],
  ['seq1f1b', 4, 8, 2, 1, 28.5, [5, 4, 3, 2]],
  ['seq1f1b', 4, 8, 4, 1, 26.25, [7, 6, 5, 4]],
  ['seq1f1b', 8, 16, 4, 1, 53.25, [11, 10, 9, 8, 7, 6, 5, 4]],
  ['1f1b-interleaved', 4, 8, 1, 2, 28.5, [11, 9, 7, 5]],
  ['seq1f1b-interleaved', 4, 8, 2, 2, 26.25, [12, 10, 8, 6]],
  ['seq1f1b-interleaved', 8, 16, 4, 2, 50.625, [26, 24, 22, 20, 18, 16, 14, 12]],
  ['seq1f1b-interleaved', 8, 8, 4, 2, 26.625, [64, 64, 64, 64, 64, 64, 64, 64]],
];

for (const [name, p, m, k, v, makespan, peak] of GOLDEN) {
  test(`golden §4: ${name} p=${p} m=${m} k=${k} v=${v} → makespan ${makespan}, peak [${peak}]`, () => {
    const r = run(spec(name, p, m, k, v));
    assert.equal(r.makespan, makespan);
    assert.deepEqual(Array.from(r.peakUnits), peak);
    // Bubble closed form (spec §4): (p−1)/(k·v·m + p − 1).
    close(r.bubbleFraction, (p - 1) / (k * v * m + p - 1), 'bubble');
  });
}

test('golden §1.5: Seq1F1B p=4 m=3 k=2 op lists of rank 0 and rank 3', () => {
  const r = run(spec('seq1f1b', 4, 3, 2));
  assert.equal(opList(r, 0), 'F00 F01 F10 F11 F20 B01 F21 B00 B11 B10 B21 B20');
  assert.equal(opList(r, 3), 'F00 F01 B01 F10 B00 F11 B11 F20 B10 F21 B21 B20');
});

test('golden §1.2: GPipe makespan (m+p−1)(F+B), every stage holds all m microbatches', () => {
  const r = run(spec('gpipe', 4, 8));
  assert.equal(r.makespan, 33);
  assert.deepEqual(Array.from(r.peakUnits), [8, 8, 8, 8]);
});

test('§1.6: Seq1F1B-I warm-up is Eq. 6 — the last rank of p=4, v=2, k=2 gets 5 warm-up forwards (6 before its first B)', () => {
  const r = run(spec('seq1f1b-interleaved', 4, 8, 2, 2));
  let q = r.stageOffsets[3];
  let forwards = 0;
  while (r.kind[q] === OP_F) {
    forwards++;
    q++;
  }
  // 5 warm-up forwards, then the steady phase opens with one more F before its first B.
  assert.equal(forwards, 5 + 1);
});

test('§1.5 figure: Seq1F1B p=4 k=2 m=8 — device 1 runs 5 forwards before its first B, device 4 runs 2', () => {
  const r = run(spec('seq1f1b', 4, 8, 2));
  const lead = (stage: number): number => {
    let n = 0;
    for (let q = r.stageOffsets[stage]; r.kind[q] === OP_F; q++) n++;
    return n;
  };
  assert.equal(lead(0), 5);
  assert.equal(lead(3), 2);
});

test('§1.7: ZB-H1 rank 0 runs W right after each B; the last rank lags p−1 and ends with its leftover W', () => {
  const r = run(spec('zb-h1', 4, 6), uniformCosts(spec('zb-h1', 4, 6), 1, 1, 1));
  assert.equal(
    opList(r, 0),
    'F00 F00 F00'.replace(/ F00 F00/, ' F10 F20') + ' F30 B00 W00 F40 B10 W10 F50 B20 W20 B30 W30 B40 W40 B50 W50',
  );
  assert.equal(opList(r, 3), 'F00 B00 F10 B10 F20 B20 F30 B30 W00 F40 B40 W10 F50 B50 W20 W30 W40 W50');
});

test('§1.7 / ZB paper: ZB-H1 makespan m(F+B+W) + (p−1)(F+B−W) at F=B=W, m ≥ p; Seq1F1B-ZB divides the fill by k', () => {
  const rand = prng(7);
  for (let n = 0; n < 120; n++) {
    const p = randInt(rand, 2, 10);
    const m = randInt(rand, p, 3 * p);
    const k = n % 2 === 0 ? 1 : randInt(rand, 2, 5);
    const s = spec(k === 1 ? 'zb-h1' : 'seq1f1b-zb', p, m, k);
    const r = run(s, uniformCosts(s, 1, 1, 1));
    close(r.makespan, 3 * m + (p - 1) / k, `${s.schedule} p=${p} m=${m} k=${k}`);
    // ZB-H1 keeps 1F1B's peak memory (Qi et al. 2023): never more units than Seq1F1B's rank 0.
    for (const u of r.peakUnits) assert.ok(u <= Math.min(p + k - 1, m * k), `peak ${u} > ${p + k - 1}`);
  }
});

test('property: closed forms of spec §4 over hundreds of random (p, m, k, v)', () => {
  const rand = prng(20261122);
  let cases = 0;
  for (let n = 0; n < 500; n++) {
    const pick = n % 5;
    let s: ScheduleSpec;
    let expectedPeak: (r: number) => number;
    if (pick === 0) {
      const p = randInt(rand, 1, 12),
        m = randInt(rand, 1, 40);
      s = spec('1f1b', p, m);
      expectedPeak = (r) => Math.min(p - r, m);
    } else if (pick === 1) {
      const p = randInt(rand, 1, 12),
        m = randInt(rand, 1, 30);
      s = spec('gpipe', p, m);
      expectedPeak = () => m;
    } else if (pick === 2) {
      const p = randInt(rand, 2, 12),
        m = randInt(rand, 1, 24),
        k = randInt(rand, 2, 8);
      s = spec('seq1f1b', p, m, k);
      expectedPeak = (r) => Math.min(p - r + k - 1, m * k);
    } else if (pick === 3) {
      const p = randInt(rand, 3, 10),
        m = p * randInt(rand, 1, 4),
        v = randInt(rand, 2, 4);
      s = spec('1f1b-interleaved', p, m, 1, v);
      expectedPeak = (r) => (m === p ? m * v : Math.min((v - 1) * p + 2 * (p - r - 1) + 1, m * v));
    } else {
      const p = randInt(rand, 3, 12);
      const divisors = [2, 3, 4, 6].filter((k) => p % k === 0);
      if (divisors.length === 0) continue;
      const k = divisors[randInt(rand, 0, divisors.length - 1)];
      const m = p * randInt(rand, 1, 3),
        v = randInt(rand, 2, 3);
      s = spec('seq1f1b-interleaved', p, m, k, v);
      expectedPeak = (r) => (m === p ? m * v * k : Math.min((v - 1) * p + 2 * (p - r - 1) + k, m * v * k));
    }
    const { stages: p, microbatches: m, splits: k, virtualStages: v } = s;
    const r = run(s);
    const x = k * v;
    const label = `${s.schedule} p=${p} m=${m} k=${k} v=${v}`;
    close(
      r.makespan,
      s.schedule === 'gpipe' || s.schedule === '1f1b' ? 3 * (m + p - 1) : 3 * (m + (p - 1) / x),
      `${label} makespan`,
    );
    close(r.bubbleFraction, (p - 1) / (x * m + p - 1), `${label} bubble`);
    assert.deepEqual(
      Array.from(r.peakUnits),
      Array.from({ length: p }, (_, i) => expectedPeak(i)),
      `${label} peak`,
    );
    cases++;
  }
  assert.ok(cases > 400, `only ${cases} cases ran`);
});

test('property: random per-stage, per-chunk costs and p2p delays — every timeline honours every dependency', () => {
  const rand = prng(99);
  const names: ScheduleName[] = [
    'gpipe',
    '1f1b',
    '1f1b-interleaved',
    'seq1f1b',
    'seq1f1b-interleaved',
    'zb-h1',
    'seq1f1b-zb',
  ];
  let checked = 0;
  for (let n = 0; n < 350; n++) {
    const name = names[n % names.length];
    const p = randInt(rand, name.includes('interleaved') ? 3 : name.startsWith('seq') ? 2 : 1, 9);
    const v = name.includes('interleaved') ? randInt(rand, 2, 3) : 1;
    const kOptions =
      name === 'seq1f1b-interleaved'
        ? [2, 3, 4].filter((k) => p % k === 0)
        : name.startsWith('seq')
          ? [2, 3, 4, 5]
          : [1];
    if (kOptions.length === 0) continue;
    const k = kOptions[randInt(rand, 0, kOptions.length - 1)];
    const m = name.includes('interleaved') ? p * randInt(rand, 1, 3) : randInt(rand, 1, 20);
    const s = spec(name, p, m, k, v);
    const units = p * v * k;
    const rnd = (len: number, lo: number, hi: number): Float64Array =>
      Float64Array.from({ length: len }, () => lo + rand() * (hi - lo));
    const costs: SimCosts = {
      forward: rnd(units, 0.2, 2),
      backward: rnd(units, 0.3, 4),
      weight: isZeroBubble(name) ? rnd(units, 0.1, 2) : new Float64Array(units),
      p2pForward: rnd(k, 0, 0.5),
      p2pBackward: rnd(k, 0, 0.5),
    };
    if (n % 3 === 0) {
      costs.p2pForwardByRank = rnd(p * k, 0, 1);
      costs.p2pBackwardByRank = rnd(p * k, 0, 1);
    }
    const r = run(s, costs);
    // A lower bound no schedule can beat: the busiest stage's work.
    assert.ok(r.makespan >= Math.max(...r.busy) - 1e-9);
    // p2p windows: recorded exactly when the input crossed ranks.
    for (let q = 0; q < r.opCount; q++) {
      if (!Number.isNaN(r.p2pStart[q])) assert.ok(r.p2pEnd[q] >= r.p2pStart[q] && r.start[q] >= r.p2pEnd[q] - 1e-9);
      if (r.kind[q] === OP_W) assert.ok(Number.isNaN(r.p2pStart[q]));
    }
    checked++;
  }
  assert.ok(checked > 300);
});

test('p2p delay adds to the critical path: GPipe with a hop of d takes (m+p−1)(F+B) + 2(p−1)d; 1F1B also stalls in steady state', () => {
  const s = spec('gpipe', 4, 8);
  const r = run(s, uniformCosts(s, 1, 2, 0, 0.25));
  close(r.makespan, 33 + 2 * 3 * 0.25, 'makespan');
  // 1F1B's steady F/B pairs wait for each other's hops, so it loses more than the fill/drain hops.
  const s1 = spec('1f1b', 4, 8);
  assert.ok(run(s1, uniformCosts(s1, 1, 2, 0, 0.25)).makespan > 33 + 2 * 3 * 0.25);
  // F(0) on stage 1 received its input over [1, 1.25].
  const q = r.stageOffsets[1];
  assert.equal(r.p2pStart[q], 1);
  assert.equal(r.p2pEnd[q], 1.25);
  assert.ok(Number.isNaN(r.p2pStart[r.stageOffsets[0]]));
});

test('§2.5: uneven chunks p=2, m=1, k=2 with forward costs a < b (B = 2F) take 3a + 6b', () => {
  for (const [a, b] of [
    [0.3, 0.7],
    [0.1, 0.9],
    [0.45, 0.55],
  ]) {
    const s = spec('seq1f1b', 2, 1, 2);
    const costs: SimCosts = {
      forward: Float64Array.from([a, b, a, b]),
      backward: Float64Array.from([2 * a, 2 * b, 2 * a, 2 * b]),
      weight: new Float64Array(4),
      p2pForward: new Float64Array(2),
      p2pBackward: new Float64Array(2),
    };
    close(run(s, costs).makespan, 3 * a + 6 * b, `a=${a}`);
  }
});

test('not applicable, with a reason: interleaved m % p ≠ 0, p = 1, v = 1; Seq1F1B p = 1; Seq1F1B-I p ≤ 2, k ∤ p', () => {
  const cases: [ScheduleSpec, RegExp][] = [
    [spec('1f1b-interleaved', 4, 6, 1, 2), /divisible by p/],
    [spec('1f1b-interleaved', 1, 4, 1, 2), /needs pipeline parallelism/],
    // thunlp/Seq1F1B megatron/arguments.py:141-144: PP > 2 for any virtual pipeline.
    [spec('seq1f1b-interleaved', 2, 4, 2, 2), /more than 2 pipeline stages/],
    [spec('1f1b-interleaved', 4, 8, 1, 1), /at least 2 virtual stages/],
    [spec('seq1f1b', 1, 8, 4), /p ≥ 2/],
    [spec('seq1f1b-interleaved', 4, 8, 3, 2), /k to divide p/],
    [spec('seq1f1b', 4, 8, 1), /at least 2 sequence splits/],
    [spec('gpipe', 4, 8, 2), /does not split sequences/],
    [spec('1f1b', 0, 8), /positive integer/],
  ];
  for (const [s, re] of cases) {
    const r = simulateSchedule(s, uniformCosts({ ...s, stages: Math.max(1, s.stages) }, 1, 2));
    assert.ok(!isSimResult(r), `${s.schedule} should not apply`);
    assert.match(r.reason, re);
  }
});

test('[SIM] §1.6: the raw Seq1F1B-I op order with k ∤ p deadlocks, and the simulator says so instead of looping', () => {
  for (const [p, k] of [
    [4, 3],
    [8, 3],
  ]) {
    const s = spec('seq1f1b-interleaved', p, 2 * p, k, 2);
    const r = simulatePrograms(buildProgramsUnchecked(s), uniformCosts(s, 1, 2));
    assert.ok(!isSimResult(r));
    assert.match(r.reason, /deadlocks/);
    assert.match(r.reason, /stage \d+ waits at/);
  }
});

test('a program whose stage runs B before its own F is reported as a deadlock', () => {
  const s = spec('1f1b', 2, 2);
  const prog = buildPrograms(s);
  assert.ok(!('applicable' in prog));
  // Swap the last stage's first F and B (F0 B0 F1 B1 → B0 F0 F1 B1).
  const q = prog.stageOffsets[1];
  prog.kind[q] = OP_B;
  prog.kind[q + 1] = OP_F;
  const r = simulatePrograms(prog, uniformCosts(s, 1, 2));
  assert.ok(!isSimResult(r));
  assert.match(r.reason, /stage 1 waits at B\(microbatch 0, chunk 0\)/);
});

test('op budget: schedules beyond the budget are refused with the op count', () => {
  const s = spec('seq1f1b', 64, 4096, 16);
  const reason = scheduleNotApplicable(s);
  assert.match(reason ?? '', /8,388,608 ops exceed the simulator's budget of 4,194,304/);
  assert.match(scheduleNotApplicable(spec('1f1b', 4, 100), 500) ?? '', /800 ops exceed/);
  assert.equal(scheduleNotApplicable(spec('seq1f1b', 64, 1024, 8)), null);
});

test('a 1,048,576-op Seq1F1B simulation (p=64, m=1024, k=8) matches its closed form', () => {
  const s = spec('seq1f1b', 64, 1024, 8);
  const r = simulateSchedule(s, uniformCosts(s, 1, 2));
  assert.ok(isSimResult(r));
  assert.equal(r.opCount, 1_048_576);
  close(r.makespan, 3 * (1024 + 63 / 8), 'makespan');
  assert.equal(r.peakUnits[0], 64 + 8 - 1);
});

test('interleaved 1F1B runs with p = 2 (current Megatron-LM allows it with p2p overlap, arguments.py:1000-1009 at d98e8a64)', () => {
  // p=2, v=2, m=2, a model chunk's forward 1 and backward 2 (uniformCosts splits a stage's 2 and 4 over the v = 2
  // chunks), no p2p. With m = p Megatron runs every forward first
  // (schedules.py's all-warm-up case). The virtual stages chain r0c0 → r1c0 → r0c1 → r1c1.
  // Forwards: r0 F0c0 [0,1] F1c0 [1,2]; r1 F0c0 [1,2] F1c0 [2,3]; r0 F0c1 [2,3] F1c1 [3,4]; r1 F0c1 [3,4] F1c1 [4,5].
  // Backwards (model chunk 1 first): r1 B0c1 [5,7] B1c1 [7,9]; r0 B0c1 [7,9] B1c1 [9,11];
  // r1 B0c0 [9,11] B1c0 [11,13]; r0 B0c0 [11,13] B1c0 [13,15]. Makespan 15; busy 12 per rank → bubble 1 − 24/30.
  const s = spec('1f1b-interleaved', 2, 2, 1, 2);
  const r = run(s, uniformCosts(s, 2, 4));
  close(r.makespan, 15, 'makespan');
  close(r.bubbleFraction, 0.2, 'bubble');
});
