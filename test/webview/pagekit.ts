// Browser-side helper injected into test pages before the app loads: decodes payloads the runner sends as
// JSON strings (Playwright cannot pass ArrayBuffers into the page) and delivers them as the host would.
import { decodeReportMessages } from '../../src/protocol/reportData';

declare global {
  interface Window {
    __testkit: { deliver(json: string): number };
  }
}

window.__testkit = {
  deliver(json: string): number {
    const messages = decodeReportMessages(json);
    for (const m of messages) window.postMessage(m, '*');
    return messages.length;
  },
};
