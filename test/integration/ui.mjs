// UI scenario in a real VS Code (code-server workbench in headless Chromium), as a user would do it, in the dark and
// the light theme: open the example launch script, see the code lens, inlay hints and status bar, hover a flag, run
// "Compare Schedules" from the command palette and see the compare tab drawn. Screenshots of each step go to
// test/artifacts/vscode/ (git-ignored); every check asserts what the user sees, the pictures are a by-product.
// Exit code 0 when every check passed; prints one line per check.
// page.evaluate callbacks run in the workbench page; the DOM measuring lives in host.mjs (textCentre).
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT,
  checkPrerequisites,
  devPayload,
  launchBrowser,
  makeScratch,
  startCodeServer,
  hoverUntilShown,
  runScenario,
  scenarioChecks,
  runPaletteCommand,
} from './host.mjs';

const EXAMPLE = join(ROOT, 'media/examples/seq1f1b-30b-64k.sh');
const FILE = 'seq1f1b-30b-64k.sh';
const ARTIFACTS = join(ROOT, 'test/artifacts/vscode');
const STEP_TIMEOUT_MS = 30_000;
const TOTAL_TIMEOUT_MS = Number(process.env.UI_TIMEOUT_MS) || 240_000;
const THEMES = [
  { name: 'dark', theme: 'Default Dark Modern', bodyClass: 'vs-dark' },
  { name: 'light', theme: 'Default Light Modern', bodyClass: 'vs' },
];

checkPrerequisites(['dist/extension.js']);
if (!existsSync(EXAMPLE)) {
  console.error(`ui: ${EXAMPLE} is missing (the example launch script the scenario opens)`);
  console.log('ui: 0 passed, 1 failed');
  process.exit(1);
}
mkdirSync(ARTIFACTS, { recursive: true });

const t0 = Date.now();
const scratch = makeScratch({
  fixtures: [],
  settings: {
    'workbench.colorTheme': THEMES[0].theme,
    'workbench.preferredDarkColorTheme': THEMES[0].theme,
    'workbench.preferredLightColorTheme': THEMES[1].theme,
    'editor.inlayHints.enabled': 'on',
  },
});
copyFileSync(EXAMPLE, join(scratch.ws, FILE));
let server;
let browser;
let page;

const { check, counts } = scenarioChecks({ artifacts: ARTIFACTS, prefix: 'failure-', page: () => page });

