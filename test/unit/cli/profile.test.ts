// `analyze FILE --profile TRACE.json[,…]` (issue 19): PyTorch profiler traces (Kineto's Chrome trace JSON, one per
// rank) read for Megatron's forward_step / backward_step spans (megatron/core/pipeline_parallel/schedules.py), each
// set beside the simulated mean op of its rank's stage, in text and JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_CODES } from '../../../src/cli/args';
import { logTestScript, runCliCaptured } from '../../support/cliHarness';

const { dir, script } = logTestScript('si-cli-profile-', test.after);

function writeTrace(rank: number, forwardUs: number): string {
  const path = join(dir, `rank${rank}.pt.trace.json`);
  const ev = (name: string, ts: number, dur: number): object => ({
    ph: 'X',
    cat: 'gpu_user_annotation',
    name,
    pid: 0,
    tid: 7,
    ts,
    dur,
  });
  const body = {
    schemaVersion: 1,
    distributedInfo: { backend: 'nccl', rank, world_size: 8 },
    traceEvents: [ev('forward_step', 0, forwardUs), ev('backward_step', forwardUs, 2 * forwardUs)],
  };
  writeFileSync(path, JSON.stringify(body));
  return path;
}

test('--profile: per rank, the measured spans beside the simulated op of its stage', () => {
  const a = writeTrace(0, 5000);
  const b = writeTrace(6, 4000);
  const run = runCliCaptured('analyze', script, '--profile', `${a},${b}`, '--json');
  assert.equal(run.code, EXIT_CODES.ok, run.stderr);
  const out = JSON.parse(run.stdout) as {
    measuredTrace: {
      rank: number;
      stage: number;
      spans: string;
      forward: { measuredMs: number; predictedMs: number };
    }[];
  };
  assert.deepEqual(
    out.measuredTrace.map((t) => [t.rank, t.stage, t.spans, t.forward.measuredMs]),
    [
      [0, 0, 'gpu', 5],
      [6, 1, 'gpu', 4],
    ],
  );
  assert.ok(out.measuredTrace.every((t) => t.forward.predictedMs > 0));
  const text = runCliCaptured('analyze', script, '--profile', a);
  assert.match(
    text.stdout,
    /rank 0 \(stage 0, GPU ranges\): forward 5\.0 ms ×1 \(predicted [\d.]+ ms\), backward 10\.0 ms ×1/,
  );
  const missing = runCliCaptured('analyze', script, '--profile', join(dir, 'nope.json'));
  assert.equal(missing.code, EXIT_CODES.usageOrInput);
});
