import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { AnalysisResult } from '../../src/core/analyze';
import { applyEdits, computeWhatIfRows, whatIfCandidates, whatIfTable, MAX_WHAT_IF_ROWS } from '../../src/editor/whatIf';
import { evaluation, flag, r, result } from './editorFixtures';

const base = result();
const pp = base.flags[0];

test('PP candidates are powers of two around the current value, written at the variable definition', () => {
  const c = whatIfCandidates(pp, [1, 2, 4, 8]);
  assert.deepEqual(c.map((x) => x.label), ['1', '2', '4', '8', '16']);
  assert.equal(c.find((x) => x.label === '4')?.edit, null, 'the current value is not re-analysed');
  // PP=4 is defined on line 9; editing the definition is what a user would do, so every use follows.
  assert.deepEqual(c.find((x) => x.label === '8')?.edit, { range: r(9, 3, 4), newText: '8' });
});

test('k candidates follow candidateSplits, always include the current k, and stay bounded', () => {
  const k = base.flags[1];
  assert.deepEqual(whatIfCandidates(k, [1, 2, 8]).map((x) => x.label), ['1', '2', '4', '8']);
  const many = whatIfCandidates(k, [1, 2, 3, 5, 6, 7, 8, 16]);
  assert.equal(many.length, MAX_WHAT_IF_ROWS);
  assert.ok(many.some((x) => x.label === '4' && x.edit === null));
});

test('non-driving flags get no table; switches can only be removed', () => {
  assert.deepEqual(whatIfCandidates(base.flags[4], [1, 2]), []);
  const recompute = flag({ flag: '--recompute-activations', keys: ['recomputeGranularity'], range: r(40, 4, 27) });
  const c = whatIfCandidates(recompute, [1]);
  assert.deepEqual(c.map((x) => [x.label, x.edit?.newText ?? null]), [['--recompute-activations', null], ['off', '']]);
});

test('applyEdits rewrites by line and column', () => {
  const text = 'PP=4\nTP=2\n--x $PP\n';
  assert.equal(applyEdits(text, [{ range: r(0, 3, 4), newText: '16' }, { range: r(1, 3, 4), newText: '1' }]), 'PP=16\nTP=1\n--x $PP\n');
});

test('rows are real analyses of the edited text, and the budget bounds the work', () => {
  const seen: string[] = [];
  const fake = (text: string): AnalysisResult => {
    seen.push(text.split('\n')[0]);
    return result({ schedules: { seq1f1b: evaluation({ stepTimeMs: 900, bubbleFraction: 0.05, peakMemoryGiBPerStage: [70] }) } });
  };
  const candidates = whatIfCandidates(pp, [1, 2, 4, 8]);
  const text = Array.from({ length: 12 }, (_, i) => (i === 9 ? 'PP=4' : `line${i}`)).join('\n');
  let clock = 0;
  const rows = computeWhatIfRows(text, base, candidates, {}, (t) => { clock += 300; return fake(t.split('\n')[9]); }, () => clock, 400);
  // 300 ms per row against 400 ms: a second row would end at 600 ms, so it is not started.
  assert.deepEqual(seen, ['PP=1'], 'analysis stops before the budget would be overrun');
  assert.deepEqual(rows.map((x) => [x.label, x.current, x.result !== undefined]), [
    ['1', false, true], ['2', false, false], ['4', true, true], ['8', false, false], ['16', false, false],
  ]);
  const cheap = computeWhatIfRows(text, base, candidates, {}, (t) => { clock += 50; return fake(t.split('\n')[9]); }, () => clock, 400);
  assert.equal(cheap.filter((x) => x.result).length, 5, 'cheap rows all fit in the budget');
  const table = whatIfTable('p (PP)', rows, 80);
  assert.match(table, /^\| p \(PP\) \| schedule \| step time \| bubble \| worst-stage peak \|$/m);
  assert.match(table, /^\| 1 \| seq1f1b k=4 \| 900 ms \| 5\.0 % \| 70\.0\/80 GiB \(stage 0\) \|$/m);
  assert.match(table, /^\| \*\*4\*\* \(now\) \| seq1f1b k=4 \| 1\.23 s \| 9\.8 % \| 61\.2\/80 GiB \(stage 0\) \|$/m);
  assert.match(table, /^\| 8 \| not computed \(time budget\) \|/m);
});

test('a variant the core rejects shows the error code instead of numbers', () => {
  const bad = result({ selectedSchedule: null, diagnostics: [{ code: 'layers-not-divisible-by-pp', severity: 'error', message: 'x', range: r(0, 0, 1) }] });
  const table = whatIfTable('p', [{ label: '3', current: false, result: bad }], 80);
  assert.match(table, /\| 3 \| `layers-not-divisible-by-pp` \| — \| — \| — \|/);
});

test('values from the file cannot break out of the table or inject markup', () => {
  const table = whatIfTable('x', [{ label: 'a|b](http://e)', current: false }], 80);
  assert.ok(table.includes('a\\|b\\]\\(http://e\\)'), table);
});
