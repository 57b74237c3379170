// `npm run test:unit [-- <area>…] [-- node test flags]`: the unit tests straight from TypeScript (tsx, no compile
// step), with node's test runner.
//   npm run test:unit                       every test/unit/**/*.test.ts
//   npm run test:unit -- core/bash          the files under test/unit/core/bash/ (an area of the mirrored tree)
//   npm run test:unit -- memory schedule    every file whose path under test/unit/ contains one of the words
//   npm run test:unit -- memory --test-name-pattern=peak   node flags pass through
// An area matching no file is an error, never a green run of zero tests. A file that hangs is cancelled after
// UNIT_TIMEOUT_MS (default 300 s), which reports it as failed.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const UNIT = join(ROOT, 'test', 'unit');
const TIMEOUT_MS = Number(process.env.UNIT_TIMEOUT_MS) || 300_000;
// Each test file runs in its own process that spends its first ~0.5 s loading tsx and compiling; two files per core
// keep both cores busy through that start-up without oversubscribing the machine.
const CONCURRENCY = Number(process.env.UNIT_CONCURRENCY) || Math.max(2, availableParallelism());

/** Every *.test.ts under `dir`, as paths relative to test/unit with forward slashes. */
function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    else if (name.endsWith('.test.ts')) out.push(relative(UNIT, path).split(sep).join('/'));
  }
  return out;
}

/** The files an area argument names: a folder under test/unit, a file, or else a substring of the path. */
function select(all, area) {
  const a = area.replace(/^\.?\/?(test\/unit\/)?/, '').replace(/\/+$/, '');
  if (existsSync(join(UNIT, a)) && statSync(join(UNIT, a)).isDirectory())
    return all.filter((f) => f.startsWith(`${a}/`));
  return all.filter((f) => f === a || f.includes(a));
}

const args = process.argv.slice(2);
const nodeFlags = args.filter((a) => a.startsWith('--'));
const areas = args.filter((a) => !a.startsWith('--'));
const all = collect(UNIT);
let files = all;
if (areas.length) {
  const chosen = new Set();
  for (const area of areas) {
    const hit = select(all, area);
    if (!hit.length) {
      console.error(`test:unit: no test file under test/unit/ matches "${area}"`);
      console.log('0 passed, 1 failed');
      process.exit(1);
    }
    for (const f of hit) chosen.add(f);
  }
  files = all.filter((f) => chosen.has(f));
}

const t0 = Date.now();
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${CONCURRENCY}`,
    `--test-timeout=${TIMEOUT_MS}`,
    ...nodeFlags,
    ...files.map((f) => join('test', 'unit', f)),
  ],
  { cwd: ROOT, stdio: 'inherit' },
);
child.on('close', (code, signal) => {
  const what = areas.length ? `${files.length} files (${areas.join(', ')})` : `${files.length} files`;
  console.error(`test:unit: ${what} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(code ?? (signal ? 1 : 0));
});
