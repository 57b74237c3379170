// PLACEHOLDER until the schedule engine lands (issue 3).
import type { CoreDiagnostic, GpuProfile, LaunchConfigRead, ScheduleEvaluation, ScheduleName, SplitStrategy } from '../types';
export interface EngineOptions {
  gpu: GpuProfile;
  efficiency?: number;
  candidateSplits?: number[];
  overrides?: { schedule?: ScheduleName; splits?: number; strategy?: SplitStrategy; microbatches?: number };
  bubbleHintFraction?: number;
}
export interface PartitionInfo { strategy: SplitStrategy; lengths: number[] }
export interface EngineResult {
  partition: PartitionInfo | null;
  evaluations: Partial<Record<ScheduleName, ScheduleEvaluation>>;
  selected: ScheduleName | null;
  diagnostics: CoreDiagnostic[];
}
export function evaluateAllSchedules(_read: LaunchConfigRead, _options: EngineOptions): EngineResult {
  return { partition: null, evaluations: {}, selected: null, diagnostics: [] };
}

/** One schedule on the file's model and cluster (used by the memory model's recommendation sweep and the webview what-ifs). */
export interface ScheduleChoice {
  schedule: ScheduleName;
  splits: number;
  strategy: SplitStrategy;
  virtualStages: number;
  /** Overrides the file's number of microbatches (what-if). */
  microbatches?: number;
}
/** Simulates one schedule with real durations; `sim` is attached, memory fields are null (the memory model fills them). */
export function evaluateSchedule(_config: import('../types').RunConfig, choice: ScheduleChoice, _options: EngineOptions): ScheduleEvaluation {
  return { schedule: choice.schedule, applicable: false, reason: 'engine not built yet', splits: choice.splits, virtualStages: choice.virtualStages, whatIf: true, splitsSource: 'fixed', stepTimeMs: null, bubbleFraction: null, tokensPerSecond: null, tflopsPerGpu: null, peakMemoryGiBPerStage: null, peakReservedGiBPerStage: null, oom: null, memoryBreakdownGiB: null };
}
