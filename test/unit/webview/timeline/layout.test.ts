import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EMPTY,
  LABEL_MIN_PX,
  SHADES,
  STYLE_HIGHLIGHT,
  STYLE_P2P,
  TimelineRaster,
  layoutTimeline,
  styleOf,
  type Geometry,
  type TimelineOps,
} from '../../../../webview/timeline/layout';
import { opAt, laneAt } from '../../../../webview/timeline/pick';
import { clampViewport, fullViewport, panViewport, zoomViewport } from '../../../../webview/timeline/viewport';
import { programs, synthSim as synthSimResult, type SynthSpec } from '../../../support/timelineFixtures';
import { OP_B, OP_F } from '../../../../src/core/types';

/** SimResult plus the lane count, the shape the renderer takes. */
const synthSim = (spec: SynthSpec) => {
  const sim = synthSimResult(spec);
  return { ...sim, stages: sim.spec.stages };
};

const g: Geometry = { plotX0Px: 50, plotWidthPx: 1000, topPx: 20, laneHeightPx: 20, barInsetPx: 2, p2pHeightPx: 3 };
const opts = { highlightMicrobatch: -1, splits: 2, virtualStages: 1 };

/** Two stages, hand-made: stage 0 runs F0 [0,10) F1 [10,20); stage 1 runs F0 [12,22) after a p2p [10,12). */
function tiny(): TimelineOps {
  return {
    opCount: 3,
    stages: 2,
    stageOffsets: Int32Array.from([0, 2, 3]),
    kind: Uint8Array.from([OP_F, OP_F, OP_F]),
    microbatch: Int32Array.from([0, 1, 0]),
    chunk: Uint16Array.from([0, 1, 0]),
    modelChunk: new Uint16Array(3),
    start: Float64Array.from([0, 10, 12]),
    end: Float64Array.from([10, 20, 22]),
    p2pStart: Float64Array.from([NaN, NaN, 10]),
    p2pEnd: Float64Array.from([NaN, NaN, 12]),
  };
}

/** Runs of equal style ids in lane r: [start, end, style] with end exclusive, idle runs left out. */
const runs = (ras: TimelineRaster, r: number, which: 'bars' | 'p2p' = 'bars'): number[][] => {
  const out: number[][] = [];
  const row = ras[which].subarray(r * ras.widthPx, (r + 1) * ras.widthPx);
  for (let x = 0; x < row.length;) {
    let y = x;
    while (y < row.length && row[y] === row[x]) y++;
    if (row[x] !== EMPTY) out.push([x, y, row[x]]);
    x = y;
  }
  return out;
};

test('synthetic Seq1F1B op order matches spec §1.5 (p=4, m=3, k=2)', () => {
  const name = (u: [number, number]): string => `${u[0] === OP_F ? 'F' : 'B'}${Math.floor(u[1] / 2)}${u[1] % 2}`;
  const p = programs({ schedule: 'seq1f1b', stages: 4, microbatches: 3, splits: 2 });
  assert.equal(p[0].map(name).join(' '), 'F00 F01 F10 F11 F20 B01 F21 B00 B11 B10 B21 B20');
  assert.equal(p[3].map(name).join(' '), 'F00 F01 B01 F10 B00 F11 B11 F20 B10 F21 B21 B20');
});

test('ops map to pixels at their simulated times, one lane per stage, shaded by microbatch', () => {
  const ras = new TimelineRaster();
  layoutTimeline(tiny(), { t0Ms: 0, t1Ms: 100 }, g, opts, 1, ras);
  // 1000 px for 100 ms: 10 px per ms.
  assert.equal(ras.widthPx, 1000);
  assert.deepEqual(runs(ras, 0), [
    [0, 100, styleOf(OP_F, 0, false)],
    [100, 200, styleOf(OP_F, 1, false)],
  ]);
  assert.deepEqual(runs(ras, 1), [[120, 220, styleOf(OP_F, 0, false)]]);
  assert.deepEqual(runs(ras, 1, 'p2p'), [[100, 120, STYLE_P2P]]);
  assert.deepEqual(runs(ras, 0, 'p2p'), []);
  assert.equal(styleOf(OP_B, 5, false), SHADES + 1);
});

