// Host-side handling of webview messages, kept free of vscode so it is unit-tested in Node: every message is
// validated first (isWebviewToHost), anything else is rejected and logged, and the effects go through the
// injected HostEffects. Webview strings never reach a shell or a path: overrides are enums and bounded
// integers, GPU ids are looked up in a fixed table, and file locations come from the user's save dialog.
import type { AnalysisResult } from '../core/analyze';
import { isKnownGpu } from '../core/hardware/gpus';
import type { TextEdit } from '../core/types';
import {
  isWebviewToHost,
  PROTOCOL_VERSION,
  type HostToWebview,
  type WebviewToHost,
  type WhatIfOverrides,
} from '../protocol/messages';
import { buildPerfettoTrace } from '../core/trace/perfetto';
import { fromBase64 } from '../protocol/reportData';
import { sweepSplitsYielding } from '../report/sweep';
import { SUPERSEDED, type SweepGate } from './sweepGate';

/** The 8-byte PNG signature; a "PNG" from the webview that lacks it is not written anywhere. */
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export interface HostLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface HostEffects {
  log: HostLog;
  post(msg: HostToWebview): void;
  /** Analysis of the followed document with what-if overrides (GPU included); undefined when it is gone. */
  analyze(overrides: WhatIfOverrides): AnalysisResult | undefined;
  /** The followed document's text and its current read, for planning edits. */
  documentText(): { text: string; result: AnalysisResult } | undefined;
  planFlagEdit(text: string, read: AnalysisResult, flag: string, value: string): TextEdit[];
  /** Applies edits one flag at a time (each plan is made on the text the previous one left). */
  applyEdits(edits: TextEdit[]): Promise<boolean>;
  /** Asks the user where to save and writes the bytes; resolves to the chosen path or undefined if cancelled. */
  saveFile(kind: 'trace' | 'png', bytes: Uint8Array): Promise<string | undefined>;
  /** Remembers the what-if so live re-analyses keep it. */
  setOverrides(overrides: WhatIfOverrides): void;
  /** The what-if currently shown, so sweeps and exports describe what the user sees. */
  currentOverrides(): WhatIfOverrides;
  /** The panel's sweep gate: one sweep in flight, the newest request wins, starts rate-limited. */
  sweeps: SweepGate;
}

