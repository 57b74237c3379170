// The one entry point of the core: text in, everything the CLI and the editor show out.
// Each stage is a pure function of the previous one; analyze() only wires them and never throws on user input.
import { readLaunchConfig } from './read/readLaunchConfig';
import { bubbleHint } from './advice/bubbleHint';
import { attachMemory, type MemoryOptions, type Recommendation } from './advice/memoryAdvice';
import { DEFAULT_GPU_ID } from './defaults';
import { getGpuProfile } from './hardware/gpus';
import { evaluateAllSchedules, type EngineOptions, type PartitionInfo } from './schedule/engine';
import type {
  CoreDiagnostic,
  DialectId,
  GpuProfile,
  LaunchConfigRead,
  ScheduleEvaluation,
  ScheduleName,
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
   */
  scope?: 'full' | 'selected';
  /** Which Megatron reads the file: `auto` (default) detects it; a directive comment in the file beats this. */
  dialect?: DialectId | 'auto';
}

export interface AnalysisResult extends LaunchConfigRead {
  gpu: GpuProfile;
  partition: PartitionInfo | null;
  schedules: Partial<Record<ScheduleName, ScheduleEvaluation>>;
  selectedSchedule: ScheduleName | null;
  recommendation: Recommendation | null;
  /** Wall time of each phase, ms (for the bench and the log). */
  timingsMs: { read: number; schedules: number; memory: number };
}

// The core has no DOM or Node typings; both runtimes provide a global `performance`.
declare const performance: { now(): number } | undefined;
const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export function analyze(text: string, options: AnalyzeOptions = {}): AnalysisResult {
  const t0 = now();
  const read = readLaunchConfig(text, options.fileName, options.dialect);
  const t1 = now();
  const gpu = getGpuProfile(options.gpuId ?? DEFAULT_GPU_ID);
  const diagnostics: CoreDiagnostic[] = [...read.diagnostics];
  const result: AnalysisResult = {
    ...read,
    diagnostics,
    gpu,
    partition: null,
    schedules: {},
    selectedSchedule: null,
    recommendation: null,
    timingsMs: { read: t1 - t0, schedules: 0, memory: 0 },
  };
  // Inference, evaluation, conversion and preprocessing run no training step: no schedule to simulate, no training
  // memory verdict (issue 12 §2). The front ends say why from `scriptKind`.
  if (!read.isLaunchConfig || (read.scriptKind && read.scriptKind.id !== 'training')) return result;

  const engineOptions: EngineOptions = {
    gpu,
    efficiency: options.efficiency,
    candidateSplits: options.candidateSplits,
    overrides: options.overrides,
    bubbleHintFraction: options.bubbleHintFraction,
    onlySelected: options.scope === 'selected',
  };
  const engine = guard(() => evaluateAllSchedules(read, engineOptions), diagnostics, read);
  const t2 = now();
  result.timingsMs.schedules = t2 - t1;
  if (!engine) return result;
  result.partition = engine.partition;
  result.schedules = engine.evaluations;
  result.selectedSchedule = engine.selected;
  const hint = bubbleHint(read, engine, engineOptions, text);
  if (hint) diagnostics.push(hint);

  const memOptions: MemoryOptions = {
    gpu,
    engine: engineOptions,
    warningFraction: options.memoryWarningFraction,
    overheadGiB: options.overheadGiB,
    // planFlagEdit needs the document text to place oom-risk quick fixes.
    text,
    sweep: options.scope !== 'selected',
  };
  const memory = guard(() => attachMemory(read, engine.evaluations, engine.selected, memOptions), diagnostics, read);
  result.timingsMs.memory = now() - t2;
  if (memory) {
    result.recommendation = memory.recommendation;
    diagnostics.push(...memory.diagnostics);
  }
  return result;
}

/** An engine bug must not take the editor down with it: report it as a diagnostic and keep what we have. */
function guard<T>(fn: () => T, diagnostics: CoreDiagnostic[], read: LaunchConfigRead): T | null {
  try {
    return fn();
  } catch (err) {
    const range = read.commandRange ?? { line: 0, column: 0, endLine: 0, endColumn: 1 };
    diagnostics.push({
      code: 'internal-error',
      severity: 'warning',
      message: `Schedule Inspector could not finish this analysis: ${err instanceof Error ? err.message : String(err)}`,
      range,
    });
    return null;
  }
}
