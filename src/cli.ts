// `schedule-inspector` command line: the same core as the extension, for CI pipelines and scripts.
// Exit codes: 0 when the analysis ran (whatever it found), 2 on usage errors or unreadable input.
import { nodeIo } from './cli/io';
import { runCli } from './cli/main';

process.exitCode = runCli(process.argv.slice(2), nodeIo);
