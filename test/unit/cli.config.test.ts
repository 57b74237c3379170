// The built CLI on launch fixtures: exit codes and the JSON shape of `config` and `diagnostics`
// (0-based line/column), as CI scripts consume them.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '../../..');
const cli = path.join(root, 'dist/cli.js');

before(() => {
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'pipe' });
});

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('analyze --json on the demo: exit 0, the issue-2 config fields, 0-based diagnostic positions', () => {
  const r = run('analyze', 'media/examples/seq1f1b-30b-64k.sh', '--json');
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.format, 'bash');
  assert.equal(json.isLaunchConfig, true);
  const c = json.config;
  for (const key of ['numLayers', 'hiddenSize', 'ffnHiddenSize', 'numAttentionHeads', 'numQueryGroups', 'kvChannels', 'seqLength', 'maxPositionEmbeddings', 'microBatchSize', 'globalBatchSize', 'tensorParallel', 'pipelineParallel', 'virtualStages', 'contextParallel', 'expertParallel', 'numExperts', 'sequenceParallel', 'worldSize', 'dataParallel', 'numMicrobatches', 'paddedVocabSize', 'pipeSpSplits', 'pipeSpStrategy', 'distributedOptimizer', 'precision', 'swiglu', 'recomputeGranularity']) {
    assert.ok(key in c, key);
  }
  assert.deepEqual([c.worldSize, c.tensorParallel, c.pipelineParallel, c.dataParallel, c.numMicrobatches, c.pipeSpSplits, c.pipeSpStrategy], [64, 8, 8, 1, 16, 4, 'uniform_comp']);
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

test('analyze on unreadable input exits 2', () => {
  const r = run('analyze', 'test/fixtures/launch', '--json');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot read/);
});