export async function handleWebviewMessage(raw: unknown, fx: HostEffects): Promise<void> {
  if (!isWebviewToHost(raw)) {
    fx.log.warn(`rejected a malformed message from the timeline webview: ${describe(raw)}`);
    return;
  }
  try {
    await dispatch(raw, fx);
  } catch (err) {
    fx.log.error(
      `timeline webview: ${raw.type} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    fx.post({
      type: 'notice',
      protocolVersion: PROTOCOL_VERSION,
      level: 'error',
      text: `${raw.type} failed; see the Schedule Inspector log.`,
    });
  }
}

async function dispatch(msg: WebviewToHost, fx: HostEffects): Promise<void> {
  switch (msg.type) {
    case 'ready':
      // The panel controller answers `ready` itself (it owns the buffering); nothing else to do here.
      return;
    case 'whatIf': {
      if (msg.overrides.gpuId !== undefined && !isKnownGpu(msg.overrides.gpuId)) {
        fx.log.warn(`what-if asked for unknown GPU id (${msg.overrides.gpuId.length} chars); ignored`);
        return;
      }
      fx.setOverrides(msg.overrides);
      return;
    }
    case 'requestSweep': {
      const points = await fx.sweeps.submit((checkpoint) => {
        // Read when the sweep starts, not when it was asked for: a what-if that came meanwhile is what is shown.
        const base = fx.currentOverrides();
        return sweepSplitsYielding(
          (o) => fx.analyze({ ...base, ...o }),
          msg.schedule,
          msg.splits,
          // Yield between points (hovers and code lenses run meanwhile), then stop if a newer request came.
          // setTimeout, not setImmediate: the web worker extension host (vscode.dev) has no setImmediate.
          () => new Promise<void>((r) => setTimeout(r, 0)).then(checkpoint),
        );
      });
      // A newer request is being answered; the webview waits for that one's id, not this one's.
      if (points === SUPERSEDED) return;
      fx.post({
        type: 'sweep',
        protocolVersion: PROTOCOL_VERSION,
        requestId: msg.requestId,
        schedule: msg.schedule,
        points,
      });
      return;
    }
    case 'applyToFile':
      await applyToFile(msg.overrides, fx);
      return;
    case 'exportTrace': {
      const result = fx.analyze(fx.currentOverrides());
      if (!result) return;
      const trace = buildPerfettoTrace(result, msg.schedule);
      const path = await fx.saveFile('trace', new TextEncoder().encode(JSON.stringify(trace)));
      if (path)
        fx.post({
          type: 'notice',
          protocolVersion: PROTOCOL_VERSION,
          level: 'info',
          text: `Trace saved (${trace.traceEvents.length} events). Open it in ui.perfetto.dev.`,
        });
      return;
    }
    case 'savePng': {
      // atob (in fromBase64), not Node's Buffer: this also runs in the web worker extension host.
      const bytes = new Uint8Array(fromBase64(msg.pngBase64));
      if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
        fx.log.warn('rejected a savePng message whose data is not a PNG');
        return;
      }
      await fx.saveFile('png', bytes);
      return;
    }
  }
}

/** Flags the controls map to; the schedule and GPU are not single launch flags, so they are not written. */
async function applyToFile(o: WhatIfOverrides, fx: HostEffects): Promise<void> {
  const doc = fx.documentText();
  if (!doc) return;
  const planned: { flag: string; value: string }[] = [];
  const skipped: string[] = [];
  if (o.splits !== undefined) planned.push({ flag: '--pipe-sp-splits', value: String(o.splits) });
  if (o.strategy !== undefined) planned.push({ flag: '--pipe-sp-strategy', value: o.strategy });
  if (o.microbatches !== undefined) {
    // Megatron derives the microbatch count: m = global batch / (micro batch × data parallel).
    const c = doc.result.config;
    if (c.microBatchSize && c.dataParallel)
      planned.push({ flag: '--global-batch-size', value: String(o.microbatches * c.microBatchSize * c.dataParallel) });
    else skipped.push('microbatches (micro batch size or data-parallel size unknown)');
  }
  if (o.schedule !== undefined) skipped.push('schedule (chosen by k and the VPP flags, not one flag)');
  if (o.gpuId !== undefined) skipped.push('GPU (not part of the launch script)');
  let applied = 0;
  for (const p of planned) {
    // Re-read after each edit: a plan made on the old text could overlap the previous edit.
    const cur = fx.documentText();
    if (!cur) break;
    const edits = fx.planFlagEdit(cur.text, cur.result, p.flag, p.value);
    if (edits.length === 0) continue;
    if (!(await fx.applyEdits(edits))) {
      fx.post({
        type: 'notice',
        protocolVersion: PROTOCOL_VERSION,
        level: 'error',
        text: `Could not edit the file for ${p.flag}.`,
      });
      return;
    }
    applied++;
  }
  // What the file now says is no longer a what-if; only the knobs that could not be written stay overridden.
  const remaining: WhatIfOverrides = {};
  if (o.schedule !== undefined) remaining.schedule = o.schedule;
  if (o.gpuId !== undefined) remaining.gpuId = o.gpuId;
  if (o.microbatches !== undefined && skipped.some((x) => x.startsWith('microbatches')))
    remaining.microbatches = o.microbatches;
  fx.setOverrides(remaining);
  const parts = [
    applied ? `Applied ${applied} change${applied > 1 ? 's' : ''} to the file.` : 'The file already says this.',
  ];
  if (skipped.length) parts.push(`Not written: ${skipped.join('; ')}.`);
  fx.log.info(
    `apply to file: ${planned.map((p) => `${p.flag} ${p.value}`).join(', ') || 'nothing'}; skipped ${skipped.length}`,
  );
  fx.post({ type: 'notice', protocolVersion: PROTOCOL_VERSION, level: 'info', text: parts.join(' ') });
}

/** A short, safe description of a rejected message for the log (type and shape, never its full content). */
function describe(raw: unknown): string {
  if (typeof raw !== 'object' || raw === null) return typeof raw;
  const type = (raw as { type?: unknown }).type;
  return `type=${typeof type === 'string' ? JSON.stringify(type.slice(0, 40)) : typeof type} keys=${Object.keys(raw).slice(0, 8).join(',')}`;
}
