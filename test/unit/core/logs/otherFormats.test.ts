// The other log formats (core/logs/otherFormats.ts), written here as their sources print them:
// - NeMo 2 (NVIDIA/NeMo 8cfedd72): ProgressPrinter.on_train_batch_end + format_string
//   (nemo/lightning/pytorch/callbacks/progress_printer.py:55-63, 124-142), the metrics of
//   MegatronStrategy.training_step (nemo/lightning/pytorch/strategies/megatron_strategy.py:765-812: global_step,
//   max_memory_reserved / max_memory_allocated in bytes), TimingCallback's 'train_step_timing in s' in the tqdm postfix
//   (nemo/utils/exp_manager.py:331-347, progress_bar.py:30-52), DeltaTimingCallback (exp_manager.py:442-452);
//   Which ranks print: nemo/utils/nemo_logging.py:86-103 (a stream handler on global rank 0 only, every rank with
//   NEMO_TESTING=1); MemoryProfileCallback.on_train_end (nemo/lightning/pytorch/callbacks/memory_profiler.py:82-84);
// - the Seq1F1B fork (thunlp/Seq1F1B 6893466, megatron/training.py:53-57 get_mem and :652-676 the iteration line);
// - the Zero-Bubble fork (sail-sg/zero-bubble-pipeline-parallelism 39f2c186,
//   megatron/core/pipeline_parallel/zerobubble/runtime.py:197-201).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../../src/core/analyze';
import { argDifferences, compareWithLog, memoryComparison, steadyState } from '../../../../src/core/logs/compare';
import { MegatronLogReader, readMegatronLog } from '../../../../src/core/logs/megatronLog';
import { comparisonToJson, formatComparison } from '../../../../src/report/logComparison';
import { prng } from '../../../support/scheduleCheck';

/** format_string: integers bare, other floats with 4 significant digits (Python `{val:.4}`). */
const py4 = (x: number): string => (Number.isInteger(x) ? String(x) : Number(x.toPrecision(4)).toString());

/** ProgressPrinter's line, as torchrun's --tee prefix '[default0]:' shows it (the NeMo resiliency notebook). */
function printerLine(step: number, seconds: number, extra: Record<string, number> = {}): string {
  const metrics: Record<string, number> = {
    lr: 1.499e-7,
    global_batch_size: 512,
    global_step: step,
    reduced_train_loss: 11.03,
    'train_step_timing in s': seconds,
    consumed_samples: (step + 1) * 512,
    ...extra,
  };
  const fields = Object.entries(metrics).map(([k, v]) => ` | ${k}: ${py4(v)}`);
  return `[default0]:Training epoch 0, iteration ${step}/99${fields.join('')}`;
}

test('NeMo 2 ProgressPrinter: step time in seconds, global_step as the iteration, memory in bytes on stage 0', () => {
  const lines = [];
  for (let s = 0; s < 40; s++)
    lines.push(
      printerLine(s, s === 0 ? 10.31 : 7.5 + (s % 3) * 0.01, {
        max_memory_reserved: 42.5 * 2 ** 30,
        max_memory_allocated: 38.25 * 2 ** 30,
      }),
    );
  // NeMo prints Megatron's timers after the line (progress_printer.py:143-148, get_all_timers_string).
  lines.push('(min, max) time across ranks (ms):', `    ${'forward-backward '.padEnd(48, '.')}: (7100.00, 7200.00)`);
  const log = readMegatronLog(lines.join('\n') + '\n');
  assert.deepEqual(log.formats, ['nemo']);
  assert.equal(log.iterations.length, 40);
  assert.equal(log.iterations[0]?.iteration, 1);
  assert.equal(log.iterations[0]?.elapsedMsPerIteration, 10310);
  assert.equal(log.iterations[0]?.globalBatchSize, 512);
  const s = steadyState(log);
  // Steps 11..40 steady (the first line and the first 10 iterations are warm-up): 7.5 + (s mod 3)·0.01 s.
  assert.equal(s.steadyIterations, 30);
  assert.ok(Math.abs(s.stepTimeMs! - 7510) < 1e-6, String(s.stepTimeMs));
  assert.deepEqual(log.stageMemory.get(0), {
    stage: 0,
    maxAllocatedGiB: 38.25,
    maxReservedGiB: 42.5,
    source: 'nemo max_memory',
  });
  assert.equal(log.timers.get('forward-backward')?.maxMs, 7200);
});

