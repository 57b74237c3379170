// What the VSIX holds (issue 16: no source maps, no sources, ≤ 600 KB). vsce is not installed here, so its file
// selection is reproduced with the glob library it uses (minimatch, `{ dot: true }`) and its rules, from
// microsoft/vscode-vsce src/package.ts collectFiles (70ca6ac): every file under the folder and the production
// dependencies is a candidate; `.vscodeignore` lines (plus `<line>/**` for a line without `*` in its last part)
// follow vsce's default ignores; `!package.json` and `!README.md` are appended; and a file is packaged when it
// matches no ignore pattern OR ANY `!` pattern — order does not matter, which is why a trailing `dist/**/*.map`
// could not take back an earlier `!dist/**`. The packaged dist/ is the production build (`vscode:prepublish`),
// built here into a temporary folder; the maps a development build leaves in dist/ stay candidates too.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { Minimatch } from 'minimatch';
// @ts-expect-error -- a plain ES module of the build scripts, without types
import { NODE_GLOBAL_DEFINE, nodeDependencies } from '../../scripts/lib/browserSafe.mjs';
import { repoPath, REPO_ROOT } from '../support/paths';

// The same glob library vsce matches .vscodeignore with (pinned in devDependencies).
/** vsce's built-in ignores (src/package.ts defaultIgnore), for completeness: our allow-list starts with `**`. */
const VSCE_DEFAULT_IGNORE = [
  '.vscodeignore',
  'package-lock.json',
  '**/.git',
  '**/.git/**',
  '**/*.vsix',
  '**/.DS_Store',
];
const MAX_VSIX_BYTES = 600 * 1024;

function walk(root: string, dir: string, skip: (rel: string) => boolean, out: string[]): string[] {
  // Links are not followed (vsce globs with `follow: false`); a link is a candidate like a file.
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(root, path).split(sep).join('/');
    if (skip(rel)) continue;
    if (entry.isDirectory()) walk(root, path, skip, out);
    else out.push(rel);
  }
  return out;
}

function packagedBy(ignoreText: string): (file: string) => boolean {
  const lines = ignoreText
    .split(/[\n\r]/)
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('#'));
  const all = [
    ...VSCE_DEFAULT_IGNORE,
    ...lines,
    ...lines.filter((i) => !/(^|\/)[^/]*\*[^/]*$/.test(i)).map((i) => (i.endsWith('/') ? `${i}**` : `${i}/**`)),
    '!package.json',
    '!README.md',
  ];
  const ignore = all.filter((p) => !p.startsWith('!')).map((p) => new Minimatch(p, { dot: true }));
  const negate = all.filter((p) => p.startsWith('!')).map((p) => new Minimatch(p.slice(1), { dot: true }));
  return (f) => !ignore.some((m) => m.match(f)) || negate.some((m) => m.match(f));
}

