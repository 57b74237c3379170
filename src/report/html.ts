// The standalone HTML report (`schedule-inspector analyze FILE --report OUT.html`, and `npm run demo`): the
// same webview bundle and stylesheet as the panel, inlined with the analysis, so it opens in any browser
// without VS Code. No vscode import.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AnalysisResult } from '../core/analyze';
import { SCHEDULE_NAMES, type ScheduleName } from '../core/types';
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
  opts: { fileName: string; assets: { script: string; style: string }; whatIf?: WhatIfRunner },
): string {
  const messages: HostToWebview[] = [
    buildAnalysisMessage(result, { fileName: opts.fileName, overrides: {}, canApply: false, canWhatIf: false }),
  ];
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
