// "What if I change this flag?" tables for hovers. Each row is a real analyze() of the document text with one value
// rewritten, so the table reflects every rule the core applies (divisibility, memory, schedule choice), not a shortcut
// formula. Pure (analyze is passed in) so the table logic is unit-tested without VS Code.
import type { AnalysisResult, AnalyzeOptions } from '../core/analyze';
import { applyEdits } from '../core/edits/planFlagEdit';
import type { ConfigKey, FlagOccurrence, TextEdit } from '../core/types';
import { mdCode, mdText } from './markdown';
import { formatDurationMs } from '../core/format';
import { formatGiB, formatPercent, scheduleLabel, selectedEvaluation, worstStage } from './present';

/** The flags that drive the schedule and memory, by the RunConfig field they set. */
const WHAT_IF_KEYS: readonly ConfigKey[] = [
  'pipelineParallel',
  'microBatchSize',
  'globalBatchSize',
  'seqLength',
  'pipeSpSplits',
  'pipeSpStrategy',
  'virtualStages',
  'numLayersPerVirtualStage',
  'recomputeGranularity',
  'tensorParallel',
  'contextParallel',
];

/** Hover work is bounded: at most this many rows, and rows stop being computed after the time budget. */
export const MAX_WHAT_IF_ROWS = 5;
const WHAT_IF_BUDGET_MS = 400;

export interface WhatIfCandidate {
  /** Shown in the first column. */
  label: string;
  /** The edits that turn the document into this variant; null for the current value. */
  edits: TextEdit[] | null;
}

/**
 * Plans the edit that sets (or, with null, removes) the hovered flag's value. In the editor this is the core's
 * `planFlagEdit`, the same logic the quick fixes and "Apply to file" use, so a what-if row is exactly the file the
 * user would get: it rewrites a plain variable definition, but writes a literal at the flag when the value is
 * computed (`GLOBAL_BATCH=$((MICRO*NUM*DP))`), where rewriting the last variable in the chain would change another knob.
 */
export type FlagEditPlanner = (value: string | null) => TextEdit[];

export interface WhatIfRow {
  label: string;
  current: boolean;
  /** Undefined when the time budget ran out before this row. */
  result?: AnalysisResult;
}

export function whatIfKey(flag: FlagOccurrence): ConfigKey | undefined {
  return WHAT_IF_KEYS.find((k) => flag.keys.includes(k));
}

/** Powers of two around the current value (v/4 … 4v), at most MAX_WHAT_IF_ROWS, the current one always kept. */
function neighbours(v: number): number[] {
  const set = new Set<number>([v]);
  for (const f of [0.5, 2, 0.25, 4]) {
    const x = v * f;
    if (Number.isInteger(x) && x >= 1) set.add(x);
    if (set.size >= MAX_WHAT_IF_ROWS) break;
  }
  return [...set].sort((a, b) => a - b);
}

export function whatIfCandidates(
  flag: FlagOccurrence,
  candidateSplits: readonly number[],
  plan: FlagEditPlanner,
): WhatIfCandidate[] {
  const key = whatIfKey(flag);
  if (!key) return [];
  const current = flag.value;
  const valueRows = (values: string[]): WhatIfCandidate[] => {
    if (current == null) return [];
    const rows: WhatIfCandidate[] = [];
    for (const v of values.slice(0, MAX_WHAT_IF_ROWS)) {
      if (v === current) {
        rows.push({ label: v, edits: null });
        continue;
      }
      const edits = plan(v);
      if (edits.length) rows.push({ label: v, edits });
    }
    if (!rows.some((r) => r.edits === null)) rows.unshift({ label: current, edits: null });
    return rows.slice(0, MAX_WHAT_IF_ROWS);
  };
  switch (key) {
    case 'pipeSpStrategy':
      return valueRows(['average', 'uniform_comp']);
    case 'recomputeGranularity': {
      // `--recompute-activations` (store_true) has no value: the only other variant is "flag removed".
      const rows =
        flag.valueRange && current != null
          ? valueRows(['selective', 'full'])
          : [{ label: current ?? flag.spelling, edits: null }];
      const off = plan(null);
      if (off.length) rows.push({ label: 'off', edits: off });
      return rows;
    }
    case 'pipeSpSplits': {
      const v = current != null ? Number(current) : NaN;
      const ks = [...new Set([...candidateSplits, ...(Number.isInteger(v) ? [v] : [])])].sort((a, b) => a - b);
      // Keep the current k even when the candidate list is longer than the table.
      const around = ks.length > MAX_WHAT_IF_ROWS ? trimAround(ks, v) : ks;
      return valueRows(around.map(String));
    }
    default: {
      const v = current != null ? Number(current) : NaN;
      if (!Number.isInteger(v) || v < 1) return [];
      return valueRows(neighbours(v).map(String));
    }
  }
}

function trimAround(sorted: number[], v: number): number[] {
  const i = Math.max(0, sorted.indexOf(v));
  const start = Math.max(0, Math.min(i - Math.floor(MAX_WHAT_IF_ROWS / 2), sorted.length - MAX_WHAT_IF_ROWS));
  return sorted.slice(start, start + MAX_WHAT_IF_ROWS);
}

export function computeWhatIfRows(
  text: string,
  base: AnalysisResult,
  candidates: readonly WhatIfCandidate[],
  options: AnalyzeOptions,
  analyzeFn: (text: string, options: AnalyzeOptions) => AnalysisResult,
  now: () => number = Date.now,
  budgetMs = WHAT_IF_BUDGET_MS,
): WhatIfRow[] {
  const t0 = now();
  let lastRowMs = 0;
  return candidates.map((c) => {
    if (c.edits === null) return { label: c.label, current: true, result: base };
    // Skip a row that would likely end past the budget (rows of one document cost about the same).
    if (now() - t0 + lastRowMs > budgetMs) return { label: c.label, current: false };
    const r0 = now();
    const result = analyzeFn(applyEdits(text, c.edits), options);
    lastRowMs = now() - r0;
    return { label: c.label, current: false, result };
  });
}

function rowCells(r: WhatIfRow, gpuMemoryGiB: number): string[] {
  if (!r.result) return ['not computed (time budget)', '', '', ''];
  const res = r.result;
  const e = selectedEvaluation(res);
  if (!res.isLaunchConfig || !e || !e.applicable) {
    const err = res.diagnostics.find((d) => d.severity === 'error');
    return [err ? mdCode(err.code) : mdText(e?.reason ?? 'not simulated'), '—', '—', '—'];
  }
  const w = worstStage(e);
  const peak = w
    ? `${formatGiB(w.peakGiB)}/${Math.round(gpuMemoryGiB)} GiB (stage ${w.stage})${e.oom ? ' **OOM**' : ''}`
    : '—';
  return [mdText(scheduleLabel(e)), formatDurationMs(e.stepTimeMs), formatPercent(e.bubbleFraction), peak];
}

/** Markdown table; the current value's row in bold. Labels come from the file, so they are escaped; `header` is ours. */
export function whatIfTable(header: string, rows: readonly WhatIfRow[], gpuMemoryGiB: number): string {
  const lines = [`| ${header} | schedule | step time | bubble | worst-stage peak |`, '|:---|:---|---:|---:|---:|'];
  for (const r of rows) {
    const label = r.current ? `**${mdText(r.label)}** (now)` : mdText(r.label);
    lines.push(`| ${label} | ${rowCells(r, gpuMemoryGiB).join(' | ')} |`);
  }
  return lines.join('\n');
}
