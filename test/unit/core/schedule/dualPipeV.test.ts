// DualPipeV: DeepSeek-V3 technical report (arXiv 2412.19437) §3.2.1 DualPipe, cut in half into a V (deepseek-ai/
// DualPipe 3da1bbe README.md "DualPipeV"; Sea AI Lab's "Cut-in-half"). p ranks hold 2p stages in a V, rank r the
// stages r and 2p − 1 − r. The op order is DualPipeV.step (dualpipe/dualpipev.py:330-395), ported in
// src/core/schedule/dualPipeV.ts; MindSpeed runs the same phases (Ascend/MindSpeed 028de58c mindspeed/core/
// pipeline_parallel/dualpipev/dualpipev_schedules.py:310-345). The README's table ("Pipeline Bubbles and Memory
// Usage Comparison", PP = the number of stages, here 2p): DualPipeV bubble (PP/2 − 1)(F&B + B − 3W), activations
// PP + 1 per device, parameters 2× (two stages per device).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OP_B, OP_F, OP_W, type ScheduleSpec, type SimResult } from '../../../../src/core/types';
import { analyze } from '../../../../src/core/analyze';
import { buildProgramsUnchecked, scheduleNotApplicable } from '../../../../src/core/schedule/programs';
import { chunkPlacement, placementTables } from '../../../../src/core/schedule/placement';
import { uniformCosts, type SimCosts } from '../../../../src/core/schedule/simulator';
import {
  prng,
  randInt,
  simulateChecked,
  randomVCosts,
  opListOf,
  assertMatchesPicture,
} from '../../../support/scheduleCheck';
import { FULL_BACKWARD } from '../../../../src/core/schedule/dualPipeV';

const spec = (p: number, m: number): ScheduleSpec => ({
  schedule: 'dualpipev',
  stages: p,
  microbatches: m,
  splits: 1,
  virtualStages: 2,
});

/** One chunk's F, B (input gradient) and W each take 1: a whole rank's (two chunks) take 2. */
const unit = (s: ScheduleSpec): SimCosts => uniformCosts(s, 2, 2, 2);

// opListOf(r, rank): rank's ops as F0a …, a = model chunk 0 (stage r), b = model chunk 1 (stage 2p − 1 − r)..
const opList = opListOf;

test('the V placement: rank r holds stages r and 2p − 1 − r, rank 0 the first and the last', () => {
  // dualpipev.py:70 and :79-80: the loss is on the first rank's chunk 1, and the last rank's chunk-0 output is its own
  // chunk 1's input (no message at the turn).
  assert.equal(chunkPlacement('dualpipev'), 'v-shape');
  assert.deepEqual(Array.from(placementTables(spec(4, 8)).rankOf), [0, 1, 2, 3, 3, 2, 1, 0]);
});

test('DualPipeV p=2 m=4, written out by hand from DualPipeV.step', () => {
  // Rank 0 (r = 0): step 1, 2(p − r − 1) = 2 F0: F0a F1a. Step 2, r + 1 = 1 × F0 F1: F2a F0b. Step 3, p − r − 1 = 1 ×
  // B1 (zero bubble) W F1: B0b W0b F1b. Step 4, m − 2p + r + 1 = 1 × the pairs F0&B1, F1&B0 (full backwards: B then its
  // W): F3a B1b W1b, F2b B0a W0a. Step 5, 1 × B1 then F1&B0: B2b W2b, F3b B1a W1a. Step 6, r + 1 = 1 × B1 B0, zero
  // bubble from i = ⌊(r+1)/2⌋ = 0 after the B1 since r is even: B3b W3b, B2a. Step 7, 1 × W B0: W2a B3a. Step 8: W3a.
  // Rank 1 (r = 1): step 2 × 2: F0a F0b F1a F1b; step 4 × 2: F2a B0b W0b, F2b B0a W0a, F3a B1b W1b, F3b B1a W1a;
  // step 6 × 2, zero bubble from i = 1 before the B1 since r is odd: B2b W2b B2a W2a, B3b B3a; step 8: W3b W3a.
  const r = simulateChecked(spec(2, 4), unit(spec(2, 4)));
  assert.equal(
    opList(r, 0),
    'F0a F1a F2a F0b B0b W0b F1b F3a B1b W1b F2b B0a W0a B2b W2b F3b B1a W1a B3b W3b B2a W2a B3a W3a',
  );
  assert.equal(
    opList(r, 1),
    'F0a F0b F1a F1b F2a B0b W0b F2b B0a W0a F3a B1b W1b F3b B1a W1a B2b W2b B2a W2a B3b B3a W3b W3a',
  );
});

