// Real launch files in a real VS Code (code-server workbench in headless Chromium), dark and light theme: for each
// file given on the command line, open it under its original repository path, wait for the analysis, hover the entry
// script until the dialect hover shows, then open the Problems panel. Prints the hover's dialect line and every
// Problems entry with its severity (read from the DOM, i.e. what the user sees) and writes
// test/artifacts/vscode/real-<name>-<theme>-{hover,problems}.png (git-ignored). The files are read where they are
// (e.g. /work/corpus, outside the repository) and copied only into a throw-away workspace.
//
//   npm run ui:real -- FILE [FILE…]
//
// Exit 0 when every step worked for every file and theme; the verdict on the entries (false error or not) is the
// reader's, so the pictures must be looked at.
/* global document, getComputedStyle -- used inside page.evaluate callbacks (workbench page) */
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import {
  ROOT,
  checkPrerequisites,
  devPayload,
  launchBrowser,
  makeScratch,
  startCodeServer,
  textCentre,
  runScenario,
  scenarioChecks,
  runPaletteCommand,
} from './host.mjs';

const ARTIFACTS = join(ROOT, 'test/artifacts/vscode');
const STEP_TIMEOUT_MS = 30_000;
const THEMES = [
  { name: 'dark', theme: 'Default Dark Modern', bodyClass: 'vs-dark' },
  { name: 'light', theme: 'Default Light Modern', bodyClass: 'vs' },
];
/** The corpus keeps one folder per repository (`owner__repo`) and flattens paths inside it with `__`. */
const FLATTENED = '__';

const inputs = process.argv.slice(2).filter((a) => a !== '--');
if (!inputs.length || inputs.some((a) => a.startsWith('-'))) {
  console.error('usage: npm run ui:real -- FILE [FILE…]   (real launch files, e.g. from /work/corpus)');
  process.exit(2);
}
for (const f of inputs) {
  if (!existsSync(f) || !statSync(f).isFile()) {
    console.error(`ui:real: ${f} is not a file`);
    process.exit(2);
  }
}
checkPrerequisites(['dist/extension.js']);
mkdirSync(ARTIFACTS, { recursive: true });

/**
 * Where the file lives in its own repository, so the extension sees the real file name (the script kind is partly
 * decided by it): `/work/corpus/NVIDIA__Megatron-LM/examples__llama__train_x.sh` → `Megatron-LM/examples/llama/train_x.sh`.
 * A file outside such a layout keeps its base name.
 */
function workspacePath(file) {
  const abs = resolve(file);
  const repoDir = basename(dirname(abs));
  const repo = repoDir.includes(FLATTENED) ? repoDir.slice(repoDir.indexOf(FLATTENED) + FLATTENED.length) : '';
  // `__init__`-style names stay whole: only a separator with text on both sides is a flattened '/'.
  const parts = basename(abs)
    .split(/(?<=[^_])__(?=[^_])/)
    .filter(Boolean);
  return join(repo, ...parts);
}

/**
 * Words that may be the entry script of the launch, most likely first: `*.py` words, and uses of a variable assigned a
 * `*.py` path (`SCRIPT="pretrain_gpt.py"; torchrun … "$SCRIPT"`). Words on a launch line come before those on an
 * assignment, echo or test line; comment lines are skipped.
 */