test('the raster is in device pixels: twice as many columns at devicePixelRatio 2', () => {
  const ras = new TimelineRaster();
  layoutTimeline(tiny(), { t0Ms: 0, t1Ms: 100 }, g, opts, 2, ras);
  assert.equal(ras.widthPx, 2000);
  assert.deepEqual(runs(ras, 1), [[240, 440, styleOf(OP_F, 0, false)]]);
  // Labels stay in CSS pixels, centred on the bar.
  assert.deepEqual(
    ras.labels.map((l) => [l.xPx, l.text]),
    [
      [50 + 50, '0.0'],
      [50 + 150, '1.1'],
      [50 + 170, '0.0'],
    ],
  );
});

test('labels show microbatch.chunk on bars wide enough, none on narrow ones', () => {
  const ras = new TimelineRaster();
  layoutTimeline(tiny(), { t0Ms: 0, t1Ms: 100 }, g, opts, 1, ras);
  assert.deepEqual(
    ras.labels.map((l) => l.text),
    ['0.0', '1.1', '0.0'],
  );
  layoutTimeline(tiny(), { t0Ms: 0, t1Ms: (10 * g.plotWidthPx) / (LABEL_MIN_PX - 1) }, g, opts, 1, ras);
  assert.equal(ras.labels.length, 0);
});

test('only ops inside the window are laid out, clipped to the plot', () => {
  const ras = new TimelineRaster();
  layoutTimeline(tiny(), { t0Ms: 15, t1Ms: 18 }, g, opts, 1, ras);
  // Stage 0: F1 covers the whole window; stage 1: F0 covers it too. F0 of stage 0 ended before the window.
  assert.deepEqual(runs(ras, 0), [[0, 1000, styleOf(OP_F, 1, false)]]);
  assert.deepEqual(runs(ras, 1), [[0, 1000, styleOf(OP_F, 0, false)]]);
  layoutTimeline(tiny(), { t0Ms: 30, t1Ms: 40 }, g, opts, 1, ras);
  assert.deepEqual([runs(ras, 0), runs(ras, 1)], [[], []]);
});

test('sub-pixel ops merge per pixel column by dominant kind, leaving no false idle gaps in busy stretches', () => {
  const sim = synthSim({ schedule: 'seq1f1b', stages: 8, microbatches: 64, splits: 8 });
  const ras = new TimelineRaster();
  const narrow: Geometry = { ...g, plotWidthPx: 200 };
  layoutTimeline(sim, fullViewport(sim.makespan), narrow, opts, 1, ras);
  for (let r = 0; r < 8; r++) {
    // A column is painted iff some op overlaps it (the stage is busy there).
    for (let x = 0; x < 200; x++) {
      const c0 = (x / 200) * sim.makespan;
      const c1 = ((x + 1) / 200) * sim.makespan;
      let busy = 0;
      for (let i = sim.stageOffsets[r]; i < sim.stageOffsets[r + 1]; i++)
        busy += Math.max(0, Math.min(c1, sim.end[i]) - Math.max(c0, sim.start[i]));
      const painted = ras.barAt(r, x) !== EMPTY;
      // Rounding can move an edge by one column; require agreement where a column is clearly busy or idle.
      if (busy > 0.9 * (c1 - c0)) assert.ok(painted, `stage ${r} column ${x} is busy but painted idle`);
      if (busy === 0 && x > 0 && x < 199) {
        const neighbourBusy = [x - 1, x + 1].some((n) => ras.barAt(r, n) !== EMPTY);
        if (!neighbourBusy) assert.ok(!painted, `stage ${r} column ${x} is idle but painted`);
      }
    }
  }
  // In the steady state B (twice F's cost) dominates a column.
  const mid = runs(ras, 4).filter((run) => run[1] > 80 && run[0] < 120);
  assert.ok(
    mid.some((run) => run[2] === OP_B * SHADES),
    'no B-dominated columns in the steady state',
  );
});

