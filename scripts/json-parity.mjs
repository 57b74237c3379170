// Behaviour-preserving refactors: write `analyze --json` (every GPU profile) and a few `simulate --json` runs of every
// fixture and example into a folder, so two trees' outputs can be compared with `diff -r`.
// Usage: node scripts/json-parity.mjs OUT_DIR
// It bundles src/cli.ts into a temporary folder of its own, so it never races a build writing dist/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const out = process.argv[2];
if (!out) throw new Error('usage: node scripts/json-parity.mjs OUT_DIR');
mkdirSync(out, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), 'si-parity-'));
const cli = join(tmp, 'cli.js');
await esbuild.build({
  entryPoints: ['src/cli.ts'],
  outfile: cli,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  logLevel: 'warning',
});
const roots = ['media/examples', 'test/fixtures', 'test/integration/fixtures'];
const files = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (/\.(sh|ya?ml)$/.test(e.name)) files.push(p);
  }
};
roots.forEach(walk);
const run = (args) => {
  try {
    return execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    return `exit ${e.status}\n${e.stdout}\n${e.stderr}`;
  }
};
let n = 0;
for (const f of files.sort()) {
  for (const gpu of ['a100-80gb', 'h100-80gb']) {
    writeFileSync(join(out, `${f.replaceAll('/', '__')}.${gpu}.json`), run(['analyze', f, '--json', '--gpu', gpu]));
    n++;
  }
}
const sims = [
  ['--schedule', '1f1b', '--pp', '4', '--microbatches', '8'],
  ['--schedule', 'seq1f1b', '--pp', '4', '--microbatches', '8', '--splits', '4'],
  ['--schedule', 'interleaved', '--pp', '4', '--microbatches', '8', '--vpp', '2'],
  ['--schedule', 'gpipe', '--pp', '8', '--microbatches', '16', '--summary'],
];
for (const [i, s] of sims.entries()) {
  writeFileSync(join(out, `simulate-${i}.json`), run(['simulate', ...s, '--json']));
  n++;
}
rmSync(tmp, { recursive: true, force: true });
console.log(`${n} outputs written to ${out}`);
