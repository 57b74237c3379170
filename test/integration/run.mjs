// Runs the integration suite (out/test/integration/suite) inside a real VS Code: code-server's Node extension host,
// its workbench in headless Chromium. Offline. Prints "N passed, N failed" alone on the last line; the exit code
// follows the result (0 all passed, 1 failures, 124 timeout, 2 missing prerequisites).
//   INTEGRATION_TIMEOUT_MS  whole-run bound (default 300000)
//   INTEGRATION_GREP        only tests whose title matches
//   INTEGRATION_KEEP=1      keep the scratch dir (workspace, user data, logs) for inspection
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import util from 'node:util';
import {
  ROOT,
  checkPrerequisites,
  devPayload,
  isNoise,
  launchBrowser,
  makeScratch,
  startCodeServer,
  withTimeout,
} from './host.mjs';

const SUITE = join(ROOT, 'out/test/integration/suite/index');
const TIMEOUT_MS = Number(process.env.INTEGRATION_TIMEOUT_MS) || 300_000;
const COUNT_LINE = /^(\d+) passed, (\d+) failed$/;

checkPrerequisites(['dist/extension.js', 'out/test/integration/suite/index.js']);

const t0 = Date.now();
const scratch = makeScratch({ fixtures: [join(ROOT, 'test/integration/fixtures')], settings: {} });
let server;
let browser;
let countLine = null;
// Running tally from mocha's spec reporter, for when the suite never reaches its own summary (timeout).
let seenPassed = 0;
let seenFailed = 0;
// Workbench start-up chatter is held back until the suite announces itself, and shown only if it never does.
let suiteStarted = false;
const startup = [];
/** Set on every path below: the suite's own exit code, 124 on timeout, 1 when the runner itself failed. */
let exitCode;

const cleanup = async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  if (process.env.INTEGRATION_KEEP === '1') console.error(`scratch kept: ${scratch.dir}`);
  else scratch.cleanup();
};
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => void cleanup().then(() => process.exit(130)));

try {
  server = await startCodeServer(scratch, {
    env: { INTEGRATION_GREP: process.env.INTEGRATION_GREP ?? '' },
    onLine: (l) => {
      if (process.env.INTEGRATION_VERBOSE === '1' && !isNoise(l)) console.error(`[code-server] ${l}`);
    },
  });
  browser = await launchBrowser();
  const page = await browser.newPage();
  let finish;
  const exited = new Promise((r) => (finish = r));
  // The workbench calls these when present (the smoke-test driver hooks @vscode/test-web uses too).
  await page.exposeFunction('codeAutomationLog', (_type, args) => {
    const text = util.format(...args);
    for (const line of text.split('\n')) {
      if (COUNT_LINE.test(line.trim())) {
        countLine = line.trim();
        continue;
      }
      if (/^\s+✔ /.test(line)) seenPassed++;
      else if (/^\s+\d+\) /.test(line) && !countLine) seenFailed++;
      if (isNoise(line)) continue;
      if (!suiteStarted && /^integration suite: /.test(line)) suiteStarted = true;
      if (suiteStarted || process.env.INTEGRATION_VERBOSE === '1') console.log(line);
      else startup.push(line);
    }
  });
  await page.exposeFunction('codeAutomationExit', (code) => finish(code));
  await page.goto(server.url({ payload: devPayload(SUITE) }));
  exitCode = await withTimeout(exited, TIMEOUT_MS, 124);
  if (exitCode === 124) console.error(`integration suite did not finish within ${TIMEOUT_MS} ms`);
} catch (err) {
  console.error(`integration runner failed: ${err instanceof Error ? err.stack : err}`);
  exitCode = 1;
}

if (!suiteStarted) console.error(`--- workbench output (the suite never started):\n${startup.slice(-100).join('\n')}`);
if (exitCode !== 0) printExtensionLog();
await cleanup();
console.error(`integration: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
// Never report success without the suite's own count (e.g. the host exited 0 without running tests).
if (!countLine) {
  // The tests that did not get to run count as failed too: at least one, the one that hung.
  countLine = `${seenPassed} passed, ${Math.max(1, seenFailed + (exitCode === 124 ? 1 : 0))} failed`;
  if (exitCode === 0) exitCode = 1;
}
console.log(countLine);
process.exit(exitCode);

/** On failure, our extension's log (the "Schedule Inspector" LogOutputChannel) says what the providers saw. */
function printExtensionLog() {
  try {
    const logs = join(scratch.userData, 'logs');
    const found = [];
    const walk = (d) => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (/Schedule Inspector\.log$/.test(e)) found.push(p);
      }
    };
    walk(logs);
    for (const f of found) console.error(`--- ${f}\n${readFileSync(f, 'utf8').split('\n').slice(-80).join('\n')}`);
  } catch {
    // No logs yet (the host never started): nothing to add.
  }
}
