// Settings → core options, without `vscode`, so the clamping is unit-tested in plain Node.
// Values out of the schema's bounds can still arrive (settings.json is hand-edited; the schema only warns), so they are
// clamped or dropped here rather than handed to the core.
import type { AnalyzeOptions } from '../core/analyze';
import { isKnownGpu } from '../core/hardware/gpus';
import { DIALECT_IDS, type DialectId } from '../core/types';
import { SETTING_BOUNDS as B, SETTING_DEFAULTS as D, type InspectorSettings } from './schema';

function finite(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function clamp(x: number, bounds: { readonly min: number; readonly max: number }): number {
  return Math.min(bounds.max, Math.max(bounds.min, x));
}

export function settingsToAnalyzeOptions(s: InspectorSettings): AnalyzeOptions {
  const options: AnalyzeOptions = {
    gpuId: typeof s.gpu === 'string' && isKnownGpu(s.gpu) ? s.gpu.toLowerCase() : D.gpu,
    memoryWarningFraction: finite(s.memoryWarningThreshold)
      ? clamp(s.memoryWarningThreshold, B.memoryWarningThreshold)
      : D.memoryWarningThreshold,
    bubbleHintFraction: finite(s.bubbleHintThreshold)
      ? clamp(s.bubbleHintThreshold, B.bubbleHintThreshold)
      : D.bubbleHintThreshold,
  };
  if (finite(s.overheadGiB)) options.overheadGiB = clamp(s.overheadGiB, B.overheadGiB);
  if (finite(s.efficiency)) options.efficiency = clamp(s.efficiency, B.efficiency);
  const { min, max, maxItems } = B.candidateSplits;
  const splits = Array.isArray(s.candidateSplits)
    ? [...new Set(s.candidateSplits.filter((k) => Number.isInteger(k) && k >= min && k <= max))].sort((a, b) => a - b)
    : [];
  // An empty list would leave the what-ifs nothing to try; the core then uses its own candidates.
  if (splits.length) options.candidateSplits = splits.slice(0, maxItems);
  // An id the core does not know is read as `auto` (settings.json is hand-edited; the schema's enum only warns).
  // Checked against the id list here, not with read/dialect.ts's parseDialectSetting (the same rule): that module
  // would load the whole analysis core while the extension activates (esbuild.mjs loads it on the first analysis).
  const dialect = typeof s.dialect === 'string' ? s.dialect.trim().toLowerCase() : '';
  if ((DIALECT_IDS as readonly string[]).includes(dialect)) options.dialect = dialect as DialectId;
  return options;
}
