// How analysis results read in the editor: the text of inlay hints, code lenses, the status bar and hovers.
// No `vscode` import on purpose: every label users see is unit-tested in plain Node against hand-built results.
import type { AnalysisResult } from '../core/analyze';
import { formatChunkLengths } from '../core/format';
import type { ConfigKey, DialectRead, FlagOccurrence, ScriptKindRead, SourceRange } from '../core/types';
import {
  formatGiB,
  formatPercent,
  memoryDetailText,
  reservedPeakText,
  runSummary,
  scheduleLabel,
  selectedEvaluation,
  throughputText,
  type RunSummary,
} from '../protocol/summary';

/** `peak 61.2/80 GiB reserved (stage 0)`: the summary's worst stage, the figure every surface shows. */
export function peakLabel(s: RunSummary | null): string | null {
  const text = s && reservedPeakText(s);
  return text ? `peak ${text}` : null;
}

/** The launch runs no training step (inference, evaluation, conversion, preprocessing): nothing is simulated. */
function notTraining(r: AnalysisResult): ScriptKindRead | null {
  const k = r.scriptKind;
  return r.isLaunchConfig && k && k.id !== 'training' ? k : null;
}

/**
 * One line for the code lens: `seq1f1b k=4 · 41.58 s/step · 25.2k tok/s · bubble 9.8 % · peak 58.7/80 GiB reserved
 * (stage 0)`. Every figure is the run summary's (protocol/summary.ts), as on every other surface.
 */
export function summaryLine(r: AnalysisResult): string {
  const kind = notTraining(r);
  if (kind) {
    const deciding = kind.decidedBy === null ? undefined : kind.evidence[kind.decidedBy];
    return `${kind.id} launch${deciding ? ` (${deciding.what})` : ''}: not a training run, so no schedule is simulated`;
  }
  const e = selectedEvaluation(r);
  if (!e) return 'no schedule could be simulated' + firstProblem(r);
  if (!e.applicable) return `${scheduleLabel(e)}: not simulated (${e.reason ?? 'not applicable'})`;
  const s = runSummary(r);
  if (!s) return `${scheduleLabel(e)}: not simulated`;
  const parts = [s.scheduleLabel, throughputText(s), `bubble ${formatPercent(s.bubbleFraction)}`];
  const peak = peakLabel(s);
  if (peak) parts.push(peak);
  return parts.join(' · ');
}

/** Shorter, for the status bar: `seq1f1b k=4 · bubble 9.8 % · peak 58.7 GiB reserved`. */
export function statusLine(r: AnalysisResult): string {
  const kind = notTraining(r);
  if (kind) return `Schedule Inspector: ${kind.id}, not simulated`;
  const s = runSummary(r);
  if (!s) return 'Schedule Inspector: not simulated';
  const parts = [s.scheduleLabel, `bubble ${formatPercent(s.bubbleFraction)}`];
  const m = s.memory;
  if (m)
    parts.push(
      `peak ${formatGiB(m.reservedGiB)} GiB ${m.allocatedOnly ? 'allocated' : 'reserved'}${s.oom ? ' OOM' : ''}`,
    );
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
  const s = runSummary(r);
  if (s && s.bubbleFraction != null) {
    at(
      lastFlagFor(r, 'pipelineParallel'),
      `bubble ${formatPercent(s.bubbleFraction)}`,
      `Idle fraction of the step across all stages for ${s.scheduleLabel} (1 − busy / (p × step time)).`,
    );
  }
  const peak = peakLabel(s);
  if (s && peak) {
    at(
      lastFlagFor(r, 'microBatchSize'),
      peak,
      `Worst pipeline stage's peak for ${s.scheduleLabel} on ${r.gpu.name}: ${memoryDetailText(s) ?? ''}. Reserved is the allocated tensors plus the allocator cache (what PyTorch's caching allocator holds beyond them) plus memory outside PyTorch (CUDA context, NCCL buffers): the figure the OOM verdict compares with the GPU.`,
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
