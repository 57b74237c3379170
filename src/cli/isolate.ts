// The CLI's run in a worker thread with a heap limit (issue 15). An analysis that allocates without bound ends the
// whole Node process in a V8 "heap out of memory" abort — exit 134 and a native stack dump, which no try/catch can
// intercept. In a worker with `resourceLimits`, the same failure ends only the worker, and the main thread turns it
// into the documented one-line internal error with exit 3. The core bounds its allocations itself; this is the
// backstop for a bug in those bounds.
import { Worker } from 'node:worker_threads';
import { EXIT_CODES } from './args';

/**
 * Heap for one CLI run. A launch-file analysis needs tens of MB and a 4-million-op `simulate --json` a few hundred
 * (its timeline is in typed arrays, outside this heap); anything near this is a runaway.
 */
export const CLI_HEAP_LIMIT_MB = 2048;

/**
 * Runs `entry` — a script whose worker branch calls runCli with `process.argv.slice(2)` and sets `process.exitCode` —
 * in a worker and resolves to its exit code. The worker's stdout and stderr flow to this process's own.
 */
export function runInWorker(
  entry: string,
  argv: readonly string[],
  heapLimitMb: number,
  stderr: (text: string) => void,
): Promise<number> {
  return new Promise((resolve) => {
    let failure: string | undefined;
    const worker = new Worker(entry, { argv: [...argv], resourceLimits: { maxOldGenerationSizeMb: heapLimitMb } });
    worker.on('error', (err: unknown) => {
      const code = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
      failure =
        code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `the run needed more than ${heapLimitMb} MB of heap and was stopped`
          : `${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`.split('\n')[0];
    });
    worker.on('exit', (code) => {
      if (failure === undefined) return resolve(code);
      stderr(`schedule-inspector: internal error: ${failure} — a bug in Schedule Inspector, not in the file\n`);
      resolve(EXIT_CODES.internal);
    });
  });
}
