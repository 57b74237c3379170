// The log's steady step time in the panel's and the report's analysis header (protocol/measured.ts MeasuredStep,
// measuredPayload.ts buildMeasuredStep): built from the comparison's steady state, checked by the guard the webview
// runs (fed hostile values here), and worded by measuredSummarySuffix, which compares it with a prediction only on the
// schedule the run measured and without what-if overrides. Also the rank order traces and memory reports are placed
// by (--use-tp-pp-dp-mapping).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../src/core/analyze';
import { compareWithLog } from '../../../src/core/logs/compare';
import { readMegatronLog } from '../../../src/core/logs/megatronLog';
import { isMeasuredPayload, measuredSummarySuffix, type MeasuredStep } from '../../../src/protocol/measured';
import { buildMeasuredSpans, buildMeasuredStep, measuredSpansKey } from '../../../src/protocol/measuredPayload';

const SCRIPT =
  'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 8 --hidden-size 1024 --num-attention-heads 16 ' +
  '--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size 16 --bf16 ' +
  '--vocab-size 32000 --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2\n';

/** Megatron-LM's training_log line (training.py:3567-3641), every iteration logged. */
const line = (i: number, ms: number): string =>
  ` iteration ${String(i).padStart(8)}/    1000 | consumed samples: ${i * 16} | elapsed time per iteration (ms): ${ms.toFixed(1)} | global batch size:    16 | number of skipped iterations:   0 | number of nan iterations:   0 |`;

const STEP: MeasuredStep = {
  source: 'run.log',
  schedule: '1f1b',
  measuredMs: 49.8,
  steadyIterations: 120,
  warmupLines: 10,
};

test('buildMeasuredStep: the steady mean (warm-up left out), or null without one', () => {
  const result = analyze(SCRIPT, { fileName: 'run.sh' });
  // 10 warm-up lines at 900 ms, then 20 lines alternating 110 / 130 ms: the steady mean is 120 ms.
  const lines = [];
  for (let i = 1; i <= 30; i++) lines.push(line(i, i <= 10 ? 900 : i % 2 ? 110 : 130));
  const step = buildMeasuredStep(
    'run.log',
    compareWithLog(result, readMegatronLog(lines.join('\n'))),
    result.selectedSchedule,
  );
  assert.deepEqual(step, {
    source: 'run.log',
    schedule: result.selectedSchedule,
    measuredMs: 120,
    steadyIterations: 20,
    warmupLines: 10,
  });
  assert.ok(isMeasuredPayload({ spans: null, memory: null, step }));
  // Only warm-up: no figure (the lens says why), and none without the file's own schedule.
  const warm = compareWithLog(result, readMegatronLog(lines.slice(0, 12).join('\n')));
  assert.equal(buildMeasuredStep('run.log', warm, result.selectedSchedule), null);
  assert.equal(buildMeasuredStep('run.log', compareWithLog(result, readMegatronLog(lines.join('\n'))), null), null);
  // A long name is cut to the guard's bound.
  const long = buildMeasuredStep('x'.repeat(500), compareWithLog(result, readMegatronLog(lines.join('\n'))), '1f1b');
  assert.ok(long && long.source.length === 200 && isMeasuredPayload({ spans: null, memory: null, step: long }));
});

test('the guard refuses a hostile step and accepts payloads without one', () => {
  assert.ok(isMeasuredPayload({ spans: null, memory: null }));
  assert.ok(isMeasuredPayload({ spans: null, memory: null, step: null }));
  assert.ok(isMeasuredPayload({ spans: null, memory: null, step: STEP }));
  const bad: unknown[] = [
    { ...STEP, measuredMs: Number.NaN },
    { ...STEP, measuredMs: Infinity },
    { ...STEP, measuredMs: 0 },
    { ...STEP, measuredMs: -5 },
    { ...STEP, measuredMs: '49.8' },
    { ...STEP, steadyIterations: 1.5 },
    { ...STEP, steadyIterations: -1 },
    { ...STEP, warmupLines: null },
    { ...STEP, source: 'x'.repeat(201) },
    { ...STEP, schedule: 7 },
    [STEP],
    'step',
    { source: 'run.log' },
  ];
  for (const step of bad)
    assert.equal(isMeasuredPayload({ spans: null, memory: null, step }), false, JSON.stringify(step));
});

