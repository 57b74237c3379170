// The CLI on launch fixtures: exit codes and the JSON shape of `config` and `diagnostics` (0-based line/column), as
// CI scripts consume them. In-process through the CLI's dispatcher, except one spawn of the built binary that checks
// the bin wiring (shebang, exit code); it reads dist/ as `npm run build` left it and never builds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { REPO_ROOT, repoPath } from '../../support/paths';
import { runCliCaptured } from '../../support/cliHarness';

/** `run('analyze', 'media/…', '--json')`: repository-relative file arguments, as the tests were written from the root. */
function run(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = runCliCaptured(...args.map((a) => (a.includes('/') ? repoPath(a) : a)));
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

test('analyze --json on the demo: exit 0, the issue-2 config fields, 0-based diagnostic positions', () => {
  const r = run('analyze', 'media/examples/seq1f1b-30b-64k.sh', '--json');
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.format, 'bash');
  assert.equal(json.isLaunchConfig, true);
  const c = json.config;
  for (const key of [
    'numLayers',
    'hiddenSize',
    'ffnHiddenSize',
    'numAttentionHeads',
    'numQueryGroups',
    'kvChannels',
    'seqLength',
    'maxPositionEmbeddings',
    'microBatchSize',
    'globalBatchSize',
    'tensorParallel',
    'pipelineParallel',
    'virtualStages',
    'contextParallel',
    'expertParallel',
    'numExperts',
    'sequenceParallel',
    'worldSize',
    'dataParallel',
    'numMicrobatches',
    'paddedVocabSize',
    'pipeSpSplits',
    'pipeSpStrategy',
    'distributedOptimizer',
    'precision',
    'swiglu',
    'recomputeGranularity',
  ]) {
    assert.ok(key in c, key);
  }
  assert.deepEqual(
    [
      c.worldSize,
      c.tensorParallel,
      c.pipelineParallel,
      c.dataParallel,
      c.numMicrobatches,
      c.pipeSpSplits,
      c.pipeSpStrategy,
    ],
    [64, 8, 8, 1, 16, 4, 'uniform_comp'],
  );
  assert.equal(json.diagnostics.length, 1);
  const d = json.diagnostics[0];
  assert.deepEqual(Object.keys(d).sort(), ['code', 'column', 'endColumn', 'endLine', 'line', 'message', 'severity']);
  // `    --no-async-tensor-model-parallel-allreduce \` is on line 59 (1-based), column 5 (1-based).
  assert.deepEqual([d.code, d.severity, d.line, d.column, d.endColumn], ['deprecated-flag', 'hint', 58, 4, 46]);
});

test('analyze --json on a broken script: still exit 0, with the errors in the JSON', () => {
  const r = run('analyze', 'test/fixtures/launch/broken-batch.sh', '--json');
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  const gbs = json.diagnostics.find((d: { code: string }) => d.code === 'global-batch-not-divisible');
  // `    --global-batch-size $GBS \` — 0-based line 18, `$GBS` at columns 24–28.
  assert.deepEqual([gbs.severity, gbs.line, gbs.column, gbs.endLine, gbs.endColumn], ['error', 18, 24, 18, 28]);
  assert.equal(json.config.numMicrobatches, null);
});

test('analyze on unreadable input exits 2 (the other refused inputs are in input.test.ts)', () => {
  const r = run('analyze', 'test/fixtures/launch/no-such-launch.sh', '--json');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^schedule-inspector: cannot read .*no-such-launch\.sh: ENOENT\n$/);
  assert.equal(r.stdout, '');
});

test('the built bin (dist/cli.js): runs as an executable script, exit 0 on --help and 2 on a usage error', (t) => {
  const cli = repoPath('dist', 'cli.js');
  if (!existsSync(cli)) {
    t.skip(`NOT RUN: ${cli} is missing; run \`npm run build\` before the unit tests (npm test does)`);
    return;
  }
  const bin = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  const help = bin('--help');
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage:\n {2}schedule-inspector analyze FILE/);
  const bad = bin('frobnicate');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^schedule-inspector: unknown command 'frobnicate'/);
  // package.json's "bin" points here; npm links it as an executable, which needs the shebang on the first line.
  const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { bin: Record<string, string> };
  assert.equal(repoPath(Object.values(pkg.bin)[0] ?? ''), cli);
  assert.match(readFileSync(cli, 'utf8'), /^#!\/usr\/bin\/env node\n/);
});
