// Under a V placement (ZB-V, V-Half, V-Min) rank r holds virtual stages r and 2p − 1 − r, so the last one — the output
// layer, final norm and loss — is on rank 0 with the embedding, and rank p − 1 holds no vocabulary layer: the
// Zero-Bubble fork's layer_group_idx (sail-sg/zero-bubble-pipeline-parallelism 39f2c186
// megatron/core/pipeline_parallel/zerobubble/scheduler/zbv.py:310-314, zbv_greedy.py:273-277: n_stages·chunk + stage
// for chunk 0, n_stages·chunk + n_stages − 1 − stage for chunk 1). The fork also unties the output layer
// (zbpp_utils.py:97, "Not supported for code cleanness"), as these cases do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../../src/core/analyze';
import { staticMemoryPerRank } from '../../../../src/core/memory/static';
import { layerLayout } from '../../../../src/core/model/layout';
import type { ModelShape } from '../../../../src/core/model/shape';
import { NO_RUN_FLAGS } from '../../../../src/core/schedule/cost/afterFlush';
import { buildStageCosts, DEFAULT_COST_CONSTANTS } from '../../../../src/core/schedule/costModel';
import { blankConfig, resolvedShape, TEST_GPU } from '../../../support/memoryFixtures';

const GPU = TEST_GPU;

// A small untied GPT: L = 8 on p = 4 (two chunks of one layer per rank), h = 64, V = 1024, LayerNorm (weight and bias:
// 2h per norm), rotary positions (no position table); DP 2 so that gradients are reduced.
const H = 64;
const VOCAB = 1024;
const shape: ModelShape = resolvedShape(
  blankConfig({
    numLayers: 8,
    hiddenSize: H,
    numAttentionHeads: 4,
    seqLength: 128,
    paddedVocabSize: VOCAB,
    pipelineParallel: 4,
    dataParallel: 2,
    untieEmbeddingsAndOutputWeights: true,
    normalization: 'LayerNorm',
    positionEmbeddingType: 'rope',
  }),
);

test('V layout: the last virtual stage (output layer and loss) is on rank 0; each rank keeps two one-layer chunks', () => {
  const v = layerLayout(shape, 2, true);
  assert.deepEqual(
    v.map((s) => s.rank),
    [0, 1, 2, 3, 3, 2, 1, 0],
  );
  assert.deepEqual(
    v.filter((s) => s.hasEmbedding || s.hasLoss).map((s) => [s.rank, s.hasEmbedding, s.hasLoss]),
    [
      [0, true, false],
      [0, false, true],
    ],
  );
  assert.ok(v.every((s) => s.numLayers === 1));
  // Interleaved (Megatron's VPP) is unchanged: the loss on rank p − 1.
  assert.deepEqual(
    layerLayout(shape, 2).map((s) => s.rank),
    [0, 1, 2, 3, 0, 1, 2, 3],
  );
  assert.equal(layerLayout(shape, 2).find((s) => s.hasLoss)?.rank, 3);
});

test('V static memory: rank 0 holds embedding, output layer and final norm; rank p − 1 only its two layers', () => {
  // Every rank has two decoder layers of the same size, so the differences are the vocabulary pieces alone:
  //   V:           rank 0 − rank 1 = V·h (embedding) + V·h (output layer) + 2h (final LayerNorm); rank 3 = rank 1.
  //   interleaved: rank 0 − rank 1 = V·h;  rank 3 − rank 1 = V·h + 2h.
  const vShape = staticMemoryPerRank(shape, 2, true).map((s) => s.denseParams);
  assert.equal(vShape[0]! - vShape[1]!, 2 * VOCAB * H + 2 * H);
  assert.equal(vShape[3], vShape[1]);
  assert.equal(vShape[2], vShape[1]);
  const interleaved = staticMemoryPerRank(shape, 2).map((s) => s.denseParams);
  assert.equal(interleaved[0]! - interleaved[1]!, VOCAB * H);
  assert.equal(interleaved[3]! - interleaved[1]!, VOCAB * H + 2 * H);
  // The same parameters in all: only their rank moved.
  assert.equal(
    vShape.reduce((a, b) => a + b, 0),
    interleaved.reduce((a, b) => a + b, 0),
  );
});

test('V data parallelism: the output layer’s gradients are reduced by rank 0, with the memory model’s parameters', () => {
  const costs = buildStageCosts(shape, 2, [128], true, GPU, DEFAULT_COST_CONSTANTS, {
    ...NO_RUN_FLAGS,
    chunkPlacement: 'v-shape',
  });
  const params = staticMemoryPerRank(shape, 2, true).map((s) => s.denseParams);
  const perParam = costs.dpGradBytesPerRank[1]! / params[1]!;
  assert.ok(perParam > 0);
  for (let r = 0; r < 4; r++) assert.equal(costs.dpGradBytesPerRank[r], params[r]! * perParam, `rank ${r}`);
  assert.equal(costs.dpGradBytesPerRank[3], costs.dpGradBytesPerRank[1]);
  assert.ok(costs.dpGradBytesPerRank[0]! > costs.dpGradBytesPerRank[3]!);
});

test('a --zero-bubble-v-schedule launch: the weights of the output layer sit on stage 0, none on the last stage', () => {
  const text =
    'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 32 --hidden-size 2048 --num-attention-heads 16 ' +
    '--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size 64 --vocab-size 32000 ' +
    '--pipeline-model-parallel-size 8 --bf16 --untie-embeddings-and-output-weights --zero-bubble-v-schedule\n';
  const r = analyze(text, { fileName: 'train.sh' });
  for (const name of ['zb-v', '1f1b'] as const) {
    const e = r.schedules[name];
    assert.ok(e?.applicable && e.memory, `${name}: ${e?.reason ?? ''}`);
    const weights = e.memory.map((s) => s.breakdownBytes.weights);
    // bf16 weights, TP 1: the output layer is V·h = 32000 · 2048 parameters of 2 bytes.
    const outputLayer = 32000 * 2048 * 2;
    if (name === 'zb-v') {
      assert.equal(weights[7], weights[1]);
      assert.ok(weights[0]! - weights[1]! > 2 * outputLayer - 1);
    } else {
      assert.ok(weights[7]! - weights[1]! >= outputLayer);
    }
  }
});
