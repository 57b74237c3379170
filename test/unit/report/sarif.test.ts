// `analyze --format sarif` (report/sarif.ts) and the batch exit codes of `--fail-on` (issue 20 §2): the log validates
// against the OASIS SARIF 2.1.0 schema (rtm.5, as published in @microsoft/jest-sarif), regions are 1-based, levels
// map from our severities, and the rule help is docs/diagnostics.md's own text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { EXIT_CODES } from '../../../src/cli/args';
import { RULE_HELP } from '../../../src/report/ruleHelp';
import { runCliCaptured } from '../../support/cliHarness';
import { repoPath } from '../../support/paths';
// @ts-expect-error -- a plain ES module script without types; the test calls its two exports.
import { renderRuleHelp } from '../../../scripts/rule-help.mjs';

// @microsoft/jest-sarif is installed for this schema file only (knip.json ignores it as a dependency: nothing imports it).
const schema = JSON.parse(
  readFileSync(repoPath('node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
) as Record<string, unknown>;
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

const dir = mkdtempSync(join(tmpdir(), 'si-sarif-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const MODEL =
  '--num-layers 8 --hidden-size 1024 --num-attention-heads 16 --seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --bf16 --vocab-size 32000';
// Clean: 8 GPUs = TP 2 × PP 2 × DP 2, 16 = 1 · 2 · 8 microbatches.
writeFileSync(
  join(dir, 'clean.sh'),
  `torchrun --nproc_per_node 8 pretrain_gpt.py ${MODEL} --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2 --global-batch-size 16\n`,
);
// A certain error on line 2: 8 GPUs cannot hold TP 4 × PP 4.
writeFileSync(
  join(dir, 'broken.sh'),
  `#!/bin/bash\ntorchrun --nproc_per_node 8 pretrain_gpt.py ${MODEL} --tensor-model-parallel-size 4 --pipeline-model-parallel-size 4 --global-batch-size 16\n`,
);
// Only a warning: the same error, but the GPU count rests on an environment default.
mkdirSync(join(dir, 'sub'));
writeFileSync(
  join(dir, 'sub', 'assumed.sh'),
  `torchrun --nproc_per_node \${GPUS:-8} pretrain_gpt.py ${MODEL} --tensor-model-parallel-size 4 --pipeline-model-parallel-size 4 --global-batch-size 16\n`,
);
writeFileSync(join(dir, 'notes.txt'), 'not a launch file\n');

test('a directory is analysed as its launch files, and the SARIF log validates against SARIF 2.1.0', () => {
  const run = runCliCaptured('analyze', dir, '--format', 'sarif');
  assert.equal(run.code, EXIT_CODES.ok, run.stderr);
  const log = JSON.parse(run.stdout) as {
    version: string;
    runs: {
      artifacts: { location: { uri: string }; properties: Record<string, unknown> }[];
      tool: { driver: { rules: { id: string; helpUri: string; help: { text: string } }[] } };
      results: {
        ruleId: string;
        ruleIndex: number;
        level: string;
        locations: { physicalLocation: { artifactLocation: { uri: string }; region: Record<string, number> } }[];
        properties: Record<string, unknown>;
      }[];
    }[];
  };
  assert.equal(validate(log), true, JSON.stringify(validate.errors, null, 1));
  assert.equal(log.version, '2.1.0');
  // The validator does reject what SARIF forbids: a level outside none/note/warning/error.
  const broken = structuredClone(log);
  const first = broken.runs[0]?.results[0];
  if (first) first.level = 'fatal';
  assert.equal(validate(broken), false);
  const [sarifRun] = log.runs;
  assert.ok(sarifRun);
  // Sorted, recursive, only launch-looking files (notes.txt is left out).
  const uris = sarifRun.artifacts.map((a) => a.location.uri);
  assert.equal(uris.length, 3);
  ['/broken.sh', '/clean.sh', '/sub/assumed.sh'].forEach((end, i) => assert.ok(uris[i]?.endsWith(end), uris[i]));
  // Outside the working directory a path is an absolute file URI (SARIF resolves relative ones against the checkout).
  assert.match(uris[0] ?? '', /^file:\/\/\//);
  const world = sarifRun.results.filter((r) => r.ruleId === 'world-size-not-divisible');
  assert.equal(world.length, 2);
  const certain = world.find((r) => r.locations[0]?.physicalLocation.artifactLocation.uri.endsWith('broken.sh'));
  const assumed = world.find((r) => r.locations[0]?.physicalLocation.artifactLocation.uri.endsWith('assumed.sh'));
  assert.equal(certain?.level, 'error');
  // Line 2 of broken.sh, 0-based 1 in the core: SARIF counts from 1.
  assert.equal(certain?.locations[0]?.physicalLocation.region['startLine'], 2);
  assert.equal(certain?.properties['dialect'], 'megatron-lm');
  assert.equal(assumed?.level, 'warning');
  assert.match(String((assumed?.properties['assumptions'] as string[] | undefined)?.[0]), /\$GPUS is not set/);
  // Each rule once, at the index results point to, with the docs' words and a link to its section.
  const rules = sarifRun.tool.driver.rules;
  assert.equal(rules[certain?.ruleIndex ?? -1]?.id, 'world-size-not-divisible');
  assert.match(rules[certain?.ruleIndex ?? -1]?.helpUri ?? '', /docs\/diagnostics\.md#world-size-not-divisible$/);
  assert.match(rules[certain?.ruleIndex ?? -1]?.help.text ?? '', /not divisible by TP·PP·CP/);
  assert.equal(new Set(rules.map((r) => r.id)).size, rules.length);
});

test('--fail-on: error fails on the certain error only, warning also on the assumed one, never keeps exit 0', () => {
  const clean = join(dir, 'clean.sh');
  const assumed = join(dir, 'sub', 'assumed.sh');
  assert.equal(runCliCaptured('analyze', dir, '--fail-on', 'error').code, EXIT_CODES.findings);
  assert.equal(runCliCaptured('analyze', clean, assumed, '--fail-on', 'error').code, EXIT_CODES.ok);
  assert.equal(runCliCaptured('analyze', clean, assumed, '--fail-on', 'warning').code, EXIT_CODES.findings);
  assert.equal(runCliCaptured('analyze', dir, '--fail-on', 'never').code, EXIT_CODES.ok);
  assert.equal(runCliCaptured('analyze', dir).code, EXIT_CODES.ok);
  // One file keeps the one-object JSON; a glob pattern the shell did not expand is expanded here.
  const one = runCliCaptured('analyze', clean, '--json');
  assert.equal((JSON.parse(one.stdout) as { file: string }).file, clean);
  const many = runCliCaptured('analyze', join(dir, '*.sh'), '--json', '--fail-on', 'error');
  assert.equal((JSON.parse(many.stdout) as unknown[]).length, 2);
  assert.equal(many.code, EXIT_CODES.findings);
});

test('in a batch an unreadable file is named on stderr and skipped; the run ends with exit 2', () => {
  const run = runCliCaptured('analyze', join(dir, 'clean.sh'), join(dir, 'missing.sh'), '--format', 'sarif');
  assert.equal(run.code, EXIT_CODES.usageOrInput);
  assert.match(run.stderr, /cannot read .*missing\.sh: ENOENT/);
  assert.equal((JSON.parse(run.stdout) as { runs: { artifacts: unknown[] }[] }).runs[0]?.artifacts.length, 1);
  assert.equal(runCliCaptured('analyze', join(dir, 'nothing-*.sh')).code, EXIT_CODES.usageOrInput);
  const usage = runCliCaptured('analyze', dir, '--trace', join(dir, 't.json'));
  assert.equal(usage.code, EXIT_CODES.usageOrInput);
  assert.match(usage.stderr, /--trace, --report, --log and --profile take exactly one FILE/);
  assert.equal(runCliCaptured('analyze', dir, '--json', '--format', 'sarif').code, EXIT_CODES.usageOrInput);
  assert.equal(runCliCaptured('analyze', dir, '--fail-on', 'sometimes').code, EXIT_CODES.usageOrInput);
});

test('the rule help is docs/diagnostics.md as it is now (npm run rule-help regenerates it)', () => {
  const docs = readFileSync(repoPath('docs/diagnostics.md'), 'utf8');
  assert.equal(readFileSync(repoPath('src/report/ruleHelp.ts'), 'utf8'), renderRuleHelp(docs) as string);
  assert.ok(RULE_HELP.size >= 50);
});
