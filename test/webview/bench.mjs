// Bench of the timeline in headless Chromium: first paint of a 100k-op timeline (budget 150 ms) and the cost of
// one pan/zoom frame with the memory-over-time chart shown (budget 16 ms at p95), at DPR 1 and 2, on the production
// (minified) bundle (issue 16). Prints the figures; exits non-zero when a budget is exceeded.
//
// The machine is shared, so wall times alone cannot be judged. Two references are measured in the same run, in
// pages alternated with the ones under test so that load falls on all of them alike:
// - a canvas floor (always): the least any renderer of this view must do per frame — one pass over the 100k ops'
//   end times, one putImageData of the plot's raster and one full-canvas copy, on a canvas of the timeline's size;
// - a baseline tree (optional, `--baseline DIR`, a checkout with node_modules, e.g. a `git worktree` of an older
//   commit): the same bench on that tree's webview, so a regression or a fix is a same-run ratio.
// First paint is also split, from a Chromium trace of its own page load, into main-thread script, style, layout
// (and how much of it was forced from script), paint and raster.
// Run: node test/webview/bench.mjs [--baseline DIR] [--rounds N]
import { serve, launch, initScript, THEMES, repo } from './lib.mjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

const FIRST_PAINT_BUDGET_MS = 150;
const FRAME_BUDGET_MS = 16;
const args = process.argv.slice(2);
const argOf = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const baselineRoot = argOf('--baseline');
const rounds = Math.max(1, Number(argOf('--rounds') ?? 3));
const require = createRequire(join(repo, 'package.json'));
const esbuild = require('esbuild');

/** The webview, the page helper and the payload builder of the checkout at `root`, built into a temp dir. */
async function buildTree(root) {
  const dir = mkdtempSync(join(tmpdir(), 'si-bench-'));
  const common = { bundle: true, format: 'iife', target: 'es2022', logLevel: 'error', platform: 'browser' };
  await esbuild.build({
    ...common,
    entryPoints: [join(root, 'webview/main.ts')],
    outfile: join(dir, 'main.js'),
    minify: true,
  });
  await esbuild.build({
    ...common,
    entryPoints: [join(root, 'test/webview/pagekit.ts')],
    outfile: join(dir, 'pagekit.js'),
  });
  await esbuild.build({
    ...common,
    entryPoints: [join(root, 'test/webview/harness.ts')],
    outfile: join(dir, 'harness.cjs'),
    platform: 'node',
    format: 'cjs',
    target: 'node18',
  });
  writeFileSync(join(dir, 'webview.css'), readFileSync(join(root, 'media/webview.css')));
  const harness = require(join(dir, 'harness.cjs'));
  // p=32, m=128, k=13 Seq1F1B: 32·128·13·2 = 106,496 ops on the selected schedule.
  const result = harness.synthAnalysis({ stages: 32, microbatches: 128, splits: 13 });
  const json = harness.encodeReportMessages([
    harness.buildAnalysisMessage(result, { fileName: 'bench.sh', overrides: {}, canApply: true, canWhatIf: true }),
  ]);
  return { root, dir, harness, json, opCount: result.schedules.seq1f1b.sim.opCount };
}

const trees = [{ name: 'this tree', ...(await buildTree(repo)) }];
if (baselineRoot) trees.push({ name: `baseline ${baselineRoot}`, ...(await buildTree(resolve(baselineRoot))) });
console.log(`payload: ${trees[0].opCount.toLocaleString()} ops on seq1f1b; ${rounds} round(s), pages alternated`);

const browser = await launch();
for (const t of trees) {
  t.server = await serve(t.dir);
  const html = t.harness.buildPageHtml({
    kind: 'webview',
    nonce: 'dGVzdG5vbmNlMTIzNDU2Nw==',
    cspSource: t.server.origin,
    scriptUri: `${t.server.origin}/main.js`,
    styleUri: `${t.server.origin}/webview.css`,
  });
  writeFileSync(join(t.dir, 'panel.html'), html);
  t.url = `${t.server.origin}/panel.html`;
}

async function openPage(tree, dpr) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1100 }, deviceScaleFactor: dpr });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.addInitScript(initScript, {
    themes: THEMES,
    initialTheme: 'dark',
    savedState: undefined,
    fakeVsCode: true,
  });
  await page.addInitScript(readFileSync(join(tree.dir, 'pagekit.js'), 'utf8'));
  await page.goto(tree.url);
  await page.waitForFunction(() => window.__posted.length > 0);
  await page.evaluate((j) => window.__testkit.prepare(j), tree.json);
  return { context, page, errors };
}

