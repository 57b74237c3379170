// Issue 17, the panel and the standalone report: legible in the light, dark and both high-contrast themes (the report
// following the browser's prefers-color-scheme / prefers-contrast), no dead controls in the report, a decluttered
// Compare tab, and keyboard access to the tabs and the timeline. Registered into run.mjs's list; the screenshots go
// to test/artifacts/ (git-ignored) and are meant to be looked at.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initScript, THEMES } from './lib.mjs';
import { contrastRatio, hex, near, nextFrames, pixelAt } from '../support/webviewPixels.mjs';

/** WCAG 2.x AA: 4.5:1 for text, 3:1 for large text (≥ 24 px, or ≥ 18.66 px bold). */
const AA_TEXT = 4.5;
const AA_LARGE = 3;
/** WCAG 2.1 SC 1.4.11 (non-text contrast, AA): 3:1 for the parts of a chart a user must tell apart. */
const AA_GRAPHIC = 3;

/**
 * In the page: every visible run of text (text nodes, also inside the toolkit's shadow roots, and input values) with
 * its colour composited over the backgrounds it sits on, and the WCAG contrast ratio. Controls that are disabled are
 * skipped: WCAG 1.4.3 exempts inactive components (the panel disables what-ifs until an analysis arrives).
 */
function pageTextContrasts() {
  const parse = (css) => {
    const m = /rgba?\(([^)]+)\)/.exec(css);
    if (!m) return [0, 0, 0, 0];
    const [r, g, b, a = '1'] = m[1].split(/[,/ ]+/).filter(Boolean);
    return [Number(r), Number(g), Number(b), Number(a)];
  };
  const over = (top, under) => top.slice(0, 3).map((c, i) => c * top[3] + under[i] * (1 - top[3]));
  const lum = (c) => {
    const lin = (v) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
    return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  /** The element this one is drawn inside: its slot's parent when slotted, the shadow host at a shadow root. */
  const up = (el) => el.assignedSlot ?? el.parentElement ?? el.getRootNode().host ?? null;
  const chain = (el) => {
    const out = [];
    for (let e = el; e; e = up(e)) out.push(e);
    return out;
  };
  const runs = [];
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) visit(el.shadowRoot);
      const own = [...el.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim()).map((n) => n.textContent);
      // A checkbox's value ("on") is not drawn: its label is the text.
      const shown = el.tagName === 'INPUT' && el.type !== 'checkbox' && el.type !== 'radio';
      const text = shown ? el.value : own.join(' ').trim();
      if (!text || el.tagName === 'SCRIPT' || el.tagName === 'STYLE' || el.tagName === 'OPTION') continue;
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      const ancestors = chain(el);
      if (ancestors.some((a) => a.hidden || getComputedStyle(a).visibility === 'hidden')) continue;
      if (ancestors.some((a) => a.disabled === true || a.getAttribute?.('aria-disabled') === 'true')) continue;
      let bg = [255, 255, 255];
      let opacity = 1;
      for (const a of ancestors.reverse()) {
        const cs = getComputedStyle(a);
        opacity *= Number(cs.opacity);
        bg = over(parse(cs.backgroundColor), bg);
      }
      const cs = getComputedStyle(el);
      const fgRgba = parse(cs.color);
      const fg = over([fgRgba[0], fgRgba[1], fgRgba[2], fgRgba[3] * opacity], bg);
      const px = parseFloat(cs.fontSize);
      const large = px >= 24 || (px >= 18.66 && Number(cs.fontWeight) >= 700);
      runs.push({
        text: text.slice(0, 40),
        fg: fg.map(Math.round),
        bg: bg.map(Math.round),
        ratio: ratio(fg, bg),
        large,
      });
    }
  };
  visit(document);
  return runs;
}

