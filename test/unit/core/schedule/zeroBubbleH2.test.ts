// ZB-H2 (ZB-2p): Qi et al., "Zero Bubble Pipeline Parallelism", ICLR 2024 §2.2 and the comparison table of §2 — with
// T_F = T_B = T_W every stage is busy from its first op to its last (bubble (p−1)(T_F + T_B − 2T_W) = 0) at a peak of
// (2p − 1)·M_B, against 1F1B's (p−1)(T_F + T_B + T_W) and p·M_B. The fork's README table
// (sail-sg/zero-bubble-pipeline-parallelism 39f2c186 README.md, "Comparision of Schedules"): ZB2P bubble rate 0,
// activation memory 2× 1F1B. The op order is the fork's list schedule at uniform costs (runtime.py:1576-1581) with the
// paper's 2p − 1 limit (src/core/schedule/zeroBubbleH2.ts); the small case below is derived by hand from that rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OP_B, OP_F, OP_W, type ScheduleSpec, type SimResult } from '../../../../src/core/types';
import { analyze } from '../../../../src/core/analyze';
import { scheduleNotApplicable } from '../../../../src/core/schedule/programs';
import { uniformCosts, type SimCosts } from '../../../../src/core/schedule/simulator';
import { prng, randInt, simulateChecked } from '../../../support/scheduleCheck';

const spec = (p: number, m: number): ScheduleSpec => ({
  schedule: 'zb-h2',
  stages: p,
  microbatches: m,
  splits: 1,
  virtualStages: 1,
});

const run = simulateChecked;

const unit = (s: ScheduleSpec): SimCosts => uniformCosts(s, 1, 1, 1);

function opList(r: SimResult, stage: number): string {
  const out: string[] = [];
  for (let q = r.stageOffsets[stage]; q < r.stageOffsets[stage + 1]; q++)
    out.push(`${r.kind[q] === OP_F ? 'F' : r.kind[q] === OP_B ? 'B' : 'W'}${r.microbatch[q]}`);
  return out.join(' ');
}

/** Time from a stage's first op start to its last op end, less its work: the paper's per-stage bubble. */
function stageIdle(r: SimResult, stage: number): number {
  const a = r.stageOffsets[stage];
  const b = r.stageOffsets[stage + 1];
  return r.end[b - 1] - r.start[a] - r.busy[stage];
}

test('ZB-H2 p=2 m=4, by hand: three warm-up forwards on stage 0, W deferred, both stages busy for 3m', () => {
  // Unit steps (stage 0 | stage 1), limit 2p − 1 = 3 in flight:
  //  0 F0 | idle   1 F1 | F0   2 F2 | B0   3 B0 | F1   4 W0 (3 in flight, no F) | B1   5 B1 | F2   6 F3 | B2
  //  7 B2 | W0 (3 in flight)   8 W1 | F3   9 W2 | B3   10 B3 | W1   11 W3 | W2   12 — | W3
  const r = run(spec(2, 4), unit(spec(2, 4)));
  assert.equal(opList(r, 0), 'F0 F1 F2 B0 W0 B1 F3 B2 W1 W2 B3 W3');
  assert.equal(opList(r, 1), 'F0 B0 F1 B1 F2 B2 W0 F3 B3 W1 W2 W3');
  assert.equal(r.makespan, 13);
  assert.deepEqual(Array.from(r.peakUnits), [3, 3]);
  assert.equal(stageIdle(r, 0), 0);
  assert.equal(stageIdle(r, 1), 0);
});

test('ZB-H2 p=4 m=8: stage i warms up with 2(p−i)−1 forwards (the extra F passes of §2.2) and ends on W', () => {
  const r = run(spec(4, 8), unit(spec(4, 8)));
  for (let i = 0; i < 4; i++) {
    const ops = opList(r, i).split(' ');
    const firstB = ops.findIndex((o) => o.startsWith('B'));
    assert.equal(firstB, 2 * (4 - i) - 1, `stage ${i}: ${ops.join(' ')}`);
    assert.ok(ops[ops.length - 1].startsWith('W'));
  }
  // The first stage's tail: its last B is followed by its last W only; the last stage defers 2p − 1 W to its tail.
  assert.match(opList(r, 0), / B7 W7$/);
  assert.match(opList(r, 3), / B7 W1 W2 W3 W4 W5 W6 W7$/);
});

