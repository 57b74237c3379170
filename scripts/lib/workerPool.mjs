// The worker pool `npm run corpus` and `npm run fuzz` share: `jobs` workers of one script, each sent one item at a
// time; an item still running after `timeoutMs` gets its worker terminated and replaced (a hang must not stop the
// run), and a worker that dies mid-item reports that item once. The worker script posts 'ready' once it has loaded,
// then one message `{ id, … }` per item.
import { Worker } from 'node:worker_threads';

/**
 * Resolves once every item has a result. `message(i)` is what item i is sent as (it gets `id: i` added);
 * `onResult(i, msg)` gets each worker's answer; `onTimeout(i)` and `onDeath(i, err)` stand in for an answer that did
 * not come. A worker that dies before 'ready' cannot load what it runs: the pool rejects rather than report every
 * item as a crash.
 */
export function runPool({ count, jobs, timeoutMs, script, workerData, message, onResult, onTimeout, onDeath }) {
  let next = 0;
  let done = 0;
  return new Promise((resolveAll, rejectAll) => {
    const finish = () => {
      if (++done === count) resolveAll();
    };
    const start = () => {
      const worker = new Worker(script, { workerData });
      let current = -1;
      let timer = null;
      let ready = false;
      // Set once this worker is given up on, so a late message or error cannot count its item twice.
      let dead = false;
      const feed = () => {
        if (next >= count) {
          void worker.terminate();
          return;
        }
        current = next++;
        timer = setTimeout(() => {
          dead = true;
          onTimeout(current);
          void worker.terminate();
          finish();
          start();
        }, timeoutMs);
        worker.postMessage({ ...message(current), id: current });
      };
      worker.on('message', (msg) => {
        if (msg === 'ready') {
          ready = true;
          feed();
          return;
        }
        if (dead) return;
        clearTimeout(timer);
        onResult(msg.id, msg);
        finish();
        feed();
      });
      worker.on('error', (err) => {
        if (dead) return;
        dead = true;
        clearTimeout(timer);
        if (!ready) {
          rejectAll(err);
          return;
        }
        if (current >= 0) {
          onDeath(current, err);
          finish();
        }
        start();
      });
    };
    for (let j = 0; j < Math.min(jobs, count); j++) start();
    if (count === 0) resolveAll();
  });
}
