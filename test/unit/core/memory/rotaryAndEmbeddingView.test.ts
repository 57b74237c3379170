// Two details of what the first layers keep (issue 13): the rotary tables' width under --rotary-percent < 1, and the
// whole-sequence embedding output that Megatron-Core keeps alive under --no-clone-scatter-output-in-embedding. Each
// expected value is derived by hand below from the frameworks' code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../../src/core/analyze';
import { buildUnitTables, layerActivationBytes } from '../../../../src/core/memory/activations';
import { layerLayout } from '../../../../src/core/model/layout';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';
import type { RunConfig } from '../../../../src/core/types';
import { SEQ1F1B_30B_TP8, blankConfig, resolvedShape } from '../../../support/memoryFixtures';

const close = (actual: number, expected: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
};

// A 30B-like layer at TP 8 with SP (h 6144, 64 heads: d = 96), local layers with flash attention, micro-batch 1.
const base: Partial<RunConfig> = { ...SEQ1F1B_30B_TP8 };
const shapeOf = (fields: Partial<RunConfig>) => resolvedShape(blankConfig({ ...base, ...fields }));

test('--rotary-percent: the fork keeps four bf16 tables of int(d·percent) per position per layer', () => {
  // thunlp/Seq1F1B 6893466 megatron/model/language_model.py:378-388 builds RotaryEmbedding(int(d · rotary_percent))
  // when the percent is below 1; its forward returns [s, 1, 1, dim] (core/models/common/rotary_pos_embedding.py:18-28),
  // and apply_rotary_pos_emb (:39-52) slices t[..., :dim] (a view), multiplies it by cos and sin (each product keeps
  // its table) and concatenates the untouched t[..., dim:] back (nothing saved). Megatron-Core does the same
  // (rotary_pos_embedding.py:73-74 at d98e8a64). So the tables are 4 · 2 bytes · int(d·p) per position.
  const n = 4096;
  const layer = (fields: Partial<RunConfig>): number =>
    layerActivationBytes(shapeOf(fields), false, n, n, { selective: false });
  const core = layer({ legacyModelCode: null });
  // p = 0.5: dim 48 → 8 · 48 = 384 bytes per position (half of the whole head's 768).
  assert.equal(shapeOf({ legacyModelCode: 'seq1f1b', rotaryPercent: 0.5 }).rotaryDim, 48);
  close(layer({ legacyModelCode: 'seq1f1b', rotaryPercent: 0.5 }) - core, 8 * 48 * n, 'p = 0.5');
  // p = 0.3: 96 · 0.3 = 28.799999999999997 in binary floating point, int() truncates: 28 → 224 bytes.
  assert.equal(shapeOf({ rotaryPercent: 0.3 }).rotaryDim, 28);
  close(layer({ legacyModelCode: 'seq1f1b', rotaryPercent: 0.3 }) - core, 8 * 28 * n, 'p = 0.3');
  // p = 1 (Megatron's default) and an unknown percent keep the whole head.
  close(layer({ legacyModelCode: 'seq1f1b', rotaryPercent: 1 }) - core, 8 * 96 * n, 'p = 1');
  assert.equal(shapeOf({ rotaryPercent: null }).rotaryDim, 96);
  // Without per-layer tables (Megatron-Core, Megatron-DeepSpeed's cached pair) the percent moves nothing.
  close(layer({ rotaryPercent: 0.5 }), core, 'Megatron-Core');
});

test("--rotary-percent is read with Megatron-LM's default 1.0 (arguments.py:2420 at d98e8a64)", () => {
  const text = (extra: string): string =>
    `torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 8 --hidden-size 1024 --num-attention-heads 16 ${extra}\n`;
  assert.equal(readLaunchConfig(text(''), 'run.sh').config.rotaryPercent, 1);
  const read = readLaunchConfig(text('--rotary-percent 0.25'), 'run.sh');
  assert.equal(read.config.rotaryPercent, 0.25);
  assert.equal(read.sources.rotaryPercent?.status, 'explicit');
});

