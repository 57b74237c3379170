// The interleaved warm-up by Megatron version (cost-model.md §3): Megatron-Core ≥ 0.10 (NVIDIA/Megatron-LM d98e8a64
// megatron/core/pipeline_parallel/schedules.py:964-978, get_schedule_table :989-1017, group checks :1160-1180)
// against the older rule the Seq1F1B fork keeps (thunlp/Seq1F1B megatron/core/pipeline_parallel/schedules.py:463-465:
// all forwards first when m = p).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OP_B, OP_F, type ScheduleSpec, type SimResult } from '../../../../src/core/types';
import {
  buildProgramsUnchecked,
  interleavedWarmupOf,
  scheduleNotApplicable,
} from '../../../../src/core/schedule/programs';
import { isSimResult, simulateSchedule, uniformCosts } from '../../../../src/core/schedule/simulator';
import { checkTimeline } from '../../../support/scheduleCheck';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';

function spec(p: number, m: number, v: number, grouped: boolean, g?: number): ScheduleSpec {
  const s: ScheduleSpec = { schedule: '1f1b-interleaved', stages: p, microbatches: m, splits: 1, virtualStages: v };
  if (grouped) s.interleavedWarmup = 'grouped';
  if (g !== undefined) s.microbatchGroupSize = g;
  return s;
}

function run(s: ScheduleSpec): SimResult {
  const costs = uniformCosts(s, 1, 2);
  const r = simulateSchedule(s, costs);
  if (!isSimResult(r)) assert.fail(r.reason);
  assert.equal(checkTimeline(r, costs, false), null);
  return r;
}

/** Warm-up forwards of stage r: the forwards before its first backward, less the steady state's first F. */
function warmupOf(s: ScheduleSpec, r: number): number {
  const prog = buildProgramsUnchecked(s);
  let n = 0;
  for (let i = prog.stageOffsets[r]; i < prog.stageOffsets[r + 1] && prog.kind[i] === OP_F; i++) n++;
  return n === s.microbatches * s.virtualStages ? n : n - 1;
}

test('m = p: Megatron-Core ≥ 0.10 warms rank r up with 2(p−r−1) + (v−1)·p chunks, the old rule runs all forwards', () => {
  // p = 4, v = 2, m = 4, G = p = 4. New rule: r = 0 → 2·3 + 4 = 10 ≥ m·v = 8 → all 8; r = 1 → 8 → all 8;
  // r = 2 → 2 + 4 = 6; r = 3 → 0 + 4 = 4. Old rule: m = p → all 8 on every rank.
  assert.deepEqual(
    [0, 1, 2, 3].map((r) => warmupOf(spec(4, 4, 2, true), r)),
    [8, 8, 6, 4],
  );
  assert.deepEqual(
    [0, 1, 2, 3].map((r) => warmupOf(spec(4, 4, 2, false), r)),
    [8, 8, 8, 8],
  );
  // In-flight model chunks on the last stage: warm-up + 1 (the steady state's F before its B) = 5 against all 8.
  assert.equal(run(spec(4, 4, 2, true)).peakUnits[3], 5);
  assert.equal(run(spec(4, 4, 2, false)).peakUnits[3], 8);
});

test('cost-model.md §3 example: 7B PP 4 VPP 8 m = 4 holds 29 chunks on the last stage (new) against 32 (old)', () => {
  // Last rank: 2·0 + (8−1)·4 = 28 warm-up chunks, + 1 in the steady state = 29; the old rule keeps all 4·8 = 32.
  assert.equal(run(spec(4, 4, 8, true)).peakUnits[3], 29);
  assert.equal(run(spec(4, 4, 8, false)).peakUnits[3], 32);
});

test('microbatch groups of G: the schedule table order and the warm-up (v−1)·G', () => {
  // p = 4, v = 2, m = 10, G = 6: groups {0..5} and {6..9}; table = (0..5, chunk 0), (0..5, chunk 1),
  // (6..9, chunk 0), (6..9, chunk 1). Rank 3 warms up with 0 + 1·6 = 6 chunks.
  const s = spec(4, 10, 2, true, 6);
  assert.equal(scheduleNotApplicable(s), null);
  const prog = buildProgramsUnchecked(s);
  const r3 = prog.stageOffsets[3];
  const forwards: string[] = [];
  for (let i = r3; i < prog.stageOffsets[4]; i++)
    if (prog.kind[i] === OP_F) forwards.push(`${prog.microbatch[i]}.${prog.modelChunk[i]}`);
  assert.deepEqual(forwards, [
    ...[0, 1, 2, 3, 4, 5].map((mb) => `${mb}.0`),
    ...[0, 1, 2, 3, 4, 5].map((mb) => `${mb}.1`),
    ...[6, 7, 8, 9].map((mb) => `${mb}.0`),
    ...[6, 7, 8, 9].map((mb) => `${mb}.1`),
  ]);
  assert.equal(warmupOf(s, 3), 6);
  // The first backward on the last rank is microbatch 0's last model chunk (chunk reversed in backward).
  assert.equal(prog.kind[r3 + 7], OP_B);
  assert.equal(prog.modelChunk[r3 + 7], 1);
  assert.equal(prog.microbatch[r3 + 7], 0);
  run(s);
});

