// Zero Bubble Table 4 peak memory (Qi et al. 2024, arXiv 2401.10241; cost-model.md §2 B) as a test, and the split
// backward's memory: what a unit still holds between its B and its W.
//
// Why the session-5 figure (16.6 GiB for 1.5B 1F1B against the paper's 30) was wrong: it was the fork as it is today
// (39f2c186: Transformer Engine by default, flash attention), not the code the paper ran. The fork's first commit
// (ed85b11c, 2023-11-03) runs the legacy model with `--transformer-impl` defaulting to `local`
// (megatron/arguments.py:500 there) and no `--use-flash-attn` (:889, opt-in) in its example
// (examples/pretrain_llama_7b.sh: `--fp16`, no distributed optimizer, seq 1024, TP 1): attention materialises the
// b·a·s² scores (5·a·s/h·sbh bytes a layer more: +14.8 GiB on the 1.5B's stage 1). With that setup the model lands on
// the published figures.
//
// The unit: the fork's report_memory divides by 1024² and prints MB (megatron/utils.py:109-120 at ed85b11c), so the
// paper's "GB" are GiB; and our allocated peaks match them (mean 4 %), our reserved peaks are 4-17 % above — the
// figures are max allocated, which the source does not state; the 5 % goal is for the mean, 10 % for every row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildUnitTables, layerActivationBytes, layerWeightGradBytes } from '../../../../src/core/memory/activations';
import { computeStageMemory } from '../../../../src/core/memory/stageMemory';
import { layerLayout } from '../../../../src/core/model/layout';
import { isSimResult, simulateSchedule, uniformCosts } from '../../../../src/core/schedule/simulator';
import type { ScheduleSpec } from '../../../../src/core/types';
import { blankConfig, resolvedShape } from '../../../support/memoryFixtures';

const GiB = 2 ** 30;

// Table 4 models (L, heads, h, p, b) and their peak memory for 1F1B and ZB-1p, in the paper's GB (= GiB, above).
const MODELS = [
  { name: '1.5B', L: 22, a: 24, h: 2304, p: 8, b: 6, oneF1B: 30, zb1p: 32 },
  { name: '6.2B', L: 30, a: 32, h: 4096, p: 8, b: 3, oneF1B: 39, zb1p: 42 },
  { name: '14.6B', L: 46, a: 40, h: 5120, p: 16, b: 1, oneF1B: 32, zb1p: 33 },
  { name: '28.3B', L: 62, a: 48, h: 6144, p: 32, b: 1, oneF1B: 43, zb1p: 44 },
];

/** The paper's setup as the fork's first commit runs it (see the header); vocabulary 32000 (a SentencePiece model). */
function paperShape(m: (typeof MODELS)[number]) {
  return resolvedShape(
    blankConfig({
      numLayers: m.L,
      hiddenSize: m.h,
      numAttentionHeads: m.a,
      seqLength: 1024,
      maxPositionEmbeddings: 2048,
      microBatchSize: m.b,
      paddedVocabSize: 32000,
      tensorParallel: 1,
      pipelineParallel: m.p,
      dataParallel: 1,
      precision: 'fp16',
      transformerImpl: 'local',
      useFlashAttn: false,
      hiddenDropout: 0.1,
      attentionDropout: 0.1,
      distributedOptimizer: false,
      // "first and last stage one layer fewer" (cost-model.md §2 B): the embedding and the loss count as a layer.
      accountForEmbeddingInPipelineSplit: true,
      accountForLossInPipelineSplit: true,
    }),
  );
}

/** Worst stage's allocated peak (GiB) on the real schedule engine; ZB-H1 stands for ZB-1p (both hold 1F1B's p·M_B). */
function peakGiB(m: (typeof MODELS)[number], schedule: '1f1b' | 'zb-h1'): { allocated: number; reserved: number } {
  const spec: ScheduleSpec = { schedule, stages: m.p, microbatches: 3 * m.p, splits: 1, virtualStages: 1 };
  const sim = simulateSchedule(spec, uniformCosts(spec, 1, 1, schedule === 'zb-h1' ? 1 : 0));
  if (!isSimResult(sim)) assert.fail(sim.reason);
  const memory = computeStageMemory(paperShape(m), sim, [1024]);
  return {
    allocated: Math.max(...memory.map((s) => s.peakBytes)) / GiB,
    reserved: Math.max(...memory.map((s) => s.peakReservedBytes)) / GiB,
  };
}

