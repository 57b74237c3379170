// The one entry point of the core: text in, everything the CLI and the editor show out.
// Each stage is a pure function of the previous one; analyze() only wires them and never throws on user input.
import { readLaunchConfig } from './read/readLaunchConfig';
import { notALaunch } from './read/finishRead';
import { detectedDialect } from './read/dialect';
import { bubbleHint } from './advice/bubbleHint';
import { vocabImbalanceDiagnostic } from './advice/vocabImbalance';
import { notSimulatedDiagnostic } from './advice/notSimulated';
import { attachMemory, type MemoryOptions, type Recommendation } from './advice/memoryAdvice';
import { DEFAULT_GPU_ID } from './defaults';
import { getGpuProfile } from './hardware/gpus';
import { inferenceMemory, type InferenceMemory } from './memory/inference';
import { evaluateAllSchedules, type EngineOptions, type PartitionInfo } from './schedule/engine';
import { applyVocabParallel } from './schedule/vocabParallel';
import { applyVocabSchedules } from './schedule/vocabSchedules';
import type { WorkBudget } from './schedule/workBudget';
import { newAnalysisMemo } from './schedule/analysisMemo';
import type {
  CoreDiagnostic,
  DialectId,
  GpuProfile,
  LaunchConfigRead,
  ScheduleEvaluation,
  ScheduleName,
  SourceRange,
} from './types';

export interface AnalyzeOptions {
  fileName?: string;
  /** GPU profile id (see hardware/gpus.ts); default a100-80gb, the card Seq1F1B was measured on. */
  gpuId?: string;
  /** Achieved fraction of peak math throughput (0..1]. */
  efficiency?: number;
  /** Warn when a stage's reserved memory exceeds this fraction of capacity. */
  memoryWarningFraction?: number;
  /** Non-PyTorch overhead per GPU (CUDA context, NCCL, workspaces), GiB. */
  overheadGiB?: number;
  /** k values tried for Seq1F1B what-ifs and recommendations. */
  candidateSplits?: number[];
  /** What-if overrides from the webview controls; never written to the file. */
  overrides?: {
    schedule?: ScheduleName;
    splits?: number;
    strategy?: 'average' | 'uniform_comp';
    microbatches?: number;
  };
  /** Bubble hint threshold (fraction). */
  bubbleHintFraction?: number;
  /**
   * 'full' (default): every schedule as a what-if, the bubble hint and the recommendation sweep.
   * 'selected': only the schedule the file configures, no sweep — for hover what-if rows, which each re-analyse
   * an edited copy of the file and only show that schedule's step time, bubble and peak.
   * 'edit': what the editor shows while the user types (issue 16): 'selected' within EDIT_MAX_OPS, a long schedule
   * sampled (periodic.ts) rather than simulated in full; the service runs 'full' once the user pauses.
   */
  scope?: 'full' | 'selected' | 'edit';
  /** Which Megatron reads the file: `auto` (default) detects it; a directive comment in the file beats this. */
  dialect?: DialectId | 'auto';
  /**
   * Knobs fitted from a measured run (core/logs/calibrate.ts, issue 19). They beat `efficiency` and `overheadGiB`,
   * and apply only on the GPU they were measured on (`gpuId`): another card's GEMMs are not this card's.
   */
  calibration?: CalibrationKnobs | undefined;
}

/** What a calibration from a training log sets; `fromLog` says which log, for the front ends. */
export interface CalibrationKnobs {
  gpuId: string;
  /** Fraction of dense peak large GEMMs reach (the cost model's `efficiency`). */
  efficiency: number;
  /** Fixed cost per training step outside the schedule (CostConstants.stepOverheadMs). */
  stepOverheadMs: number;
  /** Memory per GPU between PyTorch's allocated·(1 + fragmentation) and what the run reserves, GiB; null: the model's. */
  overheadGiB: number | null;
  fromLog: string;
}

