// The measured part of the panel's analysis header (protocol/measured.ts, measuredPayload.ts): profiler spans put on
// their pipeline stage and aligned on the simulated timeline, bounded; a log's per-stage peaks; and the guard the
// webview runs on it, fed hostile values. Stage of a rank: Megatron's default group order tp-cp-ep-dp-pp puts pp
// outermost (megatron/core/parallel_state.py:617, Megatron-LM d98e8a64), so with 8 ranks and PP 2 ranks 0-3 are
// stage 0 and 4-7 stage 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../src/core/analyze';
import { readChromeTrace, type ChromeTrace, type TraceSpan } from '../../../src/core/logs/chromeTrace';
import type { StageMemoryComparison } from '../../../src/core/logs/compare';
import { isHostToWebview, PROTOCOL_VERSION } from '../../../src/protocol/messages';
import {
  isMeasuredPayload,
  MAX_OVERLAY_SPANS,
  OVERLAY_WINDOW_STEPS,
  SPAN_BACKWARD,
  SPAN_FORWARD,
  type MeasuredPayload,
} from '../../../src/protocol/measured';
import { buildMeasuredMemory, buildMeasuredSpans, measuredSpansKey } from '../../../src/protocol/measuredPayload';
import { buildAnalysisMessage } from '../../../src/protocol/payload';

const SCRIPT =
  'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 8 --hidden-size 1024 --num-attention-heads 16 ' +
  '--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size 16 --bf16 ' +
  '--vocab-size 32000 --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2\n';
const result = analyze(SCRIPT, { fileName: 'run.sh' });
const own = result.schedules[result.selectedSchedule!]!;

const span = (kind: TraceSpan['kind'], startUs: number, durUs: number, onGpu = false): TraceSpan => ({
  kind,
  startUs,
  durUs,
  onGpu,
});
const traceOf = (rank: number | null, spans: TraceSpan[], droppedSpans = 0): ChromeTrace => ({
  rank,
  spans,
  droppedSpans,
  events: spans.length,
  bytes: 0,
  problems: [],
});

test('spans go to their rank’s stage and are shifted so stage 0’s first forward starts with the simulated one', () => {
  // Wall-clock µs as Kineto writes them; rank 4's first forward starts 13 ms after rank 0's (it waits for the
  // activation), and that spacing must survive the shift.
  const t0 = 1_733_500_000_000_000;
  const spans = buildMeasuredSpans(result, [
    {
      name: 'rank0.pt.trace.json',
      trace: traceOf(0, [span('forward', t0, 12_000), span('backward', t0 + 40_000, 24_000)]),
    },
    { name: 'rank4.pt.trace.json', trace: traceOf(4, [span('forward', t0 + 13_000, 12_500)]) },
  ])!;
  // Stage 0's first simulated op is its first forward, and nothing runs before it: it starts at 0.
  const sim = own.sim!;
  assert.equal(sim.kind[sim.stageOffsets[0]!], 0);
  assert.equal(sim.start[sim.stageOffsets[0]!], 0);
  assert.deepEqual(spans.stage, [0, 1, 0]);
  assert.deepEqual(spans.kind, [SPAN_FORWARD, SPAN_FORWARD, SPAN_BACKWARD]);
  assert.deepEqual(spans.startMs, [0, 13, 40]);
  assert.deepEqual(spans.durMs, [12, 12.5, 24]);
  assert.equal(spans.onGpu, false);
  assert.equal(spans.omitted, 0);
  assert.equal(spans.source, 'rank0.pt.trace.json, rank4.pt.trace.json');
  assert.ok(isMeasuredPayload({ spans, memory: null }));
});

