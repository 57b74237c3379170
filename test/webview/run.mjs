// Webview tests in headless Debian Chromium (playwright-core, never a downloaded browser), with a fake
// acquireVsCodeApi standing in for VS Code. Prints one line per test and then `N passed, N failed` alone on a
// line; the exit code is non-zero when anything failed. Screenshots go to test/artifacts/ (git-ignored).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildBundles, serve, launch, writeWebviewPage, initScript, runTests, THEMES, repo } from './lib.mjs';
import { assertCanvasesDrawn, hex, near, nextFrames, pixelAt } from '../support/webviewPixels.mjs';
import { registerThemeTests } from './themes.mjs';
import { registerMeasuredTests } from './measured.mjs';
import { registerVocabTests } from './vocab.mjs';
import { registerMemoryBreakdownTests } from './memoryBreakdown.mjs';

const artifacts = join(repo, 'test/artifacts');
mkdirSync(artifacts, { recursive: true });

const { dir, harness } = await buildBundles();
const server = await serve(dir);
const browser = await launch();
const pagekit = readFileSync(join(dir, 'pagekit.js'), 'utf8');
const panelUrl = writeWebviewPage(dir, harness, server.origin);

const analysis = harness.synthAnalysis({ stages: 4, microbatches: 8, splits: 2, fileName: 'seq1f1b-example.sh' });
const payload = (result, meta = {}) =>
  harness.encodeReportMessages([
    harness.buildAnalysisMessage(result, {
      fileName: 'seq1f1b-example.sh',
      overrides: {},
      canApply: true,
      canWhatIf: true,
      ...meta,
    }),
  ]);

/** Opens the panel page as VS Code would, delivers the example analysis, and waits for the first paint. */
async function openPanel({
  theme = 'dark',
  savedState,
  deliver = true,
  width = 1280,
  height = 900,
  result = analysis,
} = {}) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 2 });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.addInitScript(initScript, { themes: THEMES, initialTheme: theme, savedState, fakeVsCode: true });
  await page.addInitScript(pagekit);
  await page.goto(panelUrl);
  await page.waitForFunction(() => window.__posted.length > 0);
  if (deliver) {
    await page.evaluate((json) => window.__testkit.deliver(json), payload(result));
    await page.waitForFunction(
      () =>
        window.__scheduleInspector?.timeline.frames > 0 &&
        /ops/.test(document.querySelector('.si-summary')?.textContent ?? ''),
    );
    await nextFrames(page);
  }
  return { page, context, errors };
}

/** CSS-pixel centre of op i of the example's selected schedule, from the app's own geometry and viewport. */
async function opCentre(page, stage, index) {
  const sim = analysis.schedules.seq1f1b.sim;
  const i = sim.stageOffsets[stage] + index;
  const { g, vp } = await page.evaluate(() => ({
    g: window.__scheduleInspector.timeline.geometry(),
    vp: window.__scheduleInspector.timeline.viewport,
  }));
  const scale = g.plotWidthPx / (vp.t1Ms - vp.t0Ms);
  const x = g.plotX0Px + ((sim.start[i] + sim.end[i]) / 2 - vp.t0Ms) * scale;
  const y = g.topPx + stage * g.laneHeightPx + g.barInsetPx + 4;
  return { i, x, y, sim };
}

