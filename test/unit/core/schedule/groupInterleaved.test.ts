// The Zero-Bubble fork's group-interleaved 1F1B (sail-sg/zero-bubble-pipeline-parallelism 39f2c186
// megatron/core/pipeline_parallel/zerobubble/scheduler/group_interleaved_1f1b.py, GroupBuildingBlockScheduler :16-353),
// which its runtime runs for a VPP model (runtime.py:1448-1478) with G = --interleave-group-size. Ported in
// src/core/schedule/groupInterleaved.ts; the cases below were written from that code and checked against it run with
// the same inputs (all p ≤ 8, v ≤ 4, G ≤ p and six m each: the same op order on every rank).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OP_B, OP_F, OP_W, type ScheduleSpec, type SimResult } from '../../../../src/core/types';
import { analyze } from '../../../../src/core/analyze';
import { scheduleNotApplicable } from '../../../../src/core/schedule/programs';
import { chunkPlacement } from '../../../../src/core/schedule/placement';
import { uniformCosts, type SimCosts } from '../../../../src/core/schedule/simulator';
import { prng, randInt, simulateChecked } from '../../../support/scheduleCheck';

const spec = (p: number, v: number, g: number, m: number): ScheduleSpec => ({
  schedule: 'group-interleaved',
  stages: p,
  microbatches: m,
  splits: 1,
  virtualStages: v,
  microbatchGroupSize: g,
});

/** Every op of a chunk takes 1 (uniformCosts spreads a stage's cost over its v chunks); no message delay. */
const unit = (s: ScheduleSpec): SimCosts => uniformCosts(s, s.virtualStages, s.virtualStages, s.virtualStages);

function opList(r: SimResult, stage: number): string {
  const out: string[] = [];
  for (let q = r.stageOffsets[stage]; q < r.stageOffsets[stage + 1]; q++)
    out.push(
      `${r.kind[q] === OP_F ? 'F' : r.kind[q] === OP_B ? 'B' : 'W'}${r.microbatch[q]}${'abcd'[r.modelChunk[q]]}`,
    );
  return out.join(' ');
}

test('group-interleaved 1F1B: Megatron’s interleaved placement, B and W split, k = 1, v ≥ 2', () => {
  assert.equal(chunkPlacement('group-interleaved'), 'interleaved');
  assert.equal(scheduleNotApplicable(spec(4, 2, 2, 6)), null, 'no m mod p rule');
  assert.match(scheduleNotApplicable({ ...spec(4, 2, 2, 8), virtualStages: 1 }) ?? '', /at least 2 virtual stages/);
  assert.match(scheduleNotApplicable({ ...spec(4, 2, 2, 8), splits: 2 }) ?? '', /does not split sequences/);
  assert.match(scheduleNotApplicable(spec(1, 2, 1, 8)) ?? '', /pipeline parallelism/);
});

test('p=2 v=2 G=1 m=2 and p=4 v=2 G=2 m=4: the fork’s op order', () => {
  // The building block (get_optimal_building_block, :72-136) with G = 1, min group ⌈p/2⌉ = 1 (min_k = 1): rank d's
  // forwards of chunk c at 3c + d (3·G·v = 6 slots, wrapped), the first backward when the last chunk's forward has
  // come back, (p − 1 − d)·3 + 1 slots after it, W right after each B; repeated every 6 slots per microbatch; rank 1
  // shifted by one slot (:207-235). B and W of the last chunk come first (b = model chunk 1).
  let r = simulateChecked(spec(2, 2, 1, 2), unit(spec(2, 2, 1, 2)));
  assert.equal(opList(r, 0), 'F0a F0b F1a B0b W0b F1b B0a W0a B1b W1b B1a W1a');
  assert.equal(opList(r, 1), 'F0a F0b B0b W0b F1a B0a W0a F1b B1b W1b B1a W1a');
  // G = 2: two microbatches per chunk before the next chunk, then the squeeze (:237-275) pulls each op to the first
  // slot after its input.
  r = simulateChecked(spec(4, 2, 2, 4), unit(spec(4, 2, 2, 4)));
  assert.equal(
    opList(r, 0),
    'F0a F1a F0b F1b F2a F3a B0b W0b F2b B1b W1b F3b B0a W0a B1a W1a B2b W2b B3b W3b B2a W2a B3a W3a',
  );
  assert.equal(
    opList(r, 3),
    'F0a F1a F0b B0b W0b F1b B1b W1b F2a B0a W0a F3a B1a W1a F2b B2b W2b F3b B3b W3b B2a W2a B3a W3a',
  );
});

test('peak activation and length at unit costs equal the fork’s calculate_peak_memory and squeezed length', () => {
  // [p, v, G, m, peak chunks (F +1, W −1, :286-299), slots of the squeezed schedule] from the fork's code.
  const fork = [
    [4, 2, 2, 8, 6, 56],
    [4, 2, 4, 8, 8, 54],
    [4, 3, 2, 12, 8, 118],
    [6, 2, 3, 12, 9, 85],
    [8, 2, 4, 16, 12, 114],
    [8, 4, 4, 32, 20, 410],
    [8, 2, 8, 24, 16, 158],
  ] as const;
  for (const [p, v, g, m, peak, slots] of fork) {
    const s = spec(p, v, g, m);
    const r = simulateChecked(s, unit(s));
    let most = 0;
    for (let st = 0; st < p; st++) {
      let live = 0;
      for (let q = r.stageOffsets[st]; q < r.stageOffsets[st + 1]; q++) {
        live += r.kind[q] === OP_F ? 1 : r.kind[q] === OP_W ? -1 : 0;
        most = Math.max(most, live);
      }
    }
    assert.equal(most, peak, `p=${p} v=${v} G=${g} m=${m}`);
    // The squeeze runs each op in the first slot after its input, in order: the eager unit-cost timeline.
    assert.equal(r.makespan, slots, `p=${p} v=${v} G=${g} m=${m}`);
  }
});