test('Zero Bubble Table 4 peak memory: allocated within 10 % on every row, 5 % on average (1F1B and ZB-1p, 4 models)', () => {
  const errors: number[] = [];
  for (const m of MODELS) {
    for (const [schedule, published] of [
      ['1f1b', m.oneF1B],
      ['zb-h1', m.zb1p],
    ] as const) {
      const ours = peakGiB(m, schedule);
      const error = ours.allocated / published - 1;
      errors.push(Math.abs(error));
      // Worst: the 1.5B, 6-8 % under (28.3 / 29.6 GiB; 27.7 / 29.0 before the score buffer and the gradient of the
      // probabilities, tested below, were counted); the 14.6B 4-6 % over. Mean 3.8 %.
      assert.ok(
        Math.abs(error) <= 0.1,
        `${m.name} ${schedule}: ours ${ours.allocated.toFixed(1)} GiB, published ${published}`,
      );
      // Reserved is what we show; it sits above the published (allocated) figure, never below it by more than 10 %.
      assert.ok(ours.reserved >= published * 0.9, `${m.name} ${schedule} reserved ${ours.reserved.toFixed(1)}`);
    }
  }
  const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
  assert.ok(mean <= 0.05, `mean |error| ${(mean * 100).toFixed(1)} %`);
});

test('Zero Bubble ordering: ZB-1p peaks at or a little above 1F1B on every model (paper: +2 to +8 %)', () => {
  for (const m of MODELS) {
    const oneF1B = peakGiB(m, '1f1b').allocated;
    const zb = peakGiB(m, 'zb-h1').allocated;
    assert.ok(zb >= oneF1B && zb <= oneF1B * 1.1, `${m.name}: 1F1B ${oneF1B.toFixed(1)}, ZB ${zb.toFixed(1)}`);
  }
});

test('split backward: between B and W a layer keeps its linear inputs and output gradients (hand count)', () => {
  // GPT layer, h = 1024, 16 heads, ffn 4h, TP 2 without SP, bf16, flash; 1000 tokens.
  const shape = resolvedShape(
    blankConfig({
      numLayers: 4,
      hiddenSize: 1024,
      numAttentionHeads: 16,
      seqLength: 1000,
      microBatchSize: 1,
      paddedVocabSize: 32000,
      tensorParallel: 2,
      pipelineParallel: 2,
      precision: 'bf16',
      hiddenDropout: 0,
      attentionDropout: 0,
    }),
  );
  const h = 1024;
  const t = 2;
  // Per token: QKV input 2h + grad of QKV output 2·3h/t; projection input 2h/t + its grad 2h (full width, row
  // parallel); fc1 input 2h + grad of fc1 output 2·4h/t; fc2 input 2·4h/t + its grad 2h.
  const perToken = 2 * h + (6 * h) / t + (2 * h) / t + 2 * h + 2 * h + (8 * h) / t + (8 * h) / t + 2 * h;
  assert.equal(layerWeightGradBytes(shape, false, 1000), perToken * 1000);
  // Less than the layer keeps for B (Korthikanti's 34·sbh/t-style count plus the norm inputs), so B frees memory.
  assert.ok(perToken * 1000 < layerActivationBytes(shape, false, 1000, 1000, { selective: false }));
  // The unit tables: two layers a stage; the last stage's W also keeps the output layer's input and bf16 dlogits.
  const tables = buildUnitTables(shape, layerLayout(shape, 1), [1000]);
  assert.equal(tables.weightGradActivations[0]![0], 2 * perToken * 1000);
  assert.equal(tables.weightGradLogits[0]![0], 0);
  assert.equal(tables.weightGradLogits[1]![0], 1000 * (2 * h + (2 * 32000) / t));
});

test('attention without flash: the scores buffer persists, and B holds the gradient of the probabilities', () => {
  // The fork's CoreAttention (ed85b11c megatron/model/transformer.py:363-372) computes the raw scores with baddbmm
  // into a [b·np, sq, sk] tensor from mpu.get_global_memory_buffer(), which keeps it for the rest of the run; the
  // backward of probs·V (torch.bmm, :415) makes the gradient of the probabilities, same shape, while the saved
  // probabilities are still held. GPT layer, 8 heads, TP 2, micro-batch 2, s 512, fp16:
  // b·np·s·s·2 bytes = 2·4·512·512·2 = 4 MiB for each.
  const fields = {
    numLayers: 4,
    hiddenSize: 512,
    numAttentionHeads: 8,
    seqLength: 512,
    maxPositionEmbeddings: 512,
    microBatchSize: 2,
    paddedVocabSize: 32000,
    tensorParallel: 2,
    pipelineParallel: 2,
    precision: 'fp16',
    transformerImpl: 'local',
  } as const;
  const shape = resolvedShape(blankConfig({ ...fields, useFlashAttn: false }));
  const tables = buildUnitTables(shape, layerLayout(shape, 1), [512]);
  const scores = 2 * 4 * 512 * 512 * 2;
  assert.deepEqual([...tables.persistentBytes], [scores, scores]);
  assert.deepEqual([tables.backwardTransient[0]![0], tables.backwardTransient[1]![0]], [scores, scores]);
  // Flash attention (--use-flash-attn) keeps no scores: neither term.
  const flash = resolvedShape(blankConfig({ ...fields, useFlashAttn: true }));
  const none = buildUnitTables(flash, layerLayout(flash, 1), [512]);
  assert.deepEqual([...none.persistentBytes, none.backwardTransient[0]![0]], [0, 0, 0]);
});
