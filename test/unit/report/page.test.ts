import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPageHtml, contentSecurityPolicy, createNonce } from '../../../src/report/page';

const webview = {
  kind: 'webview' as const,
  nonce: 'abc123+/=',
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/main.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/webview.css',
};

test('the panel CSP is exactly the strict policy', () => {
  const html = buildPageHtml(webview);
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(meta, 'no CSP meta tag');
  assert.equal(
    meta[1],
    "default-src 'none'; img-src https://file+.vscode-resource.vscode-cdn.net blob: data:; style-src https://file+.vscode-resource.vscode-cdn.net 'nonce-abc123+/='; font-src https://file+.vscode-resource.vscode-cdn.net; script-src 'nonce-abc123+/='",
  );
  assert.equal(meta[1], contentSecurityPolicy(webview));
  assert.ok(!html.includes('unsafe-inline') && !html.includes('unsafe-eval'));
});

test('every script in the panel carries the nonce and the page loads nothing else', () => {
  const html = buildPageHtml(webview);
  const scripts = html.match(/<script[^>]*>/g) ?? [];
  assert.equal(scripts.length, 1);
  assert.equal(scripts[0], `<script nonce="abc123+/=" src="${webview.scriptUri}">`);
  assert.deepEqual(html.match(/(?:src|href)="[^"]*"/g), [`href="${webview.styleUri}"`, `src="${webview.scriptUri}"`]);
  assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<link'), 'CSP must come before any resource');
});

test('the standalone report inlines only nonce-d code and escapes its closing tags', () => {
  const html = buildPageHtml({
    kind: 'standalone',
    nonce: 'n0nce',
    title: '<b>x</b>',
    scriptText: 'var s = "</script><img src=x>";',
    styleText: 'a{}</style>',
    dataJson: '[]',
  });
  const meta = /content="([^"]*)">/.exec(html)![1];
  assert.equal(meta, "default-src 'none'; img-src blob: data:; style-src 'nonce-n0nce'; script-src 'nonce-n0nce'");
  assert.ok(!html.includes('"</script><img'));
  assert.ok(html.includes('<title>&lt;b&gt;x&lt;/b&gt;</title>'));
  assert.equal((html.match(/<script nonce="n0nce">/g) ?? []).length, 1);
});

test('nonces are 128-bit random base64', () => {
  const a = createNonce();
  const b = createNonce();
  assert.notEqual(a, b);
  assert.equal(Buffer.from(a, 'base64').length, 16);
});