export interface AnalysisResult extends LaunchConfigRead {
  gpu: GpuProfile;
  partition: PartitionInfo | null;
  schedules: Partial<Record<ScheduleName, ScheduleEvaluation>>;
  selectedSchedule: ScheduleName | null;
  recommendation: Recommendation | null;
  /** Wall time of each phase, ms (for the bench and the log). */
  timingsMs: { read: number; schedules: number; memory: number };
  /**
   * Simulated ops this analysis spent from its work budget (schedules, samples, what-ifs, sweep and priced advice):
   * the machine-independent measure of its work, which the fuzz and the regression tests bound (issue 15).
   */
  simulatedOps: number;
  /** An inference launch: the weights per GPU and why the rest is not assessed (issue 13); absent otherwise. */
  inferenceMemory?: InferenceMemory | null;
}

// The core has no DOM or Node typings; both runtimes provide a global `performance`.
declare const performance: { now(): number } | undefined;
const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * The work budget of one analysis, in simulated ops (each a forward, backward or weight-gradient step of one
 * microbatch chunk on one stage), shared by the engine's schedules, the priced advice and the memory model's
 * recommendation sweep; `AnalysisResult.simulatedOps` reports what was spent. Past the budget a schedule is "not
 * simulated" with the reason (EngineOptions.workBudget says who is served first: the file's own schedule).
 *
 * Sized from measurements (issue 15: every input under 100 ms, p99 under 20 ms, with room for ~1.5x load): an op with
 * its memory walk costs 0.1 µs warm and up to ~0.35 µs the first time its program is seen (the simulator's event loop
 * before a replay plan exists, plus GC) — the 10,000-input fuzz spent 500,000 ops in 165 ms at the old budget of
 * 2^20. Now the file's own samples (FULL_SAMPLE_OPS) plus the what-ifs' share: 327,680 ops, ~35 ms warm; a file whose
 * own schedule cannot be sampled (GPipe, DualPipeV, V-Half, V-Min, or samples that do not repeat) may use all of it
 * for itself. The bash reader's own budget (bash/limits.ts) bounds reading.
 */
export const ANALYSIS_MAX_OPS = (1 << 18) + (1 << 16); // FULL_SAMPLE_OPS + WHAT_IF_MAX_OPS
/**
 * Of that, what the what-if schedules and the recommendation sweep may spend together: the file's own schedule comes
 * first. Kept at 2^18 (issue 15 tried 2^17: GPT-3 175B's example then lost its ZB-H1, ZB-H2 and Seq1F1B-ZB rows and
 * the sweep its k = 8 candidates). A long what-if is sampled like the file's own schedule, and one that cannot be
 * sampled is simulated op by op only up to FULL_SAMPLE_ABOVE_OPS (engine.ts), so no single alternative is long.
 */
export const WHAT_IF_MAX_OPS = 1 << 18;
/**
 * The edit path's budget (scope 'edit'): the file's own schedule only, simulated in full up to EDIT_SAMPLE_OPS ops and
 * beyond that as periodic samples of about as many ops (at least three periods past 2p microbatches, so a 64-stage
 * Seq1F1B k=8 samples ~400k); past EDIT_MAX_OPS it waits for the full analysis, whose budget is the same.
 */
const EDIT_SAMPLE_OPS = 1 << 16;
const EDIT_MAX_OPS = ANALYSIS_MAX_OPS;
/**
 * The full analysis samples a periodic schedule longer than FULL_SAMPLE_ABOVE_OPS, in samples of FULL_SAMPLE_OPS ops
 * together: the same as the edit path, so the figures the editor shows while the user types are the ones the full
 * analysis then confirms (issue 15 lowered both from 2^18 and 2^17; the first simulation of a 250,000-op schedule
 * alone took ~80 ms cold). The samples give the same step time and peak memory as the full run (periodic.ts; proved
 * op by op in periodic.test.ts and robustness/regressions.test.ts) and are marked `extrapolated`. A schedule that is
 * not periodic at its sample sizes is still simulated in full within ANALYSIS_MAX_OPS.
 */