test("the README's DualPipeV picture (4 ranks, 10 microbatches), cell by cell", () => {
  // images/dualpipev.png at 3da1bbe, read cell by cell (one cell = one chunk's F, B or W; a full backward and the
  // backward for inputs are both green, the overlapped pair is an orange cell then green ones): o = forward,
  // g = backward (input or full), b = backward for weights, . = idle. Our timeline at unit costs, drawn the same way
  // (a full backward's W in green, a deferred W in blue), has the picture's cells in the same order on every rank,
  // every forward (each pair) in the same cell and the same end. Only in the cool-down does the picture draw some
  // backwards later, with the idle cell before them: rank 0's step-5 B1 is the loss stage's and waits for nothing
  // (dualpipev.py:70, :234-235), so it cannot start later than we start it; the pair after it starts in the same cell.
  const picture = [
    'oooooooogbogbogboogg...oggoggoggoggogg.ggogg.ggogg.ggogggggbgbgbgb',
    '.oooooooogbogboogg..oggoggoggoggoggoggogg.ggogg.ggogg.ggggggbgbgbb',
    '..oooooooogboogg.oggoggoggoggoggoggoggoggogg.ggogg.gg.gggggggbgbbb',
    '...oooooooooggoggoggoggoggoggoggoggoggoggoggogg.gg.gg.ggggggggbbbb',
  ];
  const s = spec(4, 10);
  const r = simulateChecked(s, unit(s));
  const flags = buildProgramsUnchecked(s).opFlags!;
  assertMatchesPicture(r, flags, picture);
});

test('README bubble: at F = B = W the step is m·2(F + B + W) + (PP/2 − 1)(F&B + B − 3W) with PP = 2p', () => {
  // The table's symbols: F a forward chunk, B a full backward chunk (here B + W = 2), W a weight-gradient chunk, F&B
  // the overlapped pair; with the pair run as F then B, F&B = F + B = 3. A rank runs 2m chunks of each kind.
  for (let p = 2; p <= 8; p++) {
    for (let m = 2 * p - 1; m <= 3 * p + 2; m++) {
      const s = spec(p, m);
      const r = simulateChecked(s, unit(s));
      const fb = 1 + 2;
      assert.equal(r.makespan, m * 2 * 3 + (p - 1) * (fb + 2 - 3 * 1), `p=${p} m=${m}`);
    }
  }
});

test('README activations PP + 1: 2p + 1 chunks between F and B on every rank', () => {
  for (let p = 2; p <= 8; p++) {
    for (const m of [2 * p, 3 * p]) {
      const r = simulateChecked(spec(p, m), unit(spec(p, m)));
      for (let rank = 0; rank < p; rank++) {
        let live = 0;
        let most = 0;
        for (let q = r.stageOffsets[rank]; q < r.stageOffsets[rank + 1]; q++) {
          live += r.kind[q] === OP_F ? 1 : r.kind[q] === OP_B ? -1 : 0;
          most = Math.max(most, live);
        }
        // Warm-up: 2(p − r − 1) + 2(r + 1) = 2p forwards; the first pair's F comes before its B: one more.
        assert.equal(most, 2 * p + 1, `p=${p} m=${m} rank ${rank}`);
      }
    }
  }
});

test('dependency checker: 600 random DualPipeV configurations with random per-stage costs and p2p delays', () => {
  const rand = prng(20261207);
  for (let n = 0; n < 600; n++) {
    const p = randInt(rand, 2, 10);
    const m = randInt(rand, 2 * p - 1, 5 * p);
    const costs = randomVCosts(rand, p, n);
    const r = simulateChecked(spec(p, m), costs);
    let ws = 0;
    for (let q = 0; q < r.opCount; q++) if (r.kind[q] === OP_W) ws++;
    assert.equal(ws, 2 * p * m);
  }
});

test('constraints: two chunks in a V, no sequence splits, PP ≥ 2 and m ≥ 2·PP − 1 (MindSpeed), one reason each', () => {
  // dualpipev_feature.py:40-42 (PP 1) and :46-49 (num_micro_batch < 2·PP − 1) raise.
  assert.match(scheduleNotApplicable(spec(1, 4)) ?? '', /PP ≥ 2 and microbatches ≥ 2·PP − 1/);
  assert.match(scheduleNotApplicable(spec(4, 6)) ?? '', /PP ≥ 2 and microbatches ≥ 2·PP − 1 \(PP=4, m=6\)/);
  assert.equal(scheduleNotApplicable(spec(4, 7)), null);
  assert.match(scheduleNotApplicable({ ...spec(4, 8), virtualStages: 1 }) ?? '', /exactly 2 model chunks/);
  assert.match(scheduleNotApplicable({ ...spec(4, 8), splits: 2 }) ?? '', /does not split sequences/);
});

