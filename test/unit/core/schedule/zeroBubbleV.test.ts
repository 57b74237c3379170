// ZB-V: Qi et al., "Zero Bubble Pipeline Parallelism" (arXiv 2401.10241, the version with ZB-V) and "Pipeline
// Parallelism with Controllable Memory" (V-ZB). Each rank holds 2 chunks in a V (rank r: virtual stages r and 2p − 1 − r); the
// fork's README table (sail-sg/zero-bubble-pipeline-parallelism 39f2c186 README.md:96-99, "Comparision of Schedules"):
// ZBV bubble rate 0, activation memory 1× 1F1B, pipeline communication volume 2× 1F1B. The op order is the fork's
// construction, PipelineGraph.try_v_schedule + create_schedule (megatron/core/pipeline_parallel/zerobubble/scheduler/
// zbv.py:31-252, 282-298), ported in src/core/schedule/zeroBubbleV.ts; the small cases below were traced by hand from
// that code and checked against it run with the same inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OP_B, OP_F, OP_W, type ScheduleSpec, type SimResult } from '../../../../src/core/types';
import { analyze } from '../../../../src/core/analyze';
import { scheduleNotApplicable } from '../../../../src/core/schedule/programs';
import {
  chunkPlacement,
  inputHopSlot,
  placementTables,
  rankOfVirtualStage,
  virtualStageOf,
} from '../../../../src/core/schedule/placement';
import { uniformCosts, type SimCosts } from '../../../../src/core/schedule/simulator';
import { prng, randInt, simulateChecked, randomVCosts } from '../../../support/scheduleCheck';

const spec = (p: number, m: number): ScheduleSpec => ({
  schedule: 'zb-v',
  stages: p,
  microbatches: m,
  splits: 1,
  virtualStages: 2,
});

const run = simulateChecked;

/** A whole stage's F, B and W each take 2, so one chunk's take 1 (uniformCosts splits a stage over its v chunks). */
const unit = (s: ScheduleSpec): SimCosts => uniformCosts(s, 2, 2, 2);

/** Stage r's ops as F0a …: a = model chunk 0 (virtual stage r), b = model chunk 1 (virtual stage 2p − 1 − r). */
function opList(r: SimResult, stage: number): string {
  const out: string[] = [];
  for (let q = r.stageOffsets[stage]; q < r.stageOffsets[stage + 1]; q++)
    out.push(
      `${r.kind[q] === OP_F ? 'F' : r.kind[q] === OP_B ? 'B' : 'W'}${r.microbatch[q]}${r.modelChunk[q] === 0 ? 'a' : 'b'}`,
    );
  return out.join(' ');
}

/** Time from a stage's first op start to its last op end, less its work. */
function stageIdle(r: SimResult, stage: number): number {
  return r.end[r.stageOffsets[stage + 1] - 1] - r.start[r.stageOffsets[stage]] - r.busy[stage];
}

test('the V placement: rank r holds virtual stages r and 2p − 1 − r; the interleaved rule is unchanged', () => {
  // zbv.py:310-314: layer_group_idx = n_stages·chunk + (stage for an even chunk, n_stages − 1 − stage for an odd one).
  assert.equal(chunkPlacement('zb-v'), 'v-shape');
  assert.equal(chunkPlacement('1f1b-interleaved'), 'interleaved');
  const p = 4;
  assert.deepEqual(
    [0, 1, 2, 3].map((r) => [virtualStageOf('v-shape', p, r, 0), virtualStageOf('v-shape', p, r, 1)]),
    [
      [0, 7],
      [1, 6],
      [2, 5],
      [3, 4],
    ],
  );
  assert.deepEqual(
    [0, 1, 2, 3].map((r) => virtualStageOf('interleaved', p, r, 1)),
    [4, 5, 6, 7],
  );
  for (let s = 0; s < 2 * p; s++) {
    assert.equal(rankOfVirtualStage('interleaved', p, s), s % p);
    assert.equal(rankOfVirtualStage('v-shape', p, s), s < p ? s : 2 * p - 1 - s);
  }
  const t = placementTables(spec(p, 8));
  assert.deepEqual(Array.from(t.rankOf), [0, 1, 2, 3, 3, 2, 1, 0]);
  // The turn of the V stays on rank p − 1: no message. The second half sends activations down (r+1 → r: the down
  // link's slot of the sender, after p·k) and gradients up (r−1 → r: the up link's slot).
  assert.equal(inputHopSlot(t, p, 1, 4, false, 0), -1);
  assert.equal(inputHopSlot(t, p, 1, 5, false, 0), p + 3);
  assert.equal(inputHopSlot(t, p, 1, 5, true, 0), 1);
  assert.equal(inputHopSlot(t, p, 1, 1, false, 0), 0);
  assert.equal(inputHopSlot(t, p, 1, 1, true, 0), p + 2);
  assert.equal(inputHopSlot(t, p, 1, 0, false, 0), -1);
  assert.equal(inputHopSlot(t, p, 1, 7, true, 0), -1);
});

