import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPerfettoTrace, type TraceEvent } from '../../../../src/core/trace/perfetto';
import { synthAnalysis } from '../../../support/timelineFixtures';

test('one process per stage, the step slice encloses every op slice of its stage', () => {
  const result = synthAnalysis({ stages: 4, microbatches: 8, splits: 2 });
  const trace = buildPerfettoTrace(result);
  const sim = result.schedules.seq1f1b!.sim!;
  assert.equal(trace.metadata.schedule, 'seq1f1b');
  const names = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => e.args!.name);
  assert.deepEqual(names, ['stage 0', 'stage 1', 'stage 2', 'stage 3']);
  const ops = trace.traceEvents.filter((e) => e.ph === 'X' && e.tid === 1 && e.cat !== 'step');
  assert.equal(ops.length, sim.opCount);
  for (const step of trace.traceEvents.filter((e) => e.cat === 'step')) {
    for (const op of ops.filter((o) => o.pid === step.pid)) {
      assert.ok(
        op.ts! >= step.ts! && op.ts! + op.dur! <= step.ts! + step.dur! + 1e-6,
        `${op.name} escapes the step slice`,
      );
    }
  }
  // Timestamps are µs of simulated ms.
  const first = ops.find((o) => o.pid === 1)!;
  assert.equal(first.name, 'F mb0.0');
  assert.equal(first.ts, sim.start[0] * 1000);
  assert.equal(first.dur, (sim.end[0] - sim.start[0]) * 1000);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(trace)));
});

test('flow events link each sending op to its receiver, with the arrow starting inside the sender', () => {
  const result = synthAnalysis({ stages: 4, microbatches: 8, splits: 2 });
  const trace = buildPerfettoTrace(result, 'seq1f1b');
  const sim = result.schedules.seq1f1b!.sim!;
  const starts = new Map<number, TraceEvent>();
  const ends = new Map<number, TraceEvent>();
  for (const e of trace.traceEvents) {
    if (e.ph === 's') starts.set(e.id!, e);
    if (e.ph === 'f') ends.set(e.id!, e);
  }
  let withInput = 0;
  for (let i = 0; i < sim.opCount; i++) if (sim.p2pEnd[i] >= sim.p2pStart[i]) withInput++;
  // F on stages 1..3 and B on stages 0..2 receive: (p−1)·m·k each.
  assert.equal(withInput, 2 * 3 * 8 * 2);
  assert.equal(starts.size, withInput);
  assert.equal(ends.size, withInput);
  const slices = trace.traceEvents.filter((e) => e.ph === 'X' && e.tid === 1 && e.cat !== 'step');
  for (const [id, s] of starts) {
    const f = ends.get(id)!;
    assert.equal(Math.abs(f.pid - s.pid), 1, 'p2p goes to a neighbouring stage');
    const sender = slices.find((x) => x.pid === s.pid && x.ts! <= s.ts! && s.ts! < x.ts! + x.dur!);
    const receiver = slices.find((x) => x.pid === f.pid && x.ts === f.ts);
    assert.ok(sender && receiver, `flow ${id} is not bound to slices`);
    assert.equal(sender.name.slice(1), receiver.name.slice(1), 'same unit on both ends');
    assert.equal(sender.name[0], receiver.name[0], 'F feeds F, B feeds B');
    assert.ok(f.ts! >= sender.ts! + sender.dur!, 'received before it was sent');
  }
});

test('memory becomes a counter track per stage', () => {
  const result = synthAnalysis({ stages: 2, microbatches: 4, splits: 1 });
  const trace = buildPerfettoTrace(result, '1f1b');
  const mem = result.schedules['1f1b']!.memory!;
  const counters = trace.traceEvents.filter((e) => e.ph === 'C');
  assert.equal(counters.length, mem[0].series.timeMs.length + mem[1].series.timeMs.length);
  const stage1 = counters.filter((c) => c.pid === 2);
  assert.equal(
    stage1[stage1.length - 1].args!.allocatedGiB,
    mem[1].series.bytes[mem[1].series.bytes.length - 1] / 2 ** 30,
  );
});

test('no simulated schedule gives an empty trace that says why', () => {
  const result = synthAnalysis();
  result.schedules = {};
  const trace = buildPerfettoTrace(result);
  assert.deepEqual(trace.traceEvents, []);
  assert.match(String(trace.metadata.note), /no schedule was simulated/);
  assert.match(String(buildPerfettoTrace(synthAnalysis(), 'zb-h1').metadata.note), /zb-h1/);
});