/**
 * Posts the analysis and resolves at the end of the frame that shows the timeline: the app's message listener
 * (registered at startup) runs first and draws the timeline synchronously; this listener then asks for the next
 * animation frame, the one that presents it. Marks bench-start / bench-frame for the trace.
 */
function firstPaint(page) {
  return page.evaluate(
    () =>
      new Promise((ok) => {
        const app = window.__scheduleInspector;
        const canvas = app.timeline.canvas;
        window.__chartsAt = 0;
        let postMs = 0;
        window.addEventListener(
          'message',
          () =>
            requestAnimationFrame(() => {
              performance.mark('bench-frame');
              const toFrameMs = performance.now() - start;
              const poll = () =>
                app.memoryChart.pointCount() > 0
                  ? (window.__chartsAt = performance.now() - start)
                  : setTimeout(poll, 1);
              poll();
              ok({
                toFrameMs,
                postMs,
                firstFrameDpr: canvas.width / canvas.clientWidth,
                handlerMs: app.lastAnalysisPaintMs,
                unpackMs: app.lastAnalysisUnpackMs,
                drawMs: app.timeline.lastFrameMs,
                layoutMs: app.timeline.lastLayoutMs,
                drawn: app.timeline.frames,
              });
            }),
          { once: true },
        );
        performance.mark('bench-start');
        const start = performance.now();
        window.__testkit.postPrepared();
        // postMessage clones the buffers here, on the sending side; in VS Code the extension host does that.
        postMs = performance.now() - start;
      }),
  );
}

/** The renderer main thread's trace events and the timestamps (µs) of the user-timing marks. */
function readTrace(buffer) {
  const events = JSON.parse(buffer.toString('utf8')).traceEvents ?? [];
  const thread = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const marks = new Map();
  for (const e of events)
    if ((e.cat ?? '').includes('blink.user_timing') && !marks.has(e.name)) marks.set(e.name, e.ts);
  const main = thread ? events.filter((e) => e.pid === thread.pid && e.tid === thread.tid && e.ph === 'X') : [];
  return { main, marks };
}

const SCRIPT = new Set([
  'FunctionCall',
  'EvaluateScript',
  'TimerFire',
  'FireAnimationFrame',
  'EventDispatch',
  'RunMicrotasks',
  'v8.run',
]);
const STYLE = new Set(['UpdateLayoutTree', 'RecalculateStyles', 'ParseAuthorStyleSheet']);
const LAYOUT = new Set(['Layout']);
const PAINT = new Set(['Paint', 'PaintImage', 'PrePaint', 'Layerize', 'UpdateLayer', 'CompositeLayers', 'Commit']);
const TASK = new Set(['ThreadControllerImpl::RunTask', 'RunTask']);

/**
 * Where the first paint's main-thread time goes, from bench-start to bench-frame (ms): wall and CPU (thread time,
 * `tdur`: what load on the machine does not inflate) of the tasks run, and by kind — script (less the style, layout
 * and paint it forced), style, layout (and how much of style+layout script forced by reading geometry after a
 * write), paint.
 */
