// Activations of the layers 2025–26 recipes use (issue 13): multi-latent attention, multi-token prediction and
// activation CPU offload, each against a count written out here from Megatron-Core's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildUnitTables, layerActivationBytes } from '../../../../src/core/memory/activations';
import { layerLayout } from '../../../../src/core/model/layout';
import type { ModelShape } from '../../../../src/core/model/shape';
import type { RunConfig } from '../../../../src/core/types';
import { blankConfig, resolvedShape } from '../../../support/memoryFixtures';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';

const shapeOf = (fields: Partial<RunConfig>): ModelShape => resolvedShape(blankConfig(fields));
const close = (actual: number, expected: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
};

// DeepSeek-V3's attention (its config: h 7168, 128 heads, q_lora_rank 1536, kv_lora_rank 512, qk_nope 128, rope 64,
// v 128) at TP 8 with SP, flash attention, no dropout, a dense SwiGLU MLP of 18432.
const h = 7168;
const t = 8;
const dsv3: Partial<RunConfig> = {
  numLayers: 4,
  hiddenSize: h,
  numAttentionHeads: 128,
  seqLength: 4096,
  microBatchSize: 1,
  paddedVocabSize: 129280,
  tensorParallel: t,
  sequenceParallel: true,
  swiglu: true,
  ffnHiddenSize: 18432,
  hiddenDropout: 0,
  attentionDropout: 0,
  normalization: 'RMSNorm',
  multiLatentAttention: true,
  qLoraRank: 1536,
  kvLoraRank: 512,
  qkHeadDim: 128,
  qkPosEmbHeadDim: 64,
  vHeadDim: 128,
};

test('MLA: latents twice, its own query/key of 192 and value of 128 per local head, output of 128 (multi_latent_attention.py)', () => {
  const x = 1000; // tokens
  const shape = shapeOf(dsv3);
  const nLocal = 128 / t;
  // Per token, bf16 unless said: two norm inputs 2·2h/t, down-projection input (attention norm output) 2h/t,
  // q latent 2·2·1536/t and kv latent 2·2·512/t (norm input + up-projection input, sequence-sharded),
  // query 2·16·192 + key 2·16·192 + value 2·16·128 (core attention's inputs), output 2·16·128, fp32 lse 4·16;
  // MLP: input 2h/t, fc1 out 2·2·18432/t, fc2 in 2·18432/t.
  const attention = (2 * 2 * 1536 + 2 * 2 * 512) / t + 2 * nLocal * (192 + 192 + 128) + 2 * nLocal * 128 + 4 * nLocal;
  const rest = (4 * h + 2 * h + 2 * h) / t + (2 * 2 * 18432 + 2 * 18432) / t;
  close(layerActivationBytes(shape, false, x, x, { selective: false }), x * (attention + rest), 'MLA layer');
  // --recompute-modules mla_up_proj: query, key and value are rebuilt from the latents in backward (:983-987, :455-458).
  const upProj = { ...shape, recomputeModules: ['mla_up_proj'] };
  close(
    layerActivationBytes(upProj, false, x, x, { selective: true }),
    x * (attention - 2 * nLocal * (192 + 192 + 128) + rest),
    'mla_up_proj recomputed',
  );
  // Without a q LoRA the query comes straight from the norm output: no q latent.
  const noQLora = shapeOf({ ...dsv3, qLoraRank: null });
  close(
    layerActivationBytes(shape, false, x, x, { selective: false }) -
      layerActivationBytes(noQLora, false, x, x, { selective: false }),
    (x * (2 * 2 * 1536)) / t,
    'q latent',
  );
});