export const FULL_SAMPLE_ABOVE_OPS = EDIT_SAMPLE_OPS;
export const FULL_SAMPLE_OPS = EDIT_SAMPLE_OPS;

export function analyze(text: string, options: AnalyzeOptions = {}): AnalysisResult {
  const t0 = now();
  // Everything runs inside one guard per phase (issue 15): a defect becomes one `internal-error` diagnostic naming
  // the phase, and the result keeps what the phases before it found.
  const failures: CoreDiagnostic[] = [];
  const read =
    guard(
      'reading the file (bash/YAML reader, flag resolution and checks)',
      () => readLaunchConfig(text, options.fileName, options.dialect),
      failures,
      null,
    ) ?? unreadable(options.fileName);
  const t1 = now();
  const gpu = getGpuProfile(options.gpuId ?? DEFAULT_GPU_ID);
  const diagnostics: CoreDiagnostic[] = [...read.diagnostics, ...failures];
  const result: AnalysisResult = {
    ...read,
    diagnostics,
    gpu,
    partition: null,
    schedules: {},
    selectedSchedule: null,
    recommendation: null,
    timingsMs: { read: t1 - t0, schedules: 0, memory: 0 },
    simulatedOps: 0,
  };
  // Inference, evaluation, conversion and preprocessing run no training step: no schedule to simulate, no training
  // memory verdict (issue 12 §2). The front ends say why from `scriptKind`.
  if (read.isLaunchConfig && read.scriptKind?.id === 'inference')
    result.inferenceMemory = guard(
      'estimating inference memory',
      () => inferenceMemory(read.config),
      diagnostics,
      null,
    );
  if (!read.isLaunchConfig || (read.scriptKind && read.scriptKind.id !== 'training')) return result;

  const calibration = options.calibration?.gpuId === gpu.id ? options.calibration : undefined;
  const budget: WorkBudget =
    options.scope === 'edit'
      ? { ops: EDIT_MAX_OPS, opsLeft: EDIT_MAX_OPS }
      : {
          ops: ANALYSIS_MAX_OPS,
          opsLeft: ANALYSIS_MAX_OPS,
          whatIfOps: WHAT_IF_MAX_OPS,
          whatIfOpsLeft: WHAT_IF_MAX_OPS,
        };
  const engineOptions: EngineOptions = {
    gpu,
    efficiency: calibration?.efficiency ?? options.efficiency,
    costConstants: calibration && { stepOverheadMs: calibration.stepOverheadMs },
    candidateSplits: options.candidateSplits,
    overrides: options.overrides,
    bubbleHintFraction: options.bubbleHintFraction,
    onlySelected: options.scope === 'selected' || options.scope === 'edit',
    workBudget: budget,
    // One model shape per configuration for all of this analysis's evaluations, so their tables are shared.
    memo: newAnalysisMemo(),
    // Past the budget a periodic schedule is sampled and extrapolated rather than refused (issue 16).
    aggregate:
      options.scope === 'edit'
        ? { aboveOps: EDIT_SAMPLE_OPS, sampleOps: EDIT_SAMPLE_OPS }
        : { aboveOps: FULL_SAMPLE_ABOVE_OPS, sampleOps: FULL_SAMPLE_OPS },
  };
  const anchor = read.commandRange;
  const engine = guard(
    'simulating the pipeline schedules',
    () => evaluateAllSchedules(read, engineOptions),
    diagnostics,
    anchor,
  );
  const t2 = now();
  result.timingsMs.schedules = t2 - t1;
  result.simulatedOps = budget.ops - budget.opsLeft;
  if (!engine) return result;
  vocabParallelPhase(read, engine, engineOptions, diagnostics, anchor);
  result.partition = engine.partition;
  result.schedules = engine.evaluations;
  result.selectedSchedule = engine.selected;
  // B (issue 17): a file whose own schedule is not simulated says why in the Problems view (not for a what-if).
  const notSimulated = notSimulatedDiagnostic(read, engine, text, options.overrides);
  if (notSimulated) diagnostics.push(notSimulated);
  scheduleHints(read, engine, engineOptions, text, diagnostics, anchor);

  const memOptions: MemoryOptions = {
    gpu,
    engine: engineOptions,
    warningFraction: options.memoryWarningFraction,
    overheadGiB: calibration?.overheadGiB ?? options.overheadGiB,
    // planFlagEdit needs the document text to place oom-risk quick fixes.
    text,
    sweep: options.scope !== 'selected' && options.scope !== 'edit',
  };
  const memory = guard(
    'estimating memory and recommending a configuration',
    () => attachMemory(read, engine.evaluations, engine.selected, memOptions),
    diagnostics,
    anchor,
  );
  result.timingsMs.memory = now() - t2;
  result.simulatedOps = budget.ops - budget.opsLeft;
  if (memory) {
    result.recommendation = memory.recommendation;
    diagnostics.push(...memory.diagnostics);
  }
  return result;
}

