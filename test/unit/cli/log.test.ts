// `analyze FILE --log LOG` (issue 19): the measured step time and memory next to the prediction, in text and JSON;
// the log read in chunks, refused like any input when it cannot be read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_CODES } from '../../../src/cli/args';
import { logTestScript, runCliCaptured } from '../../support/cliHarness';

const { dir, script } = logTestScript('si-cli-log-', test.after);

/** A Megatron-LM log in training.py's iteration-line format (training_log, d98e8a64 lines 3567-3641). */
function writeLog(msPerIteration: number, iterations: number): string {
  const path = join(dir, `run-${msPerIteration}.log`);
  const lines: string[] = [];
  for (let i = 1; i <= iterations; i++)
    lines.push(
      ` [2026-12-01 10:00:00.000000] iteration ${String(i).padStart(8)}/${String(1000).padStart(8)} | consumed samples: ${String(i * 16).padStart(12)} | elapsed time per iteration (ms): ${msPerIteration.toFixed(1)} | global batch size:    16 | loss scale: 1.0 | number of skipped iterations:   0 | number of nan iterations:   0 |`,
    );
  lines.push(
    '[Rank 4] (after 2 iterations) memory (MB) | allocated: 900.00 | max allocated: 1536.00 | reserved: 2048.00 | max reserved: 2048.00',
  );
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

test('the comparison is printed under the summary and added to the JSON', () => {
  const log = writeLog(250, 40);
  const json = runCliCaptured('analyze', script, '--log', log, '--json');
  assert.equal(json.code, EXIT_CODES.ok, json.stderr);
  const out = JSON.parse(json.stdout) as {
    measured: { stepTimeMs: number; steadyIterations: number; memoryPerStage: { stage: number; ranks: number[] }[] };
    comparison: { predictedStepTimeMs: number; stepTimeDeltaPercent: number };
  };
  // Iterations 11-40 are steady (the first 10 are warm-up): 30 at 250 ms.
  assert.equal(out.measured.stepTimeMs, 250);
  assert.equal(out.measured.steadyIterations, 30);
  // Rank 4 of 8 with PP 2 is on stage 1 (Megatron's default order puts pp outermost: 4 / (8/2) = 1).
  assert.deepEqual(
    out.measured.memoryPerStage.map((m) => [m.stage, m.ranks]),
    [[1, [4]]],
  );
  const expected = ((250 - out.comparison.predictedStepTimeMs) / out.comparison.predictedStepTimeMs) * 100;
  assert.ok(Math.abs(out.comparison.stepTimeDeltaPercent - expected) < 0.01);
  const text = runCliCaptured('analyze', script, '--log', log);
  assert.match(text.stdout, /Measured {2}.*run-250\.log\n {4}step time: predicted .* · measured 250 ms \([+-]\d/);
  assert.match(text.stdout, /stage 1 peak allocated: predicted [\d.]+ GiB · measured 1\.5 GiB/);
});

test('a log with too few steady iterations says so; an unreadable log is refused with exit 2', () => {
  const short = runCliCaptured('analyze', script, '--log', writeLog(100, 12));
  assert.match(short.stdout, /step time: not measured — only 2 iterations after the warm-up/);
  const missing = runCliCaptured('analyze', script, '--log', join(dir, 'nope.log'));
  assert.equal(missing.code, EXIT_CODES.usageOrInput);
  assert.match(missing.stderr, /cannot read .*nope\.log: ENOENT/);
  assert.equal(runCliCaptured('analyze', script, script, '--log', join(dir, 'x.log')).code, EXIT_CODES.usageOrInput);
});
