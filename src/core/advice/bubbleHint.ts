// The bubble hint: when the configured schedule idles more than a threshold of the step and another schedule a
// launch can switch to with flags alone would be clearly faster, say so, with a quick fix when one flag does it.
import { planFlagEdit } from '../edits/planFlagEdit';
import { ownScheduleForHint } from './ownSchedule';
import { DEFAULT_BUBBLE_HINT_FRACTION } from '../defaults';
import { constantsOf, scheduleLabel, type EngineOptions, type EngineResult } from '../schedule/engine';
import { gemmCeiling } from '../schedule/cost/kernels';
import type { CoreDiagnostic, CoreFix, LaunchConfigRead, ScheduleEvaluation, ScheduleName } from '../types';

/** A different schedule must be at least this much faster before we suggest it. */
const MIN_SPEEDUP_FOR_HINT = 0.05;
/** Schedules a Megatron / Seq1F1B launch can switch to with flags alone (ZB has no code in either, GPipe no flag). */
const SUGGESTIBLE: readonly ScheduleName[] = ['1f1b', '1f1b-interleaved', 'seq1f1b', 'seq1f1b-interleaved'];

type Evaluations = Partial<Record<ScheduleName, ScheduleEvaluation>>;
/** An evaluation that simulated: its step time is known. */
type Timed = ScheduleEvaluation & { stepTimeMs: number };

const timed = (e: ScheduleEvaluation | undefined): e is Timed => e != null && e.applicable && e.stepTimeMs != null;

/** The fastest flag-reachable schedule other than `selected`, if it beats `sel` by the hint's margin. */
function fasterAlternative(evaluations: Evaluations, selected: ScheduleName, sel: Timed): Timed | null {
  let best: Timed | null = null;
  for (const name of SUGGESTIBLE) {
    const e = evaluations[name];
    if (name === selected || !timed(e)) continue;
    if (!best || e.stepTimeMs < best.stepTimeMs) best = e;
  }
  return best && best.stepTimeMs <= sel.stepTimeMs * (1 - MIN_SPEEDUP_FOR_HINT) ? best : null;
}

/**
 * The `bubble` diagnostic on the file's pipeline size, or null. It compares the file's own schedules, so a webview
 * what-if (overrides) or a one-schedule analysis gets none. `text` is the analysed document (planFlagEdit needs it
 * for the quick fix); without it the hint carries no fix.
 */
export function bubbleHint(
  read: LaunchConfigRead,
  engine: EngineResult,
  options: EngineOptions,
  text?: string,
): CoreDiagnostic | null {
  const own = ownScheduleForHint(read, engine, options);
  if (!own) return null;
  const { selected, sel, range } = own;
  const { evaluations } = engine;
  if (!timed(sel) || sel.bubbleFraction == null) return null;
  const threshold = options.bubbleHintFraction ?? DEFAULT_BUBBLE_HINT_FRACTION;
  if (sel.bubbleFraction <= threshold) return null;
  const best = fasterAlternative(evaluations, selected, sel);
  if (!best) return null;
  const speedup = 1 - best.stepTimeMs / sel.stepTimeMs;
  const pct = (x: number): string => (100 * x).toFixed(1);
  const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
  const fixes = bubbleFixes(read, evaluations, sel, text);
  return {
    code: 'bubble',
    severity: speedup >= 0.1 ? 'information' : 'hint',
    message:
      `${scheduleLabel(selected, sel.splits, sel.virtualStages)} idles ${pct(sel.bubbleFraction)} % of the step; ` +
      `${scheduleLabel(best.schedule, best.splits, best.virtualStages)} would cut the step from ${ms(sel.stepTimeMs)} ms to ${ms(best.stepTimeMs)} ms ` +
      `(simulated on ${options.gpu.name}, GEMMs at up to ${pct(gemmCeiling(options.gpu, constantsOf(options)))} % of peak)`,
    range,
    ...(fixes ? { fixes } : {}),
  };
}

/**
 * A fix only for a schedule one flag away: Seq1F1B(-I) with the configured VPP differs from the configured schedule
 * by `--pipe-sp-splits` alone, and flash attention, which Seq1F1B asserts, is already on. It need not be the
 * message's overall best (that may need VPP flags or a zero-bubble fork); it must still beat the configured step
 * by the hint's margin.
 */
function bubbleFixes(
  read: LaunchConfigRead,
  evaluations: Evaluations,
  sel: Timed,
  text: string | undefined,
): CoreFix[] | undefined {
  if (text === undefined || read.config.useFlashAttn !== true) return undefined;
  const target: ScheduleName = sel.virtualStages > 1 ? 'seq1f1b-interleaved' : 'seq1f1b';
  const e = evaluations[target];
  if (!timed(e) || e.splits <= 1 || e.virtualStages !== sel.virtualStages) return undefined;
  if (e.splits === sel.splits || e.stepTimeMs > sel.stepTimeMs * (1 - MIN_SPEEDUP_FOR_HINT)) return undefined;
  const edits = planFlagEdit(text, read, '--pipe-sp-splits', String(e.splits));
  if (edits.length === 0) return undefined;
  return [
    {
      title: `Use ${scheduleLabel(target, e.splits, e.virtualStages)}: --pipe-sp-splits ${e.splits} (${e.stepTimeMs.toFixed(0)} ms/step)`,
      edits,
      preferred: true,
    },
  ];
}
