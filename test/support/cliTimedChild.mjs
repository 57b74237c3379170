// The CLI in a child process for the input-contract tests (test/unit/cli/input.test.ts): a hang on a FIFO or a
// device can only be caught from outside, by killing the child. It says `cli-start` on stderr once loaded (stderr to
// a pipe is synchronous on Linux, so the line is out before a blocking call) and reports how long runCli itself took
// (`cli-ms=…`, the last line): the time limits apply to the CLI, not to tsx compiling it on a busy machine.
import { performance } from 'node:perf_hooks';
import { nodeIo } from '../../src/cli/io.ts';
import { runCli } from '../../src/cli/main.ts';

process.stderr.write('cli-start\n');
const t0 = performance.now();
process.exitCode = runCli(process.argv.slice(2), nodeIo);
process.stderr.write(`cli-ms=${(performance.now() - t0).toFixed(1)}\n`);
