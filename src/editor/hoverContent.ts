// Markdown of a flag hover: meaning, the value as resolved and the variables it came through, derived quantities,
// and for schedule/memory-driving flags a what-if table. Pure; every piece of file text is escaped because launch
// scripts are workspace content (the MarkdownString is also untrusted, so no command links can run).
import { stepTimeParts } from '../protocol/stepTime';
import type { AnalysisResult } from '../core/analyze';
import { formatChunkLengths, formatDurationMs } from '../core/format';
import type { ConfigKey, FlagOccurrence, SourceRange, StepTimeBreakdown } from '../core/types';
import { dialectSummary, evidenceLabel, memoryBreakdownSummary, scriptKindSummary } from '../report/text';
import { lastFlagFor, peakLabel, type EntryHover } from './present';
import { formatPercent, runSummary, selectedEvaluation, throughputText } from '../protocol/summary';
import { whatIfKey, whatIfTable, type WhatIfRow } from './whatIf';
import { mdCode, mdText } from './markdown';

const MAX_SNIPPET_CHARS = 60;

function snippet(s: string): string {
  return s.length > MAX_SNIPPET_CHARS ? s.slice(0, MAX_SNIPPET_CHARS - 1) + '…' : s;
}

export type GetText = (range: SourceRange) => string;

function valueLine(r: AnalysisResult, flag: FlagOccurrence, getText: GetText): string {
  const key = flag.keys[0];
  const source = key ? r.sources[key] : undefined;
  let line: string;
  if (flag.value != null) line = `Value: ${mdCode(snippet(flag.value))}`;
  else if (!flag.valueRange) line = 'Set (switch)';
  else line = `Value: unresolved${source?.reason ? ` — ${mdText(source.reason)}` : ''}`;
  if (flag.origins.length) {
    const chain = flag.origins.map(
      (o) => `${mdCode('$' + o.name)} = ${mdCode(snippet(getText(o.range)))} (line ${o.range.line + 1})`,
    );
    line += `, from ${chain.join(' ← ')}`;
  }
  return line;
}

/** Derived quantities relevant to the fields this flag sets. */
function derivedLines(r: AnalysisResult, keys: readonly ConfigKey[], detail: string[]): string[] {
  const c = r.config;
  const has = (...ks: ConfigKey[]): boolean => ks.some((k) => keys.includes(k));
  const n = (x: number | null): string => (x == null ? '?' : String(x));
  const out: string[] = [];
  if (
    has('tensorParallel', 'pipelineParallel', 'contextParallel', 'dataParallel', 'worldSize', 'gpusPerNode', 'numNodes')
  ) {
    out.push(
      `world ${n(c.worldSize)} = TP ${n(c.tensorParallel)} × PP ${n(c.pipelineParallel)} × CP ${n(c.contextParallel)} × DP ${n(c.dataParallel)}`,
    );
  }
  if (has('microBatchSize', 'globalBatchSize', 'dataParallel')) {
    out.push(
      `${n(c.numMicrobatches)} microbatches per step = ${n(c.globalBatchSize)} / (${n(c.microBatchSize)} × DP ${n(c.dataParallel)})`,
    );
  }
  if (
    has('pipelineParallel', 'numLayers', 'virtualStages', 'numLayersPerVirtualStage') &&
    c.numLayers != null &&
    c.pipelineParallel
  ) {
    const v = c.virtualStages ?? 1;
    const perStage = c.numLayers / c.pipelineParallel;
    out.push(
      `${Number.isInteger(perStage) ? perStage : perStage.toFixed(2)} layers per stage${v > 1 ? ` in ${v} chunks of ${(perStage / v).toFixed(perStage % v ? 2 : 0)}` : ''}`,
    );
  }
  if (has('seqLength', 'pipeSpSplits', 'pipeSpStrategy') && r.partition) {
    out.push(`sequence chunks (${r.partition.strategy}): ${formatChunkLengths(r.partition.lengths, ' · ')} tokens`);
  }
  if (
    has(
      'pipelineParallel',
      'microBatchSize',
      'globalBatchSize',
      'pipeSpSplits',
      'pipeSpStrategy',
      'virtualStages',
      'numLayersPerVirtualStage',
      'seqLength',
      'recomputeGranularity',
      'tensorParallel',
      'contextParallel',
      'vocabParallelSchedule',
    )
  ) {
    const e = selectedEvaluation(r);
    const s = runSummary(r);
    if (e && s) {
      const peak = peakLabel(s);
      out.push(
        `${s.scheduleLabel}: ${throughputText(s)}, bubble ${formatPercent(s.bubbleFraction)}${peak ? `, ${peak}` : ''}`,
      );
      // The same terms and total as the panel's stacked bars and the CLI's Memory line.
      if (e.memoryBreakdownGiB)
        detail.push(`Memory at the peak: ${memoryBreakdownSummary(e.memoryBreakdownGiB)} reserved`);
      if (e.stepTimeBreakdown && e.stepTimeMs) detail.push(stepTimeLine(e.stepTimeBreakdown, e.stepTimeMs));
      const vp = e.vocabParallel;
      if (vp)
        detail.push(
          `Without Vocabulary Parallelism (plain 1F1B, the output layer on the last stage): ${formatDurationMs(vp.plainStepTimeMs)}, bubble ${formatPercent(vp.plainBubbleFraction)}; the timeline shows that plain run`,
        );
    }
    // An inference launch has no schedule: the weights it certainly holds, and why the rest is not assessed.
    if (r.inferenceMemory)
      out.push(
        `Inference memory: weights ${(r.inferenceMemory.weightsBytes / 2 ** 30).toFixed(1)} GiB per GPU; not assessed: ${r.inferenceMemory.notAssessed}`,
      );
  }
  const restsOn = new Set<string>();
  for (const k of keys) {
    const note = r.sources[k]?.note;
    if (note) out.push(note);
    for (const a of r.sources[k]?.assumptions ?? []) restsOn.add(a);
  }
  // What the value rests on that the file does not fix: why checks on it are warnings, not errors.
  if (restsOn.size) out.push(`Assumes ${[...restsOn].join('; ')}`);
  return out;
}

