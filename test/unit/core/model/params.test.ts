import { test } from 'node:test';
import assert from 'node:assert/strict';
import { staticMemoryPerRank } from '../../../../src/core/memory/static';
import { layerLayout } from '../../../../src/core/model/layout';
import { countModelParams } from '../../../../src/core/model/params';
import type { ModelShape } from '../../../../src/core/model/shape';
import type { RunConfig } from '../../../../src/core/types';
import { blankConfig, resolvedShape } from '../../../support/memoryFixtures';

function shapeOf(fields: Partial<RunConfig>): ModelShape {
  return resolvedShape(blankConfig({ seqLength: 4096, ...fields }));
}

const within = (actual: number, expected: number, fraction: number, what: string): void => {
  assert.ok(
    Math.abs(actual - expected) / expected <= fraction,
    `${what}: ${actual} vs ${expected} (${((actual / expected - 1) * 100).toFixed(3)} %)`,
  );
};

// Architectures from the model cards / papers; totals are the published parameter counts.
const llama2_7b: Partial<RunConfig> = {
  numLayers: 32,
  hiddenSize: 4096,
  numAttentionHeads: 32,
  ffnHiddenSize: 11008,
  swiglu: true,
  paddedVocabSize: 32000,
  normalization: 'RMSNorm',
  positionEmbeddingType: 'rope',
  untieEmbeddingsAndOutputWeights: true,
  addBiasLinear: false,
};

test('Llama-2 7B: 6,738,415,616 parameters (HF checkpoint)', () => {
  within(countModelParams(shapeOf(llama2_7b)).total, 6_738_415_616, 0.005, 'llama-2-7b');
});

test('Llama-2 70B (GQA, g = 8): 68,976,648,192 parameters (HF checkpoint, "70B")', () => {
  const shape = shapeOf({
    ...llama2_7b,
    numLayers: 80,
    hiddenSize: 8192,
    numAttentionHeads: 64,
    groupQueryAttention: true,
    numQueryGroups: 8,
    ffnHiddenSize: 28672,
  });
  within(countModelParams(shape).total, 68_976_648_192, 0.005, 'llama-2-70b');
});

test('Llama-3 8B (GQA, 128256 vocab): 8.03 B parameters', () => {
  const shape = shapeOf({
    ...llama2_7b,
    groupQueryAttention: true,
    numQueryGroups: 8,
    ffnHiddenSize: 14336,
    paddedVocabSize: 128256,
  });
  within(countModelParams(shape).total, 8_030_261_248, 0.005, 'llama-3-8b');
});

test('Mixtral 8x7B (8 experts, top-2): 46.7 B total, 12.9 B active', () => {
  const shape = shapeOf({
    ...llama2_7b,
    groupQueryAttention: true,
    numQueryGroups: 8,
    ffnHiddenSize: 14336,
    numExperts: 8,
    moeRouterTopk: 2,
  });
  const counts = countModelParams(shape);
  within(counts.total, 46_702_792_704, 0.005, 'mixtral total');
  within(counts.active, 12.9e9, 0.005, 'mixtral active');
});

test('GPT-3 175B (learned positions, biases, LayerNorm, tied): 175.0 B parameters', () => {
  const shape = shapeOf({
    numLayers: 96,
    hiddenSize: 12288,
    numAttentionHeads: 96,
    paddedVocabSize: 50257,
    seqLength: 2048,
    maxPositionEmbeddings: 2048,
    normalization: 'LayerNorm',
    positionEmbeddingType: 'learned_absolute',
    addBiasLinear: true,
    untieEmbeddingsAndOutputWeights: false,
  });
  within(countModelParams(shape).total, 175.0e9, 0.005, 'gpt-3');
});

test('per-rank parameters add up to the model (tied embedding counted twice when p > 1)', () => {
  const base = {
    numLayers: 24,
    hiddenSize: 2048,
    numAttentionHeads: 16,
    paddedVocabSize: 51200,
    tensorParallel: 1,
    pipelineParallel: 4,
    precision: 'bf16' as const,
  };
  for (const tied of [true, false]) {
    const shape = shapeOf({ ...base, untieEmbeddingsAndOutputWeights: !tied, positionEmbeddingType: 'rope' });
    const perRank = staticMemoryPerRank(shape, 1).reduce((a, s) => a + s.denseParams, 0);
    const total = countModelParams(shape).total + (tied ? 51200 * 2048 : 0);
    assert.equal(perRank, total);
  }
});

