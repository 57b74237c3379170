// Layer placement lists on real-style launches (fixtures written for these tests in test/fixtures/lists/): Megatron-LM's
// --pipeline-model-parallel-layout, MindSpeed-LLM's --num-layer-list and MindSpeed's --noop-layers, each expectation
// from the framework source cited at the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readLaunchConfig } from '../../../../../src/core/read/readLaunchConfig';
import type { CoreDiagnostic } from '../../../../../src/core/types';
import { repoPath } from '../../../../support/paths';

const fixture = (name: string): string => readFileSync(repoPath('test/fixtures/lists', name), 'utf8');
const CODES = ['invalid-pipeline-layout', 'layers-not-divisible-by-pp'];
function layerDiagnostics(text: string, file = 'run.sh'): CoreDiagnostic[] {
  return readLaunchConfig(text, file).diagnostics.filter((d) => CODES.includes(d.code));
}
function oneError(text: string, message: RegExp, file = 'run.sh'): CoreDiagnostic {
  const ds = layerDiagnostics(text, file);
  assert.equal(ds.length, 1, JSON.stringify(ds.map((d) => d.message)));
  assert.equal(ds[0].code, 'invalid-pipeline-layout');
  assert.equal(ds[0].severity, 'error');
  assert.match(ds[0].message, message);
  return ds[0];
}
const LIST = fixture('mindspeed-num-layer-list.sh');
const NOOP = fixture('mindspeed-noop-layers.sh');
const SHORTHAND = fixture('layout-shorthand.yaml');
const QUOTED = fixture('layout-in-quoted-args.sh');

test('--num-layer-list 16,16,16,13 places 61 layers on PP 4: no divisibility error', () => {
  // MindSpeed-LLM features_manager/pipeline_parallel/num_layer_list.py:18-22 (c77308a1) sets num_layers to the list's
  // length before Megatron's num_layers % PP check; training/arguments.py:141-147 then wants the sum to be num_layers.
  assert.deepEqual(layerDiagnostics(LIST), []);
  // Without the list, the same file is Megatron's divisibility error.
  const plain = LIST.replace(/ *--num-layer-list 16,16,16,13 \\\n/, '');
  assert.deepEqual(
    layerDiagnostics(plain).map((d) => d.code),
    ['layers-not-divisible-by-pp'],
  );
});

test('--num-layer-list: the sum must be --num-layers (arguments.py:146-147)', () => {
  const d = oneError(LIST.replace('16,16,16,13', '16,16,16,12'), /sums to 60 layers but --num-layers is 61/);
  const line = LIST.split('\n').findIndex((l) => l.includes('--num-layer-list'));
  assert.equal(d.range.line, line);
});

test('--num-layer-list: one entry per stage (num_layer_list.py:27-28), PP + 1 under layerwise disaggregated training', () => {
  oneError(LIST.replace('16,16,16,13', '20,20,21'), /has 3 entries but needs 4 \(one per pipeline stage\)/);
  // core/layerwise_disaggregated_training/initialize.py:106-113: PP + 1 entries, the last folded into the first.
  const ldt = LIST.replace('16,16,16,13', '2,16,16,25,2').replace(
    '--bf16',
    '--bf16 --layerwise-disaggregated-training',
  );
  assert.deepEqual(layerDiagnostics(ldt), []);
  oneError(ldt.replace('2,16,16,25,2', '16,16,16,13'), /needs 5 \(PP \+ 1 with --layerwise-disaggregated-training\)/);
});

test('--num-layer-list: integers only, no VPP (num_layer_list.py:31-32; arguments.py:143 int())', () => {
  oneError(LIST.replace('16,16,16,13', '16,16,16,x'), /entry 'x' is not an integer/);
  oneError(
    LIST.replace('--bf16', '--bf16 --num-layers-per-virtual-pipeline-stage 2'),
    /cannot be combined with --num-layers-per-virtual-pipeline-stage/,
  );
});

