// Browser-side helper injected into test pages before the app loads: decodes payloads the runner sends as
// JSON strings (Playwright cannot pass ArrayBuffers into the page) and delivers them as the host would.
import { decodeReportMessages } from '../../src/protocol/reportData';

declare global {
  interface Window {
    __testkit: { deliver(json: string): number; prepare(json: string): number; postPrepared(): void };
  }
}

let prepared: unknown[] = [];
window.__testkit = {
  /** Decodes now and posts later, so a benchmark times the host → webview path and not the base64 decoding. */
  prepare(json: string): number {
    prepared = decodeReportMessages(json);
    return prepared.length;
  },
  postPrepared(): void {
    for (const m of prepared) window.postMessage(m, '*');
  },
  deliver(json: string): number {
    const messages = decodeReportMessages(json);
    for (const m of messages) window.postMessage(m, '*');
    return messages.length;
  },
};