// One production build (`vscode:prepublish`) into a temporary folder, shared by the tests of this file.
const out = mkdtempSync(join(tmpdir(), 'si-vsix-'));
let buildStatus: { status: number | null; stderr: string } | undefined;
before(() => {
  buildStatus = spawnSync(process.execPath, ['esbuild.mjs', '--production', `--outdir=${out}`], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
});
after(() => rmSync(out, { recursive: true, force: true }));

test('the VSIX holds the production bundles and assets only: no source maps, sources or tests, ≤ 600 KB', () => {
  assert.equal(buildStatus?.status, 0, buildStatus?.stderr);
  const built = walk(out, out, () => false, []);
  // Candidates: the folder as vsce globs it (node_modules only through the production dependencies), with dist/
  // as the production build leaves it on top of whatever a development build left there (maps included).
  const candidates = new Set([
    ...walk(REPO_ROOT, REPO_ROOT, (rel) => rel === '.git' || rel === 'node_modules', []),
    ...walk(REPO_ROOT, repoPath('node_modules/yaml'), () => false, []),
    ...built.map((f) => `dist/${f}`),
  ]);
  const packaged = [...candidates].filter(packagedBy(readFileSync(repoPath('.vscodeignore'), 'utf8'))).sort();

  const bad = packaged.filter(
    (f) => /\.map$/.test(f) || /^(src|test|webview|scripts|out|tools|node_modules)\//.test(f),
  );
  assert.deepEqual(bad, [], 'source maps, sources, tests or dependencies would be packaged');
  const manifest = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { main: string; browser: string };
  for (const needed of [
    manifest.main.replace(/^\.\//, ''),
    manifest.browser.replace(/^\.\//, ''),
    'dist/core.js',
    'dist/webview/main.js',
    'media/webview.css',
  ])
    assert.ok(packaged.includes(needed), `${needed} is not packaged`);
  assert.deepEqual(
    packaged.filter((f) => f.startsWith('dist/')),
    ['dist/core.js', 'dist/extension.js', 'dist/web/extension.js', 'dist/webview/main.js'],
    'dist/ ships the extension host, its lazily loaded core, the web extension and the webview; the CLI and reports are not part of it',
  );

  // The size of the zip: vsce stores each file deflated (yazl, zlib's default level) with ~100 bytes of headers.
  const bytesOf = (f: string): Buffer => readFileSync(f.startsWith('dist/') ? join(out, f.slice(5)) : repoPath(f));
  const zipBytes = packaged.reduce((sum, f) => sum + deflateRawSync(bytesOf(f)).length + 100 + 2 * f.length, 0);
  assert.ok(zipBytes <= MAX_VSIX_BYTES, `VSIX ~${Math.round(zipBytes / 1024)} KB > ${MAX_VSIX_BYTES / 1024} KB`);

  // The production bundles carry no inline maps either.
  for (const f of built) assert.doesNotMatch(readFileSync(join(out, f), 'utf8'), /sourceMappingURL=/, f);
  // Activation parses the host bundle only; the core waits for the first analysis (esbuild.mjs). A core module
  // imported eagerly by a provider would pull most of it back in: the host bundle then stops being small.
  const host = statSync(join(out, 'extension.js')).size;
  const core = statSync(join(out, 'core.js')).size;
  assert.ok(host < 0.15 * (host + core), `dist/extension.js is ${host} bytes next to a ${core}-byte core`);
  assert.match(readFileSync(join(out, 'extension.js'), 'utf8'), /require\("\.\/core\.js"\)/);
  // And activation must not call into the core either: a host module that reads a core constant while it loads runs
  // the facade's getter, which requires core.js (the activation bench's child; the panel's packing once did this).
  const activated = spawnSync(process.execPath, [repoPath('test/bench/activate.mjs'), out, 'activate'], {
    encoding: 'utf8',
  });
  assert.equal(activated.status, 0, activated.stderr);
  const { coreLoaded } = JSON.parse(activated.stdout) as { coreLoaded: boolean };
  assert.equal(coreLoaded, false, 'activate() loaded dist/core.js');
});

test('the web extension bundle needs nothing from Node: one file, and its only require is vscode', () => {
  // esbuild.mjs ran nodeDependencies on this bundle (the build fails otherwise); the output says the same.
  assert.equal(buildStatus?.status, 0, buildStatus?.stderr);
  const web = readFileSync(join(out, 'web', 'extension.js'), 'utf8');
  assert.deepEqual(
    [...web.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]),
    ['vscode'],
  );
  assert.doesNotMatch(web, /__nodeOnlyGlobal_/);
  // One file: the web worker host cannot load dist/core.js lazily, so the core is inside.
  assert.doesNotMatch(web, /core\.js/);
  assert.match(web, /pipeline-model-parallel-size/);
});

test('the web bundle check catches Node: a built-in import, an external, a require and a Node global', async () => {
  const bad = await esbuild.build({
    stdin: {
      contents: `import { readFileSync } from 'node:fs'; import picomatch from 'picomatch'; import * as vscode from 'vscode';
        const local = (process: number) => process + 1;
        export const x = [readFileSync, picomatch, vscode, local, Buffer.from('a'), setImmediate, typeof process];`,
      loader: 'ts',
      resolveDir: REPO_ROOT,
      sourcefile: 'bad.ts',
    },
    bundle: true,
    write: false,
    metafile: true,
    platform: 'browser',
    format: 'cjs',
    external: ['vscode', 'node:fs', 'picomatch'],
    define: NODE_GLOBAL_DEFINE,
    logLevel: 'silent',
  });
  // A parameter named `process` is not Node's, and `typeof process` is a safe probe; Buffer and setImmediate are uses.
  assert.deepEqual(nodeDependencies(bad.metafile, bad.outputFiles[0]!.text), [
    "bad.ts imports the Node built-in 'node:fs'",
    "bad.ts imports 'picomatch', which is left external",
    "the bundle calls require('node:fs'); the web host provides only 'vscode'",
    "the bundle calls require('picomatch'); the web host provides only 'vscode'",
    "the bundle uses Node's global 'Buffer', which a web worker does not have",
    "the bundle uses Node's global 'setImmediate', which a web worker does not have",
  ]);
});
