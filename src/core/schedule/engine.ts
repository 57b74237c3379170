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
