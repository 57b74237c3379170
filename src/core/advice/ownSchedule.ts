import type { EngineOptions, EngineResult } from '../schedule/engine';
import type { LaunchConfigRead, ScheduleEvaluation, ScheduleName, SourceRange } from '../types';

/**
 * The file's own simulated schedule and the range a hint about it goes on (the pipeline size, else the command), for
 * the hints that judge the file as written: none for a webview what-if (overrides) or a one-schedule analysis.
 */
export function ownScheduleForHint(
  read: LaunchConfigRead,
  engine: EngineResult,
  options: EngineOptions,
): { selected: ScheduleName; sel: ScheduleEvaluation | undefined; range: SourceRange } | null {
  const { evaluations, selected } = engine;
  if (selected == null || options.onlySelected === true || Object.keys(options.overrides ?? {}).length > 0) return null;
  const range = read.sources.pipelineParallel?.range ?? read.commandRange;
  return range ? { selected, sel: evaluations[selected], range } : null;
}
