// Shared by the webview runner and the bench: bundles the app and the helpers with esbuild into a temp dir,
// serves that dir over loopback HTTP (real origin, so the CSP applies exactly as written), and launches the
// system Chromium through playwright-core. Never downloads a browser.
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(repo, 'package.json'));
const esbuild = require('esbuild');
const { chromium } = require('playwright-core');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function buildBundles({ minify = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'si-webview-'));
  await esbuild.build({
    entryPoints: [join(repo, 'webview/main.ts')],
    outfile: join(dir, 'main.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    logLevel: 'error',
    minify,
  });
  await esbuild.build({
    entryPoints: [join(repo, 'test/webview/pagekit.ts')],
    outfile: join(dir, 'pagekit.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    logLevel: 'error',
  });
  await esbuild.build({
    entryPoints: [join(repo, 'test/webview/harness.ts')],
    outfile: join(dir, 'harness.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    logLevel: 'error',
  });
  writeFileSync(join(dir, 'webview.css'), readFileSync(join(repo, 'media/webview.css')));
  const harness = require(join(dir, 'harness.cjs'));
  return { dir, harness };
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };

export async function serve(dir) {
  const server = createServer((req, res) => {
    if (req.url === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const name = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
    const file = join(dir, name);
    if (!file.startsWith(dir) || name.includes('..') || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, close: () => new Promise((ok) => server.close(ok)) };
}

export async function launch() {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`${CHROMIUM_PATH} not found; run scripts/setup-vscode-host.sh (never download a browser)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** The page VS Code would load: the same HTML builder, with the test server as the webview resource origin. */
export function writeWebviewPage(dir, harness, origin, name = 'panel.html') {
  const html = harness.buildPageHtml({
    kind: 'webview',
    nonce: 'dGVzdG5vbmNlMTIzNDU2Nw==',
    cspSource: origin,
    scriptUri: `${origin}/main.js`,
    styleUri: `${origin}/webview.css`,
  });
  writeFileSync(join(dir, name), html);
  return `${origin}/${name}`;
}

/** Theme variables as VS Code sets them on <html>, for the two built-in themes the screenshots use. */
export const THEMES = {
  dark: {
    kind: 'vscode-dark',
    vars: {
      'editor-background': '#1e1e1e',
      'editor-foreground': '#d4d4d4',
      'charts-blue': '#3794ff',
      'charts-green': '#89d185',
      'charts-purple': '#b180d7',
      'charts-orange': '#d18616',
      'charts-red': '#f14c4c',
      'charts-yellow': '#cca700',
      'editorWarning-foreground': '#cca700',
      'editorWidget-border': '#454545',
      foreground: '#cccccc',
      descriptionForeground: '#ccccccb3',
      'font-family': 'sans-serif',
      'font-size': '13px',
      focusBorder: '#007fd4',
      'button-background': '#0e639c',
      'button-foreground': '#ffffff',
      'button-secondaryBackground': '#2a2d2e',
      'button-secondaryForeground': '#cccccc',
      'dropdown-background': '#3c3c3c',
      'dropdown-foreground': '#f0f0f0',
      'dropdown-border': '#3c3c3c',
      'input-background': '#3c3c3c',
      'input-foreground': '#cccccc',
      'panelTitle-activeForeground': '#e7e7e7',
      'panelTitle-activeBorder': '#e7e7e7',
      'panelTitle-inactiveForeground': '#e7e7e799',
      'editorHoverWidget-background': '#252526',
      'editorHoverWidget-border': '#454545',
      'list-inactiveSelectionBackground': '#37373d',
    },
  },
  light: {
    kind: 'vscode-light',
    vars: {
      'editor-background': '#ffffff',
      'editor-foreground': '#000000',
      'charts-blue': '#1a85ff',
      'charts-green': '#388a34',
      'charts-purple': '#652d90',
      'charts-orange': '#d18616',
      'charts-red': '#e51400',
      'charts-yellow': '#bf8803',
      'editorWarning-foreground': '#bf8803',
      'editorWidget-border': '#c8c8c8',
      foreground: '#616161',
      descriptionForeground: '#717171',
      'font-family': 'sans-serif',
      'font-size': '13px',
      focusBorder: '#0090f1',
      'button-background': '#007acc',
      'button-foreground': '#ffffff',
      'button-secondaryBackground': '#f0f0f0',
      'button-secondaryForeground': '#616161',
      'dropdown-background': '#ffffff',
      'dropdown-foreground': '#616161',
      'dropdown-border': '#cecece',
      'input-background': '#ffffff',
      'input-foreground': '#616161',
      'panelTitle-activeForeground': '#424242',
      'panelTitle-activeBorder': '#424242',
      'panelTitle-inactiveForeground': '#424242bf',
      'editorHoverWidget-background': '#f3f3f3',
      'editorHoverWidget-border': '#c8c8c8',
      'list-inactiveSelectionBackground': '#e4e6f1',
    },
  },
  // The two high-contrast themes, from VS Code 1.139's colour registry (hcDark / hcLight), as the webview receives
  // them: charts.orange and list.inactiveSelectionBackground are null there, so VS Code sets no variable for them.
  hc: {
    kind: 'vscode-high-contrast',
    vars: {
      'editor-background': '#000000',
      'editor-foreground': '#ffffff',
      'charts-blue': '#59a4f9',
      'charts-green': '#89d185',
      'charts-purple': '#b180d7',
      'charts-red': '#f48771',
      'charts-yellow': '#ffd370',
      'editorWarning-foreground': '#ffd370',
      'editorWidget-border': '#6fc3df',
      contrastBorder: '#6fc3df',
      contrastActiveBorder: '#f38518',
      foreground: '#ffffff',
      descriptionForeground: '#ffffffb3',
      'font-family': 'sans-serif',
      'font-size': '13px',
      focusBorder: '#f38518',
      'button-background': '#000000',
      'button-foreground': '#ffffff',
      'button-border': '#6fc3df',
      'button-secondaryForeground': '#ffffff',
      'dropdown-background': '#000000',
      'dropdown-foreground': '#ffffff',
      'dropdown-border': '#6fc3df',
      'input-background': '#000000',
      'input-foreground': '#ffffff',
      'input-border': '#6fc3df',
      'panelTitle-activeForeground': '#ffffff',
      'panelTitle-activeBorder': '#6fc3df',
      'panelTitle-inactiveForeground': '#ffffff',
      'editorHoverWidget-background': '#0c141f',
      'editorHoverWidget-border': '#6fc3df',
    },
  },
  hcLight: {
    kind: 'vscode-high-contrast-light',
    vars: {
      'editor-background': '#ffffff',
      'editor-foreground': '#292929',
      'charts-blue': '#0063d3',
      'charts-green': '#374e06',
      'charts-purple': '#652d90',
      'charts-red': '#b5200d',
      'charts-yellow': '#895503',
      'editorWarning-foreground': '#895503',
      'editorWidget-border': '#0f4a85',
      contrastBorder: '#0f4a85',
      contrastActiveBorder: '#006bbd',
      foreground: '#292929',
      descriptionForeground: '#292929b3',
      'font-family': 'sans-serif',
      'font-size': '13px',
      focusBorder: '#006bbd',
      'button-background': '#0f4a85',
      'button-foreground': '#ffffff',
      'button-border': '#0f4a85',
      'button-secondaryBackground': '#ffffff',
      'button-secondaryForeground': '#292929',
      'dropdown-background': '#ffffff',
      'dropdown-foreground': '#292929',
      'dropdown-border': '#0f4a85',
      'input-background': '#ffffff',
      'input-foreground': '#292929',
      'input-border': '#0f4a85',
      'panelTitle-activeForeground': '#292929',
      'panelTitle-activeBorder': '#b5200d',
      'panelTitle-inactiveForeground': '#292929',
      'editorHoverWidget-background': '#ffffff',
      'editorHoverWidget-border': '#0f4a85',
      'list-inactiveSelectionBackground': '#0f4a851a',
    },
  },
};

/**
 * Runs in the page before any page script (addInitScript bypasses the CSP, like VS Code's own preload):
 * a fake acquireVsCodeApi that records posts and state, a CSP-violation recorder, and the theme switcher.
 */
export function initScript({ themes, initialTheme, savedState, fakeVsCode }) {
  window.__posted = [];
  window.__cspViolations = [];
  window.__stateWrites = 0;
  document.addEventListener('securitypolicyviolation', (e) =>
    window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
  );
  if (fakeVsCode) {
    let state = savedState;
    let acquired = false;
    window.acquireVsCodeApi = () => {
      if (acquired) throw new Error('acquireVsCodeApi called twice');
      acquired = true;
      return {
        postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
        getState: () => state,
        setState: (s) => {
          state = JSON.parse(JSON.stringify(s));
          window.__stateWrites++;
          window.__savedState = state;
        },
      };
    };
  }
  window.__setTheme = (name) => {
    const t = themes[name];
    // CSSOM, as VS Code does: a style attribute written as markup would be (rightly) blocked by our CSP.
    const apply = () => {
      for (const [k, v] of Object.entries(t.vars)) document.documentElement.style.setProperty(`--vscode-${k}`, v);
      document.body.classList.remove(
        'vscode-dark',
        'vscode-light',
        'vscode-high-contrast',
        'vscode-high-contrast-light',
      );
      document.body.classList.add(t.kind);
      document.body.setAttribute('data-vscode-theme-kind', t.kind);
    };
    if (document.body && document.documentElement) apply();
    else document.addEventListener('DOMContentLoaded', apply, { once: true });
  };
  if (initialTheme) window.__setTheme(initialTheme);
}

/**
 * Runs browser tests one after another and prints `ok`/`FAIL` per test (a failure with the top of its stack) and
 * `N passed, N failed` last; WEBVIEW_GREP=<substring> runs only the tests whose name contains it. Sets the exit
 * code; the caller closes what it opened.
 */
export async function runTests(tests) {
  let passed = 0;
  let failed = 0;
  const grep = process.env.WEBVIEW_GREP;
  for (const t of tests.filter((x) => !grep || x.name.includes(grep))) {
    try {
      await t.fn();
      passed++;
      console.log(`  ok  ${t.name}`);
    } catch (err) {
      failed++;
      console.log(
        `  FAIL ${t.name}\n       ${String(err?.stack ?? err)
          .split('\n')
          .slice(0, 14)
          .join('\n       ')}`,
      );
    }
  }
  return { passed, failed };
}
