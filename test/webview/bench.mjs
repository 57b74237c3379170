// Bench of the timeline in headless Chromium: first paint of a 100k-op timeline (budget 300 ms) and the cost of
// one pan/zoom frame (budget 16 ms), on the production (minified) bundle. Prints the figures; exits non-zero
// when a budget is exceeded. Run: node test/webview/bench.mjs
import { buildBundles, serve, launch, writeWebviewPage, initScript, THEMES } from './lib.mjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIRST_PAINT_BUDGET_MS = 300;
const FRAME_BUDGET_MS = 16;
const { dir, harness } = await buildBundles({ minify: true });
const server = await serve(dir);
const browser = await launch();
const url = writeWebviewPage(dir, harness, server.origin);

// p=32, m=128, k=13 Seq1F1B: 32·128·13·2 = 106,496 ops on the selected schedule.
const spec = { stages: 32, microbatches: 128, splits: 13 };
const t0 = Date.now();
const result = harness.synthAnalysis(spec);
const sim = result.schedules.seq1f1b.sim;
const json = harness.encodeReportMessages([harness.buildAnalysisMessage(result, { fileName: 'bench.sh', overrides: {}, canApply: true, canWhatIf: true })]);
console.log(`payload: ${sim.opCount.toLocaleString()} ops on seq1f1b (${Object.values(result.schedules).reduce((s, e) => s + e.sim.opCount, 0).toLocaleString()} in all schedules), built in ${Date.now() - t0} ms`);

const figures = [];
for (const dpr of [1, 2]) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1100 }, deviceScaleFactor: dpr });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.addInitScript(initScript, { themes: THEMES, initialTheme: 'dark', savedState: undefined, fakeVsCode: true });
  await page.addInitScript(readFileSync(join(dir, 'pagekit.js'), 'utf8'));
  await page.goto(url);
  await page.waitForFunction(() => window.__posted.length > 0);
  await page.evaluate((j) => window.__testkit.prepare(j), json);
  // From posting the message to the end of the frame that shows the timeline (the rAF after the paint).
  const paint = await page.evaluate(() => new Promise((ok) => {
    const app = window.__scheduleInspector;
    const frames0 = app.timeline.frames;
    const start = performance.now();
    window.__testkit.postPrepared();
    const wait = () => {
      if (app.timeline.frames > frames0) requestAnimationFrame(() => ok({ toFrameMs: performance.now() - start, handlerMs: app.lastAnalysisPaintMs }));
      else setTimeout(wait, 0);
    };
    wait();
  }));
  // Let the memory chart (deferred one frame after the timeline) build before timing interaction.
  const chartsReadyMs = await page.evaluate(() => new Promise((ok) => {
    const start = performance.now();
    const poll = () => (window.__scheduleInspector.memoryChart.chart ? ok(performance.now() - start) : requestAnimationFrame(poll));
    poll();
  }));
  // One frame of interaction = wheel/drag handler + timeline layout and draw + memory chart re-range, all of
  // which run on the main thread before the next frame can be produced.
  const frames = await page.evaluate(() => {
    const app = window.__scheduleInspector;
    const canvas = app.timeline.canvas;
    const rect = canvas.getBoundingClientRect();
    const chart = app.memoryChart.chart;
    const times = [];
    const step = (ev) => {
      const s = performance.now();
      canvas.dispatchEvent(ev);
      app.timeline.drawNow();
      const vp = app.timeline.viewport;
      chart.options.scales.x.min = vp.t0Ms;
      chart.options.scales.x.max = vp.t1Ms;
      chart.update('none');
      times.push(performance.now() - s);
    };
    const at = (fx) => ({ clientX: rect.left + rect.width * fx, clientY: rect.top + 40, bubbles: true, cancelable: true });
    for (let i = 0; i < 40; i++) step(new WheelEvent('wheel', { ...at(0.3 + (i % 5) * 0.1), deltaY: -60 }));
    for (let i = 0; i < 40; i++) step(new WheelEvent('wheel', { ...at(0.5), deltaX: 80 * (i % 2 ? 1 : -1) * 3 }));
    for (let i = 0; i < 40; i++) step(new WheelEvent('wheel', { ...at(0.5), deltaY: 60 }));
    for (let i = 0; i < 40; i++) step(new WheelEvent('wheel', { ...at(0.5), deltaX: 120 }));
    times.sort((a, b) => a - b);
    const q = (f) => times[Math.min(times.length - 1, Math.floor(f * times.length))];
    return { n: times.length, median: q(0.5), p95: q(0.95), max: times[times.length - 1], timelineOnlyLast: app.timeline.lastFrameMs };
  });
  figures.push({ dpr, paint, chartsReadyMs, frames, errors });
  await context.close();
}
await browser.close();
await server.close();

let over = false;
for (const f of figures) {
  console.log(`DPR ${f.dpr}: first paint ${f.paint.toFrameMs.toFixed(1)} ms (message handler to drawn timeline ${f.paint.handlerMs.toFixed(1)} ms; memory chart ready ${f.chartsReadyMs.toFixed(1)} ms later)`);
  console.log(`DPR ${f.dpr}: pan/zoom frame over ${f.frames.n} steps: median ${f.frames.median.toFixed(2)} ms, p95 ${f.frames.p95.toFixed(2)} ms, max ${f.frames.max.toFixed(2)} ms`);
  if (f.errors.length) console.log(`DPR ${f.dpr}: page errors: ${f.errors.join('; ')}`);
  if (f.paint.toFrameMs > FIRST_PAINT_BUDGET_MS || f.frames.p95 > FRAME_BUDGET_MS || f.errors.length) over = true;
}
console.log(over ? `OVER BUDGET (first paint ≤ ${FIRST_PAINT_BUDGET_MS} ms, frame p95 ≤ ${FRAME_BUDGET_MS} ms)` : `within budget (first paint ≤ ${FIRST_PAINT_BUDGET_MS} ms, frame p95 ≤ ${FRAME_BUDGET_MS} ms)`);
process.exitCode = over ? 1 : 0;
