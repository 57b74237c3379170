// The dialect in the CLI's outputs (issue 12 §1): `--json` carries `dialect` and `dialectEvidence` (what, line,
// weight, which piece decided); the text summary prints one `Dialect` line naming the deciding piece.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyze } from '../../../src/core/analyze';
import { toJson } from '../../../src/report/json';
import { formatSummary } from '../../../src/report/text';
import { REPO_ROOT } from '../../support/paths';

const fixture = (name: string): string => readFileSync(path.join(REPO_ROOT, 'test/fixtures/dialect', name), 'utf8');

test('--json: dialect and every piece of evidence with its 0-based line and weight', () => {
  // --zero-stage is defined only by microsoft/Megatron-DeepSpeed megatron/arguments.py:1487; --deepspeed and
  // --deepspeed_config by deepspeed.add_config_arguments, which only that fork's parser calls.
  const json = toJson('ds.sh', analyze(fixture('megatron-deepspeed.sh'), { fileName: 'ds.sh', scope: 'selected' }));
  assert.equal(json.dialect, 'megatron-deepspeed');
  assert.deepEqual(json.dialectEvidence, [
    { dialect: 'megatron-lm', what: 'entry script pretrain_gpt.py', line: 2, weight: 1, decided: false },
    { dialect: 'megatron-deepspeed', what: 'launcher deepspeed', line: 2, weight: 2, decided: false },
    { dialect: 'megatron-deepspeed', what: 'flag --deepspeed', line: 8, weight: 3, decided: true },
    { dialect: 'megatron-deepspeed', what: 'flag --deepspeed_config', line: 8, weight: 3, decided: false },
    { dialect: 'megatron-deepspeed', what: 'flag --zero-stage', line: 8, weight: 3, decided: false },
  ]);
});

test('--json: the setting has no line; a file with no evidence is unknown with an empty list', () => {
  const forced = toJson('x.sh', analyze(fixture('nothing.sh'), { scope: 'selected', dialect: 'slime' }));
  assert.equal(forced.dialect, 'slime');
  assert.deepEqual(forced.dialectEvidence, [
    { dialect: 'slime', what: 'setting dialect=slime', line: null, weight: 10, decided: true },
  ]);
  const bare = toJson('x.sh', analyze(fixture('nothing.sh'), { scope: 'selected' }));
  assert.deepEqual([bare.dialect, bare.dialectEvidence], ['unknown', []]);
});

test('the text summary has a Dialect line with the deciding evidence, before the model', () => {
  // --pipe-sp-splits: thunlp/Seq1F1B megatron/arguments.py:732, no other parser defines it.
  const lines = formatSummary('s.sh', analyze(fixture('seq1f1b.sh'), { scope: 'selected' })).split('\n');
  assert.equal(lines[1], '  Dialect   seq1f1b — decided by flag --pipe-sp-splits (line 8) (+2 more)');
  // The script kind follows the dialect (issue 12 §2; tested in scriptKind.test.ts), then the model.
  assert.match(lines[2] ?? '', /^ {2}Kind {6}training — /);
  assert.match(lines[3] ?? '', /^ {2}Model /);
  const pai = formatSummary('p.sh', analyze(fixture('pai-megatron-patch.sh'), { scope: 'selected' }));
  assert.match(pai, /Dialect {3}pai-megatron-patch \(Megatron-LM-250328\) — decided by flag --patch-tokenizer-type/);
  const ambiguous = formatSummary('a.sh', analyze(fixture('ambiguous.sh'), { scope: 'selected' }));
  assert.match(ambiguous, /Dialect {3}unknown — the evidence points to more than one code base \(megatron-deepspeed: /);
});

test('a file that is not a launch prints a Dialect line only when it has one (a NeMo 2 recipe)', () => {
  const recipe = formatSummary('r.yaml', analyze(fixture('nemo2.yaml'), { fileName: 'r.yaml' }));
  assert.match(
    recipe,
    /No Megatron-style launch found in this file\.\n {2}Dialect {3}nemo-2 — decided by NeMo 2 recipe object/,
  );
  const plain = formatSummary('p.sh', analyze('echo hello\n', { fileName: 'p.sh' }));
  assert.doesNotMatch(plain, /Dialect/);
});