test('GPU ranges are preferred to CPU ones; spans past the window and the cap are counted, not sent', () => {
  const step = own.stepTimeMs!;
  const windowUs = OVERLAY_WINDOW_STEPS * step * 1000;
  const gpu = buildMeasuredSpans(result, [
    {
      name: 'r0.json',
      trace: traceOf(
        0,
        [
          span('forward', 500, 10_000), // CPU: dropped, the trace has GPU ranges
          span('forward', 2_000, 9_000, true),
          span('backward', 2_000 + windowUs + 1, 9_000, true), // starts past two simulated steps
        ],
        7,
      ),
    },
  ])!;
  assert.equal(gpu.onGpu, true);
  assert.deepEqual(gpu.startMs, [0]);
  assert.deepEqual(gpu.durMs, [9]);
  // 7 the reader dropped past its own cap + 1 past the window.
  assert.equal(gpu.omitted, 8);

  const many = Array.from({ length: MAX_OVERLAY_SPANS + 500 }, (_, i) =>
    span(i % 2 ? 'backward' : 'forward', 1000 + (i * windowUs) / (MAX_OVERLAY_SPANS + 1000), 1),
  );
  const capped = buildMeasuredSpans(result, [{ name: 'big.json', trace: traceOf(0, many.reverse()) }])!;
  assert.equal(capped.stage.length, MAX_OVERLAY_SPANS);
  assert.equal(capped.omitted, 500);
  // The earliest are kept, in order of start (the webview's window search relies on it).
  assert.equal(capped.startMs[0], 0);
  assert.ok(capped.startMs.every((t, i) => i === 0 || t >= capped.startMs[i - 1]!));
  assert.ok(isMeasuredPayload({ spans: capped, memory: null }));
});

test('a rank outside the file’s world has no lane: its spans are counted, not placed', () => {
  const spans = buildMeasuredSpans(result, [
    { name: 'r0.json', trace: traceOf(0, [span('forward', 100, 10)]) },
    { name: 'r99.json', trace: traceOf(99, [span('forward', 50, 10), span('backward', 70, 10)]) },
  ])!;
  assert.deepEqual(spans.stage, [0]);
  assert.equal(spans.omitted, 2);
});

test('no forward span to align on: nothing to overlay', () => {
  assert.equal(buildMeasuredSpans(result, [{ name: 'x.json', trace: traceOf(0, [span('backward', 5, 5)]) }]), null);
  assert.equal(buildMeasuredSpans(result, []), null);
});

test('the log’s peaks per stage, only for stages the file has and only where a rank reported', () => {
  const row = (stage: number, alloc: number | null, reserved: number | null): StageMemoryComparison => ({
    stage,
    ranks: [stage * 4],
    measuredMaxAllocatedGiB: alloc,
    measuredMaxReservedGiB: reserved,
    predictedAllocatedGiB: 10,
    predictedReservedGiB: 12,
  });
  const memory = buildMeasuredMemory('logs/run.log', [row(0, 30.5, 34), row(1, null, null), row(2, 1, 1)], 2);
  assert.deepEqual(memory, {
    source: 'logs/run.log',
    stages: [{ stage: 0, maxAllocatedGiB: 30.5, maxReservedGiB: 34 }],
  });
  assert.equal(buildMeasuredMemory('x', [row(1, null, null)], 2), null);
  assert.ok(isMeasuredPayload({ spans: null, memory }));
});

test('the guard rejects hostile measured data: NaN, Infinity, wrong types, mismatched and oversized columns', () => {
  const good = {
    source: 'a.json',
    stage: [0, 1],
    kind: [0, 1],
    startMs: [0, 5],
    durMs: [1, 2],
    onGpu: true,
    omitted: 0,
  };
  assert.ok(isMeasuredPayload({ spans: good, memory: null }));
  assert.ok(isMeasuredPayload(null));
  const bad: unknown[] = [
    undefined,
    'spans',
    [],
    { spans: null },
    { spans: { ...good, startMs: [0, Number.NaN] }, memory: null },
    { spans: { ...good, durMs: [1, Number.POSITIVE_INFINITY] }, memory: null },
    { spans: { ...good, durMs: [1, -2] }, memory: null },
    { spans: { ...good, startMs: ['0', 5] }, memory: null },
    { spans: { ...good, stage: [0, 1.5] }, memory: null },
    { spans: { ...good, stage: [0, -1] }, memory: null },
    { spans: { ...good, stage: [0, 1e9] }, memory: null },
    { spans: { ...good, kind: [0, 2] }, memory: null },
    { spans: { ...good, kind: [0] }, memory: null },
    { spans: { ...good, source: 'x'.repeat(10_000) }, memory: null },
    { spans: { ...good, source: 42 }, memory: null },
    { spans: { ...good, onGpu: 'yes' }, memory: null },
    { spans: { ...good, omitted: -1 }, memory: null },
    { spans: { ...good, stage: { length: 2 } }, memory: null },
    {
      spans: {
        ...good,
        stage: new Array(MAX_OVERLAY_SPANS + 1).fill(0),
        kind: new Array(MAX_OVERLAY_SPANS + 1).fill(0),
        startMs: new Array(MAX_OVERLAY_SPANS + 1).fill(0),
        durMs: new Array(MAX_OVERLAY_SPANS + 1).fill(0),
      },
      memory: null,
    },
    { spans: null, memory: { source: 'log', stages: [{ stage: 0, maxAllocatedGiB: Number.NaN, maxReservedGiB: 1 }] } },
    { spans: null, memory: { source: 'log', stages: [{ stage: 0, maxAllocatedGiB: -1, maxReservedGiB: 1 }] } },
    { spans: null, memory: { source: 'log', stages: [{ stage: 'zero', maxAllocatedGiB: 1, maxReservedGiB: 1 }] } },
    { spans: null, memory: { source: 'log', stages: 'all' } },
    {
      spans: null,
      memory: { source: 'log', stages: new Array(5000).fill({ stage: 0, maxAllocatedGiB: 1, maxReservedGiB: 1 }) },
    },
  ];
  for (const b of bad) assert.equal(isMeasuredPayload(b), false, JSON.stringify(b)?.slice(0, 200));
});

