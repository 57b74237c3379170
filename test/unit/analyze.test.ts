import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/core/analyze';

const root = join(__dirname, '../../..');
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
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.severity]), [['file-too-large', 'information']]);
  assert.match(r.diagnostics[0].message, /4,500,025 characters/);
});