test('Megatron-Core --no-clone-scatter-output-in-embedding: stage 0 keeps 2·h·(1 − 1/t) more bytes per token', () => {
  // language_model_embedding.py at d98e8a64: with learned positions (add_position_embedding, :47) the vocabulary
  // embedding all-reduces (reduce_scatter_embeddings is False, :51-56), the [b, s, h] sum is transposed into a new
  // contiguous [s, b, h] tensor (:122-124) and scatter_to_sequence_parallel_region slices its first dimension
  // (:144-147; mappings.py:79: `.contiguous()` of that slice is the same storage). clone_scatter_output_in_embedding
  // (default True, transformer_config.py:1171) clones the shard so the whole output can be freed (:148-152);
  // --no-clone-scatter-output-in-embedding keeps the view, and the first layer saves it for backward — at hidden
  // dropout 0, where the embedding's dropout returns its input. So stage 0 keeps s·b·h·2 bytes instead of s·b·h·2/t.
  const tokens = 8192;
  const core: Partial<RunConfig> = { positionEmbeddingType: 'learned_absolute', transformerImpl: 'transformer_engine' };
  const firstStage = (fields: Partial<RunConfig>): number => {
    const shape = shapeOf({ ...core, ...fields });
    return buildUnitTables(shape, layerLayout(shape, 1), [tokens]).activations[0]![0]!;
  };
  const extra = (fields: Partial<RunConfig>): number =>
    firstStage({ ...fields, cloneScatterOutputInEmbedding: false }) -
    firstStage({ ...fields, cloneScatterOutputInEmbedding: true });
  close(extra({}), 2 * 6144 * (7 / 8) * tokens, 'learned positions, TP 8, SP, dropout 0');
  // With rope the vocabulary embedding reduce-scatters itself (VocabParallelEmbedding, reduce_scatter_embeddings):
  // the shard is a new tensor and nothing is scattered afterwards.
  close(extra({ positionEmbeddingType: 'rope' }), 0, 'rope: reduce-scatter');
  // At dropout > 0 torch's dropout makes a new tensor and keeps only its mask (ATen native/Dropout.cpp: `p == 0 ||
  // !train` returns the input; otherwise the fused kernel's output), so the view dies after the embedding.
  close(extra({ hiddenDropout: 0.1 }), 0, 'dropout 0.1');
  // No SP, or TP 1: no scatter at all (mappings.py:67-68 returns the input at world size 1).
  close(extra({ sequenceParallel: false }), 0, 'no SP');
  close(extra({ tensorParallel: 1, sequenceParallel: false, worldSize: 8 }), 0, 'TP 1');
  // The later stages receive their input through p2p.
  const later = (clone: boolean): number => {
    const shape = shapeOf({ ...core, cloneScatterOutputInEmbedding: clone });
    return buildUnitTables(shape, layerLayout(shape, 1), [tokens]).activations[1]![0]!;
  };
  close(later(false) - later(true), 0, 'stage 1');
  // The forks' pre-2024 embedding has the same dropout condition: at 0.1 the view dies there too.
  assert.equal(shapeOf({ legacyModelCode: 'seq1f1b', hiddenDropout: 0.1 }).embeddingKeepsFullSequence, false);
  assert.equal(shapeOf({ legacyModelCode: 'seq1f1b' }).embeddingKeepsFullSequence, true);
});

test('--no-clone-scatter-output-in-embedding end to end: stage 0 under 1F1B holds p microbatches of the view', () => {
  // Megatron-LM GPT, learned positions, TP 4 × PP 4, SP, dropout 0, s = 4096, b = 1, 16 microbatches. Under 1F1B
  // stage 0 keeps p = 4 microbatches in flight at its peak, so its peak grows by 4 · s · h · 2 · (1 − 1/4) bytes:
  // 4 · 4096 · 4096 · 2 · 3/4 = 96 MiB = 0.09375 GiB; the other stages do not move.
  const script = (extra: string): string =>
    [
      'torchrun --nproc_per_node 8 --nnodes 2 pretrain_gpt.py --tensor-model-parallel-size 4 \\',
      '  --pipeline-model-parallel-size 4 --sequence-parallel --num-layers 32 --hidden-size 4096 \\',
      '  --num-attention-heads 32 --seq-length 4096 --max-position-embeddings 4096 --micro-batch-size 1 \\',
      '  --global-batch-size 16 --bf16 --hidden-dropout 0 --attention-dropout 0 --use-distributed-optimizer \\',
      `  --train-iters 10 --lr 1e-4 --data-path d --vocab-file v --merge-file m ${extra}`,
      '',
    ].join('\n');
  const peaks = (extra: string): number[] => {
    const r = analyze(script(extra), { fileName: 'run.sh', gpuId: 'a100-80gb', scope: 'edit' });
    const e = r.selectedSchedule ? r.schedules[r.selectedSchedule] : undefined;
    assert.equal(r.selectedSchedule, '1f1b');
    assert.ok(e?.peakMemoryGiBPerStage);
    return e.peakMemoryGiBPerStage;
  };
  const cloned = peaks('');
  const view = peaks('--no-clone-scatter-output-in-embedding');
  close(view[0]! - cloned[0]!, (4 * 4096 * 4096 * 2 * 3) / 4 / 2 ** 30, 'stage 0 (GiB)');
  for (let r = 1; r < 4; r++) close(view[r]!, cloned[r]!, `stage ${r}`);
  // Its other spelling (argument_utils.py:194 adds --disable-* for every store_false field) reads the same.
  assert.deepEqual(peaks('--disable-clone-scatter-output-in-embedding'), view);
});