test('ZB-V p=2 m=2 and p=3 m=3, by hand from try_v_schedule', () => {
  // p=2 m=2 at unit chunk costs (stage 0 | stage 1). Warm-up (zbv.py:121-131): F0a on both, stage 1 (the turn) runs
  // F0b at once; stage 0 may add chunk-0 forwards while mem + 2 + 2·0 chunks ≤ 2p and they end before F0b comes back
  // (time 3): F1a. Then the forwards alternate chunks (:134-143): stage 1 F1a F1b. Steady rounds (:155-230): one B
  // per stage — stage 0 holds the loss (virtual stage 3) and starts the backward with B0b — then one F, W passes
  // filling the waits; the rest of the W close the programs.
  let r = run(spec(2, 2), unit(spec(2, 2)));
  assert.equal(opList(r, 0), 'F0a F1a F0b B0b F1b B1b W0b B0a W1b B1a W0a W1a');
  assert.equal(opList(r, 1), 'F0a F0b F1a F1b B0b B0a B1b B1a W0b W0a W1b W1a');
  r = run(spec(3, 3), unit(spec(3, 3)));
  assert.equal(opList(r, 0), 'F0a F1a F2a F0b B0b F1b B1b W0b F2b B2b B0a W1b W2b B1a W0a W1a B2a W2a');
  assert.equal(opList(r, 1), 'F0a F1a F2a F0b F1b B0b F2b B1b B0a B2b B1a W0b W1b B2a W0a W2b W1a W2a');
  assert.equal(opList(r, 2), 'F0a F0b F1a F1b F2a F2b B0b B0a B1b B1a W0b B2b B2a W0a W1b W1a W2b W2a');
});

test('README bubble rate 0 at T_F = T_B = T_W: every stage busy from its first op to its last for m ≥ 2p', () => {
  // Independent bound: the last rank's first op is chunk 0's forward, which must first pass ranks 0…p−2 (p − 1
  // chunk forwards of T_F/2 each), and the rank then has m(T_F + T_B + T_W) of work — so no order ends before
  // m(T_F + T_B + T_W) + (p − 1)·T_F/2; ZB-V reaches it (ZB-H2 pays (p − 1)·T_F, twice the start-up).
  for (let p = 2; p <= 8; p++) {
    for (let m = 2 * p; m <= 3 * p + 2; m++) {
      const s = spec(p, m);
      const r = run(s, unit(s));
      assert.equal(r.makespan, m * (2 + 2 + 2) + (p - 1) * 1, `p=${p} m=${m}`);
      for (let st = 0; st < p; st++) assert.equal(stageIdle(r, st), 0, `p=${p} m=${m} stage ${st}`);
    }
  }
});

test('README activation memory 1× 1F1B: at most 2p chunks (p microbatches) between F and B on a rank', () => {
  // One chunk holds half a stage's layers, so 2p chunks are 1F1B's p·M_B. B frees the activations but the inputs the
  // weight gradient reads, which W frees (the fork's memory model: F +f, B −f − w, W +w, runtime.py:1336-1338, under
  // a limit of 2p forwards, zbv.py:23); with those W-held inputs a rank holds at most one chunk more.
  for (let p = 2; p <= 8; p++) {
    for (const m of [p, 2 * p, 3 * p]) {
      const r = run(spec(p, m), unit(spec(p, m)));
      let most = 0;
      for (let st = 0; st < p; st++) {
        let live = 0;
        for (let q = r.stageOffsets[st]; q < r.stageOffsets[st + 1]; q++) {
          live += r.kind[q] === OP_F ? 1 : r.kind[q] === OP_B ? -1 : 0;
          most = Math.max(most, live);
        }
      }
      assert.equal(most, 2 * p, `p=${p} m=${m}`);
      assert.ok(Math.max(...r.peakUnits) <= 2 * p + 1, `p=${p} m=${m}: ${Array.from(r.peakUnits).join(',')}`);
    }
  }
});