async function canvasBox(page) {
  return page.locator('.si-timeline > .si-timeline-canvas').boundingBox();
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test('sends ready first, and every message it posts passes the host guard', async () => {
  const { page, context, errors } = await openPanel();
  const posted = await page.evaluate(() => window.__posted);
  assert.equal(posted[0].type, 'ready');
  for (const m of posted) assert.ok(harness.isWebviewToHost(m), `host would reject ${JSON.stringify(m)}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('renders the example: F of microbatch 0 in the forward colour, idle time hatched, no CSP violations', async () => {
  const { page, context, errors } = await openPanel();
  const { x, y } = await opCentre(page, 0, 0);
  assert.ok(
    near(await pixelAt(page, '.si-timeline > .si-timeline-canvas', x, y), hex(THEMES.dark.vars['charts-blue'])),
    'op 0 of stage 0 is not painted in charts-blue',
  );
  // The last stage idles until the first microbatch reaches it: its lane starts with hatching, not an op.
  const g = await page.evaluate(() => window.__scheduleInspector.timeline.geometry());
  const idle = [];
  for (let dx = 0; dx < 8; dx++)
    idle.push(
      await pixelAt(
        page,
        '.si-timeline > .si-timeline-canvas',
        g.plotX0Px + 3 + dx,
        g.topPx + 3 * g.laneHeightPx + g.barInsetPx + 6,
      ),
    );
  assert.ok(
    idle.some((p) => !near(p, hex(THEMES.dark.vars['editor-background']), 3)),
    'idle gap shows no hatching',
  );
  assert.ok(
    idle.some((p) => near(p, hex(THEMES.dark.vars['editor-background']), 3)),
    'idle gap is a solid fill, not hatching',
  );
  const summary = await page.textContent('.si-summary');
  assert.match(summary, /seq1f1b · p=4 · m=8 · k=2/);
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('zoom (wheel, keys) and pan (drag, keys) change the visible range', async () => {
  const { page, context } = await openPanel();
  const box = await canvasBox(page);
  const vp = () => page.evaluate(() => ({ ...window.__scheduleInspector.timeline.viewport }));
  const full = await vp();
  await page.mouse.move(box.x + box.width / 2, box.y + 60);
  for (let n = 0; n < 3; n++) await page.mouse.wheel(0, -200);
  await nextFrames(page);
  const zoomed = await vp();
  assert.ok(
    zoomed.t1Ms - zoomed.t0Ms < (full.t1Ms - full.t0Ms) * 0.6,
    `wheel did not zoom in: ${JSON.stringify(zoomed)}`,
  );
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 200, box.y + 60, { steps: 5 });
  await page.mouse.up();
  const panned = await vp();
  assert.ok(panned.t0Ms > zoomed.t0Ms, 'dragging left did not move the window later in time');
  assert.ok(Math.abs(panned.t1Ms - panned.t0Ms - (zoomed.t1Ms - zoomed.t0Ms)) < 1e-6, 'panning changed the zoom');
  await page.keyboard.press('ArrowLeft');
  const keyed = await vp();
  assert.ok(keyed.t0Ms < panned.t0Ms, 'ArrowLeft did not pan');
  await page.keyboard.press('0');
  assert.deepEqual(await vp(), full);
  await context.close();
});

test('the memory chart shares the timeline time axis while zooming', async () => {
  const { page, context } = await openPanel();
  const box = await canvasBox(page);
  await page.mouse.move(box.x + box.width * 0.7, box.y + 60);
  await page.mouse.wheel(0, -600);
  await nextFrames(page, 3);
  const { vp, x } = await page.evaluate(() => {
    const app = window.__scheduleInspector;
    const area = app.memoryChart.plotArea();
    return {
      vp: app.timeline.viewport,
      x: { min: area.t0Ms, max: area.t1Ms, left: area.leftPx, right: area.rightPx },
    };
  });
  assert.ok(
    Math.abs(x.min - vp.t0Ms) < 1e-6 && Math.abs(x.max - vp.t1Ms) < 1e-6,
    `chart x range ${x.min}..${x.max} vs timeline ${vp.t0Ms}..${vp.t1Ms}`,
  );
  const g = await page.evaluate(() => window.__scheduleInspector.timeline.geometry());
  assert.ok(Math.abs(x.left - g.plotX0Px) <= 1, `chart plot starts at ${x.left}px, timeline at ${g.plotX0Px}px`);
  assert.ok(
    Math.abs(x.right - (g.plotX0Px + g.plotWidthPx)) <= 1,
    `chart plot ends at ${x.right}px, timeline at ${g.plotX0Px + g.plotWidthPx}px`,
  );
  await context.close();
});

test('tooltip shows the op under the pointer', async () => {
  const { page, context } = await openPanel();
  const box = await canvasBox(page);
  // A backward op on stage 2 in the steady state.
  const sim = analysis.schedules.seq1f1b.sim;
  let index = 0;
  for (let j = sim.stageOffsets[2]; j < sim.stageOffsets[3]; j++)
    if (sim.kind[j] === 1) {
      index = j - sim.stageOffsets[2];
      if (sim.microbatch[j] === 3) break;
    }
  const { i, x, y } = await opCentre(page, 2, index);
  await page.mouse.move(box.x + x, box.y + y);
  await page.waitForSelector('.si-tooltip:not([hidden])');
  const text = await page.textContent('.si-tooltip');
  assert.equal(await page.getAttribute('.si-tooltip', 'data-op'), String(i));
  assert.match(
    text,
    new RegExp(`B \\(backward\\) · stage 2 · microbatch ${sim.microbatch[i]} · chunk ${sim.chunk[i]}`),
  );
  assert.match(text, new RegExp(`start ${sim.start[i].toFixed(3)} ms`));
  await page.mouse.move(box.x + 2, box.y + 2);
  assert.equal(await page.isHidden('.si-tooltip'), true);
  await context.close();
});

test('clicking an op highlights its microbatch on every stage and persists it', async () => {
  const { page, context } = await openPanel();
  const box = await canvasBox(page);
  const { x, y, i, sim } = await opCentre(page, 1, 3);
  const mb = sim.microbatch[i];
  await page.mouse.click(box.x + x, box.y + y);
  await nextFrames(page);
  assert.equal(await page.evaluate(() => window.__savedState.highlightMicrobatch), mb);
  // Same microbatch on stage 3 is painted in a highlight colour (red-ish), another microbatch is dimmed.
  let same = -1;
  let other = -1;
  for (let j = sim.stageOffsets[3]; j < sim.stageOffsets[4]; j++) {
    if (sim.microbatch[j] === mb && same < 0) same = j - sim.stageOffsets[3];
    if (sim.microbatch[j] !== mb && other < 0) other = j - sim.stageOffsets[3];
  }
  const a = await opCentre(page, 3, same);
  const b = await opCentre(page, 3, other);
  const pa = await pixelAt(page, '.si-timeline > .si-timeline-canvas', a.x, a.y);
  const pb = await pixelAt(page, '.si-timeline > .si-timeline-canvas', b.x, b.y);
  assert.ok(pa[0] > 180 && pa[0] > pa[2], `highlighted op not red-ish: ${pa}`);
  assert.ok(Math.max(...pb) < 150, `other microbatch not dimmed: ${pb}`);
  await context.close();
});

test('theme switch recolours the canvas', async () => {
  const { page, context } = await openPanel({ theme: 'dark' });
  const { x, y } = await opCentre(page, 0, 0);
  assert.ok(
    near(await pixelAt(page, '.si-timeline > .si-timeline-canvas', x, y), hex(THEMES.dark.vars['charts-blue'])),
  );
  await page.evaluate(() => window.__setTheme('light'));
  await nextFrames(page, 3);
  assert.ok(
    near(await pixelAt(page, '.si-timeline > .si-timeline-canvas', x, y), hex(THEMES.light.vars['charts-blue'])),
    'F op not recoloured to the light theme blue',
  );
  assert.ok(
    near(await pixelAt(page, '.si-timeline > .si-timeline-canvas', 2, 2), hex(THEMES.light.vars['editor-background'])),
    'background not recoloured',
  );
  await context.close();
});

test('bad messages are rejected and the page keeps working', async () => {
  const { page, context, errors } = await openPanel();
  const bad = [
    null,
    'analysis',
    { type: 'analysis', protocolVersion: 2, header: {}, buffers: [] },
    { type: 'nope', protocolVersion: 1 },
    { type: 'analysis', protocolVersion: 1, header: { fileName: 'x' }, buffers: [[1, 2, 3]] },
    { type: 'showTab', protocolVersion: 1, tab: '<img src=x onerror=alert(1)>' },
    { type: 'notice', protocolVersion: 1, level: 'warn', text: 'x' },
  ];
  await page.evaluate((msgs) => msgs.forEach((m) => window.postMessage(m, '*')), bad);
  await nextFrames(page);
  assert.equal(await page.evaluate(() => window.__scheduleInspector.rejectedMessages), bad.length);
  // A well-formed header whose packed layout points outside its buffer costs that schedule, not the panel.
  const corrupt = JSON.parse(payload(analysis));
  corrupt[0].header.schedules.find((s) => s.schedule === 'seq1f1b').timeline.layout.sections.start.offset = 1 << 30;
  await page.evaluate((json) => window.__testkit.deliver(json), JSON.stringify(corrupt));
  await nextFrames(page);
  assert.equal(await page.evaluate(() => window.__scheduleInspector.rejectedMessages), bad.length + 1);
  assert.match(await page.textContent('.si-notice'), /seq1f1b: section start out of bounds/);
  // Workspace-controlled text is shown as text: a file name with markup stays a string.
  await page.evaluate(
    (json) => window.__testkit.deliver(json),
    harness.encodeReportMessages([
      harness.buildAnalysisMessage(analysis, {
        fileName: '<img src=x onerror=window.__pwned=1>.sh',
        overrides: {},
        canApply: true,
        canWhatIf: true,
      }),
    ]),
  );
  await nextFrames(page);
  assert.equal(await page.textContent('.si-title'), '<img src=x onerror=window.__pwned=1>.sh');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('.si-header img').count(), 0);
  assert.deepEqual(
    errors.filter((e) => !e.includes('rejected')),
    [],
  );
  await context.close();
});

test('controls post what-ifs and apply requests that the host guard accepts', async () => {
  const { page, context } = await openPanel();
  await page.fill('#si-splits input', '4');
  await page.press('#si-splits input', 'Enter');
  await page.waitForFunction(() => window.__posted.some((m) => m.type === 'whatIf'));
  const whatIf = await page.evaluate(() => window.__posted.find((m) => m.type === 'whatIf'));
  assert.equal(whatIf.overrides.splits, 4);
  assert.ok(harness.isWebviewToHost(whatIf));
  await page.fill('#si-splits input', '-3');
  await page.press('#si-splits input', 'Enter');
  // FAST updates the inner input on its next render; wait for it rather than reading mid-update.
  await page
    .waitForFunction(() => document.querySelector('#si-splits').shadowRoot.querySelector('input').value === '4', null, {
      timeout: 2000,
    })
    .catch(() => assert.fail('invalid k was not reset'));
  assert.equal(
    (await page.evaluate(() => window.__posted.filter((m) => m.type === 'whatIf'))).length,
    1,
    'invalid k was sent to the host',
  );
  await page.click('#si-apply');
  const apply = await page
    .waitForFunction(() => window.__posted.find((m) => m.type === 'applyToFile'))
    .then((h) => h.jsonValue());
  assert.ok(harness.isWebviewToHost(apply));
  assert.equal(apply.overrides.splits, 4);
  await page.click('#si-png');
  const png = await page
    .waitForFunction(() => window.__posted.find((m) => m.type === 'savePng'))
    .then((h) => h.jsonValue());
  assert.ok(harness.isWebviewToHost(png));
  assert.equal(Buffer.from(png.pngBase64, 'base64').subarray(1, 4).toString(), 'PNG');
  await context.close();
});

test('compare tab: table, small multiples, and the k sweep the host answers', async () => {
  const { page, context } = await openPanel();
  await page.click('#tab-compare');
  const req = await page
    .waitForFunction(() => window.__posted.find((m) => m.type === 'requestSweep'))
    .then((h) => h.jsonValue());
  assert.ok(harness.isWebviewToHost(req));
  const points = [];
  for (const strategy of ['average', 'uniform_comp'])
    for (const k of req.splits)
      points.push({
        strategy,
        splits: k,
        stepTimeMs: 1000 / (1 + Math.log2(k)) + (strategy === 'average' ? 40 : 0),
        peakGiB: 60 / Math.sqrt(k) + 20,
        oom: false,
      });
  await page.evaluate((m) => window.postMessage(m, '*'), {
    type: 'sweep',
    protocolVersion: 1,
    requestId: req.requestId,
    schedule: req.schedule,
    points,
  });
  await nextFrames(page, 3);
  const rows = await page.$$eval('.si-table tbody tr', (trs) => trs.map((tr) => tr.dataset.schedule));
  assert.deepEqual(rows, ['gpipe', '1f1b', 'seq1f1b']);
  assert.equal(await page.locator('.si-multiple canvas').count(), 3);
  assert.ok(
    await page.evaluate(() => window.__scheduleInspector.compare.sweepChart?.data.datasets[0].data.length === 5),
  );
  // Picking a schedule in the table switches the main timeline.
  await page.click('.si-table tr[data-schedule="1f1b"]');
  assert.match(await page.textContent('.si-summary'), /^1f1b/);
  await context.close();
});

test('UI state survives a reload (versioned getState/setState)', async () => {
  const first = await openPanel();
  await first.page.click('#tab-memory');
  await first.page.keyboard.press('Tab');
  const saved = await first.page.evaluate(() => window.__savedState);
  await first.context.close();
  assert.equal(saved.v, 1);
  assert.equal(saved.tab, 'memory');
  const second = await openPanel({ savedState: { ...saved, viewport: { t0Ms: 10, t1Ms: 50 } } });
  assert.equal(await second.page.getAttribute('vscode-panels', 'activeid'), 'tab-memory');
  assert.deepEqual(await second.page.evaluate(() => window.__scheduleInspector.timeline.viewport), {
    t0Ms: 10,
    t1Ms: 50,
  });
  await second.context.close();
  // A state from another version is dropped, not misread.
  const third = await openPanel({ savedState: { v: 99, tab: 'compare' } });
  assert.equal(await third.page.getAttribute('vscode-panels', 'activeid'), 'tab-timeline');
  await third.context.close();
});

test('standalone report renders without VS Code (data inlined, no acquireVsCodeApi)', async () => {
  const html = harness.buildPageHtml({
    kind: 'standalone',
    nonce: 'cmVwb3J0bm9uY2UxMjM0NQ==',
    title: 'Schedule Inspector report',
    scriptText: readFileSync(join(dir, 'main.js'), 'utf8'),
    styleText: readFileSync(join(dir, 'webview.css'), 'utf8'),
    dataJson: payload(analysis, { canApply: false, canWhatIf: false }),
  });
  writeFileSync(join(dir, 'report.html'), html);
  // No VS Code theme in a browser: the report follows the browser's colour scheme with the CSS fallbacks.
  for (const [scheme, blue] of [
    ['dark', [0x37, 0x94, 0xff]],
    ['light', [0x1a, 0x85, 0xff]],
  ]) {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      deviceScaleFactor: 1,
      colorScheme: scheme,
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.addInitScript(initScript, {
      themes: THEMES,
      initialTheme: null,
      savedState: undefined,
      fakeVsCode: false,
    });
    await page.goto(`${server.origin}/report.html`);
    await page.waitForFunction(
      () =>
        window.__scheduleInspector?.timeline.frames > 0 &&
        /seq1f1b/.test(document.querySelector('.si-summary')?.textContent ?? ''),
    );
    await nextFrames(page);
    const { x, y } = await opCentre(page, 0, 0);
    assert.ok(
      near(await pixelAt(page, '.si-timeline > .si-timeline-canvas', x, y), blue),
      `report (${scheme}) does not paint F in its default blue`,
    );
    assert.equal(
      await page.evaluate(() =>
        document.body.classList.contains(
          `vscode-${matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark'}`,
        ),
      ),
      true,
    );
    // No Apply button in the report (it could do nothing there; issue 17); test/webview/themes.mjs checks the rest.
    assert.equal(await page.locator('#si-apply').count(), 0);
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(errors, []);
    await context.close();
  }
});

