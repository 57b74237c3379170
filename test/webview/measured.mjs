// Issue 19 in the panel: a profiler trace's spans outlined over the simulated timeline (webview/timeline/overlay.ts)
// with their legend, rule and toggle, and a training log's measured per-stage peaks as markers beside the predicted
// bars (webview/memoryView/memoryCharts.ts). The measured data is made here from the example's own simulated ops,
// stretched by 10 % (a run slower than predicted), so where each outline must land is known independently of the
// overlay code. Registered into run.mjs's list; screenshots (light and dark) go to test/artifacts/.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { near, nextFrames, pixelAt } from '../support/webviewPixels.mjs';

const SLOWER = 1.1;
const TIMELINE = '.si-timeline > .si-timeline-canvas';

/** Measured spans: every F and B op of the example's schedule, start and duration × SLOWER (stage 0 starts at 0). */
function measuredFrom(analysis) {
  const sim = analysis.schedules[analysis.selectedSchedule].sim;
  const rows = [];
  for (let r = 0; r < sim.spec.stages; r++)
    for (let q = sim.stageOffsets[r]; q < sim.stageOffsets[r + 1]; q++)
      if (sim.kind[q] <= 1)
        rows.push({
          stage: r,
          kind: sim.kind[q],
          startMs: sim.start[q] * SLOWER,
          durMs: (sim.end[q] - sim.start[q]) * SLOWER,
        });
  rows.sort((a, b) => a.startMs - b.startMs);
  const own = analysis.schedules[analysis.selectedSchedule];
  const reserved = own.peakReservedGiBPerStage ?? own.peakMemoryGiBPerStage;
  return {
    spans: {
      source: 'rank0.pt.trace.json, rank1.pt.trace.json',
      stage: rows.map((x) => x.stage),
      kind: rows.map((x) => x.kind),
      startMs: rows.map((x) => x.startMs),
      durMs: rows.map((x) => x.durMs),
      onGpu: true,
      omitted: 3,
    },
    // Stages 0-2 reported (stage 3's ranks printed nothing): reserved 8 % over the prediction, allocated 5 % under.
    memory: {
      source: 'logs/run.log',
      stages: [0, 1, 2].map((stage) => ({
        stage,
        maxAllocatedGiB: own.peakMemoryGiBPerStage[stage] * 0.95,
        maxReservedGiB: reserved[stage] * 1.08,
      })),
    },
    rows,
  };
}

/** The colour a CSS colour string paints, read back from a 1×1 canvas in the page. */
const paintOf = (page, css) =>
  page.evaluate((c) => {
    const k = document.createElement('canvas').getContext('2d');
    k.fillStyle = c;
    k.fillRect(0, 0, 1, 1);
    return [...k.getImageData(0, 0, 1, 1).data.slice(0, 3)];
  }, css);

