// The timeline panel in a real VS Code (code-server's extension host + workbench in headless Chromium, offline):
// open the example, open the timeline, what-if k, apply it to the file, edit the file live, hide and re-show the
// Prints one line per check and `N passed, N failed`; exit code follows. Needs scripts/setup-vscode-host.sh.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, REMOTE, checkPrerequisites, launchBrowser, makeScratch, startCodeServer } from '../integration/host.mjs';

checkPrerequisites(['dist/extension.js', 'dist/webview/main.js']);
const FILE = 'seq1f1b-30b-64k.sh';
const STEP_MS = 30_000;

const extDir = ROOT;

const scratch = makeScratch({ fixtures: [], settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
copyFileSync(join(ROOT, 'media/examples', FILE), join(scratch.ws, FILE));
const server = await startCodeServer(scratch, {});
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
let passed = 0;
let failed = 0;
let skipRest = false;
async function check(name, fn) {
  if (skipRest) {
    failed++;
    console.log(`  FAIL ${name}: not run (an earlier step failed)`);
    return;
  }
  try {
    await fn();
    passed++;
    console.log(`  ok  ${name}`);
  } catch (err) {
    failed++;
    skipRest = true;
    console.log(`  FAIL ${name}: ${String(err?.message ?? err).split('\n')[0]}`);
    await page.screenshot({ path: join(ROOT, 'test/artifacts', `vscode-panel-failure.png`) }).catch(() => {});
  }
}
const panel = () => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
const summary = () => panel().locator('.si-summary').textContent();
const openFile = async () => {
  // After clicks inside the webview, the first Ctrl+P can land in its iframe before VS Code forwards it: retry.
  const input = page.locator('.quick-input-widget input');
  for (let i = 0; i < 5 && !(await input.isVisible()); i++) {
    await page.keyboard.press('Control+P');
    await input.waitFor({ state: 'visible', timeout: 3000 }).catch(() => {});
  }
  await input.fill(FILE);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: FILE }).first().waitFor({ timeout: STEP_MS });
  await page.keyboard.press('Enter');
};

try {
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', REMOTE + extDir],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ]);
  await page.goto(server.url({ payload }));
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: FILE }).waitFor({ timeout: 60_000 });
  await check('the "Open timeline" code lens shows the analysed example', async () => {
    await openFile();
    await page.locator('.view-line', { hasText: 'pretrain_' }).first().waitFor({ timeout: STEP_MS });
    // As a user would: click the lens above the launch command, not the command palette.
    const lens = page.locator('.codelens-decoration a', { hasText: 'Open timeline' }).first();
    await lens.waitFor({ timeout: STEP_MS });
    await lens.click();
    await panel().locator('.si-summary', { hasText: 'k=4' }).waitFor({ timeout: STEP_MS });
    await page.waitForTimeout(1000);
    await page.screenshot({ path: join(ROOT, 'test/artifacts/vscode-panel-timeline.png') });
  });
  await check('a what-if on k re-simulates without touching the file', async () => {
    await panel().locator('#si-splits input').fill('8');
    await panel().locator('#si-splits input').press('Enter');
    await panel().locator('.si-summary', { hasText: 'k=8' }).waitFor({ timeout: STEP_MS });
    if ((await panel().locator('.si-status').textContent()) !== 'what-if (file unchanged)')
      throw new Error('not marked as a what-if');
    if (await page.locator('.view-line', { hasText: 'PP_SP=8' }).count()) throw new Error('the file changed');
  });
  await check('"Apply to file" writes k where it is defined', async () => {
    await panel().locator('#si-apply').click();
    await page.locator('.view-line', { hasText: 'PP_SP=8' }).first().waitFor({ timeout: STEP_MS });
    await panel().locator('.si-notice', { hasText: 'Applied 1 change' }).waitFor({ timeout: STEP_MS });
  });
  await check('the panel follows live edits of the file', async () => {
    await page.locator('.view-line', { hasText: 'PP_SP=8' }).first().click();
    await page.keyboard.press('Home');
    for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.type('2');
    await panel().locator('.si-summary', { hasText: 'k=2' }).waitFor({ timeout: STEP_MS });
  });
  await check('the compare tab lists every schedule and gets its k sweep from the host', async () => {
    await panel().locator('#tab-compare').click();
    await panel().locator('.si-table tbody tr').nth(2).waitFor({ timeout: STEP_MS });
    await page.waitForFunction(() => true);
    await panel().locator('.si-compare .si-note', { hasText: /^$/ }).waitFor({ timeout: STEP_MS });
    await page.screenshot({ path: join(ROOT, 'test/artifacts/vscode-panel-compare.png') });
  });
  await check('hidden and shown again (no retained context), it restores its tab and data', async () => {
    await page.locator('.tab', { hasText: 'Schedule Timeline' }).click();
    await openFile();
    await page.waitForTimeout(1500);
    await page.locator('.tab', { hasText: 'Schedule Timeline' }).click();
    await panel().locator('.si-table tbody tr').first().waitFor({ timeout: STEP_MS });
    const tab = await panel().locator('vscode-panels').getAttribute('activeid');
    if (tab !== 'tab-compare') throw new Error(`restored tab ${tab}`);
    if (!/k=2/.test(await summary())) throw new Error('data not resent');
  });
  await check('after "Reload Window" the serializer revives the panel with the same file and tab', async () => {
    await page.evaluate(() => {
      window.__beforeReload = true;
    });
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').fill('>Developer: Reload Window');
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'Reload Window' })
      .first()
      .waitFor({ timeout: STEP_MS });
    await page.keyboard.press('Enter');
    await page.waitForTimeout(3000);
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: FILE }).waitFor({ timeout: 60_000 });
    if (await page.evaluate(() => window.__beforeReload === true)) throw new Error('the window did not reload');
    await page.locator('.tab', { hasText: 'Schedule Timeline' }).click();
    await panel().locator('.si-table tbody tr').first().waitFor({ timeout: STEP_MS });
    const tab = await panel().locator('vscode-panels').getAttribute('activeid');
    if (tab !== 'tab-compare') throw new Error(`restored tab ${tab}`);
    if (!/ops/.test(await summary())) throw new Error('no analysis after revive');
    if ((await panel().locator('.si-title').textContent()) !== FILE) throw new Error('revived on another file');
  });
} finally {
  await browser.close();
  await server.stop();
  scratch.cleanup();
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