test('MTP: each depth adds a decoder layer, its norms and eh_proj input, and a second set of logits (multi_token_prediction.py)', () => {
  const base: Partial<RunConfig> = { ...dsv3, multiLatentAttention: false, pipelineParallel: 2, numLayers: 4 };
  const x = 4096;
  const without = shapeOf(base);
  const with2 = shapeOf({ ...base, mtpNumLayers: 2 });
  const stages = layerLayout(without, 1);
  const a = buildUnitTables(without, stages, [x]);
  const b = buildUnitTables(with2, stages, [x]);
  const last = 1;
  // Loss head per unit: fp32 softmax 4·x·V/t, final-norm and output-layer inputs 2·2·h·x/t, labels + mask 12·x.
  const lossHead = (4 * x * 129280) / t + (2 * 2 * h * x) / t + 12 * x;
  close(a.logits[last][0], lossHead, 'no MTP');
  close(b.logits[last][0], 3 * lossHead, 'two MTP depths');
  // Activations: + 2 × (one dense layer + enorm/hnorm inputs 2·2h + eh_proj input 4h, sequence-sharded).
  const layer = layerActivationBytes(without, false, x, x, { selective: false });
  close(b.activations[last][0] - a.activations[last][0], 2 * (layer + (8 * h * x) / t), 'MTP layers');
  // The first stage does not change.
  close(b.activations[0][0], a.activations[0][0], 'stage 0');
  close(b.logits[0][0], 0, 'stage 0 logits');
});

test('--cpu-offloading-num-layers n keeps (L − n) layers of activations (TE get_cpu_offload_context), at most L − 1 offloaded', () => {
  const base: Partial<RunConfig> = { ...dsv3, multiLatentAttention: false, numLayers: 6 };
  const x = 4096;
  const layer = layerActivationBytes(shapeOf(base), false, x, x, { selective: false });
  const stored = (fields: Partial<RunConfig>): number => {
    const shape = shapeOf({ ...base, ...fields });
    return buildUnitTables(shape, layerLayout(shape, 1), [x]).activations[0][0];
  };
  const all = stored({});
  close(stored({ cpuOffloading: true, cpuOffloadingNumLayers: 4 }), all - 4 * layer, '4 of 6 offloaded');
  // Megatron-LM arguments.py:1950-1951: a count > 0 turns offloading on by itself.
  close(stored({ cpuOffloadingNumLayers: 2 }), all - 2 * layer, 'count alone');
  // TE asserts num_layers ≤ model_layers − 1.
  close(stored({ cpuOffloading: true, cpuOffloadingNumLayers: 9 }), all - 5 * layer, 'capped at L − 1');
  close(stored({ cpuOffloading: true, cpuOffloadingNumLayers: 0 }), all, 'none');
});

test('MoE capacity factor: k·min(1, c) copies when dropping, min(k·c, E) padded to capacity (moe_utils.py:263, :1051-1055)', () => {
  const moeFields: Partial<RunConfig> = {
    ...dsv3,
    multiLatentAttention: false,
    tensorParallel: 1,
    sequenceParallel: false,
    numExperts: 8,
    moeRouterTopk: 2,
    moeFfnHiddenSize: 1024,
  };
  const x = 1000;
  const moeBytes = (fields: Partial<RunConfig>): number =>
    layerActivationBytes(shapeOf({ ...moeFields, ...fields }), true, x, x, { selective: false });
  // Per copy per token: fc1 input 2h, SwiGLU fc1 output 2·2·1024, activation output 2·1024.
  const perCopy = 2 * h + 2 * 2 * 1024 + 2 * 1024;
  const dropless = moeBytes({});
  close(moeBytes({ moeExpertCapacityFactor: 1.5 }), dropless, 'c ≥ 1 without padding drops nothing when balanced');
  close(moeBytes({ moeExpertCapacityFactor: 0.5 }), dropless - x * perCopy * (2 - 1), 'c = 0.5: one copy of two');
  close(
    moeBytes({ moeExpertCapacityFactor: 1.5, moePadExpertInputToCapacity: true }),
    dropless + x * perCopy * (3 - 2),
    'padded to capacity: k·c = 3 copies',
  );
  close(
    moeBytes({ moeExpertCapacityFactor: 8, moePadExpertInputToCapacity: true }),
    dropless + x * perCopy * (8 - 2),
    'capacity capped at every token: E = 8 copies',
  );
});

