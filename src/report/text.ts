// The plain-text summary of an analysis: `schedule-inspector analyze FILE` prints it, and the editor's Analyze command
// shows the same text in its output channel, so both front ends read alike.
import type { AnalysisResult } from '../core/analyze';
import { formatChunkLengths, formatDurationMs } from '../core/format';
import { MEMORY_TERMS } from '../protocol/memoryTerms';
import { formatPercent, memoryDetailText, runSummary, throughputText } from '../protocol/summary';
import {
  SCHEDULE_NAMES,
  type DialectEvidence,
  type DialectRead,
  type MemoryBreakdown,
  type ScheduleEvaluation,
  type ScheduleName,
  type ScriptKindEvidence,
  type ScriptKindRead,
} from '../core/types';

const num = (x: number | null | undefined, digits = 0): string => (x == null ? '?' : x.toFixed(digits));

/** Model, layout, batch and Seq1F1B lines: what the file configures, as the core resolved it. */
function configLines(r: AnalysisResult): string[] {
  const c = r.config;
  return [
    `  Model     L=${num(c.numLayers)} h=${num(c.hiddenSize)} heads=${num(c.numAttentionHeads)} ffn=${num(c.ffnHiddenSize)} seq=${num(c.seqLength)} vocab=${num(c.paddedVocabSize)} ${c.precision ?? ''}`,
    `  Layout    world=${num(c.worldSize)} = TP ${num(c.tensorParallel)} × PP ${num(c.pipelineParallel)} × CP ${num(c.contextParallel)} × DP ${num(c.dataParallel)}${c.virtualStages && c.virtualStages > 1 ? ` · VPP ${c.virtualStages}` : ''}${c.sequenceParallel ? ' · SP' : ''}`,
    `  Batch     micro=${num(c.microBatchSize)} global=${num(c.globalBatchSize)} → ${num(c.numMicrobatches)} microbatches per step`,
    `  Seq1F1B   k=${num(c.pipeSpSplits)} strategy=${c.pipeSpStrategy ?? '?'}${r.partition ? ` chunks ${formatChunkLengths(r.partition.lengths)}` : ''}`,
  ];
}

function scheduleRow(name: ScheduleName, e: ScheduleEvaluation, selected: boolean): string {
  const mark = selected ? '▸' : ' ';
  if (!e.applicable) return `  ${mark} ${name.padEnd(20)}  n/a: ${e.reason ?? ''}`;
  // Reserved, as the OOM verdict, the oom-risk message, the editor and the panel show it (one total everywhere).
  const peaks = e.peakReservedGiBPerStage ?? e.peakMemoryGiBPerStage;
  const peak = peaks ? Math.max(...peaks) : null;
  return `  ${mark} ${name.padEnd(20)} ${String(e.splits).padStart(2)} ${String(e.virtualStages).padStart(2)} ${num(e.stepTimeMs, 1).padStart(9)} ${formatPercent(e.bubbleFraction).padStart(8)} ${num(e.tokensPerSecond).padStart(9)} ${num(e.tflopsPerGpu, 1).padStart(8)}  ${peak == null ? '—' : peak.toFixed(1)}${e.oom ? ' OOM' : ''}`;
}

/**
 * What the worst stage's reserved peak is made of, the terms the panel stacks (`weights 12.1 + grads 6.0 + … =
 * 65.0 GiB`); terms under 0.05 GiB are left out of the sum shown but not of the total.
 */
export function memoryBreakdownSummary(b: MemoryBreakdown): string {
  const total = MEMORY_TERMS.reduce((sum, { key }) => sum + b[key], 0);
  const shown = MEMORY_TERMS.filter(({ key }) => b[key] >= 0.05).map(
    ({ key, label }) => `${label} ${b[key].toFixed(1)}`,
  );
  return `${shown.join(' + ')} = ${total.toFixed(1)} GiB`;
}

/** The selected schedule's worst stage, as the sum the panel stacks; nothing when memory was not estimated. */
function memoryLines(r: AnalysisResult): string[] {
  if (r.inferenceMemory) {
    const m = r.inferenceMemory;
    const where = (r.config.pipelineParallel ?? 1) > 1 ? ` (stage ${m.stage})` : '';
    return [
      `  Memory    inference: weights ${(m.weightsBytes / 2 ** 30).toFixed(1)} GiB per GPU${where}; not assessed: ${m.notAssessed}`,
    ];
  }
  const e = r.selectedSchedule ? r.schedules[r.selectedSchedule] : undefined;
  const b = e?.memoryBreakdownGiB;
  const reserved = e?.peakReservedGiBPerStage;
  if (!e || !b || !reserved) return [];
  const stage = reserved.indexOf(Math.max(...reserved));
  return [`  Memory    stage ${stage} at its peak: ${memoryBreakdownSummary(b)} reserved`];
}

/** One row per evaluated schedule, the selected one marked; nothing when no schedule was evaluated. */
function scheduleLines(r: AnalysisResult): string[] {
  const rows: string[] = [];
  for (const name of SCHEDULE_NAMES) {
    const e = r.schedules[name];
    if (e) rows.push(scheduleRow(name, e, name === r.selectedSchedule));
  }
  if (!rows.length) return [];
  const c = r.config;
  const tokens = c.globalBatchSize != null && c.seqLength != null ? c.globalBatchSize * c.seqLength : null;
  return [
    // Every row trains the file's global batch: step times compare equal work (issue 17).
    `  Schedules on ${r.gpu.name}, each at the file's global batch${tokens ? ` (${tokens.toLocaleString('en-US')} tokens per step)` : ''}:`,
    '    schedule              k  v   step ms   bubble   tok/s      TFLOP/s  reserved peak GiB (worst stage)',
    ...rows,
  ];
}

