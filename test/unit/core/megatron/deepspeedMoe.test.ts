// DeepSpeed-MoE as Megatron-DeepSpeed reads it (microsoft/Megatron-DeepSpeed f4157bea): --num-experts is a list
// (megatron/arguments.py:608, nargs='+', default [1]), --expert-interval (default 2, :614) picks every N-th layer
// 1-based (megatron/model/transformer.py:1650-1662), --topk (default 1, :612), --moe-expert-parallel-size (default 1,
// :1159), --mlp-type residual (:610; deepspeed/moe/layer.py keeps the dense MLP and a Linear(h, 2) coefficient).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deepSpeedExpertsPerLayer } from '../../../../src/core/megatron/resolve/derived/deepspeedMoe';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';
import { resolveModelShape, type ModelShape } from '../../../../src/core/model/shape';
import { staticMemoryPerRank } from '../../../../src/core/memory/static';
import { countModelParams } from '../../../../src/core/model/params';

/** A Megatron-DeepSpeed GPT-MoE launch written for these tests (fp16, no ZeRO flag, 64 GPUs on 8 nodes). */
function launch(extra: string): string {
  return [
    'deepspeed --num_nodes 8 --num_gpus 8 pretrain_gpt.py \\',
    '  --num-layers 24 --hidden-size 2048 --num-attention-heads 16 --seq-length 2048 \\',
    '  --max-position-embeddings 2048 --micro-batch-size 8 --global-batch-size 512 \\',
    '  --tensor-model-parallel-size 1 --vocab-size 50257 --fp16 --checkpoint-activations \\',
    `  --deepspeed --deepspeed_config ds.json ${extra}`,
    '',
  ].join('\n');
}

function shapeOf(extra: string): ModelShape {
  const read = readLaunchConfig(launch(extra), 'ds_pretrain_gpt_moe.sh');
  const r = resolveModelShape(read.config);
  if (!r.ok) throw new Error(r.missing.join(', '));
  return r.shape;
}

test('experts per layer: one count for every second layer (1-based), or one count per MoE layer', () => {
  // transformer.py:1658: layer_num = i + 1 is MoE when layer_num % interval == 0.
  assert.deepEqual(deepSpeedExpertsPerLayer([8], 6, 2), { perLayer: [1, 8, 1, 8, 1, 8] });
  assert.deepEqual(deepSpeedExpertsPerLayer([4, 8], 4, 2), { perLayer: [1, 4, 1, 8] });
  assert.deepEqual(deepSpeedExpertsPerLayer([8], 4, 1), { perLayer: [8, 8, 8, 8] });
  // :1651 asserts one count or num_layers // interval counts.
  assert.ok('problem' in deepSpeedExpertsPerLayer([4, 8, 8], 4, 2));
});

test('128 experts over 64-way expert parallelism: 12 MoE layers, top-1, 2 experts per GPU, expert TP 1', () => {
  const read = readLaunchConfig(launch('--num-experts 128 --moe-expert-parallel-size 64'), 'moe.sh');
  assert.equal(read.config.numExperts, 128);
  assert.equal(read.config.expertParallel, 64);
  assert.equal(read.config.moeRouterTopk, 1); // --topk default 1
  assert.equal(read.config.expertTensorParallel, 1); // no --enable-expert-tensor-parallelism
  assert.equal(read.config.moeLayerPattern?.filter((x) => x === 1).length, 12);
  assert.equal(read.config.moeLayerPattern?.[0], 0);
  assert.equal(read.config.moeLayerPattern?.[1], 1);
});

test('per-GPU static memory of 128 experts over EP 64 (fp16, no ZeRO), derived by hand', () => {
  const shape = shapeOf('--num-experts 128 --moe-expert-parallel-size 64');
  const h = 2048;
  const f = 4 * h; // Megatron-DeepSpeed: ffn-hidden-size defaults to 4h
  const V = 50304; // GPT-2's 50257 padded to a multiple of 128
  const attention = 4 * h * h + 4 * h; // QKV + O with biases
  const norms = 2 * 2 * h; // two LayerNorms (weight + bias)
  const mlp = 2 * h * f + f + h; // h → f → h with biases
  const dense = 12 * (attention + norms + mlp) + 12 * (attention + norms + h * 128); // + router of each MoE layer
  const experts = 12 * 2 * mlp; // 128 / 64 = 2 experts of each of the 12 MoE layers on this GPU
  const embeddings = V * h + 2048 * h + 2 * h; // word + learned positions + final LayerNorm (tied, one stage)
  const [stage] = staticMemoryPerRank(shape, 1);
  assert.ok(stage);
  assert.equal(stage.denseParams, dense + embeddings);
  assert.equal(stage.expertParams, experts);
  // fp16 mixed precision without ZeRO: 2 (weight) + 2 (grad) + 16 (fp32 master, fp32 grad, two moments) bytes.
  const bytes = stage.weightsBytes + stage.gradsBytes + stage.optimizerBytes;
  assert.equal(bytes, 20 * (dense + embeddings + experts));
  // About 34 GB: it fits an 80 GB GPU (the whole 128-expert model would need ~1.1 TB per GPU).
  assert.ok(bytes / 1e9 > 33 && bytes / 1e9 < 35, `${bytes / 1e9} GB`);
});

test('PR-MoE: a count per MoE layer and a residual dense MLP beside the experts', () => {
  const counts = '64 64 64 64 64 64 64 64 64 64 128 128';
  const shape = shapeOf(`--num-experts ${counts} --moe-expert-parallel-size 64 --mlp-type residual --topk 2`);
  assert.equal(shape.topk, 2);
  assert.ok(shape.residualMoe);
  assert.deepEqual(
    shape.expertsPerLayer.filter((n) => n > 0),
    counts.split(' ').map(Number),
  );
  const h = 2048;
  const mlp = 2 * h * 4 * h + 4 * h + h;
  const [stage] = staticMemoryPerRank(shape, 1);
  assert.ok(stage);
  // 10 layers of 64 experts (1 per GPU) and 2 of 128 (2 per GPU).
  assert.equal(stage.expertParams, 10 * mlp + 2 * 2 * mlp);
  // The whole model: residual MLP + Linear(h, 2) coefficient (2h weights + 2 biases) on each of the 12 MoE layers.
  const withoutResidual = countModelParams(
    shapeOf(`--num-experts ${counts} --moe-expert-parallel-size 64 --topk 2`),
  ).total;
  assert.equal(countModelParams(shape).total - withoutResidual, 12 * (mlp + 2 * h + 2));
});

test('--num-experts 1 (the default) is a dense model; Megatron-Core MoE flags keep their meaning elsewhere', () => {
  assert.equal(shapeOf('--num-experts 1').numExperts, 0);
  const mcore = readLaunchConfig(
    'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 4 --hidden-size 512 --num-attention-heads 8 ' +
      '--seq-length 1024 --max-position-embeddings 1024 --micro-batch-size 1 --num-experts 8 ' +
      '--expert-model-parallel-size 4\n',
    'run.sh',
  );
  // Megatron-LM: every layer MoE (--moe-layer-freq 1), top-2 (arguments.py defaults).
  assert.deepEqual(mcore.config.moeLayerPattern, [1, 1, 1, 1]);
  assert.equal(mcore.config.moeRouterTopk, 2);
  assert.equal(mcore.config.moeExpertsPerLayer, null);
});