test('FP8: linear layers keep their inputs quantized (1 byte), the output projection a copy beside attention’s bf16 output', () => {
  // TE 2.x linear.py keeps the quantized input (column-wise usage) for the weight gradient under every FP8 recipe.
  const base: Partial<RunConfig> = { ...dsv3, multiLatentAttention: false };
  const x = 1000;
  const bf16 = layerActivationBytes(shapeOf(base), false, x, x, { selective: false });
  const fp8 = layerActivationBytes(shapeOf({ ...base, fp8Format: 'hybrid' }), false, x, x, { selective: false });
  // Per token: QKV input h/t and MLP input h/t saved at 1 byte instead of 2 (SP), fc2 input 18432/t likewise; the
  // output projection adds an FP8 copy of attention's output, 1 byte × 128 heads × 56 / 8.
  const saved = h / t + h / t + 18432 / t;
  const copy = (128 * (h / 128)) / t;
  close(bf16 - fp8, x * (saved - copy), 'FP8 minus bf16');
});

test('the data loader’s b×s×s causal mask: on the first and last stage during a forward, unless turned off (gpt_dataset.py:833-836)', () => {
  const launch = (extra: string, entry = 'pretrain_gpt.py'): string =>
    `torchrun --nproc_per_node 8 ${entry} --num-layers 8 --hidden-size 1024 --num-attention-heads 16 --seq-length 32768 --max-position-embeddings 32768 --micro-batch-size 2 --global-batch-size 64 --pipeline-model-parallel-size 4 --vocab-size 32000 --bf16 ${extra}\n`;
  const on = readLaunchConfig(launch(''));
  assert.equal(on.config.dataloaderAttentionMask, true);
  assert.equal(
    readLaunchConfig(launch('--no-create-attention-mask-in-dataloader')).config.dataloaderAttentionMask,
    false,
  );
  // Megatron-DeepSpeed's own get_batch is another code path: not claimed.
  assert.equal(readLaunchConfig(launch('--deepspeed')).config.dataloaderAttentionMask, null);
  const shape = resolvedShape(on.config);
  const tables = buildUnitTables(shape, layerLayout(shape, 1), [32768]);
  const mask = 2 * 32768 * 32768; // b·s² bools = 2 GiB
  const off = resolvedShape({ ...on.config, dataloaderAttentionMask: false });
  const plain = buildUnitTables(off, layerLayout(off, 1), [32768]);
  close(tables.forwardTransient[0][0] - plain.forwardTransient[0][0], mask, 'first stage');
  close(tables.forwardTransient[3][0] - plain.forwardTransient[3][0], mask, 'last stage');
  close(tables.forwardTransient[1][0], plain.forwardTransient[1][0], 'middle stage');
});

test('NeMo YAML: fp8_hybrid only picks the format once fp8 is on (megatron_gpt_model.py:2240-2247), so no FP8 activations without it', () => {
  const yaml = (fp8: boolean): string =>
    [
      'name: megatron_gpt',
      'trainer:',
      '  devices: 8',
      '  num_nodes: 1',
      '  precision: bf16',
      'model:',
      '  micro_batch_size: 1',
      '  global_batch_size: 64',
      '  tensor_model_parallel_size: 2',
      '  encoder_seq_length: 2048',
      '  max_position_embeddings: 2048',
      '  num_layers: 24',
      '  hidden_size: 2048',
      '  num_attention_heads: 16',
      `  fp8: ${fp8 ? 'True' : 'False'}`,
      '  fp8_hybrid: True',
      '',
    ].join('\n');
  assert.equal(readLaunchConfig(yaml(false), 'conf/gpt.yaml').config.fp8Format, null);
  assert.equal(readLaunchConfig(yaml(true), 'conf/gpt.yaml').config.fp8Format, 'hybrid');
});
