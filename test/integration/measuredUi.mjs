// Issue 19's acceptance as a user sees it, in a real VS Code (code-server workbench in headless Chromium): a launch
// script that tees its output to a training log in the workspace (`| tee logs/run.log`), in the Dark Modern and the
// Light Modern theme. It checks the code lens and the launch hover say "predicted … · measured …" with the log's
// steady iterations and per-stage memory, opens the timeline panel and reads there (inside the webview) the
// measured step time in the summary and the measured memory markers beside the predicted bars, runs "Calibrate From
// Training Log" from the command palette, checks the hover says "calibrated from logs/run.log" and that the
// --pipeline-model-parallel-size what-if table's figures changed, then runs "Reset Calibration" and checks the
// model's own figures are back. Screenshots: test/artifacts/vscode/measured-<theme>-{editor,panel,memory,calibrated}.png
// (git-ignored); look at them.
//
//   npm run test:ui-measured
//
// It tests this tree, not whatever dist/ holds: the extension is built with esbuild.mjs --outdir into a scratch
// extension folder (package.json and media/ copied beside it) and loaded from there; dist/ is never written.
// About two minutes, so it is a manual script like test:ui-truth, not a step of `npm test`.
// Exit 0 when every check passed; prints one line per check and the figures read.
/* global window -- used inside page.evaluate callbacks (workbench page, webview frame) */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  REMOTE,
  ROOT,
  checkPrerequisites,
  launchBrowser,
  makeScratch,
  runPaletteCommand,
  scenarioChecks,
  startCodeServer,
  hoverUntilShown,
  runScenario,
  themeShown,
  useTheme,
} from './host.mjs';

const ARTIFACTS = join(ROOT, 'test/artifacts/vscode');
const STEP_TIMEOUT_MS = 30_000;
const TOTAL_TIMEOUT_MS = Number(process.env.UI_TIMEOUT_MS) || 420_000;
/** The theme's setting id, its label in the Color Theme picker, its body class and editor.background (theme-defaults). */
const THEMES = [
  { name: 'dark', label: 'Dark Modern', bodyClass: 'vs-dark', editorBg: '#1f1f1f' },
  { name: 'light', label: 'Light Modern', bodyClass: 'vs', editorBg: '#ffffff' },
];

// ─── The workspace: a launch that tees to logs/run.log, and that log in Megatron-LM's formats ────────────────
const SCRIPT = 'measured-run.sh';
const SCRIPT_TEXT = `#!/bin/bash
# A launch whose run left its log in the workspace: the editor compares it with the prediction.
torchrun --nproc_per_node 8 pretrain_gpt.py \\
  --num-layers 32 --hidden-size 4096 --num-attention-heads 32 --seq-length 4096 --max-position-embeddings 4096 \\
  --micro-batch-size 1 --global-batch-size 64 --bf16 --vocab-size 32000 --use-distributed-optimizer \\
  --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2 2>&1 | tee logs/run.log
`;
/** The measured steady step, ms, and how the lens (formatDurationMs) and the panel (measuredStepText) print it. */
const STEADY_MS = 9100;
const STEADY_LENS = '9.10 s';
const STEADY_PANEL = '9100.0 ms';
/** report_memory's MB (MiB) per reporting rank: rank 0 is stage 0, rank 4 stage 1. */
const MEMORY_MIB = [
  { rank: 0, stage: 0, allocated: 24010.5, maxAllocated: 31950.0, reserved: 34304.0, maxReserved: 34304.0 },
  { rank: 4, stage: 1, allocated: 19870.0, maxAllocated: 26215.0, reserved: 28570.0, maxReserved: 28570.0 },
];
const gib1 = (mib) => (mib / 1024).toFixed(1);
const WARMUP_LINES = 10;
const STEADY_LINES = 30;
/**
 * Megatron-LM d98e8a64's prints: the arguments block (arguments.py:1990-2002 _print_args), one training_log line per
 * iteration (training.py:3567-3641), and report_memory after the first log interval from data-parallel rank 0 of
 * each stage (common_utils.py:321-333: MB = 1024² bytes). With TP 2 and PP 2 on 8 GPUs ranks 0-3 are stage 0 and 4-7
 * stage 1 (pp outermost, parallel_state.py:617).
 */
