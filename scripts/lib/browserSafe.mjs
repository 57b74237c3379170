// The build check that keeps the web extension (dist/web/extension.js, VS Code's web worker extension host) free of
// Node, run by esbuild.mjs on every build of that bundle (the build fails) and tested in test/unit/packaging.test.ts:
// - the metafile's imports: any Node built-in (`node:*`, fs, path, crypto, …) or any external other than `vscode`,
//   named with the file that imports it (esbuild on platform 'browser' refuses to resolve built-ins, unless a later
//   change marks them external — which is what this catches);
// - the output's `require("…")` calls: the web host's loader provides `vscode` and nothing else;
// - Node's globals (`Buffer`, `process`, `setImmediate`, …), which are not imports: the bundle is built with
//   NODE_GLOBAL_DEFINE, so esbuild — which knows the scopes — renames every free reference to one of them into a
//   marker, and a marker left in the output is a use. `typeof x` probes are allowed: they are safe where `x` does
//   not exist, and the renamed probe still answers 'undefined' in a worker, as the original would.
import { builtinModules } from 'node:module';

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]]));
const isNodeBuiltin = (path) => path.startsWith('node:') || BUILTINS.has(path) || BUILTINS.has(path.split('/')[0]);

/** Globals Node has and a web worker does not. */
const NODE_GLOBALS = ['Buffer', 'process', 'global', 'setImmediate', 'clearImmediate', '__dirname', '__filename'];
const MARKER = '__nodeOnlyGlobal_';
/** esbuild `define` for the web bundle: free references to Node's globals become markers nodeDependencies finds. */
export const NODE_GLOBAL_DEFINE = Object.fromEntries(NODE_GLOBALS.map((g) => [g, `${MARKER}${g}`]));

/**
 * What in a browser bundle needs Node, as readable lines (empty when it is clean). `metafile` is esbuild's;
 * `outputText` the bundle's JavaScript, built with NODE_GLOBAL_DEFINE.
 */
export function nodeDependencies(metafile, outputText) {
  const found = [];
  for (const [input, { imports }] of Object.entries(metafile.inputs))
    for (const imp of imports) {
      if (imp.path === 'vscode') continue;
      if (isNodeBuiltin(imp.path)) found.push(`${input} imports the Node built-in '${imp.path}'`);
      else if (imp.external) found.push(`${input} imports '${imp.path}', which is left external`);
    }
  for (const [, name] of outputText.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g))
    if (name !== 'vscode') found.push(`the bundle calls require('${name}'); the web host provides only 'vscode'`);
  const used = new Set();
  for (const m of outputText.matchAll(new RegExp(`(typeof\\s+)?\\b${MARKER}(\\w+)`, 'g'))) if (!m[1]) used.add(m[2]);
  for (const g of used) found.push(`the bundle uses Node's global '${g}', which a web worker does not have`);
  return found;
}