test('distributed optimizer shards over dp·cp / instances, experts over expert-dp', () => {
  const base: Partial<RunConfig> = {
    numLayers: 4,
    hiddenSize: 1024,
    numAttentionHeads: 8,
    paddedVocabSize: 32768,
    positionEmbeddingType: 'rope',
    addBiasLinear: false,
    normalization: 'RMSNorm',
    precision: 'bf16',
    distributedOptimizer: true,
    tensorParallel: 2,
    pipelineParallel: 1,
    contextParallel: 2,
    dataParallel: 4,
    worldSize: 16,
    numDistributedOptimizerInstances: 2,
  };
  const s = staticMemoryPerRank(shapeOf(base), 1)[0];
  // d = 4·2 / 2 = 4: optimizer 12/4 bytes per local parameter.
  assert.equal(s.optimizerBytes, s.denseParams * 3);
  const moe = staticMemoryPerRank(
    shapeOf({ ...base, numExperts: 8, expertParallel: 4, expertTensorParallel: 1, moeRouterTopk: 2 }),
    1,
  )[0];
  // expert-dp = world / (etp·ep·pp) = 16 / 4 = 4, over 2 instances → shard 2.
  assert.equal(moe.optimizerBytes, moe.denseParams * 3 + moe.expertParams * 6);
  // Routed experts are divided by etp·ep = 4: 8 experts · 3·1024·4096 (ffn default 4h) · 4 layers / 4.
  assert.equal(moe.expertParams, (8 * 2 * 1024 * 4096 * 4) / 4);
});

test('layer layout: even, uneven first/last, account-for flags, VPP chunks', () => {
  const base = { numLayers: 16, hiddenSize: 512, numAttentionHeads: 8, paddedVocabSize: 1024, pipelineParallel: 4 };
  const counts = (fields: Partial<RunConfig>, v = 1): number[] =>
    layerLayout(shapeOf({ ...base, ...fields }), v).map((s) => s.numLayers);
  assert.deepEqual(counts({}), [4, 4, 4, 4]);
  assert.deepEqual(counts({ decoderFirstPipelineNumLayers: 2, decoderLastPipelineNumLayers: 6 }), [2, 4, 4, 6]);
  assert.deepEqual(
    counts({ numLayers: 14, accountForEmbeddingInPipelineSplit: true, accountForLossInPipelineSplit: true }),
    [3, 4, 4, 3],
  );
  // v = 2: vs = chunk·p + rank; each rank's 4 layers split 2 + 2.
  assert.deepEqual(counts({}, 2), [2, 2, 2, 2, 2, 2, 2, 2]);
  const layout = layerLayout(shapeOf(base), 2);
  assert.equal(layout[4].rank, 0);
  assert.equal(layout[4].modelChunk, 1);
  assert.equal(layout[4].firstLayer, 8);
});

test('uneven PP: the heavier last stage holds more parameters than an even split would say', () => {
  const shape = shapeOf({
    numLayers: 8,
    hiddenSize: 1024,
    numAttentionHeads: 8,
    paddedVocabSize: 32000,
    pipelineParallel: 4,
    decoderFirstPipelineNumLayers: 1,
    decoderLastPipelineNumLayers: 3,
    positionEmbeddingType: 'rope',
    untieEmbeddingsAndOutputWeights: true,
    normalization: 'RMSNorm',
    addBiasLinear: false,
  });
  const layer = 4 * 1024 * 1024 + 2 * 1024 * 4096 + 2 * 1024;
  const s = staticMemoryPerRank(shape, 1);
  assert.equal(s[3].denseParams, 3 * layer + 1024 + 32000 * 1024);
  assert.equal(s[1].denseParams, 2 * layer);
});

test('GQA with g < t: every TP rank keeps one whole K/V group', () => {
  const shape = shapeOf({
    numLayers: 1,
    hiddenSize: 1024,
    numAttentionHeads: 16,
    groupQueryAttention: true,
    numQueryGroups: 2,
    kvChannels: 64,
    tensorParallel: 8,
    paddedVocabSize: 8192,
    pipelineParallel: 2,
    positionEmbeddingType: 'rope',
    addBiasLinear: false,
    normalization: 'RMSNorm',
    ffnHiddenSize: 4096,
  });
  // One layer over two ranks lands on rank 0: Q+O 2·1024·1024/8, K+V 2·1024·64 (one group), MLP 2·1024·4096/8, norms, embedding/8.
  const s = staticMemoryPerRank(shape, 1)[0];
  assert.equal(
    s.denseParams,
    (2 * 1024 * 1024) / 8 + 2 * 1024 * 64 + (2 * 1024 * 4096) / 8 + 2 * 1024 + (8192 * 1024) / 8,
  );
});
