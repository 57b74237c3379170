import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runAnalyzeCommand } from '../../src/cli/analyzeCommand';
import { UsageError } from '../../src/cli/args';
import { findWebviewAssets } from '../../src/panel/report';

const repo = resolve(__dirname, '..', '..', '..');
const example = join(repo, 'media/examples/seq1f1b-30b-64k.sh');

/** Runs the analyze command with stdout/stderr captured. */
function run(argv: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
  try {
    return { code: runAnalyzeCommand(argv), out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
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
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src blob: data:; style-src 'nonce-[^']+'; script-src 'nonce-[^']+'">/);
    assert.match(html, /<script type="application\/json" id="si-report-data">\[\{"type":"analysis"/);
    assert.ok(existsSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unwritable --trace path is a usage error, not a crash', () => {
  assert.throws(() => run([example, '--trace', join(tmpdir(), 'no-such-dir-si', 'x', 't.json')]), UsageError);
});
