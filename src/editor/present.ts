// How analysis results read in the editor: the text of inlay hints, code lenses, the status bar and hovers.
// No `vscode` import on purpose: every label users see is unit-tested in plain Node against hand-built results.
import type { AnalysisResult } from '../core/analyze';
import { formatChunkLengths, formatDurationMs } from '../core/format';
import type {
  ConfigKey,
  DialectRead,
  FlagOccurrence,
  ScheduleEvaluation,
  ScriptKindRead,
  SourceRange,
} from '../core/types';

export function selectedEvaluation(r: AnalysisResult): ScheduleEvaluation | null {
  if (!r.selectedSchedule) return null;
  return r.schedules[r.selectedSchedule] ?? null;
}

export interface WorstStage {
  stage: number;
  peakGiB: number;
}

/**
 * The pipeline stage with the highest peak (the one that runs out of memory first), in reserved GiB: the number the
 * OOM verdict compares with the GPU, the oom-risk message names and the panel's stacked bars add up to (issue 13: one
 * total everywhere). Allocated only where an evaluation carries no reserved figure.
 */
export function worstStage(e: ScheduleEvaluation | null | undefined): WorstStage | null {
  const peaks = e?.peakReservedGiBPerStage ?? e?.peakMemoryGiBPerStage;
  if (!peaks) return null;
  let worst: WorstStage | null = null;
  // Strictly greater: on a tie the first (lowest) stage is the one reported.
  for (const [stage, peakGiB] of peaks.entries()) if (!worst || peakGiB > worst.peakGiB) worst = { stage, peakGiB };
  return worst;
}

export function scheduleLabel(e: Pick<ScheduleEvaluation, 'schedule' | 'splits' | 'virtualStages'>): string {
  const parts: string[] = [e.schedule];
  if (e.schedule.startsWith('seq1f1b')) parts.push(`k=${e.splits}`);
  if (e.virtualStages > 1) parts.push(`v=${e.virtualStages}`);
  return parts.join(' ');
}

