import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packTimeline, unpackTimeline } from '../../../src/protocol/pack';
import { buildAnalysisMessage } from '../../../src/protocol/payload';
import { decodeReportMessages, encodeReportMessages } from '../../../src/protocol/reportData';
import { isHostToWebview } from '../../../src/protocol/messages';
import { synthAnalysis, synthEvaluation } from '../../support/timelineFixtures';

test('a packed timeline unpacks to the same arrays', () => {
  const e = synthEvaluation({ schedule: 'seq1f1b', stages: 4, microbatches: 8, splits: 4 });
  const { layout, buffer } = packTimeline(e.sim!, e.memory);
  assert.equal(buffer.byteLength, layout.byteLength);
  const t = unpackTimeline(JSON.parse(JSON.stringify(layout)), buffer);
  assert.ok(typeof t !== 'string', String(t));
  for (const k of ['stageOffsets', 'kind', 'microbatch', 'chunk', 'start', 'end', 'busy', 'peakUnits'] as const)
    assert.deepEqual(Array.from(t[k]), Array.from(e.sim![k]), k);
  assert.deepEqual(Array.from(t.p2pStart).map(String), Array.from(e.sim!.p2pStart).map(String));
  for (let r = 0; r < 4; r++) {
    assert.deepEqual(
      Array.from(t.memTimeMs.subarray(t.memOffsets[r], t.memOffsets[r + 1])),
      Array.from(e.memory![r].series.timeMs),
    );
    assert.deepEqual(
      Array.from(t.memBytes.subarray(t.memOffsets[r], t.memOffsets[r + 1])),
      Array.from(e.memory![r].series.bytes),
    );
  }
  // ~41 bytes per op in one buffer, instead of a JSON object per op.
  assert.ok(buffer.byteLength < e.sim!.opCount * 48 + 4096);
});

test('unpack rejects layouts that do not fit the buffer or contradict themselves', () => {
  const e = synthEvaluation({ schedule: '1f1b', stages: 2, microbatches: 4, splits: 1 });
  const { layout, buffer } = packTimeline(e.sim!, e.memory);
  // A JSON copy of the layout to corrupt the way a hostile or buggy webview could: a section may become anything.
  type Corruptible = {
    opCount: number;
    stages: number;
    sections: { start: { offset: number }; end: { offset: number }; kind: unknown };
  };
  const bad = (mutate: (l: Corruptible) => void): string => {
    const l = JSON.parse(JSON.stringify(layout)) as Corruptible;
    mutate(l);
    const r = unpackTimeline(l as unknown as typeof layout, buffer);
    assert.equal(typeof r, 'string');
    return r as string;
  };
  assert.match(
    bad((l) => {
      l.sections.end.offset = buffer.byteLength;
    }),
    /out of bounds/,
  );
  assert.match(
    bad((l) => {
      l.sections.start.offset = 4;
    }),
    /out of bounds/,
  );
  assert.match(
    bad((l) => {
      l.opCount = 3;
    }),
    /expected 3/,
  );
  assert.match(
    bad((l) => {
      l.stages = 3;
    }),
    /stage count/,
  );
  assert.match(
    bad((l) => {
      l.sections.kind = 'x';
    }),
    /bad section kind/,
  );
  assert.equal(unpackTimeline(layout, new Uint8Array(buffer)), 'timeline buffer is not an ArrayBuffer');
  const broken = buffer.slice(0);
  new Uint8Array(broken, layout.sections.kind.offset, 1)[0] = 9;
  assert.match(String(unpackTimeline(layout, broken)), /bad kind/);
});

test('the analysis message carries one buffer per simulated schedule and survives the report encoding', () => {
  const result = synthAnalysis({ stages: 4, microbatches: 8, splits: 2 });
  const msg = buildAnalysisMessage(result, { fileName: 'x.sh', overrides: {}, canApply: false, canWhatIf: false });
  assert.equal(msg.buffers.length, 3);
  assert.deepEqual(
    msg.header.schedules.map((s) => s.schedule),
    ['gpipe', '1f1b', 'seq1f1b'],
  );
  assert.ok(isHostToWebview(msg));
  const encoded = encodeReportMessages([msg]);
  assert.ok(!/[<>&]/.test(encoded), 'report JSON can close its script element');
  const [back] = decodeReportMessages(encoded) as (typeof msg)[];
  assert.ok(isHostToWebview(back));
  const s = back.header.schedules[2].timeline!;
  const t = unpackTimeline(s.layout, back.buffers[s.bufferIndex]);
  assert.ok(typeof t !== 'string');
  assert.deepEqual(Array.from(t.start), Array.from(result.schedules.seq1f1b!.sim!.start));
});

test('report encoding escapes markup in workspace text', () => {
  const result = synthAnalysis();
  const msg = buildAnalysisMessage(result, {
    fileName: '</script><script>alert(1)</script>',
    overrides: {},
    canApply: false,
    canWhatIf: false,
  });
  const encoded = encodeReportMessages([msg]);
  assert.ok(!encoded.includes('</script'));
  assert.equal((decodeReportMessages(encoded)[0] as typeof msg).header.fileName, '</script><script>alert(1)</script>');
});
