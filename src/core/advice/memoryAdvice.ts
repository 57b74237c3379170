// Memory advice (issue 4): fills the memory fields of every simulated schedule (memory/ does the numbers), sweeps
// the alternatives for a recommendation, and reports an `oom-risk` diagnostic for the selected schedule.
import { oomUncertainty } from './oomCertainty';
import { DEFAULT_MEMORY_WARNING_FRACTION } from '../defaults';
import type { OverheadConstants } from '../memory/overheads';
import { chunkLengths, fillStageMemory, type MemorySettings } from '../memory/stageMemory';
import type { ModelShape } from '../model/shape';
import { memoShape } from '../schedule/analysisMemo';
import type { EngineOptions } from '../schedule/engine';
import type {
  CoreDiagnostic,
  GpuProfile,
  LaunchConfigRead,
  ScheduleEvaluation,
  ScheduleName,
  SplitStrategy,
} from '../types';
import { oomRiskDiagnostic } from './oomRisk';
import {
  pickRecommendation,
  sweepExclusions,
  sweepSchedules,
  type Recommendation,
  type SweepCandidate,
} from './recommend';

export type { Recommendation } from './recommend';

export interface MemoryOptions {
  gpu: GpuProfile;
  engine: EngineOptions;
  /** Warn when a stage's reserved estimate exceeds this fraction of capacity (default DEFAULT_MEMORY_WARNING_FRACTION). */
  warningFraction?: number | undefined;
  /** Replaces the whole non-PyTorch overhead per GPU (CUDA context + NCCL), GiB. */
  overheadGiB?: number | undefined;
  /** Overrides of the individual overhead constants (see overheads.ts). */
  constants?: Partial<OverheadConstants> | undefined;
  /** The analysed document's text, for quick fixes (planFlagEdit needs it). */
  text?: string | undefined;
  /** Set false to skip the recommendation sweep (e.g. while typing fast). */
  sweep?: boolean | undefined;
  /** Upper bound on ops of one swept timeline. */
  maxSweepOps?: number | undefined;
}

/**
 * The sweep depends only on the resolved configuration and the settings, not on where things stand in the text, yet
 * the editor re-analyses on every edit: keep the last few sweeps so typing a comment or a path costs nothing.
 * Candidates are read-only after the sweep, so sharing them between analyses is safe.
 */
const SWEEP_MEMO_ENTRIES = 8;
const sweepMemo = new Map<string, SweepCandidate[]>();

function memoizedSweep(
  read: LaunchConfigRead,
  shape: ModelShape,
  options: MemoryOptions,
  settings: MemorySettings,
  capacityGiB: number,
  warningFraction: number,
  evaluations: Partial<Record<ScheduleName, ScheduleEvaluation>>,
  strategy: SplitStrategy,
): SweepCandidate[] {
  const { text: _text, ...optionsWithoutText } = options;
  const key = JSON.stringify([read.config, optionsWithoutText, settings, capacityGiB, warningFraction, strategy]);
  const hit = sweepMemo.get(key);
  if (hit) {
    // Refresh its place in the LRU order.
    sweepMemo.delete(key);
    sweepMemo.set(key, hit);
    return hit;
  }
  const candidates = sweepSchedules(
    read.config,
    shape,
    { engine: options.engine, settings, capacityGiB, warningFraction, maxOps: options.maxSweepOps },
    Object.values(evaluations).filter((e): e is ScheduleEvaluation => e != null),
    strategy,
  );
  sweepMemo.set(key, candidates);
  if (sweepMemo.size > SWEEP_MEMO_ENTRIES) sweepMemo.delete(sweepMemo.keys().next().value as string);
  return candidates;
}

/** Only the settings that are set (exactOptionalPropertyTypes: an absent setting is not `undefined`). */
function memorySettings(options: MemoryOptions): MemorySettings {
  // The GPU's memory bounds the allocator replay (memory/fragmentation.ts) as the device bounds PyTorch's allocator.
  const settings: MemorySettings = { capacityGiB: options.gpu.memoryGiB };
  if (options.constants !== undefined) settings.constants = options.constants;
  if (options.overheadGiB !== undefined) settings.overheadGiB = options.overheadGiB;
  return settings;
}

export function attachMemory(
  read: LaunchConfigRead,
  evaluations: Partial<Record<ScheduleName, ScheduleEvaluation>>,
  selected: ScheduleName | null,
  options: MemoryOptions,
): { recommendation: Recommendation | null; diagnostics: CoreDiagnostic[] } {
  const warningFraction = options.warningFraction ?? DEFAULT_MEMORY_WARNING_FRACTION;
  const capacityGiB = options.gpu.memoryGiB;
  const resolved = memoShape(read.config, options.engine.memo);
  // Unknown model dimensions are the config reader's diagnostics; without them there is nothing to estimate.
  if (!resolved.ok) return { recommendation: null, diagnostics: [] };
  const { shape, assumptions } = resolved;
  const settings = memorySettings(options);
  // The evaluation does not carry its split strategy; the engine uses the override or the file's.
  const strategy = options.engine.overrides?.strategy ?? read.config.pipeSpStrategy ?? 'average';
  fillStageMemory(read.config, shape, evaluations, strategy, settings, capacityGiB);
  const candidates =
    options.sweep === false
      ? []
      : memoizedSweep(read, shape, options, settings, capacityGiB, warningFraction, evaluations, strategy);
  const current = selected ? evaluations[selected] : undefined;
  const recommendation = pickRecommendation(
    candidates,
    capacityGiB,
    warningFraction,
    current ? { evaluation: current, strategy } : null,
    options.sweep === false ? [] : sweepExclusions(read.config, shape, options.engine),
  );
  const diagnostics: CoreDiagnostic[] = [];
  // A webview what-if (overrides) is not what the file runs: no diagnostic on the file for it, as with the bubble hint.
  const whatIf = Object.keys(options.engine.overrides ?? {}).length > 0;
  if (current?.memory && current.sim && !whatIf) {
    const lengths = chunkLengths(read.config, shape.seqLength, current.sim.spec.splits, strategy);
    const diagnostic = oomRiskDiagnostic(
      read,
      shape,
      current,
      lengths,
      strategy,
      candidates,
      settings,
      capacityGiB,
      warningFraction,
      options.text,
      options.engine,
    );
    if (diagnostic) {
      // Say what we had to guess, so a surprising number can be traced to it.
      if (assumptions.length > 0) diagnostic.message += ` Assumed: ${assumptions.join(', ')}.`;
      const uncertain = diagnostic.severity === 'error' ? oomUncertainty(read, options.text) : [];
      if (diagnostic.severity === 'error' && assumptions.length > 0)
        uncertain.push('it rests on the values assumed above');
      if (uncertain.length) {
        diagnostic.severity = 'warning';
        diagnostic.message += ` An estimate, not a certainty: ${uncertain.join('; ')}.`;
      }
      diagnostics.push(diagnostic);
    }
  }
  return { recommendation, diagnostics };
}
