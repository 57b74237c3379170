import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { AnalysisResult } from '../../../src/core/analyze';
import {
  computeWhatIfRows,
  problemAt,
  rowsAround,
  whatIfCandidates,
  whatIfTable,
  MAX_WHAT_IF_ROWS,
} from '../../../src/editor/whatIf';
import { applyEdits, planFlagEdit } from '../../../src/core/edits/planFlagEdit';
import { readLaunchConfig } from '../../../src/core/read/readLaunchConfig';
import type { TextEdit } from '../../../src/core/types';
import { evaluation, flag, r, result } from '../../support/editorFixtures';

const base = result();
const pp = base.flags[0];

/** A stand-in for planFlagEdit that records what it was asked and edits line 9 (where the fixture defines PP). */
function recordingPlanner(): { plan: (v: string | null) => TextEdit[]; asked: (string | null)[] } {
  const asked: (string | null)[] = [];
  return {
    asked,
    plan: (v) => {
      asked.push(v);
      return v === null ? [{ range: r(40, 4, 27), newText: '' }] : [{ range: r(9, 3, 4), newText: v }];
    },
  };
}

test('PP candidates are powers of two around the current value; only the other values are planned', () => {
  const p = recordingPlanner();
  const c = whatIfCandidates(pp, [1, 2, 4, 8], p.plan);
  assert.deepEqual(
    c.map((x) => x.label),
    ['1', '2', '4', '8', '16'],
  );
  assert.equal(c.find((x) => x.label === '4')?.edits, null, 'the current value is not re-analysed');
  assert.deepEqual(p.asked, ['1', '2', '8', '16']);
  assert.deepEqual(c.find((x) => x.label === '8')?.edits, [{ range: r(9, 3, 4), newText: '8' }]);
});

test('k candidates follow candidateSplits, always include the current k, and stay bounded', () => {
  const k = base.flags[1];
  assert.deepEqual(
    whatIfCandidates(k, [1, 2, 8], recordingPlanner().plan).map((x) => x.label),
    ['1', '2', '4', '8'],
  );
  const many = whatIfCandidates(k, [1, 2, 3, 5, 6, 7, 8, 16], recordingPlanner().plan);
  assert.equal(many.length, MAX_WHAT_IF_ROWS);
  assert.ok(many.some((x) => x.label === '4' && x.edits === null));
});

test('non-driving flags get no table; switches can only be removed', () => {
  assert.deepEqual(whatIfCandidates(base.flags[4], [1, 2], recordingPlanner().plan), []);
  const recompute = flag({ flag: '--recompute-activations', keys: ['recomputeGranularity'], range: r(40, 4, 27) });
  const p = recordingPlanner();
  const c = whatIfCandidates(recompute, [1], p.plan);
  assert.deepEqual(
    c.map((x) => [x.label, x.edits?.[0]?.newText ?? null]),
    [
      ['--recompute-activations', null],
      ['off', ''],
    ],
  );
  assert.deepEqual(p.asked, [null], 'removal goes through the planner too');
});

test('with the real planner a what-if row changes only the hovered knob, even when the value is computed', () => {
  // GLOBAL_BATCH is computed from three variables: rewriting the last one in the chain (DP) would change the data-parallel
  // layout too. The row for "global batch 64" must leave micro-batch size and layout alone.
  const text = [
    'MICRO_BATCH=1',
    'NUM_MICRO=16',
    'DP=2',
    'GLOBAL_BATCH=$((MICRO_BATCH*NUM_MICRO*DP))',
    'torchrun --nproc_per_node 8 --nnodes 1 pretrain_gpt.py \\',
    '  --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2 \\',
    '  --num-layers 8 --hidden-size 1024 --num-attention-heads 16 --seq-length 2048 --max-position-embeddings 2048 \\',
    '  --micro-batch-size $MICRO_BATCH --global-batch-size $GLOBAL_BATCH',
    '',
  ].join('\n');
  const read = readLaunchConfig(text, 'launch.sh');
  assert.equal(read.config.globalBatchSize, 32);
  const gbs = read.flags.find((f) => f.flag === '--global-batch-size')!;
  const rows = whatIfCandidates(gbs, [], (v) => planFlagEdit(text, read, gbs.flag, v));
  const row64 = rows.find((x) => x.label === '64');
  assert.ok(row64?.edits, 'a row for 64');
  const edited = readLaunchConfig(applyEdits(text, row64.edits), 'launch.sh').config;
  assert.equal(edited.globalBatchSize, 64);
  assert.equal(edited.microBatchSize, 1);
  assert.equal(edited.dataParallel, 2);
  assert.equal(edited.numMicrobatches, 32);
});

