// Activation as VS Code pays it (issue 16: ≤ 30 ms): a fresh Node process loads the production extension bundle
// against a stub `vscode` and calls activate() (test/bench/activate.mjs). The bundles are built with
// `esbuild.mjs --production` into a temporary folder, once, on the first case that runs: dist/ is left alone. The
// reference row is the same source as one minified bundle with the core inside (the layout before the split).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { buildSync } from 'esbuild';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchCase } from './bench';
import { repoPath } from '../support/paths';

let built: string | undefined;

function productionBuild(): string {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), 'si-bench-dist-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, ['esbuild.mjs', '--production', `--outdir=${dir}`], {
    cwd: repoPath('.'),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`production build failed: ${r.stderr}`);
  mkdirSync(join(dir, 'single'));
  buildSync({
    entryPoints: [repoPath('src/extension.ts')],
    outfile: join(dir, 'single', 'extension.js'),
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    external: ['vscode'],
    logLevel: 'error',
  });
  built = dir;
  return dir;
}

function child(mode: 'activate' | 'core', sub = ''): number {
  const r = spawnSync(process.execPath, [repoPath('test/bench/activate.mjs'), join(productionBuild(), sub), mode], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`activate.mjs ${mode} failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { ms: number; coreLoaded: boolean };
  // Activation that loads the core anyway is a regression of the split, not a slow run: say so.
  if (mode === 'activate' && !sub && out.coreLoaded) throw new Error('activate() loaded dist/core.js; see esbuild.mjs');
  return out.ms;
}

export function benches(): BenchCase[] {
  return [
    {
      name: 'activation: require dist/extension.js + activate() (production, stub vscode, fresh process)',
      run: () => undefined,
      measure: () => child('activate'),
      iterations: 15,
      target: '≤ 30 ms',
    },
    {
      name: 'activation reference: the same source as one bundle, core included',
      run: () => undefined,
      measure: () => child('activate', 'single'),
      iterations: 15,
    },
    {
      name: 'first analysis: require dist/core.js (production, fresh process)',
      run: () => undefined,
      measure: () => child('core'),
      iterations: 15,
    },
  ];
}
