// The CLI's input contract (issue 15, docs/cli.md "Exit codes and limits"): FILE is read with a byte cap that does
// not trust `stat`, anything but a regular text file is refused with exit 2 and one line saying why, an empty file
// is analysed (exit 0, "no launch found"), and an internal failure is one line with exit 3 — never a stack trace.
// The hostile inputs run in a child process (a hang on a FIFO or /dev/zero can only be caught from outside): the
// child is killed after 5 s, and the CLI's own time must stay under 2 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync, closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeIo, type CliIo } from '../../../src/cli/io';
import { EXIT_CODES, InputError } from '../../../src/cli/args';
import { runCli } from '../../../src/cli/main';
import { MAX_INPUT_BYTES } from '../../../src/cli/analyzeCommand';
import { runCliCaptured } from '../../support/cliHarness';
import { REPO_ROOT, repoPath } from '../../support/paths';

const KILL_AFTER_MS = 5000;
const CLI_BUDGET_MS = 2000;

const dir = mkdtempSync(join(tmpdir(), 'si-cli-input-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

interface ChildRun {
  code: number;
  stdout: string;
  /** stderr without the child's timing line. */
  stderr: string;
  cliMs: number;
}

/** Loading tsx and compiling the core is not the CLI's time; on a loaded 2-core machine it can take many seconds. */
const START_UP_LIMIT_MS = 120_000;

/** Runs the CLI in a child; kills it KILL_AFTER_MS after it has loaded, and fails if it had to. */
function runChild(...argv: string[]): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', repoPath('test/support/cliTimedChild.mjs'), ...argv], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killedWhy: string | undefined;
    const kill = (why: string): void => {
      killedWhy = why;
      child.kill('SIGKILL');
    };
    const timers = [setTimeout(() => kill(`not loaded within ${START_UP_LIMIT_MS} ms`), START_UP_LIMIT_MS)];
    child.stdout.setEncoding('utf8').on('data', (d: string) => void (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (timers.length === 1 && stderr.startsWith('cli-start\n')) {
        clearTimeout(timers[0]);
        timers.push(setTimeout(() => kill(`the CLI did not finish within ${KILL_AFTER_MS} ms`), KILL_AFTER_MS));
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      for (const t of timers) clearTimeout(t);
      if (killedWhy !== undefined || code === null) return reject(new Error(killedWhy ?? 'killed by a signal'));
      const timing = /cli-ms=([\d.]+)\n$/.exec(stderr);
      if (!timing) return reject(new Error(`no timing line in the child's stderr: ${stderr}`));
      resolve({
        code,
        stdout,
        stderr: stderr.slice('cli-start\n'.length, timing.index),
        cliMs: Number(timing[1]),
      });
    });
  });
}

/** Exit 2, nothing on stdout, exactly one line on stderr matching `message`, under the time budget. */
function assertRefused(r: ChildRun, message: RegExp): void {
  assert.equal(r.code, EXIT_CODES.usageOrInput, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, message);
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, `more than one line: ${r.stderr}`);
  assert.ok(r.cliMs < CLI_BUDGET_MS, `took ${r.cliMs} ms`);
}

test('a FIFO is refused without opening it for a blocking read (no writer ever comes)', async (t) => {
  const fifo = join(dir, 'launch.sh');
  const made = spawnSync('mkfifo', [fifo]);
  if (made.status !== 0) return t.skip('NOT RUN: mkfifo is not available on this system');
  assertRefused(
    await runChild('analyze', fifo, '--json'),
    /^schedule-inspector: .*launch\.sh is a FIFO \(named pipe\), not a regular file/,
  );
});

test('/dev/zero (a character device that never ends) is refused unread', async (t) => {
  if (!existsSync('/dev/zero')) return t.skip('NOT RUN: no /dev/zero on this system');
  assertRefused(await runChild('analyze', '/dev/zero'), /^schedule-inspector: \/dev\/zero is a character device/);
});

test('a directory without launch files is refused with what it is', async () => {
  const empty = join(dir, 'empty-dir');
  mkdirSync(empty);
  assertRefused(
    await runChild('analyze', empty),
    /^schedule-inspector: .*empty-dir is a directory with no launch files/,
  );
});

test('binary junk (NUL bytes in the first KiB) is not a text launch file', async () => {
  // An ELF header: what `analyze ./pretrain_gpt` on a compiled binary would read.
  const junk = join(dir, 'pretrain_gpt');
  writeFileSync(junk, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x2d, 0x2d]));
  assertRefused(
    await runChild('analyze', junk, '--json'),
    /^schedule-inspector: .*pretrain_gpt is not a text launch file/,
  );
});

