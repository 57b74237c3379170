// PyTorch profiler traces (core/logs/chromeTrace.ts): written here as torch.profiler's Kineto export writes them —
// {"schemaVersion", "deviceProperties": […], "distributedInfo": {"backend", "rank", "world_size", …}, "traceEvents":
// [complete events {"ph": "X", "cat", "name", "pid", "tid", "ts", "dur", "args"} in µs]}; with_stack=True names
// python functions '<file>(<line>): <function>' (cat "python_function"), a record_function range is cat
// "user_annotation" on the CPU and "gpu_user_annotation" on the GPU stream. Megatron's step functions:
// megatron/core/pipeline_parallel/schedules.py forward_step / backward_step (Megatron-LM d98e8a64).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../../src/core/analyze';
import {
  ChromeTraceReader,
  compareTraces,
  MAX_SPANS,
  readChromeTrace,
  summarizeSpans,
} from '../../../../src/core/logs/chromeTrace';

const event = (cat: string, name: string, ts: number, dur: number): string =>
  JSON.stringify({
    ph: 'X',
    cat,
    name,
    pid: 1234,
    tid: 1234,
    ts,
    dur,
    args: { 'External id': 7, note: 'a } ] " \\ b' },
  });

function trace(rank: number | null, events: string[]): string {
  const head = [
    '{"schemaVersion": 1,',
    ' "deviceProperties": [{"id": 0, "name": "NVIDIA A100-SXM4-80GB", "totalGlobalMem": 85198045184}],',
    rank === null ? '' : ` "distributedInfo": {"backend": "nccl", "rank": ${rank}, "world_size": 8},`,
    ' "traceEvents": [',
  ].join('\n');
  return `${head}\n${events.join(',\n')}\n],\n "traceName": "rank${rank}.pt.trace.json"\n}\n`;
}

const PY = 'megatron/core/pipeline_parallel/schedules.py';
const events = [
  event('python_function', `${PY}(389): forward_step`, 1000, 12_000),
  event('kernel', 'ampere_bf16_s16816gemm_bf16_256x128_ldg8_f2f_stages_64x3_tn', 1100, 900),
  event('python_function', `${PY}(520): backward_step`, 14_000, 24_000),
  event('python_function', `${PY}(389): forward_step`, 40_000, 14_000),
  event('python_function', `${PY}(520): backward_step`, 55_000, 26_000),
  // Not a step: the name only contains the words.
  event('python_function', `${PY}(600): forward_step_helper`, 90_000, 5),
  event('cpu_op', 'aten::mm', 1200, 300),
];

test('forward_step and backward_step spans, the rank from distributedInfo, at every chunk boundary', () => {
  const text = trace(4, events);
  const whole = readChromeTrace(text);
  assert.equal(whole.rank, 4);
  assert.equal(whole.events, events.length + 1); // + the deviceProperties object at the same depth
  assert.deepEqual(
    whole.spans.map((s) => [s.kind, s.durUs, s.onGpu]),
    [
      ['forward', 12_000, false],
      ['backward', 24_000, false],
      ['forward', 14_000, false],
      ['backward', 26_000, false],
    ],
  );
  assert.deepEqual(whole.problems, []);
  for (let cut = 1; cut < text.length; cut += 7) {
    const reader = new ChromeTraceReader();
    reader.push(text.slice(0, cut));
    reader.push(text.slice(cut));
    const t = reader.finish();
    assert.deepEqual(t.spans, whole.spans, `cut at ${cut}`);
    assert.equal(t.rank, 4, `cut at ${cut}`);
  }
  assert.deepEqual(summarizeSpans(whole), {
    forwardMs: 13,
    forwardCount: 2,
    backwardMs: 25,
    backwardCount: 2,
    onGpu: false,
  });
});

test('GPU ranges win over CPU ones; a bare array of events is read too', () => {
  const gpu = [
    ...events,
    event('gpu_user_annotation', 'forward_step', 1500, 10_000),
    event('gpu_user_annotation', 'backward_step', 15_000, 20_000),
  ];
  const s = summarizeSpans(readChromeTrace(`[${gpu.join(',')}]`));
  assert.deepEqual([s.onGpu, s.forwardMs, s.backwardMs, s.forwardCount], [true, 10, 20, 1]);
});

test('cut off, garbage, oversized events and too many spans: said in problems, never a throw', () => {
  const text = trace(0, events);
  const cut = readChromeTrace(text.slice(0, text.indexOf('backward_step') + 40));
  assert.equal(cut.spans.length, 1);
  assert.match(cut.problems.join('\n'), /cut off/);
  for (const garbage of ['', 'not json at all', '{{{{[[[[', '"unterminated', '\u0000\uFFFD}]}]', 'x'.repeat(100_000)])
    assert.doesNotThrow(() => readChromeTrace(garbage));
  assert.match(readChromeTrace('hello').problems.join('\n'), /no trace events found/);
  const huge = event('python_function', `forward_step ${'x'.repeat(70_000)}`, 0, 1);
  const big = readChromeTrace(trace(0, [huge, events[0]!]));
  assert.equal(big.spans.length, 1);
  assert.match(big.problems.join('\n'), /over 65536 characters was skipped/);
  // MAX_SPANS kept, the rest counted: 2 MB of small events in 64 KB chunks.
  const many: string[] = [];
  for (let i = 0; i < MAX_SPANS + 10; i++) many.push(`{"ph":"X","name":"forward_step","ts":${i},"dur":1}`);
  const reader = new ChromeTraceReader();
  const all = `{"traceEvents":[${many.join(',')}]}`;
  for (let i = 0; i < all.length; i += 65_536) reader.push(all.slice(i, i + 65_536));
  const capped = reader.finish();
  assert.equal(capped.spans.length, MAX_SPANS);
  assert.equal(capped.droppedSpans, 10);
});

test('each trace is set beside the simulated mean op of its rank’s pipeline stage', () => {
  const script =
    'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 8 --hidden-size 1024 --num-attention-heads 16 ' +
    '--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size 16 --bf16 ' +
    '--vocab-size 32000 --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2\n';
  const result = analyze(script, { fileName: 'run.sh' });
  const own = result.schedules[result.selectedSchedule!]!;
  const [first, second] = compareTraces(result, [readChromeTrace(trace(0, events)), readChromeTrace(trace(4, events))]);
  // 8 ranks, PP 2, Megatron's default order (pp outermost): ranks 0-3 on stage 0, 4-7 on stage 1.
  assert.deepEqual([first?.rank, first?.stage, second?.rank, second?.stage], [0, 0, 4, 1]);
  // Stage 1's mean forward from the simulated timeline, independently: its F ops' durations.
  const sim = own.sim!;
  const durations: number[] = [];
  for (let q = sim.stageOffsets[1]!; q < sim.stageOffsets[2]!; q++)
    if (sim.kind[q] === 0) durations.push(sim.end[q]! - sim.start[q]!);
  const mean = durations.reduce((a, b) => a + b, 0) / durations.length;
  assert.ok(Math.abs(second!.predictedForwardMs! - mean) < 1e-9);
  assert.equal(second?.measured.forwardMs, 13);
});
