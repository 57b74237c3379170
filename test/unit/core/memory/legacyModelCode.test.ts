// What the pre-2024 megatron/model code of the forks keeps that Megatron-Core does not (issue 13, the Seq1F1B TP 8
// gap): the rotary tables of every layer (thunlp/Seq1F1B) and the whole-sequence embedding output behind its SP
// shard (thunlp/Seq1F1B and Megatron-DeepSpeed). Each term is derived by hand below from the fork's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildUnitTables, layerActivationBytes } from '../../../../src/core/memory/activations';
import { layerLayout } from '../../../../src/core/model/layout';
import type { ModelShape } from '../../../../src/core/model/shape';
import type { RunConfig } from '../../../../src/core/types';
import { SEQ1F1B_30B_TP8, blankConfig, resolvedShape } from '../../../support/memoryFixtures';

const close = (actual: number, expected: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
};

// The Seq1F1B figure's 30B run (thunlp/Seq1F1B exp.sh and run.sh): h 6144, 64 heads (d = 96), TP 8 with SP, PP 8,
// rope, local layers with flash attention, micro-batch 1.
const run30b: Partial<RunConfig> = { ...SEQ1F1B_30B_TP8 };

const shapeOf = (fields: Partial<RunConfig>): ModelShape => resolvedShape(blankConfig({ ...run30b, ...fields }));
const layer = (shape: ModelShape, tokens: number): number =>
  layerActivationBytes(shape, false, tokens, tokens, { selective: false });

test('the Seq1F1B fork keeps four bf16 rotary tables per layer: 8·d bytes per position, whatever TP', () => {
  // rotary_pos_embedding.py:51 (thunlp/Seq1F1B 6893466, megatron/core/models/common): apply_rotary_pos_emb returns
  // t·freqs.cos() + _rotate_half(t)·freqs.sin(); each product saves its [s, 1, 1, d] table (the tensor factor needs
  // it, the table has no gradient). transformer.py:847-848 applies it to Q and to K: 4 tables. Float16Module turns
  // the inv_freq buffer into bf16 (model/module.py:165), so the tables are bf16: 4 · 2 · d = 8·96 = 768 bytes per
  // position, against 32·h/t = 24,576 of the rest of the layer at TP 8 (+3.1 %), 640 against 81,920 for the 2.7B at
  // TP 1 (d = 80, +0.8 %).
  const n = 4096;
  const fork = shapeOf({ legacyModelCode: 'seq1f1b' });
  const core = shapeOf({ legacyModelCode: null });
  assert.equal(fork.ropeTablesPerLayer, true);
  close(layer(fork, n) - layer(core, n), 8 * 96 * n, 'TP 8');
  close(layer(core, n), 32 * (6144 / 8) * n + 4 * (64 / 8) * n, 'the rest: 32·h/t + fp32 log-sum-exp');
  const tp1 = (legacy: 'seq1f1b' | null): number =>
    layer(shapeOf({ legacyModelCode: legacy, tensorParallel: 1, sequenceParallel: false, worldSize: 8 }), n);
  close(tp1('seq1f1b') - tp1(null), 8 * 96 * n, 'TP 1: the same bytes');
  // The tables span the sequence positions and are broadcast over the b samples: with b = 2 the unit has 2n
  // token-samples and still 8·d·n bytes of tables.
  const b2 = (legacy: 'seq1f1b' | null): number =>
    layer(shapeOf({ legacyModelCode: legacy, microBatchSize: 2 }), 2 * n);
  close(b2('seq1f1b') - b2(null), 8 * 96 * n, 'b = 2');
  // Megatron-DeepSpeed computes cos/sin once into module globals shared by every layer (microsoft/Megatron-DeepSpeed
  // megatron/model/rotary_pos_embedding.py:65-72, cos_cached / sin_cached), learned positions have no tables, and
  // Transformer Engine layers rotate inside TE: none of these keeps tables per layer.
  assert.equal(shapeOf({ legacyModelCode: 'deepspeed' }).ropeTablesPerLayer, false);
  assert.equal(
    shapeOf({ legacyModelCode: 'seq1f1b', positionEmbeddingType: 'learned_absolute' }).ropeTablesPerLayer,
    false,
  );
  assert.equal(
    shapeOf({ legacyModelCode: 'seq1f1b', transformerImpl: 'transformer_engine' }).ropeTablesPerLayer,
    false,
  );
});

