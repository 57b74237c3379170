// The flag table's defaults are Megatron-LM's own. Expected values are argparse's defaults as dumped from the real
// parser of NVIDIA/Megatron-LM d98e8a64 (megatron/training/arguments.py, add_megatron_arguments(); the dump is
// ../shared/data/megatron-flags/megatron-lm-head.tsv, column "default"; None → null, 'x' → 'x').
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flagSpec } from '../../../../../src/core/megatron/flags/lookup';
import { FLAG_SPECS } from '../../../../../src/core/megatron/flags/table';
import { readLaunchConfig } from '../../../../../src/core/read/readLaunchConfig';

const ARGPARSE_DEFAULTS: [string, number | string | boolean | null][] = [
  ['--tensor-model-parallel-size', 1],
  ['--pipeline-model-parallel-size', 1],
  ['--context-parallel-size', 1],
  ['--expert-model-parallel-size', 1],
  ['--num-layers', null],
  ['--hidden-size', null],
  ['--num-attention-heads', null],
  ['--micro-batch-size', null],
  ['--seq-length', null],
  ['--max-position-embeddings', null],
  ['--make-vocab-size-divisible-by', 128],
  ['--num-query-groups', 1],
  ['--moe-router-topk', 2],
  ['--hidden-dropout', 0.1],
  ['--attention-dropout', 0.1],
  ['--normalization', 'LayerNorm'],
  ['--position-embedding-type', 'learned_absolute'],
  ['--transformer-impl', 'transformer_engine'],
  ['--swiglu', false],
  ['--group-query-attention', false],
  ['--use-distributed-optimizer', false],
  ['--sequence-parallel', false],
  ['--num-distributed-optimizer-instances', 1],
  ['--untie-embeddings-and-output-weights', false],
  ['--use-flash-attn', false],
  ['--train-iters', null],
  ['--num-experts', null],
  ['--recompute-num-layers', null],
  ['--fp8-format', null],
  ['--expert-tensor-parallel-size', null],
  // Issue 13 part A: the flags static memory reads (same dump, megatron-lm-head.tsv).
  ['--use-megatron-fsdp', false],
  ['--data-parallel-sharding-strategy', 'optim_grads_params'],
  ['--use-torch-fsdp2', false],
  ['--ddp-bucket-size', null],
  ['--overlap-grad-reduce', false],
  ['--overlap-param-gather', false],
  ['--fp8-recipe', 'delayed'],
  ['--fp8-param-gather', false],
  ['--first-last-layers-bf16', false],
  ['--num-layers-at-start-in-bf16', 1],
  ['--num-layers-at-end-in-bf16', 1],
  ['--fp4-format', null],
  ['--fp4-param-gather', false],
  ['--accumulate-allreduce-grads-in-fp32', false],
  ['--use-precision-aware-optimizer', false],
  ['--main-grads-dtype', 'fp32'],
  ['--main-params-dtype', 'fp32'],
  ['--exp-avg-dtype', 'fp32'],
  ['--exp-avg-sq-dtype', 'fp32'],
  ['--optimizer-cpu-offload', false],
  ['--optimizer-offload-fraction', 1.0],
  ['--optimizer', 'adam'],
  ['--multi-latent-attention', false],
  ['--q-lora-rank', null],
  ['--kv-lora-rank', 32],
  ['--qk-head-dim', 128],
  ['--qk-pos-emb-head-dim', 64],
  ['--v-head-dim', 128],
  ['--mtp-num-layers', null],
];

// Megatron-DeepSpeed's own defaults (microsoft/Megatron-DeepSpeed f4157bea megatron/arguments.py, line each).
const MEGATRON_DEEPSPEED_DEFAULTS: [string, number | string, number][] = [
  ['--topk', 1, 612],
  ['--expert-interval', 2, 614],
  ['--mlp-type', 'standard', 610],
  ['--moe-expert-parallel-size', 1, 1159],
];

test("DeepSpeed-MoE rows carry Megatron-DeepSpeed's defaults and belong to that dialect", () => {
  for (const [name, expected, line] of MEGATRON_DEEPSPEED_DEFAULTS) {
    const spec = flagSpec(name);
    assert.equal(spec?.default, expected, `${name} (arguments.py:${line})`);
    assert.equal(spec?.dialect, 'deepspeed', name);
  }
});

test("flag table defaults equal Megatron-LM's argparse defaults", () => {
  for (const [name, expected] of ARGPARSE_DEFAULTS) assert.equal(flagSpec(name)?.default, expected, name);
});

test('every flag that feeds a RunConfig field by itself says what it defaults to, in its own type', () => {
  for (const spec of FLAG_SPECS) {
    if (spec.type === 'nargs' || !spec.key) continue;
    assert.notEqual(spec.default, undefined, `${spec.name} sets ${spec.key} but has no default`);
    const d = spec.default;
    const want =
      spec.type === 'int' || spec.type === 'float'
        ? 'number'
        : spec.type === 'store_true' || spec.type === 'store_false'
          ? 'boolean'
          : 'string';
    assert.ok(d === null || typeof d === want, `${spec.name}: default ${String(d)} is not a ${want}`);
  }
});

test('an absent flag takes the table default and says so; a required one stays unknown with the reason', () => {
  const read = readLaunchConfig(
    'torchrun --nproc_per_node 8 pretrain_gpt.py --hidden-size 1024 --num-attention-heads 16 --micro-batch-size 1\n',
    'run.sh',
  );
  // Megatron-LM: --make-vocab-size-divisible-by 128, --hidden-dropout 0.1, --tensor-model-parallel-size 1.
  assert.equal(read.config.makeVocabSizeDivisibleBy, 128);
  assert.equal(read.config.hiddenDropout, 0.1);
  assert.equal(read.config.tensorParallel, 1);
  assert.deepEqual(read.sources.tensorParallel, {
    status: 'default',
    note: 'Megatron default for --tensor-model-parallel-size',
  });
  assert.equal(read.config.numLayers, null);
  assert.deepEqual(read.sources.numLayers, {
    status: 'unresolved',
    reason: '--num-layers is not given (Megatron requires it)',
  });
});