function megatronLog() {
  const lines = [
    '------------------------ arguments ------------------------',
    '  global_batch_size ............................... 64',
    '  num_layers ...................................... 32',
    '  pipeline_model_parallel_size .................... 2',
    '  tensor_model_parallel_size ...................... 2',
    '  world_size ...................................... 8',
    '-------------------- end of arguments ---------------------',
  ];
  for (let i = 1; i <= WARMUP_LINES + STEADY_LINES; i++) {
    const ms = (i <= WARMUP_LINES ? 14000 : STEADY_MS).toFixed(1);
    lines.push(
      ` [2026-12-01 10:00:00.000000] iteration ${String(i).padStart(8)}/    1000 | consumed samples: ${String(i * 64).padStart(12)} | elapsed time per iteration (ms): ${ms} | global batch size:    64 | loss scale: 1.0 | number of skipped iterations:   0 | number of nan iterations:   0 |`,
    );
    if (i === WARMUP_LINES)
      for (const m of MEMORY_MIB)
        lines.push(
          `[Rank ${m.rank}] (after 10 iterations) memory (MB) | allocated: ${m.allocated} | max allocated: ${m.maxAllocated} | reserved: ${m.reserved} | max reserved: ${m.maxReserved}`,
        );
  }
  return lines.join('\n') + '\n';
}

// ─── This tree, built into a scratch extension folder ────────────────────────────────────────────────────────
checkPrerequisites([]);
mkdirSync(ARTIFACTS, { recursive: true });
const t0 = Date.now();
const scratch = makeScratch({
  fixtures: [],
  settings: { 'workbench.colorTheme': 'Default Dark Modern', 'files.autoSave': 'off' },
});
const extensionDir = join(scratch.dir, 'extension');
mkdirSync(extensionDir, { recursive: true });
execFileSync(process.execPath, ['esbuild.mjs', `--outdir=${join(extensionDir, 'dist')}`], {
  cwd: ROOT,
  stdio: 'inherit',
});
for (const f of ['package.json', 'media', 'LICENSE']) cpSync(join(ROOT, f), join(extensionDir, f), { recursive: true });
writeFileSync(join(scratch.ws, SCRIPT), SCRIPT_TEXT);
mkdirSync(join(scratch.ws, 'logs'), { recursive: true });
writeFileSync(join(scratch.ws, 'logs/run.log'), megatronLog());

