import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GPU_PROFILES } from '../../src/core/hardware/gpus';
import { DEFAULT_BUBBLE_HINT_FRACTION } from '../../src/core/schedule/engine';
import { settingsToAnalyzeOptions, type InspectorSettings } from '../../src/editor/settings';
import { analysisFileName, isCandidateLanguage, looksLikeLaunch } from '../../src/editor/candidate';

const defaults: InspectorSettings = {
  gpu: 'a100-80gb', memoryWarningThreshold: 0.9, overheadGiB: null, efficiency: null,
  candidateSplits: [1, 2, 4, 8], bubbleHintThreshold: DEFAULT_BUBBLE_HINT_FRACTION, inlayHintsEnabled: true,
};

test('defaults map onto the core options; null calibration values leave the core its own defaults', () => {
  assert.deepEqual(settingsToAnalyzeOptions(defaults), {
    gpuId: 'a100-80gb', memoryWarningFraction: 0.9, bubbleHintFraction: 0.15, candidateSplits: [1, 2, 4, 8],
  });
});

test('hand-edited out-of-range values are clamped or dropped, never passed through', () => {
  const o = settingsToAnalyzeOptions({ ...defaults, gpu: 'tpu-v5', memoryWarningThreshold: 3, efficiency: 0, overheadGiB: -1, candidateSplits: [8, 0, 2.5, 2, 2, 500], bubbleHintThreshold: NaN });
  assert.equal(o.gpuId, 'a100-80gb');
  assert.equal(o.memoryWarningFraction, 1);
  assert.equal(o.efficiency, 0.05);
  assert.equal(o.overheadGiB, 0);
  assert.deepEqual(o.candidateSplits, [2, 8]);
  assert.equal(o.bubbleHintFraction, DEFAULT_BUBBLE_HINT_FRACTION);
  assert.equal(settingsToAnalyzeOptions({ ...defaults, candidateSplits: [] }).candidateSplits, undefined);
});

test('package.json settings schema matches the code: GPU enum, defaults, bounds', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8'));
  const props = pkg.contributes.configuration.properties;
  assert.deepEqual(props['scheduleInspector.gpu'].enum, GPU_PROFILES.map((g) => g.id));
  assert.equal(props['scheduleInspector.gpu'].default, defaults.gpu);
  assert.equal(props['scheduleInspector.memoryWarningThreshold'].default, defaults.memoryWarningThreshold);
  assert.deepEqual([props['scheduleInspector.memoryWarningThreshold'].minimum, props['scheduleInspector.memoryWarningThreshold'].maximum], [0.5, 1]);
  assert.deepEqual([props['scheduleInspector.efficiency'].minimum, props['scheduleInspector.efficiency'].maximum], [0.05, 1]);
  assert.deepEqual(props['scheduleInspector.candidateSplits'].default, defaults.candidateSplits);
  assert.equal(props['scheduleInspector.bubbleHintThreshold'].default, DEFAULT_BUBBLE_HINT_FRACTION, 'editor and CLI hint at the same bubble');
  assert.equal(props['scheduleInspector.inlayHints.enabled'].default, true);
  for (const [key, p] of Object.entries<Record<string, unknown>>(props)) assert.ok(p.markdownDescription, `${key} has a markdownDescription`);
  const commands = pkg.contributes.commands.map((c: { command: string; category: string }) => { assert.equal(c.category, 'Schedule Inspector'); return c.command; });
  for (const id of ['analyze', 'openTimeline', 'compareSchedules', 'selectGpu', 'exportTrace', 'openExample']) assert.ok(commands.includes(`scheduleInspector.${id}`), id);
  assert.ok(pkg.activationEvents.includes('onWebviewPanel:scheduleInspector.timeline'));
});

test('the cheap pre-check lets launches through and leaves other scripts alone', () => {
  assert.ok(looksLikeLaunch('torchrun pretrain_gpt.py --num-layers 2'));
  assert.ok(looksLikeLaunch('model:\n  tensor_model_parallel_size: 2\n'));
  assert.ok(!looksLikeLaunch('#!/bin/bash\nmake -j8 all\n'));
  assert.ok(isCandidateLanguage('shellscript', 'x'));
  assert.ok(isCandidateLanguage('plaintext', '/a/run.slurm'));
  assert.ok(!isCandidateLanguage('python', '/a/train.py'));
  assert.equal(analysisFileName('Untitled-1', 'yaml'), 'Untitled-1.yaml');
  assert.equal(analysisFileName('/w/run.sh', 'shellscript'), 'run.sh');
  assert.equal(analysisFileName('/w/conf.yml', 'yaml'), 'conf.yml');
});