test('a MindSpeed launch with --schedules-method dualpipev selects DualPipeV; rank 0 holds the first and last stage', () => {
  // MindSpeed-LLM's flag set; dualpipev requires untied embeddings (dualpipev_feature.py:28-30).
  const text =
    'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 32 --hidden-size 2048 --num-attention-heads 16 ' +
    '--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size 64 --vocab-size 32000 ' +
    '--pipeline-model-parallel-size 4 --bf16 --untie-embeddings-and-output-weights --schedules-method dualpipev\n';
  const r = analyze(text, { fileName: 'train.sh' });
  assert.equal(r.selectedSchedule, 'dualpipev');
  assert.equal(
    r.diagnostics.find((d) => d.code === 'schedule-not-simulated'),
    undefined,
  );
  const e = r.schedules.dualpipev;
  assert.ok(e?.applicable && e.sim, e?.reason ?? '');
  assert.equal(e.virtualStages, 2);
  // The loss is on rank 0 (its chunk 1 is stage 2p − 1): rank 0's first backward is chunk 1's.
  const sim = e.sim;
  let firstB = -1;
  for (let q = sim.stageOffsets[0]; q < sim.stageOffsets[1] && firstB < 0; q++) if (sim.kind[q] === OP_B) firstB = q;
  assert.equal(sim.modelChunk[firstB], 1);
  // 64 / 1 / DP 2 = 32 microbatches ≥ 2·4 − 1; every rank runs 2 chunks × 32 × (F, B, W).
  assert.equal(sim.spec.microbatches, 32);
  assert.equal(sim.stageOffsets[1] - sim.stageOffsets[0], 6 * 32);
  // README parameters 2×: a rank holds two of the 2p stages, 2 × 32/8 = 8 layers, as a 1F1B rank of p = 4 holds 32/4.
  // The middle ranks hold layers only (rank 0 the embedding and the V's last stage, rank p − 1 neither).
  const one = r.schedules['1f1b']?.memory;
  assert.ok(e.memory && one);
  for (const rank of [1, 2]) {
    assert.ok(e.memory[rank].breakdownBytes.weights > 0);
    assert.equal(e.memory[rank].breakdownBytes.weights, one[rank].breakdownBytes.weights, `rank ${rank}`);
  }
});

// MindSpeed's cool-down (Ascend/MindSpeed 028de58c mindspeed/core/pipeline_parallel/dualpipev/dualpipev_schedules.py):
// the rank's last p backwards run in `for i in range(pp_size)` (:1507). With --dualpipev-dw-detach each backward_step
// is decoupled (:1521-1522, :1537-1538) and its weight gradients queued (flush_chunk_grad, :1556); from
// i ≥ cooldown[r][0] − 1 = r (cooldown[r] = [r + 1, 2p − 2r − 2, r + 1], generate_dualpipev_schedule :334) one queued
// W runs after each backward (pop_single, :1557-1558), and cooldown[r][2] − 1 = r more after the loop (:1573-1574),
// first in first out: B^r (B W)^(p−r) W^r. Without the flag the backward computes W itself (nothing decoupled, the
// pops find empty entries): (B W)^p, each gradient sent after its W (send_backward follows backward_step, :1540-1549).
const whole = (p: number, m: number): ScheduleSpec => ({ ...spec(p, m), dualPipeVWholeCooldown: true });

/** The cool-down: rank r's last 2p ops (its last p backwards and every W after the first of them). */
function coolDown(r: SimResult, rank: number, p: number): string {
  return opList(r, rank)
    .split(' ')
    .slice(-2 * p)
    .join(' ');
}

test('--dualpipev-dw-detach: MindSpeed’s cool-down B^r (B W)^(p−r) W^r is DeepSeek’s order, p = 2 and 4 by hand', () => {
  // p = 2, m = 4 (the order above): rank 0's last two backwards B2a B3a, rank 1's B3b B3a (step 6's second half and
  // step 7's B0).
  const two = simulateChecked(spec(2, 4), unit(spec(2, 4)));
  assert.equal(coolDown(two, 0, 2), 'B2a W2a B3a W3a');
  assert.equal(coolDown(two, 1, 2), 'B3b B3a W3b W3a');
  // p = 4, m = 8: rank r's last four backwards are the last r + 1 of step 6 (B1 of microbatch 7 − r + i, B0 of
  // 4 + i, i = 0…r) and step 7's p − r − 1 B0: rank 0 B4a B5a B6a B7a, rank 1 B7b B5a B6a B7a, rank 2 B5a B7b B6a B7a,
  // rank 3 B6b B6a B7b B7a.
  const four = simulateChecked(spec(4, 8), unit(spec(4, 8)));
  assert.equal(coolDown(four, 0, 4), 'B4a W4a B5a W5a B6a W6a B7a W7a');
  assert.equal(coolDown(four, 1, 4), 'B7b B5a W7b B6a W5a B7a W6a W7a');
  assert.equal(coolDown(four, 2, 4), 'B5a B7b B6a W5a B7a W7b W6a W7a');
  assert.equal(coolDown(four, 3, 4), 'B6b B6a B7b B7a W6b W6a W7b W7a');
  // Those B are zero-bubble (gradient sent at their end): no FULL_BACKWARD flag on them.
  const flags = buildProgramsUnchecked(spec(4, 8)).opFlags!;
  for (let rank = 0; rank < 4; rank++)
    for (let q = four.stageOffsets[rank + 1] - 8; q < four.stageOffsets[rank + 1]; q++)
      if (four.kind[q] === OP_B) assert.equal(flags[q] & FULL_BACKWARD, 0, `rank ${rank} op ${q}`);
});

