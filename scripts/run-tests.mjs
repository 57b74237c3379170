// `npm test`: build, type-check, then every test suite in order. A failed build or type check stops the run (the
// suites would test stale code); a failed suite does not stop the others, so one run shows everything. Each suite's
// counts are read from its own closing line and added up into one `N passed, N failed` line at the end.
// Exit code 0 only when every step passed.
import { spawn } from 'node:child_process';

const steps = [
  { name: 'build', script: 'build', gate: true },
  { name: 'check-types', script: 'check-types', gate: true },
  { name: 'compile-tests', script: 'compile-tests', gate: true },
  { name: 'unit', script: 'test:unit' },
  { name: 'webview (Chromium)', script: 'test:webview' },
  { name: 'integration (VS Code)', script: 'test:integration' },
  { name: 'webview panel (VS Code)', script: 'test:vscode-panel' },
  { name: 'ui scenario (VS Code)', script: 'test:ui' },
];

/** Counts from a suite's output: node's test runner (`ℹ pass N` / `# pass N`) or our runners' `N passed, N failed`. */
function counts(output) {
  let passed = 0;
  let failed = 0;
  let found = false;
  const node = { pass: null, fail: null };
  for (const line of output.split('\n')) {
    const m = /^(?:[\w ()-]+: )?(\d+) passed, (\d+) failed$/.exec(line.trim());
    if (m) { passed = Number(m[1]); failed = Number(m[2]); found = true; }
    const n = /^(?:ℹ|#) (pass|fail) (\d+)$/.exec(line.trim());
    if (n) node[n[1]] = Number(n[2]);
  }
  if (!found && node.pass !== null) return { passed: node.pass, failed: node.fail ?? 0 };
  return found ? { passed, failed } : null;
}

function run(script) {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.on('close', (code, signal) => resolve({ code: code ?? signal, out }));
  });
}

const results = [];
let total = { passed: 0, failed: 0 };
for (const step of steps) {
  const t0 = Date.now();
  console.log(`\n=== ${step.name} (npm run ${step.script})`);
  const r = await run(step.script);
  const ok = r.code === 0;
  const c = counts(r.out);
  if (c) { total.passed += c.passed; total.failed += c.failed; }
  // A suite that failed without a count line still counts as one failure.
  else if (!ok && !step.gate) total.failed += 1;
  const tally = c ? `${c.passed} passed, ${c.failed} failed` : '';
  results.push([step.name, ok ? 'ok' : `FAILED (exit ${r.code})`, `${((Date.now() - t0) / 1000).toFixed(1)} s`, tally]);
  if (!ok && step.gate) { total.failed += 1; break; }
}

console.log('\n=== summary');
for (const [name, status, time, tally] of results) console.log(`${name.padEnd(26)} ${status.padEnd(16)} ${time.padStart(8)}  ${tally}`);
const allOk = results.length === steps.length && results.every(([, status]) => status === 'ok');
console.log(`${total.passed} passed, ${total.failed} failed`);
process.exit(allOk && total.failed === 0 && total.passed > 0 ? 0 : 1);
