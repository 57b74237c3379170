// The edit path (issue 16): analyze() with scope 'edit' simulates the file's own schedule only, and a long one as
// periodic samples (periodic.ts) whose figures are marked extrapolated; scope 'full' (the CLI, and the editor once the
// user pauses) simulates every schedule, a long one sampled the same way (issue 15).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../../src/core/analyze';
import { evaluateSchedule } from '../../../../src/core/schedule/engine';

// 16 stages × 4,096 microbatches (global 4,096 / (micro 1 · DP 1)): 131,072 1F1B ops, twice the edit path's samples.
const SCRIPT = [
  '#!/bin/bash',
  'torchrun --nproc_per_node 8 --nnodes 2 pretrain_gpt.py \\',
  '  --num-layers 32 --hidden-size 2048 --num-attention-heads 16 --seq-length 2048 --max-position-embeddings 2048 \\',
  '  --micro-batch-size 1 --global-batch-size 4096 --vocab-size 32000 --bf16 \\',
  '  --tensor-model-parallel-size 1 \\',
  '  --pipeline-model-parallel-size 16',
  '',
].join('\n');

test('scope edit: only the own schedule, sampled and marked extrapolated; no sweep, no bubble hint', () => {
  const edit = analyze(SCRIPT, { fileName: 'train.sh', scope: 'edit' });
  assert.equal(edit.selectedSchedule, '1f1b');
  assert.deepEqual(Object.keys(edit.schedules), ['1f1b']);
  const own = edit.schedules['1f1b']!;
  assert.equal(own.applicable, true, own.reason ?? '');
  assert.ok(own.extrapolated, 'marked extrapolated');
  assert.equal(own.extrapolated.periodMicrobatches, 16);
  assert.ok(own.sim && own.sim.spec.microbatches === own.extrapolated.sampleMicrobatches);
  assert.ok(own.extrapolated.sampleMicrobatches < 4096);
  assert.match(own.reason ?? '', /extrapolated: [\d,]+ of 4,096 microbatches simulated/);
  assert.equal(edit.recommendation, null);
  assert.ok(own.peakMemoryGiBPerStage, 'memory of the sample');

  // The full analysis draws the same samples since issue 15 (FULL_SAMPLE_OPS = the edit path's), so the figures the
  // editor shows while typing are the ones it confirms, to the bit.
  const full = analyze(SCRIPT, { fileName: 'train.sh' });
  const confirmed = full.schedules['1f1b']!;
  assert.deepEqual(confirmed.extrapolated, own.extrapolated);
  assert.ok(Object.keys(full.schedules).length > 1);
  assert.equal(confirmed.stepTimeMs, own.stepTimeMs);
  assert.deepEqual(confirmed.peakMemoryGiBPerStage, own.peakMemoryGiBPerStage);
  // And they are the op-by-op simulation's (all 131,072 ops, no sampling), to rounding.
  const choice = { schedule: '1f1b' as const, splits: 1, strategy: 'average' as const, virtualStages: 1 };
  const whole = evaluateSchedule(full.config, choice, { gpu: full.gpu });
  assert.equal(whole.sim?.opCount, 131_072);
  const rel = (a: number, b: number): number => Math.abs(a - b) / b;
  assert.ok(rel(own.stepTimeMs!, whole.stepTimeMs!) < 1e-9, `${own.stepTimeMs} vs ${whole.stepTimeMs}`);
  assert.ok(rel(own.bubbleFraction!, whole.bubbleFraction!) < 1e-6);
});

test('scope full samples a schedule longer than the analysis budget instead of refusing it', () => {
  // 16 × 65,536 × 2 = 2,097,152 ops: past ANALYSIS_MAX_OPS (262,144).
  const long = SCRIPT.replace('--global-batch-size 4096', '--global-batch-size 65536');
  const r = analyze(long, { fileName: 'train.sh' });
  const own = r.schedules['1f1b']!;
  assert.equal(own.applicable, true, own.reason ?? '');
  assert.ok(own.extrapolated && own.extrapolated.sampleMicrobatches < 65536);
  assert.ok(own.stepTimeMs! > 0 && Number.isFinite(own.tokensPerSecond!));
});
