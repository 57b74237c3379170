// Child process of the activation bench (extension.bench.ts): loads a built extension bundle against a stub `vscode`
// module and calls activate(), as VS Code does when a shell or YAML file opens; prints the milliseconds of
// require + activate as JSON. `node test/bench/activate.mjs DIST [activate|core]` — `core` times loading
// DIST/core.js instead, the cost the first analysis pays.
import Module, { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [dist = 'dist', mode = 'activate'] = process.argv.slice(2);
const require = createRequire(import.meta.url);

/** Any property is another stub, any call or `new` returns one: enough for wiring that only registers things. */
function stub(name) {
  const children = new Map();
  return new Proxy(function () {}, {
    get(_target, key) {
      if (key === Symbol.toPrimitive) return () => `stub:${name}`;
      if (key === 'then') return undefined;
      if (key === Symbol.iterator) return function* () {};
      if (!children.has(key)) children.set(key, stub(`${name}.${String(key)}`));
      return children.get(key);
    },
    apply: () => stub(`${name}()`),
    construct: () => stub(`new ${name}`),
  });
}

// The bundle imports `vscode` as a namespace: esbuild copies its own property names, so the stub needs the real
// API's top-level names (taken from @types/vscode), each a stub.
const dts = readFileSync(require.resolve('@types/vscode/index.d.ts'), 'utf8');
const api = { version: '1.90.0-stub' };
for (const name of dts.match(/(?<=export (?:class|enum|namespace|const|let|function) )\w+/g) ?? [])
  api[name] ??= stub(name);
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? api : load.call(this, request, ...rest);
};

const file = resolve(join(dist, mode === 'core' ? 'core.js' : 'extension.js'));
const t0 = performance.now();
const ext = require(file);
if (mode !== 'core') {
  const context = { subscriptions: [], extensionUri: stub('uri'), globalState: stub('globalState') };
  ext.activate(context);
}
const ms = performance.now() - t0;
// Whether activation pulled the core in after all (a host module calling into src/core while it is set up).
const coreLoaded = Object.keys(require.cache).some((f) => f.endsWith('core.js'));
process.stdout.write(JSON.stringify({ ms, coreLoaded }) + '\n');
