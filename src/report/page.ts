// The one place that builds the webview HTML, for the VS Code panel and for the standalone report, with the CSP
// that makes the page safe to show workspace-derived data: nothing loads or runs unless we put it there.
// Lives in report/ (Node only, no vscode) so the panel host, the CLI report and the unit test (which asserts the exact
// policy) share it without the CLI importing the panel.
/**
 * 128 random bits per page load; `Math.random` nonces (as in the samples) are guessable. Web Crypto, not
 * node:crypto: Node ≥ 18 and the web worker extension host (vscode.dev) both have it, so the panel builds its page
 * on either host.
 */
export function createNonce(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

export type PageAssets =
  | {
      kind: 'webview';
      nonce: string;
      /** `webview.cspSource`: the origin VS Code serves local resources from. */
      cspSource: string;
      /** `asWebviewUri` of dist/webview/main.js and media/webview.css. */
      scriptUri: string;
      styleUri: string;
    }
  | {
      kind: 'standalone';
      nonce: string;
      title: string;
      scriptText: string;
      styleText: string;
      /** Output of encodeReportMessages (already escaped for a JSON script block). */
      dataJson: string;
    };

/**
 * The Content-Security-Policy of the page.
 * - `default-src 'none'`: no fetch, frame, worker, media or object of any kind.
 * - scripts only with this load's nonce: no inline handlers, no eval, no other file even from cspSource.
 * - styles only from the extension's own files, or a <style> element carrying this load's nonce; no
 *   'unsafe-inline'. chart.js 4 sizes canvases through CSSOM and the toolkit's FAST elements use constructable
 *   stylesheets, which style-src does not restrict; but FAST probes `:focus-visible` support by inserting a
 *   <style> element, which it stamps with the nonce it finds in <meta property="csp-nonce"> — hence the nonce
 *   in style-src and that meta tag. The report inlines its stylesheet under the same nonce.
 *   The webview test fails on any CSP violation, so a new inline style would be caught.
 * - images from our files plus blob:/data: for the canvas PNG export.
 */
export function contentSecurityPolicy(a: PageAssets): string {
  if (a.kind === 'webview') {
    return [
      "default-src 'none'",
      `img-src ${a.cspSource} blob: data:`,
      `style-src ${a.cspSource} 'nonce-${a.nonce}'`,
      `font-src ${a.cspSource}`,
      `script-src 'nonce-${a.nonce}'`,
    ].join('; ');
  }
  return [
    "default-src 'none'",
    'img-src blob: data:',
    `style-src 'nonce-${a.nonce}'`,
    `script-src 'nonce-${a.nonce}'`,
  ].join('; ');
}

export function buildPageHtml(a: PageAssets): string {
  const csp = contentSecurityPolicy(a);
  const nonce = escapeAttr(a.nonce);
  const head =
    a.kind === 'webview'
      ? `<link rel="stylesheet" href="${escapeAttr(a.styleUri)}">`
      : `<style nonce="${nonce}">${a.styleText.replace(/<\/style/gi, '<\\/style')}</style>`;
  const title = a.kind === 'webview' ? 'Schedule Inspector' : escapeText(a.title);
  const body =
    a.kind === 'webview'
      ? `<script nonce="${nonce}" src="${escapeAttr(a.scriptUri)}"></script>`
      : // A JSON data block is never executed; the report's script reads it with textContent.
        `<script type="application/json" id="si-report-data">${a.dataJson}</script>\n<script nonce="${nonce}">${a.scriptText.replace(/<\/script/gi, '<\\/script')}</script>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta property="csp-nonce" content="${nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
${head}
</head>
<body>
<div id="app"></div>
${body}
</body>
</html>
`;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
