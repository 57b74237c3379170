// `schedule-inspector simulate`, called in-process through the CLI's dispatcher (exit code, stdout, stderr).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCliCaptured, type CliRun } from '../../support/cliHarness';

function cli(...args: string[]): CliRun {
  return runCliCaptured('simulate', ...args);
}

interface Op {
  kind: string;
  microbatch: number;
  chunk: number;
  modelChunk: number;
  start: number;
  end: number;
}

test('simulate --json: spec §1.5 op lists and §4 makespan for Seq1F1B p=4 m=3 k=2', () => {
  const r = cli('--schedule', 'seq1f1b', '--pp', '4', '--microbatches', '3', '--splits', '2', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    makespan: number;
    bubbleFraction: number;
    peakUnitsPerStage: number[];
    stages: Op[][];
  };
  // (m + (p−1)/k)(F+B) = (3 + 1.5)·3
  assert.equal(out.makespan, 13.5);
  assert.deepEqual(out.peakUnitsPerStage, [5, 4, 3, 2]);
  const names = (ops: Op[]): string => ops.map((o) => `${o.kind}${o.microbatch}${o.chunk}`).join(' ');
  assert.equal(names(out.stages[0]), 'F00 F01 F10 F11 F20 B01 F21 B00 B11 B10 B21 B20');
  assert.equal(names(out.stages[3]), 'F00 F01 B01 F10 B00 F11 B11 F20 B10 F21 B21 B20');
  // Each op costs F/k = 0.5 or B/k = 1.
  for (const op of out.stages.flat()) assert.equal(op.end - op.start, op.kind === 'F' ? 0.5 : 1);
});

test('simulate --summary leaves the stages out; interleaved golden row of spec §4', () => {
  const r = cli(
    '--schedule',
    'seq1f1b-interleaved',
    '--pp',
    '8',
    '--microbatches',
    '16',
    '--splits',
    '4',
    '--vpp',
    '2',
    '--summary',
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.makespan, 50.625);
  assert.deepEqual(out.peakUnitsPerStage, [26, 24, 22, 20, 18, 16, 14, 12]);
  assert.equal(out.stages, undefined);
});

test('simulate zb-h1: --backward alone is split evenly into B and W; ZB-H1 closed form 3m + (p−1) at F=B=W', () => {
  const r = cli(
    '--schedule',
    'zb-h1',
    '--pp',
    '4',
    '--microbatches',
    '8',
    '--forward',
    '1',
    '--backward',
    '2',
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { makespan: number; stages: Op[][] };
  assert.equal(out.makespan, 3 * 8 + 3);
  assert.ok(out.stages[0].some((o) => o.kind === 'W' && o.end - o.start === 1));
  const withW = cli(
    '--schedule',
    'zb-h1',
    '--pp',
    '4',
    '--microbatches',
    '8',
    '--forward',
    '1',
    '--backward',
    '1',
    '--weight',
    '0.5',
    '--summary',
    '--json',
  );
  // F+B+W = 2.5 per microbatch; bubble (p−1)(F+B−W) = 3·1.5.
  assert.equal(JSON.parse(withW.stdout).makespan, 8 * 2.5 + 3 * 1.5);
});

test('simulate --p2p delays every hop: GPipe gains 2(p−1)·d', () => {
  const r = cli('--schedule', 'gpipe', '--pp', '4', '--microbatches', '8', '--p2p', '0.25', '--summary', '--json');
  assert.equal(JSON.parse(r.stdout).makespan, 33 + 1.5);
});

test('simulate usage errors exit 2 with a clear message', () => {
  const cases: [string[], RegExp][] = [
    [['--pp', '4', '--microbatches', '8', '--json'], /needs --schedule/],
    [['--schedule', 'pipedream', '--pp', '4', '--microbatches', '8'], /unknown schedule 'pipedream'/],
    [['--schedule', '1f1b', '--microbatches', '8'], /needs --pp/],
    [['--schedule', '1f1b', '--pp', '4'], /needs --microbatches/],
    [['--schedule', '1f1b', '--pp', '4', '--microbatches', 'x'], /--microbatches must be an integer/],
    [
      ['--schedule', '1f1b', '--pp', '4', '--microbatches', '8', '--forward', '1'],
      /--forward and --backward go together/,
    ],
    [
      ['--schedule', '1f1b', '--pp', '4', '--microbatches', '8', '--forward', '1', '--backward', '2', '--weight', '1'],
      /--weight applies only to the zero-bubble/,
    ],
    [
      ['--schedule', '1f1b-interleaved', '--pp', '4', '--microbatches', '6', '--vpp', '2'],
      /divisible by p \(m=6, p=4\)/,
    ],
    [
      ['--schedule', 'seq1f1b-interleaved', '--pp', '4', '--microbatches', '8', '--splits', '3', '--vpp', '2'],
      /k to divide p/,
    ],
    [
      ['--schedule', 'seq1f1b', '--pp', '64', '--microbatches', '4096', '--splits', '16'],
      /exceed the simulator's budget/,
    ],
    [['--schedule', '1f1b', '--pp', '4', '--microbatches', '8', '--bogus'], /unknown option --bogus/],
    // Issue 15: 16 ops of 1e308 sum to Infinity (and the bubble to NaN), which the summary once printed as is.
    [
      ['--schedule', '1f1b', '--pp', '2', '--microbatches', '4', '--forward', '1e308', '--backward', '1e308'],
      /--forward must be at most 1000000000000, got 1e\+308/,
    ],
    [
      [
        '--schedule',
        'zb-h1',
        '--pp',
        '2',
        '--microbatches',
        '4',
        '--forward',
        '1',
        '--backward',
        '1',
        '--weight',
        '1e13',
      ],
      /--weight must be at most 1000000000000/,
    ],
  ];
  for (const [args, re] of cases) {
    const r = cli(...args);
    assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}`);
    assert.match(r.stderr, re);
    assert.equal(r.stdout, '');
  }
});

test('simulate at the largest costs allowed stays finite (the bound keeps sums of 2^27 ops below 1e21)', () => {
  const r = cli('--schedule', '1f1b', '--pp', '2', '--microbatches', '4', '--forward', '1e12', '--backward', '1e12');
  assert.equal(r.code, 0, r.stderr);
  // 1F1B makespan at F = B = c: (m + p − 1)(F + B) = (4 + 1)(2e12) = 1e13, the closed form of spec §4.
  assert.match(r.stdout, /makespan 10000000000000, bubble 20\.00 %/);
});

test('simulate without --json prints a one-line summary', () => {
  const r = cli('--schedule', '1f1b', '--pp', '4', '--microbatches', '8');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /makespan 33, bubble 27\.27 %, peak units per stage \[4, 3, 2, 1\]/);
});
