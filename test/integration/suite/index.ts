// The @vscode/test-electron `run()` contract: the extension host calls run() and exits with 0 when it resolves,
// 1 when it rejects. Both launchers (code-server and Electron) use this same module.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'tdd',
    color: false,
    // Generous per test: the first analysis in a cold extension host includes module loading.
    timeout: 30_000,
    grep: process.env.INTEGRATION_GREP || undefined,
  });
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  // The launcher starts echoing output from this line on; before it is workbench start-up chatter.
  console.log(`integration suite: ${files.length} files, VS Code ${vscode.version}`);
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      // Alone on its line: the launchers and CI read the counts from it.
      console.log(`${runner.stats?.passes ?? 0} passed, ${failures} failed`);
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else resolve();
    });
  });
}
