// One presentation model per analysis (issue 17: one number, one definition). The code lens, status bar, inlay hints,
// hovers, the panel header, the CLI/report text and the JSON all read the configured schedule's figures from here,
// so a GiB or a step time cannot differ between two surfaces. It lives in protocol/ because every front end may
// import it (editor, panel, report, CLI) and the webview receives it in the analysis payload.
import type { AnalysisResult } from '../core/analyze';
import { formatDurationMs } from '../core/format';
import type { ScheduleEvaluation, ScheduleName } from '../core/types';

/** The stage that runs out of memory first, by its reserved peak (what the OOM verdict compares with the GPU). */
export interface WorstStageMemory {
  stage: number;
  /** What the PyTorch caching allocator holds at that stage's peak (allocated + fragmentation + non-PyTorch). */
  reservedGiB: number;
  /** What tensors occupy at that stage's peak; null when only one figure was estimated. */
  allocatedGiB: number | null;
  /** True when only allocated memory was estimated (hand-built results): `reservedGiB` then holds allocated. */
  allocatedOnly: boolean;
}

export interface RunSummary {
  schedule: ScheduleName;
  /** `seq1f1b k=4 v=2`. */
  scheduleLabel: string;
  stepTimeMs: number | null;
  /** Tokens the whole cluster trains per second: global batch × sequence length / step time. */
  tokensPerSecond: number | null;
  /** Milliseconds of step time per thousand tokens (the inverse of tokens/s, in a size people read). */
  msPerThousandTokens: number | null;
  bubbleFraction: number | null;
  /** Tokens per step (global batch × sequence length), the work the step time is for. */
  tokensPerStep: number | null;
  memory: WorstStageMemory | null;
  capacityGiB: number;
  /** Capacity − worst reserved peak (negative when over). */
  headroomGiB: number | null;
  oom: boolean;
  /** Step time and bubble extrapolated from periodic samples. */
  extrapolated: boolean;
}

export function selectedEvaluation(r: AnalysisResult): ScheduleEvaluation | null {
  if (!r.selectedSchedule) return null;
  return r.schedules[r.selectedSchedule] ?? null;
}

export function scheduleLabel(
  e: Pick<ScheduleEvaluation, 'schedule' | 'splits' | 'virtualStages'> &
    Partial<Pick<ScheduleEvaluation, 'vocabParallel'>>,
): string {
  // E (issue 18): the fork runs Vocabulary Parallelism on non-interleaved 1F1B only (schedule/vocabParallel.ts).
  if (e.vocabParallel?.schedule === 'interlaced') return 'Interlaced vocabulary layers on 1F1B';
  if (e.vocabParallel)
    return `Vocabulary Parallelism (algorithm ${e.vocabParallel.algorithm}) on ${e.vocabParallel.schedule === 'v-half' ? 'V-Half' : '1F1B'}`;
  const parts: string[] = [e.schedule];
  if (e.schedule.startsWith('seq1f1b')) parts.push(`k=${e.splits}`);
  if (e.virtualStages > 1) parts.push(`v=${e.virtualStages}`);
  return parts.join(' ');
}

/** The worst stage by reserved peak; on a tie the lowest stage. Allocated only when no reserved figure exists. */
export function worstStageMemory(e: ScheduleEvaluation | null | undefined): WorstStageMemory | null {
  const reserved = e?.peakReservedGiBPerStage;
  const peaks = reserved ?? e?.peakMemoryGiBPerStage;
  if (!e || !peaks || peaks.length === 0) return null;
  let stage = 0;
  for (let i = 1; i < peaks.length; i++) if (peaks[i]! > peaks[stage]!) stage = i;
  const allocated = e.peakMemoryGiBPerStage?.[stage] ?? null;
  return { stage, reservedGiB: peaks[stage]!, allocatedGiB: reserved ? allocated : null, allocatedOnly: !reserved };
}