test('NeMo tqdm progress bar: redraws split at a lone \\r, also across chunks; DeltaTimingCallback lines', () => {
  // One physical line of redraws, as a file captures a tqdm bar; cut into chunks at every awkward place.
  const redraws = [5, 6, 7].map(
    (n) =>
      `Epoch 0: ${String(n)}%|▌         | ${n}/100 [00:${n}0<03:00, v_num=0, reduced_train_loss=7.12, global_step=${n - 1}.000, consumed_samples=${n * 32}.0, train_step_timing in s=1.61${n}]`,
  );
  const text = `${redraws.join('\r')}\r\n[NeMo I 2026-12-01 10:00:00 exp_manager:452] Step 9: train_step_timing in s=1.7\r\n`;
  for (const cut of [1, 7, text.indexOf('\r'), text.indexOf('\r') + 1, text.lastIndexOf('\r')]) {
    const reader = new MegatronLogReader();
    reader.push(text.slice(0, cut));
    reader.push(text.slice(cut));
    const log = reader.finish();
    assert.deepEqual(
      log.iterations.map((r) => [r.iteration, r.elapsedMsPerIteration]),
      [
        [5, 1615],
        [6, 1616],
        [7, 1617],
        [10, 1700],
      ],
      `cut at ${cut}`,
    );
    assert.equal(log.lines, 4, `cut at ${cut}`);
  }
});

test('Seq1F1B fork: TFlops/s and mem_each_stage (max reserved GiB per stage, each cut to 4 characters)', () => {
  const line = (it: number, mem: string): string =>
    ` iteration ${String(it).padStart(8)}/${String(500).padStart(8)} | consumed samples: ${String(it * 32).padStart(12)} |` +
    ` elapsed time per iteration (ms): 2500.0 | learning rate: 1.000E-04 | global batch size:    32 |` +
    ` toks/s: 52428.80 | TFlops/s: 161.25 | mem_each_stage: ${mem} | lm loss: 7.100000E+00 | loss scale: 1.0 |` +
    ` number of skipped iterations:   0 | number of nan iterations:   0 |`;
  // str(1.2e-05)[:4] is '1.2e': not a figure, skipped; the next line's figures are the maxima.
  const log = readMegatronLog([line(10, '34.5,30.1,28.0,1.2e'), line(20, '35.2,29.9,28.4,27.0')].join('\n'));
  assert.deepEqual(log.formats, ['seq1f1b']);
  assert.equal(log.iterations[0]?.tflopsPerGpu, 161.25);
  assert.deepEqual(
    [...log.stageMemory.values()].map((m) => [m.stage, m.maxReservedGiB, m.maxAllocatedGiB]),
    [
      [0, 35.2, null],
      [1, 30.1, null],
      [2, 28.4, null],
      [3, 27, null],
    ],
  );
});

test('Zero-Bubble fork: MEMORY lines by pipeline rank, max allocated in 10^6 bytes', () => {
  const log = readMegatronLog(
    [
      'MEMORY: rank 0 iteration 3 max_allocated: 30000 current_allocated: 12000',
      'MEMORY: rank 1 iteration 3 max_allocated: 25000 current_allocated: 11000',
      'MEMORY: rank 0 iteration 4 max_allocated: 31000 current_allocated: 12000',
    ].join('\n'),
  );
  assert.deepEqual(log.formats, ['zero-bubble']);
  assert.ok(Math.abs(log.stageMemory.get(0)!.maxAllocatedGiB! - 31000e6 / 2 ** 30) < 1e-9);
  assert.equal(log.stageMemory.get(1)?.maxReservedGiB, null);
});