let server;
let browser;
let page;
/** What each theme's pass read, printed at the end. */
const table = [];
const { check, counts } = scenarioChecks({ artifacts: ARTIFACTS, prefix: 'failure-measured-', page: () => page });
const flat = (s) =>
  s
    .replace(/\u00a0/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
const shot = (theme, kind) => page.screenshot({ path: join(ARTIFACTS, `measured-${theme.name}-${kind}.png`) });
const editorLines = () => page.locator('.editor-instance .view-lines .view-line');

/** Hovers `word` on the rendered line whose text contains `lineHas` until a hover containing `hasText` shows. */
async function hoverWord(lineHas, word, hasText) {
  await page.mouse.move(5, 5);
  await page.keyboard.press('Escape');
  const line = editorLines().filter({ hasText: lineHas }).first();
  await line.waitFor({ timeout: STEP_TIMEOUT_MS });
  const hover = page.locator('.monaco-hover', { hasText });
  // From the empty lines below the launch: from above, the path crosses `torchrun`, whose hover then covers the flag.
  await hoverUntilShown(page, line, word, hover, { fromDy: 120 });
  return flat(await hover.innerText());
}

/**
 * The part of a lens line matching `re`, once VS Code shows it (polled: lenses refresh after each analysis). One
 * `.codelens-decoration` holds every lens of its line, separated by " | ".
 */
async function lensMatching(re) {
  let seen = [];
  for (let i = 0; i < 60; i++) {
    seen = (await page.locator('.codelens-decoration').allInnerTexts()).map(flat);
    for (const t of seen) {
      const m = re.exec(t);
      if (m) return m[0];
    }
    await page.waitForTimeout(500);
  }
  throw new Error(`no lens matches ${re}: ${seen.join(' || ')}`);
}

/** The panel's webview frame (the one running our app), for reading its state. */
async function panelFrame() {
  for (let i = 0; i < 40; i++) {
    for (const f of page.frames()) {
      const ours = await f.evaluate(() => !!window.__scheduleInspector).catch(() => false);
      if (ours) return f;
    }
    await page.waitForTimeout(500);
  }
  throw new Error('no webview frame runs the panel');
}

const PP_FLAG = '--pipeline-model-parallel-size';

/** The rows of the what-if table in the PP flag's hover (`p (PP) | step | tok/s | GiB reserved | also changes`). */
async function ppWhatIfRows() {
  await hoverWord(PP_FLAG, PP_FLAG, 'p (PP)');
  const rows = (await page.locator('.monaco-hover table', { hasText: 'p (PP)' }).first().locator('tr').allInnerTexts())
    .map(flat)
    .slice(1);
  // A value that cannot run (PP 8 on 8 GPUs with TP 2) has a reason instead of figures.
  if (rows.filter((r) => /\d m?s\b/.test(r)).length < 2) throw new Error(`what-if rows: ${rows.join(' / ')}`);
  return rows;
}

async function themePass(theme) {
  const row = { theme: theme.name };
  const label = theme.name;
  await check(`${label}: the workbench shows ${theme.label}`, async () => {
    if (!(await themeShown(page, theme))) throw new Error('another theme is shown');
  });
  const opened = await check(`${label}: open ${SCRIPT}`, async () => {
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill(SCRIPT);
    const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: SCRIPT }).first();
    await pick.waitFor({ timeout: STEP_TIMEOUT_MS });
    await pick.click();
    await page.locator('.tabs-container .tab.active', { hasText: SCRIPT }).waitFor({ timeout: STEP_TIMEOUT_MS });
    await editorLines().first().waitFor({ timeout: STEP_TIMEOUT_MS });
    return true;
  });
  if (!opened) return;

  row.lens = await check(`${label}: the code lens says predicted · measured with the steady iterations`, () =>
    lensMatching(
      new RegExp(`predicted [\\d.]+ m?s · measured ${STEADY_LENS} \\([+-][\\d.]+ %, ${STEADY_LINES} iterations\\)`),
    ),
  );
  await check(`${label}: the lens offers "Calibrate from run.log"`, () => lensMatching(/Calibrate from run\.log/));

  await page.keyboard.press('Control+Home');
  await shot(theme, 'lens');
  row.hover = await check(`${label}: the launch hover compares step time and both stages' memory`, async () => {
    const text = await hoverWord('torchrun', 'torchrun', 'Measured');
    const want = [
      new RegExp(`Measured \\(logs/run\\.log\\): predicted [\\d.]+ m?s · measured ${STEADY_LENS}`),
      ...MEMORY_MIB.map(
        (m) =>
          new RegExp(
            `stage ${m.stage} peak allocated: predicted [\\d.]+ GiB · measured ${gib1(m.maxAllocated)} GiB, max reserved ${gib1(m.maxReserved)} GiB \\(rank ${m.rank}\\)`,
          ),
      ),
    ];
    for (const re of want) if (!re.test(text)) throw new Error(`hover lacks ${re}: ${text}`);
    return text;
  });
  await page.waitForTimeout(300);
  await shot(theme, 'editor');

  row.whatIfBefore = await check(`${label}: the PP hover has a what-if table with step times`, ppWhatIfRows);
  await page.mouse.move(5, 5);
  await page.keyboard.press('Escape');

  row.panel = await check(
    `${label}: the panel's summary shows the measured step time against the prediction`,
    async () => {
      await runPaletteCommand(page, 'Schedule Inspector: Open Timeline', STEP_TIMEOUT_MS);
      const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      const summary = frame.locator('.si-summary', { hasText: 'measured' });
      await summary.waitFor({ timeout: STEP_TIMEOUT_MS });
      const text = flat(await summary.innerText());
      const re = new RegExp(
        `measured ${STEADY_PANEL.replace('.', '\\.')} \\([+-][\\d.]+ % vs predicted, ${STEADY_LINES} iterations, run\\.log\\)`,
      );
      if (!re.test(text)) throw new Error(`summary: ${text}`);
      await page.waitForTimeout(800);
      await shot(theme, 'panel');
      return text;
    },
  );

  row.markers = await check(
    `${label}: the Memory tab marks each stage's measured max reserved and allocated`,
    async () => {
      const frame = await panelFrame();
      await frame.click('#tab-memory');
      await frame.waitForFunction(() => window.__scheduleInspector.peakChart.chart?.data.datasets.length > 0, null, {
        timeout: STEP_TIMEOUT_MS,
      });
      await page.waitForTimeout(500);
      const sets = await frame.evaluate(() =>
        window.__scheduleInspector.peakChart.chart.data.datasets.map((d) => ({ label: d.label, data: d.data })),
      );
      const reserved = sets.find((d) => /^measured max reserved \(run\.log\)$/.test(d.label));
      const allocated = sets.find((d) => /^measured max allocated \(run\.log\)$/.test(d.label));
      if (!reserved || !allocated) throw new Error(sets.map((d) => d.label).join(' | '));
      // Megatron's MB are MiB (report_memory divides by 1024²): GiB = MiB / 1024, one marker per stage.
      const gib = (xs) => xs.slice(0, 2).map((v) => (v == null ? null : Number(v.toFixed(3))));
      const want = {
        reserved: MEMORY_MIB.map((m) => Number((m.maxReserved / 1024).toFixed(3))),
        allocated: MEMORY_MIB.map((m) => Number((m.maxAllocated / 1024).toFixed(3))),
      };
      if (JSON.stringify(gib(reserved.data)) !== JSON.stringify(want.reserved))
        throw new Error(`reserved markers ${JSON.stringify(reserved.data)}`);
      if (JSON.stringify(gib(allocated.data)) !== JSON.stringify(want.allocated))
        throw new Error(`allocated markers ${JSON.stringify(allocated.data)}`);
      const note = flat(await frame.locator('.si-tab .si-note').first().innerText());
      if (!/measured max reserved \(▲.*from run\.log/.test(note)) throw new Error(`memory note: ${note}`);
      await shot(theme, 'memory');
      await frame.click('#tab-timeline');
      return `${want.reserved.join('/')} reserved, ${want.allocated.join('/')} allocated GiB`;
    },
  );

  row.calibrated = await check(
    `${label}: Calibrate From Training Log → the lens and the hover say calibrated from logs/run.log`,
    async () => {
      await page.locator('.tabs-container .tab', { hasText: SCRIPT }).first().click();
      await runPaletteCommand(page, 'Schedule Inspector: Calibrate From Training Log', STEP_TIMEOUT_MS);
      await lensMatching(/calibrated from logs\/run\.log — reset/);
      const lens = await lensMatching(new RegExp(`predicted ${STEADY_LENS} · measured ${STEADY_LENS} \\([+-]0\\.0 %`));
      const text = await hoverWord('torchrun', 'torchrun', 'calibrated from');
      if (!/calibrated from logs\/run\.log: GEMM efficiency [\d.]+ %, per-step overhead/.test(text))
        throw new Error(`hover: ${text}`);
      return lens;
    },
  );

  row.whatIfAfter = await check(`${label}: the PP what-if figures changed with the calibration`, async () => {
    if (!row.whatIfBefore) throw new Error('no what-if table was read before calibrating');
    let steps = [];
    for (let i = 0; i < 10; i++) {
      steps = await ppWhatIfRows();
      if (JSON.stringify(steps) !== JSON.stringify(row.whatIfBefore)) break;
      await page.waitForTimeout(500);
    }
    if (JSON.stringify(steps) === JSON.stringify(row.whatIfBefore))
      throw new Error(`before ${row.whatIfBefore?.join(', ')}; after ${steps.join(', ')}`);
    await page.waitForTimeout(300);
    await shot(theme, 'calibrated');
    return steps;
  });
  await page.mouse.move(5, 5);
  await page.keyboard.press('Escape');

  await check(`${label}: the panel follows the calibration (predicted = measured)`, async () => {
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    const summary = frame.locator('.si-summary', {
      hasText: new RegExp(`measured ${STEADY_PANEL.replace('.', '\\.')} \\([+-]0\\.0 % vs predicted`),
    });
    await summary.waitFor({ timeout: STEP_TIMEOUT_MS });
  });

  await check(`${label}: Reset Calibration → the model's own figures are back`, async () => {
    await page.locator('.tabs-container .tab', { hasText: SCRIPT }).first().click();
    await runPaletteCommand(page, 'Schedule Inspector: Reset Calibration', STEP_TIMEOUT_MS);
    await lensMatching(/Calibrate from run\.log/);
    // The very headline of before the calibration (polled: the lens answers after the re-analysis).
    await lensMatching(new RegExp(row.lens.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    let steps = [];
    for (let i = 0; i < 10; i++) {
      steps = await ppWhatIfRows();
      if (JSON.stringify(steps) === JSON.stringify(row.whatIfBefore)) break;
      await page.waitForTimeout(500);
    }
    if (JSON.stringify(steps) !== JSON.stringify(row.whatIfBefore))
      throw new Error(`what-ifs after reset ${steps.join(', ')}; before ${row.whatIfBefore?.join(', ')}`);
  });
  await page.mouse.move(5, 5);
  await page.keyboard.press('Escape');
  table.push(row);
  await runPaletteCommand(page, 'View: Close All Editors', STEP_TIMEOUT_MS);
}

const run = async () => {
  server = await startCodeServer(scratch);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 1100 } });
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', REMOTE + extensionDir],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ]);
  await page.goto(server.url({ payload }));
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
  for (const theme of THEMES) {
    await useTheme(page, theme, STEP_TIMEOUT_MS);
    console.log(`${theme.name} theme (${theme.label})`);
    await themePass(theme);
  }
};

await runScenario(run, {
  timeoutMs: TOTAL_TIMEOUT_MS,
  counts,
  onAbort: () => page?.screenshot({ path: join(ARTIFACTS, 'failure-measured-aborted.png') }),
  cleanup: async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    if (!process.env.MEASURED_UI_KEEP) scratch.cleanup();
  },
});
for (const r of table)
  console.log(
    `${r.theme}: lens "${r.lens ?? '—'}"; calibrated "${r.calibrated ?? '—'}"; PP what-ifs [${r.whatIfBefore?.join(' / ') ?? '—'}] → [${r.whatIfAfter?.join(' / ') ?? '—'}]; panel "${r.panel ?? '—'}"`,
  );
console.error(`ui-measured: ${((Date.now() - t0) / 1000).toFixed(1)} s, screenshots in ${ARTIFACTS}`);
console.log(`ui-measured: ${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed === 0 && counts.passed > 0 ? 0 : 1);
