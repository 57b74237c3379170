// One build script, separate bundles per runtime: the extension host (Node, `vscode` external), the analysis core
// it loads on the first analysis, the web extension (VS Code's web worker host: core and providers in one file), the
// CLI (Node, standalone), and the webview (browser). Type checking is
// `npm run check-types`. Options: --production (minified, no source maps: what the VSIX ships), --watch, and
// --outdir=DIR (build somewhere other than dist/, for the bench and the packaging test).
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { NODE_GLOBAL_DEFINE, nodeDependencies } from './scripts/lib/browserSafe.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const outdir = process.argv.find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length) ?? 'dist';

// The `yaml` package's ES-module build: the same parser without a `process.env.LOG_TOKENS` read per token (its
// CommonJS build does one, ~10 % of a small read), and tree-shaken (the stringifier is not bundled).
const alias = { yaml: './node_modules/yaml/browser/index.js' };
const common = { bundle: true, minify: production, sourcemap: !production, logLevel: 'warning', legalComments: 'none' };
const node = { ...common, platform: 'node', format: 'cjs', target: 'node18', alias };

/**
 * Activation loads only the wiring: every import of `src/core` from outside it becomes a facade whose exports are
 * getters that `require('./core.js')` on first use, so the core (~80 % of the code) is parsed on the first analysis,
 * not when VS Code activates the extension. These leaves stay in the host bundle: tiny, free of other core imports,
 * and read while the providers are set up (settings defaults, GPU names, labels).
 */
const EAGER_CORE = new Set([
  'src/core/types.ts',
  'src/core/defaults.ts',
  'src/core/format.ts',
  'src/core/hardware/gpus.ts',
]);
const CORE_FILE = 'core.js';
const repoRelative = (file) => relative(process.cwd(), file).split(sep).join('/');

/** The names a module exports (its own `export` statements; a facade cannot follow `export *`). */
async function exportNames(file) {
  if (/^export \*/m.test(readFileSync(file, 'utf8')))
    throw new Error(`${repoRelative(file)}: 'export *' cannot be made lazy; name the exports`);
  const r = await esbuild.build({
    entryPoints: [file],
    bundle: false,
    format: 'esm',
    write: false,
    metafile: true,
    outdir: 'x',
  });
  return Object.values(r.metafile.outputs).flatMap((o) => o.exports);
}

/**
 * Every `import * as vscode` of a CommonJS external makes esbuild copy the module's ~400 names into a fresh
 * namespace object, once per importing file (a dozen: ~40 % of loading the host bundle). One ES re-export copies
 * them once and every file shares it.
 */
const sharedVscodePlugin = {
  name: 'shared-vscode',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) =>
      args.namespace === 'shared-vscode'
        ? { path: 'vscode', external: true }
        : { path: 'vscode', namespace: 'shared-vscode' },
    );
    build.onLoad({ filter: /.*/, namespace: 'shared-vscode' }, () => ({
      contents: `export * from 'vscode';`,
      loader: 'js',
    }));
  },
};

function lazyCorePlugin(lazy) {
  return {
    name: 'lazy-core',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.pluginData === 'lazy-core' || args.namespace !== 'file') return undefined;
        if (repoRelative(args.importer).startsWith('src/core/')) return undefined;
        const r = await build.resolve(args.path, {
          resolveDir: args.resolveDir,
          kind: args.kind,
          pluginData: 'lazy-core',
        });
        const rel = repoRelative(r.path);
        if (r.errors.length || !rel.startsWith('src/core/') || EAGER_CORE.has(rel))
          return r.errors.length ? r : { path: r.path };
        lazy.add(rel);
        return { path: r.path, namespace: 'lazy-core' };
      });
      build.onResolve(
        { filter: new RegExp(`^\\./${CORE_FILE.replace('.', '\\.')}$`), namespace: 'lazy-core' },
        (args) => ({
          path: args.path,
          external: true,
        }),
      );
      build.onLoad({ filter: /.*/, namespace: 'lazy-core' }, async (args) => {
        const key = repoRelative(args.path);
        const names = await exportNames(args.path);
        return {
          loader: 'js',
          resolveDir: process.cwd(),
          contents: [
            `let m;`,
            `const load = () => (m ??= require('./${CORE_FILE}')[${JSON.stringify(key)}]);`,
            ...names.map(
              (n) =>
                `Object.defineProperty(exports, ${JSON.stringify(n)}, { enumerable: true, get: () => load()[${JSON.stringify(n)}] });`,
            ),
          ].join('\n'),
        };
      });
    },
  };
}

/** dist/core.js: every lazily imported core module, keyed by its path (what the facades ask for). */
const coreBuild = (lazy) => ({
  ...node,
  stdin: {
    contents: `module.exports = {\n${[...lazy]
      .sort()
      .map((rel) => `  ${JSON.stringify(rel)}: require(${JSON.stringify(resolve(rel))}),`)
      .join('\n')}\n};`,
    resolveDir: process.cwd(),
    sourcefile: 'core-entry.js',
    loader: 'js',
  },
  outfile: join(outdir, CORE_FILE),
});

const lazy = new Set();
const extensionBuild = {
  ...node,
  entryPoints: ['src/extension.ts'],
  outfile: join(outdir, 'extension.js'),
  external: ['vscode'],
  // Watch mode keeps one bundle: the facades would need the core rebuilt after every extension rebuild.
  plugins: watch ? [sharedVscodePlugin] : [sharedVscodePlugin, lazyCorePlugin(lazy)],
};
/**
 * dist/web/extension.js, package.json `browser`: the shape VS Code's web worker extension host loads (CommonJS, whose
 * `require` gives `vscode` and nothing else), so one file with the core inside — no lazy dist/core.js. The build fails
 * when the bundle needs Node (scripts/lib/browserSafe.mjs).
 */
const WEB_OUTFILE = join(outdir, 'web', 'extension.js');
const webExtensionBuild = {
  ...common,
  entryPoints: ['src/webExtension.ts'],
  outfile: WEB_OUTFILE,
  platform: 'browser',
  format: 'cjs',
  target: 'es2022',
  alias,
  external: ['vscode'],
  define: NODE_GLOBAL_DEFINE,
  metafile: true,
  plugins: [
    sharedVscodePlugin,
    {
      name: 'node-free',
      setup(build) {
        build.onEnd((result) => {
          if (!result.metafile) return undefined;
          const found = nodeDependencies(result.metafile, readFileSync(WEB_OUTFILE, 'utf8'));
          return { errors: found.map((text) => ({ text: `web extension needs Node: ${text}` })) };
        });
      },
    },
  ],
};
const builds = [
  webExtensionBuild,
  {
    ...node,
    entryPoints: ['src/cli.ts'],
    outfile: join(outdir, 'cli.js'),
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    ...common,
    entryPoints: ['webview/main.ts'],
    outdir: join(outdir, 'webview'),
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
].filter((b) => b.entryPoints.every((e) => existsSync(e)));

mkdirSync(join(outdir, 'webview'), { recursive: true });
mkdirSync(join(outdir, 'web'), { recursive: true });
if (watch) {
  for (const b of [extensionBuild, ...builds]) await (await esbuild.context(b)).watch();
  console.log('[esbuild] watching');
} else {
  await Promise.all([
    esbuild.build(extensionBuild).then(() => esbuild.build(coreBuild(lazy))),
    ...builds.map((b) => esbuild.build(b)),
  ]);
}