test('--noop-layers: counted in --num-layers; indices are digits below it (MindSpeed noop_layers.py:39-52)', () => {
  assert.deepEqual(layerDiagnostics(NOOP), []);
  oneError(NOOP.replace('61,62,63', '62,63,64'), /entry 64 is not below --num-layers 64/);
  oneError(NOOP.replace('61,62,63', '61,,63'), /entry '' is not a layer index/);
  // The no-op layers are still layers for Megatron's num_layers % PP check (the feature only post-validates).
  assert.deepEqual(
    layerDiagnostics(NOOP.replace('LAYERS=64', 'LAYERS=61').replace('61,62,63', '60')).map((d) => d.code),
    ['layers-not-divisible-by-pp'],
  );
  // num_layer_list.py:35-38: with no-op layers the per-stage list is dropped, which the user should know.
  const both = NOOP.replace('--noop-layers 61,62,63', '--noop-layers 61,62,63 --num-layer-list 8,8,8,8,8,8,8,8');
  const info = layerDiagnostics(both);
  assert.deepEqual(
    info.map((d) => [d.severity, d.code]),
    [['information', 'invalid-pipeline-layout']],
  );
});

test("x*n layouts that Megatron-LM's own tests use read clean; v = stages / PP", () => {
  // pipeline_parallel_layer_layout.py:297-301 unrolls x*n; 'Et*2|(tt|)*5t|tmL' has 8 stages over PP 4, 14 t, 1 m.
  const yaml = readLaunchConfig(SHORTHAND, 'model_config.yaml');
  assert.deepEqual(
    yaml.diagnostics.filter((d) => CODES.includes(d.code)),
    [],
  );
  assert.equal(yaml.config.virtualStages, 2);
  const quoted = readLaunchConfig(QUOTED, 'run.sh');
  assert.deepEqual(
    quoted.diagnostics.filter((d) => CODES.includes(d.code)),
    [],
  );
  assert.equal(quoted.config.virtualStages, 2);
});

test('layout checks follow validate_layer_layout (pipeline_parallel_layer_layout.py:94-136)', () => {
  const withLayout = (layout: string): string => QUOTED.replace('Et*11|t*12|t*12|t*8mL', layout);
  // Lines 95-100: embedding first, loss last.
  oneError(withLayout('t*11|Et*12|t*12|t*8mL'), /must start with the embedding E/);
  oneError(withLayout('Et*11|t*12|t*12|t*8Lm'), /must end with the loss L/);
  // Lines 107-110: the t count is --num-layers.
  oneError(withLayout('Et*11|t*12|t*12|t*7mL'), /places 42 decoder layers \(t\) but --num-layers is 43/);
  // Lines 112-114: the m count is --mtp-num-layers.
  oneError(withLayout('Et*11|t*12|t*12|t*8L'), /places 0 MTP layers \(m\) but --mtp-num-layers is 1/);
  // Lines 115-120: no decoder layer after an MTP layer.
  oneError(withLayout('Et*11|t*12|t*12|t*7mtL'), /decoder layers \(t\) after an MTP layer/);
  // Lines 121-126: MTP only in the last model chunk of a rank (stage 2 is rank 1's first chunk with PP 2).
  oneError(withLayout('Et*43|m||L'), /last model chunk of their PP rank/);
  // …but a rank's last chunk may hold it even when that rank is not the last (mtp_standalone, lines 137-145).
  assert.deepEqual(layerDiagnostics(withLayout('Et*43||m|L')), []);
  // arguments.py:941-950: stages a multiple of PP.
  oneError(withLayout('Et*23|t*20mL|'), /3 stages, not a multiple of PP 2/);
  // transformer_config.py:2244-2258: no first/last-stage counts beside a layout.
  oneError(
    QUOTED.replace('--bf16', '--bf16 --decoder-first-pipeline-num-layers 11'),
    /cannot be combined with --decoder-first-pipeline-num-layers/,
  );
});