/** `Step time: compute 52 % · bubble 21 % · non-GEMM 15 % …` — what dominates it, largest first (issue 14). */
function stepTimeLine(b: StepTimeBreakdown, stepMs: number): string {
  const shown = stepTimeParts(b)
    .filter((p) => p.ms / stepMs >= 0.01)
    .sort((x, y) => y.ms - x.ms);
  return `Step time: ${shown.map((p) => `${p.label} ${formatPercent(p.ms / stepMs)}`).join(', ')}`;
}

export function hoverMarkdown(
  r: AnalysisResult,
  flag: FlagOccurrence,
  getText: GetText,
  whatIf?: { header: string; rows: readonly WhatIfRow[] },
): string {
  const parts: string[] = [];
  const spelled = flag.spelling !== flag.flag ? ` (written ${mdCode(flag.spelling)})` : '';
  parts.push(`**${mdCode(flag.flag)}**${spelled}`);
  const table =
    whatIf && whatIf.rows.length > 1
      ? `If you change it (${mdText(r.gpu.name)}, ${Math.round(r.gpu.memoryGiB)} GiB; tok/s of the whole cluster):\n\n${whatIfTable(whatIf.header, whatIf.rows, whatIfKey(flag))}`
      : null;
  // With a what-if table, the table comes right after the value: a hover has little height (issue 17: the table must
  // be visible without scrolling); the flag's meaning, the derived values and the breakdowns follow it.
  if (flag.doc && !table) parts.push(mdText(flag.doc));
  parts.push(valueLine(r, flag, getText));
  // A later occurrence overrides this one (argparse keeps the last), which is easy to miss in long scripts.
  const key = flag.keys[0];
  const last = key ? lastFlagFor(r, key) : undefined;
  if (last && last !== flag) parts.push(`_Overridden by ${mdCode(last.spelling)} on line ${last.range.line + 1}._`);
  if (table) parts.push(table);
  if (flag.doc && table) parts.push(mdText(flag.doc));
  const detail: string[] = [];
  const derived = derivedLines(r, flag.keys, detail);
  // One line, not a list: the hover has little height.
  if (derived.length) parts.push(derived.map(mdText).join(' · '));
  if (detail.length) parts.push(detail.map(mdText).join(' · '));
  return parts.join('\n\n');
}

/**
 * Hover on the launch line's entry script: the dialect, what decided it, every piece of evidence with its weight,
 * how to override it, and what the launch runs (the script kind). The evidence quotes file text, so it is escaped like everything else here.
 */
export function dialectHoverMarkdown(d: EntryHover): string {
  const parts = [`**Dialect:** ${mdText(dialectSummary(d))}`];
  if (d.evidence.length) {
    const rows = d.evidence.map(
      (e, i) =>
        `- ${mdCode(e.dialect)} ← ${mdText(evidenceLabel(e))}, weight ${e.weight}${i === d.decidedBy ? ' (decided)' : ''}`,
    );
    parts.push(`Evidence:\n\n${rows.join('\n')}`);
  }
  parts.push(
    `_Override with the ${mdCode('scheduleInspector.dialect')} setting or a ${mdCode('# schedule-inspector: dialect=<id>')} comment._`,
  );
  // What the launch runs, after the dialect's own evidence so the list above stays the dialect's.
  if (d.scriptKind) parts.push(`**Kind:** ${mdText(scriptKindSummary(d.scriptKind))}`);
  return parts.join('\n\n');
}
