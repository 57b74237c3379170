// Predicted vs measured, as the CLI prints it (`analyze FILE --log LOG`): a text section under the summary and the
// `measured` / `comparison` members of the JSON.
import { formatDurationMs as duration } from '../core/format';
import type { LogComparison } from '../core/logs/compare';

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

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
        maxAllocatedGiB: round(m.measuredMaxAllocatedGiB, 3),
        maxReservedGiB: round(m.measuredMaxReservedGiB, 3),
      })),
      timers: c.timers,
    },
    comparison: {
      predictedStepTimeMs: c.predictedStepTimeMs,
      stepTimeDeltaPercent: c.stepTimeDeltaPercent === null ? null : round(c.stepTimeDeltaPercent, 2),
      memoryPerStage: c.memory.map((m) => ({
        stage: m.stage,
        predictedAllocatedGiB: m.predictedAllocatedGiB,
        measuredMaxAllocatedGiB: round(m.measuredMaxAllocatedGiB, 3),
        predictedReservedGiB: m.predictedReservedGiB,
        measuredMaxReservedGiB: round(m.measuredMaxReservedGiB, 3),
      })),
      argumentsThatDiffer: c.argDifferences,
    },
  };
}

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;

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
  for (const m of c.memory) {
    const predicted = m.predictedAllocatedGiB === null ? '—' : `${m.predictedAllocatedGiB.toFixed(1)} GiB`;
    lines.push(
      `    stage ${m.stage} peak allocated: predicted ${predicted} · measured ${m.measuredMaxAllocatedGiB.toFixed(1)} GiB (max reserved ${m.measuredMaxReservedGiB.toFixed(1)} GiB; rank ${m.ranks.join(', ')})`,
    );
  }
  if (c.argDifferences.length)
    lines.push(
      `    the log ran a different configuration: ${c.argDifferences.map((d) => `${d.name} ${d.log} (file: ${d.file})`).join(', ')}`,
    );
  return lines.join('\n') + '\n';
}
