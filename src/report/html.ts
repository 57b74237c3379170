// The standalone HTML report (`schedule-inspector analyze FILE --report OUT.html`, and `npm run demo`): the
// same webview bundle and stylesheet as the panel, inlined with the analysis, so it opens in any browser
// without VS Code. No vscode import.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AnalysisResult } from '../core/analyze';
import type { ChromeTrace } from '../core/logs/chromeTrace';
import type { LogComparison } from '../core/logs/compare';
import { SCHEDULE_NAMES, type ScheduleName } from '../core/types';
import type { MeasuredPayload } from '../protocol/measured';
import { buildMeasuredMemory, buildMeasuredSpans, buildMeasuredStep } from '../protocol/measuredPayload';
import { PROTOCOL_VERSION, SWEEP_SPLITS, type HostToWebview } from '../protocol/messages';
import { buildAnalysisMessage } from '../protocol/payload';
import { encodeReportMessages } from '../protocol/reportData';
import { buildPageHtml, createNonce } from './page';
import { sweepSplits, type WhatIfRunner } from './sweep';

/** Finds the built webview bundle and stylesheet from wherever this module runs (dist/cli.js, out/, tests). */
export function findWebviewAssets(start: string): { script: string; style: string } | null {
  let dir = start;
  for (let up = 0; up < 5; up++) {
    const script = join(dir, 'dist', 'webview', 'main.js');
    const style = join(dir, 'media', 'webview.css');
    if (existsSync(script) && existsSync(style)) return { script, style };
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

export function buildReportHtml(
  result: AnalysisResult,
  opts: {
    fileName: string;
    assets: { script: string; style: string };
    whatIf?: WhatIfRunner;
    /** What `--log` / `--profile` measured (reportMeasured), drawn as the panel draws it. */
    measured?: MeasuredPayload | null;
  },
): string {
  const analysis = buildAnalysisMessage(result, {
    fileName: opts.fileName,
    overrides: {},
    canApply: false,
    canWhatIf: false,
  });
  // The same header member the panel fills, so the page's guard (isMeasuredPayload) checks it the same way.
  if (opts.measured) analysis.header.measured = opts.measured;
  const messages: HostToWebview[] = [analysis];
  const family = sweepFamily(result);
  if (opts.whatIf && family) {
    // requestId 0 is the id the standalone page expects: it never sends a request of its own.
    messages.push({
      type: 'sweep',
      protocolVersion: PROTOCOL_VERSION,
      requestId: 0,
      schedule: family,
      points: sweepSplits(opts.whatIf, family, SWEEP_SPLITS),
    });
  }
  return buildPageHtml({
    kind: 'standalone',
    nonce: createNonce(),
    title: `Schedule Inspector — ${opts.fileName}`,
    scriptText: readFileSync(opts.assets.script, 'utf8'),
    styleText: readFileSync(opts.assets.style, 'utf8'),
    dataJson: encodeReportMessages(messages),
  });
}

/** The Seq1F1B-family schedule the sweep varies k for: the selected one if it is in the family. */
function sweepFamily(result: AnalysisResult): ScheduleName | null {
  const sel = result.selectedSchedule;
  if (sel && sel.startsWith('seq1f1b')) return sel;
  return (
    SCHEDULE_NAMES.find((n) => n === 'seq1f1b' && result.schedules[n]) ?? (result.schedules.seq1f1b ? 'seq1f1b' : null)
  );
}

/**
 * The measured part of the report's analysis header, from what the CLI read: the log's steady step time and
 * per-stage peaks, and the profiler traces' spans aligned on the simulated timeline — the builders the panel's host
 * uses (protocol/measuredPayload.ts). Null when nothing measured reaches the page.
 */
export function reportMeasured(
  result: AnalysisResult,
  log: { name: string; comparison: LogComparison } | null,
  traces: readonly { name: string; trace: ChromeTrace }[],
): MeasuredPayload | null {
  const spans = traces.length ? buildMeasuredSpans(result, traces) : null;
  const memory = log ? buildMeasuredMemory(log.name, log.comparison.memory, result.config.pipelineParallel ?? 1) : null;
  const step = log ? buildMeasuredStep(log.name, log.comparison, result.selectedSchedule) : null;
  return spans || memory || step ? { spans, memory, step } : null;
}
