// Issue 13, the Memory tab's stacked bars: reserved − allocated is two segments, the allocator cache (what PyTorch's
// caching allocator holds beyond the tensors; under Seq1F1B it includes the allocator replay's excess) and the memory
// outside PyTorch (CUDA context, NCCL). Checked on the bundled Seq1F1B example as the real engine analyses it, in the
// dark, light and both high-contrast themes; the light and dark screenshots go to test/artifacts/ to be looked at.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { contrastRatio as contrast, near, nextFrames, pixelAt, rgbOf } from '../support/webviewPixels.mjs';

/** WCAG 2.1 SC 1.4.11 (non-text contrast, AA): a chart segment needs 3:1 against what it sits on. */
const AA_GRAPHIC = 3;
const GiB = 2 ** 30;
const CACHE = 'allocator cache';
const NON_PYTORCH = 'non-PyTorch (CUDA, NCCL)';

export function registerMemoryBreakdownTests({ test, openPanel, exampleAnalysis, artifacts }) {
  test('memory bars: the allocator cache is its own segment with its legend entry and colour (WCAG AA in four themes; screenshots)', async () => {
    const { result, selected } = exampleAnalysis();
    const memory = selected?.memory;
    assert.ok(memory?.length, 'the engine modelled no memory for the example');
    const cacheGiB = memory.map((m) => m.breakdownBytes.fragmentation / GiB);
    const outsideGiB = memory.map((m) => m.breakdownBytes.overhead / GiB);
    // Stage 0 holds the Seq1F1B replay's excess: its cache is well above the 7 % of allocated the other stages show.
    assert.ok(cacheGiB[0] > (memory[0].peakBytes / GiB) * 0.07 + 1, `stage 0 cache ${cacheGiB[0]} GiB`);
    for (const theme of ['dark', 'light', 'hc', 'hcLight']) {
      const { page, context, errors } = await openPanel({ theme, result, height: 1000 });
      await page.click('#tab-memory');
      await page.waitForFunction(() => window.__scheduleInspector.peakChart.chart?.data.datasets.length > 0);
      await nextFrames(page, 3);
      const drawn = await page.evaluate(() => {
        const app = window.__scheduleInspector;
        const chart = app.peakChart.chart;
        return {
          sets: chart.data.datasets.map((d, i) => ({
            label: d.label,
            data: d.data,
            color: d.backgroundColor,
            bars: chart.getDatasetMeta(i).data.map((b) => ({ x: b.x, y: b.y, base: b.base })),
          })),
          legend: chart.legend.legendItems.map((l) => ({ text: l.text, fill: l.fillStyle })),
          cache: app.colors.normal.memoryCache,
          background: app.colors.normal.background,
        };
      });
      const labels = drawn.sets.map((s) => s.label);
      const cache = drawn.sets.find((s) => s.label === CACHE);
      assert.ok(cache, `${theme}: no allocator-cache segment in ${labels.join(' | ')}`);
      // Stacked between the tensors and the memory outside PyTorch, the order of the CLI's and the hover's sum.
      assert.equal(labels[labels.indexOf(CACHE) + 1], NON_PYTORCH, `${theme}: ${labels.join(' | ')}`);
      cache.data.forEach((gib, r) => assert.ok(Math.abs(gib - cacheGiB[r]) < 1e-9, `${theme} stage ${r} cache`));
      const outside = drawn.sets.find((s) => s.label === NON_PYTORCH);
      outside.data.forEach((gib, r) => assert.ok(Math.abs(gib - outsideGiB[r]) < 1e-9, `${theme} stage ${r} outside`));
      // The stack still tops out at each stage's reserved peak (the figure every other surface shows).
      memory.forEach((m, r) => {
        const top = drawn.sets.reduce((s, d) => s + (d.label.startsWith('measured') ? 0 : d.data[r]), 0);
        assert.ok(Math.abs(top - m.peakReservedBytes / GiB) < 1e-9, `${theme} stage ${r}: stack ${top}`);
      });
      // Its own colour: the theme's cache grey, used by no other segment, in the legend too, and AA on the background.
      assert.equal(cache.color, drawn.cache);
      for (const other of drawn.sets.filter((s) => s !== cache && !s.label.startsWith('measured')))
        assert.notEqual(other.color, drawn.cache, `${theme}: ${other.label} shares the cache colour`);
      const entry = drawn.legend.find((l) => l.text === CACHE);
      assert.ok(entry, `${theme}: no legend entry for the cache`);
      assert.equal(entry.fill, drawn.cache);
      assert.ok(
        drawn.legend.some((l) => l.text === NON_PYTORCH),
        `${theme}: no legend entry outside PyTorch`,
      );
      const ratio = contrast(drawn.cache, drawn.background);
      assert.ok(ratio >= AA_GRAPHIC, `${theme}: cache ${drawn.cache} on ${drawn.background} is ${ratio.toFixed(2)}:1`);
      // Painted where chart.js put stage 0's segment: the middle of the bar is the cache colour.
      const bar = cache.bars[0];
      const px = await pixelAt(page, '.si-peaks canvas', bar.x, (bar.y + bar.base) / 2);
      assert.ok(near(px, rgbOf(drawn.cache), 8), `${theme}: stage 0's cache segment painted ${px}, not ${drawn.cache}`);
      if (theme === 'dark' || theme === 'light')
        await page.screenshot({ path: join(artifacts, `memory-breakdown-${theme}.png`), fullPage: true });
      assert.deepEqual(errors, []);
      await context.close();
    }
  });
}