export function registerMeasuredTests({ test, openPanel, analysis, payload, artifacts }) {
  const { spans, memory, rows } = measuredFrom(analysis);
  const withMeasured = () => {
    const msgs = JSON.parse(payload(analysis));
    msgs[0].header.measured = { spans, memory };
    return JSON.stringify(msgs);
  };

  async function openMeasured(theme) {
    const opened = await openPanel({ theme, deliver: false });
    await opened.page.evaluate((json) => window.__testkit.deliver(json), withMeasured());
    await opened.page.waitForFunction(() => window.__scheduleInspector?.timeline.overlayDrawn > 0);
    await nextFrames(opened.page);
    return opened;
  }

  test('measured spans: outlined on their stage lanes at the aligned times, with legend, rule and a toggle', async () => {
    const { page, context, errors } = await openMeasured('dark');
    assert.equal(await page.evaluate(() => window.__scheduleInspector.rejectedMessages), 0);
    const legendText = await page.textContent('.si-overlay');
    assert.match(legendText, /measured spans \(rank0\.pt\.trace\.json, rank1\.pt\.trace\.json\)/);
    assert.match(legendText, /forward_step/);
    assert.match(legendText, /backward_step/);
    assert.match(legendText, new RegExp(`${rows.length} GPU ranges on 4 stages`));
    assert.match(legendText, /first measured forward of the lowest traced stage starts with the simulated one/);
    assert.match(legendText, /3 more not shown/);
    // The view reaches the end of the slower measured step: "0" resets to the whole extent, past the makespan.
    await page.focus(TIMELINE);
    await page.keyboard.press('0');
    const lastEnd = Math.max(...rows.map((x) => x.startMs + x.durMs));
    const vp = await page.evaluate(() => window.__scheduleInspector.timeline.viewport);
    assert.ok(Math.abs(vp.t1Ms - lastEnd) < 1e-6, `view ends at ${vp.t1Ms}, the last span at ${lastEnd}`);
    await nextFrames(page);
    // A forward span of stage 2 after the warm-up: its left outline, in the lane's middle, is the theme's foreground.
    const g = await page.evaluate(() => window.__scheduleInspector.timeline.geometry());
    const fg = await paintOf(page, await page.evaluate(() => window.__scheduleInspector.colors.normal.foreground));
    const probe = rows.filter((x) => x.stage === 2 && x.kind === 0)[2];
    const scale = g.plotWidthPx / (vp.t1Ms - vp.t0Ms);
    const x = g.plotX0Px + (probe.startMs - vp.t0Ms) * scale + 0.75;
    const y = g.topPx + 2 * g.laneHeightPx + g.laneHeightPx / 2 - 2;
    const on = await pixelAt(page, TIMELINE, x, y);
    assert.ok(near(on, fg, 40), `outline pixel ${on} is not the foreground ${fg}`);
    // Half-way through a span's top edge (solid for forward): outline too; inside the span it is the ops' colour.
    const mid = g.plotX0Px + (probe.startMs + probe.durMs / 2 - vp.t0Ms) * scale;
    const top = g.topPx + 2 * g.laneHeightPx + g.barInsetPx + 0.75;
    assert.ok(near(await pixelAt(page, TIMELINE, mid, top), fg, 40), 'top edge of the forward span not outlined');
    assert.equal(await page.evaluate(() => window.__scheduleInspector.timeline.overlayDrawn), rows.length);
    await page.screenshot({
      path: join(artifacts, 'measured-spans-dark.png'),
      clip: { x: 0, y: 0, width: 1280, height: 460 },
    });
    // The toggle hides them: the same pixel is no longer the outline, and nothing is drawn.
    await page.click('#si-overlay-toggle');
    await nextFrames(page, 3);
    assert.equal(await page.evaluate(() => window.__scheduleInspector.timeline.overlayDrawn), 0);
    assert.ok(!near(await pixelAt(page, TIMELINE, x, y), fg, 40), 'outline still drawn after the toggle');
    assert.equal(await page.isChecked('#si-overlay-toggle'), false);
    await page.click('#si-overlay-toggle');
    await nextFrames(page, 3);
    assert.equal(await page.evaluate(() => window.__scheduleInspector.timeline.overlayDrawn), rows.length);
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('measured memory: a reserved and an allocated marker per reporting stage, each at its measured GiB', async () => {
    for (const theme of ['dark', 'light']) {
      const { page, context, errors } = await openMeasured(theme);
      if (theme === 'light')
        await page.screenshot({
          path: join(artifacts, 'measured-spans-light.png'),
          clip: { x: 0, y: 0, width: 1280, height: 460 },
        });
      await page.click('#tab-memory');
      await page.waitForFunction(() => window.__scheduleInspector.peakChart.chart?.data.datasets.length > 0);
      await nextFrames(page, 3);
      const found = await page.evaluate(() => {
        const chart = window.__scheduleInspector.peakChart.chart;
        return chart.data.datasets.map((d, i) => ({
          label: d.label,
          data: d.data,
          points: chart.getDatasetMeta(i).data.map((p) => ({ x: p.x, y: p.y })),
          yOf: d.data.map((v) => (v == null ? null : chart.scales.y.getPixelForValue(v))),
        }));
      });
      const reserved = found.find((d) => d.label === 'measured max reserved (logs/run.log)');
      const allocated = found.find((d) => d.label === 'measured max allocated (logs/run.log)');
      assert.ok(reserved && allocated, found.map((d) => d.label).join(' | '));
      assert.deepEqual(reserved.data, [...memory.stages.map((s) => s.maxReservedGiB), null]);
      assert.deepEqual(allocated.data, [...memory.stages.map((s) => s.maxAllocatedGiB), null]);
      assert.ok(found.some((d) => d.label === 'predicted allocated'));
      // Each marker sits at its own value on the y axis; the filled triangle's centre is painted in the foreground.
      const fg = await paintOf(page, await page.evaluate(() => window.__scheduleInspector.colors.normal.foreground));
      for (const stage of [0, 1, 2]) {
        assert.ok(Math.abs(reserved.points[stage].y - reserved.yOf[stage]) < 0.5);
        const px = await pixelAt(page, '.si-peaks canvas', reserved.points[stage].x, reserved.points[stage].y + 1);
        assert.ok(near(px, fg, 40), `stage ${stage} reserved marker ${px} is not ${fg}`);
        // The hollow circle is drawn over the bars: its ring (radius 6, 2 px) left of the centre is the foreground.
        const a = allocated.points[stage];
        assert.ok(Math.abs(a.y - allocated.yOf[stage]) < 0.5);
        const ring = await pixelAt(page, '.si-peaks canvas', a.x - 6, a.y);
        assert.ok(near(ring, fg, 60), `stage ${stage} allocated marker ring ${ring} is not ${fg}`);
      }
      assert.match(await page.textContent('.si-tab .si-note'), /measured max reserved \(▲.*from logs\/run\.log/);
      await page.screenshot({ path: join(artifacts, `measured-memory-${theme}.png`), fullPage: true });
      assert.deepEqual(errors, []);
      await context.close();
    }
  });

  test('measured data that fails the guard costs the message, not the panel', async () => {
    const { page, context } = await openPanel();
    const msgs = JSON.parse(payload(analysis));
    msgs[0].header.measured = { spans: { ...spans, durMs: spans.durMs.map(() => 'NaN') }, memory };
    await page.evaluate((json) => window.__testkit.deliver(json), JSON.stringify(msgs));
    await nextFrames(page);
    assert.equal(await page.evaluate(() => window.__scheduleInspector.rejectedMessages), 1);
    assert.equal(await page.locator('.si-overlay').count(), 0);
    assert.match(await page.textContent('.si-summary'), /seq1f1b · p=4/);
    await context.close();
  });
}
