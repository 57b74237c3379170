// Builds the measured part of the analysis header (protocol/measured.ts) on the host, from the profiler traces and
// the training log the user linked to the launch file. Pure: the files were read by the caller (editor/).
import type { AnalysisResult } from '../core/analyze';
import type { ChromeTrace, TraceSpan } from '../core/logs/chromeTrace';
import { stageOf, usesTpPpDpMapping, type LogComparison, type StageMemoryComparison } from '../core/logs/compare';
import { OP_F } from '../core/types';
import {
  MAX_OVERLAY_SPANS,
  MAX_SOURCE_CHARS,
  OVERLAY_WINDOW_STEPS,
  SPAN_BACKWARD,
  SPAN_FORWARD,
  type MeasuredMemory,
  type MeasuredSpans,
  type MeasuredStep,
} from './measured';

/** Start of the simulated first forward of `stage` in the file's own schedule, ms (0 when there is none). */
function simulatedFirstForwardMs(result: AnalysisResult, stage: number): number {
  const own = result.selectedSchedule ? result.schedules[result.selectedSchedule] : undefined;
  const sim = own?.applicable ? own.sim : undefined;
  if (!sim || stage >= sim.spec.stages) return 0;
  let first = Infinity;
  for (let q = sim.stageOffsets[stage]!; q < sim.stageOffsets[stage + 1]!; q++)
    if (sim.kind[q] === OP_F) first = Math.min(first, sim.start[q]!);
  return Number.isFinite(first) ? first : 0;
}

const clip = (s: string): string => (s.length > MAX_SOURCE_CHARS ? `${s.slice(0, MAX_SOURCE_CHARS - 1)}…` : s);

/**
 * The traces' spans on their pipeline stages, aligned (see the rule above) and bounded. One clock for all: GPU
 * ranges when any trace has them, else CPU ranges. Null when no trace has a forward span to align on.
 */
export function buildMeasuredSpans(
  result: AnalysisResult,
  traces: readonly { name: string; trace: ChromeTrace }[],
): MeasuredSpans | null {
  const c = result.config;
  const p = c.pipelineParallel ?? 1;
  const world = c.worldSize ?? null;
  const onGpu = traces.some((t) => t.trace.spans.some((s) => s.onGpu));
  // The file's rank order: a trace carries its global rank only, not its pipeline rank.
  const tpPpDp = usesTpPpDpMapping(result, null);
  const perStage = traces.map((t, i) => {
    const rank = t.trace.rank ?? i;
    const stage =
      world !== null && world % p === 0
        ? stageOf(rank, world, c.tensorParallel ?? 1, c.contextParallel ?? 1, p, tpPpDp)
        : Math.min(rank, p - 1);
    return { stage, spans: t.trace.spans.filter((s) => s.onGpu === onGpu) };
  });
  // A rank past the file's world (another run's trace) has no lane: its spans are counted as omitted.
  const offLane = perStage.filter((x) => x.stage >= p).reduce((n, x) => n + x.spans.length, 0);
  perStage.splice(0, perStage.length, ...perStage.filter((x) => x.stage < p));
  let anchor: { stage: number; us: number } | null = null;
  for (const { stage, spans } of perStage)
    for (const s of spans)
      if (
        s.kind === 'forward' &&
        (!anchor || stage < anchor.stage || (stage === anchor.stage && s.startUs < anchor.us))
      )
        anchor = { stage, us: s.startUs };
  if (!anchor) return null;
  const simStartMs = simulatedFirstForwardMs(result, anchor.stage);
  const anchorUs = anchor.us;
  const own = result.selectedSchedule ? result.schedules[result.selectedSchedule] : undefined;
  const stepMs = own?.stepTimeMs && own.stepTimeMs > 0 ? own.stepTimeMs : Infinity;
  const windowEndMs = simStartMs + OVERLAY_WINDOW_STEPS * stepMs;
  const out: MeasuredSpans = {
    source: clip(traces.map((t) => t.name).join(', ')),
    stage: [],
    kind: [],
    startMs: [],
    durMs: [],
    onGpu,
    omitted: offLane + traces.reduce((n, t) => n + t.trace.droppedSpans, 0),
  };
  // Spans in the window first (usually a small part of a multi-step trace), then sorted: earliest first, so the cap
  // keeps the first steps of every stage rather than every step of the first file.
  const kept: { stage: number; span: TraceSpan; startMs: number }[] = [];
  for (const { stage, spans } of perStage)
    for (const span of spans) {
      // The difference first: wall-clock µs (~1.7e15) in ms would keep only ~0.1 µs of precision after the shift.
      const startMs = (span.startUs - anchorUs) / 1000 + simStartMs;
      if (startMs < 0 || startMs >= windowEndMs) out.omitted++;
      else kept.push({ stage, span, startMs });
    }
  kept.sort((a, b) => a.startMs - b.startMs);
  out.omitted += Math.max(0, kept.length - MAX_OVERLAY_SPANS);
  for (const { stage, span, startMs } of kept.slice(0, MAX_OVERLAY_SPANS)) {
    out.stage.push(stage);
    out.kind.push(span.kind === 'forward' ? SPAN_FORWARD : SPAN_BACKWARD);
    out.startMs.push(startMs);
    out.durMs.push(span.durUs / 1000);
  }
  return out;
}

/** The log's measured peaks per stage, from the comparison core/logs/compare.ts made (stages the file has only). */
export function buildMeasuredMemory(
  source: string,
  memory: readonly StageMemoryComparison[],
  stages: number,
): MeasuredMemory | null {
  const rows = memory
    .filter((m) => m.stage < stages && (m.measuredMaxAllocatedGiB !== null || m.measuredMaxReservedGiB !== null))
    .map((m) => ({
      stage: m.stage,
      maxAllocatedGiB: m.measuredMaxAllocatedGiB,
      maxReservedGiB: m.measuredMaxReservedGiB,
    }));
  return rows.length ? { source: clip(source), stages: rows } : null;
}

/**
 * What buildMeasuredSpans reads of an analysis, as a string: equal keys give equal spans for the same traces, so the
 * host rebuilds them (a sort of up to 100k spans per trace) only when the alignment or the stage mapping changed,
 * not on every re-analysis of an edit.
 */
export function measuredSpansKey(result: AnalysisResult): string {
  const c = result.config;
  const own = result.selectedSchedule ? result.schedules[result.selectedSchedule] : undefined;
  const p = c.pipelineParallel ?? 1;
  const starts = Array.from({ length: Math.min(p, 4096) }, (_, r) => simulatedFirstForwardMs(result, r));
  const order = usesTpPpDpMapping(result, null);
  return JSON.stringify([own?.stepTimeMs ?? null, p, c.worldSize, c.tensorParallel, c.contextParallel, order, starts]);
}

/**
 * The log's steady step time for the panel and the report, or null when the log has none (too few steady
 * iterations: the lens and hover say why). `schedule` is the file's own schedule (`result` analysed without
 * overrides).
 */
export function buildMeasuredStep(
  source: string,
  comparison: LogComparison,
  schedule: string | null,
): MeasuredStep | null {
  const s = comparison.steady;
  if (s.stepTimeMs === null || !(s.stepTimeMs > 0) || schedule === null) return null;
  return {
    source: clip(source),
    schedule: clip(schedule),
    measuredMs: s.stepTimeMs,
    steadyIterations: s.steadyIterations,
    warmupLines: s.warmupLines.length,
  };
}