function splitTrace(buffer) {
  const { main, marks } = readTrace(buffer);
  const t0 = marks.get('bench-start');
  const t1 = marks.get('bench-frame');
  if (!main.length || t0 == null || t1 == null) return null;
  const inWindow = main.filter((e) => e.ts + (e.dur ?? 0) >= t0 && e.ts <= t1);
  const clip = (e, key = 'dur') => {
    const d = e[key] ?? 0;
    const wall = e.dur ?? 0;
    // A task straddling a mark counts for its share inside the window (thread time in proportion).
    const inside = Math.max(0, Math.min(e.ts + wall, t1) - Math.max(e.ts, t0));
    return wall > 0 ? (d * inside) / wall : 0;
  };
  // Outermost events only (FunctionCall nests in TimerFire…).
  const outermost = (set) => {
    const evs = inWindow.filter((e) => set.has(e.name)).sort((x, y) => x.ts - y.ts || y.dur - x.dur);
    const out = [];
    for (const e of evs) if (!out.length || e.ts >= out.at(-1).ts + out.at(-1).dur) out.push(e);
    return out;
  };
  const tasks = outermost(TASK);
  const scripts = outermost(SCRIPT);
  const inScript = (e) => scripts.some((s) => e.ts >= s.ts && e.ts + e.dur <= s.ts + s.dur);
  const sum = (set, pred = () => true, key = 'dur') =>
    inWindow.filter((e) => set.has(e.name) && pred(e)).reduce((a, e) => a + clip(e, key), 0) / 1000;
  const forced = sum(LAYOUT, inScript) + sum(STYLE, inScript);
  return {
    wall: (t1 - t0) / 1000,
    taskWall: tasks.reduce((a, e) => a + clip(e), 0) / 1000,
    taskCpu: tasks.reduce((a, e) => a + clip(e, 'tdur'), 0) / 1000,
    script: scripts.reduce((a, e) => a + clip(e), 0) / 1000 - forced - sum(PAINT, inScript),
    scriptCpu: scripts.reduce((a, e) => a + clip(e, 'tdur'), 0) / 1000,
    style: sum(STYLE),
    layout: sum(LAYOUT),
    forced,
    paint: sum(PAINT),
  };
}

/** Thread (CPU) time of each pan/zoom step, from the trace of a run where every step is a task of its own (ms). */
function stepCpu(buffer) {
  const { main, marks } = readTrace(buffer);
  const t0 = marks.get('pz-start');
  const t1 = marks.get('pz-end');
  if (t0 == null || t1 == null) return [];
  return main
    .filter((e) => e.name === 'TimerFire' && e.ts >= t0 && e.ts <= t1)
    .sort((x, y) => x.ts - y.ts)
    .map((e) => (e.tdur ?? e.dur ?? 0) / 1000);
}

/**
 * One pan/zoom frame = the wheel handler + timeline layout and draw, then the memory chart following the window.
 * `tasks`: every step runs as a task of its own (a timer), so a trace can give each one's thread time.
 */
function panZoom(page, tasks = false) {
  return page.evaluate(async (tasks) => {
    const app = window.__scheduleInspector;
    const canvas = app.timeline.canvas;
    const rect = canvas.getBoundingClientRect();
    const mem = app.memoryChart;
    const timeline = [];
    const chart = [];
    const total = [];
    // Canvas 2D records draw calls and rasterises them when the frame is presented; reading one pixel back forces
    // that rasterisation here, so the figure is the whole cost of the frame and not just the recording.
    const flush = (c) => c.getContext('2d').getImageData(0, 0, 1, 1);
    const step = (ev) => {
      const s = performance.now();
      canvas.dispatchEvent(ev);
      app.timeline.drawNow();
      flush(canvas);
      const m = performance.now();
      mem.setRange(app.timeline.viewport);
      mem.drawNow();
      flush(mem.canvas);
      const e = performance.now();
      timeline.push(m - s);
      chart.push(e - m);
      total.push(e - s);
    };
    const at = (fx) => ({
      clientX: rect.left + rect.width * fx,
      clientY: rect.top + 40,
      bubbles: true,
      cancelable: true,
    });
    // Zoom in from the full 100k-op view, pan at each depth, zoom back out, pan the full view.
    const events = [];
    for (let i = 0; i < 40; i++)
      events.push(() => new WheelEvent('wheel', { ...at(0.3 + (i % 5) * 0.1), deltaY: -60 }));
    for (let i = 0; i < 40; i++)
      events.push(() => new WheelEvent('wheel', { ...at(0.5), deltaX: 240 * (i % 2 ? 1 : -1) }));
    for (let i = 0; i < 40; i++) events.push(() => new WheelEvent('wheel', { ...at(0.5), deltaY: 60 }));
    for (let i = 0; i < 40; i++) events.push(() => new WheelEvent('wheel', { ...at(0.5), deltaX: 120 }));
    performance.mark('pz-start');
    for (const ev of events) {
      if (tasks) await new Promise((ok) => setTimeout(() => ok(step(ev())), 0));
      else step(ev());
    }
    performance.mark('pz-end');
    return { timeline, chart, total };
  }, tasks);
}

/**
 * The canvas floor, in a page of the same size: per frame one pass over the ops' end times into a reused raster of
 * one row per stage, one putImageData of it and one stretched copy per lane — what no renderer of this view can
 * skip (no labels, axis, hatching or memory chart). Its first frame also creates and sizes the canvas.
 */
