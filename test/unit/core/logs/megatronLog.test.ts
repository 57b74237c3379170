// Megatron-LM training logs (core/logs): lines written here in the formats Megatron-LM d98e8a64 prints them —
// training.py:3567-3641 (training_log: the iteration line), common_utils.py:312-333 (report_memory), timers.py:
// 343-356 (the min/max timer block) and arguments.py:1990-2002 (_print_args) — read back, including truncated,
// interleaved, huge and garbage input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../../src/core/analyze';
import { compareWithLog, steadyState, WARMUP_ITERATIONS } from '../../../../src/core/logs/compare';
import { MegatronLogReader, readMegatronLog } from '../../../../src/core/logs/megatronLog';

/** ' iteration {:8d}/{:8d} |' … as training_log builds it (the timestamp prefix included). */
function iterationLine(iteration: number, ms: number, extra = ''): string {
  const pad = (n: number, w: number): string => String(n).padStart(w);
  return (
    ` [2026-12-01 10:00:00.000000] iteration ${pad(iteration, 8)}/${pad(1000, 8)} | consumed samples: ${pad(iteration * 64, 12)} |` +
    ` elapsed time per iteration (ms): ${ms.toFixed(1)} | throughput per GPU (TFLOP/s/GPU): 150.2 |` +
    ` learning rate: 1.000000E-04 | global batch size:    64 | lm loss: 7.123456E+00 | loss scale: 1.0 |` +
    ` grad norm: 1.234 |${extra} number of skipped iterations:   0 | number of nan iterations:   0 |`
  );
}

/** '[Rank {}] (after N iterations) memory (MB) | allocated: … | max allocated: … | reserved: … | max reserved: …'. */
const memoryLine = (rank: number, after: number, maxAllocMiB: number, maxResMiB: number): string =>
  `[Rank ${rank}] (after ${after} iterations) memory (MB) | allocated: ${(maxAllocMiB * 0.8).toFixed(2)} | max allocated: ${maxAllocMiB.toFixed(2)} | reserved: ${maxResMiB.toFixed(2)} | max reserved: ${maxResMiB.toFixed(2)}`;

const argsBlock = (args: Record<string, string>): string[] => [
  '------------------------ arguments ------------------------',
  ...Object.entries(args).map(([k, v]) => `  ${k} ${'.'.repeat(48 - k.length)} ${v}`),
  '-------------------- end of arguments ---------------------',
];

const timerBlock = [
  '(min, max) time across ranks (ms):',
  `    ${'forward-backward '.padEnd(48, '.')}: (1180.25, 1190.50)`,
  `    ${'optimizer '.padEnd(48, '.')}: (20.10, 21.00)`,
];

test('iteration lines, memory reports, timers and arguments read as Megatron prints them', () => {
  const text = [
    ...argsBlock({ num_layers: '32', tensor_model_parallel_size: '2', pipeline_model_parallel_size: '2' }),
    iterationLine(1, 9000),
    memoryLine(0, 1, 30000, 34000),
    iterationLine(2, 1300),
    ...timerBlock,
    iterationLine(3, 1250),
    '',
  ].join('\n');
  const log = readMegatronLog(text);
  assert.deepEqual(
    log.iterations.map((r) => [r.iteration, r.intervalIterations, r.elapsedMsPerIteration, r.tflopsPerGpu]),
    [
      [1, 1, 9000, 150.2],
      [2, 1, 1300, 150.2],
      [3, 1, 1250, 150.2],
    ],
  );
  assert.equal(log.memory[0]?.rank, 0);
  assert.equal(log.memory[0]?.maxAllocatedMiB, 30000);
  assert.equal(log.memory[0]?.label, 'after 1 iterations');
  assert.deepEqual(log.timers.get('forward-backward'), { name: 'forward-backward', minMs: 1180.25, maxMs: 1190.5 });
  assert.equal(log.args.get('num_layers'), '32');
  assert.deepEqual(log.problems, []);
});

test('the steady step time leaves out the first line and the first iterations, weighted by interval', () => {
  // log-interval 5: lines at 5 (warm-up: it is the first), 10 (its interval 5-10 starts before iteration 10),
  // then 15, 20, 25 at 1000, 1100 and 1200 ms per iteration → mean (1000+1100+1200)·5 / 15 = 1100.
  const lines = [
    iterationLine(5, 5000),
    iterationLine(10, 1500),
    iterationLine(15, 1000),
    iterationLine(20, 1100),
    iterationLine(25, 1200),
  ];
  const s = steadyState(readMegatronLog(lines.join('\n') + '\n'));
  assert.equal(WARMUP_ITERATIONS, 10);
  assert.deepEqual(s.warmupLines, [5, 10]);
  assert.equal(s.steadyIterations, 15);
  assert.ok(Math.abs((s.stepTimeMs ?? 0) - 1100) < 1e-9);
  // Too few steady iterations: no figure, and why.
  const short = steadyState(readMegatronLog([iterationLine(1, 5000), iterationLine(11, 900)].join('\n')));
  assert.equal(short.stepTimeMs, null);
  assert.match(short.reason ?? '', /at least 5 are needed/);
});

