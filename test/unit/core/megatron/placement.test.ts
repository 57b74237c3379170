// The resolver's layer placement fields (resolve/derived/placement.ts): which Megatron places the layers, the counts
// it states, and the smallest PP each Megatron runs the interleaved schedule with — each from the framework source
// cited at the test. The model-side use of these fields is tested in test/unit/core/model/placement.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';
import type { RunConfig } from '../../../../src/core/types';

const launch = (flags: string): string =>
  [
    '#!/bin/bash',
    'torchrun --nproc_per_node 8 pretrain_gpt.py \\',
    '  --num-layers 16 --hidden-size 1024 --num-attention-heads 16 --seq-length 2048 --max-position-embeddings 2048 \\',
    '  --micro-batch-size 1 --global-batch-size 32 --bf16 \\',
    `  ${flags}`,
    '',
  ].join('\n');
const config = (flags: string): RunConfig => readLaunchConfig(launch(flags), 'run.sh').config;
const errors = (flags: string): string[] =>
  readLaunchConfig(launch(flags), 'run.sh')
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => d.code);

test('interleaved PP floor: 2 in current Megatron-LM, 3 without p2p overlap, 3 in the Seq1F1B fork', () => {
  // megatron/training/arguments.py:1000-1009 (d98e8a64): overlap_p2p_comm (default True, store_false flag at :3118)
  // needs PP > 1, otherwise PP > 2.
  const vpp = '--pipeline-model-parallel-size 2 --num-layers-per-virtual-pipeline-stage 4';
  assert.equal(config(vpp).interleavedMinPipeline, 2);
  assert.deepEqual(errors(vpp), []);
  assert.equal(config(`${vpp} --no-overlap-p2p-communication`).interleavedMinPipeline, 3);
  assert.deepEqual(errors(`${vpp} --no-overlap-p2p-communication`), ['vpp-needs-more-stages']);
  // thunlp/Seq1F1B megatron/arguments.py:141-144: PP > 2 whenever a virtual pipeline is asked for, overlap or not
  // (its --pipe-sp-splits flag makes the file the Seq1F1B fork's).
  const seq = `${vpp} --pipe-sp-splits 2 --use-flash-attn`;
  assert.equal(config(seq).interleavedMinPipeline, 3);
  assert.deepEqual(errors(seq), ['vpp-needs-more-stages']);
});

test('the split method: Megatron-LM by default; a layout that combines with first/last counts gets no placement', () => {
  assert.equal(config('--pipeline-model-parallel-size 4').layerSplitMethod, 'megatron');
  assert.equal(config('--pipeline-model-parallel-size 4').layersPerStage, null);
  // megatron/core/transformer/transformer_config.py:2244-2258 (d98e8a64): a layout excludes the other ways of
  // splitting, so the file is refused and nothing is placed.
  const both = config(
    '--pipeline-model-parallel-size 2 --pipeline-model-parallel-layout "Et*8|t*8L" --decoder-first-pipeline-num-layers 8',
  );
  assert.equal(both.layerSplitMethod, 'layout');
  assert.equal(both.layersPerStage, null);
  // The same layout alone: stage 1 has 8 t, stage 2 has 8 t.
  assert.deepEqual(
    config('--pipeline-model-parallel-size 2 --pipeline-model-parallel-layout "Et*8|t*8L"').layersPerStage,
    [8, 8],
  );
});

test('MindSpeed drops --num-layer-list when --noop-layers is given: the even split with the no-ops', () => {
  // features_manager/pipeline_parallel/num_layer_list.py:35-38 (MindSpeed-LLM c77308a1) sets num_layer_list = None;
  // noop_layers.py:39-52 (MindSpeed 028de58c) keeps the listed indices.
  const c = config('--pipeline-model-parallel-size 4 --num-layer-list 3,5,5,3 --noop-layers 15,0,15');
  assert.equal(c.layerSplitMethod, 'megatron');
  assert.deepEqual(c.noopLayers, [0, 15]);
});
