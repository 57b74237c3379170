// `analyze FILE --log LOG --calibrate` (issue 19): the knobs fitted to the log are applied to everything the run
// prints, and reported (JSON `calibration`, a text section); a log of another configuration is refused by name.
// Logs in Megatron-LM d98e8a64's formats: training.py:3567-3641 (iteration line), timers.py:338-356 (timer block),
// arguments.py:1990-2002 (_print_args).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_CODES } from '../../../src/cli/args';
import { logTestScript, runCliCaptured } from '../../support/cliHarness';

const { dir, script } = logTestScript('si-cli-calibrate-', test.after);

function writeLog(name: string, msPerIteration: number, forwardBackwardMs: number, microBatch: string): string {
  const path = join(dir, name);
  const args = { num_layers: '8', micro_batch_size: microBatch, tensor_model_parallel_size: '2' };
  const lines = [
    '------------------------ arguments ------------------------',
    ...Object.entries(args).map(([k, v]) => `  ${k} ${'.'.repeat(48 - k.length)} ${v}`),
    '-------------------- end of arguments ---------------------',
  ];
  for (let i = 10; i <= 300; i += 10) {
    lines.push(
      ` [2026-12-01 10:00:00.000000] iteration ${String(i).padStart(8)}/${String(1000).padStart(8)} | elapsed time per iteration (ms): ${msPerIteration.toFixed(1)} | global batch size:    16 | number of skipped iterations:   0 | number of nan iterations:   0 |`,
      '(min, max) time across ranks (ms):',
      `    ${'forward-backward '.padEnd(48, '.')}: (${forwardBackwardMs.toFixed(2)}, ${forwardBackwardMs.toFixed(2)})`,
    );
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

interface Out {
  measured: { stepTimeMs: number };
  comparison: { predictedStepTimeMs: number; stepTimeDeltaPercent: number };
  calibration: {
    applied: boolean;
    refused?: string[];
    gemmEfficiency?: number;
    stepOverheadMs?: number;
    predictedStepTimeMs?: { before: number; after: number };
  };
}

test('--calibrate fits the knobs and the comparison then agrees with the log', () => {
  const plain = JSON.parse(runCliCaptured('analyze', script, '--json').stdout) as {
    schedules: Record<string, { stepTimeMs: number }>;
  };
  const predicted = plain.schedules['1f1b']!.stepTimeMs;
  // A run 1.5× slower than predicted in its schedule, plus 40 ms per step outside it.
  const log = writeLog('slow.log', predicted * 1.5 + 40, predicted * 1.5, '1');
  const run = runCliCaptured('analyze', script, '--log', log, '--calibrate', '--json');
  assert.equal(run.code, EXIT_CODES.ok, run.stderr);
  const out = JSON.parse(run.stdout) as Out;
  assert.equal(out.calibration.applied, true);
  assert.ok(out.calibration.gemmEfficiency! < 0.8, `efficiency ${out.calibration.gemmEfficiency}`);
  // 40 ms beyond the schedule, less the modelled optimizer step (the step-time breakdown's optimizer share).
  assert.ok(out.calibration.stepOverheadMs! > 20 && out.calibration.stepOverheadMs! <= 40.5);
  assert.ok(Math.abs(out.comparison.stepTimeDeltaPercent) < 0.5, `delta ${out.comparison.stepTimeDeltaPercent}`);
  assert.ok(Math.abs(out.calibration.predictedStepTimeMs!.before - predicted) < 1e-3);
  const text = runCliCaptured('analyze', script, '--log', log, '--calibrate');
  assert.match(text.stdout, /Calibrated from .*slow\.log \(a100-80gb\): GEMM efficiency [\d.]+ %, per-step overhead/);
});

test('--calibrate refuses a log of another configuration and names the flag; without --log it is a usage error', () => {
  const log = writeLog('other.log', 500, 450, '4');
  const run = runCliCaptured('analyze', script, '--log', log, '--calibrate', '--json');
  const out = JSON.parse(run.stdout) as Out;
  assert.equal(out.calibration.applied, false);
  assert.match(out.calibration.refused!.join('\n'), /micro_batch_size 4 \(file: 1\)/);
  const text = runCliCaptured('analyze', script, '--log', log, '--calibrate');
  assert.match(text.stdout, /Not calibrated: the log ran another configuration: micro_batch_size 4 \(file: 1\)/);
  const usage = runCliCaptured('analyze', script, '--calibrate');
  assert.equal(usage.code, EXIT_CODES.usageOrInput);
  assert.match(usage.stderr, /--calibrate needs --log/);
});
