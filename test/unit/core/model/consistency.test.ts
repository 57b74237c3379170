// Step time and memory read one model of the run (src/core/model): the same layers on every (virtual) stage and the
// same parameters on every rank. Each check goes through what the consumer really uses — the cost model's forward
// durations and DP gradient bytes, the memory model's weight and gradient bytes — against counts derived by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { staticMemoryPerRank } from '../../../../src/core/memory/static';
import { countModelParams } from '../../../../src/core/model/params';
import type { ModelShape } from '../../../../src/core/model/shape';
import { buildStageCosts, DEFAULT_COST_CONSTANTS } from '../../../../src/core/schedule/costModel';
import type { RunConfig } from '../../../../src/core/types';
import { blankConfig, resolvedShape, TEST_GPU } from '../../../support/memoryFixtures';

const GPU = TEST_GPU;

// A small GPT: h = 64, a = 4 (d = 16), f = 4h = 256, V = 1024, S = 128, LayerNorm, biases, learned positions, TP = 1.
const h = 64;
const V = 1024;
const S = 128;
const SMALL: Partial<RunConfig> = {
  hiddenSize: h,
  numAttentionHeads: 4,
  ffnHiddenSize: 256,
  paddedVocabSize: V,
  seqLength: S,
  microBatchSize: 1,
  tensorParallel: 1,
  dataParallel: 2,
  precision: 'bf16',
  gpusPerNode: 8,
};
// One decoder layer: QKV + O weights 4h² and biases 3h + h, MLP 8h² and biases 4h + h, two LayerNorms 2·2h.
const LAYER = 12 * h * h + 13 * h; // 49,984
const EMBEDDING = V * h; // 65,536
const POSITIONS = S * h; // max-position-embeddings defaults to S: 8,192
const FINAL_NORM = 2 * h;

function shapeOf(fields: Partial<RunConfig>): ModelShape {
  return resolvedShape(blankConfig({ ...SMALL, ...fields }));
}

/**
 * Decoder layers the cost model costs on each virtual stage. Under full recompute a stage's backward re-runs exactly
 * its layers' forward (no embedding, no output layer), and every layer here costs the same, so each stage's share of
 * the recompute time is its share of the built layers.
 */
function costedLayers(shape: ModelShape, v: number): number[] {
  const full: ModelShape = { ...shape, recompute: 'full', recomputeMethod: 'uniform' };
  const recompute = [...buildStageCosts(full, v, [S], false, GPU, DEFAULT_COST_CONSTANTS).terms.backward.recompute];
  const total = recompute.reduce((a, b) => a + b, 0);
  const built = shape.noopLayers.filter((noop) => !noop).length;
  return recompute.map((ms) => Math.round((ms / total) * built * 1e6) / 1e6);
}

/** Both models' per-GPU parameters of each rank: the cost model's DP gradient bytes and the memory model's weights. */
function paramsSeenByBoth(shape: ModelShape, v: number): { cost: number[]; memory: number[]; gradsEqual: boolean } {
  const cost = [...buildStageCosts(shape, v, [S], false, GPU, DEFAULT_COST_CONSTANTS).dpGradBytesPerRank];
  const memory = staticMemoryPerRank(shape, v);
  return {
    cost: cost.map((bytes) => bytes / 4), // bf16 runs reduce fp32 main grads
    memory: memory.map((m) => m.weightsBytes / 2), // bf16 weights
    gradsEqual: cost.every((bytes, r) => bytes === memory[r]?.gradsBytes),
  };
}

test('uneven first/last stages: both models put 1/3/3/3 layers on the four stages and count the same parameters', () => {
  const shape = shapeOf({
    numLayers: 10,
    pipelineParallel: 4,
    decoderFirstPipelineNumLayers: 1,
    decoderLastPipelineNumLayers: 3,
  });
  assert.deepEqual(costedLayers(shape, 1), [1, 3, 3, 3]);
  // Rank 0: one layer + word and position embeddings; the last rank: three layers, final norm, and its own copy of
  // the tied embedding (p > 1).
  const expected = [LAYER + EMBEDDING + POSITIONS, 3 * LAYER, 3 * LAYER, 3 * LAYER + FINAL_NORM + EMBEDDING];
  assert.deepEqual(expected, [123_712, 149_952, 149_952, 215_616]);
  const both = paramsSeenByBoth(shape, 1);
  assert.deepEqual(both.cost, expected);
  assert.deepEqual(both.memory, expected);
  assert.ok(both.gradsEqual, 'DP gradient bytes of the step time = gradient bytes of the memory model');
  // The whole model: 10 layers, one embedding (tied), positions, final norm.
  assert.equal(countModelParams(shape).total, 10 * LAYER + EMBEDDING + POSITIONS + FINAL_NORM);
  assert.equal(countModelParams(shape).total, 573_696);
});

