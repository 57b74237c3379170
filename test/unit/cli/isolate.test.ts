// The CLI runs in a worker with a heap limit (src/cli/isolate.ts): a runaway allocation becomes the documented
// one-line internal error with exit 3, never the process-wide V8 abort (exit 134) issue 15 saw. The stand-in worker
// allocates for real; the 64 MB limit keeps that quick.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { runInWorker } from '../../../src/cli/isolate';
import { EXIT_CODES } from '../../../src/cli/args';
import { REPO_ROOT, repoPath } from '../../support/paths';

const child = repoPath('test/support/cliWorkerChild.mjs');

async function run(...argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await runInWorker(child, argv, 64, (s) => void (stderr += s));
  return { code, stderr };
}

test("the worker's own exit code is the run's", async () => {
  assert.deepEqual(await run('exit', '2'), { code: 2, stderr: '' });
  assert.deepEqual(await run('exit', '0'), { code: 0, stderr: '' });
});

test('running out of heap is one line and exit 3, not an abort of the process', async () => {
  const r = await run('oom');
  assert.equal(r.code, EXIT_CODES.internal);
  assert.equal(
    r.stderr,
    'schedule-inspector: internal error: the run needed more than 64 MB of heap and was stopped — a bug in Schedule Inspector, not in the file\n',
  );
});

test('an uncaught error in the worker is one line and exit 3', async () => {
  const r = await run('throw');
  assert.equal(r.code, EXIT_CODES.internal);
  assert.match(r.stderr, /^schedule-inspector: internal error: RangeError: Invalid array length — a bug[^\n]*\n$/);
});

test('the bundled bin runs the CLI in its worker: exit codes, output and refusals as documented', (t) => {
  // Bundled as esbuild.mjs bundles dist/cli.js (CJS, node platform), into a folder of the test's own.
  const dir = mkdtempSync(join(tmpdir(), 'si-cli-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cli = join(dir, 'cli.js');
  buildSync({
    entryPoints: [repoPath('src/cli.ts')],
    outfile: cli,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'silent',
  });
  const bin = (...args: string[]) =>
    spawnSync(process.execPath, [cli, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  const example = bin('analyze', 'media/examples/llama2-7b-1f1b.sh', '--json');
  assert.equal(example.status, EXIT_CODES.ok, example.stderr);
  assert.equal(JSON.parse(example.stdout).isLaunchConfig, true);
  const usage = bin('frobnicate');
  assert.equal(usage.status, EXIT_CODES.usageOrInput);
  assert.match(usage.stderr, /^schedule-inspector: unknown command 'frobnicate'\nUsage:/);
  // The test's own folder holds only cli.js: no launch file to analyse.
  const refused = bin('analyze', dir);
  assert.deepEqual(
    [refused.status, refused.stdout, refused.stderr],
    [
      EXIT_CODES.usageOrInput,
      '',
      `schedule-inspector: ${dir} is a directory with no launch files (*.sh, *.bash, *.yaml, *.yml) in it\n`,
    ],
  );
  // A directory of launch files is analysed file by file; --fail-on error turns a certain error into exit 1.
  const examples = bin('analyze', 'media/examples', '--json', '--fail-on', 'never');
  assert.equal(examples.status, EXIT_CODES.ok, examples.stderr);
  assert.ok((JSON.parse(examples.stdout) as unknown[]).length >= 3);
});