async function scenario({ name, bodyClass }) {
  console.log(`${name} theme`);
  await page.locator(`.monaco-workbench.${bodyClass}`).waitFor({ timeout: STEP_TIMEOUT_MS });
  const editorLine = (text) => page.locator('.editor-instance .view-lines .view-line', { hasText: text }).first();

  await check(`${name}: open the example script`, async () => {
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill(FILE);
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: FILE })
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.keyboard.press('Enter');
    await editorLine('pretrain_').waitFor({ timeout: STEP_TIMEOUT_MS });
  });

  await check(`${name}: code lens above the launch shows the schedule summary`, async () => {
    const lens = page.locator('.codelens-decoration', { hasText: 'bubble' }).first();
    await lens.waitFor({ timeout: STEP_TIMEOUT_MS });
    const text = await lens.innerText();
    if (
      !/step · [\d.]+[kM]? tok\/s · bubble [\d.]+ % · peak [\d.]+\/\d+ GiB reserved \(stage \d+\)/.test(
        text.replace(/\s+/g, ' '),
      )
    )
      throw new Error(`lens text: ${text}`);
    if (!(await page.locator('.codelens-decoration', { hasText: 'Compare schedules' }).count()))
      throw new Error('no Compare schedules lens');
  });

  await check(`${name}: inlay hints show DP/microbatches and the bubble`, async () => {
    // The editor renders only visible lines: bring the batch flags into view the way a user would (Go to Line).
    const gbsLine =
      readFileSync(EXAMPLE, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('--global-batch-size')) + 1;
    await page.keyboard.press('Control+G');
    await page.locator('.quick-input-widget input').fill(`:${gbsLine}`);
    await page.keyboard.press('Enter');
    await editorLine('microbatches').waitFor({ timeout: STEP_TIMEOUT_MS });
    // The editor renders spaces as U+00A0; \s covers both.
    await page
      .locator('.view-line', { hasText: /bubble\s[\d.]+\s%/ })
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await page
      .locator('.view-line', { hasText: /peak\s[\d.]+\/\d+\sGiB\sreserved\s\(stage\s\d+\)/ })
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });
  });

  await check(`${name}: status bar shows schedule · bubble · peak`, async () => {
    await page
      .locator('.statusbar-item', { hasText: /bubble [\d.]+ %/ })
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });
  });
  await page.screenshot({ path: join(ARTIFACTS, `editor-${name}.png`) });

  await check(`${name}: hover on the entry script names the dialect and its evidence`, async () => {
    // The example sets --pipe-sp-splits, a flag only the Seq1F1B fork's parser defines (megatron/arguments.py:732
    // at thunlp/Seq1F1B 68934661), so the hover must say seq1f1b and show that flag as the deciding evidence.
    const line = editorLine('pretrain_gpt.py');
    await line.scrollIntoViewIfNeeded();
    const hover = page.locator('.monaco-hover', { hasText: 'Dialect' });
    await hoverUntilShown(page, line, 'pretrain_gpt.py', hover);
    const text = (await hover.innerText()).replace(/\s+/g, ' ');
    if (!/seq1f1b/i.test(text) || !/--pipe-sp-splits/.test(text)) throw new Error(`dialect hover: ${text}`);
    await page.screenshot({ path: join(ARTIFACTS, `dialect-${name}.png`) });
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
  });

  await check(`${name}: hover on --pipeline-model-parallel-size shows the what-if table`, async () => {
    const line = editorLine('--pipeline-model-parallel-size');
    await line.scrollIntoViewIfNeeded();
    const hover = page.locator('.monaco-hover', { hasText: 'step time' });
    await hoverUntilShown(page, line, '--pipeline-model-parallel-size', hover);
    await page.screenshot({ path: join(ARTIFACTS, `hover-${name}.png`) });
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
  });

  await check(`${name}: "Compare Schedules" from the command palette opens the timeline panel`, async () => {
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').fill('>Schedule Inspector: Compare Schedules');
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'Compare Schedules' })
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.keyboard.press('Enter');
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    // What the user sees: the compare tab, a row per schedule with the example's own (seq1f1b) among them, and the
    // small multiples drawn (not blank canvases).
    const rows = frame.locator('.si-table tbody tr[data-schedule]');
    await rows.nth(1).waitFor({ timeout: STEP_TIMEOUT_MS });
    const active = await frame.locator('vscode-panels').getAttribute('activeid');
    if (active !== 'tab-compare') throw new Error(`the panel opened on ${active}, not the compare tab`);
    if (!(await frame.locator('.si-table tr[data-schedule="seq1f1b"]').count()))
      throw new Error('no seq1f1b row in the compare table');
    const chart = frame.locator('.si-multiple canvas').first();
    await chart.waitFor({ timeout: STEP_TIMEOUT_MS });
    const ink = await chart.evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let drawn = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 32) drawn++;
      return drawn / (d.length / 4);
    });
    if (!(ink >= 0.005)) throw new Error(`the first small multiple is blank (${(ink * 100).toFixed(2)} % drawn)`);
    await page.screenshot({ path: join(ARTIFACTS, `compare-${name}.png`) });
  });
  await page.keyboard.press('Escape');
  await runCommand('View: Close All Editors');

  await check(`${name}: the getting-started walkthrough lists its four steps`, async () => {
    await runCommand('Welcome: Open Walkthrough...');
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'Get started with Schedule Inspector' })
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.keyboard.type('Schedule Inspector');
    await page.keyboard.press('Enter');
    for (const step of [
      'Open the example launch script',
      'See the timeline',
      'Fix an OOM with a quick fix',
      'Compare schedules',
    ])
      await page.locator('.getting-started-step', { hasText: step }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.screenshot({ path: join(ARTIFACTS, `walkthrough-${name}.png`) });
  });
  await runCommand('View: Close All Editors');
}

const runCommand = (title) => runPaletteCommand(page, title, STEP_TIMEOUT_MS);

const run = async () => {
  server = await startCodeServer(scratch);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(server.url({ payload: devPayload() }));
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: FILE }).waitFor({ timeout: 60_000 });
  for (const [i, theme] of THEMES.entries()) {
    if (i > 0) {
      // Switch the theme from the palette, between the preferred light and dark themes set above.
      await runCommand('Preferences: Toggle between Light/Dark Themes');
    }
    await scenario(theme);
  }
};

await runScenario(run, {
  timeoutMs: TOTAL_TIMEOUT_MS,
  counts,
  label: 'scenario',
  cleanup: async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    scratch.cleanup();
  },
});
console.error(`ui: ${((Date.now() - t0) / 1000).toFixed(1)} s, screenshots in ${ARTIFACTS}`);
console.log(`ui: ${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed === 0 && counts.passed > 0 ? 0 : 1);
