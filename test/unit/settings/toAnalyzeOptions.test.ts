// settings/: settings → core options (clamping of hand-edited values) and which documents the service looks at.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { settingsToAnalyzeOptions } from '../../../src/settings/toAnalyzeOptions';
import { SETTING_DEFAULTS, type InspectorSettings } from '../../../src/settings/schema';
import { analysisFileName, isCandidateLanguage, looksLikeLaunch } from '../../../src/settings/documents';

const defaults: InspectorSettings = { ...SETTING_DEFAULTS };

test('defaults map onto the core options; null calibration values leave the core its own defaults', () => {
  // The documented defaults (README "Settings"): A100-80GB, warn at 90 %, bubble hint over 15 %, k ∈ {1, 2, 4, 8}.
  assert.deepEqual(settingsToAnalyzeOptions(defaults), {
    gpuId: 'a100-80gb',
    memoryWarningFraction: 0.9,
    bubbleHintFraction: 0.15,
    candidateSplits: [1, 2, 4, 8],
  });
});

test('hand-edited out-of-range values are clamped or dropped, never passed through', () => {
  const o = settingsToAnalyzeOptions({
    ...defaults,
    gpu: 'tpu-v5',
    memoryWarningThreshold: 3,
    efficiency: 0,
    overheadGiB: -1,
    candidateSplits: [8, 0, 2.5, 2, 2, 500],
    bubbleHintThreshold: NaN,
  });
  assert.equal(o.gpuId, 'a100-80gb');
  assert.equal(o.memoryWarningFraction, 1);
  assert.equal(o.efficiency, 0.05);
  assert.equal(o.overheadGiB, 0);
  assert.deepEqual(o.candidateSplits, [2, 8]);
  assert.equal(o.bubbleHintFraction, 0.15);
  assert.equal(settingsToAnalyzeOptions({ ...defaults, candidateSplits: [] }).candidateSplits, undefined);
  // More than eight k values: the eight smallest are tried (each is a full what-if simulation).
  assert.deepEqual(
    settingsToAnalyzeOptions({ ...defaults, candidateSplits: [64, 1, 2, 3, 4, 5, 6, 7, 8, 9] }).candidateSplits,
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  assert.equal(
    settingsToAnalyzeOptions({ ...defaults, overheadGiB: 100, memoryWarningThreshold: 0.1 }).overheadGiB,
    64,
  );
  assert.equal(settingsToAnalyzeOptions({ ...defaults, memoryWarningThreshold: 0.1 }).memoryWarningFraction, 0.5);
  assert.equal(settingsToAnalyzeOptions({ ...defaults, gpu: 'H100-80GB' }).gpuId, 'h100-80gb');
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
