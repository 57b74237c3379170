// Settings → core options, without `vscode`, so the clamping is unit-tested in plain Node.
// Values out of the schema's bounds can still arrive (settings.json is hand-edited; the schema only warns), so they are
// clamped or dropped here rather than handed to the core.
import type { AnalyzeOptions } from '../core/analyze';
import { DEFAULT_GPU_ID, isKnownGpu } from '../core/hardware/gpus';
import { DEFAULT_BUBBLE_HINT_FRACTION } from '../core/schedule/engine';

export interface InspectorSettings {
  gpu: string;
  memoryWarningThreshold: number;
  /** null: the memory model's own estimate. */
  overheadGiB: number | null;
  /** null: the cost model's own default. */
  efficiency: number | null;
  candidateSplits: number[];
  bubbleHintThreshold: number;
  inlayHintsEnabled: boolean;
}

const MAX_CANDIDATE_SPLITS = 8;
const MAX_SPLITS = 64;

function finite(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

export function settingsToAnalyzeOptions(s: InspectorSettings): AnalyzeOptions {
  const options: AnalyzeOptions = {
    gpuId: typeof s.gpu === 'string' && isKnownGpu(s.gpu) ? s.gpu.toLowerCase() : DEFAULT_GPU_ID,
    memoryWarningFraction: finite(s.memoryWarningThreshold) ? clamp(s.memoryWarningThreshold, 0.5, 1) : 0.9,
    bubbleHintFraction: finite(s.bubbleHintThreshold) ? clamp(s.bubbleHintThreshold, 0, 1) : DEFAULT_BUBBLE_HINT_FRACTION,
  };
  if (finite(s.overheadGiB)) options.overheadGiB = clamp(s.overheadGiB, 0, 64);
  if (finite(s.efficiency)) options.efficiency = clamp(s.efficiency, 0.05, 1);
  const splits = Array.isArray(s.candidateSplits)
    ? [...new Set(s.candidateSplits.filter((k) => Number.isInteger(k) && k >= 1 && k <= MAX_SPLITS))].sort((a, b) => a - b)
    : [];
  // An empty list would leave the what-ifs nothing to try; the core then uses its own candidates.
  if (splits.length) options.candidateSplits = splits.slice(0, MAX_CANDIDATE_SPLITS);
  return options;
}