test('rows are real analyses of the edited text, and the budget bounds the work', () => {
  const seen: string[] = [];
  const fake = (text: string): AnalysisResult => {
    seen.push(text.split('\n')[0]);
    return result({
      schedules: { seq1f1b: evaluation({ stepTimeMs: 900, bubbleFraction: 0.05, peakReservedGiBPerStage: [70] }) },
    });
  };
  const candidates = whatIfCandidates(pp, [1, 2, 4, 8], recordingPlanner().plan);
  const text = Array.from({ length: 12 }, (_, i) => (i === 9 ? 'PP=4' : `line${i}`)).join('\n');
  let clock = 0;
  const rows = computeWhatIfRows(
    text,
    base,
    candidates,
    {},
    (t) => {
      clock += 300;
      return fake(t.split('\n')[9]);
    },
    () => clock,
    400,
  );
  // 300 ms per row against 400 ms: a second row would end at 600 ms, so it is not started.
  assert.deepEqual(seen, ['PP=1'], 'analysis stops before the budget would be overrun');
  assert.deepEqual(
    rows.map((x) => [x.label, x.current, x.result !== undefined]),
    [
      ['1', false, true],
      ['2', false, false],
      ['4', true, true],
      ['8', false, false],
      ['16', false, false],
    ],
  );
  const cheap = computeWhatIfRows(
    text,
    base,
    candidates,
    {},
    (t) => {
      clock += 50;
      return fake(t.split('\n')[9]);
    },
    () => clock,
    400,
  );
  assert.equal(cheap.filter((x) => x.result).length, 5, 'cheap rows all fit in the budget');
  const table = whatIfTable('p (PP)', rows, 'pipelineParallel');
  // Four figures wide (issue 17: the hover must fit without scrolling): step time, tokens/s, reserved peak, and what
  // else the edit changed. The fake rows keep the fixture's config, so nothing else changed.
  assert.match(table, /^\| p \(PP\) \| step \| tok\/s \| GiB reserved \| also changes \|$/m);
  assert.match(table, /^\| 1 \| 900 ms \| 1000 \| 70\.0 \| — \|$/m);
  assert.match(table, /^\| \*\*4\*\* \(now\) \| 1\.23 s \| 1000 \| 65\.0 \| — \|$/m);
  assert.match(table, /^\| 8 \| — \| — \| — \| not computed \(time budget\) \|$/m);
});

test('a variant the core rejects shows the error code instead of numbers', () => {
  const bad = result({
    selectedSchedule: null,
    diagnostics: [{ code: 'layers-not-divisible-by-pp', severity: 'error', message: 'x', range: r(0, 0, 1) }],
  });
  const table = whatIfTable('p', [{ label: '3', current: false, result: bad }]);
  assert.match(table, /\| 3 \| — \| — \| — \| `layers-not-divisible-by-pp` \|/);
});

test('values from the file cannot break out of the table or inject markup', () => {
  const table = whatIfTable('x', [{ label: 'a|b](http://e)', current: false }]);
  assert.ok(table.includes('a\\|b\\]\\(http://e\\)'), table);
});

// Issue 17 (hover tables fit without scrolling): in code-server at 1600×1100, an oom-risk message stacked above the
// flag's hover pushed the what-if table's third row out of the box. Under a problem the hover keeps the current row
// and its nearest neighbours; elsewhere the whole table.
test('under a problem the what-if table keeps the current value and its neighbours; elsewhere every row', () => {
  const rows = ['1', '2', '4', '8', '16'].map((label) => ({ label, current: label === '4' }));
  assert.deepEqual(
    rowsAround(rows, 3).map((x) => x.label),
    ['2', '4', '8'],
  );
  // At an end of the table the window slides in, never shrinks.
  const first = rows.map((x) => ({ ...x, current: x.label === '1' }));
  assert.deepEqual(
    rowsAround(first, 3).map((x) => x.label),
    ['1', '2', '4'],
  );
  const last = rows.map((x) => ({ ...x, current: x.label === '16' }));
  assert.deepEqual(
    rowsAround(last, 3).map((x) => x.label),
    ['4', '8', '16'],
  );
  assert.equal(rowsAround(rows.slice(0, 2), 3).length, 2);

  const warning = { code: 'oom-risk', severity: 'warning' as const, message: 'm', range: r(9, 3, 10) };
  const hint = { ...warning, severity: 'hint' as const };
  assert.equal(problemAt([warning], 9, 5), true);
  assert.equal(problemAt([warning], 9, 11), false, 'after the squiggle');
  assert.equal(problemAt([warning], 10, 5), false, 'another line');
  assert.equal(problemAt([hint], 9, 5), false, 'a hint shows no message box');
});