/** The sweep's verdict against the configured run: a change only when it is better, else why there is none. */
function recommendationLines(r: AnalysisResult): string[] {
  const rec = r.recommendation;
  if (!rec) return [];
  const choice = `${rec.schedule}${rec.splits > 1 ? ` k=${rec.splits} ${rec.strategy}` : ''}${rec.virtualStages > 1 ? ` v=${rec.virtualStages}` : ''}`;
  const head: Record<typeof rec.verdict, string> = {
    faster: `${choice} — ${formatDurationMs(rec.stepTimeMs)}/step, worst stage ${rec.peakMemoryGiB.toFixed(1)} GiB reserved`,
    'fits-slower': `${choice} fits (the configured schedule does not) — ${formatDurationMs(rec.stepTimeMs)}/step, worst stage ${rec.peakMemoryGiB.toFixed(1)} GiB reserved`,
    'configured-is-fastest': 'none — the configured schedule is the fastest that fits',
    'none-fits': `none fits — the closest is ${choice} at ${rec.peakMemoryGiB.toFixed(1)} GiB reserved`,
  };
  return [`  Recommendation: ${head[rec.verdict]}`, `    ${rec.reason}`];
}

/** `Run       seq1f1b k=4 · 41.58 s/step · 25.2k tok/s · bubble 9.8 % · peak 58.7/80 GiB reserved (stage 0), …`. */
function runLines(r: AnalysisResult): string[] {
  const s = runSummary(r);
  if (!s) return [];
  const memory = memoryDetailText(s);
  return [
    `  Run       ${s.scheduleLabel} · ${throughputText(s)} · bubble ${formatPercent(s.bubbleFraction)}${memory ? ` · peak ${memory}` : ''}`,
  ];
}

function diagnosticLines(file: string, r: AnalysisResult): string[] {
  if (!r.diagnostics.length) return ['  No problems found.'];
  return [
    `  Diagnostics (${r.diagnostics.length}):`,
    ...r.diagnostics.map(
      (d) => `    ${file}:${d.range.line + 1}:${d.range.column + 1} ${d.severity} [${d.code}] ${d.message}`,
    ),
  ];
}

/** `flag --zero-stage (line 14)`; the setting has no line. */
export function evidenceLabel(e: DialectEvidence): string {
  return e.range ? `${e.what} (line ${e.range.line + 1})` : e.what;
}

/**
 * One line on the dialect and why: the CLI's `Dialect` line, the status bar tooltip and the hover's first line
 * (the hover then lists every piece).
 */
export function dialectSummary(d: DialectRead): string {
  const name = d.version ? `${d.id} (${d.version})` : d.id;
  const deciding = d.decidedBy === null ? undefined : d.evidence[d.decidedBy];
  if (!deciding) {
    if (!d.evidence.length) return `${name} — nothing in the file points to a particular Megatron`;
    const all = d.evidence.map((e) => `${e.dialect}: ${evidenceLabel(e)}`).join('; ');
    return `${name} — ${d.note ?? 'the evidence is inconclusive'} (${all})`;
  }
  const others = d.evidence.length - 1;
  const how = d.source === 'detected' ? 'decided by' : 'set by';
  return (
    `${name} — ${how} ${evidenceLabel(deciding)}${others > 0 ? ` (+${others} more)` : ''}` +
    (d.note ? `. ${d.note}` : '')
  );
}

/** `entry script tools/run_text_generation_server.py (line 12)`; the file name has no line. */
function kindEvidenceLabel(e: ScriptKindEvidence): string {
  return e.range ? `${e.what} (line ${e.range.line + 1})` : e.what;
}

/**
 * One line on what the launch runs and why, shown next to the dialect (the CLI's `Kind` line, the hover on the entry
 * script, the status bar tooltip): `inference — decided by entry script inference.py (line 30); not a training launch,
 * so no schedule or training memory is simulated and the training-step checks are skipped`.
 */
export function scriptKindSummary(k: ScriptKindRead): string {
  const deciding = k.decidedBy === null ? undefined : k.evidence[k.decidedBy];
  const why = deciding
    ? `decided by ${kindEvidenceLabel(deciding)}${k.evidence.length > 1 ? ` (+${k.evidence.length - 1} more)` : ''}`
    : k.evidence.length
      ? `the evidence is inconclusive (${k.evidence.map((e) => `${e.kind}: ${kindEvidenceLabel(e)}`).join('; ')}), so read as training`
      : 'assumed: nothing in the file says it is inference, evaluation or a conversion';
  return k.id === 'training'
    ? `${k.id} — ${why}`
    : `${k.id} — ${why}; not a training launch, so no schedule or training memory is simulated and the training-step checks are skipped`;
}

/** Shown for every launch, and for a file that is not one only when it still has a dialect (a NeMo 2 recipe). */
function dialectLines(r: AnalysisResult): string[] {
  if (!r.dialect || (!r.isLaunchConfig && r.dialect.id === 'unknown')) return [];
  const kind = r.isLaunchConfig && r.scriptKind ? [`  Kind      ${scriptKindSummary(r.scriptKind)}`] : [];
  return [`  Dialect   ${dialectSummary(r.dialect)}`, ...kind];
}

export function formatSummary(file: string, r: AnalysisResult): string {
  const body = r.isLaunchConfig
    ? [
        ...dialectLines(r),
        ...configLines(r),
        ...runLines(r),
        ...scheduleLines(r),
        ...memoryLines(r),
        ...recommendationLines(r),
      ]
    : ['  No Megatron-style launch found in this file.', ...dialectLines(r)];
  return [`Schedule Inspector — ${file}`, ...body, ...diagnosticLines(file, r)].join('\n') + '\n';
}
