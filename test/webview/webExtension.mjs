// The web extension (package.json `browser`, dist/web/extension.js) in headless Debian Chromium: the production
// bundle is loaded in a Web Worker the way VS Code's web worker extension host loads it (CommonJS, `require` gives
// `vscode` and nothing else), against a stub VS Code API (vscodeStub.cjs). It activates, opens the example launch
// script from a GitHub-like virtual workspace, and reports what a user would see; the same scenario runs the desktop
// bundle (dist/extension.js + its lazy dist/core.js) in Node. The checks:
// - both runtimes show the same diagnostics, hover, inlay hints, code lenses, status bar, quick fixes and panel data;
// - those numbers are the core's: analyze() of the same text, run here in Node;
// - the timeline panel works from the web host: its page has a per-load nonce from Web Crypto, and the analysis it
//   posts renders in the real webview bundle (screenshots test/artifacts/web-extension-panel-{dark,light}.png).
// Prints one line per test and `N passed, N failed`; exit code non-zero when anything failed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildBundles, initScript, launch, repo, runTests, serve, THEMES, writeWebviewPage } from './lib.mjs';
import { nextFrames } from '../support/webviewPixels.mjs';

const require = createRequire(import.meta.url);
const { runScenario } = require('./vscodeStub.cjs');
const artifacts = join(repo, 'test/artifacts');
mkdirSync(artifacts, { recursive: true });

const EXAMPLE = 'media/examples/seq1f1b-30b-64k.sh';
const example = readFileSync(join(repo, EXAMPLE), 'utf8');
const input = { example, extensionFiles: { [EXAMPLE]: example } };

// The production bundles, as the VSIX ships them (esbuild.mjs fails this build if the web bundle needs Node).
const { dir, harness } = await buildBundles();
const build = spawnSync(process.execPath, ['esbuild.mjs', '--production', `--outdir=${join(dir, 'dist')}`], {
  cwd: repo,
  encoding: 'utf8',
});
if (build.status !== 0) throw new Error(`esbuild.mjs --production failed:\n${build.stderr}`);
copyFileSync(join(repo, 'test/webview/vscodeStub.cjs'), join(dir, 'vscodeStub.js'));
// The worker: VS Code's web worker extension host evaluates the bundle as CommonJS with a `require` that knows
// only `vscode`; importScripts with those names in scope does the same without eval.
writeFileSync(
  join(dir, 'worker.js'),
  `self.module = { exports: {} };
importScripts('vscodeStub.js');
const scenario = self.module.exports.runScenario;
self.onmessage = async (e) => {
  try {
    const report = await scenario((vscode) => {
      self.module = { exports: {} };
      self.exports = self.module.exports;
      self.require = (id) => {
        if (id === 'vscode') return vscode;
        throw new Error("require('" + id + "') is not available in the web extension host");
      };
      importScripts('dist/web/extension.js');
      return self.module.exports;
    }, e.data);
    postMessage({ report, hasNode: typeof process !== 'undefined' || typeof Buffer !== 'undefined' });
  } catch (err) {
    postMessage({ error: String((err && err.stack) || err) });
  }
};
`,
);
writeFileSync(join(dir, 'host.html'), '<!doctype html><title>web extension host</title>');
const server = await serve(dir);
const browser = await launch();