/** Asserts every run of text on the page meets AA; returns how many runs were checked. */
export async function assertLegible(page, where) {
  const runs = await page.evaluate(pageTextContrasts);
  const bad = runs.filter((r) => r.ratio < (r.large ? AA_LARGE : AA_TEXT));
  assert.deepEqual(
    bad.map((r) => `"${r.text}" ${r.ratio.toFixed(2)}:1 (rgb ${r.fg} on ${r.bg})`),
    [],
    `${where}: text below WCAG AA`,
  );
  assert.ok(runs.length >= 20, `${where}: only ${runs.length} runs of text found`);
  return runs.length;
}

/** Canvas text: the op labels take black or white per fill, and the axis/lane titles the theme foreground. */
async function assertCanvasTextLegible(page, where) {
  const { styles, labels, fg, bg, cache, memory } = await page.evaluate(() => {
    const c = window.__scheduleInspector.colors.normal;
    return {
      styles: c.styles,
      labels: c.labelOnStyle,
      fg: c.foreground,
      bg: c.background,
      cache: c.memoryCache,
      memory: c.memory,
    };
  });
  const ratio = contrastRatio;
  assert.equal(labels.length, styles.length, `${where}: one label colour per bar style`);
  styles.forEach((s, i) =>
    assert.ok(ratio(labels[i], s) >= AA_TEXT, `${where}: label ${labels[i]} on bar ${s} is ${ratio(labels[i], s)}:1`),
  );
  assert.ok(ratio(fg, bg) >= AA_TEXT, `${where}: axis text ${fg} on ${bg}`);
  // Issue 13: the memory bars' allocator-cache segment, a grey of the theme's own, against the background.
  assert.ok(ratio(cache, bg) >= AA_GRAPHIC, `${where}: allocator cache ${cache} on ${bg} is ${ratio(cache, bg)}:1`);
  // Every other memory segment too (WCAG 1.4.11): the light theme's orange and cyan are stepped darker to reach it.
  for (const m of memory)
    assert.ok(ratio(m, bg) >= AA_GRAPHIC, `${where}: memory segment ${m} on ${bg} is ${ratio(m, bg)}:1`);
}

/** Every element with a `disabled` attribute or property set, shadow roots included. */
const disabledElements = (page) =>
  page.evaluate(() => {
    const out = [];
    const visit = (root) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.shadowRoot) visit(el.shadowRoot);
        if (el.hasAttribute('disabled') || el.disabled === true || el.getAttribute('aria-disabled') === 'true')
          out.push(el.id || el.tagName.toLowerCase());
      }
    };
    visit(document);
    return out;
  });

