// Hybrid (Mamba) models (resolve/derived/hybrid.ts, model/hybrid.ts): the layer count a hybrid pattern gives, by
// Megatron version, and the refusal to simulate layers the cost and memory models do not know — each expectation
// from the framework source cited at the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../../src/core/analyze';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';
import { parseHybridPattern } from '../../../../src/core/megatron/resolve/derived/hybrid';

const MODEL =
  '--hidden-size 1024 --num-attention-heads 16 --seq-length 4096 --max-position-embeddings 4096 --micro-batch-size 4 --global-batch-size 32 --bf16 --vocab-size 128000';
const launch = (entry: string, flags: string, prefix = ''): string =>
  ['#!/bin/bash', prefix, `torchrun --nproc_per_node 8 ${entry} \\`, `  ${MODEL} \\`, `  ${flags}`, ''].join('\n');
const read = (text: string) => readLaunchConfig(text, 'train.sh');
const diags = (text: string, code: string) => read(text).diagnostics.filter((d) => d.code === code);

test('the pattern grammar: main pattern before "/", pipes split segments, other symbols are invalid', () => {
  // hybrid_layer_allocation.py:128-161 (Megatron-LM d98e8a64): the count is the main pattern (before the first
  // MTP separator '/') without '|'; segments = pipes + 1. Symbols at lines 14-25.
  assert.deepEqual(parseHybridPattern('M-M-|M-M*-/MM/MM'), { layers: 'M-M-M-M*-', segments: 2, invalid: null });
  assert.deepEqual(parseHybridPattern('MEM*E'), { layers: 'MEM*E', segments: 1, invalid: null });
  assert.equal(parseHybridPattern('SDH*')?.invalid, 'S');
});

test('current Megatron-LM takes num_layers from --hybrid-layer-pattern and ignores --num-layers', () => {
  // Megatron-LM d98e8a64 megatron/training/arguments.py:787-797: num_layers = get_hybrid_total_layer_count(pattern),
  // with a warning when --num-layers differs; rules/required.ts: no --num-layers needed then.
  const pattern = 'M-M-M--M-*M-M-M-M--*M-M-M-M-*M--M-M-M-*M-M--M-M-'; // examples/mamba/train.sh's 48-layer pattern
  const r = read(launch('pretrain_hybrid.py', `--hybrid-layer-pattern "${pattern}"`));
  assert.equal(r.config.numLayers, 48);
  assert.equal(r.config.hybridLayerPattern, pattern);
  assert.deepEqual(
    r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code),
    [],
  );
  const both = diags(
    launch('pretrain_hybrid.py', `--num-layers 40 --hybrid-layer-pattern "${pattern}"`),
    'invalid-flag-value',
  );
  assert.equal(both.length, 1);
  assert.equal(both[0]?.severity, 'information');
  assert.match(both[0]?.message ?? '', /builds the pattern's 48 layers and ignores --num-layers/);
});

test('--hybrid-override-pattern: current Megatron-LM derives the count, releases up to core_r0.16 need equality', () => {
  // Current: arguments.py:744-755 maps it to hybrid_layer_pattern. core_r0.16 (ddc0d677)
  // megatron/core/ssm/mamba_hybrid_layer_allocation.py:72-80 raises ValueError when the length differs from
  // --num-layers. Under an unknown version the mismatch is a warning naming both.
  const mismatched = diags(
    launch('pretrain_mamba.py', '--num-layers 4 --hybrid-override-pattern "M-*"'),
    'invalid-flag-value',
  );
  assert.equal(mismatched[0]?.severity, 'warning');
  assert.match(mismatched[0]?.message ?? '', /releases up to core_r0.16 stop with ValueError/);
  assert.equal(read(launch('pretrain_mamba.py', '--hybrid-override-pattern "M-*"')).config.numLayers, 3);
  assert.deepEqual(
    read(launch('pretrain_mamba.py', '--hybrid-override-pattern "M-*"'))
      .diagnostics.filter((d) => d.code === 'missing-required-arg' && d.severity === 'error')
      .map((d) => d.message),
    [],
  );
});

test('the Zero-Bubble fork (an older Megatron-Core) requires the pattern to have --num-layers symbols', () => {
  // sail-sg/zero-bubble-pipeline-parallelism 39f2c186 megatron/core/ssm/mamba_hybrid_layer_allocation.py:61-70.
  const zb = '--enable-zero-bubble --zero-bubble-max-pending-backward 8 --pipeline-model-parallel-size 2';
  const wrong = diags(
    launch('pretrain_mamba.py', `${zb} --num-layers 4 --hybrid-override-pattern "M-*"`),
    'invalid-flag-value',
  );
  assert.equal(wrong[0]?.severity, 'error');
  const ok = read(launch('pretrain_mamba.py', `${zb} --num-layers 3 --hybrid-override-pattern "M-*"`));
  assert.equal(ok.config.numLayers, 3);
  assert.deepEqual(
    ok.diagnostics.filter((d) => d.code === 'invalid-flag-value'),
    [],
  );
});

test('older ratio flags: round(L·ratio) attention and MLP layers, the rest Mamba (Python rounding)', () => {
  // core_r0.16 mamba_hybrid_layer_allocation.py `_allocate_auto`: attention round(48·0.08) = round(3.84) = 4,
  // MLP round(48·0.5) = 24, Mamba 48 − 4 − 24 = 20 (the Zero-Bubble fork's examples/mamba/train.sh values).
  const r = read(launch('pretrain_mamba.py', '--num-layers 48 --hybrid-attention-ratio 0.08 --hybrid-mlp-ratio 0.5'));
  const p = r.config.hybridLayerPattern ?? '';
  assert.equal([...p].filter((c) => c === '*').length, 4);
  assert.equal([...p].filter((c) => c === '-').length, 24);
  assert.equal([...p].filter((c) => c === 'M').length, 20);
  assert.equal(r.config.numLayers, 48);
});

test('an invalid layer symbol is an error where it is certain, a warning when the value rests on an assumption', () => {
  // hybrid_layer_allocation.py:277-294 (d98e8a64): _validate_pattern raises ValueError on any other symbol.
  const bad = diags(launch('pretrain_hybrid.py', '--hybrid-layer-pattern "M-Q*"'), 'invalid-flag-value');
  assert.equal(bad[0]?.severity, 'error');
  assert.match(bad[0]?.message ?? '', /'Q' is not a layer symbol/);
  const assumed = diags(
    launch('pretrain_hybrid.py', '--hybrid-layer-pattern "${PATTERN:-M-Q*}"'),
    'invalid-flag-value',
  );
  assert.equal(assumed[0]?.severity, 'warning');
});

test('a hybrid model is checked but not simulated, and says why on every schedule', () => {
  const result = analyze(launch('pretrain_hybrid.py', '--hybrid-layer-pattern "M-M-M*-M-"'), { fileName: 'train.sh' });
  const evaluations = Object.values(result.schedules);
  assert.ok(evaluations.length > 0);
  for (const e of evaluations) {
    assert.equal(e.applicable, false);
    assert.match(e.reason ?? '', /hybrid Mamba model \(4 Mamba, 4 MLP, 1 attention layers\)/);
  }
  assert.equal(result.config.numLayers, 9);
});
