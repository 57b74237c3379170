// Measured data for the panel (issue 19): a profiler trace's forward/backward spans, to draw over the simulated
// timeline, and a training log's per-stage peak memory, to mark beside the predicted bars. Built on the host from
// files the user linked (core/logs), sent inside the analysis header, and checked again by the webview's guard:
// the numbers come from workspace files, so they are bounded (MAX_OVERLAY_SPANS) and finite before they travel.
// Types and the guard only (the webview imports this); measuredPayload.ts builds them on the host.
//
// Alignment rule (the panel's help line says it too): the measured time axis is shifted so that the first forward
// span of the lowest pipeline stage any trace covers starts when the simulated first forward of that stage starts;
// every other span keeps its distance from it (µs in the trace, ms here). One offset for all ranks, so the traces'
// clocks must agree (Kineto writes host wall-clock µs; ranks of one job on NTP-synced nodes do).

/** Spans sent to the panel at most: a few steps of a deep pipeline; more is not readable and costs the message. */
export const MAX_OVERLAY_SPANS = 20_000;
/** Pipeline stages at most (core/megatron/bounds.ts MAX_PIPELINE_STAGES; not imported: the webview reads this file). */
const MAX_STAGES = 4096;
export const MAX_SOURCE_CHARS = 200;
/** Spans kept: those starting before this many simulated steps after the aligned start (a slower run still shows). */
export const OVERLAY_WINDOW_STEPS = 2;

export const SPAN_FORWARD = 0;
export const SPAN_BACKWARD = 1;

export interface MeasuredSpans {
  /** The trace files' names, for the legend (names, never paths to open). */
  source: string;
  /** Columns of equal length: pipeline stage, SPAN_FORWARD | SPAN_BACKWARD, aligned start and duration in ms. */
  stage: number[];
  kind: number[];
  startMs: number[];
  durMs: number[];
  /** GPU ranges (gpu_user_annotation) rather than the CPU's python / annotation ranges. */
  onGpu: boolean;
  /** Spans read but not sent: past MAX_OVERLAY_SPANS, or outside the window of OVERLAY_WINDOW_STEPS steps. */
  omitted: number;
}

export interface MeasuredStageMemory {
  stage: number;
  maxAllocatedGiB: number | null;
  maxReservedGiB: number | null;
}

export interface MeasuredMemory {
  /** The log's name. */
  source: string;
  stages: MeasuredStageMemory[];
}

/**
 * The log's steady step time (core/logs/compare.ts steadyState: warm-up lines left out), for the panel's summary
 * line. `schedule` is the file's own: the run measured it, so a prediction is compared with it only for that schedule
 * and without what-if overrides (measuredStepText).
 */
export interface MeasuredStep {
  source: string;
  schedule: string;
  measuredMs: number;
  steadyIterations: number;
  /** Log lines left out as warm-up. */
  warmupLines: number;
}

export interface MeasuredPayload {
  spans: MeasuredSpans | null;
  memory: MeasuredMemory | null;
  /** Absent in payloads built before the step time travelled (still valid). */
  step?: MeasuredStep | null;
}

const MAX_COUNT = 1e12;

/**
 * The panel summary line's measured part: ` · measured 49.8 ms (+7.8 % vs predicted, 120 iterations, run.log)` when
 * the shown schedule is the one the run measured and no what-if is applied; otherwise the figure alone, said to be the
 * file's own run, since the shown prediction is of another configuration. Empty without a measured step.
 */
export function measuredSummarySuffix(
  step: MeasuredStep | null | undefined,
  shown: { schedule: string; stepTimeMs: number | null },
  overrides: object,
): string {
  if (!step) return '';
  const ms = `${step.measuredMs.toFixed(step.measuredMs < 100 ? 2 : 1)} ms`;
  if (shown.schedule !== step.schedule || Object.keys(overrides).length > 0)
    return ` · measured ${ms} for the file's own ${step.schedule} (${step.source})`;
  const p = shown.stepTimeMs;
  const delta = p !== null && p > 0 ? (((step.measuredMs - p) / p) * 100).toFixed(1) : null;
  const signed = delta === null ? '' : `${delta.startsWith('-') ? '' : '+'}${delta} % vs predicted, `;
  return ` · measured ${ms} (${signed}${step.steadyIterations} iterations, ${step.source})`;
}

// ─── Guard (the webview checks what it is sent; the same function is unit-tested with hostile values) ──────────

type Untrusted<K extends string> = { readonly [P in K]?: unknown };
const isRecord = <K extends string>(x: unknown): x is Untrusted<K> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isSource = (x: unknown): boolean => typeof x === 'string' && x.length <= MAX_SOURCE_CHARS;
const isStage = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0 && (x as number) < MAX_STAGES;
const isGiB = (x: unknown): boolean => x === null || (isFiniteNumber(x) && x >= 0 && x < 1e6);

function isColumn(x: unknown, length: number, ok: (v: unknown) => boolean): boolean {
  return Array.isArray(x) && x.length === length && x.every(ok);
}

function isMeasuredSpans(x: unknown): x is MeasuredSpans {
  if (!isRecord<'source' | 'stage' | 'kind' | 'startMs' | 'durMs' | 'onGpu' | 'omitted'>(x)) return false;
  if (!isSource(x.source) || typeof x.onGpu !== 'boolean') return false;
  if (!(Number.isInteger(x.omitted) && (x.omitted as number) >= 0)) return false;
  if (!Array.isArray(x.stage) || x.stage.length > MAX_OVERLAY_SPANS) return false;
  const n = x.stage.length;
  return (
    x.stage.every(isStage) &&
    isColumn(x.kind, n, (k) => k === SPAN_FORWARD || k === SPAN_BACKWARD) &&
    isColumn(x.startMs, n, isFiniteNumber) &&
    isColumn(x.durMs, n, (d) => isFiniteNumber(d) && d >= 0)
  );
}

function isMeasuredMemory(x: unknown): x is MeasuredMemory {
  if (!isRecord<'source' | 'stages'>(x) || !isSource(x.source) || !Array.isArray(x.stages)) return false;
  return (
    x.stages.length <= MAX_STAGES &&
    x.stages.every(
      (s) =>
        isRecord<'stage' | 'maxAllocatedGiB' | 'maxReservedGiB'>(s) &&
        isStage(s.stage) &&
        isGiB(s.maxAllocatedGiB) &&
        isGiB(s.maxReservedGiB),
    )
  );
}

const isCount = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0 && (x as number) < MAX_COUNT;

function isMeasuredStep(x: unknown): x is MeasuredStep {
  if (!isRecord<'source' | 'schedule' | 'measuredMs' | 'steadyIterations' | 'warmupLines'>(x)) return false;
  return (
    isSource(x.source) &&
    isSource(x.schedule) &&
    isFiniteNumber(x.measuredMs) &&
    x.measuredMs > 0 &&
    x.measuredMs < 1e9 &&
    isCount(x.steadyIterations) &&
    isCount(x.warmupLines)
  );
}

/** Runtime guard: null (nothing measured) or every part well-formed and bounded. */
export function isMeasuredPayload(x: unknown): x is MeasuredPayload | null {
  if (x === null) return true;
  if (!isRecord<'spans' | 'memory' | 'step'>(x)) return false;
  return (
    (x.spans === null || isMeasuredSpans(x.spans)) &&
    (x.memory === null || isMeasuredMemory(x.memory)) &&
    (x.step === undefined || x.step === null || isMeasuredStep(x.step))
  );
}
