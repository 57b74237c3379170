// Issue 16, correctness first: the data-parallel size is world / (TP·PP·CP) and must be a whole number. Megatron
// asserts `world_size % total_model_size == 0` (megatron/training/arguments.py:432) and then takes
// `data_parallel_size = world_size // total_model_size` (arguments.py:448); the microbatch count is
// global_batch_size // (micro_batch_size · data_parallel_size) (megatron/core/num_microbatches_calculator.py:381-388).
// A fractional DP (TP 8 × PP 16 on 8 GPUs gave 1/16 and 16× the microbatches) is never simulated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../../src/core/analyze';
import { evaluateSchedule, missingModelValues } from '../../../../src/core/schedule/engine';
import { getGpuProfile } from '../../../../src/core/hardware/gpus';
import type { RunConfig } from '../../../../src/core/types';

const MODEL = [
  '--num-layers 32 --hidden-size 4096 --num-attention-heads 32 --seq-length 4096 --max-position-embeddings 4096',
  '--micro-batch-size 1 --global-batch-size 128 --vocab-size 32000 --bf16',
].join(' ');

function script(gpus: string, tp: number, pp: number): string {
  return [
    '#!/bin/bash',
    `torchrun --nproc_per_node ${gpus} --nnodes 1 pretrain_gpt.py ${MODEL} \\`,
    `  --tensor-model-parallel-size ${tp} \\`,
    `  --pipeline-model-parallel-size ${pp}`,
    '',
  ].join('\n');
}

const CONFIG = {
  numLayers: 32,
  hiddenSize: 4096,
  numAttentionHeads: 32,
  seqLength: 4096,
  microBatchSize: 1,
  globalBatchSize: 128,
  tensorParallel: 8,
  pipelineParallel: 16,
  contextParallel: 1,
  dataParallel: null,
  worldSize: 8,
  numMicrobatches: null,
  paddedVocabSize: 32000,
} as Partial<RunConfig> as RunConfig;

test('TP 8 × PP 16 on 8 GPUs: no fractional DP, no microbatch count, nothing simulated, and the engine says why', () => {
  // 8 / (8·16) = 1/16: the old fallback divided anyway and simulated 128 / (1 · 1/16) = 2,048 microbatches.
  const missing = missingModelValues(CONFIG);
  assert.deepEqual(missing, ['data-parallel size (world size 8 is not divisible by TP·PP·CP = 128)']);
  const e = evaluateSchedule(
    CONFIG,
    { schedule: '1f1b', splits: 1, strategy: 'average', virtualStages: 1 },
    { gpu: getGpuProfile('a100-80gb') },
  );
  assert.equal(e.applicable, false);
  assert.equal(e.sim, undefined);
  assert.match(e.reason ?? '', /world size 8 is not divisible by TP·PP·CP = 128/);
  // A microbatch override from the panel does not make the grid valid.
  const overridden = evaluateSchedule(
    CONFIG,
    { schedule: '1f1b', splits: 1, strategy: 'average', virtualStages: 1, microbatches: 16 },
    { gpu: getGpuProfile('a100-80gb') },
  );
  assert.equal(overridden.applicable, false);
});

test('a world larger than TP·PP·CP but not a multiple of it is refused the same way (12 GPUs, TP 2 × PP 8)', () => {
  const missing = missingModelValues({ ...CONFIG, worldSize: 12, tensorParallel: 2, pipelineParallel: 8 });
  assert.deepEqual(missing, ['data-parallel size (world size 12 is not divisible by TP·PP·CP = 16)']);
});

test('a whole DP still derives the microbatches: 32 GPUs = TP 2 × PP 8 × DP 2 → m = 128 / (1·2) = 64', () => {
  const e = evaluateSchedule(
    { ...CONFIG, worldSize: 32, tensorParallel: 2, pipelineParallel: 8 },
    { schedule: '1f1b', splits: 1, strategy: 'average', virtualStages: 1 },
    { gpu: getGpuProfile('a100-80gb') },
  );
  assert.equal(e.applicable, true);
  assert.equal(e.sim?.spec.microbatches, 64);
});

test('analyze(): a certain world gets an error on the PP flag and no schedule is simulated', () => {
  const r = analyze(script('8', 8, 16), { fileName: 'train.sh' });
  const d = r.diagnostics.filter((x) => x.code === 'world-size-not-divisible');
  assert.equal(d.length, 1);
  assert.equal(d[0]!.severity, 'error');
  assert.equal(d[0]!.range.line, 3, 'on --pipeline-model-parallel-size (16 does not divide 8)');
  const simulated = Object.values(r.schedules).filter((e) => e?.applicable);
  assert.deepEqual(simulated, []);
  assert.match(r.schedules['1f1b']?.reason ?? '', /data-parallel size \(world size 8 is not divisible/);
});

test('analyze(): with the GPU count only assumed, the same grid is a warning — and still not simulated', () => {
  const r = analyze(script('$GPUS', 8, 16), { fileName: 'train.sh' });
  const d = r.diagnostics.filter((x) => x.code === 'world-size-not-divisible');
  assert.equal(d.length, 1);
  assert.equal(d[0]!.severity, 'warning');
  assert.deepEqual(
    Object.values(r.schedules).filter((e) => e?.applicable),
    [],
  );
});