/** E (issue 18): the fork's --enable-vocab-parallel runs the file's own 1F1B with Vocabulary Parallelism; guarded. */
function vocabParallelPhase(
  read: LaunchConfigRead,
  engine: ReturnType<typeof evaluateAllSchedules>,
  engineOptions: EngineOptions,
  diagnostics: CoreDiagnostic[],
  anchor: SourceRange | null,
): void {
  const phase = 'simulating Vocabulary Parallelism';
  guard(phase, () => applyVocabParallel(read.config, engine, engineOptions), diagnostics, anchor);
  // C (issue 18): on V-Half (the Zero-Bubble fork's v-half-vocab branch) and the interlaced baseline.
  guard(phase, () => applyVocabSchedules(read.config, engine, engineOptions), diagnostics, anchor);
}

/** The bubble hint, then E (issue 18): the stage that holds the output layer and loss is the bottleneck; each guarded. */
function scheduleHints(
  read: LaunchConfigRead,
  engine: ReturnType<typeof evaluateAllSchedules>,
  engineOptions: EngineOptions,
  text: string,
  diagnostics: CoreDiagnostic[],
  anchor: SourceRange | null,
): void {
  for (const [phase, hint] of [
    ['comparing the schedules for the bubble hint', bubbleHint],
    ['checking whether the vocabulary stage is the bottleneck', vocabImbalanceDiagnostic],
  ] as const) {
    const found = guard(phase, () => hint(read, engine, engineOptions, text), diagnostics, anchor);
    if (found) diagnostics.push(found);
  }
}

/** What a failed read leaves: not a launch (so nothing is simulated), with the format and dialect the file would have. */
function unreadable(fileName: string | undefined): LaunchConfigRead {
  const read = notALaunch(typeof fileName === 'string' && /\.ya?ml$/i.test(fileName) ? 'yaml' : 'bash');
  read.dialect = detectedDialect({ evidence: [] }, null);
  return read;
}

/**
 * A defect must not take the editor down with it: report it as one diagnostic naming the phase (on the launch
 * command, else the first line) and keep what we have. Stack overflows and invalid array lengths land here too.
 */
function guard<T>(phase: string, fn: () => T, diagnostics: CoreDiagnostic[], anchor: SourceRange | null): T | null {
  try {
    return fn();
  } catch (err) {
    diagnostics.push({
      code: 'internal-error',
      severity: 'warning',
      message: `Schedule Inspector could not finish ${phase}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}. Please report the file.`,
      range: anchor ?? { line: 0, column: 0, endLine: 0, endColumn: 1 },
    });
    return null;
  }
}
