// Predicted vs measured, as the CLI prints it (`analyze FILE --log LOG`): a text section under the summary and the
// `measured` / `comparison` members of the JSON.
import { formatDurationMs as duration } from '../core/format';
import type { CalibrationKnobs } from '../core/analyze';
import type { CalibrationOutcome } from '../core/logs/calibrate';
import type { TraceStageComparison } from '../core/logs/chromeTrace';
import type { LogComparison, StageMemoryComparison } from '../core/logs/compare';

const round = (x: number, digits: number): number => Number(x.toFixed(digits));
const roundOrNull = (x: number | null): number | null => (x === null ? null : round(x, 3));
const gib = (x: number | null): string => (x === null ? '—' : `${x.toFixed(1)} GiB`);

/**
 * One stage's measured memory next to the prediction, each kind against its own: `stage 1 peak allocated: predicted
 * 20.1 GiB · measured 19.6 GiB, max reserved 22.5 GiB (rank 2)`. PyTorch's reserved leaves out the CUDA context and
 * NCCL buffers the predicted reserved includes, so it is shown, not compared.
 */
export function stageMemoryText(m: StageMemoryComparison): string {
  const parts: string[] = [];
  if (m.measuredMaxAllocatedGiB !== null)
    parts.push(
      `peak allocated: predicted ${gib(m.predictedAllocatedGiB)} · measured ${gib(m.measuredMaxAllocatedGiB)}`,
    );
  if (m.measuredMaxReservedGiB !== null)
    parts.push(
      m.measuredMaxAllocatedGiB === null
        ? `max reserved: measured ${gib(m.measuredMaxReservedGiB)} (predicted allocated ${gib(m.predictedAllocatedGiB)})`
        : `max reserved ${gib(m.measuredMaxReservedGiB)}`,
    );
  const ranks = m.ranks.length ? ` (rank ${m.ranks.join(', ')})` : '';
  return `stage ${m.stage} ${parts.join(', ')}${ranks}`;
}

export function comparisonToJson(logPath: string, c: LogComparison): Record<string, unknown> {
  return {
    measured: {
      log: logPath,
      stepTimeMs: c.steady.stepTimeMs === null ? null : round(c.steady.stepTimeMs, 3),
      steadyIterations: c.steady.steadyIterations,
      warmupLinesExcluded: c.steady.warmupLines,
      linesWithSkippedIterations: c.steady.linesWithSkipped,
      reason: c.steady.reason,
      memoryPerStage: c.memory.map((m) => ({
        stage: m.stage,
        ranks: m.ranks,
        maxAllocatedGiB: roundOrNull(m.measuredMaxAllocatedGiB),
        maxReservedGiB: roundOrNull(m.measuredMaxReservedGiB),
      })),
      memoryNote: c.memoryNote,
      timers: c.timers,
    },
    comparison: {
      predictedStepTimeMs: c.predictedStepTimeMs,
      stepTimeDeltaPercent: c.stepTimeDeltaPercent === null ? null : round(c.stepTimeDeltaPercent, 2),
      memoryPerStage: c.memory.map((m) => ({
        stage: m.stage,
        predictedAllocatedGiB: m.predictedAllocatedGiB,
        measuredMaxAllocatedGiB: roundOrNull(m.measuredMaxAllocatedGiB),
        predictedReservedGiB: m.predictedReservedGiB,
        measuredMaxReservedGiB: roundOrNull(m.measuredMaxReservedGiB),
      })),
      argumentsThatDiffer: c.argDifferences,
    },
  };
}

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;

/**
 * The comparison at a glance, as the lens and the hover show it: `predicted 46.2 s · measured 49.8 s (+7.8 %, 120
 * iterations)`, or why there is no measured figure.
 */
export function comparisonHeadline(c: LogComparison): string {
  const s = c.steady;
  if (s.stepTimeMs === null) return s.reason ?? 'no measured step time';
  const predicted = c.predictedStepTimeMs === null ? 'not simulated' : duration(c.predictedStepTimeMs);
  const delta =
    c.stepTimeDeltaPercent === null ? '' : ` (${pct(c.stepTimeDeltaPercent)}, ${s.steadyIterations} iterations)`;
  return `predicted ${predicted} · measured ${duration(s.stepTimeMs)}${delta}`;
}

