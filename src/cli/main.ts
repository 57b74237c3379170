// `schedule-inspector` command dispatch, with its I/O injected (src/cli.ts is the process entry point). Every
// failure ends in one of the exit codes of EXIT_CODES (args.ts, docs/cli.md) with one line on stderr.
import { runAnalyzeCommand } from './analyzeCommand';
import { EXIT_CODES, InputError, UsageError } from './args';
import type { CliIo } from './io';
import { runSimulateCommand } from './simulateCommand';

const USAGE = `Usage:
  schedule-inspector analyze FILE|DIR|GLOB... [--format text|json|sarif] [--json] [--fail-on error|warning|never]
                             [--log TRAINING.log [--calibrate]] [--profile RANK.pt.trace.json[,…]]
                             [--gpu ID] [--dialect ID] [--efficiency E] [--trace OUT.json] [--report OUT.html]
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
        return EXIT_CODES.ok;
      default:
        throw new UsageError(command ? `unknown command '${command}'` : 'no command given');
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`schedule-inspector: ${err.message}\n${USAGE}\n`);
      return EXIT_CODES.usageOrInput;
    }
    if (err instanceof InputError) {
      io.stderr(`schedule-inspector: ${err.message}\n`);
      return EXIT_CODES.usageOrInput;
    }
    io.stderr(`schedule-inspector: internal error: ${internalErrorText(err)}\n`);
    return EXIT_CODES.internal;
  }
}

/** One line: what failed and that it is ours to fix (the user's file is not at fault). */
function internalErrorText(err: unknown): string {
  const what = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return `${what.split('\n')[0]} — a bug in Schedule Inspector, not in the file; please report it with the file`;
}
