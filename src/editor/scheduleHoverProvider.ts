// Hover on every recognised flag or YAML key: meaning, resolved value and its variable chain, derived quantities,
// and a what-if table for the flags that drive the schedule and memory.
import * as vscode from 'vscode';
import type { AnalysisResult } from '../core/analyze';
import { DEFAULT_CANDIDATE_SPLITS } from '../core/defaults';
import { planFlagEdit } from '../core/edits/planFlagEdit';
import type { FlagOccurrence, TextEdit } from '../core/types';
import type { AnalysisService } from '../service/analysisService';
import { guarded } from './guard';
import { dialectHoverMarkdown, hoverMarkdown } from './hoverContent';
import { dialectAt, flagAt } from './present';
import { toRange } from './ranges';
import {
  computeWhatIfRows,
  problemAt,
  rowsAround,
  WHAT_IF_ROWS_UNDER_PROBLEM,
  whatIfCandidates,
  whatIfKey,
  type WhatIfRow,
} from './whatIf';

/** Short column header per what-if field (the symbol users know from the Seq1F1B paper where there is one). */
const WHAT_IF_HEADER: Record<string, string> = {
  pipelineParallel: 'p (PP)',
  microBatchSize: 'micro batch',
  globalBatchSize: 'global batch',
  seqLength: 'seq length',
  pipeSpSplits: 'k',
  pipeSpStrategy: 'split',
  virtualStages: 'v (VPP)',
  numLayersPerVirtualStage: 'layers / virtual stage',
  recomputeGranularity: 'recompute',
  tensorParallel: 'TP',
  contextParallel: 'CP',
};

export class ScheduleHoverProvider implements vscode.HoverProvider {
  /** What-if rows for the last hovered flags; keyed by document version so any edit invalidates them. */
  private readonly whatIfCache = new Map<string, WhatIfRow[]>();

  constructor(
    private readonly service: AnalysisService,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  provideHover(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
  ): vscode.Hover | undefined {
    return guarded(
      this.log,
      'hover',
      () => {
        const result = this.service.get(document);
        if (!result || token.isCancellationRequested) return undefined;
        const flag = flagAt(result, position.line, position.character);
        if (!flag) return this.dialectHover(document, result, position);
        const key = whatIfKey(flag);
        const allRows = key && !token.isCancellationRequested ? this.whatIfRows(document, result, flag) : undefined;
        // Under a problem's message the box has less room: the rows next to the current value, the rest in the panel.
        const rows =
          allRows && problemAt(result.diagnostics, position.line, position.character)
            ? rowsAround(allRows, WHAT_IF_ROWS_UNDER_PROBLEM)
            : allRows;
        const md = new vscode.MarkdownString(
          hoverMarkdown(
            result,
            flag,
            (r) => document.getText(toRange(r, document)),
            rows && key ? { header: WHAT_IF_HEADER[key] ?? key, rows } : undefined,
          ),
        );
        md.isTrusted = false;
        md.supportHtml = false;
        const range =
          flag.valueRange && toRange(flag.valueRange).contains(position)
            ? toRange(flag.valueRange, document)
            : toRange(flag.range, document);
        return new vscode.Hover(md, range);
      },
      undefined,
    );
  }

  /** On the entry script (YAML: the first key): which Megatron reads the file and why. */
  private dialectHover(
    document: vscode.TextDocument,
    result: AnalysisResult,
    position: vscode.Position,
  ): vscode.Hover | undefined {
    const d = dialectAt(result, position.line, position.character);
    if (!d?.anchor) return undefined;
    const md = new vscode.MarkdownString(dialectHoverMarkdown(d));
    md.isTrusted = false;
    md.supportHtml = false;
    return new vscode.Hover(md, toRange(d.anchor, document));
  }

  private whatIfRows(document: vscode.TextDocument, result: AnalysisResult, flag: FlagOccurrence): WhatIfRow[] {
    const flagIndex = result.flags.indexOf(flag);
    // The document's own options, calibration included: calibrating leaves the version alone but moves every row.
    const cacheKey = `${document.uri.toString()}#${document.version}#${flagIndex}#${JSON.stringify(this.service.optionsFor(document))}`;
    const hit = this.whatIfCache.get(cacheKey);
    if (hit) return hit;
    const text = document.getText();
    const plan = (value: string | null): TextEdit[] => planFlagEdit(text, result, flag.flag, value);
    const candidates = whatIfCandidates(flag, this.service.options().candidateSplits ?? DEFAULT_CANDIDATE_SPLITS, plan);
    const t0 = Date.now();
    const rows = computeWhatIfRows(
      text,
      result,
      candidates,
      this.service.optionsFor(document),
      (text) => this.service.analyzeText(document, text) ?? emptyResult(result),
    );
    this.log.debug(`what-if for ${flag.flag}: ${rows.length} rows in ${Date.now() - t0} ms`);
    if (this.whatIfCache.size > 32) this.whatIfCache.clear();
    this.whatIfCache.set(cacheKey, rows);
    return rows;
  }
}

/** A variant the core could not analyse at all shows as "not simulated" rather than breaking the table. */
function emptyResult(base: AnalysisResult): AnalysisResult {
  return { ...base, isLaunchConfig: false, schedules: {}, selectedSchedule: null, diagnostics: [] };
}