function entryCandidates(text) {
  const lines = text.split('\n');
  const pyVars = new Set();
  for (const line of lines) {
    const m = /^\s*(?:export\s+)?(\w+)=["']?[^"'\s]*\.py["']?\s*$/.exec(line);
    if (m) pyVars.add(m[1]);
  }
  const found = [];
  lines.forEach((line, i) => {
    if (/^\s*#/.test(line)) return;
    const incidental = /^\s*(?:export\s+)?\w+=|\becho\b|\bif\b|\[\s/.test(line);
    const launch = /\b(torchrun|python3?|deepspeed|torch\.distributed\.(run|launch)|msrun|srun|mpirun)\b/.test(line);
    const rank = incidental ? 2 : launch || /\\\s*$/.test(lines[i - 1] ?? '') ? 0 : 1;
    for (const m of line.matchAll(/[\w./-]*?([\w-]+\.py)\b/g)) found.push({ line: i + 1, word: m[1], rank });
    for (const v of pyVars)
      for (const m of line.matchAll(new RegExp(`\\$\\{?${v}\\b\\}?`, 'g')))
        found.push({ line: i + 1, word: m[0], rank });
  });
  return found.sort((a, b) => a.rank - b.rank || a.line - b.line);
}

const files = inputs.map((f) => {
  const rel = workspacePath(f);
  const text = readFileSync(f, 'utf8');
  return { source: resolve(f), rel, name: basename(rel, extname(rel)), entries: entryCandidates(text) };
});
// Two files of one base name (every repo has a pretrain_gpt.sh) get their folder path in the PNG name.
for (const f of files)
  if (files.filter((g) => g.name === f.name).length > 1)
    f.name = f.rel.slice(0, -extname(f.rel).length || undefined).replace(/[\\/]+/g, '-');
// About 25 s per file and theme here; the budget leaves room for a slow, shared machine.
const TOTAL_TIMEOUT_MS = Number(process.env.UI_TIMEOUT_MS) || 120_000 + 90_000 * files.length * THEMES.length;

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
for (const f of files) {
  const target = join(scratch.ws, f.rel);
  if (relative(scratch.ws, target).startsWith('..' + sep)) throw new Error(`${f.rel} escapes the workspace`);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(f.source, target);
}

let server;
let browser;
let page;
const summary = [];

const { check: step, counts } = scenarioChecks({ artifacts: ARTIFACTS, prefix: 'failure-real-', page: () => page });

const runCommand = (title) => runPaletteCommand(page, title, STEP_TIMEOUT_MS);

/** The rendered editor line showing 1-based line `n` (the gutter number and the text line share their `top`), or null. */
async function editorLine(n) {
  const handle = await page.evaluateHandle((lineNumber) => {
    const editor = document.querySelector('.editor-instance .monaco-editor');
    if (!editor) return null;
    const gutter = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].find(
      (el) => el.textContent.trim() === String(lineNumber),
    );
    if (!gutter) return null;
    const top = gutter.parentElement.style.top || getComputedStyle(gutter.parentElement).top;
    return [...editor.querySelectorAll('.view-lines .view-line')].find((el) => el.style.top === top) ?? null;
  }, n);
  return handle.asElement();
}

/** Pixel centre of `word` in the editor line `n`. */
async function wordCentre(n, word) {
  const line = await editorLine(n);
  return line ? textCentre(line, word, 1) : null;
}

async function goToLine(n) {
  await page.keyboard.press('Control+G');
  await page.locator('.quick-input-widget input').fill(`:${n}`);
  await page.keyboard.press('Enter');
  for (let i = 0; i < 20 && !(await editorLine(n)); i++) await page.waitForTimeout(150);
}

/**
 * The Problems panel rows now rendered, as the user sees them. The tree nests file (level 1) → problem (2) →
 * related location (3); a problem's severity is its icon's class (`marker-icon error|warning|info`).
 */
async function renderedProblemRows() {
  return page.evaluate(() => {
    const out = [];
    for (const row of document.querySelectorAll('.markers-panel .monaco-list-row')) {
      const text = row.innerText.replace(/\s+/g, ' ').trim();
      const icon = row.querySelector('.marker-icon');
      // aria-level is not on every row (the focused one lost it); the templates tell the levels apart too: only a
      // file row has a count badge, only a problem row a severity icon.
      const level =
        row.getAttribute('aria-level') ?? (icon ? '2' : row.querySelector('.monaco-count-badge') ? '1' : '3');
      const severity = icon && /\b(?:codicon-)?(error|warning|info)\b/.exec(icon.className)?.[1];
      out.push({ index: Number(row.getAttribute('data-index')), level, severity: severity ?? null, text });
    }
    return out.sort((a, b) => a.index - b.index);
  });
}

/**
 * Every Problems entry of the file at workspace path `rel`. The list is virtualised (only visible rows exist in the DOM), so scroll it and
 * collect rows by index until the count on the file's row is reached or nothing new appears.
 */
async function problemsOf(rel) {
  const seen = new Map();
  const list = page.locator('.markers-panel .monaco-list').first();
  for (let i = 0; i < 40; i++) {
    const before = seen.size;
    for (const r of await renderedProblemRows()) seen.set(r.index, r);
    const rows = [...seen.values()].sort((a, b) => a.index - b.index);
    // The file's row shows its name and folder: `train.sh Megatron-LM/examples/llama 2`.
    const own = rows.findIndex(
      (r) => r.level === '1' && r.text.includes(basename(rel)) && r.text.includes(dirname(rel).split(sep).join('/')),
    );
    const expected = own >= 0 ? Number(/(\d+)$/.exec(rows[own].text)?.[1]) : NaN;
    const mine = [];
    for (let k = own + 1; own >= 0 && k < rows.length && rows[k].level !== '1'; k++)
      if (rows[k].level === '2') mine.push(rows[k]);
    if (own >= 0 && (mine.length >= expected || seen.size === before)) return { mine, expected };
    // No row for the file once scrolling shows nothing new: it has no problems.
    if (own < 0 && seen.size === before) return { mine: [], expected: 0 };
    await list.hover();
    await page.mouse.wheel(0, 300);
    await page.waitForTimeout(150);
  }
  throw new Error('could not read the Problems panel');
}

async function fileScenario(f, theme) {
  const label = `${theme.name}: ${f.rel}`;
  const editorHas = (text) => page.locator('.editor-instance .view-lines .view-line', { hasText: text }).first();

  const opened = await step(`${label}: open`, async () => {
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill(f.rel);
    // Click the row naming this file: Enter could take a recently opened file still selected in a stale list.
    const row = page
      .locator('.quick-input-list .monaco-list-row', { hasText: basename(f.rel) })
      .filter({ hasText: dirname(f.rel).split(sep).pop() })
      .first();
    await row.waitFor({ timeout: STEP_TIMEOUT_MS });
    await row.click();
    await page
      .locator('.tabs-container .tab.active', { hasText: basename(f.rel) })
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await editorHas(/\S/).waitFor({ timeout: STEP_TIMEOUT_MS });
    return true;
  });
  if (!opened) return;

  const status = await step(`${label}: analysis shown (status bar)`, async () => {
    const item = page.locator('.statusbar-item', { hasText: /bubble [\d.]+ %|not simulated/ }).first();
    await item.waitFor({ timeout: STEP_TIMEOUT_MS });
    return (await item.innerText()).replace(/\s+/g, ' ').trim();
  });

  const dialect = await step(`${label}: hover on the entry script names the dialect`, async () => {
    const hover = page.locator('.monaco-hover', { hasText: 'Dialect' });
    if (!f.entries.length) throw new Error('no python entry word in the file');
    // The activation and first analysis are asynchronous: retry the hover, then try the next candidate word.
    for (const [k, c] of f.entries.slice(0, 6).entries()) {
      await goToLine(c.line);
      for (let i = 0; i < (k === 0 ? 8 : 3) && !(await hover.isVisible()); i++) {
        const p = await wordCentre(c.line, c.word);
        if (!p) break;
        await page.mouse.move(p.x, p.y - 60);
        await page.mouse.move(p.x, p.y, { steps: 3 });
        await page.waitForTimeout(600);
      }
      if (await hover.isVisible()) {
        const text = await hover.innerText();
        await page.screenshot({ path: join(ARTIFACTS, `real-${f.name}-${theme.name}-hover.png`) });
        await page.mouse.move(5, 5);
        await page.keyboard.press('Escape');
        const find = (re) => (text.split('\n').find((l) => re.test(l)) ?? '').trim();
        return { line: find(/Dialect/), kind: find(/^\s*Kind/), at: `${c.word} (line ${c.line})` };
      }
    }
    throw new Error(`no dialect hover on ${f.entries.map((c) => `${c.word}:${c.line}`).join(', ')}`);
  });
  if (dialect) console.log(`      hover on ${dialect.at}: ${dialect.line}${dialect.kind ? ` | ${dialect.kind}` : ''}`);

  const problems = await step(`${label}: Problems panel`, async () => {
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel').waitFor({ timeout: STEP_TIMEOUT_MS });
    // The panel fills in as diagnostics arrive: wait until the file's row is there and two reads agree.
    let last = '';
    for (let i = 0; i < 20; i++) {
      const now = JSON.stringify(await renderedProblemRows());
      if (now === last && now.includes(basename(f.rel))) break;
      last = now;
      await page.waitForTimeout(400);
    }
    await page.screenshot({ path: join(ARTIFACTS, `real-${f.name}-${theme.name}-problems.png`) });
    const { mine, expected } = await problemsOf(f.rel);
    if (mine.length !== expected) throw new Error(`read ${mine.length} of ${expected} entries`);
    return mine;
  });
  if (status) console.log(`      status bar: ${status}`);
  if (problems) {
    console.log(`      problems (${problems.length}):`);
    for (const r of problems) console.log(`        ${(r.severity ?? '?').padEnd(7)} ${r.text}`);
  }
  summary.push({
    theme: theme.name,
    file: f.rel,
    dialect: dialect?.line ?? '(none)',
    errors: problems?.filter((r) => r.severity === 'error').length ?? '?',
    warnings: problems?.filter((r) => r.severity === 'warning').length ?? '?',
    infos: problems?.filter((r) => r.severity === 'info').length ?? '?',
  });
  await page.keyboard.press('Escape');
  await runCommand('View: Close All Editors');
}

const run = async () => {
  server = await startCodeServer(scratch);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(server.url({ payload: devPayload() }));
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
  for (const [i, theme] of THEMES.entries()) {
    if (i > 0) await runCommand('Preferences: Toggle between Light/Dark Themes');
    await page.locator(`.monaco-workbench.${theme.bodyClass}`).waitFor({ timeout: STEP_TIMEOUT_MS });
    console.log(`${theme.name} theme`);
    for (const f of files) await fileScenario(f, theme);
  }
};

await runScenario(run, {
  timeoutMs: TOTAL_TIMEOUT_MS,
  counts,
  cleanup: async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    scratch.cleanup();
  },
});
for (const s of summary)
  console.log(
    `${s.theme.padEnd(5)} ${s.file}: ${s.dialect} — ${s.errors} errors, ${s.warnings} warnings, ${s.infos} infos`,
  );
console.error(`ui:real: ${((Date.now() - t0) / 1000).toFixed(1)} s, screenshots in ${ARTIFACTS}`);
console.log(`ui:real: ${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed === 0 && counts.passed > 0 ? 0 : 1);
