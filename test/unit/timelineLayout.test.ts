import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LABEL_MIN_PX, RectBatches, SHADES, STYLE_COUNT, STYLE_HIGHLIGHT, STYLE_P2P, layoutTimeline, styleOf, type Geometry, type TimelineOps } from '../../webview/timeline/layout';
import { opAt, laneAt } from '../../webview/timeline/hitTest';
import { clampViewport, fullViewport, panViewport, zoomViewport } from '../../webview/timeline/viewport';
import { programs, synthSim as synthSimResult, type SynthSpec } from './timelineFixtures';
import { OP_B, OP_F } from '../../src/core/types';

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

const rects = (b: RectBatches, style: number): number[][] => {
  const out: number[][] = [];
  for (let i = 0; i < b.counts[style]; i++) out.push(Array.from(b.data[style].subarray(i * 4, i * 4 + 4)));
  return out;
};

test('synthetic Seq1F1B op order matches spec §1.5 (p=4, m=3, k=2)', () => {
  const name = (u: [number, number]): string => `${u[0] === OP_F ? 'F' : 'B'}${Math.floor(u[1] / 2)}${u[1] % 2}`;
  const p = programs({ schedule: 'seq1f1b', stages: 4, microbatches: 3, splits: 2 });
  assert.equal(p[0].map(name).join(' '), 'F00 F01 F10 F11 F20 B01 F21 B00 B11 B10 B21 B20');
  assert.equal(p[3].map(name).join(' '), 'F00 F01 B01 F10 B00 F11 B11 F20 B10 F21 B21 B20');
});

test('ops map to pixels at their simulated times, one lane per stage, shaded by microbatch', () => {
  const b = new RectBatches();
  layoutTimeline(tiny(), { t0Ms: 0, t1Ms: 100 }, g, opts, b);
  // 10 px per ms; lane 0 bars at y = 20 + 2, height 20 - 4 - 3.
  assert.deepEqual(rects(b, styleOf(OP_F, 0, false)), [[50, 22, 100, 13], [170, 42, 100, 13]]);
  assert.deepEqual(rects(b, styleOf(OP_F, 1, false)), [[150, 22, 100, 13]]);
  assert.deepEqual(rects(b, STYLE_P2P), [[150, 55, 20, 3]]);
  assert.equal(b.total(), 4);
  assert.equal(styleOf(OP_B, 5, false), SHADES + 1);
});

test('labels show microbatch.chunk on bars wide enough, none on narrow ones', () => {
  const b = new RectBatches();
  layoutTimeline(tiny(), { t0Ms: 0, t1Ms: 100 }, g, opts, b);
  assert.deepEqual(b.labels.map((l) => l.text), ['0.0', '1.1', '0.0']);
  layoutTimeline(tiny(), { t0Ms: 0, t1Ms: (10 * g.plotWidthPx) / (LABEL_MIN_PX - 1) }, g, opts, b);
  assert.equal(b.labels.length, 0);
});

test('only ops inside the window are laid out, clipped to the plot', () => {
  const b = new RectBatches();
  layoutTimeline(tiny(), { t0Ms: 15, t1Ms: 18 }, g, opts, b);
  // Stage 0: F1 covers the whole window; stage 1: F0 covers it too. F0 of stage 0 ended before the window.
  assert.deepEqual(rects(b, styleOf(OP_F, 1, false)), [[50, 22, 1000, 13]]);
  assert.deepEqual(rects(b, styleOf(OP_F, 0, false)), [[50, 42, 1000, 13]]);
  layoutTimeline(tiny(), { t0Ms: 30, t1Ms: 40 }, g, opts, b);
  assert.equal(b.total(), 0);
});

test('sub-pixel ops merge into one rect per pixel column, coloured by the dominant kind', () => {
  const sim = synthSim({ schedule: 'seq1f1b', stages: 8, microbatches: 64, splits: 8 });
  const b = new RectBatches();
  const narrow: Geometry = { ...g, plotWidthPx: 200 };
  layoutTimeline(sim, fullViewport(sim.makespan), narrow, opts, b);
  // 8192 ops over 200 px: at most ~one rect per column per lane (plus p2p strips), far fewer than ops.
  let bars = 0;
  for (let s = 0; s < STYLE_COUNT; s++) if (s !== STYLE_P2P) bars += b.counts[s];
  assert.ok(bars <= 8 * 202, `${bars} bar rects for 8 lanes × 200 px`);
  assert.ok(b.counts[STYLE_P2P] <= 8 * 202);
  assert.ok(bars > 8 * 100, 'columns were dropped instead of merged');
  // Every merged column is exactly 1 px wide and whole-pixel aligned.
  for (let s = 0; s < STYLE_COUNT; s++) {
    for (let i = 0; i < b.counts[s]; i++) {
      const w = b.data[s][i * 4 + 2];
      if (w < 1) assert.fail(`rect narrower than a pixel in style ${s}`);
    }
  }
});

test('the highlighted microbatch gets the highlight style on every stage, merged columns included', () => {
  const sim = synthSim({ schedule: '1f1b', stages: 4, microbatches: 8, splits: 1 });
  const b = new RectBatches();
  layoutTimeline(sim, fullViewport(sim.makespan), g, { ...opts, splits: 1, highlightMicrobatch: 3 }, b);
  // Microbatch 3 has one F and one B on each of 4 stages.
  assert.equal(b.counts[STYLE_HIGHLIGHT + OP_F] + b.counts[STYLE_HIGHLIGHT + OP_B], 8);
  const ys = new Set(rects(b, STYLE_HIGHLIGHT + OP_F).map((r) => r[1]));
  assert.equal(ys.size, 4);
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
      for (let i = sim.stageOffsets[r]; i < sim.stageOffsets[r + 1]; i++) if (sim.start[i] <= tMs && tMs <= sim.end[i]) expected = i;
      const got = opAt(sim, vp, g, x, g.topPx + r * g.laneHeightPx + 5, 0);
      if (expected >= 0) assert.ok(got === expected || (sim.end[got] === sim.start[expected] || sim.start[got] === sim.end[expected]), `x=${x} r=${r}: ${got} vs ${expected}`);
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
