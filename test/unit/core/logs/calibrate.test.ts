// Calibration from a training log (core/logs/calibrate.ts, issue 19). The "measured" logs are generated from the
// simulator itself with known knob values and seeded noise, written in the formats Megatron-LM d98e8a64 prints:
// training.py:3567-3641 (training_log: ' iteration {:8d}/{:8d} |' and its ' | '-separated fields), training.py:3321 +
// timers.py:338-356 (the 'forward-backward' timer in the '(min, max) time across ranks (ms):' block, averaged over
// the log interval, training.py:3717), common_utils.py:312-333 (report_memory, MB = 2^20 bytes) and
// arguments.py:1990-2002 (_print_args). Calibrating must recover the knobs that made the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze, type AnalyzeOptions, type CalibrationKnobs } from '../../../../src/core/analyze';
import { calibrateFromLog, MIN_CALIBRATION_ITERATIONS } from '../../../../src/core/logs/calibrate';
import { readMegatronLog } from '../../../../src/core/logs/megatronLog';
import { DEFAULT_OVERHEADS } from '../../../../src/core/memory/overheads';
import { repoPath } from '../../../support/paths';
import { prng } from '../../../support/scheduleCheck';

const SCRIPT = repoPath('media/examples/llama2-7b-1f1b.sh');
const text = readFileSync(SCRIPT, 'utf8');
const OPTIONS: AnalyzeOptions = { fileName: 'llama2-7b-1f1b.sh', gpuId: 'a100-80gb' };

/** The arguments the example sets, as _print_args prints them (name padded with dots to 48). */
const ARGS: Record<string, string> = {
  num_layers: '32',
  hidden_size: '4096',
  ffn_hidden_size: '11008',
  num_attention_heads: '32',
  seq_length: '4096',
  micro_batch_size: '1',
  global_batch_size: '64',
  tensor_model_parallel_size: '2',
  pipeline_model_parallel_size: '4',
  context_parallel_size: '1',
  world_size: '8',
  data_parallel_size: '1',
};

interface Truth {
  efficiency: number;
  stepOverheadMs: number;
  /** What PyTorch reserves per GPU beyond the predicted allocated·(1 + fragmentation), GiB. */
  unplacedGiB: number;
  /** Relative noise of each logged interval (uniform ±). */
  noise: number;
  iterations: number;
  logInterval: number;
  withTimers: boolean;
  args?: Record<string, string>;
}

/** A Megatron log of the example run with the given knobs. */
function measuredLog(truth: Truth): { log: string; knobs: CalibrationKnobs; stepTimeMs: number } {
  const knobs: CalibrationKnobs = {
    gpuId: 'a100-80gb',
    efficiency: truth.efficiency,
    stepOverheadMs: truth.stepOverheadMs,
    overheadGiB: null,
    fromLog: 'truth',
  };
  const result = analyze(text, { ...OPTIONS, scope: 'selected', calibration: knobs });
  const own = result.schedules[result.selectedSchedule!]!;
  const step = own.stepTimeMs!;
  const forwardBackward = step - own.stepTimeBreakdown!.optimizerMs - truth.stepOverheadMs;
  const rand = prng(19);
  const jitter = (): number => 1 + truth.noise * (2 * rand() - 1);
  const lines = [
    '------------------------ arguments ------------------------',
    ...Object.entries(truth.args ?? ARGS).map(([k, v]) => `  ${k} ${'.'.repeat(48 - k.length)} ${v}`),
    '-------------------- end of arguments ---------------------',
  ];
  const grown = 1 + DEFAULT_OVERHEADS.fragmentationFraction;
  for (let it = truth.logInterval; it <= truth.iterations; it += truth.logInterval) {
    // The first line carries start-up (training.py:3558-3560): three times the step.
    const ms = (it === truth.logInterval ? 3 : 1) * step * jitter();
    lines.push(
      ` [2026-12-01 10:00:00.000000] iteration ${String(it).padStart(8)}/${String(truth.iterations).padStart(8)} |` +
        ` consumed samples: ${String(it * 64).padStart(12)} | elapsed time per iteration (ms): ${ms.toFixed(1)} |` +
        ` learning rate: 3.000000E-04 | global batch size:    64 | lm loss: 7.1E+00 | loss scale: 1.0 |` +
        ` number of skipped iterations:   0 | number of nan iterations:   0 |`,
    );
    if (it === truth.logInterval)
      // One report per pipeline stage: ranks 0, 2, 4, 6 (tp-cp-ep-dp-pp order, parallel_state.py:617).
      own.peakMemoryGiBPerStage!.forEach((allocGiB, stage) => {
        const maxAlloc = allocGiB * 1024 * jitter();
        const maxRes = (allocGiB * grown + truth.unplacedGiB) * 1024 * jitter();
        lines.push(
          `[Rank ${stage * 2}] (after ${it} iterations) memory (MB) | allocated: ${(maxAlloc * 0.7).toFixed(2)} | max allocated: ${maxAlloc.toFixed(2)} | reserved: ${maxRes.toFixed(2)} | max reserved: ${maxRes.toFixed(2)}`,
        );
      });
    if (truth.withTimers)
      lines.push(
        '(min, max) time across ranks (ms):',
        `    ${'forward-backward '.padEnd(48, '.')}: (${(forwardBackward * 0.99).toFixed(2)}, ${(forwardBackward * jitter()).toFixed(2)})`,
        `    ${'optimizer '.padEnd(48, '.')}: (20.10, 21.00)`,
      );
  }
  return { log: lines.join('\n') + '\n', knobs, stepTimeMs: step };
}

