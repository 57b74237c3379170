// The web extension in a real VS Code web worker extension host: code-server's workbench runs an extension in the
// browser's web worker host when the extension is web-only, which is how vscode.dev / github.dev run ours. So this
// builds the production bundles, makes a web-only copy of the extension (package.json without `main`, extensionKind
// `web`, dist/web + dist/webview + media), loads it as the development extension and, in the dark and the light
// theme: opens the example, reads the code lens and the status bar, hovers --pipeline-model-parallel-size, checks in
// Developer: Show Running Extensions that it runs in the "web worker" host, opens the timeline panel, and (once)
// runs Open Example, which reads the bundled script through workspace.fs. Screenshots go to
// test/artifacts/vscode/web-*.png (git-ignored); look at them.
//
//   npm run ui:web
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  REMOTE,
  ROOT,
  checkPrerequisites,
  launchBrowser,
  makeScratch,
  startCodeServer,
  hoverUntilShown,
  runScenario,
  scenarioChecks,
  runPaletteCommand,
} from './host.mjs';

const ARTIFACTS = join(ROOT, 'test/artifacts/vscode');
const STEP_TIMEOUT_MS = 45_000;
const TOTAL_TIMEOUT_MS = 8 * 60_000;
const FILE = 'pretrain_seq1f1b.sh';
const THEMES = [
  { name: 'dark', theme: 'Default Dark Modern', bodyClass: 'vs-dark' },
  { name: 'light', theme: 'Default Light Modern', bodyClass: 'vs' },
];

checkPrerequisites([]);
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
copyFileSync(join(ROOT, 'media/examples/seq1f1b-30b-64k.sh'), join(scratch.ws, FILE));

// The web-only copy: what the web host would load from the VSIX, and nothing the Node host could run instead.
const ext = join(scratch.dir, 'web-extension');
const build = spawnSync(process.execPath, ['esbuild.mjs', '--production', `--outdir=${join(scratch.dir, 'dist')}`], {
  cwd: ROOT,
  encoding: 'utf8',
});
if (build.status !== 0) throw new Error(`esbuild.mjs --production failed:\n${build.stderr}`);
cpSync(join(scratch.dir, 'dist', 'web'), join(ext, 'dist', 'web'), { recursive: true });
cpSync(join(scratch.dir, 'dist', 'webview'), join(ext, 'dist', 'webview'), { recursive: true });
cpSync(join(ROOT, 'media'), join(ext, 'media'), { recursive: true });
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
for (const key of ['main', 'bin', 'scripts', 'dependencies', 'devDependencies']) delete manifest[key];
manifest.extensionKind = ['web'];
writeFileSync(join(ext, 'package.json'), JSON.stringify(manifest, null, 2));

let server;
let browser;
let page;

const { check, counts } = scenarioChecks({ artifacts: ARTIFACTS, prefix: 'web-failure-', page: () => page });

const runCommand = (title) => runPaletteCommand(page, title, STEP_TIMEOUT_MS);

async function openFile() {
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill(FILE);
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: FILE })
    .first()
    .waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Enter');
}

const flat = (s) => s.replace(/\s+/g, ' ').trim();

async function scenario({ name, bodyClass }, first) {
  console.log(`${name} theme`);
  await page.locator(`.monaco-workbench.${bodyClass}`).waitFor({ timeout: STEP_TIMEOUT_MS });
  await check(`${name}: the code lens and the status bar show the schedule summary`, async () => {
    await openFile();
    const lens = page.locator('.codelens-decoration', { hasText: 'bubble' }).first();
    await lens.waitFor({ timeout: STEP_TIMEOUT_MS });
    console.log(`    lens: ${flat(await lens.innerText())}`);
    const status = page.locator('.statusbar-item', { hasText: /bubble [\d.]+ %/ }).first();
    await status.waitFor({ timeout: STEP_TIMEOUT_MS });
    console.log(`    status bar: ${flat(await status.innerText())}`);
  });
  await check(`${name}: hover on --pipeline-model-parallel-size shows the what-if table`, async () => {
    const line = page
      .locator('.editor-instance .view-lines .view-line', { hasText: '--pipeline-model-parallel-size' })
      .first();
    await line.scrollIntoViewIfNeeded();
    const hover = page.locator('.monaco-hover', { hasText: 'step time' });
    await hoverUntilShown(page, line, '--pipeline-model-parallel-size', hover, { timeoutMs: 3000 });
    await page.screenshot({ path: join(ARTIFACTS, `web-hover-${name}.png`) });
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
  });
  await check(`${name}: Show Running Extensions lists Schedule Inspector in the web worker host`, async () => {
    await runCommand('Developer: Show Running Extensions');
    const row = page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: 'schedule-inspector' });
    await row.waitFor({ timeout: STEP_TIMEOUT_MS });
    const text = flat(await row.innerText());
    console.log(`    running: ${text}`);
    if (!/web worker/i.test(text)) throw new Error(`not in the web worker host: ${text}`);
    await page.screenshot({ path: join(ARTIFACTS, `web-running-${name}.png`) });
    await page.keyboard.press('Escape');
    await runCommand('View: Close All Editors');
  });
  await check(`${name}: Open Timeline shows the example's timeline`, async () => {
    await openFile();
    await page.locator('.codelens-decoration', { hasText: 'bubble' }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    await runCommand('Schedule Inspector: Open Timeline');
    const inner = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    const summary = inner.locator('.si-summary', { hasText: 'ops' });
    await summary.waitFor({ timeout: STEP_TIMEOUT_MS });
    console.log(`    panel: ${flat(await summary.innerText())}`);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(ARTIFACTS, `web-panel-${name}.png`) });
    await runCommand('View: Close All Editors');
  });
  if (first)
    await check(`${name}: Open Example reads the bundled script and analyses it`, async () => {
      await runCommand('Schedule Inspector: Open Example Launch Script');
      const lens = page.locator('.codelens-decoration', { hasText: 'bubble' }).first();
      await lens.waitFor({ timeout: STEP_TIMEOUT_MS });
      console.log(`    example lens: ${flat(await lens.innerText())}`);
      await runCommand('View: Revert and Close Editor');
      await runCommand('View: Close All Editors');
    });
}

const run = async () => {
  server = await startCodeServer(scratch);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', REMOTE + ext],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ]);
  await page.goto(server.url({ payload }));
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: FILE }).waitFor({ timeout: 60_000 });
  for (const [i, theme] of THEMES.entries()) {
    if (i > 0) await runCommand('Preferences: Toggle between Light/Dark Themes');
    await scenario(theme, i === 0);
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
console.error(`ui:web: ${((Date.now() - t0) / 1000).toFixed(1)} s, screenshots in ${ARTIFACTS}`);
console.log(`ui:web: ${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed === 0 && counts.passed > 0 ? 0 : 1);