/** The scenario in a Chromium Web Worker against the web bundle. */
async function runInWorker() {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${server.origin}/host.html`);
  const out = await page.evaluate(
    (data) =>
      new Promise((resolve) => {
        const worker = new Worker('worker.js');
        worker.onerror = (e) => resolve({ error: `worker error: ${e.message}` });
        worker.onmessage = (e) => resolve(e.data);
        worker.postMessage(data);
      }),
    input,
  );
  await page.close();
  assert.deepEqual(errors, []);
  if (out.error) throw new Error(out.error);
  return out;
}

/** The same scenario in Node against the desktop bundle (its `require('vscode')` answered by the stub). */
async function runDesktop() {
  const Module = require('node:module');
  const load = Module._load;
  let stubVscode;
  Module._load = function (request, ...rest) {
    return request === 'vscode' ? stubVscode : load.call(this, request, ...rest);
  };
  try {
    return await runScenario((vscode) => {
      stubVscode = vscode;
      return require(join(dir, 'dist', 'extension.js'));
    }, input);
  } finally {
    Module._load = load;
  }
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

const web = await runInWorker();
const desktop = await runDesktop();
const core = harness.analyze(example, { fileName: 'pretrain_seq1f1b.sh' });
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
console.log(
  `  analyses: web worker median ${median(web.report.analysedMs)} ms (max ${Math.max(...web.report.analysedMs)}), ` +
    `Node median ${median(desktop.analysedMs)} ms (max ${Math.max(...desktop.analysedMs)}), ` +
    `${web.report.analysedMs.length} each`,
);

test('the web bundle activates in a worker without Node and names its host', () => {
  assert.equal(web.hasNode, false, 'the worker must not have Node globals, or this test proves nothing');
  assert.equal(web.report.activated, true);
  const activation = web.report.log.filter((l) => /^activated/.test(l.msg)).map((l) => l.msg);
  assert.equal(activation.length, 1);
  assert.match(activation[0], /^activated \(web extension host, /);
  assert.match(desktop.log.find((l) => /^activated/.test(l.msg)).msg, /^activated \(desktop extension host, /);
  // Nothing failed on the way: no error or warning in the log, no error message to the user.
  assert.deepEqual(
    web.report.log.filter((l) => l.level !== 'info'),
    [],
  );
  assert.deepEqual(
    web.report.messages.filter((m) => m.level === 'error'),
    [],
  );
});

test('the web and desktop bundles show the same diagnostics, hints, lenses, status bar, quick fixes and panel data', () => {
  const { log: webLog, analysedMs: _w, ...w } = web.report;
  const { log: desktopLog, analysedMs: _d, ...d } = desktop;
  assert.equal(webLog.length, desktopLog.length);
  // The nonce is random per page load; the policy around it is the same.
  assert.notEqual(w.panel.nonce, d.panel.nonce);
  const noNonce = (r) => ({ ...r, panel: { ...r.panel, nonce: undefined } });
  // Hover what-if rows stop at a 400 ms budget (editor/whatIf.ts), so a loaded machine may cut the table at a
  // different row in one runtime: everything above the table is compared exactly, the table's first rows below.
  const untabled = (r) => ({
    ...r,
    see: { ...r.see, hovers: r.see.hovers.map((h) => ({ ...h, markdown: h.markdown.split('\n|')[0] })) },
  });
  assert.deepEqual(untabled(noNonce(w)), untabled(noNonce(d)));
  const table = (r) => r.see.hovers[0].markdown.split('\n').filter((l) => l.startsWith('|'));
  assert.deepEqual(table(w).slice(0, 3), table(d).slice(0, 3));
});

test('diagnostics, inlay hints and the code lens carry the numbers of the core run in Node', () => {
  const see = web.report.see;
  assert.ok(core.isLaunchConfig);
  assert.deepEqual(
    see.diagnostics.map((x) => [x.code, x.message, x.range]),
    core.diagnostics.map((x) => [
      x.code,
      x.message,
      [x.range.line, x.range.column, x.range.endLine, x.range.endColumn],
    ]),
  );
  const c = core.config;
  assert.equal(c.pipelineParallel, 8);
  const labels = see.hints.map((h) => h.label);
  assert.ok(labels.includes(`DP=${c.dataParallel} · ${c.numMicrobatches} microbatches`), labels.join(' | '));
  assert.ok(labels.includes(`chunks ${core.partition.lengths.join('·')}`), labels.join(' | '));
  const bubble = core.schedules[core.selectedSchedule].bubbleFraction;
  assert.ok(labels.includes(`bubble ${(bubble * 100).toFixed(1)} %`), labels.join(' | '));
  // The lens: the configured schedule, its step time and its bubble, as the core computed them.
  const [summary, timeline, compare] = see.lenses;
  assert.match(summary.title, new RegExp(`bubble ${(bubble * 100).toFixed(1)} %`));
  // The step time as shown (e.g. "41.58 s/step"), read back and compared to the last digit it shows.
  const shown = /([\d.]+) (ms|s)\/step/.exec(summary.title);
  assert.ok(shown, summary.title);
  const digits = shown[1].split('.')[1]?.length ?? 0;
  const shownMs = Number(shown[1]) * (shown[2] === 's' ? 1000 : 1);
  const halfLastDigitMs = 0.5 * 10 ** -digits * (shown[2] === 's' ? 1000 : 1);
  const stepMs = core.schedules[core.selectedSchedule].stepTimeMs;
  assert.ok(Math.abs(shownMs - stepMs) <= halfLastDigitMs + 1e-9, `${summary.title} vs ${stepMs} ms`);
  assert.deepEqual(
    [summary.command, timeline.command, compare.command],
    ['scheduleInspector.analyze', 'scheduleInspector.openTimeline', 'scheduleInspector.compareSchedules'],
  );
  assert.equal(see.status.visible, true);
  assert.match(see.status.text, /^\$\(pulse\) /);
});

test('the hover on --pipeline-model-parallel-size explains the flag and tables what-ifs of p', () => {
  const [hover] = web.report.see.hovers;
  assert.ok(hover, 'no hover');
  assert.equal(hover.trusted, false);
  const line = example.split('\n').findIndex((l) => l.includes('--pipeline-model-parallel-size'));
  assert.equal(hover.range[0], line);
  assert.match(hover.markdown, /pipeline-model-parallel-size/);
  // The resolved value and where it comes from (PP=8 through $PP).
  assert.match(hover.markdown, /\b8\b/);
  assert.match(hover.markdown, /PP/);
  assert.match(hover.markdown, /\| p \(PP\)/);
});

test('an OOM gets its quick fix on the web, and the fix removes it', () => {
  const r = web.report;
  assert.ok(r.oom, 'PP_SP=1 should make stage 0 run out of memory (media/walkthrough/oom.md)');
  assert.equal(r.oom.code, 'oom-risk');
  assert.ok(r.oomActions.length >= 1);
  assert.ok(r.oomActions.every((a) => a.edits.length > 0));
  assert.ok(!r.afterFix.codes.includes('oom-risk'), r.afterFix.codes.join(', '));
  assert.match(r.afterFix.lens, /^\$\(pulse\) /);
});

test('the timeline panel from the web host: CSP with a Web Crypto nonce, analysis posted, trace and PNG saved', () => {
  const p = web.report.panel;
  assert.equal(p.viewType, 'scheduleInspector.timeline');
  assert.match(p.nonce, /^[A-Za-z0-9+/]{22}==$/, '128 random bits, base64');
  assert.match(p.csp, /script-src 'nonce-NONCE'/);
  assert.match(p.csp, /^default-src 'none'/);
  const analysis = p.posted.find((m) => m.type === 'analysis');
  assert.ok(analysis, p.posted.map((m) => m.type).join(', '));
  assert.equal(analysis.header.selectedSchedule, core.selectedSchedule);
  const sel = analysis.header.schedules.find((s) => s.schedule === core.selectedSchedule);
  assert.equal(sel.stepTimeMs, core.schedules[core.selectedSchedule].stepTimeMs);
  assert.ok(p.traceBytes > 1000, `trace of ${p.traceBytes} bytes`);
  assert.deepEqual(p.pngBytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
  assert.ok(
    p.notices.some((n) => /^Trace saved/.test(n)),
    p.notices.join(' | '),
  );
});

test('Open Example reads the bundled script through workspace.fs on the web', () => {
  const e = web.report.example;
  assert.match(e.uri, /^untitled:/);
  assert.equal(e.languageId, 'shellscript');
  assert.equal(e.lines, example.split('\n').length);
  assert.equal(e.lens, web.report.see.lenses[0].title);
});

test('the analysis the web host posted renders in the real webview, light and dark', async () => {
  const analysis = web.report.panel.posted.find((m) => m.type === 'analysis');
  const panelUrl = writeWebviewPage(dir, harness, server.origin);
  for (const theme of ['dark', 'light']) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.addInitScript(initScript, { themes: THEMES, initialTheme: theme, fakeVsCode: true });
    await page.addInitScript(readFileSync(join(dir, 'pagekit.js'), 'utf8'));
    await page.goto(panelUrl);
    await page.waitForFunction(() => window.__posted.length > 0);
    await page.evaluate((json) => window.__testkit.deliver(json), JSON.stringify([analysis]));
    await page.waitForFunction(() => window.__scheduleInspector?.timeline.frames > 0);
    await nextFrames(page);
    const summary = await page.locator('.si-summary').textContent();
    assert.match(summary, /ops/);
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    await page.screenshot({ path: join(artifacts, `web-extension-panel-${theme}.png`) });
    assert.deepEqual(errors, []);
    await context.close();
  }
});

const { passed, failed } = await runTests(tests);
await browser.close();
await server.close();
rmSync(dir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