/** The bundled Seq1F1B example as the real engine analyses it, and its own schedule (analysed once). */
let example;
function exampleAnalysis() {
  if (!example) {
    const text = readFileSync(join(repo, 'media/examples/seq1f1b-30b-64k.sh'), 'utf8');
    const result = harness.analyze(text, { fileName: 'seq1f1b-30b-64k.sh' });
    example = { result, selected: result.selectedSchedule && result.schedules[result.selectedSchedule] };
  }
  return example;
}

// A render check: the expected pixel positions come from the same engine run, so an engine error cannot show here.
test('the bundled Seq1F1B example, analysed by the real engine, renders its timeline and memory where its own simulation puts them', async () => {
  const { result, selected } = exampleAnalysis();
  assert.ok(selected?.sim, `the engine simulated no timeline for the example (selected: ${result.selectedSchedule})`);
  const { page, context, errors } = await openPanel({ result, height: 1000 });
  const summary = await page.textContent('.si-summary');
  assert.match(summary, new RegExp(`^${result.selectedSchedule} · p=${selected.sim.spec.stages} `));
  assert.match(summary, new RegExp(`${selected.sim.opCount.toLocaleString('en-US')} ops`));
  // The first op of stage 0 is a forward of microbatch 0: painted in charts-blue at its simulated time.
  const { g, vp } = await page.evaluate(() => ({
    g: window.__scheduleInspector.timeline.geometry(),
    vp: window.__scheduleInspector.timeline.viewport,
  }));
  const x =
    g.plotX0Px + ((selected.sim.start[0] + selected.sim.end[0]) / 2 - vp.t0Ms) * (g.plotWidthPx / (vp.t1Ms - vp.t0Ms));
  assert.ok(
    near(
      await pixelAt(page, '.si-timeline > .si-timeline-canvas', x, g.topPx + g.barInsetPx + 4),
      hex(THEMES.dark.vars['charts-blue']),
    ),
  );
  await page.waitForFunction(() => window.__scheduleInspector.memoryChart.pointCount() > 0);
  await page.screenshot({ path: join(artifacts, 'example-timeline-dark.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

// The step time split by term (issue 14), from the real engine's breakdown of the example: one segment per part
// that takes time, each as wide as its share of the step, the legend naming share and milliseconds.
test("the step-time bar shows what the example's step is spent on, in the light and the dark theme", async () => {
  const { result, selected } = exampleAnalysis();
  const b = selected?.stepTimeBreakdown;
  assert.ok(b, 'the engine gave the example a step-time breakdown');
  const parts = [b.computeMs, b.nonGemmMs, b.commMs, b.recomputeMs, b.overheadMs, b.idleMs, b.dpMs, b.optimizerMs];
  const shares = parts.filter((ms) => ms > 0).map((ms) => ms / selected.stepTimeMs);
  for (const theme of ['light', 'dark']) {
    const { page, context, errors } = await openPanel({ result, theme, height: 1000 });
    const widths = await page.$$eval('.si-steptime-bar .si-steptime-seg', (els) =>
      els.map((e) => e.getBoundingClientRect().width),
    );
    const barWidth = await page.$eval('.si-steptime-bar', (e) => e.clientWidth);
    assert.equal(widths.length, shares.length, `${theme}: one segment per part that takes time`);
    widths.forEach((w, i) =>
      assert.ok(Math.abs(w / barWidth - shares[i]) < 0.01, `${theme}: segment ${i} ${w / barWidth} vs ${shares[i]}`),
    );
    const legend = await page.textContent('.si-steptime .si-legend');
    assert.match(legend, /compute \d+\.\d % \([\d.]+ ms\)/);
    assert.match(await page.textContent('.si-steptime-title'), new RegExp(`on rank ${b.rank} `));
    await page.screenshot({
      path: join(artifacts, `steptime-${theme}.png`),
      clip: { x: 0, y: 0, width: 1280, height: 330 },
    });
    assert.deepEqual(errors, []);
    await context.close();
  }
});

// The memory line on its own canvas (issue 16): pointing at a stage's line in the middle of the step names that
// stage and the memory the engine's own series holds there.
test('hovering the memory line names the stage and the memory its simulated series holds at that time', async () => {
  const { result, selected } = exampleAnalysis();
  assert.ok(selected?.memory?.length, 'the engine modelled no memory for the example');
  const { page, context, errors } = await openPanel({ result, height: 1000 });
  await page.waitForFunction(() => window.__scheduleInspector.memoryChart.pointCount() > 0);
  const area = await page.evaluate(() => window.__scheduleInspector.memoryChart.plotArea());
  const box = await page.locator('.si-memtime canvas').boundingBox();
  // The value a stage holds at t: its last memory event at or before t (a linear scan of the engine's series).
  const holding = (m, t) => {
    let v = null;
    for (let i = 0; i < m.series.timeMs.length; i++) if (m.series.timeMs[i] <= t) v = m.series.bytes[i] / 2 ** 30;
    return v;
  };
  const t = (area.t0Ms + area.t1Ms) / 2;
  const x = area.leftPx + ((t - area.t0Ms) / (area.t1Ms - area.t0Ms)) * (area.rightPx - area.leftPx);
  const yOf = (gib) => area.bottomPx - (gib / area.yMaxGiB) * (area.bottomPx - area.topPx);
  const top = selected.memory.reduce((a, m) => (holding(m, t) > holding(a, t) ? m : a));
  await page.mouse.move(box.x + x, box.y + yOf(holding(top, t)));
  await page.waitForSelector('.si-memtime .si-tooltip:not([hidden])');
  const text = await page.textContent('.si-memtime .si-tooltip');
  const m = /^stage (\d+): ([\d.]+) GiB at /.exec(text);
  assert.ok(m, text);
  const named = selected.memory.find((s) => s.stage === Number(m[1]));
  // The nearest line is the one pointed at, or one drawn at the same height.
  assert.equal(m[2], holding(named, t).toFixed(2));
  assert.ok(Math.abs(yOf(holding(named, t)) - yOf(holding(top, t))) <= 1, text);
  await page.mouse.move(box.x + 2, box.y + 2);
  assert.equal(await page.isHidden('.si-memtime .si-tooltip'), true);
  assert.deepEqual(errors, []);
  await context.close();
});

// Also writes the screenshots the docs use (test/artifacts/); the assertions are about what a user would see in them.
test('timeline, memory and compare tabs draw their charts in the light and the dark theme (and are saved as screenshots)', async () => {
  const backgrounds = {};
  for (const theme of ['light', 'dark']) {
    const { page, context, errors } = await openPanel({ theme, height: 1000 });
    const box = await canvasBox(page);
    const { x, y } = await opCentre(page, 1, 5);
    await page.mouse.move(box.x + x, box.y + y);
    await page.waitForSelector('.si-tooltip:not([hidden])');
    await page.waitForFunction(() => window.__scheduleInspector.memoryChart.pointCount() > 0);
    // The picture is in the theme asked for: the timeline's background is that theme's editor background.
    backgrounds[theme] = await pixelAt(page, '.si-timeline > .si-timeline-canvas', 2, 2);
    assert.ok(
      near(backgrounds[theme], hex(THEMES[theme].vars['editor-background'])),
      `${theme}: timeline background ${backgrounds[theme]}`,
    );
    await assertCanvasesDrawn(page, `${theme} timeline tab`);
    await page.screenshot({ path: join(artifacts, `timeline-${theme}.png`), fullPage: true });
    await page.click('#tab-memory');
    await page.waitForFunction(() => window.__scheduleInspector.memoryChart.pointCount() > 0);
    await nextFrames(page, 3);
    await assertCanvasesDrawn(page, `${theme} memory tab`);
    await page.screenshot({ path: join(artifacts, `memory-${theme}.png`), fullPage: true });
    await page.click('#tab-compare');
    const req = await page
      .waitForFunction(() => window.__posted.find((m) => m.type === 'requestSweep'))
      .then((h) => h.jsonValue());
    const points = [];
    for (const strategy of ['average', 'uniform_comp'])
      for (const k of req.splits)
        points.push({
          strategy,
          splits: k,
          stepTimeMs: 900 / (1 + 0.6 * Math.log2(k)) + 12 * k + (strategy === 'average' ? 25 : 0),
          peakGiB: 70 / Math.sqrt(k) + 18,
          oom: false,
        });
    await page.evaluate((m) => window.postMessage(m, '*'), {
      type: 'sweep',
      protocolVersion: 1,
      requestId: req.requestId,
      schedule: req.schedule,
      points,
    });
    await nextFrames(page, 3);
    // Three schedules' small multiples and the k sweep: at least four drawn canvases.
    assert.ok(
      (await assertCanvasesDrawn(page, `${theme} compare tab`)) >= 4,
      `${theme} compare tab: fewer than 4 charts`,
    );
    await page.screenshot({ path: join(artifacts, `compare-${theme}.png`), fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  }
  assert.notDeepEqual(backgrounds.light, backgrounds.dark);
});

registerThemeTests({ test, browser, server, dir, harness, openPanel, exampleAnalysis, artifacts });
registerMeasuredTests({ test, openPanel, analysis, payload, artifacts });
registerVocabTests({ test, openPanel, harness, repo, artifacts });
registerMemoryBreakdownTests({ test, openPanel, exampleAnalysis, artifacts });

const { passed, failed } = await runTests(tests);
await browser.close();
await server.close();
rmSync(dir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