const SCRIPT =
  'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 8 --hidden-size 1024 --num-attention-heads 16 ' +
  '--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size 16 --bf16 ' +
  '--vocab-size 32000 --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2\n';

test('per-stage prints join the comparison by stage; a log without arguments is checked on its global batch size', () => {
  const result = analyze(SCRIPT, { fileName: 'run.sh' });
  const log = readMegatronLog(
    [
      'MEMORY: rank 0 iteration 3 max_allocated: 3000 current_allocated: 1200',
      'MEMORY: rank 1 iteration 3 max_allocated: 2500 current_allocated: 1100',
      // A stage the file does not have (p = 2) is another run's, not drawn on a bar.
      'MEMORY: rank 5 iteration 3 max_allocated: 2500 current_allocated: 1100',
      printerLine(0, 1.5),
      printerLine(1, 1.4),
    ].join('\n'),
  );
  const memory = memoryComparison(log, result);
  assert.deepEqual(
    memory.map((m) => [m.stage, m.measuredMaxReservedGiB, m.predictedAllocatedGiB !== null]),
    [
      [0, null, true],
      [1, null, true],
    ],
  );
  // NeMo's step lines print global_batch_size 512; the file's is 16.
  assert.deepEqual(argDifferences(log, result), [{ name: 'global_batch_size', log: '512', file: '16' }]);
});

test('garbage, binary, carriage-return storms and interleaved ranks: never a throw, never a false record', () => {
  const rand = prng(7);
  const alphabet =
    'iteration |:.0123456789\r\n\t[]()ms elapsed time per train_step_timing in s=MEMORY: rank \u0000\uFFFD';
  for (let round = 0; round < 200; round++) {
    const reader = new MegatronLogReader();
    let chunk = '';
    for (let i = 0; i < 2000; i++) chunk += alphabet[Math.floor(rand() * alphabet.length)];
    reader.push(chunk);
    reader.push('\r'.repeat(1000));
    const log = reader.finish();
    for (const r of log.iterations) assert.ok(Number.isFinite(r.elapsedMsPerIteration) && r.iteration >= 0);
    for (const m of log.stageMemory.values()) assert.ok(m.stage >= 0);
  }
  // Two ranks writing into one line: neither record is invented from the mix.
  const mixed = readMegatronLog(
    'Training epoch 0, iteration 3/99 | global_stMEMORY: rank 0 iteration 3 max_allocated: 1 current_allocated: 1ep: 3 | train_step_timing in s: 1.2\n',
  );
  assert.equal(mixed.iterations[0]?.iteration, 4); // the iteration index + 1: global_step is garbled
  assert.equal(mixed.stageMemory.size, 0);
});

/**
 * NeMo's MemoryProfileCallback.on_train_end line (nemo/lightning/pytorch/callbacks/memory_profiler.py:82-84) through
 * NeMo's formatter ('[NeMo I {asctime} {module}:{lineno}] {message}', nemo/utils/formatters/base.py:32): the global
 * rank, torch.cuda.memory_allocated() and max_memory_reserved() in GiB (/1024³), Python's float repr.
 */
const profilerLine = (rank: number, allocatedGiB: number, reservedGiB: number): string =>
  `[NeMo I 2026-12-01 10:20:00 memory_profiler:82] on_train_batch_end rank: ${rank} mem: ${allocatedGiB} / ${reservedGiB}`;

