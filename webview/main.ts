// Webview entry (bundled by esbuild to dist/webview/main.js). Runs inside VS Code, or standalone in the HTML
// report, where acquireVsCodeApi does not exist and the data is inlined (see host.ts).
import { App } from './app';
import { createHost } from './host';

declare global {
  interface Window {
    /** Handle for tests, the bench and the developer console; exposes no capability the page lacks anyway. */
    __scheduleInspector?: App;
  }
}

const root = document.getElementById('app') ?? document.body;
window.__scheduleInspector = new App(root, createHost());
