// `schedule-inspector` command dispatch, with its I/O injected (src/cli.ts is the process entry point).
// Exit codes: 0 when the analysis ran (whatever it found), 2 on usage errors or unreadable input.
import { runAnalyzeCommand } from './analyzeCommand';
import { UsageError } from './args';
import type { CliIo } from './io';
import { runSimulateCommand } from './simulateCommand';

const USAGE = `Usage:
  schedule-inspector analyze FILE [--json] [--gpu ID] [--dialect ID] [--trace OUT.json]
  schedule-inspector simulate --schedule NAME --pp P --microbatches M [--splits K] [--vpp V]
                              [--forward F --backward B [--weight W]] [--p2p SECONDS] [--summary] --json
  schedule-inspector --help`;

export function runCli(argv: readonly string[], io: CliIo): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'analyze':
        return runAnalyzeCommand(rest, io);
      case 'simulate':
        return runSimulateCommand(rest, io);
      case '--help':
      case '-h':
      case 'help':
        io.stdout(USAGE + '\n');
        return 0;
      default:
        throw new UsageError(command ? `unknown command '${command}'` : 'no command given');
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`schedule-inspector: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
}