test('NeMo prints global rank 0 only: its memory is stage 0, and the other stages are said to be unmeasured', () => {
  // NeMo's logger has a stream handler on global rank 0 only unless NEMO_TESTING=1 (nemo_logging.py:86-103), and the
  // ProgressPrinter line is that rank's print of its own torch.cuda.max_memory_* (megatron_strategy.py:786-811).
  const result = analyze(SCRIPT, { fileName: 'run.sh' });
  const lines = [];
  for (let s = 0; s < 20; s++)
    lines.push(printerLine(s, 1.2, { max_memory_reserved: 3 * 2 ** 30, max_memory_allocated: 2.5 * 2 ** 30 }));
  lines.push(profilerLine(0, 1.2345678901234, 3.125));
  const log = readMegatronLog(lines.join('\n') + '\n');
  assert.deepEqual(log.rankMemory, [{ rank: 0, maxReservedGiB: 3.125, line: 21 }]);
  const c = compareWithLog(result, log);
  // Stage 0: the printer's peaks and the profiler's end-of-training reserved (the larger, 3.125); rank 0 named.
  assert.deepEqual(
    c.memory.map((m) => [m.stage, m.ranks, m.measuredMaxAllocatedGiB, m.measuredMaxReservedGiB]),
    [[0, [0], 2.5, 3.125]],
  );
  assert.equal(
    c.memoryNote,
    "memory measured on stage 0 of 2: NeMo prints global rank 0 only (stage 0); with NEMO_TESTING=1 every rank prints, and MemoryProfileCallback's end-of-training line then gives each rank's max reserved",
  );
  // The note reaches the CLI text and JSON.
  assert.match(formatComparison('run.log', c), /\n {4}memory measured on stage 0 of 2: NeMo prints global rank 0 only/);
  assert.equal((comparisonToJson('run.log', c)['measured'] as { memoryNote: string }).memoryNote, c.memoryNote);
});

test('NeMo with NEMO_TESTING=1: every rank’s MemoryProfileCallback line, each on its own stage', () => {
  // TP 2 × PP 2 on 8 GPUs: ranks 0-3 are stage 0, 4-7 stage 1 (pp outermost, parallel_state.py:617). With
  // NEMO_TESTING every rank prints through DebugNeMoFormatter ('[NeMo %(levelname)1.1s %(asctime)s %(module)s:%(lineno)d
  // rank:%(rank)s]', formatters/base.py:132-135), whose rank is 0 or 'UNK' (nemo_logging.py:76): the message's own
  // get_rank() is what places the line. Ranks interleave.
  const result = analyze(SCRIPT, { fileName: 'run.sh' });
  const lines = [];
  for (let s = 0; s < 20; s++) lines.push(printerLine(s, 1.2));
  const reserved = [3.0, 3.25, 3.0, 3.0, 2.5, 2.75, 2.5, 2.5];
  [5, 0, 7, 2, 4, 1, 6, 3].forEach((r) =>
    lines.push(
      `[NeMo I 2026-12-01 10:20:00 memory_profiler:82 rank:${r === 0 ? 0 : 'UNK'}] on_train_batch_end rank: ${r} mem: 1.5 / ${reserved[r]}`,
    ),
  );
  const c = compareWithLog(result, readMegatronLog(lines.join('\n')));
  assert.deepEqual(
    c.memory.map((m) => [m.stage, [...m.ranks].sort(), m.measuredMaxAllocatedGiB, m.measuredMaxReservedGiB]),
    [
      [0, [0, 1, 2, 3], null, 3.25],
      [1, [4, 5, 6, 7], null, 2.75],
    ],
  );
  assert.equal(c.memoryNote, null);
  // Garbage after the prefix: no record, no throw.
  for (const bad of [
    'on_train_batch_end rank: 3 mem: nan / nan',
    'on_train_batch_end rank: x mem: 1 / 2',
    'on_train_batch_end rank: 1 mem: 1 / -2',
  ])
    assert.deepEqual(readMegatronLog(bad).rankMemory, []);
});

test('a Megatron-LM log with one stage’s report says the other stage is not measured', () => {
  const result = analyze(SCRIPT, { fileName: 'run.sh' });
  const log = readMegatronLog(
    '[Rank 0] (after 10 iterations) memory (MB) | allocated: 1000.0 | max allocated: 1300.0 | reserved: 1500.0 | max reserved: 1500.0\n',
  );
  assert.equal(
    compareWithLog(result, log).memoryNote,
    "memory measured on stage 0 of 2: the log has no report from the other stages' ranks",
  );
});