/** Answers the panel's k-sweep request with plausible points, as the host would. */
async function answerSweep(page) {
  const req = await page
    .waitForFunction(() => window.__posted.find((m) => m.type === 'requestSweep'))
    .then((h) => h.jsonValue());
  const points = [];
  for (const strategy of ['average', 'uniform_comp'])
    for (const k of req.splits)
      points.push({
        strategy,
        splits: k,
        stepTimeMs: 900 / (1 + Math.log2(k)),
        peakGiB: 60 / Math.sqrt(k),
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
}

/** A launch with no pipeline parallelism (p = 1): no Seq1F1B variant or interleaving can run on it. */
const NO_PIPELINE =
  'torchrun --nproc_per_node 8 pretrain_gpt.py --pipeline-model-parallel-size 1 --num-layers 4 --hidden-size 512 ' +
  '--num-attention-heads 8 --seq-length 2048 --max-position-embeddings 4096 --micro-batch-size 1 ' +
  '--global-batch-size 64\n';

export function registerThemeTests({ test, browser, server, dir, harness, openPanel, exampleAnalysis, artifacts }) {
  test('the panel is legible in the dark, light and both high-contrast themes: DOM text and canvas labels reach WCAG AA (screenshots)', async () => {
    const { result } = exampleAnalysis();
    for (const theme of ['dark', 'light', 'hc', 'hcLight']) {
      const { page, context, errors } = await openPanel({ theme, result, height: 1000 });
      await page.waitForFunction(() => window.__scheduleInspector.memoryChart.pointCount() > 0);
      await nextFrames(page, 2);
      assert.ok(
        near(
          await pixelAt(page, '.si-timeline > .si-timeline-canvas', 2, 2),
          hex(THEMES[theme].vars['editor-background']),
        ),
        `${theme}: the timeline is not painted on the theme's editor background`,
      );
      await assertLegible(page, `${theme} timeline tab`);
      await assertCanvasTextLegible(page, theme);
      await page.screenshot({ path: join(artifacts, `theme-${theme}-timeline.png`), fullPage: true });
      await page.click('#tab-compare');
      await answerSweep(page);
      await assertLegible(page, `${theme} compare tab`);
      await page.screenshot({ path: join(artifacts, `theme-${theme}-compare.png`), fullPage: true });
      assert.deepEqual(errors, []);
      await context.close();
    }
  });

  test('the standalone report follows prefers-color-scheme and prefers-contrast, is legible in each, and shows no dead controls (screenshots)', async () => {
    const { result } = exampleAnalysis();
    const data = harness.encodeReportMessages([
      harness.buildAnalysisMessage(result, {
        fileName: 'seq1f1b-30b-64k.sh',
        overrides: {},
        canApply: false,
        canWhatIf: false,
      }),
    ]);
    writeFileSync(
      join(dir, 'report-themes.html'),
      harness.buildPageHtml({
        kind: 'standalone',
        nonce: 'cmVwb3J0bm9uY2UxMjM0NQ==',
        title: 'Schedule Inspector report',
        scriptText: readFileSync(join(dir, 'main.js'), 'utf8'),
        styleText: readFileSync(join(dir, 'webview.css'), 'utf8'),
        dataJson: data,
      }),
    );
    const cases = [
      { colorScheme: 'light', contrast: 'no-preference', kind: 'vscode-light', bg: [255, 255, 255] },
      { colorScheme: 'dark', contrast: 'no-preference', kind: 'vscode-dark', bg: [0x1e, 0x1e, 0x1e] },
      { colorScheme: 'light', contrast: 'more', kind: 'vscode-high-contrast-light', bg: [255, 255, 255] },
      { colorScheme: 'dark', contrast: 'more', kind: 'vscode-high-contrast', bg: [0, 0, 0] },
    ];
    for (const c of cases) {
      const name = `${c.colorScheme}${c.contrast === 'more' ? '-hc' : ''}`;
      const context = await browser.newContext({
        viewport: { width: 1280, height: 1000 },
        colorScheme: c.colorScheme,
        contrast: c.contrast,
        acceptDownloads: true,
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
      await page.goto(`${server.origin}/report-themes.html`);
      await page.waitForFunction(() => window.__scheduleInspector?.timeline.frames > 0);
      await page.waitForFunction(() => window.__scheduleInspector.memoryChart.pointCount() > 0);
      await nextFrames(page, 2);
      assert.equal(await page.evaluate(() => document.body.getAttribute('data-vscode-theme-kind')), c.kind, name);
      assert.ok(
        near(await pixelAt(page, '.si-timeline > .si-timeline-canvas', 2, 2), c.bg),
        `${name}: canvas background`,
      );
      await assertLegible(page, `report ${name}`);
      await assertCanvasTextLegible(page, `report ${name}`);
      // No control that needs VS Code: no what-if fields, no Apply / Reset / Export trace, and nothing disabled.
      assert.deepEqual(await disabledElements(page), [], `${name}: disabled elements in the report`);
      for (const id of ['si-apply', 'si-reset', 'si-trace', 'si-splits', 'si-strategy', 'si-gpu', 'si-microbatches'])
        assert.equal(await page.locator(`#${id}`).count(), 0, `${name}: #${id} is in the report`);
      // The schedule choice offers what the report can show: the schedules it holds a timeline for.
      const offered = await page.$$eval('#si-schedule vscode-option', (os) => os.map((o) => o.getAttribute('value')));
      assert.deepEqual(
        offered,
        harness.SCHEDULE_NAMES.filter((n) => result.schedules[n]?.sim?.opCount > 0),
      );
      await page.screenshot({ path: join(artifacts, `report-${name}-timeline.png`), fullPage: true });
      await page.click('#tab-compare');
      await nextFrames(page, 3);
      await assertLegible(page, `report ${name} compare`);
      await page.screenshot({ path: join(artifacts, `report-${name}-compare.png`), fullPage: true });
      if (c.contrast === 'no-preference' && c.colorScheme === 'light') {
        // Save PNG works without a host: the browser downloads the timeline.
        await page.click('#tab-timeline');
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('#si-png')]);
        assert.match(download.suggestedFilename(), /^seq1f1b-timeline\.png$/);
        // And the report follows a change of the OS theme while open.
        await page.emulateMedia({ colorScheme: 'dark' });
        await page.waitForFunction(() => document.body.classList.contains('vscode-dark'));
        await nextFrames(page, 3);
        assert.ok(near(await pixelAt(page, '.si-timeline > .si-timeline-canvas', 2, 2), [0x1e, 0x1e, 0x1e]));
      }
      assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
      assert.deepEqual(errors, []);
      await context.close();
    }
  });

  test('keyboard: the tabs are a tablist switched with the arrow keys; Tab reaches the timeline, which shows a focus ring and zooms and pans with keys', async () => {
    const { page, context } = await openPanel({ theme: 'light' });
    const roles = await page.evaluate(() => ({
      tabs: [...document.querySelectorAll('vscode-panel-tab')].map((t) => t.getAttribute('role')),
      list: document.querySelector('vscode-panels').shadowRoot.querySelector('[role="tablist"]') !== null,
      panels: [...document.querySelectorAll('vscode-panel-view')].map((v) => v.getAttribute('role')),
    }));
    assert.deepEqual(roles, { tabs: ['tab', 'tab', 'tab'], list: true, panels: ['tabpanel', 'tabpanel', 'tabpanel'] });
    await page.focus('#tab-timeline');
    // FAST reflects activeid on its next DOM update: wait for it rather than read mid-update.
    const expectTab = (id) =>
      page
        .waitForFunction((want) => document.querySelector('vscode-panels').getAttribute('activeid') === want, id, {
          timeout: 3000,
        })
        .catch(async () =>
          assert.fail(`expected ${id}, the panel shows ${await page.getAttribute('vscode-panels', 'activeid')}`),
        );
    await page.keyboard.press('ArrowRight');
    await expectTab('tab-memory');
    await page.waitForFunction(() => window.__savedState?.tab === 'memory', null, { timeout: 3000 });
    await page.keyboard.press('ArrowRight');
    await expectTab('tab-compare');
    await page.keyboard.press('Home');
    await expectTab('tab-timeline');
    // From the tab strip, Tab moves into the timeline tab and reaches the canvas.
    let reached = false;
    for (let n = 0; n < 12 && !reached; n++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.classList.contains('si-timeline-canvas'));
    }
    assert.ok(reached, 'Tab never reached the timeline');
    const ring = await page.$eval('.si-timeline > .si-timeline-canvas', (c) => {
      const cs = getComputedStyle(c);
      return {
        style: cs.outlineStyle,
        width: cs.outlineWidth,
        color: cs.outlineColor,
        visible: c.matches(':focus-visible'),
      };
    });
    assert.deepEqual(ring, { style: 'solid', width: '2px', color: 'rgb(0, 144, 241)', visible: true });
    const vp = () => page.evaluate(() => ({ ...window.__scheduleInspector.timeline.viewport }));
    const full = await vp();
    await page.keyboard.press('+');
    const zoomed = await vp();
    assert.ok(zoomed.t1Ms - zoomed.t0Ms < (full.t1Ms - full.t0Ms) * 0.7, '+ did not zoom in');
    await page.keyboard.press('ArrowRight');
    assert.ok((await vp()).t0Ms > zoomed.t0Ms, 'ArrowRight did not pan');
    await page.keyboard.press('0');
    assert.deepEqual(await vp(), full);
    await page.screenshot({
      path: join(artifacts, 'keyboard-focus-light.png'),
      clip: { x: 0, y: 0, width: 1280, height: 420 },
    });
    await context.close();
  });

  test('the one-line help names the zoom and pan keys and reads an op label the way the timeline draws it', async () => {
    const { page, context } = await openPanel();
    const help = await page.textContent('.si-help');
    for (const key of ['+', '-', '←', '→', '0', 'Esc']) assert.ok(help.includes(key), `help lacks ${key}: ${help}`);
    // The example is Seq1F1B with k = 2 and v = 1: labels are "microbatch.chunk", as the layout writes them.
    assert.match(help, /Label "3\.1" = microbatch 3, sequence chunk 1 \(from 0\)/);
    const labels = await page.evaluate(() => window.__scheduleInspector.timeline.raster.labels.map((l) => l.text));
    assert.ok(labels.length > 0 && labels.every((t) => /^\d+\.[01]$/.test(t)), labels.slice(0, 5).join(' '));
    await context.close();
  });

  test('compare: one row per distinct n/a reason, a legend for ★, short headers on one line, no k controls or sweep where no Seq1F1B schedule runs', async () => {
    const result = harness.analyze(NO_PIPELINE, { fileName: 'no-pipeline.sh' });
    const na = harness.SCHEDULE_NAMES.filter((n) => result.schedules[n] && !result.schedules[n].applicable);
    assert.ok(na.length >= 3, `expected several schedules not to apply at p = 1, got ${na}`);
    const { page, context } = await openPanel({ result, width: 900 });
    assert.equal(await page.locator('#si-splits').isVisible(), false, 'k shown where no Seq1F1B schedule runs');
    assert.equal(await page.locator('#si-strategy').isVisible(), false);
    await page.click('#tab-compare');
    await nextFrames(page, 3);
    const rows = await page.$$eval('.si-na-list li', (lis) =>
      lis.map((li) => ({ names: li.dataset.schedules.split(' '), text: li.textContent.replace(/^[^—]*— /, '') })),
    );
    assert.deepEqual(rows.flatMap((r) => r.names).sort(), [...na].sort(), 'each n/a schedule in exactly one row');
    const reasons = new Set(na.map((n) => result.schedules[n].reason));
    assert.equal(rows.length, reasons.size, 'one row per distinct reason');
    assert.equal(new Set(rows.map((r) => r.text)).size, rows.length, 'a reason repeated');
    // ★ marks the fastest schedules that run (at p = 1 several tie: one stage has no bubble to remove).
    const ran = harness.SCHEDULE_NAMES.filter((n) => result.schedules[n]?.applicable);
    const fastest = Math.min(...ran.map((n) => result.schedules[n].stepTimeMs));
    const starred = await page.$$eval('.si-table tr[data-schedule]', (trs) =>
      trs.filter((tr) => tr.textContent.includes('★')).map((tr) => tr.dataset.schedule),
    );
    assert.deepEqual(
      starred,
      ran.filter((n) => result.schedules[n].stepTimeMs === fastest),
    );
    assert.match(await page.textContent('.si-marks'), /★ the shortest step time/);
    const headerLines = await page.$$eval('.si-table th', (ths) =>
      ths.map((th) => {
        const cs = getComputedStyle(th);
        return th.getBoundingClientRect().height / (parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.3);
      }),
    );
    assert.ok(
      headerLines.every((h) => h < 2),
      `a header wraps: ${headerLines}`,
    );
    assert.equal(await page.locator('.si-compare h3', { hasText: 'k sweep' }).isVisible(), false);
    assert.equal(await page.evaluate(() => window.__posted.some((m) => m.type === 'requestSweep')), false);
    await page.screenshot({ path: join(artifacts, 'compare-no-pipeline.png'), fullPage: true });
    await context.close();
    // Where Seq1F1B runs, k shows for a Seq1F1B schedule and hides for one that has no k.
    const seq = await openPanel({ result: exampleAnalysis().result });
    assert.equal(await seq.page.locator('#si-splits').isVisible(), true);
    await seq.page.click('#tab-compare');
    await seq.page.click('.si-table tr[data-schedule="1f1b"]');
    assert.equal(await seq.page.locator('#si-splits').isVisible(), false);
    await seq.context.close();
  });
}
