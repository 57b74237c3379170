// Runs the CLI in-process with the real file system but captured output: the exit code, stdout and stderr a user
// would see, without spawning node per case. The one spawn of the built binary lives in cli.config.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * A scratch folder (removed after the file's tests) holding `run.sh`: a small TP 2 × PP 2 Megatron-LM launch on one
 * 8-GPU node that every log, calibration and profile CLI test compares its measurements with.
 */
export function logTestScript(prefix: string, after: (fn: () => void) => void): { dir: string; script: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'run.sh');
  writeFileSync(
    script,
    'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 8 --hidden-size 1024 --num-attention-heads 16 ' +
      '--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size 16 --bf16 ' +
      '--vocab-size 32000 --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2\n',
  );
  return { dir, script };
}
