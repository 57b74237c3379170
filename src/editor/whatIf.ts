// "What if I change this flag?" tables for hovers. Each row is a real analyze() of the document text with one value
// rewritten, so the table reflects every rule the core applies (divisibility, memory, schedule choice), not a shortcut
// formula. Pure (analyze is passed in) so the table logic is unit-tested without VS Code.
import type { AnalysisResult, AnalyzeOptions } from '../core/analyze';
import { applyEdits } from '../core/edits/planFlagEdit';
import type { ConfigKey, CoreDiagnostic, FlagOccurrence, TextEdit } from '../core/types';
import { mdCode, mdText } from './markdown';
import { formatDurationMs } from '../core/format';
import { formatGiB, formatTokensPerSecond, runSummary, selectedEvaluation } from '../protocol/summary';

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

/** Derived quantities a row's edit may change besides the edited value, in the words the "also changes" cell uses. */
const SIDE_EFFECTS: readonly [ConfigKey, string][] = [
  ['worldSize', 'world'],
  ['tensorParallel', 'TP'],
  ['pipelineParallel', 'PP'],
  ['contextParallel', 'CP'],
  ['dataParallel', 'DP'],
  ['globalBatchSize', 'global batch'],
  ['microBatchSize', 'micro batch'],
  ['numMicrobatches', 'microbatches'],
  ['seqLength', 'sequence'],
];

/**
 * What else the edit changed, against the current row: `DP 1→4, global batch 16→64`. The edited key itself is left
 * out (it is the first column), and so is a schedule change, which has its own words.
 */
function alsoChanges(base: AnalysisResult, row: AnalysisResult, editedKey: ConfigKey | undefined): string[] {
  const out: string[] = [];
  for (const [key, label] of SIDE_EFFECTS) {
    if (key === editedKey) continue;
    const before = base.config[key];
    const after = row.config[key];
    if (before !== after && (typeof before === 'number' || typeof after === 'number'))
      out.push(`${label} ${before ?? '?'}→${after ?? '?'}`);
  }
  const b = runSummary(base);
  const a = runSummary(row);
  if (b && a && a.scheduleLabel !== b.scheduleLabel) out.push(`schedule ${a.scheduleLabel}`);
  return out;
}

function rowCells(r: WhatIfRow, base: AnalysisResult | undefined, editedKey: ConfigKey | undefined): string[] {
  if (!r.result) return ['—', '—', '—', 'not computed (time budget)'];
  const res = r.result;
  const e = selectedEvaluation(res);
  const s = runSummary(res);
  if (!e || !s) {
    const err = res.diagnostics.find((d) => d.severity === 'error');
    // The reason goes in the last, left-aligned column so the figure columns stay narrow.
    return ['—', '—', '—', err ? `${mdCode(err.code)}` : mdText(shortReason(e?.reason ?? 'not simulated'))];
  }
  const m = s.memory;
  const peak = m ? `${formatGiB(m.reservedGiB)}${s.oom ? ' **OOM**' : ''}` : '—';
  const also = r.current || !base ? '' : alsoChanges(base, res, editedKey).join(', ');
  return [formatDurationMs(s.stepTimeMs), tokensCell(s.tokensPerSecond), peak, mdText(also || '—')];
}

/** `28.6k`: the unit is in the column header, so the cell stays narrow. */
function tokensCell(tps: number | null): string {
  return formatTokensPerSecond(tps).replace(/ tok\/s$/, '');
}

/** A reason cut to fit one cell; the panel and the row's own analysis have it whole. */
function shortReason(reason: string): string {
  const MAX_REASON_CHARS = 50;
  return reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 1)}…` : reason;
}

/** True when the rows train different numbers of tokens per step: then only tokens/s compares them. */
function batchDiffers(rows: readonly WhatIfRow[]): boolean {
  const tokens = new Set(rows.map((r) => r.result && runSummary(r.result)?.tokensPerStep).filter((t) => t != null));
  return tokens.size > 1;
}

/**
 * Markdown table, four figures wide with short headers so a hover shows it without scrolling: step time, tokens/s of
 * the whole cluster (the comparison that holds when an edit changes the global batch), the worst stage's reserved
 * peak in GiB (the capacity is in the line above the table), and what else the edit changed. The current value's row
 * in bold. Labels come from the file, so they are escaped; `header` is ours.
 */
export function whatIfTable(header: string, rows: readonly WhatIfRow[], editedKey?: ConfigKey): string {
  const base = rows.find((r) => r.current)?.result;
  const lines = [`| ${header} | step | tok/s | GiB reserved | also changes |`, '|:---|---:|---:|---:|:---|'];
  for (const r of rows) {
    const label = r.current ? `**${mdText(r.label)}** (now)` : mdText(r.label);
    lines.push(`| ${label} | ${rowCells(r, base, editedKey).join(' | ')} |`);
  }
  if (batchDiffers(rows))
    lines.push(
      '',
      '_The global batch differs between rows, so their step times are for different work: compare tokens/s._',
    );
  return lines.join('\n');
}

/** Rows kept when VS Code stacks a problem's message above the flag's hover (issue 17: no scrolling). */
export const WHAT_IF_ROWS_UNDER_PROBLEM = 3;

/**
 * The rows nearest the current one, at most `max`, in their order: the current row and its neighbours, which are
 * the values a fix would try first. The full table stays one click away in the panel.
 */
export function rowsAround(rows: readonly WhatIfRow[], max: number): WhatIfRow[] {
  if (rows.length <= max) return [...rows];
  const at = Math.max(
    0,
    rows.findIndex((r) => r.current),
  );
  const start = Math.min(Math.max(0, at - Math.floor((max - 1) / 2)), rows.length - max);
  return rows.slice(start, start + max);
}

/**
 * Whether one of the analysis's warnings or errors covers the hovered position: VS Code then shows its message above
 * the hover, in the same box.
 */
export function problemAt(diagnostics: readonly CoreDiagnostic[], line: number, character: number): boolean {
  return diagnostics.some((d) => {
    if (d.severity !== 'error' && d.severity !== 'warning') return false;
    const { range: r } = d;
    const afterStart = line > r.line || (line === r.line && character >= r.column);
    const beforeEnd = line < r.endLine || (line === r.endLine && character <= r.endColumn);
    return afterStart && beforeEnd;
  });
}
