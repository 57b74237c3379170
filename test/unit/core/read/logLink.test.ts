// Where a launch's training log is (read/logLink.ts): the directive, or what the launch tees its output to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findLogLinks, findTraceLinks } from '../../../../src/core/read/logLink';

test('a directive names the log; it comes before any tee target', () => {
  const text = [
    '#!/bin/bash',
    'torchrun pretrain_gpt.py --num-layers 2 2>&1 | tee out/a.log',
    '# schedule-inspector: log="logs/run 1.log"',
  ].join('\n');
  const links = findLogLinks(text);
  assert.deepEqual(
    links.map((l) => [l.how, l.path, l.range.line]),
    [
      ['directive', 'logs/run 1.log', 2],
      ['tee', 'out/a.log', 1],
    ],
  );
  // The range covers the path as written, quotes included.
  assert.deepEqual(links[0]?.range, { line: 2, column: 26, endLine: 2, endColumn: 42 });
});

test('tee targets: options skipped, variables expanded when the file fixes them, the rest left alone', () => {
  const text = [
    'LOG_DIR=logs',
    'NAME="gpt 7b"',
    'STAMP=$(date +%s)',
    'torchrun a.py 2>&1 | tee -a ${LOG_DIR}/train.log',
    'torchrun b.py | tee --append "$LOG_DIR/$NAME.log"',
    'torchrun c.py | tee $LOG_DIR/run_$STAMP.log',
    'torchrun d.py | tee /dev/stderr',
    '# torchrun e.py | tee old.log',
  ].join('\n');
  assert.deepEqual(
    findLogLinks(text).map((l) => l.path),
    ['logs/train.log', 'logs/gpt 7b.log'],
  );
});

test('a trace= directive names one profiler trace per rank, comma-separated, each with its own range', () => {
  const text = ['#!/bin/bash', '# schedule-inspector: trace="prof/rank0.json,prof/rank4.json"', 'torchrun x.py'].join(
    '\n',
  );
  const links = findTraceLinks(text);
  assert.deepEqual(
    links.map((l) => l.path),
    ['prof/rank0.json', 'prof/rank4.json'],
  );
  const line = text.split('\n')[1]!;
  for (const l of links) assert.equal(line.slice(l.range.column, l.range.endColumn), l.path);
  // A trace directive is not a log directive, and the log directive is not a trace.
  assert.deepEqual(findLogLinks(text), []);
  assert.deepEqual(findTraceLinks('# schedule-inspector: log=run.log'), []);
});
