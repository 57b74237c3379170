// Multi-latent attention and multi-token prediction parameters (Megatron-Core multi_latent_attention.py and
// multi_token_prediction.py at d98e8a64), checked against DeepSeek-V3's published counts and hand derivations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countModelParams } from '../../../../src/core/model/params';
import { staticMemoryPerRank } from '../../../../src/core/memory/static';
import type { ModelShape } from '../../../../src/core/model/shape';
import type { RunConfig } from '../../../../src/core/types';
import { blankConfig, resolvedShape } from '../../../support/memoryFixtures';

function shapeOf(fields: Partial<RunConfig>): ModelShape {
  return resolvedShape(blankConfig({ seqLength: 4096, precision: 'bf16', dataParallel: 1, ...fields }));
}

// DeepSeek-V3's architecture (its config.json on Hugging Face): 61 layers, the first 3 dense, h 7168, 128 heads,
// q_lora_rank 1536, kv_lora_rank 512, qk_nope_head_dim 128, qk_rope_head_dim 64, v_head_dim 128, dense FFN 18432,
// 256 routed experts of 2048 + one shared expert of 2048, top-8, vocabulary 129280, untied, RMSNorm, 1 MTP layer.
const L = 61;
const DEEPSEEK_V3: Partial<RunConfig> = {
  numLayers: L,
  hiddenSize: 7168,
  numAttentionHeads: 128,
  ffnHiddenSize: 18432,
  swiglu: true,
  paddedVocabSize: 129280,
  normalization: 'RMSNorm',
  positionEmbeddingType: 'rope',
  untieEmbeddingsAndOutputWeights: true,
  addBiasLinear: false,
  numExperts: 256,
  moeRouterTopk: 8,
  moeFfnHiddenSize: 2048,
  moeSharedExpertIntermediateSize: 2048,
  moeLayerPattern: Array.from({ length: L }, (_, i) => (i < 3 ? 0 : 1)),
  multiLatentAttention: true,
  qLoraRank: 1536,
  kvLoraRank: 512,
  qkHeadDim: 128,
  qkPosEmbHeadDim: 64,
  vHeadDim: 128,
};

test('DeepSeek-V3: 671 B parameters, 37 B active per token (technical report, arXiv 2412.19437), within 1.5 %', () => {
  const { total, active } = countModelParams(shapeOf(DEEPSEEK_V3));
  assert.ok(Math.abs(total / 671e9 - 1) < 0.005, `total ${total}`);
  assert.ok(Math.abs(active / 37e9 - 1) < 0.015, `active ${active}`);
});

test('DeepSeek-V3 with its MTP layer: 685 B in the Hugging Face checkpoint (which stores embedding and head again)', () => {
  const { total } = countModelParams(shapeOf({ ...DEEPSEEK_V3, mtpNumLayers: 1 }));
  // The checkpoint's MTP module repeats the embedding and the output head (2·V·h); Megatron shares them.
  const checkpoint = total + 2 * 129280 * 7168;
  assert.ok(Math.abs(checkpoint / 685e9 - 1) < 0.005, `${checkpoint}`);
});

test('one MLA layer on a TP-2 GPU: down projections whole, up projections and output split', () => {
  const h = 256;
  const a = 4;
  const shape = shapeOf({
    numLayers: 1,
    hiddenSize: h,
    numAttentionHeads: a,
    ffnHiddenSize: 512,
    paddedVocabSize: 1024,
    normalization: 'RMSNorm',
    positionEmbeddingType: 'rope',
    addBiasLinear: false,
    tensorParallel: 2,
    multiLatentAttention: true,
    qLoraRank: 64,
    kvLoraRank: 32,
    qkHeadDim: 32,
    qkPosEmbHeadDim: 16,
    vHeadDim: 24,
  });
  // Replicated (TELinear "duplicated", :527 and :574; norms): h·q_lora + q_lora (q norm) + h·(kv_lora + rope) +
  // kv_lora (kv norm). Split over t = 2: q_up q_lora·a·(qk + rope), kv_up kv_lora·a·(qk + v), output a·v·h.
  const replicated = h * 64 + 64 + h * (32 + 16) + 32;
  const split = (64 * a * (32 + 16) + 32 * a * (32 + 24) + a * 24 * h) / 2;
  const mlp = (2 * h * 512) / 2;
  const norms = 2 * h + h; // two layer norms + final norm
  const embeddings = (1024 * h) / 2; // tied, one stage
  const [s] = staticMemoryPerRank(shape, 1);
  assert.equal(s?.denseParams, replicated + split + mlp + norms + embeddings);
});

test('MTP on the last of two stages: its layers, eh_proj, three norms, and an embedding of its own', () => {
  const h = 64;
  const V = 1024;
  const base: Partial<RunConfig> = {
    numLayers: 4,
    hiddenSize: h,
    numAttentionHeads: 4,
    ffnHiddenSize: 256,
    paddedVocabSize: V,
    normalization: 'RMSNorm',
    positionEmbeddingType: 'rope',
    addBiasLinear: false,
    pipelineParallel: 2,
    untieEmbeddingsAndOutputWeights: true,
  };
  const layer = 4 * h * h + 2 * h * 256 + 2 * h;
  const without = staticMemoryPerRank(shapeOf(base), 1);
  const withMtp = staticMemoryPerRank(shapeOf({ ...base, mtpNumLayers: 2 }), 1);
  // The first stage is unchanged.
  assert.equal(withMtp[0]?.denseParams, without[0]?.denseParams);
  // Last stage: per MTP layer a decoder layer, eh_proj 2h·h (multi_token_prediction.py:1174-1183), enorm, hnorm and
  // final norm (:1157-1167, :1247); plus the embedding Megatron builds there for MTP (gpt_model.py:173).
  const mtp = 2 * (layer + 2 * h * h + 3 * h) + V * h;
  assert.equal((withMtp[1]?.denseParams ?? 0) - (without[1]?.denseParams ?? 0), mtp);
  // Tied: the output layer uses that embedding, so the last stage's copy is not added again.
  const tiedWithout = staticMemoryPerRank(shapeOf({ ...base, untieEmbeddingsAndOutputWeights: false }), 1);
  const tiedWith = staticMemoryPerRank(
    shapeOf({ ...base, untieEmbeddingsAndOutputWeights: false, mtpNumLayers: 2 }),
    1,
  );
  assert.equal((tiedWith[1]?.denseParams ?? 0) - (tiedWithout[1]?.denseParams ?? 0), mtp - V * h);
});