/** The figures of one evaluation (the configured schedule, a what-if row, a compared schedule). */
export function evaluationSummary(
  e: ScheduleEvaluation,
  capacityGiB: number,
  tokensPerStep: number | null,
): RunSummary {
  const memory = worstStageMemory(e);
  const tps = e.tokensPerSecond;
  return {
    schedule: e.schedule,
    scheduleLabel: scheduleLabel(e),
    stepTimeMs: e.stepTimeMs,
    tokensPerSecond: tps,
    msPerThousandTokens: tps != null && tps > 0 ? 1e6 / tps : null,
    bubbleFraction: e.bubbleFraction,
    tokensPerStep,
    memory,
    capacityGiB,
    headroomGiB: memory ? capacityGiB - memory.reservedGiB : null,
    oom: e.oom === true,
    extrapolated: e.extrapolated != null,
  };
}

/** The configured schedule's figures; null when it was not simulated (not training, not applicable, no read). */
export function runSummary(r: AnalysisResult): RunSummary | null {
  const e = selectedEvaluation(r);
  if (!r.isLaunchConfig || !e || !e.applicable) return null;
  const c = r.config;
  const tokensPerStep = c.globalBatchSize != null && c.seqLength != null ? c.globalBatchSize * c.seqLength : null;
  return evaluationSummary(e, r.gpu.memoryGiB, tokensPerStep);
}

export function formatGiB(gib: number): string {
  return gib.toFixed(1);
}

/** `58.7/80 GiB reserved (stage 0)`; capacity rounded because nvidia-smi's 79.6 reads worse than the card's name. */
export function reservedPeakText(s: Pick<RunSummary, 'memory' | 'capacityGiB' | 'oom'>): string | null {
  const m = s.memory;
  if (!m) return null;
  const kind = m.allocatedOnly ? 'allocated' : 'reserved';
  return `${formatGiB(m.reservedGiB)}/${Math.round(s.capacityGiB)} GiB ${kind} (stage ${m.stage})${s.oom ? ' OOM' : ''}`;
}

/** `stage 0: 58.7 GiB reserved, 52.1 GiB allocated, of 80 GiB (21.3 GiB to spare)` — the tooltip and hover detail. */
export function memoryDetailText(s: RunSummary): string | null {
  const m = s.memory;
  if (!m) return null;
  const allocated = m.allocatedGiB != null ? `, ${formatGiB(m.allocatedGiB)} GiB allocated` : '';
  const head = s.headroomGiB ?? 0;
  const spare = head >= 0 ? `${formatGiB(head)} GiB to spare` : `${formatGiB(-head)} GiB over`;
  return `stage ${m.stage}: ${formatGiB(m.reservedGiB)} GiB ${m.allocatedOnly ? 'allocated' : 'reserved'}${allocated}, of ${Math.round(s.capacityGiB)} GiB (${spare})`;
}

/** `25.2k tok/s`, `812 tok/s`, `1.20M tok/s`. */
export function formatTokensPerSecond(tps: number | null | undefined): string {
  if (tps == null || !Number.isFinite(tps)) return '—';
  if (tps >= 1e6) return `${(tps / 1e6).toFixed(2)}M tok/s`;
  if (tps >= 1e4) return `${(tps / 1e3).toFixed(1)}k tok/s`;
  return `${tps.toFixed(0)} tok/s`;
}

export function formatPercent(fraction: number | null | undefined): string {
  if (fraction == null || !Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(1)} %`;
}

/** `1.23 s/step · 25.2k tok/s` — the time and the work it is for, side by side. */
export function throughputText(s: Pick<RunSummary, 'stepTimeMs' | 'tokensPerSecond'>): string {
  const step = `${formatDurationMs(s.stepTimeMs)}/step`;
  return s.tokensPerSecond != null ? `${step} · ${formatTokensPerSecond(s.tokensPerSecond)}` : step;
}
