import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GpuProfile, RunConfig } from '../../../../src/core/types';
import { buildStageCosts, DEFAULT_COST_CONSTANTS, layerForwardFlops } from '../../../../src/core/schedule/costModel';
import { layerLayout, layersPerRank, layerSplitProblem } from '../../../../src/core/model/layout';
import { localParamsPerRank } from '../../../../src/core/model/params';
import { resolveModelShape, type ModelShape } from '../../../../src/core/model/shape';

const cfg = (c: Partial<RunConfig>): RunConfig => c as RunConfig;

// A round-number GPU so expected durations are easy to derive by hand.
const GPU: GpuProfile = {
  id: 'test',
  name: 'Test GPU',
  memoryGiB: 80,
  peakTflops16: 200,
  peakTflops32: 20,
  intraNodeGBps: 100,
  interNodeGBps: 10,
  intraNodeLatencyUs: 5,
  interNodeLatencyUs: 20,
  source: 'test',
};

function model(c: Partial<RunConfig>, pp: number): ModelShape {
  const r = resolveModelShape(cfg({ ...c, pipelineParallel: pp }));
  assert.ok(r.ok, JSON.stringify(r));
  return r.shape;
}

const GPT_7B = { numLayers: 32, hiddenSize: 4096, numAttentionHeads: 32, seqLength: 8192, paddedVocabSize: 32768 };

test('MHA + GELU layer FLOPs equal the spec §2.2 per-layer formula', () => {
  const mdl = model(GPT_7B, 4);
  const [h, n, d, f] = [4096, 32, 128, 16384];
  for (const [x, P] of [
    [8192, 8192],
    [2048, 6144],
    [1, 1],
  ]) {
    const { gemm, attention } = layerForwardFlops(mdl, x, P);
    const spec = 8 * x * h * n * d + 4 * x * h * f + (4 * d + 3) * n * (x * P - (x * x) / 2);
    assert.ok(Math.abs(gemm + attention - spec) / spec < 1e-12);
  }
});

test('GQA shrinks only the K/V projections; SwiGLU has three h×f GEMMs (Llama-2-70B sizes)', () => {
  const mdl = model(
    {
      numLayers: 80,
      hiddenSize: 8192,
      numAttentionHeads: 64,
      numQueryGroups: 8,
      groupQueryAttention: true,
      ffnHiddenSize: 28672,
      swiglu: true,
      seqLength: 4096,
      paddedVocabSize: 32000,
    },
    8,
  );
  const x = 4096;
  const { gemm } = layerForwardFlops(mdl, x, x);
  const q = 2 * x * 8192 * 8192;
  const kv = 2 * 2 * x * 8192 * (8 * 128);
  const out = 2 * x * 8192 * 8192;
  const mlp = 3 * 2 * x * 8192 * 28672;
  assert.equal(gemm, q + kv + out + mlp);
});

test('forward, backward and W durations: FLOPs / (peak × efficiency), GEMM backward 2×, attention 2.5×, W = the weight-grad GEMMs', () => {
  const mdl = model({ ...GPT_7B, tensorParallel: 1 }, 4);
  const lengths = [4096, 4096];
  const plain = buildStageCosts(mdl, 1, lengths, false, GPU, DEFAULT_COST_CONSTANTS);
  const zb = buildStageCosts(mdl, 1, lengths, true, GPU, DEFAULT_COST_CONSTANTS);
  const flopsPerMs = (200e12 * 0.5) / 1e3;
  // Middle stage 1, chunk 1 (tokens 4096..8192): 8 layers.
  const { gemm, attention } = layerForwardFlops(mdl, 4096, 8192);
  const idx = 1 * 2 + 1;
  assert.ok(Math.abs(plain.costs.forward[idx] - (8 * (gemm + attention)) / flopsPerMs) < 1e-9);
  assert.ok(Math.abs(plain.costs.backward[idx] - (8 * (2 * gemm + 2.5 * attention)) / flopsPerMs) < 1e-9);
  assert.equal(plain.costs.weight[idx], 0);
  assert.ok(Math.abs(zb.costs.weight[idx] - (8 * gemm) / flopsPerMs) < 1e-9);
  assert.ok(Math.abs(zb.costs.backward[idx] + zb.costs.weight[idx] - plain.costs.backward[idx]) < 1e-9);
  // Later chunks attend to a longer prefix, so they cost more.
  assert.ok(plain.costs.forward[idx] > plain.costs.forward[idx - 1]);
  // The last stage adds the output projection (2·x·h·V); the first stage's embedding is a gather (no math).
  const logitsMs = (2 * 4096 * 4096 * 32768) / flopsPerMs;
  assert.ok(Math.abs(plain.costs.forward[3 * 2 + 1] - plain.costs.forward[idx] - logitsMs) < 1e-9);
  assert.ok(Math.abs(plain.costs.forward[0 * 2 + 1] - plain.costs.forward[idx]) < 1e-9);
});