test('measuredSummarySuffix compares only the schedule and configuration the run measured', () => {
  // (49.8 − 46.2) / 46.2 = +7.79 %
  assert.equal(
    measuredSummarySuffix(STEP, { schedule: '1f1b', stepTimeMs: 46.2 }, {}),
    ' · measured 49.80 ms (+7.8 % vs predicted, 120 iterations, run.log)',
  );
  assert.equal(
    measuredSummarySuffix({ ...STEP, measuredMs: 120 }, { schedule: '1f1b', stepTimeMs: 150 }, {}),
    ' · measured 120.0 ms (-20.0 % vs predicted, 120 iterations, run.log)',
  );
  assert.equal(
    measuredSummarySuffix(STEP, { schedule: '1f1b', stepTimeMs: null }, {}),
    ' · measured 49.80 ms (120 iterations, run.log)',
  );
  // Another schedule shown, or a what-if applied: the figure is the file's own run, never a delta against it.
  assert.equal(
    measuredSummarySuffix(STEP, { schedule: 'gpipe', stepTimeMs: 80 }, {}),
    " · measured 49.80 ms for the file's own 1f1b (run.log)",
  );
  assert.equal(
    measuredSummarySuffix(STEP, { schedule: '1f1b', stepTimeMs: 40 }, { microBatchSize: 2 }),
    " · measured 49.80 ms for the file's own 1f1b (run.log)",
  );
  // Nothing measured: nothing added to the summary.
  assert.equal(measuredSummarySuffix(null, { schedule: '1f1b', stepTimeMs: 40 }, {}), '');
  assert.equal(measuredSummarySuffix(undefined, { schedule: '1f1b', stepTimeMs: 40 }, {}), '');
});

test('--use-tp-pp-dp-mapping: traces and memory reports go to the stage of the tp-cp-ep-pp-dp order', () => {
  // Megatron builds its groups tp-cp-ep-dp-pp, or tp-cp-ep-pp-dp with the flag (initialize.py:395; the argument is a
  // bool defaulting to False, megatron/training/config/common_config.py:105). With TP 2, PP 2 on 8 GPUs, global rank
  // 2 is stage 0 in the default order (pp outermost: ranks 0-3) and stage 1 in the swapped one ((2 / 2) mod 2).
  const swapped = analyze(SCRIPT.replace('pretrain_gpt.py', 'pretrain_gpt.py --use-tp-pp-dp-mapping'), {
    fileName: 'run.sh',
  });
  const plain = analyze(SCRIPT, { fileName: 'run.sh' });
  const trace = {
    name: 'rank2.json',
    trace: {
      rank: 2,
      spans: [{ kind: 'forward' as const, startUs: 0, durUs: 1000, onGpu: true }],
      droppedSpans: 0,
      events: 1,
      bytes: 0,
      problems: [],
    },
  };
  assert.deepEqual(buildMeasuredSpans(plain, [trace])?.stage, [0]);
  assert.deepEqual(buildMeasuredSpans(swapped, [trace])?.stage, [1]);
  assert.notEqual(measuredSpansKey(plain), measuredSpansKey(swapped));
  // Megatron's report_memory from rank 2: the file's flag decides when the log prints no arguments; printed
  // arguments (the run's own) win over the file.
  const report =
    '[Rank 2] (after 10 iterations) memory (MB) | allocated: 1000.0 | max allocated: 1300.0 | reserved: 1500.0 | max reserved: 1500.0\n';
  const stagesOf = (r: typeof plain, text: string): number[] =>
    compareWithLog(r, readMegatronLog(text)).memory.map((m) => m.stage);
  assert.deepEqual(stagesOf(plain, report), [0]);
  assert.deepEqual(stagesOf(swapped, report), [1]);
  const args = (v: string): string =>
    `------ arguments ------\n  use_tp_pp_dp_mapping ............ ${v}\n------ end of arguments ------\n`;
  assert.deepEqual(stagesOf(plain, args('True') + report), [1]);
  assert.deepEqual(stagesOf(swapped, args('False') + report), [0]);
});
