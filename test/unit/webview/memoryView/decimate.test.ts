// columnSpans: the memory-over-time line reduced to one [min, max] span per pixel column. Checked against a small
// series worked by hand and against a naive evaluation of the step function (a linear scan for the value holding
// at each sampled time), never against its own output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnSpans } from '../../../../webview/memoryView/decimate';
import { prng } from '../../../support/scheduleCheck';

const spans = (
  time: number[],
  value: number[],
  t0: number,
  t1: number,
  end: number,
  columns: number,
): { filled: number; out: number[] } => {
  const out = new Float64Array(2 * columns);
  const filled = columnSpans(
    Float64Array.from(time),
    Float64Array.from(value),
    0,
    time.length,
    t0,
    t1,
    end,
    columns,
    out,
  );
  return { filled, out: [...out] };
};

test('a hand-worked series: each column spans the values held in it, joined to the one before', () => {
  // 10 holds on [0, 1), 30 on [1, 2.5), 20 on [2.5, 4), 5 on [4, 5); the step ends at 5.
  const time = [0, 1, 2.5, 4];
  const value = [10, 30, 20, 5];
  // Columns [0,2) [2,4) [4,6): 10 then 30; 30 (held at 2) then 20; 20 (held until 4) then 5; nothing from 5 on.
  assert.deepEqual(spans(time, value, 0, 6, 5, 3), { filled: 3, out: [10, 30, 20, 30, 5, 20] });
  // Columns [-2,0) [0,2) [2,4): nothing before the first event.
  const before = spans(time, value, -2, 4, 5, 3);
  assert.equal(before.filled, 2);
  assert.ok(Number.isNaN(before.out[0]) && Number.isNaN(before.out[1]));
  assert.deepEqual(before.out.slice(2), [10, 30, 20, 30]);
  // A window after the end of the step holds nothing; an empty window or no columns, likewise.
  assert.equal(spans(time, value, 5, 7, 5, 2).filled, 0);
  assert.equal(spans(time, value, 3, 3, 5, 4).filled, 0);
  assert.equal(spans(time, value, 0, 6, 5, 0).filled, 0);
  // One column over everything: the global extremes.
  assert.deepEqual(spans(time, value, 0, 5, 5, 1).out, [5, 30]);
});

test('random step series: every column equals a naive scan of the values held in it', () => {
  const rand = prng(16);
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + Math.floor(rand() * 60);
    const time: number[] = [];
    let t = rand() * 5;
    for (let i = 0; i < n; i++) {
      time.push(t);
      // Some events share a time (a free and an allocation at the same instant).
      t += rand() < 0.2 ? 0 : rand() * 3;
    }
    const value = time.map(() => Math.round(rand() * 100));
    const end = t + rand() * 3;
    const t0 = rand() * end - 2;
    const t1 = t0 + 0.5 + rand() * end;
    const columns = 1 + Math.floor(rand() * 40);
    // The series sits in the middle of a packed array of all stages: only [lo, hi) may be read.
    const lo = 3;
    const packedTime = Float64Array.from([-1, -1, -1, ...time, 1e9, 1e9]);
    const packedValue = Float64Array.from([999, 999, 999, ...value, -999, -999]);
    const out = new Float64Array(2 * columns);
    columnSpans(packedTime, packedValue, lo, lo + n, t0, t1, end, columns, out);

    // The value holding at time x: the last event at or before x, while the step lasts.
    const holding = (x: number): number | null => {
      if (x >= end) return null;
      let v: number | null = null;
      for (let i = 0; i < n; i++) if (time[i]! <= x) v = value[i]!;
      return v;
    };
    const width = (t1 - t0) / columns;
    for (let c = 0; c < columns; c++) {
      const a = t0 + c * width;
      const b = a + width;
      const held: number[] = [];
      // Dense samples of the column, every event in it, and the value held just before it starts (the join).
      for (let k = 0; k < 50; k++) {
        const v = holding(a + (k / 50) * width);
        if (v !== null) held.push(v);
      }
      for (let i = 0; i < n; i++) if (time[i]! >= a && time[i]! < b && time[i]! < end) held.push(value[i]!);
      const join = a < end ? holding(a - 1e-9) : null;
      if (join !== null) held.push(join);
      const msg = `trial ${trial} column ${c}`;
      if (held.length === 0) {
        assert.ok(Number.isNaN(out[2 * c]) && Number.isNaN(out[2 * c + 1]), `${msg}: expected no span`);
      } else {
        assert.equal(out[2 * c], Math.min(...held), `${msg}: min`);
        assert.equal(out[2 * c + 1], Math.max(...held), `${msg}: max`);
      }
    }
  }
});