test('a 100 MB (sparse) file is refused from its size, quickly', async () => {
  const big = join(dir, 'big.sh');
  closeSync(openSync(big, 'w'));
  truncateSync(big, 100 * 1024 * 1024);
  assertRefused(
    await runChild('analyze', big),
    new RegExp(`^schedule-inspector: .*big\\.sh is ${100 * 1024 * 1024} bytes, over ${MAX_INPUT_BYTES};`),
  );
});

test('an empty file is analysed: exit 0, no launch found (text and JSON)', async () => {
  const empty = join(dir, 'empty.sh');
  writeFileSync(empty, '');
  const text = await runChild('analyze', empty);
  assert.equal(text.code, EXIT_CODES.ok, text.stderr);
  assert.match(text.stdout, /No Megatron-style launch found in this file\./);
  assert.ok(text.cliMs < CLI_BUDGET_MS, `took ${text.cliMs} ms`);
  const json = runCliCaptured('analyze', empty, '--json');
  assert.equal(json.code, EXIT_CODES.ok, json.stderr);
  const parsed = JSON.parse(json.stdout) as { isLaunchConfig: boolean; schedules: object; diagnostics: unknown[] };
  assert.deepEqual([parsed.isLaunchConfig, parsed.schedules, parsed.diagnostics], [false, {}, []]);
});

test('the byte cap holds when stat says the file is small (/proc files report size 0)', (t) => {
  // /proc/self/status is a regular file whose stat size is 0 but whose text is ~1 KB: only a capped read stops it.
  if (!existsSync('/proc/self/status')) return t.skip('NOT RUN: no /proc on this system');
  assert.throws(
    () => nodeIo.readTextFile('/proc/self/status', 64),
    (e) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, /\/proc\/self\/status is over 64 bytes;/);
      return true;
    },
  );
  assert.match(nodeIo.readTextFile('/proc/self/status', MAX_INPUT_BYTES), /^Name:/);
});

test('a file of exactly the cap is read; one byte more is refused', () => {
  const file = join(dir, 'cap.sh');
  writeFileSync(file, 'x'.repeat(100));
  assert.equal(nodeIo.readTextFile(file, 100).length, 100);
  assert.throws(() => nodeIo.readTextFile(file, 99), /is 100 bytes, over 99;/);
});

test('an internal failure is one line and exit 3, never a stack trace', () => {
  let stderr = '';
  const capture = (s: string): void => void (stderr += s);
  // What a bug deep in a read looks like: not an InputError and not an operating-system error (no errno code).
  const brokenRead: CliIo = {
    ...nodeIo,
    stdout: () => undefined,
    stderr: capture,
    readTextFile: () => {
      throw new TypeError("Cannot read properties of undefined (reading 'line')\n    at somewhere (x.ts:1:1)");
    },
  };
  assert.equal(runCli(['analyze', 'launch.sh'], brokenRead), EXIT_CODES.internal);
  assert.equal(
    stderr,
    "schedule-inspector: internal error: TypeError: Cannot read properties of undefined (reading 'line') — a bug in Schedule Inspector, not in the file; please report it with the file\n",
  );
  stderr = '';
  const brokenWrite: CliIo = {
    ...nodeIo,
    stderr: capture,
    stdout: () => {
      throw new RangeError('Invalid array length');
    },
  };
  assert.equal(runCli(['analyze', repoPath('media/examples/llama2-7b-1f1b.sh')], brokenWrite), EXIT_CODES.internal);
  assert.match(
    stderr,
    /^schedule-inspector: internal error: RangeError: Invalid array length — a bug in Schedule[^\n]*\n$/,
  );
});

test("an operating-system error while reading is the input's: exit 2 with its code", () => {
  let stderr = '';
  const io: CliIo = {
    ...nodeIo,
    stdout: () => undefined,
    stderr: (s) => void (stderr += s),
    readTextFile: () => {
      throw Object.assign(new Error('EACCES: permission denied, open launch.sh'), { code: 'EACCES' });
    },
  };
  assert.equal(runCli(['analyze', 'launch.sh'], io), EXIT_CODES.usageOrInput);
  assert.equal(stderr, 'schedule-inspector: cannot read launch.sh: EACCES\n');
});