test('truncated, chunked, interleaved and garbage input: a clear message, never a throw', () => {
  // Cut mid-line: the last iteration line is incomplete.
  const cut = readMegatronLog(iterationLine(1, 900) + '\n' + iterationLine(2, 800).slice(0, 60));
  assert.equal(cut.iterations.length, 1);
  assert.ok(
    cut.problems.some((p) => /the last line is cut off/.test(p.message)),
    JSON.stringify(cut.problems),
  );
  // Fed in 7-byte chunks it reads the same as at once.
  const text = [iterationLine(1, 900), memoryLine(3, 1, 1000, 2000), iterationLine(2, 800)].join('\n') + '\n';
  const reader = new MegatronLogReader();
  for (let i = 0; i < text.length; i += 7) reader.push(text.slice(i, i + 7));
  const chunked = reader.finish();
  assert.deepEqual(chunked.iterations, readMegatronLog(text).iterations);
  assert.equal(chunked.memory[0]?.rank, 3);
  // Several ranks writing into one file: memory lines of ranks interleave with other output on separate lines.
  const multi = readMegatronLog(['[Rank 0] noise', memoryLine(0, 2, 10, 20), 'x', memoryLine(4, 2, 30, 40)].join('\n'));
  assert.deepEqual(
    multi.memory.map((m) => m.rank),
    [0, 4],
  );
  // Garbage: binary-looking bytes, a run-away line without newline, numbers that are not numbers.
  const junk = readMegatronLog(
    '\u0000\u0001iteration x/ y | elapsed time per iteration (ms): NaN |\n' + 'a'.repeat(70_000),
  );
  assert.equal(junk.iterations.length, 0);
  assert.ok(junk.problems.some((p) => /longer than/.test(p.message)));
});

test('a 100 MB log is read in bounded memory: records capped, the rest summed', () => {
  // 100 MB of iteration lines (~330 bytes each, ~320k lines) in 1 MB chunks: the reader keeps 200k records.
  const reader = new MegatronLogReader();
  let iteration = 0;
  let bytes = 0;
  const chunkLines: string[] = [];
  while (bytes < 100 * 1024 * 1024) {
    chunkLines.length = 0;
    for (let k = 0; k < 3000; k++) chunkLines.push(iterationLine(++iteration, 1000 + (iteration % 7)));
    const chunk = chunkLines.join('\n') + '\n';
    bytes += chunk.length;
    reader.push(chunk);
  }
  const log = reader.finish();
  assert.equal(log.iterations.length, 200_000);
  assert.equal(log.droppedIterations.iterations, iteration - 200_000);
  const s = steadyState(log);
  assert.equal(s.steadyIterations, iteration - WARMUP_ITERATIONS);
  assert.ok(Math.abs((s.stepTimeMs ?? 0) - 1003) < 0.01);
});

test('compared with the file: step time delta, memory per stage, and the arguments that differ', () => {
  const script = [
    'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 8 --hidden-size 1024 --num-attention-heads 16 \\',
    '  --seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size 16 --bf16 \\',
    '  --vocab-size 32000 --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2',
    '',
  ].join('\n');
  const result = analyze(script, { fileName: 'run.sh' });
  const own = result.selectedSchedule ? result.schedules[result.selectedSchedule] : undefined;
  const predicted = own?.stepTimeMs ?? 0;
  assert.ok(predicted > 0);
  // Measured 10 % slower than predicted, from iteration 11 on; ranks 0 (stage 0) and 4 (stage 1: rank / (8/2)).
  const lines = [
    ...argsBlock({ num_layers: '8', tensor_model_parallel_size: '2', global_batch_size: '32' }),
    ...Array.from({ length: 30 }, (_, i) => iterationLine(i + 1, i < 10 ? predicted * 3 : predicted * 1.1)),
    memoryLine(0, 2, 10 * 1024, 12 * 1024),
    memoryLine(4, 2, 8 * 1024, 9 * 1024),
  ];
  const cmp = compareWithLog(result, readMegatronLog(lines.join('\n')));
  assert.ok(Math.abs((cmp.stepTimeDeltaPercent ?? 0) - 10) < 0.1, String(cmp.stepTimeDeltaPercent));
  assert.deepEqual(
    cmp.memory.map((m) => [m.stage, m.ranks, m.measuredMaxAllocatedGiB]),
    [
      [0, [0], 10],
      [1, [4], 8],
    ],
  );
  assert.equal(cmp.memory[0]?.predictedAllocatedGiB, own?.peakMemoryGiBPerStage?.[0]);
  // The log ran a global batch of 32; the file says 16: said, flag by flag.
  assert.deepEqual(cmp.argDifferences, [{ name: 'global_batch_size', log: '32', file: '16' }]);
});
