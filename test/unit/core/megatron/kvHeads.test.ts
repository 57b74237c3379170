// The K/V head count under each fork's spelling (resolve/derived/shape.ts resolveQueryGroups), each from its source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';

const launch = (flags: string): string =>
  [
    'torchrun --nproc_per_node 8 pretrain_gpt.py \\',
    '  --num-layers 60 --hidden-size 8192 --num-attention-heads 128 --seq-length 2048 --max-position-embeddings 2048 \\',
    `  --micro-batch-size 1 --global-batch-size 64 --bf16 --vocab-size 65024 ${flags}`,
    '',
  ].join('\n');
const kv = (flags: string) => {
  const c = readLaunchConfig(launch(flags), 'run.sh').config;
  return { gqa: c.groupQueryAttention, groups: c.numQueryGroups };
};

test('Megatron-LM: --num-query-groups counts only with --group-query-attention', () => {
  // Megatron-LM d98e8a64 megatron/training/argument_utils.py:330-333 passes num_query_groups only with
  // --group-query-attention (else None); transformer_config.py:1458-1459 then sets it to the head count.
  assert.deepEqual(kv('--group-query-attention --num-query-groups 8'), { gqa: true, groups: 8 });
  assert.deepEqual(kv(''), { gqa: false, groups: 128 });
});

test('Megatron-DeepSpeed --num-key-value-heads: GQA when it differs from the head count', () => {
  // microsoft/Megatron-DeepSpeed megatron/arguments.py:444-450 (default = heads; GQA when different).
  assert.deepEqual(kv('--num-key-value-heads 8'), { gqa: true, groups: 8 });
  assert.deepEqual(kv('--num-key-value-heads 128'), { gqa: false, groups: 128 });
});

test('Pai-Megatron-Patch --n-head-kv (Falcon-40B): 8 K/V heads for 128 query heads', () => {
  // alibaba/Pai-Megatron-Patch megatron_patch/arguments.py:108 defines it; model/falcon40b/transformer.py:418 sizes
  // the QKV projection (n_head_kv·2 + heads)·head_dim — the Falcon-40B grouping of K/V heads.
  assert.deepEqual(kv('--n-head-kv 8'), { gqa: true, groups: 8 });
});
