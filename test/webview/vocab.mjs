// D (issue 18) in the panel: a launch that runs Vocabulary Parallelism (sail-sg/VocabularyParallelism's
// --enable-vocab-parallel; test/fixtures/vocab/vocab-parallel-fork.sh) shows the vocabulary-parallel run itself — the
// transformer F and B ops, the output layer's S and T passes on every rank, and the broadcast and all-reduce barriers
// in rows under the lanes — with the same hover, tooltip and microbatch highlight as any timeline, and a toggle back
// to plain 1F1B. Where each op and collective must be is computed here, on the Node side, from the engine's run
// (harness.vocabTimeline), and read back from the page's pixels and tooltips. Registered into run.mjs's list;
// screenshots (light and dark) go to test/artifacts/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hex, near, nextFrames, pixelAt } from '../support/webviewPixels.mjs';
import { assertLegible } from './themes.mjs';

const TIMELINE = '.si-timeline > .si-timeline-canvas';
const S = 3; // opKinds.ts OP_S
const B = 1;
const C0 = 1; // opKinds.ts COLL_C0
const C1 = 2;
const BROADCAST = 0;
/** The colours media/webview.css falls back to when VS Code sets no terminal colour (the test themes set none). */
const S_COLOUR = { dark: '#11a8cd', light: '#0598bc' };