test('README pipeline communication volume 2× 1F1B: 4(p − 1) messages per microbatch, none at the turn', () => {
  for (const p of [2, 4, 6]) {
    const m = 2 * p;
    const costs: SimCosts = {
      ...unit(spec(p, m)),
      p2pForward: Float64Array.of(0.5),
      p2pBackward: Float64Array.of(0.5),
    };
    const r = run(spec(p, m), costs);
    let messages = 0;
    for (let q = 0; q < r.opCount; q++) if (r.p2pEnd[q] >= r.p2pStart[q]) messages++;
    assert.equal(messages, 4 * (p - 1) * m, `p=${p}`);
  }
});

test('dependency checker: 600 random ZB-V configurations with random per-stage costs and p2p delays', () => {
  const rand = prng(20261218);
  for (let n = 0; n < 600; n++) {
    const p = randInt(rand, 1, 10);
    const m = randInt(rand, 1, 30);
    const s = spec(p, m);
    const costs = randomVCosts(rand, p, n);
    const r = run(s, costs);
    assert.ok(r.makespan >= Math.max(...r.busy) - 1e-9);
    let ws = 0;
    for (let q = 0; q < r.opCount; q++) if (r.kind[q] === OP_W) ws++;
    assert.equal(ws, 2 * p * m);
  }
});

test('ZB-V runs exactly two chunks per rank and no sequence splits', () => {
  assert.match(scheduleNotApplicable({ ...spec(4, 8), splits: 2 }) ?? '', /does not split sequences/);
  assert.match(scheduleNotApplicable({ ...spec(4, 8), virtualStages: 1 }) ?? '', /exactly 2 model chunks/);
  assert.match(scheduleNotApplicable({ ...spec(4, 8), virtualStages: 3 }) ?? '', /exactly 2 model chunks/);
});

test('a real --zero-bubble-v-schedule launch: ZB-V selected; rank 0 holds embedding and loss and is the critical one', () => {
  const text =
    'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 32 --hidden-size 2048 --num-attention-heads 16 ' +
    '--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size 64 --vocab-size 32000 ' +
    '--pipeline-model-parallel-size 8 --bf16 --zero-bubble-v-schedule\n';
  const r = analyze(text, { fileName: 'train.sh' });
  assert.equal(r.selectedSchedule, 'zb-v');
  const zbv = r.schedules['zb-v'];
  assert.ok(zbv?.applicable && zbv.sim, zbv?.reason ?? '');
  // The last virtual stage (2p − 1, the loss) runs on rank 0: its first B is rank 0's first backward op.
  const sim = zbv.sim;
  let firstB = -1;
  for (let q = sim.stageOffsets[0]; q < sim.stageOffsets[1] && firstB < 0; q++) if (sim.kind[q] === OP_B) firstB = q;
  assert.equal(sim.modelChunk[firstB], 1);
  // With the V, rank 0 runs the embedding and the output layer (a 32k vocabulary here): it is the busiest rank and
  // sets the step, and it idles less than ZB-H1's critical rank does (the start-up is half as long, T_F/2 per hop).
  const bd = zbv.stepTimeBreakdown;
  const h1 = r.schedules['zb-h1']?.stepTimeBreakdown;
  assert.ok(bd && h1);
  assert.equal(bd.rank, 0);
  assert.equal(Math.max(...sim.busy), sim.busy[0]);
  assert.ok(bd.idleMs < h1.idleMs / 4, `${bd.idleMs} vs ${h1.idleMs}`);
  assert.ok((zbv.stepTimeMs ?? NaN) < (r.schedules['1f1b']?.stepTimeMs ?? NaN));
});
