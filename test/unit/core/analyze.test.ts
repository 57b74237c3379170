import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../../src/core/analyze';
import { applyEdits } from '../../../src/core/edits/planFlagEdit';
import { REPO_ROOT as root } from '../../support/paths';

const example = readFileSync(join(root, 'media/examples/seq1f1b-30b-64k.sh'), 'utf8');

test("scope 'selected' gives the hover rows the same figures as the full analysis, for one schedule only", () => {
  const full = analyze(example, { fileName: 'seq1f1b-30b-64k.sh' });
  const quick = analyze(example, { fileName: 'seq1f1b-30b-64k.sh', scope: 'selected' });
  assert.equal(full.selectedSchedule, 'seq1f1b');
  assert.equal(quick.selectedSchedule, 'seq1f1b');
  assert.deepEqual(Object.keys(quick.schedules), ['seq1f1b']);
  assert.ok(Object.keys(full.schedules).length > 1, 'the full analysis evaluates what-if alternatives');
  const a = full.schedules.seq1f1b!;
  const b = quick.schedules.seq1f1b!;
  assert.equal(b.stepTimeMs, a.stepTimeMs);
  assert.equal(b.bubbleFraction, a.bubbleFraction);
  assert.deepEqual(b.peakMemoryGiBPerStage, a.peakMemoryGiBPerStage);
  assert.equal(quick.recommendation, null, 'no recommendation sweep in a quick analysis');
  assert.ok(full.recommendation, 'the full analysis recommends');
});

test('a non-launch file costs nothing and says nothing', () => {
  const r = analyze('#!/bin/bash\nset -e\necho hello\nls -la\n', { fileName: 'x.sh' });
  assert.equal(r.isLaunchConfig, false);
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.schedules, {});
});

test('a file over the size limit says why it was not read instead of "no launch found"', () => {
  const text = 'torchrun pretrain_gpt.py ' + '--num-layers 4 '.repeat(300_000);
  const r = analyze(text, { fileName: 'huge.sh' });
  assert.equal(r.isLaunchConfig, false);
  assert.deepEqual(
    r.diagnostics.map((d) => [d.code, d.severity]),
    [['file-too-large', 'information']],
  );
  assert.match(r.diagnostics[0].message, /4,500,025 characters/);
});

test('the bubble hint carries a fix when Seq1F1B is one flag away, and the fixed file runs Seq1F1B faster', () => {
  const file = join(root, 'test/integration/fixtures/bubble-few-microbatches.sh');
  const text = readFileSync(file, 'utf8');
  const before = analyze(text, { fileName: 'bubble-few-microbatches.sh' });
  assert.equal(before.selectedSchedule, '1f1b');
  const hint = before.diagnostics.find((d) => d.code === 'bubble');
  assert.ok(hint, 'a bubble hint for 4 stages fed 4 microbatches');
  // 1F1B idles (p-1)/(m+p-1) = 3/7 ≈ 43 % at uniform costs; communication and the last stage's logits only add to it.
  assert.ok(before.schedules['1f1b']!.bubbleFraction! > 0.4);
  const fix = hint.fixes?.[0];
  assert.ok(fix, 'the hint offers a fix');
  assert.match(fix.title, /--pipe-sp-splits \d+/);
  const k = Number(/--pipe-sp-splits (\d+)/.exec(fix.title)![1]);
  const after = analyze(applyEdits(text, fix.edits), { fileName: 'bubble-few-microbatches.sh' });
  assert.equal(after.config.pipeSpSplits, k);
  assert.equal(after.selectedSchedule, 'seq1f1b');
  assert.ok(after.schedules.seq1f1b!.stepTimeMs! < before.schedules['1f1b']!.stepTimeMs!);
  assert.equal(after.diagnostics.filter((d) => d.severity === 'error').length, 0, 'the fix introduces no error');
});

test('no bubble fix when Seq1F1B would need flash attention the file does not enable', () => {
  const text = readFileSync(join(root, 'test/integration/fixtures/bubble-few-microbatches.sh'), 'utf8').replace(
    '    --use-flash-attn \\\n',
    '',
  );
  const r = analyze(text, { fileName: 'x.sh' });
  assert.equal(r.config.useFlashAttn, false);
  const hint = r.diagnostics.find((d) => d.code === 'bubble');
  assert.ok(hint);
  assert.equal(hint.fixes, undefined);
});
