// The script's arguments when the file states them: a `# schedule-inspector: args=…` directive (the user's call) or
// a usage example in the header that calls this very file (an assumption every value built on it names). Scripts
// written for this test; the shape is that of Pai-Megatron-Patch's examples, whose first lines show the call (e.g.
// alibaba/Pai-Megatron-Patch a098ca5a examples/baichuan2/run_pretrain_megatron_baichuan.sh:2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';

const BODY = [
  'TP=$1',
  'PP=$2',
  'GBS=${3}',
  'torchrun --nproc_per_node 8 pretrain_gpt.py --tensor-model-parallel-size $TP --pipeline-model-parallel-size $PP \\',
  '  --num-layers 24 --hidden-size 2048 --num-attention-heads 16 --seq-length 2048 --max-position-embeddings 2048 \\',
  '  --micro-batch-size 1 --global-batch-size $GBS --vocab-size 32000 --bf16',
];

test('a usage example that calls this file gives the positional arguments, as an assumption', () => {
  const text = ['#!/bin/bash', '# sh run_train.sh 2 2 64', ...BODY, ''].join('\n');
  const read = readLaunchConfig(text, 'examples/llama/run_train.sh');
  assert.equal(read.config.tensorParallel, 2);
  assert.equal(read.config.pipelineParallel, 2);
  // 8 GPUs / (2·2) = DP 2; 64 / (1·2) = 32 microbatches.
  assert.equal(read.config.numMicrobatches, 32);
  assert.deepEqual(read.sources.tensorParallel?.assumptions, ['the script is run as in the usage example on line 2']);
});

test('a usage example under which Megatron refuses the run does not fit: the arguments stay unknown, and it says so', () => {
  // TP 4 × PP 4 = 16 does not divide 8 GPUs (Megatron-LM d98e8a64 megatron/training/arguments.py:432-433): an
  // example that drifted from its script is not how the script is run.
  const text = ['# bash ./run_train.sh 4 4 64', ...BODY, ''].join('\n');
  const read = readLaunchConfig(text, 'run_train.sh');
  assert.equal(read.config.tensorParallel, null);
  assert.equal(
    read.diagnostics.find((x) => x.code === 'world-size-not-divisible'),
    undefined,
  );
  const note = read.diagnostics.find((x) => x.message.startsWith('The usage example on line 1 does not fit'));
  assert.equal(note?.severity, 'information');
  assert.equal(note.range.line, 0);
});

test('the directive states the call: its values are not assumptions', () => {
  const text = ['# schedule-inspector: args=4 4 64', ...BODY, ''].join('\n');
  const read = readLaunchConfig(text, 'run_train.sh');
  assert.equal(read.config.tensorParallel, 4);
  assert.equal(read.sources.tensorParallel?.assumptions, undefined);
  assert.equal(read.diagnostics.find((x) => x.code === 'world-size-not-divisible')?.severity, 'error');
});

test('an example of another script, or one with too few arguments, is not taken', () => {
  const other = readLaunchConfig(['# sh run_other.sh 2 2 64', ...BODY, ''].join('\n'), 'run_train.sh');
  assert.equal(other.config.tensorParallel, null);
  // The script reads $3; an example with two arguments would leave it empty, so it is not this call.
  const short = readLaunchConfig(['# sh run_train.sh 2 2', ...BODY, ''].join('\n'), 'run_train.sh');
  assert.equal(short.config.tensorParallel, null);
});
