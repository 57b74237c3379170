// Calibration from one measured run (issue 19): the cost model's knobs that a training log can identify, fitted so
// that the simulation of the file reproduces what the log measured, and then used by every later analysis and what-if
// of that file (AnalyzeOptions.calibration).
//
// What one log identifies, and nothing more:
// - the steady elapsed time per iteration is one number, so on its own it fixes one knob: the GEMM efficiency (the
//   fraction of dense peak large GEMMs reach, CostConstants.efficiency), found by bisection, as it moves every
//   layer's time;
// - with Megatron's `forward-backward` timer (--timing-log-level ≥ 1; training.py times forward_backward_func, which
//   includes the gradient reduction, and prints it averaged over the log interval, timers.py log()), the schedule's
//   own time is known apart from the step: the efficiency is fitted to it, and what the step spends beyond the
//   schedule and the modelled optimizer becomes the per-step overhead (CostConstants.stepOverheadMs);
// - the per-rank memory report (max reserved) fixes the memory per GPU that the model does not place: the measured
//   reserved minus the predicted allocated and allocator cache, added to the model's own non-PyTorch share (which
//   PyTorch's counters never see) → AnalyzeOptions.overheadGiB.
// A log of another configuration, or with too few steady iterations, is refused with the reason.
import { analyze, type AnalysisResult, type AnalyzeOptions, type CalibrationKnobs } from '../analyze';
import { DEFAULT_OVERHEADS, GiB } from '../memory/overheads';
import { argDifferences, memoryComparison, steadyState } from './compare';
import type { MegatronLog } from './megatronLog';

/**
 * Fewer steady iterations than this are refused: Megatron logs every 10 or 100 iterations, and one interval with a
 * checkpoint save or a slow data shard moves a 10-iteration mean by several percent.
 */
export const MIN_CALIBRATION_ITERATIONS = 20;
/** The efficiency the fit may take: below 5 % of peak no dense training run is GEMM-bound, above 100 % is impossible. */
const EFFICIENCY_RANGE: readonly [number, number] = [0.05, 1];
/** Bisection steps: the bracket shrinks to 0.95 / 2^30 ≈ 1e-9, far below any log's noise. */
const BISECTION_STEPS = 30;

export interface CalibrationFit {
  knobs: CalibrationKnobs;
  /** What the knobs were fitted to. */
  measured: { stepTimeMs: number; forwardBackwardMs: number | null; steadyIterations: number; memoryStages: number };
  /** The file's prediction before and after, ms. */
  predictedStepTimeMs: { before: number | null; after: number | null };
  /** What the fit could not do, said (an overhead clamped at 0, a knob left at the model's value). */
  notes: string[];
}

export type CalibrationOutcome = { ok: true; fit: CalibrationFit } | { ok: false; reasons: string[] };

interface Prediction {
  stepTimeMs: number;
  /** The step without the optimizer and the per-step overhead: what Megatron's forward-backward timer measures. */
  forwardBackwardMs: number;
  result: AnalysisResult;
}

function predict(text: string, options: AnalyzeOptions, knobs: CalibrationKnobs): Prediction | null {
  const result = analyze(text, { ...options, scope: 'selected', calibration: knobs });
  const own = result.selectedSchedule ? result.schedules[result.selectedSchedule] : undefined;
  if (!own?.applicable || own.stepTimeMs === null) return null;
  const b = own.stepTimeBreakdown;
  const forwardBackwardMs = own.stepTimeMs - (b ? b.optimizerMs : 0) - knobs.stepOverheadMs;
  return { stepTimeMs: own.stepTimeMs, forwardBackwardMs, result };
}

/** Why the log cannot calibrate this file, or [] when it can. */
function refusals(base: AnalysisResult, log: MegatronLog): string[] {
  const reasons: string[] = [];
  const own = base.selectedSchedule ? base.schedules[base.selectedSchedule] : undefined;
  if (!base.isLaunchConfig || (base.scriptKind && base.scriptKind.id !== 'training'))
    reasons.push('the file is not a training launch');
  else if (!own?.applicable) reasons.push(`the file's schedule is not simulated: ${own?.reason ?? 'no schedule'}`);
  const differ = argDifferences(log, base);
  if (differ.length)
    reasons.push(
      `the log ran another configuration: ${differ.map((d) => `${d.name} ${d.log} (file: ${d.file})`).join(', ')}`,
    );
  const steady = steadyState(log);
  if (steady.stepTimeMs === null) reasons.push(steady.reason ?? 'no measured step time');
  else if (steady.steadyIterations < MIN_CALIBRATION_ITERATIONS)
    reasons.push(
      `only ${steady.steadyIterations} steady iterations; calibration needs at least ${MIN_CALIBRATION_ITERATIONS}`,
    );
  return reasons;
}

/** The efficiency at which `measure(efficiency)` equals `target` (measure decreases as the efficiency grows). */
function solveEfficiency(
  measure: (efficiency: number) => number | null,
  target: number,
  what: string,
): { efficiency: number } | { reason: string } {
  let [lo, hi] = EFFICIENCY_RANGE;
  const fastest = measure(hi);
  const slowest = measure(lo);
  if (fastest === null || slowest === null) return { reason: 'the schedule could not be simulated while fitting' };
  if (target < fastest)
    return {
      reason: `the measured ${what} (${target.toFixed(1)} ms) is shorter than the model gives even at 100 % GEMM efficiency (${fastest.toFixed(1)} ms): its other terms are too slow for this run, and no efficiency fits`,
    };
  if (target > slowest)
    return {
      reason: `the measured ${what} (${target.toFixed(1)} ms) is longer than the model gives at ${EFFICIENCY_RANGE[0] * 100} % GEMM efficiency (${slowest.toFixed(1)} ms): the run is bound by something the model does not have`,
    };
  for (let i = 0; i < BISECTION_STEPS; i++) {
    const mid = (lo + hi) / 2;
    const t = measure(mid);
    if (t === null) return { reason: 'the schedule could not be simulated while fitting' };
    if (t > target) lo = mid;
    else hi = mid;
  }
  return { efficiency: (lo + hi) / 2 };
}

