// `npm run check-types`: one tsc program per runtime, nothing emitted.
//   test/          the product (src/) and every Node-side test and bench, with the root's settings (noUnusedLocals);
//                  this is a superset of `tsc -p .`, so the root project is not checked a second time
//   src/core/      the core alone, with the ES library only: an `fs` or a `document` in the core fails here
//   webview/       the browser bundle (DOM library, no Node types)
//   test/webview/  the webview test helpers (DOM and Node)
// The programs are independent, so they run side by side (two at a time on this 2-core machine); each one's output
// is printed whole when it ends, under its name.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROJECTS = ['test', 'src/core', 'webview', 'test/webview'];
const PARALLEL = Math.max(1, Math.min(PROJECTS.length, availableParallelism()));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));

function check(project) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [tsc, '-p', project, '--noEmit', '--pretty', 'false'], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => {
      const errors = (out.match(/error TS\d+/g) ?? []).length;
      const status = code === 0 ? 'ok' : `${errors} error${errors === 1 ? '' : 's'}`;
      console.log(`tsc -p ${project}: ${status} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      if (out.trim()) console.log(out.trimEnd());
      resolve(code === 0);
    });
  });
}

const queue = [...PROJECTS];
const results = [];
await Promise.all(
  Array.from({ length: PARALLEL }, async () => {
    for (let p = queue.shift(); p !== undefined; p = queue.shift()) results.push(await check(p));
  }),
);
process.exit(results.every(Boolean) ? 0 : 1);
