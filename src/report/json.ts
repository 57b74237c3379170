// `analyze --json`: the machine-readable shape CI scripts consume. Positions are 0-based, as in the core.
import type { AnalysisResult } from '../core/analyze';
import { runSummary } from '../protocol/summary';
import {
  SCHEDULE_NAMES,
  type CoreDiagnostic,
  type DialectRead,
  type ScheduleEvaluation,
  type ScriptKindRead,
} from '../core/types';

function diagnosticToJson(d: CoreDiagnostic): Record<string, unknown> {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    line: d.range.line,
    column: d.range.column,
    endLine: d.range.endLine,
    endColumn: d.range.endColumn,
  };
}

function evaluationToJson(e: ScheduleEvaluation): Record<string, unknown> {
  // sim and memory are large typed arrays meant for the webview, not for JSON consumers.
  const { sim: _sim, memory: _memory, ...rest } = e;
  // The same for the vocabulary-parallel run kept for the panel's timeline.
  if (rest.vocabParallel) {
    const { run: _run, durations: _durations, ...figures } = rest.vocabParallel;
    return { ...rest, vocabParallel: figures };
  }
  return rest;
}

/** Each piece of dialect evidence: what, its 0-based line (null for the setting), its weight, and whether it decided. */
function dialectEvidenceToJson(d: DialectRead | undefined): Record<string, unknown>[] {
  if (!d) return [];
  return d.evidence.map((e, i) => ({
    dialect: e.dialect,
    what: e.what,
    line: e.range ? e.range.line : null,
    weight: e.weight,
    decided: i === d.decidedBy,
  }));
}

/** The same for the script kind: kind, what, 0-based line (null for the file name), weight, decided. */
function scriptKindEvidenceToJson(k: ScriptKindRead | undefined): Record<string, unknown>[] {
  if (!k) return [];
  return k.evidence.map((e, i) => ({
    kind: e.kind,
    what: e.what,
    line: e.range ? e.range.line : null,
    weight: e.weight,
    decided: i === k.decidedBy,
  }));
}

export function toJson(file: string, r: AnalysisResult): Record<string, unknown> {
  const schedules: Record<string, unknown> = {};
  for (const name of SCHEDULE_NAMES) {
    const e = r.schedules[name];
    if (e) schedules[name] = evaluationToJson(e);
  }
  return {
    file,
    format: r.format,
    isLaunchConfig: r.isLaunchConfig,
    dialect: r.dialect?.id ?? 'unknown',
    dialectEvidence: dialectEvidenceToJson(r.dialect),
    // null when the file is not a launch; hand-built reads without a kind are training.
    scriptKind: r.isLaunchConfig ? (r.scriptKind?.id ?? 'training') : null,
    scriptKindEvidence: scriptKindEvidenceToJson(r.scriptKind),
    config: r.config,
    diagnostics: r.diagnostics.map(diagnosticToJson),
    gpu: { id: r.gpu.id, memoryGiB: r.gpu.memoryGiB },
    partition: r.partition,
    selectedSchedule: r.selectedSchedule,
    schedules,
    // issue 17: the configured run's figures as every surface shows them (null when it was not simulated).
    summary: runSummary(r),
    recommendation: r.recommendation,
    // issue 13: an inference launch's weights per GPU and why the rest is not assessed.
    ...(r.inferenceMemory && { inferenceMemory: r.inferenceMemory }),
  };
}