async function floor(dpr) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1100 }, deviceScaleFactor: dpr });
  const page = await context.newPage();
  await page.setContent('<body style="margin:0"></body>');
  const r = await page.evaluate((ops) => {
    const stages = 32;
    const cssW = 1600 - 76;
    const cssH = 22 + stages * 24 + 4;
    const w = Math.round(cssW * devicePixelRatio);
    const h = Math.round(cssH * devicePixelRatio);
    const end = new Float64Array(ops);
    for (let i = 0; i < ops; i++) end[i] = i * 0.01;
    const rowCanvas = document.createElement('canvas');
    rowCanvas.width = w;
    rowCanvas.height = stages;
    const rowCtx = rowCanvas.getContext('2d');
    const img = rowCtx.createImageData(w, stages);
    const px = new Uint32Array(img.data.buffer);
    const frame = (c, t0, spanMs) => {
      const ctx = c.getContext('2d', { alpha: false });
      px.fill(0);
      const scale = w / spanMs;
      for (let i = 0; i < ops; i++) {
        const x = (end[i] - t0) * scale;
        if (x >= 0 && x < w) px[(i & (stages - 1)) * w + (x | 0)] = 0xff3388ff;
      }
      rowCtx.putImageData(img, 0, 0);
      ctx.fillRect(0, 0, w, h);
      for (let r = 0; r < stages; r++)
        ctx.drawImage(rowCanvas, 0, r, w, 1, 0, Math.round((22 + r * 24) * devicePixelRatio), w, 17 * devicePixelRatio);
      ctx.getImageData(0, 0, 1, 1);
    };
    const full = ops * 0.01;
    const t0 = performance.now();
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    document.body.append(c);
    frame(c, 0, full);
    const first = performance.now() - t0;
    const frames = [];
    for (let i = 0; i < 160; i++) {
      const s = performance.now();
      frame(c, full * 0.05 * (i % 7), full * (0.2 + (i % 5) * 0.2));
      frames.push(performance.now() - s);
    }
    return { first, frames };
  }, trees[0].opCount);
  await context.close();
  return r;
}

const stats = (a) => {
  const t = [...a].sort((x, y) => x - y);
  const q = (f) => t[Math.min(t.length - 1, Math.floor(f * t.length))];
  return { median: q(0.5), p95: q(0.95), max: t[t.length - 1] };
};
const median = (a) => stats(a).median;

const results = new Map(); // `${tree}|${dpr}` → { paints, splits, frames, errors, charts }
for (let round = 0; round < rounds; round++) {
  for (const dpr of [1, 2]) {
    for (const t of trees) {
      const key = `${t.name}|${dpr}`;
      const r = results.get(key) ?? {
        paints: [],
        splits: [],
        timeline: [],
        chart: [],
        total: [],
        cpu: [],
        charts: [],
        errors: [],
      };
      results.set(key, r);
      // Untraced: first paint and pan/zoom frames.
      const p = await openPage(t, dpr);
      const paint = await firstPaint(p.page);
      if (!(paint.drawn > 0)) throw new Error(`${t.name}: timeline was not drawn by the analysis message`);
      await p.page.waitForFunction(() => window.__chartsAt > 0);
      r.charts.push(await p.page.evaluate(() => window.__chartsAt));
      // Let the deferred work after the first frame (sharp redraw, base layer, compare view) finish.
      await p.page.waitForTimeout(300);
      const f = await panZoom(p.page);
      r.timeline.push(...f.timeline);
      r.chart.push(...f.chart);
      r.total.push(...f.total);
      r.paints.push(paint);
      r.errors.push(...p.errors);
      await p.context.close();
      // Traced, in a page of its own (tracing slows the page): where the first paint's time goes, and the thread
      // time of each pan/zoom step.
      const q = await openPage(t, dpr);
      const categories = [
        'toplevel',
        'devtools.timeline',
        'disabled-by-default-devtools.timeline',
        'blink.user_timing',
        '__metadata',
      ];
      await browser.startTracing(q.page, { categories });
      await firstPaint(q.page);
      await q.page.waitForFunction(() => window.__chartsAt > 0);
      const split = splitTrace(await browser.stopTracing());
      if (split) r.splits.push(split);
      await q.page.waitForTimeout(300);
      await browser.startTracing(q.page, { categories: ['devtools.timeline', 'blink.user_timing', '__metadata'] });
      await panZoom(q.page, true);
      r.cpu.push(...stepCpu(await browser.stopTracing()));
      await q.context.close();
    }
    const key = `floor|${dpr}`;
    const fl = results.get(key) ?? { first: [], frames: [] };
    results.set(key, fl);
    const x = await floor(dpr);
    fl.first.push(x.first);
    fl.frames.push(...x.frames);
  }
}
await browser.close();
for (const t of trees) {
  await t.server.close();
  rmSync(t.dir, { recursive: true, force: true });
}