test('efficiency and ratios are overridable constants', () => {
  const mdl = model(GPT_7B, 4);
  const base = buildStageCosts(mdl, 1, [8192], false, GPU, DEFAULT_COST_CONSTANTS);
  const faster = buildStageCosts(mdl, 1, [8192], false, GPU, { ...DEFAULT_COST_CONSTANTS, efficiency: 1 });
  assert.ok(Math.abs(base.costs.forward[1] / faster.costs.forward[1] - 2) < 1e-12);
  const flat = buildStageCosts(mdl, 1, [8192], false, GPU, { ...DEFAULT_COST_CONSTANTS, attentionBackwardRatio: 2 });
  assert.ok(Math.abs(flat.costs.backward[1] / flat.costs.forward[1] - 2) < 1e-12);
});

test('TP divides the math and adds two ring all-reduces per layer each way: 2 · 2(t−1)/t · bytes/BW + latency', () => {
  const t = 4;
  const one = buildStageCosts(
    model({ ...GPT_7B, tensorParallel: 1 }, 4),
    1,
    [8192],
    false,
    GPU,
    DEFAULT_COST_CONSTANTS,
  );
  const four = buildStageCosts(
    model({ ...GPT_7B, tensorParallel: t, gpusPerNode: 8 }, 4),
    1,
    [8192],
    false,
    GPU,
    DEFAULT_COST_CONSTANTS,
  );
  const bytes = 8192 * 4096 * 2;
  const allReduceMs = ((((2 * (t - 1)) / t) * bytes) / 100e9) * 1e3 + 2 * (t - 1) * 5e-3;
  const expected = one.costs.forward[1] / t + 8 * 2 * allReduceMs;
  assert.ok(Math.abs(four.costs.forward[1] - expected) < 1e-9, `${four.costs.forward[1]} vs ${expected}`);
  // Sequence parallelism moves the same bytes (reduce-scatter + all-gather) but scatters the p2p message.
  const sp = buildStageCosts(
    model({ ...GPT_7B, tensorParallel: t, sequenceParallel: true }, 4),
    1,
    [8192],
    false,
    GPU,
    DEFAULT_COST_CONSTANTS,
  );
  assert.ok(Math.abs(sp.costs.forward[1] - four.costs.forward[1]) < 1e-9);
  assert.ok(Math.abs(sp.costs.p2pForwardByRank![0] - (5e-3 + (bytes / t / 100e9) * 1e3)) < 1e-12);
});

test('p2p hops: intra-node when adjacent stages share a node (ranks TP, CP, DP, then PP), else inter-node', () => {
  // t=2, dp=1, 8 GPUs per node: stages 0–3 on node 0, 4–7 on node 1 → hops 3→4 and the wrap 7→0 cross nodes.
  const mixed = buildStageCosts(
    model({ ...GPT_7B, tensorParallel: 2, dataParallel: 1, gpusPerNode: 8 }, 8),
    1,
    [8192],
    false,
    GPU,
    DEFAULT_COST_CONSTANTS,
  );
  assert.deepEqual(mixed.hopInterNode, [false, false, false, true, false, false, false, true]);
  const bytes = 8192 * 4096 * 2;
  assert.ok(Math.abs(mixed.costs.p2pForwardByRank![0] - (5e-3 + (bytes / 100e9) * 1e3)) < 1e-12);
  assert.ok(Math.abs(mixed.costs.p2pForwardByRank![3] - (20e-3 + (bytes / 10e9) * 1e3)) < 1e-12);
  // Backward hop sent by rank 4 goes to rank 3: inter-node.
  assert.equal(mixed.costs.p2pBackwardByRank![4], mixed.costs.p2pForwardByRank![3]);
  // t·c·dp = 8 ≥ GPUs per node: every hop crosses nodes.
  const wide = buildStageCosts(
    model({ ...GPT_7B, tensorParallel: 8, gpusPerNode: 8 }, 4),
    1,
    [8192],
    false,
    GPU,
    DEFAULT_COST_CONSTANTS,
  );
  assert.deepEqual(wide.hopInterNode, [true, true, true, true]);
});

