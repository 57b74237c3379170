// Runs the CLI in-process with the real file system but captured output: the exit code, stdout and stderr a user
// would see, without spawning node per case. The one spawn of the built binary lives in cli.config.test.ts.
import { nodeIo, type CliIo } from '../../src/cli/io';
import { runCli } from '../../src/cli/main';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCliCaptured(...argv: string[]): CliRun {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    ...nodeIo,
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    exitOnBrokenPipe: () => undefined,
  };
  return { code: runCli(argv, io), stdout, stderr };
}
