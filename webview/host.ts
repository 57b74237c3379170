// The webview reaches its host only through this seam (GitLens' HostContext idea): inside VS Code it wraps
// acquireVsCodeApi(); in the standalone report there is no host, and the data comes from an inline JSON block.
// UI code never calls acquireVsCodeApi or postMessage itself, which is what lets the tests fake the host.
import { decodeReportMessages } from '../src/protocol/reportData';
import type { WebviewToHost } from '../src/protocol/messages';

export interface HostContext {
  /** False in the standalone report: what-ifs, apply and saving are unavailable there. */
  readonly connected: boolean;
  post(msg: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
  /** Subscribes to raw incoming messages (validated by the caller). */
  onMessage(listener: (data: unknown) => void): void;
}

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

export function createHost(): HostContext {
  if (typeof acquireVsCodeApi === 'function') {
    // acquireVsCodeApi may be called once per page load; keep the handle here and nowhere else.
    const api = acquireVsCodeApi();
    return {
      connected: true,
      post: (msg) => api.postMessage(msg),
      getState: () => api.getState(),
      setState: (s) => api.setState(s),
      onMessage: (listener) => window.addEventListener('message', (e: MessageEvent) => listener(e.data)),
    };
  }
  let state: unknown;
  return {
    connected: false,
    post: () => undefined,
    getState: () => state,
    setState: (s) => {
      state = s;
    },
    onMessage: (listener) => {
      const block = document.getElementById('si-report-data');
      const messages = block?.textContent ? safeDecode(block.textContent) : [];
      // Delivered asynchronously, as a real host would, so the app is fully built before the first message.
      setTimeout(() => {
        for (const m of messages) listener(m);
      }, 0);
      window.addEventListener('message', (e: MessageEvent) => {
        if (e.source === window) listener(e.data);
      });
    },
  };
}

function safeDecode(text: string): unknown[] {
  try {
    return decodeReportMessages(text);
  } catch {
    return [];
  }
}