let over = false;
const f1 = (x) => x.toFixed(1);
const line = (s) => `p50 ${f1(s.median)} ms, p95 ${f1(s.p95)} ms, max ${f1(s.max)} ms`;
console.log(
  `machine: ${cpus().length} CPUs, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} (wall times; other work on the machine inflates them — judge them against the same-run references)`,
);
for (const dpr of [1, 2]) {
  const fl = results.get(`floor|${dpr}`);
  const floorFrame = stats(fl.frames);
  console.log(`DPR ${dpr}: canvas floor: first frame ${f1(median(fl.first))} ms, frame ${line(floorFrame)}`);
  for (const t of trees) {
    const r = results.get(`${t.name}|${dpr}`);
    const m = (k) => median(r.paints.map((p) => p[k]));
    const s = (k) => median(r.splits.map((x) => x[k]));
    const paintMs = m('toFrameMs');
    const total = stats(r.total);
    console.log(
      `DPR ${dpr}: ${t.name}: first paint ${f1(paintMs)} ms (median of ${r.paints.length}; ${f1(paintMs / median(fl.first))}× the floor), drawn at DPR ${f1(m('firstFrameDpr'))}; posting (the sender's clone) ${f1(m('postMs'))} ms, handler ${f1(m('handlerMs'))} ms = unpack/validate ${f1(m('unpackMs'))} + op layout ${f1(m('layoutMs'))} + draw ${f1(m('drawMs') - m('layoutMs'))} + other; memory chart ready at ${f1(median(r.charts))} ms`,
    );
    if (r.splits.length)
      console.log(
        `DPR ${dpr}: ${t.name}: first paint by trace (median of ${r.splits.length} traced pages): ${f1(s('wall'))} ms wall, main-thread tasks ${f1(s('taskWall'))} ms wall / ${f1(s('taskCpu'))} ms CPU; script ${f1(s('script'))} ms (CPU ${f1(s('scriptCpu'))} with what it forced), style ${f1(s('style'))} ms, layout ${f1(s('layout'))} ms (style+layout forced from script ${f1(s('forced'))} ms), paint ${f1(s('paint'))} ms`,
      );
    if (r.cpu.length)
      console.log(`DPR ${dpr}: ${t.name}: pan/zoom frame, both, thread CPU time (traced): ${line(stats(r.cpu))}`);
    console.log(`DPR ${dpr}: ${t.name}: pan/zoom frame, timeline: ${line(stats(r.timeline))}`);
    console.log(`DPR ${dpr}: ${t.name}: pan/zoom frame, memory chart: ${line(stats(r.chart))}`);
    console.log(
      `DPR ${dpr}: ${t.name}: pan/zoom frame, both (${r.total.length} frames): ${line(total)}; p95 ${f1(total.p95 / floorFrame.p95)}× the floor's`,
    );
    if (r.errors.length) console.log(`DPR ${dpr}: ${t.name}: page errors: ${r.errors.join('; ')}`);
    if (t === trees[0] && (paintMs > FIRST_PAINT_BUDGET_MS || total.p95 > FRAME_BUDGET_MS || r.errors.length))
      over = true;
  }
}
console.log(
  over
    ? `OVER BUDGET (first paint ≤ ${FIRST_PAINT_BUDGET_MS} ms, timeline + memory chart frame p95 ≤ ${FRAME_BUDGET_MS} ms)`
    : `within budget (first paint ≤ ${FIRST_PAINT_BUDGET_MS} ms, timeline + memory chart frame p95 ≤ ${FRAME_BUDGET_MS} ms)`,
);
process.exitCode = over ? 1 : 0;
