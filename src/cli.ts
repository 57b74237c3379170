// `schedule-inspector` command line: the same core as the extension, for CI pipelines and scripts.
// Exit codes: 0 when the analysis ran (whatever it found), 2 on usage errors or unreadable input.
import { runAnalyzeCommand } from './cli/analyzeCommand';
import { runSimulateCommand } from './cli/simulateCommand';
import { UsageError } from './cli/args';

const USAGE = `Usage:
  schedule-inspector analyze FILE [--json] [--gpu ID] [--trace OUT.json]
  schedule-inspector simulate --schedule NAME --pp P --microbatches M [--splits K] [--vpp V]
                              [--forward F --backward B [--weight W]] [--p2p SECONDS] [--summary] --json
  schedule-inspector --help`;

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'analyze':
        return runAnalyzeCommand(rest);
      case 'simulate':
        return runSimulateCommand(rest);
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(USAGE + '\n');
        return 0;
      default:
        throw new UsageError(command ? `unknown command '${command}'` : 'no command given');
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`schedule-inspector: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = main(process.argv.slice(2));