const TRUTH: Truth = {
  efficiency: 0.62,
  stepOverheadMs: 180,
  unplacedGiB: 1.5,
  noise: 0.01,
  iterations: 400,
  logInterval: 10,
  withTimers: true,
};

test('calibration recovers the GEMM efficiency, the per-step overhead and the memory overhead of a measured run', () => {
  const { log, stepTimeMs } = measuredLog(TRUTH);
  const outcome = calibrateFromLog(text, OPTIONS, readMegatronLog(log), 'logs/run.log');
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.reasons.join('; '));
  const { knobs, measured, predictedStepTimeMs, notes } = outcome.fit;
  // Tolerances: ±1 % uniform noise per interval over 39 steady intervals leaves the means within ~0.3 %; the timer
  // is the last interval's (one draw, ±1 %), so the efficiency is within 2 % of the truth and the overhead, the
  // difference of two ~step-sized figures, within 1.5 % of the step.
  assert.ok(Math.abs(knobs.efficiency / TRUTH.efficiency - 1) < 0.02, `efficiency ${knobs.efficiency}`);
  assert.ok(
    Math.abs(knobs.stepOverheadMs - TRUTH.stepOverheadMs) < 0.015 * stepTimeMs,
    `step overhead ${knobs.stepOverheadMs} vs ${TRUTH.stepOverheadMs} (step ${stepTimeMs})`,
  );
  assert.equal(measured.steadyIterations, 390);
  assert.equal(measured.memoryStages, 4);
  assert.deepEqual(notes, []);
  // Memory: the model's own non-PyTorch share (CUDA context, NCCL of TP 2 and PP) plus what PyTorch reserved beyond
  // allocated·1.07 — 1.5 GiB, within the ±1 % noise on ~30-40 GiB figures.
  const base = analyze(text, { ...OPTIONS, scope: 'selected' });
  const own = base.schedules[base.selectedSchedule!]!;
  const nonPyTorch = own.peakReservedGiBPerStage![0]! - own.peakMemoryGiBPerStage![0]! * 1.07;
  assert.ok(Math.abs(knobs.overheadGiB! - (nonPyTorch + TRUTH.unplacedGiB)) < 0.5, `overhead ${knobs.overheadGiB}`);
  // The calibrated file predicts what was measured; before, it predicted the model's own figure.
  assert.ok(Math.abs(predictedStepTimeMs.after! / stepTimeMs - 1) < 0.01);
  assert.ok(Math.abs(predictedStepTimeMs.before! / stepTimeMs - 1) > 0.05, 'the truth is not the model default');
});