export function formatPercent(fraction: number | null | undefined): string {
  if (fraction == null || !Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(1)} %`;
}

export function formatGiB(gib: number): string {
  return gib.toFixed(1);
}

/** `peak 61.2/80 GiB (stage 0)`; capacity rounded because nvidia-smi's 79.6 reads worse than the card's name. */
export function peakLabel(e: ScheduleEvaluation | null | undefined, gpuMemoryGiB: number): string | null {
  const w = worstStage(e);
  if (!w) return null;
  return `peak ${formatGiB(w.peakGiB)}/${Math.round(gpuMemoryGiB)} GiB (stage ${w.stage})${e?.oom ? ' OOM' : ''}`;
}

/** The launch runs no training step (inference, evaluation, conversion, preprocessing): nothing is simulated. */
function notTraining(r: AnalysisResult): ScriptKindRead | null {
  const k = r.scriptKind;
  return r.isLaunchConfig && k && k.id !== 'training' ? k : null;
}

/** One line for the code lens: `seq1f1b k=4 · 1.23 s/step · bubble 9.8 % · peak 61.2/80 GiB (stage 0)`. */
export function summaryLine(r: AnalysisResult): string {
  const kind = notTraining(r);
  if (kind) {
    const deciding = kind.decidedBy === null ? undefined : kind.evidence[kind.decidedBy];
    return `${kind.id} launch${deciding ? ` (${deciding.what})` : ''}: not a training run, so no schedule is simulated`;
  }
  const e = selectedEvaluation(r);
  if (!e) return 'no schedule could be simulated' + firstProblem(r);
  if (!e.applicable) return `${scheduleLabel(e)}: not simulated (${e.reason ?? 'not applicable'})`;
  const parts = [
    scheduleLabel(e),
    `${formatDurationMs(e.stepTimeMs)}/step`,
    `bubble ${formatPercent(e.bubbleFraction)}`,
  ];
  const peak = peakLabel(e, r.gpu.memoryGiB);
  if (peak) parts.push(peak);
  return parts.join(' · ');
}

/** Shorter, for the status bar: `seq1f1b k=4 · bubble 9.8 % · peak 61.2 GiB`. */
export function statusLine(r: AnalysisResult): string {
  const kind = notTraining(r);
  if (kind) return `Schedule Inspector: ${kind.id}, not simulated`;
  const e = selectedEvaluation(r);
  if (!e || !e.applicable) return 'Schedule Inspector: not simulated';
  const parts = [scheduleLabel(e), `bubble ${formatPercent(e.bubbleFraction)}`];
  const w = worstStage(e);
  if (w) parts.push(`peak ${formatGiB(w.peakGiB)} GiB${e.oom ? ' OOM' : ''}`);
  return parts.join(' · ');
}

function firstProblem(r: AnalysisResult): string {
  const d = r.diagnostics.find((x) => x.severity === 'error') ?? r.diagnostics[0];
  return d ? ` (${d.code}: ${d.message})` : '';
}

/** The last occurrence of a flag that sets `key` wins, as with argparse. */
export function lastFlagFor(r: AnalysisResult, key: ConfigKey): FlagOccurrence | undefined {
  return [...r.flags].reverse().find((f) => f.keys.includes(key));
}

export interface HintSpec {
  line: number;
  character: number;
  label: string;
  tooltip: string;
}

/** Inlay hints for the whole document; the provider keeps those in the requested range. */
export function inlayHintSpecs(r: AnalysisResult): HintSpec[] {
  if (!r.isLaunchConfig) return [];
  const hints: HintSpec[] = [];
  const at = (f: FlagOccurrence | undefined, label: string, tooltip: string): void => {
    if (!f) return;
    const end = f.valueRange ?? f.range;
    hints.push({ line: end.endLine, character: end.endColumn, label, tooltip });
  };
  const c = r.config;
  if (c.dataParallel != null && c.numMicrobatches != null) {
    at(
      lastFlagFor(r, 'globalBatchSize') ?? lastFlagFor(r, 'microBatchSize'),
      `DP=${c.dataParallel} · ${c.numMicrobatches} microbatches`,
      `Data-parallel replicas and microbatches per step: global batch / (micro batch × DP) = ${c.globalBatchSize ?? '?'} / (${c.microBatchSize ?? '?'} × ${c.dataParallel}).`,
    );
  }
  const e = selectedEvaluation(r);
  if (e && e.applicable && e.bubbleFraction != null) {
    at(
      lastFlagFor(r, 'pipelineParallel'),
      `bubble ${formatPercent(e.bubbleFraction)}`,
      `Idle fraction of the step across all stages for ${scheduleLabel(e)} (1 − busy / (p × step time)).`,
    );
  }
  const peak = peakLabel(e, r.gpu.memoryGiB);
  if (e && peak) {
    at(
      lastFlagFor(r, 'microBatchSize'),
      peak,
      `Highest allocated memory of any pipeline stage for ${scheduleLabel(e)} on ${r.gpu.name}.`,
    );
  }
  if (r.partition && r.partition.lengths.length > 1) {
    at(
      lastFlagFor(r, 'pipeSpSplits'),
      `chunks ${formatChunkLengths(r.partition.lengths)}`,
      `Sequence chunk lengths in tokens (${r.partition.strategy} split).`,
    );
  }
  return hints;
}

function rangeContains(outer: SourceRange, line: number, character: number): boolean {
  if (line < outer.line || line > outer.endLine) return false;
  if (line === outer.line && character < outer.column) return false;
  if (line === outer.endLine && character > outer.endColumn) return false;
  return true;
}

/** The flag whose name or value is under the cursor. */
export function flagAt(r: AnalysisResult, line: number, character: number): FlagOccurrence | undefined {
  return r.flags.find(
    (f) => rangeContains(f.range, line, character) || (f.valueRange && rangeContains(f.valueRange, line, character)),
  );
}

/** What the hover on the entry script shows: the dialect and, for a launch, what it runs. */
export interface EntryHover extends DialectRead {
  scriptKind?: ScriptKindRead;
}

/** The dialect, when the cursor is on its anchor: the entry script of a bash launch, the first key of a YAML one. */
export function dialectAt(r: AnalysisResult, line: number, character: number): EntryHover | undefined {
  const d = r.dialect;
  if (!d?.anchor || !rangeContains(d.anchor, line, character)) return undefined;
  return r.isLaunchConfig && r.scriptKind ? { ...d, scriptKind: r.scriptKind } : d;
}