test('VPP: two model chunks of two layers per rank in both models', () => {
  const shape = shapeOf({ numLayers: 8, pipelineParallel: 2, virtualStages: 2, untieEmbeddingsAndOutputWeights: true });
  // Virtual stages vs = chunk·p + rank: (r0,c0) (r1,c0) (r0,c1) (r1,c1).
  assert.deepEqual(costedLayers(shape, 2), [2, 2, 2, 2]);
  const expected = [4 * LAYER + EMBEDDING + POSITIONS, 4 * LAYER + FINAL_NORM + EMBEDDING];
  const both = paramsSeenByBoth(shape, 2);
  assert.deepEqual(both.cost, expected);
  assert.deepEqual(both.memory, expected);
  assert.ok(both.gradsEqual);
  // Untied: the output layer is a second V×h matrix of the model.
  assert.equal(countModelParams(shape).total, 8 * LAYER + 2 * EMBEDDING + POSITIONS + FINAL_NORM);
});

test('tied embeddings with one stage hold one V×h matrix; untied hold two', () => {
  const tied = shapeOf({ numLayers: 2, pipelineParallel: 1 });
  const untied = shapeOf({ numLayers: 2, pipelineParallel: 1, untieEmbeddingsAndOutputWeights: true });
  assert.deepEqual(paramsSeenByBoth(tied, 1).cost, [2 * LAYER + EMBEDDING + POSITIONS + FINAL_NORM]);
  assert.deepEqual(paramsSeenByBoth(untied, 1).cost, [2 * LAYER + 2 * EMBEDDING + POSITIONS + FINAL_NORM]);
  assert.deepEqual(paramsSeenByBoth(tied, 1).memory, paramsSeenByBoth(tied, 1).cost);
  assert.deepEqual(paramsSeenByBoth(untied, 1).memory, paramsSeenByBoth(untied, 1).cost);
});

test('MoE with expert parallelism: each GPU reduces its dense share plus half the experts, in both models', () => {
  // 4 experts of width 128, top-2, EP = 2 (ETP = TP = 1); RMSNorm, no biases, RoPE: no position embeddings.
  const shape = shapeOf({
    numLayers: 4,
    pipelineParallel: 2,
    numExperts: 4,
    moeRouterTopk: 2,
    moeFfnHiddenSize: 128,
    expertParallel: 2,
    normalization: 'RMSNorm',
    addBiasLinear: false,
    positionEmbeddingType: 'rope',
  });
  const attention = 4 * h * h; // Q, K, V, O without biases
  const norms = 2 * h; // two RMSNorms of h each
  const router = h * 4;
  const experts = (4 * (2 * h * 128)) / 2; // 4 experts of h×128 + 128×h, half of them on this GPU
  const layerPerGpu = attention + norms + router + experts;
  assert.equal(layerPerGpu, 16_384 + 128 + 256 + 32_768);
  const expected = [2 * layerPerGpu + EMBEDDING, 2 * layerPerGpu + h + EMBEDDING];
  const both = paramsSeenByBoth(shape, 1);
  assert.deepEqual(both.cost, expected);
  assert.deepEqual(both.memory, expected);
  assert.ok(both.gradsEqual);
  assert.deepEqual(costedLayers(shape, 1), [2, 2]);
});

test('a stated placement with a no-op layer: both models see 1/3/1/2 layers and the same parameters', () => {
  // A layout-style placement of 8 layer slots over PP 2 × v 2, slots 1, 3, 2, 2 per virtual stage
  // (pipeline_parallel_layer_layout.py:46-55: stage i is chunk ⌊i/2⌋ of rank i mod 2), and slot 5 built as a
  // MindSpeed no-op (NoopTransformerLayer: no weights, no compute). vs 0: slot 0; vs 1: slots 1-3; vs 2: slots 4-5
  // (5 is the no-op); vs 3: slots 6-7.
  const shape = shapeOf({
    numLayers: 8,
    pipelineParallel: 2,
    virtualStages: 2,
    layerSplitMethod: 'layout',
    layersPerStage: [1, 3, 2, 2],
    noopLayers: [5],
  });
  assert.deepEqual(costedLayers(shape, 2), [1, 3, 1, 2]);
  // Rank 0: vs 0 and vs 2 (1 + 1 layers) and the embeddings; rank 1: vs 1 and vs 3 (3 + 2) with the final norm and
  // its copy of the tied embedding.
  const expected = [2 * LAYER + EMBEDDING + POSITIONS, 5 * LAYER + FINAL_NORM + EMBEDDING];
  const both = paramsSeenByBoth(shape, 2);
  assert.deepEqual(both.cost, expected);
  assert.deepEqual(both.memory, expected);
  assert.ok(both.gradsEqual);
  assert.equal(countModelParams(shape).total, 7 * LAYER + EMBEDDING + POSITIONS + FINAL_NORM);
});
