// The typed `scheduleInspector.*` settings: package.json's `contributes.configuration` is the schema VS Code shows,
// this file mirrors it once. Defaults come from core/defaults.ts (shared with the CLI and the core); the bounds are
// the ones toAnalyzeOptions clamps to. test/unit/settings.defaults.test.ts keeps package.json in step with both.
import {
  DEFAULT_BUBBLE_HINT_FRACTION,
  DEFAULT_CANDIDATE_SPLITS,
  DEFAULT_DIALECT,
  DEFAULT_EFFICIENCY,
  DEFAULT_GPU_ID,
  DEFAULT_INLAY_HINTS_ENABLED,
  DEFAULT_MEMORY_WARNING_FRACTION,
  DEFAULT_OVERHEAD_GIB,
} from '../core/defaults';

/** The configuration section; every key below is `scheduleInspector.<key>`. */
export const SECTION = 'scheduleInspector';

export interface InspectorSettings {
  gpu: string;
  memoryWarningThreshold: number;
  /** null: the memory model's own estimate. */
  overheadGiB: number | null;
  /** null: the cost model's own default. */
  efficiency: number | null;
  candidateSplits: readonly number[];
  bubbleHintThreshold: number;
  inlayHintsEnabled: boolean;
  /** `auto` or a dialect id (core/types.ts DIALECT_IDS); anything else is read as `auto`. */
  dialect: string;
}

/** What each setting is when the user has not set it. */
export const SETTING_DEFAULTS: Readonly<InspectorSettings> = {
  gpu: DEFAULT_GPU_ID,
  memoryWarningThreshold: DEFAULT_MEMORY_WARNING_FRACTION,
  overheadGiB: DEFAULT_OVERHEAD_GIB,
  efficiency: DEFAULT_EFFICIENCY,
  candidateSplits: DEFAULT_CANDIDATE_SPLITS,
  bubbleHintThreshold: DEFAULT_BUBBLE_HINT_FRACTION,
  inlayHintsEnabled: DEFAULT_INLAY_HINTS_ENABLED,
  dialect: DEFAULT_DIALECT,
};

/** Inclusive bounds a hand-edited value is clamped to (settings.json is edited by hand; the schema only warns). */
export const SETTING_BOUNDS = {
  memoryWarningThreshold: { min: 0.5, max: 1 },
  overheadGiB: { min: 0, max: 64 },
  efficiency: { min: 0.05, max: 1 },
  bubbleHintThreshold: { min: 0, max: 1 },
  /** Each k, and how many k values are tried (each one is a full what-if simulation). */
  candidateSplits: { min: 1, max: 64, maxItems: 8 },
} as const;
