// Everything the CLI commands do to the outside world, injected, so the argument and usage tests call the commands
// in-process (exit code + text) instead of spawning the built binary. src/cli.ts passes `nodeIo`.
import { readFileSync, statSync, writeFileSync } from 'node:fs';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  fileSizeBytes(path: string): number;
  readFile(path: string): string;
  writeFile(path: string, data: string): void;
  /** Called before a long streamed write to stdout: a reader that stops early (`| head`) ends the run quietly. */
  exitOnBrokenPipe(): void;
}

export const nodeIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  fileSizeBytes: (path) => statSync(path).size,
  readFile: (path) => readFileSync(path, 'utf8'),
  writeFile: (path, data) => writeFileSync(path, data),
  exitOnBrokenPipe: () => {
    // `| head` closes the pipe early; that is the reader's choice, not an error worth a stack trace.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  },
};

/** The Node error code (ENOENT, EISDIR, …) or message of a failed file operation, for a one-line usage error. */
export function fileErrorText(err: unknown): string {
  if (err instanceof Error) return (err as NodeJS.ErrnoException).code ?? err.message;
  return String(err);
}