test('DP gradient reduction: distributed optimizer = reduce-scatter fp32 grads + all-gather bf16 params; else all-reduce', () => {
  const base = { ...GPT_7B, tensorParallel: 1, dataParallel: 4, gpusPerNode: 8 };
  const dist = buildStageCosts(
    model({ ...base, distributedOptimizer: true }, 4),
    1,
    [8192],
    false,
    GPU,
    DEFAULT_COST_CONSTANTS,
  );
  const ar = buildStageCosts(
    model({ ...base, distributedOptimizer: false }, 4),
    1,
    [8192],
    false,
    GPU,
    DEFAULT_COST_CONSTANTS,
  );
  // Rank 1 holds 8 GPT layers of 12h² + 13h parameters each (QKV+O 4h² + 4h biases, MLP 8h² + 5h, two LayerNorms
  // 4h) and no embedding or output layer; TP = 1 keeps them all on one GPU.
  const h = 4096;
  const params = 8 * (12 * h * h + 13 * h);
  assert.equal(ar.dpGradBytesPerRank[1], params * 4);
  const d = 4;
  const half = (bytes: number): number => ((((d - 1) / d) * bytes) / 100e9) * 1e3 + (d - 1) * 5e-3;
  assert.ok(Math.abs(dist.dpSyncMsPerRank[1] - (half(params * 4) + half(params * 2))) < 1e-9);
  assert.ok(Math.abs(ar.dpSyncMsPerRank[1] - 2 * half(params * 4)) < 1e-9);
  // No DP → nothing to reduce.
  const solo = buildStageCosts(model({ ...GPT_7B, dataParallel: 1 }, 4), 1, [8192], false, GPU, DEFAULT_COST_CONSTANTS);
  assert.equal(solo.dpSyncMsPerRank[1], 0);
});

test('parameters per rank (model/params, shared with memory): layers, embedding + learned positions first, output layer + final norm last', () => {
  const mdl = model({ ...GPT_7B, paddedVocabSize: 50304 }, 4);
  const h = 4096;
  const local = localParamsPerRank(mdl, layerLayout(mdl, 1)).map((x) => x.dense + x.expert);
  assert.equal(local[1], 8 * (12 * h * h + 13 * h));
  // Learned absolute positions (Megatron's default type) over max-position-embeddings, here S = 8192.
  assert.equal(local[0]! - local[1]!, 50304 * h + 8192 * h);
  assert.equal(local[3]! - local[1]!, 50304 * h + 2 * h);
});

test('layers per rank: even split, uneven first/last stages, embedding/loss slots, and Megatron errors', () => {
  const perRank = (c: Partial<RunConfig>, L: number, p: number): number[] => {
    const shape = model({ ...GPT_7B, ...c, numLayers: L }, p);
    return layersPerRank(layerLayout(shape, 1), p);
  };
  const problem = (c: Partial<RunConfig>, L: number, p: number): string | null =>
    layerSplitProblem(model({ ...GPT_7B, ...c, numLayers: L }, p));
  assert.deepEqual(perRank({}, 32, 4), [8, 8, 8, 8]);
  assert.deepEqual(
    perRank({ decoderFirstPipelineNumLayers: 5, decoderLastPipelineNumLayers: 3 }, 32, 4),
    [5, 12, 12, 3],
  );
  assert.deepEqual(
    perRank({ accountForEmbeddingInPipelineSplit: true, accountForLossInPipelineSplit: true }, 30, 4),
    [7, 8, 8, 7],
  );
  assert.equal(problem({ accountForEmbeddingInPipelineSplit: true, accountForLossInPipelineSplit: true }, 30, 4), null);
  assert.match(problem({}, 30, 4) ?? '', /divisible by the pipeline size/);
  assert.match(problem({ decoderFirstPipelineNumLayers: 6 }, 32, 4) ?? '', /cannot spread evenly/);
  // Uneven stages change the per-stage durations.
  const mdl = model({ ...GPT_7B, decoderFirstPipelineNumLayers: 5, decoderLastPipelineNumLayers: 3 }, 4);
  const c = buildStageCosts(mdl, 1, [8192], false, GPU, DEFAULT_COST_CONSTANTS);
  assert.ok(Math.abs(c.costs.forward[1] / c.costs.forward[0] - 12 / 5) < 1e-9);
});

test('resolveModelShape names what is missing, by flag', () => {
  const r = resolveModelShape(cfg({ numLayers: 32, hiddenSize: 4096 }));
  assert.ok(!r.ok);
  assert.deepEqual(r.missing, ['num-attention-heads', 'seq-length', 'vocabulary size (tokenizer / padded vocab)']);
});