/**
 * Fits the knobs for `text` from `log` (read with the reader of its format). `options` are the file's analysis
 * options (GPU, dialect, …); any calibration in them is ignored: the fit starts from the model's own constants.
 */
export function calibrateFromLog(
  text: string,
  options: AnalyzeOptions,
  log: MegatronLog,
  logName: string,
): CalibrationOutcome {
  const clean: AnalyzeOptions = { ...options, calibration: undefined, scope: 'selected' };
  const base = analyze(text, clean);
  const reasons = refusals(base, log);
  if (reasons.length) return { ok: false, reasons };
  const steady = steadyState(log);
  const measuredStep = steady.stepTimeMs as number;
  const fbTimer = log.timers.get('forward-backward')?.maxMs ?? null;
  const notes: string[] = [];
  if (!log.args.size)
    notes.push(
      "the log prints no arguments block (NeMo's does not): only the global batch size of its step lines was checked against the file",
    );
  const knobsAt = (efficiency: number, stepOverheadMs = 0): CalibrationKnobs => ({
    gpuId: base.gpu.id,
    efficiency,
    stepOverheadMs,
    overheadGiB: null,
    fromLog: logName,
  });
  const at = (efficiency: number): Prediction | null => predict(text, clean, knobsAt(efficiency));
  const solved =
    fbTimer !== null && fbTimer > 0
      ? solveEfficiency((e) => at(e)?.forwardBackwardMs ?? null, fbTimer, 'forward-backward time')
      : solveEfficiency((e) => at(e)?.stepTimeMs ?? null, measuredStep, 'step time');
  if ('reason' in solved) return { ok: false, reasons: [solved.reason] };
  const fitted = at(solved.efficiency) as Prediction;
  let stepOverheadMs = 0;
  if (fbTimer === null || fbTimer <= 0)
    notes.push(
      'no forward-backward timer in the log (--timing-log-level 1 or more prints it): the GEMM efficiency absorbs the whole step, and the per-step overhead stays 0',
    );
  else {
    stepOverheadMs = measuredStep - fitted.stepTimeMs;
    if (stepOverheadMs < 0) {
      notes.push(
        `the step beyond the forward-backward timer is ${(-stepOverheadMs).toFixed(1)} ms shorter than the modelled optimizer step: the per-step overhead stays 0`,
      );
      stepOverheadMs = 0;
    }
  }
  const knobs = knobsAt(solved.efficiency, stepOverheadMs);
  const memoryStages = fitMemory(log, fitted.result, knobs, notes);
  const after = predict(text, clean, knobs);
  const before = base.selectedSchedule ? base.schedules[base.selectedSchedule]?.stepTimeMs : null;
  return {
    ok: true,
    fit: {
      knobs,
      measured: {
        stepTimeMs: measuredStep,
        forwardBackwardMs: fbTimer,
        steadyIterations: steady.steadyIterations,
        memoryStages,
      },
      predictedStepTimeMs: { before: before ?? null, after: after?.stepTimeMs ?? null },
      notes,
    },
  };
}

/**
 * Sets knobs.overheadGiB from the memory report: per stage with a report, the model's non-PyTorch share (its
 * breakdown's `overhead` term) plus what PyTorch reserved beyond the model's PyTorch-side reserved (allocated + the
 * allocator's cache, the `fragmentation` term); the mean over the stages. Returns how many stages it used.
 */
function fitMemory(log: MegatronLog, result: AnalysisResult, knobs: CalibrationKnobs, notes: string[]): number {
  const grown = 1 + DEFAULT_OVERHEADS.fragmentationFraction;
  const own = result.selectedSchedule ? result.schedules[result.selectedSchedule] : undefined;
  const perStage: number[] = [];
  for (const m of memoryComparison(log, result)) {
    const measured = m.measuredMaxReservedGiB;
    if (m.predictedAllocatedGiB === null || m.predictedReservedGiB === null || measured === null || measured <= 0)
      continue;
    // F (issue 13): the stage's own split of reserved − allocated. Deriving the non-PyTorch share as reserved −
    // allocated·(1 + fraction) counted a Seq1F1B stage's allocator-replay excess as non-PyTorch, and the calibrated
    // run then added it twice (once in the knob, once from the replay that still runs).
    const b = own?.memory?.[m.stage]?.breakdownBytes;
    const nonPyTorch = b ? b.overhead / GiB : m.predictedReservedGiB - m.predictedAllocatedGiB * grown;
    const pyTorchReserved = b ? m.predictedAllocatedGiB + b.fragmentation / GiB : m.predictedAllocatedGiB * grown;
    perStage.push(nonPyTorch + measured - pyTorchReserved);
  }
  if (!perStage.length) {
    notes.push(
      'no per-rank memory report in the log (Megatron prints it after the first iterations): the memory model keeps its own overhead',
    );
    return 0;
  }
  const mean = perStage.reduce((a, b) => a + b, 0) / perStage.length;
  if (mean < 0)
    notes.push(
      `the run reserved ${(-mean).toFixed(2)} GiB less per GPU than the model allocates: the memory overhead is set to 0, and the model's activations or buffers are likely too high for this run`,
    );
  knobs.overheadGiB = Math.max(0, mean);
  return perStage.length;
}