test('an analysis message carrying measured data passes the webview guard, and one with a corrupt part does not', () => {
  const msg = buildAnalysisMessage(result, { fileName: 'run.sh', overrides: {}, canApply: true, canWhatIf: true });
  assert.ok(isHostToWebview(msg));
  const measured: MeasuredPayload = {
    spans: buildMeasuredSpans(result, [{ name: 'r0.json', trace: traceOf(0, [span('forward', 10, 10)]) }]),
    memory: { source: 'run.log', stages: [{ stage: 1, maxAllocatedGiB: 20, maxReservedGiB: null }] },
  };
  assert.ok(isHostToWebview({ ...msg, header: { ...msg.header, measured } }));
  assert.ok(isHostToWebview({ ...msg, header: { ...msg.header, measured: null } }));
  const corrupt = { ...measured, spans: { ...measured.spans!, durMs: [Number.NaN] } };
  assert.equal(isHostToWebview({ ...msg, header: { ...msg.header, measured: corrupt } }), false);
  assert.equal(isHostToWebview({ ...msg, header: { ...msg.header, measured: 'x' } }), false);
  assert.equal(msg.protocolVersion, PROTOCOL_VERSION);
});

test('from trace text to overlay: two ranks’ Kineto exports, read by the streaming reader, land on stages 0 and 1', () => {
  // torch.profiler's export: distributedInfo.rank, complete events in µs; record_function ranges of Megatron's
  // forward_step / backward_step (megatron/core/pipeline_parallel/schedules.py) as gpu_user_annotation on the GPU.
  const file = (rank: number, events: [string, number, number][]): string =>
    JSON.stringify({
      schemaVersion: 1,
      distributedInfo: { backend: 'nccl', rank, world_size: 8 },
      traceEvents: events.map(([name, ts, dur]) => ({
        ph: 'X',
        cat: 'gpu_user_annotation',
        name,
        pid: 0,
        tid: 7,
        ts,
        dur,
      })),
    });
  const t0 = 1_733_500_000_000_000;
  const spans = buildMeasuredSpans(result, [
    {
      name: 'rank0.json',
      trace: readChromeTrace(
        file(0, [
          ['forward_step', t0 + 250, 11_000],
          ['backward_step', t0 + 30_000, 21_000],
        ]),
      ),
    },
    { name: 'rank4.json', trace: readChromeTrace(file(4, [['forward_step', t0 + 12_250, 11_500]])) },
  ])!;
  assert.deepEqual(
    spans.stage.map((s, i) => [s, spans.kind[i], spans.startMs[i], spans.durMs[i]]),
    [
      [0, SPAN_FORWARD, 0, 11],
      [1, SPAN_FORWARD, 12, 11.5],
      [0, SPAN_BACKWARD, 29.75, 21],
    ],
  );
  assert.equal(spans.onGpu, true);
});

test('the spans key: the same for a re-analysis of the same launch, different when the alignment would move', () => {
  assert.equal(measuredSpansKey(analyze(SCRIPT, { fileName: 'run.sh' })), measuredSpansKey(result));
  const deeper = analyze(SCRIPT.replace('--pipeline-model-parallel-size 2', '--pipeline-model-parallel-size 4'), {
    fileName: 'run.sh',
  });
  assert.notEqual(measuredSpansKey(deeper), measuredSpansKey(result));
  const longer = analyze(SCRIPT.replace('--seq-length 2048', '--seq-length 1024'), { fileName: 'run.sh' });
  assert.notEqual(measuredSpansKey(longer), measuredSpansKey(result));
});