export function formatComparison(logPath: string, c: LogComparison): string {
  const lines = [`  Measured  ${logPath}`];
  const s = c.steady;
  if (s.stepTimeMs === null) lines.push(`    step time: not measured — ${s.reason ?? 'no iterations'}`);
  else {
    const predicted = c.predictedStepTimeMs === null ? 'not simulated' : duration(c.predictedStepTimeMs);
    const delta = c.stepTimeDeltaPercent === null ? '' : ` (${pct(c.stepTimeDeltaPercent)})`;
    lines.push(
      `    step time: predicted ${predicted} · measured ${duration(s.stepTimeMs)}${delta}, ${s.steadyIterations} iterations after ${s.warmupLines.length} warm-up log line(s)`,
    );
    if (s.linesWithSkipped) lines.push(`    ${s.linesWithSkipped} log line(s) include skipped iterations`);
  }
  for (const m of c.memory) lines.push(`    ${stageMemoryText(m)}`);
  if (c.memoryNote) lines.push(`    ${c.memoryNote}`);
  if (c.argDifferences.length)
    lines.push(
      `    the log ran a different configuration: ${c.argDifferences.map((d) => `${d.name} ${d.log} (file: ${d.file})`).join(', ')}`,
    );
  return lines.join('\n') + '\n';
}

/** The `calibration` member of `analyze --log LOG --calibrate --json`: the fitted knobs, or why none were fitted. */
export function calibrationToJson(outcome: CalibrationOutcome): Record<string, unknown> {
  if (!outcome.ok) return { applied: false, refused: outcome.reasons };
  const { knobs, measured, predictedStepTimeMs, notes } = outcome.fit;
  return {
    applied: true,
    fromLog: knobs.fromLog,
    gpu: knobs.gpuId,
    gemmEfficiency: round(knobs.efficiency, 4),
    stepOverheadMs: round(knobs.stepOverheadMs, 3),
    memoryOverheadGiB: knobs.overheadGiB === null ? null : round(knobs.overheadGiB, 3),
    fittedTo: measured,
    predictedStepTimeMs: {
      before: predictedStepTimeMs.before === null ? null : round(predictedStepTimeMs.before, 3),
      after: predictedStepTimeMs.after === null ? null : round(predictedStepTimeMs.after, 3),
    },
    notes,
  };
}

/** The knobs in one line: `GEMM efficiency 62.0 %, per-step overhead 175 ms, memory overhead 3.25 GiB per GPU`. */
export function calibrationKnobsText(knobs: CalibrationKnobs): string {
  const memory = knobs.overheadGiB === null ? '' : `, memory overhead ${knobs.overheadGiB.toFixed(2)} GiB per GPU`;
  return `GEMM efficiency ${(knobs.efficiency * 100).toFixed(1)} %, per-step overhead ${duration(knobs.stepOverheadMs)}${memory}`;
}

export function formatCalibration(outcome: CalibrationOutcome): string {
  if (!outcome.ok) return `  Not calibrated: ${outcome.reasons.join('; ')}\n`;
  const { knobs, predictedStepTimeMs, notes } = outcome.fit;
  const lines = [
    `  Calibrated from ${knobs.fromLog} (${knobs.gpuId}): ${calibrationKnobsText(knobs)}`,
    `    predicted step time ${duration(predictedStepTimeMs.before)} → ${duration(predictedStepTimeMs.after)}; every schedule above uses these knobs`,
    ...notes.map((n) => `    note: ${n}`),
  ];
  return lines.join('\n') + '\n';
}

type TraceRow = TraceStageComparison & { problems: string[] };

/** The `measuredTrace` member of `analyze --profile TRACE.json --json`: per trace, measured spans beside the prediction. */
export function traceComparisonToJson(rows: readonly TraceRow[]): Record<string, unknown>[] {
  const r = (x: number | null): number | null => (x === null ? null : round(x, 3));
  return rows.map((t) => ({
    rank: t.rank,
    stage: t.stage,
    spans: t.measured.onGpu ? 'gpu' : 'cpu',
    forward: {
      measuredMs: r(t.measured.forwardMs),
      count: t.measured.forwardCount,
      predictedMs: r(t.predictedForwardMs),
    },
    backward: {
      measuredMs: r(t.measured.backwardMs),
      count: t.measured.backwardCount,
      predictedMs: r(t.predictedBackwardMs),
    },
    problems: t.problems,
  }));
}

export function formatTraceComparison(rows: readonly TraceRow[]): string {
  const lines = ['  Profiler trace (mean forward_step / backward_step span per rank)'];
  for (const t of rows) {
    const m = t.measured;
    lines.push(
      `    rank ${t.rank} (stage ${t.stage}, ${m.onGpu ? 'GPU' : 'CPU'} ranges): forward ${duration(m.forwardMs)} ×${m.forwardCount} (predicted ${duration(t.predictedForwardMs)}), backward ${duration(m.backwardMs)} ×${m.backwardCount} (predicted ${duration(t.predictedBackwardMs)})`,
      ...t.problems.map((p) => `      ${p}`),
    );
  }
  return lines.join('\n') + '\n';
}