test('dependency checker: 600 random group-interleaved configurations, random costs and p2p delays', () => {
  const rand = prng(20261208);
  for (let n = 0; n < 600; n++) {
    const p = randInt(rand, 2, 8);
    const v = randInt(rand, 2, 4);
    const s = spec(p, v, randInt(rand, 1, p), randInt(rand, 1, 3 * p));
    const rnd = (len: number, lo: number, hi: number): Float64Array =>
      Float64Array.from({ length: len }, () => lo + rand() * (hi - lo));
    const costs: SimCosts = {
      forward: rnd(v * p, 0.2, 2),
      backward: rnd(v * p, 0.3, 4),
      weight: rnd(v * p, 0.1, 2),
      p2pForward: rnd(1, 0, 0.5),
      p2pBackward: rnd(1, 0, 0.5),
    };
    if (n % 3 === 0) {
      costs.p2pForwardByRank = rnd(2 * p, 0, 1);
      costs.p2pBackwardByRank = rnd(2 * p, 0, 1);
    }
    const r = simulateChecked(s, costs);
    assert.ok(r.makespan >= Math.max(...r.busy) - 1e-9);
  }
});

const launch = (flags: string): string =>
  'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 32 --hidden-size 2048 --num-attention-heads 16 ' +
  '--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size 64 --vocab-size 32000 ' +
  `--pipeline-model-parallel-size 4 --num-layers-per-virtual-pipeline-stage 4 --bf16 ${flags}\n`;

test('the fork’s runtime on a VPP model selects it with --interleave-group-size; recomputation passes are not simulated', () => {
  // zbpp_utils.py:80-86: a group size > 0 turns the runtime on; runtime.py:1448-1478 runs group_interleaved_1f1b.
  const r = analyze(launch('--interleave-group-size 3'), { fileName: 'train.sh' });
  assert.equal(r.selectedSchedule, 'group-interleaved');
  const e = r.schedules['group-interleaved'];
  assert.ok(e?.applicable && e.sim, e?.reason ?? '');
  assert.equal(e.virtualStages, 2);
  assert.equal(e.sim.spec.microbatchGroupSize, 3);
  assert.equal(e.whatIf, false);
  // group_interleaved_1f1b.py:367-372: full recompute with --recompute-method chunk builds recomputation passes.
  // Read as the fork's Megatron (it adds the 'chunk' choice), as its own examples are.
  const chunk = analyze(
    launch('--interleave-group-size 3 --recompute-granularity full --recompute-method chunk --recompute-num-layers 1'),
    { fileName: 'train.sh', dialect: 'zero-bubble' },
  );
  assert.equal(chunk.selectedSchedule, '1f1b-interleaved');
  assert.match(
    chunk.diagnostics.find((d) => d.code === 'schedule-not-simulated')?.message ?? '',
    /group-interleaved 1F1B with recomputation passes/,
  );
  // The runtime without a group size divides by it (:79): named, not simulated.
  const none = analyze(launch('--enable-zb-runtime'), { fileName: 'train.sh' });
  assert.equal(none.selectedSchedule, '1f1b-interleaved');
  assert.match(
    none.diagnostics.find((d) => d.code === 'schedule-not-simulated')?.message ?? '',
    /without --interleave-group-size/,
  );
  // Without the runtime the file runs Megatron's interleaved schedule.
  assert.equal(analyze(launch(''), { fileName: 'train.sh' }).selectedSchedule, '1f1b-interleaved');
});

test('the fork’s own example (pretrain_group_interleave.sh) is read as group-interleaved 1F1B with recomputation: named', () => {
  // sail-sg/zero-bubble-pipeline-parallelism 39f2c186 examples/pretrain_group_interleave.sh:107-111 sets
  // --interleave-group-size 4 with --recompute-granularity full --recompute-method chunk: the recompute branch.
  const r = analyze(
    [
      'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 32 --hidden-size 4096 --num-attention-heads 32 \\',
      '  --seq-length 4096 --max-position-embeddings 4096 --micro-batch-size 1 --global-batch-size 64 \\',
      '  --vocab-size 32000 --pipeline-model-parallel-size 8 --fp16 --untie-embeddings-and-output-weights \\',
      '  --enable-zb-runtime --num-layers-per-virtual-pipeline-stage 1 --interleave-group-size 4 \\',
      '  --recompute-granularity full --recompute-method chunk --recompute-num-layers 2',
      '',
    ].join('\n'),
    { fileName: 'examples/pretrain_group_interleave.sh', dialect: 'zero-bubble' },
  );
  assert.equal(r.selectedSchedule, '1f1b-interleaved');
  assert.ok(r.diagnostics.some((d) => d.code === 'schedule-not-simulated' && /recomputation passes/.test(d.message)));
});
