// `npm test`: build, type-check, then every test suite that exists, in order. A failed build or type check stops the
// run (the suites would test stale code); a failed suite does not stop the others, so one run shows everything.
// Exit code 0 only when every step passed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const steps = [
  { name: 'build', script: 'build', gate: true },
  { name: 'check-types', script: 'check-types', gate: true },
  { name: 'compile-tests', script: 'compile-tests', gate: true },
  { name: 'unit', script: 'test:unit' },
  // Written by the webview work; only run once it is there.
  { name: 'webview', script: 'test:webview', when: 'test/webview/run.mjs' },
  { name: 'integration (VS Code)', script: 'test:integration' },
  { name: 'ui scenario (VS Code)', script: 'test:ui' },
];

const results = [];
for (const step of steps) {
  if (step.when && !existsSync(step.when)) {
    results.push([step.name, 'skipped', `${step.when} not present`]);
    continue;
  }
  const t0 = Date.now();
  console.log(`\n=== ${step.name} (npm run ${step.script})`);
  const r = spawnSync('npm', ['run', '--silent', step.script], { stdio: 'inherit' });
  const ok = r.status === 0;
  results.push([step.name, ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`, `${((Date.now() - t0) / 1000).toFixed(1)} s`]);
  if (!ok && step.gate) break;
}

console.log('\n=== summary');
for (const [name, status, note] of results) console.log(`${name.padEnd(24)} ${status.padEnd(18)} ${note}`);
process.exit(results.every(([, status]) => status === 'ok' || status === 'skipped') && results.length > 0 && !results.some(([, s]) => s.startsWith('FAILED')) ? 0 : 1);
