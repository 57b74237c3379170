// `schedule-inspector` command line: the same core as the extension, for CI pipelines and scripts.
// Exit codes (docs/cli.md): 0 when the command ran (whatever it found), 2 on usage errors or refused input,
// 3 on an internal error. The run itself happens in a worker thread with a heap limit (cli/isolate.ts), so even a
// runaway allocation ends in exit 3 and one line instead of a V8 abort.
import { isMainThread } from 'node:worker_threads';
import { nodeIo } from './cli/io';
import { CLI_HEAP_LIMIT_MB, runInWorker } from './cli/isolate';

const argv = process.argv.slice(2);

/** Loaded only where it runs: the bundle evaluates the core lazily, so the main thread does not load it twice. */
async function runHere(): Promise<void> {
  const { runCli } = await import('./cli/main');
  process.exitCode = runCli(argv, nodeIo);
}

if (!isMainThread) {
  void runHere();
} else {
  // The real stdout is this thread's: `| head` closing it early ends the run with 0, not an EPIPE stack trace.
  nodeIo.exitOnBrokenPipe();
  // From source through tsx (development only) a worker cannot load the .ts entry, so that run is not isolated.
  if (__filename.endsWith('.ts')) void runHere();
  else
    void runInWorker(__filename, argv, CLI_HEAP_LIMIT_MB, nodeIo.stderr).then((code) => {
      process.exitCode = code;
    });
}
