import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findWebviewAssets } from '../../../src/report/html';
import { repoPath } from '../../support/paths';
import { runCliCaptured } from '../../support/cliHarness';

const example = repoPath('media/examples/seq1f1b-30b-64k.sh');

/** Runs `analyze ARGV…` in-process with stdout/stderr captured. */
function run(argv: string[]): { code: number; out: string; err: string } {
  const r = runCliCaptured('analyze', ...argv);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

test('analyze --trace writes a Perfetto trace of the selected schedule and keeps --json stdout pure JSON', () => {
  const dir = mkdtempSync(join(tmpdir(), 'si-trace-'));
  try {
    const path = join(dir, 't.json');
    const r = run([example, '--json', '--trace', path]);
    assert.equal(r.code, 0);
    const json = JSON.parse(r.out);
    assert.match(r.err, /^Trace: .*t\.json \(\d+ events/m);
    const trace = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(trace.metadata.schedule, json.selectedSchedule);
    assert.ok(trace.traceEvents.some((e: { ph: string }) => e.ph === 'X'));
    assert.ok(trace.traceEvents.some((e: { ph: string }) => e.ph === 's'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('analyze --report writes the standalone page with the data inlined', (t) => {
  if (!findWebviewAssets(__dirname)) {
    t.skip('dist/webview/main.js is not built (npm run build)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'si-report-'));
  try {
    const path = join(dir, 'r.html');
    const r = run([example, '--report', path]);
    assert.equal(r.code, 0);
    assert.match(r.out, new RegExp(`^Report: ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'));
    const html = readFileSync(path, 'utf8');
    assert.match(
      html,
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src blob: data:; style-src 'nonce-[^']+'; script-src 'nonce-[^']+'">/,
    );
    assert.match(html, /<script type="application\/json" id="si-report-data">\[\{"type":"analysis"/);
    assert.ok(existsSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unwritable --trace path is a usage error (exit 2 and the reason), not a crash', () => {
  const r = run([example, '--trace', join(tmpdir(), 'no-such-dir-si', 'x', 't.json')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /^schedule-inspector: cannot write .*t\.json: ENOENT$/m);
});
