// Everything the CLI commands do to the outside world, injected, so the argument and usage tests call the commands
// in-process (exit code + text) instead of spawning the built binary. src/cli.ts passes `nodeIo`.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { InputError } from './args';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The file as UTF-8 text; an InputError when it is not a regular file, is over `maxBytes` or is binary. */
  readTextFile(path: string, maxBytes: number): string;
  writeFile(path: string, data: string): void;
  /** The file as UTF-8 text in chunks (a training log can be gigabytes); the same refusals as readTextFile. */
  readTextChunks(path: string, maxBytes: number, onChunk: (text: string) => void): void;
  /** Called before a long streamed write to stdout: a reader that stops early (`| head`) ends the run quietly. */
  exitOnBrokenPipe(): void;
}

export const nodeIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readTextFile: readCappedTextFile,
  readTextChunks: readTextChunks,
  writeFile: (path, data) => writeFileSync(path, data),
  exitOnBrokenPipe: () => {
    // `| head` closes the pipe early; that is the reader's choice, not an error worth a stack trace.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  },
};

/** Read size per readSync call: a launch file is one or two chunks. */
const CHUNK_BYTES = 64 * 1024;
/** Text editors and `file(1)` alike call a file with a NUL byte near its start binary; no launch file has one. */
const BINARY_SNIFF_BYTES = 1024;
/** Windows has no O_NONBLOCK (and no FIFOs that would need it). */
const O_NONBLOCK = (constants as { O_NONBLOCK?: number }).O_NONBLOCK ?? 0;

/**
 * Reads at most `maxBytes` (+ 1 to detect more) in chunks. `stat` decides only what is refused early: a FIFO or a
 * device is never read (reading /dev/zero never ends, opening a FIFO blocks until a writer comes), and a file that
 * says it is too large is refused unread — but a size that says "small" is not trusted (/proc files report 0, a
 * file can grow while it is read), so the read itself stops one byte past the cap.
 */
function readCappedTextFile(path: string, maxBytes: number): string {
  refuseUnlessRegular(path, statSync(path), maxBytes);
  // O_NONBLOCK: if the path was swapped for a FIFO since the stat, the open must not wait for a writer.
  const fd = openSync(path, constants.O_RDONLY | O_NONBLOCK);
  try {
    refuseUnlessRegular(path, fstatSync(fd), maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, maxBytes + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw new InputError(`${path} is over ${maxBytes} bytes; ${LIMIT_NOTE}`);
    }
    const bytes = Buffer.concat(chunks, total);
    if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0))
      throw new InputError(
        `${path} is not a text launch file (it has NUL bytes in its first ${BINARY_SNIFF_BYTES} bytes)`,
      );
    return bytes.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

const LIMIT_NOTE = 'launch files are kilobytes, and larger files are not analysed';

/** Chunk by chunk, decoded across chunk boundaries; stops with an InputError one byte past the cap. */
function readTextChunks(path: string, maxBytes: number, onChunk: (text: string) => void): void {
  refuseUnlessRegular(path, statSync(path), maxBytes);
  const fd = openSync(path, constants.O_RDONLY | O_NONBLOCK);
  try {
    refuseUnlessRegular(path, fstatSync(fd), maxBytes);
    const decoder = new StringDecoder('utf8');
    const buffer = Buffer.allocUnsafe(LOG_CHUNK_BYTES);
    let total = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw new InputError(`${path} is over ${maxBytes} bytes; it is not read further`);
      onChunk(decoder.write(buffer.subarray(0, n)));
    }
    const rest = decoder.end();
    if (rest) onChunk(rest);
  } finally {
    closeSync(fd);
  }
}

/** Training logs are read a megabyte at a time: the reader keeps aggregates, never the whole text. */
const LOG_CHUNK_BYTES = 1024 * 1024;

function refuseUnlessRegular(path: string, st: Stats, maxBytes: number): void {
  if (!st.isFile()) throw new InputError(`${path} is ${fileKind(st)}, not a regular file; analyze reads launch files`);
  if (st.size > maxBytes) throw new InputError(`${path} is ${st.size} bytes, over ${maxBytes}; ${LIMIT_NOTE}`);
}

function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

/** The Node error code (ENOENT, EISDIR, …) or message of a failed file operation, for a one-line usage error. */
export function fileErrorText(err: unknown): string {
  const text = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
  return text.split('\n')[0] ?? text;
}

/** An error from the operating system (it carries a code such as ENOENT), as opposed to a bug of ours. */
export function isSystemError(err: unknown): boolean {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}