test('under SP the forks keep the whole embedding output on the first stage: 2·h·(1 − 1/t) more bytes per token', () => {
  // language_model.py:246-249 (thunlp/Seq1F1B 6893466): the [s, b, h] embedding output goes through
  // scatter_to_sequence_parallel_region, whose _split_along_first_dim returns input_[offset : offset + s/t]
  // .contiguous() (core/tensor_parallel/mappings.py:64) — a first-dimension slice of a contiguous tensor is already
  // contiguous, so the shard is a view and the first layer, which keeps its input for backward, keeps all s rows.
  // Megatron-DeepSpeed does the same (language_model.py:261, mappings.py:63). Megatron-Core clones the shard
  // (--clone-scatter-output-in-embedding, default on).
  const tokens = 8192;
  const firstStage = (fields: Partial<RunConfig>): number => {
    const shape = shapeOf(fields);
    return buildUnitTables(shape, layerLayout(shape, 1), [tokens]).activations[0]![0]!;
  };
  const extra = (fields: Partial<RunConfig>): number =>
    firstStage({ ...fields, legacyModelCode: 'seq1f1b' }) - firstStage({ ...fields, legacyModelCode: null });
  // 30B at TP 8: the first stage's 8 layers also hold 8 rope-table sets; the embedding adds 2·6144·(7/8) per token.
  const rope = 8 * 8 * 96 * tokens;
  close(extra({}), rope + 2 * 6144 * (7 / 8) * tokens, 'TP 8');
  // The whole 32k sequence at TP 8: 32768 · 6144 · 2 · 7/8 bytes = 0.328 GiB per microbatch in flight on stage 0;
  // eight of them under 1F1B are 2.63 GiB of the 30B 1F1B bar.
  close((32768 * 6144 * 2 * 7) / 8 / 2 ** 30, 0.328125, 'per 32k microbatch (GiB)');
  close(
    firstStage({ legacyModelCode: 'deepspeed' }) - firstStage({ legacyModelCode: null }),
    2 * 6144 * (7 / 8) * tokens,
    'Megatron-DeepSpeed keeps it too (no rope tables)',
  );
  // At TP 1 nothing is scattered (mappings.py:52-53 returns the input); without SP the layers keep the whole
  // sequence anyway. The later stages receive their input through p2p, a tensor of s/t rows.
  close(extra({ tensorParallel: 1, sequenceParallel: false, worldSize: 8 }), rope, 'TP 1');
  close(extra({ sequenceParallel: false }), rope, 'TP 8 without SP');
  const later = (legacy: 'seq1f1b' | null): number => {
    const shape = shapeOf({ legacyModelCode: legacy });
    return buildUnitTables(shape, layerLayout(shape, 1), [tokens]).activations[1]![0]!;
  };
  close(later('seq1f1b') - later(null), rope, 'stage 1: rope only');
});

test('Seq1F1B K/V prefix cache: chunk 0 adds nothing, chunk 1 the prefix P₁, each later chunk its own K/V', () => {
  // FlashAttnVarlenFunc.forward (thunlp/Seq1F1B 6893466 model/transformer.py:54-63): with no cache yet the cache is
  // the chunk's own k and v (:61-62), which ctx.save_for_backward keeps anyway (:93-95); from chunk 1 on, torch.cat
  // makes a new prefix tensor (:57-58) and the previous one, referenced only by the cache dict, is freed. So after
  // chunk j the extra bytes per layer are 0 for j = 0 and P_j · (K + V) for j ≥ 1: appends of 0, P₁, x₂, x₃.
  const shape = shapeOf({ legacyModelCode: 'seq1f1b' });
  const chunks = [11080, 8408, 7064, 6216]; // a uniform_comp split of 32768 (seq1f1b.md §2.4, 7B row)
  const tables = buildUnitTables(shape, layerLayout(shape, 1), chunks);
  // Stage 0 holds 8 of the 64 layers; K and V of 64/8 heads of d = 96, bf16: 2 · 2 · 768 bytes per token per layer.
  const perToken = 8 * 2 * 2 * 768;
  const appends = [...tables.kvAppend[0]!];
  close(appends[0]!, 0, 'chunk 0');
  close(appends[1]!, (11080 + 8408) * perToken, 'chunk 1: P₁');
  close(appends[2]!, 7064 * perToken, 'chunk 2');
  close(appends[3]!, 6216 * perToken, 'chunk 3');
  // After the last chunk the cache is the whole sequence, as before.
  close(
    appends.reduce((x, y) => x + y, 0),
    32768 * perToken,
    'P₃ = S',
  );
});