test('a calibrated analysis uses the knobs on every schedule, and only on the GPU they were measured on', () => {
  const { log } = measuredLog(TRUTH);
  const outcome = calibrateFromLog(text, OPTIONS, readMegatronLog(log), 'logs/run.log');
  assert.ok(outcome.ok);
  const plain = analyze(text, OPTIONS);
  const calibrated = analyze(text, { ...OPTIONS, calibration: outcome.fit.knobs });
  // Every what-if schedule moves (the knobs reach the engine, not just the file's own schedule).
  for (const name of ['1f1b', 'gpipe', '1f1b-interleaved'] as const) {
    const a = plain.schedules[name]?.stepTimeMs;
    const b = calibrated.schedules[name]?.stepTimeMs;
    if (a == null || b == null) continue;
    assert.ok(b > a * 1.05, `${name}: ${a} → ${b}`);
  }
  // The step-time breakdown still adds up, the overhead now including the per-step overhead.
  const e = calibrated.schedules[calibrated.selectedSchedule!]!;
  const b = e.stepTimeBreakdown!;
  const sum = b.computeMs + b.nonGemmMs + b.commMs + b.recomputeMs + b.overheadMs + b.idleMs + b.dpMs + b.optimizerMs;
  assert.ok(Math.abs(sum - e.stepTimeMs!) < 1e-6 * e.stepTimeMs!, `${sum} vs ${e.stepTimeMs}`);
  // Another GPU: the calibration does not apply.
  const h100 = analyze(text, { ...OPTIONS, gpuId: 'h100-80gb' });
  const h100c = analyze(text, { ...OPTIONS, gpuId: 'h100-80gb', calibration: outcome.fit.knobs });
  assert.equal(h100c.schedules['1f1b']?.stepTimeMs, h100.schedules['1f1b']?.stepTimeMs);
});

test('without the forward-backward timer the efficiency absorbs the step, and the note says so', () => {
  const { log, stepTimeMs } = measuredLog({ ...TRUTH, withTimers: false, stepOverheadMs: 0 });
  const outcome = calibrateFromLog(text, OPTIONS, readMegatronLog(log), 'run.log');
  assert.ok(outcome.ok);
  assert.equal(outcome.fit.knobs.stepOverheadMs, 0);
  assert.ok(Math.abs(outcome.fit.knobs.efficiency / TRUTH.efficiency - 1) < 0.02);
  assert.ok(Math.abs(outcome.fit.predictedStepTimeMs.after! / stepTimeMs - 1) < 0.01);
  assert.match(outcome.fit.notes.join('\n'), /no forward-backward timer/);
});

test('calibration refuses a log of another configuration, naming the flags that differ', () => {
  const { log } = measuredLog({
    ...TRUTH,
    args: { ...ARGS, micro_batch_size: '2', tensor_model_parallel_size: '4', pipeline_model_parallel_size: '2' },
  });
  const outcome = calibrateFromLog(text, OPTIONS, readMegatronLog(log), 'run.log');
  assert.equal(outcome.ok, false);
  const why = outcome.ok ? '' : outcome.reasons.join('\n');
  assert.match(why, /another configuration/);
  assert.match(why, /micro_batch_size 2 \(file: 1\)/);
  assert.match(why, /tensor_model_parallel_size 4 \(file: 2\)/);
  assert.match(why, /pipeline_model_parallel_size 2 \(file: 4\)/);
});

test('calibration refuses too few steady iterations, and a step no efficiency can reach', () => {
  // 10-iteration interval, 20 iterations: the line at 10 is warm-up, the one at 20 steady → 10 steady iterations,
  // enough to compare (5) but not to calibrate.
  const few = measuredLog({ ...TRUTH, iterations: 20 });
  const outcome = calibrateFromLog(text, OPTIONS, readMegatronLog(few.log), 'run.log');
  assert.equal(outcome.ok, false);
  assert.match(outcome.ok ? '' : outcome.reasons.join('\n'), new RegExp(`at least ${MIN_CALIBRATION_ITERATIONS}`));
  // A step 100× faster than the model at 100 % efficiency: refused with the reason, not fitted to the bound.
  const { log } = measuredLog({ ...TRUTH, withTimers: false });
  const fast = log.replace(/elapsed time per iteration \(ms\): ([\d.]+)/g, (_m, ms: string) => {
    return `elapsed time per iteration (ms): ${(Number(ms) / 100).toFixed(1)}`;
  });
  const refused = calibrateFromLog(text, OPTIONS, readMegatronLog(fast), 'run.log');
  assert.equal(refused.ok, false);
  assert.match(refused.ok ? '' : refused.reasons.join('\n'), /shorter than the model gives even at 100 %/);
});