test("Megatron-Core's group checks replace m mod p (schedules.py:1160-1180)", () => {
  assert.match(scheduleNotApplicable(spec(4, 8, 2, true, 3)) ?? '', /p ≤ microbatch group size ≤ m/);
  assert.match(scheduleNotApplicable(spec(4, 8, 2, true, 9)) ?? '', /p ≤ microbatch group size ≤ m/);
  // 8 mod 5 = 3 < p = 4: a last group too small.
  assert.match(scheduleNotApplicable(spec(4, 8, 2, true, 5)) ?? '', /0 or at least p/);
  // 10 mod 6 = 4 ≥ p: allowed, although 10 is not a multiple of p (the old rule refuses it).
  assert.equal(scheduleNotApplicable(spec(4, 10, 2, true, 6)), null);
  assert.match(scheduleNotApplicable(spec(4, 10, 2, false)) ?? '', /divisible by p/);
});

test('the rule follows the dialect: Megatron-LM grouped, the Seq1F1B and Megatron-DeepSpeed forks legacy', () => {
  const script = (entry: string, extra = ''): string =>
    `torchrun --nproc_per_node 8 ${entry} --num-layers 8 --hidden-size 1024 --num-attention-heads 16 --seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size 16 --pipeline-model-parallel-size 4 --num-layers-per-virtual-pipeline-stage 1 --vocab-size 32000 ${extra}\n`;
  const lm = readLaunchConfig(script('pretrain_gpt.py', '--microbatch-group-size-per-virtual-pipeline-stage 8'));
  assert.equal(lm.dialect?.id, 'megatron-lm');
  assert.equal(lm.config.interleavedWarmup, 'grouped');
  assert.deepEqual(interleavedWarmupOf(lm.config, '1f1b-interleaved'), {
    interleavedWarmup: 'grouped',
    microbatchGroupSize: 8,
  });
  // Only interleaved 1F1B has the grouped variant.
  assert.deepEqual(interleavedWarmupOf(lm.config, 'seq1f1b-interleaved'), {});
  const seq = readLaunchConfig(script('pretrain_gpt.py', '--pipe-sp-splits 2'));
  assert.equal(seq.config.interleavedWarmup, 'legacy');
  assert.deepEqual(interleavedWarmupOf(seq.config, '1f1b-interleaved'), {});
  const ds = readLaunchConfig(script('pretrain_gpt.py', '--deepspeed --deepspeed_config ds.json'));
  assert.equal(ds.config.interleavedWarmup, 'legacy');
});

test('a Megatron-LM functional test with G = 5 and m = 5 on PP 4 is simulated (its tunable_overlap case)', () => {
  // tests/functional_tests/test_cases/gpt/gpt3_mcore_te_tp1_pp4_vp1_resume_torch_dist_tunable_overlap: GBS 40,
  // micro-batch 4, 8 GPUs → DP 2, m = 5; G = 5 ∈ [p, m] and m mod G = 0, which Megatron-Core accepts (:1160-1180)
  // although m is not a multiple of p.
  const yaml = [
    'ENV_VARS:',
    '  CUDA_DEVICE_MAX_CONNECTIONS: 1',
    'MODEL_ARGS:',
    '  --num-layers: 12',
    '  --hidden-size: 512',
    '  --num-attention-heads: 8',
    '  --seq-length: 1024',
    '  --max-position-embeddings: 1024',
    '  --micro-batch-size: 4',
    '  --global-batch-size: 40',
    '  --pipeline-model-parallel-size: 4',
    '  --num-layers-per-virtual-pipeline-stage: 1',
    '  --microbatch-group-size-per-virtual-pipeline-stage: 5',
    '  --vocab-size: 32000',
    '  --bf16: true',
    '',
  ].join('\n');
  const read = readLaunchConfig(yaml, 'tests/functional_tests/test_cases/gpt/gpt3_case/model_config.yaml');
  assert.equal(read.config.interleavedWarmup, 'grouped');
  assert.equal(read.config.numMicrobatches, 5);
  const s = { ...spec(4, 5, 3, false), ...interleavedWarmupOf(read.config, '1f1b-interleaved') };
  assert.equal(scheduleNotApplicable(s), null);
  run(s);
});

test('--overlap-moe-expert-parallel-comm warms up one chunk more (schedules.py:966-970)', () => {
  // p = 4, v = 2, m = 8: the last rank warms up with 0 + 1·4 = 4 chunks, 5 with the overlap; rank 1 with 2·2 + 4 = 8,
  // 9 with it.
  const plain = spec(4, 8, 2, true);
  const overlap: ScheduleSpec = { ...plain, moeOverlapWarmup: true };
  assert.deepEqual(
    [1, 3].map((r) => warmupOf(plain, r)),
    [8, 4],
  );
  assert.deepEqual(
    [1, 3].map((r) => warmupOf(overlap, r)),
    [9, 5],
  );
  assert.equal(run(overlap).peakUnits[3], run(plain).peakUnits[3] + 1);
  const config = {
    interleavedWarmup: 'grouped' as const,
    microbatchGroupSize: null,
    overlapMoeExpertParallelComm: true,
  };
  assert.deepEqual(interleavedWarmupOf(config, '1f1b-interleaved'), {
    interleavedWarmup: 'grouped',
    moeOverlapWarmup: true,
  });
});