test('the highlighted microbatch gets the highlight style on every stage', () => {
  const sim = synthSim({ schedule: '1f1b', stages: 4, microbatches: 8, splits: 1 });
  const ras = new TimelineRaster();
  layoutTimeline(sim, fullViewport(sim.makespan), g, { ...opts, splits: 1, highlightMicrobatch: 3 }, 1, ras);
  for (let r = 0; r < 4; r++) {
    const styles = new Set(runs(ras, r).map((run) => run[2]));
    assert.ok(
      styles.has(STYLE_HIGHLIGHT + OP_F) && styles.has(STYLE_HIGHLIGHT + OP_B),
      `stage ${r} lacks the highlighted F and B`,
    );
  }
  // Exactly one highlighted F bar per stage: microbatch 3 only.
  assert.equal(runs(ras, 2).filter((run) => run[2] === STYLE_HIGHLIGHT + OP_F).length, 1);
});

test('hit testing finds the op under the pointer by lane and binary search', () => {
  const t = tiny();
  const vp = { t0Ms: 0, t1Ms: 100 };
  assert.equal(opAt(t, vp, g, 50 + 55, 25), 0);
  assert.equal(opAt(t, vp, g, 50 + 155, 25), 1);
  assert.equal(opAt(t, vp, g, 50 + 175, 45), 2);
  // Stage 1 idles before 12 ms: 11 ms is 10 px from F0, beyond the 3 px tolerance.
  assert.equal(opAt(t, vp, g, 50 + 110, 45), -1);
  assert.equal(opAt(t, vp, g, 50 + 118, 45), 2, 'within tolerance of the next op');
  assert.equal(opAt(t, vp, g, 50 + 500, 25), -1, 'after the last op');
  assert.equal(opAt(t, vp, g, 20, 25), -1, 'in the gutter');
  assert.equal(laneAt(19, g, 2), -1);
  assert.equal(laneAt(20 + 2 * 20, g, 2), -1);
});

test('hit testing agrees with a linear scan on a dense schedule', () => {
  const sim = synthSim({ schedule: 'seq1f1b', stages: 4, microbatches: 16, splits: 4 });
  const vp = { t0Ms: sim.makespan * 0.3, t1Ms: sim.makespan * 0.5 };
  for (let x = g.plotX0Px; x < g.plotX0Px + g.plotWidthPx; x += 7) {
    const tMs = vp.t0Ms + ((x - g.plotX0Px) / g.plotWidthPx) * (vp.t1Ms - vp.t0Ms);
    for (let r = 0; r < 4; r++) {
      let expected = -1;
      for (let i = sim.stageOffsets[r]; i < sim.stageOffsets[r + 1]; i++)
        if (sim.start[i] <= tMs && tMs <= sim.end[i]) expected = i;
      const got = opAt(sim, vp, g, x, g.topPx + r * g.laneHeightPx + 5, 0);
      if (expected >= 0)
        assert.ok(
          got === expected || sim.end[got] === sim.start[expected] || sim.start[got] === sim.end[expected],
          `x=${x} r=${r}: ${got} vs ${expected}`,
        );
      else assert.equal(got, -1, `x=${x} r=${r}`);
    }
  }
});

test('viewport: zoom keeps the anchor time fixed, pan keeps the span, both stay inside the step', () => {
  const vp = { t0Ms: 100, t1Ms: 300 };
  const z = zoomViewport(vp, 0.25, 2, 1000);
  assert.equal(z.t1Ms - z.t0Ms, 100);
  assert.equal(z.t0Ms + 0.25 * 100, 100 + 0.25 * 200);
  const out = zoomViewport({ t0Ms: 0, t1Ms: 1000 }, 0.5, 0.1, 1000);
  assert.deepEqual(out, { t0Ms: 0, t1Ms: 1000 });
  assert.deepEqual(panViewport(vp, 50, 1000), { t0Ms: 150, t1Ms: 350 });
  assert.deepEqual(panViewport(vp, 5000, 1000), { t0Ms: 800, t1Ms: 1000 });
  assert.deepEqual(panViewport(vp, -5000, 1000), { t0Ms: 0, t1Ms: 200 });
  assert.deepEqual(clampViewport({ t0Ms: NaN, t1Ms: 5 }, 10), { t0Ms: 0, t1Ms: 10 });
  const tiny = zoomViewport(vp, 0.5, 1e12, 1000);
  assert.ok(tiny.t1Ms - tiny.t0Ms >= 1000 * 1e-6 - 1e-12);
});