export function registerVocabTests({ test, openPanel, harness, repo, artifacts }) {
  const fork = readFileSync(join(repo, 'test/fixtures/vocab/vocab-parallel-fork.sh'), 'utf8');
  const analysed = (text) => {
    const result = harness.analyze(text, { fileName: 'pretrain_gpt.sh' });
    const e = result.schedules['1f1b'];
    const drawn = harness.vocabTimeline(e.vocabParallel);
    assert.ok(drawn, 'the engine kept no vocabulary-parallel run');
    const json = harness.encodeReportMessages([
      harness.buildAnalysisMessage(result, {
        fileName: 'pretrain_gpt.sh',
        overrides: {},
        canApply: true,
        canWhatIf: true,
      }),
    ]);
    return { result, e, drawn, json };
  };

  async function open(theme, text = fork) {
    const a = analysed(text);
    const opened = await openPanel({ theme, deliver: false, height: 1000 });
    await opened.page.evaluate((json) => window.__testkit.deliver(json), a.json);
    await opened.page.waitForFunction(() => /ops/.test(document.querySelector('.si-summary')?.textContent ?? ''));
    await nextFrames(opened.page);
    return { ...opened, ...a };
  }

  /** Index of the drawn op of `kind` and microbatch `mb` on `stage`. */
  const opOf = ({ ops }, stage, kind, mb) => {
    for (let q = ops.stageOffsets[stage]; q < ops.stageOffsets[stage + 1]; q++)
      if (ops.kind[q] === kind && ops.microbatch[q] === mb) return q;
    throw new Error(`no op of kind ${kind}, microbatch ${mb} on stage ${stage}`);
  };
  const collOf = ({ collectives: c }, kind, mb) => {
    for (let i = 0; i < c.collKind.length; i++) if (c.collKind[i] === kind && c.collMicrobatch[i] === mb) return i;
    throw new Error(`no collective of kind ${kind} for microbatch ${mb}`);
  };

  /** Zooms onto [t0, t1] and returns a function from (ms, lane or collective row) to the canvas point. */
  async function zoom(page, t0Ms, t1Ms) {
    await page.evaluate((vp) => window.__scheduleInspector.timeline.setViewport(vp), { t0Ms, t1Ms });
    await nextFrames(page, 3);
    const g = await page.evaluate(() => window.__scheduleInspector.timeline.geometry());
    const scale = g.plotWidthPx / (t1Ms - t0Ms);
    return {
      g,
      lane: (ms, stage) => ({ x: g.plotX0Px + (ms - t0Ms) * scale, y: g.topPx + stage * g.laneHeightPx + 8 }),
      row: (ms, k) => ({
        x: g.plotX0Px + (ms - t0Ms) * scale,
        y: g.topPx + 8 * g.laneHeightPx + k * g.collectiveRowPx + g.collectiveRowPx / 2,
      }),
    };
  }

  async function tooltipAt(page, point) {
    const box = await page.locator(TIMELINE).boundingBox();
    await page.mouse.move(box.x + point.x, box.y + point.y);
    await page.waitForSelector('.si-tooltip:not([hidden])');
    return page.textContent('.si-tooltip');
  }

  const ms3 = (x) => `${x.toFixed(3)} ms`;

  test('Vocabulary Parallelism: the run’s S passes, barriers and broadcast drawn at their simulated times, with tooltips', async () => {
    for (const theme of ['dark', 'light']) {
      const { page, context, errors, e, drawn } = await open(theme);
      const summary = await page.textContent('.si-summary');
      assert.match(summary, /^1f1b · p=8 · m=24 /);
      assert.match(
        summary,
        /Vocabulary Parallelism \(algorithm 2\) on 1F1B: step, bubble and peaks from its own run, drawn below/,
      );
      // 8 ranks × 24 microbatches × F, B, S, T.
      assert.match(summary, /768 ops/);
      assert.match(summary, new RegExp(`step ${e.stepTimeMs.toFixed(1)} ms`));
      const legendText = await page.textContent('.si-vocab');
      for (const word of [
        'S output-layer forward',
        'T output-layer backward',
        'broadcast',
        'C0 all-reduce',
        'plain 1F1B instead',
      ])
        assert.ok(legendText.includes(word), `legend lacks "${word}": ${legendText}`);
      assert.ok(!legendText.includes('C1'), 'Algorithm 2 has no second barrier');
      assert.match(legendText, /algorithm 2 \(one barrier, C0\): the output layer is split over all 8 ranks/);
      // Two collective rows (broadcast, C0) under the eight lanes.
      const g0 = await page.evaluate(() => window.__scheduleInspector.timeline.geometry());
      const h = await page.evaluate(() => window.__scheduleInspector.timeline.cssHeight());
      assert.equal(h, g0.topPx + 8 * g0.laneHeightPx + 2 * g0.collectiveRowPx + 4);

      // Microbatch 5's S pass on rank 3, zoomed so it is several pixels wide.
      const q = opOf(drawn, 3, S, 5);
      const { ops } = drawn;
      const c0 = collOf(drawn, C0, 5);
      const cs = drawn.collectives;
      const t0 = ops.start[q] - 60;
      const t1 = cs.collEnd[c0] + 60;
      const at = await zoom(page, t0, t1);
      const sPoint = at.lane((ops.start[q] + ops.end[q]) / 2, 3);
      assert.ok(
        near(await pixelAt(page, TIMELINE, sPoint.x, sPoint.y), hex(S_COLOUR[theme]), 40),
        'S pass not in its colour',
      );
      let text = await tooltipAt(page, sPoint);
      assert.match(text, /S \(output layer forward on this rank’s vocabulary shard\) · stage 3 · microbatch 5/);
      assert.ok(text.includes(`start ${ms3(ops.start[q])} · end ${ms3(ops.end[q])}`), text);
      const bc = collOf(drawn, BROADCAST, 5);
      assert.ok(
        text.includes(
          `input: the last stage’s output, broadcast of microbatch 5 (${ms3(cs.collStart[bc])} → ${ms3(cs.collEnd[bc])})`,
        ),
        text,
      );
      // The C0 barrier of microbatch 5 in its row (row 1: broadcast is row 0), starting when the last S(5) ends.
      let lastS = 0;
      for (let r = 0; r < 8; r++) lastS = Math.max(lastS, ops.end[opOf(drawn, r, S, 5)]);
      assert.equal(cs.collStart[c0], lastS);
      const cPoint = at.row((cs.collStart[c0] + cs.collEnd[c0]) / 2, 1);
      text = await tooltipAt(page, cPoint);
      assert.match(text, /C0 all-reduce · microbatch 5 · all 8 ranks/);
      assert.ok(text.includes(`start ${ms3(cs.collStart[c0])} · end ${ms3(cs.collEnd[c0])}`), text);
      assert.match(text, /releases: T of microbatch 5 on every rank, B of microbatch 5 on stage 7/);
      assert.equal(await page.getAttribute('.si-tooltip', 'data-collective'), String(c0));
      // The last stage's B(5) starts at or after that barrier and says so.
      const b = opOf(drawn, 7, B, 5);
      assert.ok(ops.start[b] >= cs.collEnd[c0]);
      await zoom(page, ops.start[b] - 40, ops.end[b] + 40);
      const z = await zoom(page, ops.start[b] - 40, ops.end[b] + 40);
      text = await tooltipAt(page, z.lane((ops.start[b] + ops.end[b]) / 2, 7));
      assert.match(text, /B \(backward\) · stage 7 · microbatch 5/);
      assert.ok(
        text.includes(
          `input gradient from the output layer: C0 all-reduce of microbatch 5 (${ms3(cs.collStart[c0])} → ${ms3(cs.collEnd[c0])})`,
        ),
        text,
      );
      // Clicking the barrier highlights its microbatch: saved, and the S pass of microbatch 5 turns highlight-red.
      const back = await zoom(page, t0, t1);
      const box = await page.locator(TIMELINE).boundingBox();
      await page.mouse.click(box.x + cPoint.x, box.y + cPoint.y);
      await nextFrames(page, 3);
      assert.equal(await page.evaluate(() => window.__savedState.highlightMicrobatch), 5);
      const hl = await pixelAt(page, TIMELINE, back.lane((ops.start[q] + ops.end[q]) / 2, 3).x, sPoint.y);
      assert.ok(hl[0] > 150 && hl[0] > hl[2], `highlighted S pass not red-ish: ${hl}`);
      await page.mouse.move(box.x + cPoint.x, box.y + cPoint.y);
      await page.waitForSelector('.si-tooltip:not([hidden])');
      await page.screenshot({ path: join(artifacts, `vocab-timeline-zoom-${theme}.png`), fullPage: true });
      await page.focus(TIMELINE);
      await page.keyboard.press('0');
      await nextFrames(page, 3);
      await page.screenshot({ path: join(artifacts, `vocab-timeline-${theme}.png`), fullPage: true });
      assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
      assert.deepEqual(errors, []);
      await context.close();
    }
  });

  test('Vocabulary Parallelism: its legend row and rule reach WCAG AA in the dark, light and both high-contrast themes', async () => {
    const text = fork.replace('VOCAB_PARALLEL=1\n', 'VOCAB_PARALLEL=1\nFB_SPLIT=1\n');
    for (const theme of ['dark', 'light', 'hc', 'hcLight']) {
      const { page, context, errors } = await open(theme, text);
      assert.match(await page.textContent('.si-vocab'), /C1 all-reduce/);
      await assertLegible(page, `${theme} Vocabulary Parallelism timeline`);
      assert.deepEqual(errors, []);
      await context.close();
    }
  });

  test('Vocabulary Parallelism: Algorithm 1 draws its second barrier C1, and plain 1F1B is one click away', async () => {
    const text = fork.replace('VOCAB_PARALLEL=1\n', 'VOCAB_PARALLEL=1\nFB_SPLIT=1\n');
    const { page, context, errors, e, drawn } = await open('dark', text);
    const legendText = await page.textContent('.si-vocab');
    assert.match(legendText, /C1 all-reduce/);
    assert.match(legendText, /algorithm 1 \(two barriers, C0 and C1\)/);
    const cs = drawn.collectives;
    const c1 = collOf(drawn, C1, 9);
    const at = await zoom(page, cs.collStart[c1] - 50, cs.collEnd[c1] + 50);
    const tip = await tooltipAt(page, at.row((cs.collStart[c1] + cs.collEnd[c1]) / 2, 2));
    assert.match(tip, /C1 all-reduce · microbatch 9 · all 8 ranks/);
    assert.match(tip, /releases: B of microbatch 9 on stage 7/);
    // The toggle: plain 1F1B's 384 ops, no collective rows, and the summary says which timeline it is.
    const tall = await page.evaluate(() => window.__scheduleInspector.timeline.cssHeight());
    await page.click('#si-vocab-plain');
    await nextFrames(page, 3);
    const summary = await page.textContent('.si-summary');
    assert.match(summary, /384 ops/);
    assert.match(
      summary,
      new RegExp(
        `the timeline and memory lines show plain 1F1B \\(step ${e.vocabParallel.plainStepTimeMs.toFixed(1)} ms\\)`,
      ),
    );
    assert.match(await page.textContent('.si-vocab'), /Showing plain 1F1B/);
    const g = await page.evaluate(() => window.__scheduleInspector.timeline.geometry());
    assert.equal(
      await page.evaluate(() => window.__scheduleInspector.timeline.cssHeight()),
      tall - 3 * g.collectiveRowPx,
    );
    await page.click('#si-vocab-plain');
    await nextFrames(page, 3);
    assert.match(await page.textContent('.si-summary'), /768 ops/);
    assert.deepEqual(errors, []);
    await context.close();
  });
}
