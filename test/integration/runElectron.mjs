// The same integration suite under desktop VS Code via @vscode/test-electron, for machines that have a VS Code
// build. It never downloads one (no network here): set VSCODE_EXECUTABLE_PATH to the `code` binary, e.g.
//   VSCODE_EXECUTABLE_PATH=/usr/share/code/code xvfb-run -a npm run test:integration:electron
// Without it this prints a skip message and exits 0; the code-server runner (run.mjs) is what `npm test` uses.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './host.mjs';

const exe = process.env.VSCODE_EXECUTABLE_PATH;
if (!exe) {
  console.log(
    'SKIP test:integration:electron — VSCODE_EXECUTABLE_PATH is not set (no desktop VS Code here; `npm run test:integration` runs the same suite in code-server).',
  );
  process.exit(0);
}
if (!existsSync(exe)) {
  console.error(`VSCODE_EXECUTABLE_PATH=${exe} does not exist`);
  process.exit(2);
}
for (const f of ['dist/extension.js', 'out/test/integration/suite/index.js']) {
  if (!existsSync(join(ROOT, f))) {
    console.error(`${f} is missing; run \`npm run build && npm run compile-integration\` first`);
    process.exit(2);
  }
}

const { runTests } = await import('@vscode/test-electron');
const scratch = mkdtempSync(join(tmpdir(), 'si-electron-'));
const ws = join(scratch, 'ws');
cpSync(join(ROOT, 'test/integration/fixtures'), ws, { recursive: true });
let code;
try {
  code = await runTests({
    vscodeExecutablePath: exe,
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: join(ROOT, 'out/test/integration/suite/index'),
    launchArgs: [
      ws,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      '--user-data-dir',
      join(scratch, 'ud'),
    ],
    extensionTestsEnv: { INTEGRATION_GREP: process.env.INTEGRATION_GREP ?? '' },
  });
} catch (err) {
  // runTests rejects when the host exits non-zero (failing tests); the suite already printed its counts.
  console.error(String(err));
  code = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(code);