test('without --dualpipev-dw-detach (MindSpeed’s default) the cool-down runs (B W)^p, full backwards, p = 2 and 4', () => {
  const two = simulateChecked(whole(2, 4), unit(whole(2, 4)));
  assert.equal(coolDown(two, 0, 2), 'B2a W2a B3a W3a');
  assert.equal(coolDown(two, 1, 2), 'B3b W3b B3a W3a');
  const four = simulateChecked(whole(4, 8), unit(whole(4, 8)));
  assert.equal(coolDown(four, 0, 4), 'B4a W4a B5a W5a B6a W6a B7a W7a');
  assert.equal(coolDown(four, 1, 4), 'B7b W7b B5a W5a B6a W6a B7a W7a');
  assert.equal(coolDown(four, 2, 4), 'B5a W5a B7b W7b B6a W6a B7a W7a');
  assert.equal(coolDown(four, 3, 4), 'B6b W6b B6a W6a B7b W7b B7a W7a');
  const flags = buildProgramsUnchecked(whole(4, 8)).opFlags!;
  for (let rank = 0; rank < 4; rank++)
    for (let q = four.stageOffsets[rank + 1] - 8; q < four.stageOffsets[rank + 1]; q++)
      if (four.kind[q] === OP_B) assert.equal(flags[q] & FULL_BACKWARD, FULL_BACKWARD, `rank ${rank} op ${q}`);
  // Everything before the cool-down is the same program.
  const detached = buildProgramsUnchecked(spec(4, 8));
  const kept = buildProgramsUnchecked(whole(4, 8));
  for (let rank = 0; rank < 4; rank++)
    for (let q = detached.stageOffsets[rank]; q < detached.stageOffsets[rank + 1] - 8; q++)
      assert.deepEqual(
        [kept.kind[q], kept.microbatch[q], kept.modelChunk[q], kept.opFlags![q]],
        [detached.kind[q], detached.microbatch[q], detached.modelChunk[q], detached.opFlags![q]],
      );
  // The flag's help says it detaches dW "to reduce bubble" (dualpipev_feature.py:17-18): at F = B = W the whole
  // cool-down is slower, and never faster on random costs.
  for (let p = 2; p <= 6; p++) {
    const s = spec(p, 3 * p);
    assert.ok(simulateChecked(whole(p, 3 * p), unit(s)).makespan > simulateChecked(s, unit(s)).makespan, `p=${p}`);
  }
});

test('dependency checker: 300 random DualPipeV configurations with MindSpeed’s whole cool-down', () => {
  const rand = prng(20261208);
  for (let n = 0; n < 300; n++) {
    const p = randInt(rand, 2, 10);
    const m = randInt(rand, 2 * p - 1, 5 * p);
    simulateChecked(whole(p, m), randomVCosts(rand, p, n));
  }
});

test('MindSpeed’s --dualpipev-dw-detach is read: without it the file’s DualPipeV keeps its cool-down backwards whole', () => {
  const base =
    'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 32 --hidden-size 2048 --num-attention-heads 16 ' +
    '--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size 64 --vocab-size 32000 ' +
    '--pipeline-model-parallel-size 4 --bf16 --untie-embeddings-and-output-weights --schedules-method dualpipev';
  const plain = analyze(`${base}\n`, { fileName: 'train.sh' });
  const detach = analyze(`${base} --dualpipev-dw-detach\n`, { fileName: 'train.sh' });
  assert.equal(plain.config.dualpipevDwDetach, false);
  assert.equal(detach.config.dualpipevDwDetach, true);
  const a = plain.schedules.dualpipev?.sim;
  const b = detach.schedules.dualpipev?.sim;
  assert.ok(a && b);
  assert.equal(a.spec.dualPipeVWholeCooldown, true);
  assert.equal(b.spec.dualPipeVWholeCooldown, undefined);
  assert.ok(a.makespan > b.makespan, `${a.makespan} vs ${b.makespan}`);
  // Another launcher's file never sets it.
  const zb = analyze(base.replace(' --schedules-method dualpipev', '') + '\n', { fileName: 'train.sh' });
  assert.equal(zb.config.dualpipevDwDetach, null);
});