test('§2 comparison at T_F = T_B = T_W: zero per-stage bubble and makespan m(F+B+W) + (p−1)·T_F for m ≥ 2p − 1; peak 2p − 1', () => {
  const rand = prng(18_2);
  for (let n = 0; n < 200; n++) {
    const p = randInt(rand, 1, 12);
    const m = randInt(rand, Math.max(1, 2 * p - 1), 5 * p + 3);
    const s = spec(p, m);
    const r = run(s, unit(s));
    const label = `p=${p} m=${m}`;
    for (let i = 0; i < p; i++)
      assert.ok(Math.abs(stageIdle(r, i)) < 1e-9, `${label} stage ${i} idles ${stageIdle(r, i)}`);
    // The last stage cannot start before the first forward has crossed p − 1 stages; it is then never idle.
    assert.equal(r.makespan, 3 * m + p - 1, label);
    // (2p − 1)·M_B on the first stage (the paper's peak), never more anywhere; 1F1B holds p there.
    assert.equal(r.peakUnits[0], 2 * p - 1, label);
    for (const u of r.peakUnits) assert.ok(u <= 2 * p - 1, `${label}: ${u}`);
  }
});

test('fewer microbatches than 2p − 1: a valid order, stage 0 holds all m at once, no slower than the ZB-H1 closed form', () => {
  for (let p = 2; p <= 8; p++) {
    for (let m = 1; m < 2 * p - 1; m++) {
      const s = spec(p, m);
      const r = run(s, unit(s));
      assert.equal(r.peakUnits[0], m, `p=${p} m=${m}`);
      // Still no worse than the ZB-H1 form m(F+B+W) + (p−1)(F+B−W) at these costs.
      assert.ok(r.makespan <= 3 * m + 2 * (p - 1) + 1e-9, `p=${p} m=${m}: ${r.makespan}`);
    }
  }
});

test('dependency checker: 600 random ZB-H2 configurations with random per-stage costs and p2p delays', () => {
  const rand = prng(20261207);
  for (let n = 0; n < 600; n++) {
    const p = randInt(rand, 1, 10);
    const m = randInt(rand, 1, 30);
    const s = spec(p, m);
    const rnd = (len: number, lo: number, hi: number): Float64Array =>
      Float64Array.from({ length: len }, () => lo + rand() * (hi - lo));
    const costs: SimCosts = {
      forward: rnd(p, 0.2, 2),
      backward: rnd(p, 0.3, 4),
      weight: rnd(p, 0.1, 2),
      p2pForward: rnd(1, 0, 0.5),
      p2pBackward: rnd(1, 0, 0.5),
    };
    if (n % 3 === 0) {
      costs.p2pForwardByRank = rnd(p, 0, 1);
      costs.p2pBackwardByRank = rnd(p, 0, 1);
    }
    const r = run(s, costs);
    assert.ok(r.makespan >= Math.max(...r.busy) - 1e-9);
    let ws = 0;
    for (let q = 0; q < r.opCount; q++) if (r.kind[q] === OP_W) ws++;
    assert.equal(ws, p * m);
  }
});

test('ZB-H2 has no sequence splits or virtual stages', () => {
  assert.match(scheduleNotApplicable({ ...spec(4, 8), splits: 2 }) ?? '', /does not split sequences/);
  assert.match(scheduleNotApplicable({ ...spec(4, 8), virtualStages: 2 }) ?? '', /no virtual stages/);
});

test('§2 memory column on a real launch: stage 0 holds (2p − 1)·M_B under ZB-H2, p·M_B under 1F1B and ZB-H1', () => {
  // --zero-bubble-max-pending-backward 16 at PP 8 selects ZB-2p (zbpp_utils.py:27-29 at 39f2c186). Stage 0 carries no
  // logits, so its activations at the peak are the in-flight microbatches times one microbatch's M_B.
  const text =
    'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 32 --hidden-size 2048 --num-attention-heads 16 ' +
    '--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size 64 --vocab-size 32000 ' +
    '--pipeline-model-parallel-size 8 --bf16 --enable-zero-bubble --zero-bubble-max-pending-backward 16\n';
  const r = analyze(text, { fileName: 'train.sh' });
  assert.equal(r.selectedSchedule, 'zb-h2');
  const stage0 = (name: 'zb-h2' | 'zb-h1' | '1f1b'): number => {
    const memory = r.schedules[name]?.memory;
    assert.ok(memory, name);
    return memory[0].breakdownBytes.activations;
  };
  const p = 8;
  const oneF1B = stage0('1f1b');
  assert.ok(oneF1B > 0);
  assert.ok(Math.abs(stage0('zb-h2') / oneF1B - (2 * p - 1) / p) < 1e-9, `${stage0('zb-h2')} vs ${oneF1B}`);
  assert.ok(Math.abs(stage0('zb-h1') / oneF1B - 1) < 1e-9);
});
