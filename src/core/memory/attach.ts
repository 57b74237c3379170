// PLACEHOLDER until the memory model lands (issue 4).
import type { CoreDiagnostic, GpuProfile, LaunchConfigRead, ScheduleEvaluation, ScheduleName, SplitStrategy } from '../types';
import type { EngineOptions } from '../schedule/engine';
export interface MemoryOptions { gpu: GpuProfile; engine: EngineOptions; warningFraction?: number; overheadGiB?: number }
export interface Recommendation { schedule: ScheduleName; splits: number; strategy: SplitStrategy; stepTimeMs: number; peakMemoryGiB: number; fits: boolean; reason: string }
export function attachMemory(_read: LaunchConfigRead, _evaluations: Partial<Record<ScheduleName, ScheduleEvaluation>>, _selected: ScheduleName | null, _options: MemoryOptions): { recommendation: Recommendation | null; diagnostics: CoreDiagnostic[] } {
  return { recommendation: null, diagnostics: [] };
}
