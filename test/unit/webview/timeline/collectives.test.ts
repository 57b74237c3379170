// D (issue 18): the collective rows under the lanes (webview/timeline/layout.ts layoutCollectives, pick.ts
// collectiveAt) and the tooltip words of a vocabulary-parallel run (vocabTips.ts), on a hand-made run whose every
// time is written here: two ranks, Algorithm 1, microbatches 0 and 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EMPTY,
  STYLE_COLLECTIVE,
  STYLE_COLLECTIVE_HIGHLIGHT,
  TimelineRaster,
  collectiveRowKinds,
  layoutTimeline,
  type Geometry,
  type TimelineOps,
} from '../../../../webview/timeline/layout';
import { collectiveAt, opAt } from '../../../../webview/timeline/pick';
import { collectiveLines, vocabOpLines } from '../../../../webview/timeline/vocabTips';
import { OP_B, OP_F } from '../../../../src/core/types';
import { COLL_BROADCAST, COLL_C0, COLL_C1, OP_S, OP_T } from '../../../../src/protocol/opKinds';

const g: Geometry = {
  plotX0Px: 50,
  plotWidthPx: 1000,
  topPx: 20,
  laneHeightPx: 20,
  barInsetPx: 2,
  p2pHeightPx: 3,
  collectiveRowPx: 12,
};
const vp = { t0Ms: 0, t1Ms: 100 };

/**
 * Rank 1 (the last) runs F0 [0,10), then the step S0 [12,14), F1 [14,24), B0 [30,40)… A subset is enough: the rows
 * and the words need only the collectives and a few ops. Collectives (ms): broadcast 0 [10,12), C0 of 0 [14,15),
 * broadcast 1 [24,26), C1 of 0 [28,29), and a 0.05 ms C0 of 1 at [60, 60.05).
 */
function run(): TimelineOps {
  return {
    opCount: 4,
    stages: 2,
    stageOffsets: Int32Array.from([0, 0, 4]),
    kind: Uint8Array.from([OP_F, OP_S, OP_F, OP_B]),
    microbatch: Int32Array.from([0, 0, 1, 0]),
    chunk: new Uint16Array(4),
    modelChunk: new Uint16Array(4),
    start: Float64Array.from([0, 12, 14, 30]),
    end: Float64Array.from([10, 14, 24, 40]),
    p2pStart: new Float64Array(4).fill(NaN),
    p2pEnd: new Float64Array(4).fill(NaN),
    collKind: Uint8Array.from([COLL_BROADCAST, COLL_C0, COLL_BROADCAST, COLL_C1, COLL_C0]),
    collMicrobatch: Int32Array.from([0, 0, 1, 0, 1]),
    collStart: Float64Array.from([10, 14, 24, 28, 60]),
    collEnd: Float64Array.from([12, 15, 26, 29, 60.05]),
  };
}

/** Runs of equal style in collective row k: [from, to, style], idle left out. */
function rowRuns(ras: TimelineRaster, k: number): number[][] {
  const row = ras.collectives.subarray(k * ras.widthPx, (k + 1) * ras.widthPx);
  const out: number[][] = [];
  for (let x = 0; x < row.length;) {
    let y = x;
    while (y < row.length && row[y] === row[x]) y++;
    if (row[x] !== EMPTY) out.push([x, y, row[x]!]);
    x = y;
  }
  return out;
}

test('each kind of collective gets a row, in table order, with its spans at their times (10 px per ms)', () => {
  const t = run();
  assert.deepEqual(collectiveRowKinds(t), [COLL_BROADCAST, COLL_C0, COLL_C1]);
  const ras = new TimelineRaster();
  layoutTimeline(t, vp, g, { highlightMicrobatch: -1, splits: 1, virtualStages: 1 }, 1, ras);
  assert.equal(ras.collectiveRows, 3);
  assert.deepEqual(rowRuns(ras, 0), [
    [100, 120, STYLE_COLLECTIVE + COLL_BROADCAST],
    [240, 260, STYLE_COLLECTIVE + COLL_BROADCAST],
  ]);
  // The 0.05 ms C0 is half a pixel: drawn two CSS px wide so it can be seen and hovered.
  assert.deepEqual(rowRuns(ras, 1), [
    [140, 150, STYLE_COLLECTIVE + COLL_C0],
    [600, 602, STYLE_COLLECTIVE + COLL_C0],
  ]);
  assert.deepEqual(rowRuns(ras, 2), [[280, 290, STYLE_COLLECTIVE + COLL_C1]]);
  // At device pixel ratio 2 the minimum is four device pixels.
  layoutTimeline(t, vp, g, { highlightMicrobatch: -1, splits: 1, virtualStages: 1 }, 2, ras);
  assert.deepEqual(rowRuns(ras, 1)[1], [1200, 1204, STYLE_COLLECTIVE + COLL_C0]);
  // A highlighted microbatch's collectives take the highlight style; the others stay.
  layoutTimeline(t, vp, g, { highlightMicrobatch: 1, splits: 1, virtualStages: 1 }, 1, ras);
  assert.deepEqual(rowRuns(ras, 0), [
    [100, 120, STYLE_COLLECTIVE + COLL_BROADCAST],
    [240, 260, STYLE_COLLECTIVE_HIGHLIGHT + COLL_BROADCAST],
  ]);
  // Without collective rows in the geometry (the small multiples), none are laid out.
  layoutTimeline(t, vp, { ...g, collectiveRowPx: 0 }, { highlightMicrobatch: -1, splits: 1, virtualStages: 1 }, 1, ras);
  assert.equal(ras.collectiveRows, 0);
});

test('hovering a collective row finds the collective under the pointer; the lanes still find ops', () => {
  const t = run();
  const rowY = (k: number): number => g.topPx + 2 * g.laneHeightPx + k * 12 + 6;
  assert.equal(collectiveAt(t, vp, g, 50 + 110, rowY(0)), 0); // broadcast 0 at 11 ms
  assert.equal(collectiveAt(t, vp, g, 50 + 250, rowY(0)), 2); // broadcast 1 at 25 ms
  assert.equal(collectiveAt(t, vp, g, 50 + 601, rowY(1)), 4); // the 2 px wide C0 of microbatch 1
  assert.equal(collectiveAt(t, vp, g, 50 + 285, rowY(2)), 3); // C1 of 0
  assert.equal(collectiveAt(t, vp, g, 50 + 285, rowY(1)), -1); // the C0 row has nothing at 28.5 ms
  assert.equal(collectiveAt(t, vp, g, 50 + 285, rowY(3)), -1); // below the last row
  assert.equal(collectiveAt(t, vp, g, 50 + 110, g.topPx + 30), -1); // a lane, not a row
  assert.equal(opAt(t, vp, g, 50 + 130, g.topPx + 30), 1); // the S pass on rank 1
  assert.equal(collectiveAt(t, vp, { ...g, collectiveRowPx: 0 }, 50 + 110, rowY(0)), -1);
});

test('tooltips name what each op waits for and what each barrier carries and releases (Algorithm 1 and 2)', () => {
  const t = run();
  assert.deepEqual(vocabOpLines(t, OP_S, 1, 0, 1), [
    'input: the last stage’s output, broadcast of microbatch 0 (10.000 ms → 12.000 ms)',
    'then: C0 all-reduce of microbatch 0 (14.000 ms → 15.000 ms)',
  ]);
  // Algorithm 1: T of microbatch 0 waits for the broadcast that carries its loss gradient (number 1), then C1 of 0.
  assert.deepEqual(vocabOpLines(t, OP_T, 0, 0, 1), [
    'after: the loss gradient, broadcast of microbatch 1 (24.000 ms → 26.000 ms)',
    'then: C1 all-reduce of microbatch 0 (28.000 ms → 29.000 ms)',
  ]);
  assert.deepEqual(vocabOpLines(t, OP_T, 0, 0, 2), ['after: C0 all-reduce of microbatch 0 (14.000 ms → 15.000 ms)']);
  // The last stage's backward takes its input gradient from the output layer; another stage's from p2p.
  assert.deepEqual(vocabOpLines(t, OP_B, 1, 0, 1), [
    'input gradient from the output layer: C1 all-reduce of microbatch 0 (28.000 ms → 29.000 ms)',
  ]);
  assert.deepEqual(vocabOpLines(t, OP_B, 0, 0, 1), []);
  assert.deepEqual(vocabOpLines(t, OP_F, 1, 1, 1), []);
  assert.deepEqual(collectiveLines(t, 1, 2, 2), [
    'C0 all-reduce · microbatch 0 · all 2 ranks',
    'start 14.000 ms · end 15.000 ms · 1.00 ms',
    'carries softmax statistics (max, sum of exponentials, target logit) and the input gradient’s shares, after every rank’s S of microbatch 0',
    'releases: T of microbatch 0 on every rank, B of microbatch 0 on stage 1',
  ]);
  assert.deepEqual(collectiveLines(t, 2, 1, 2).slice(2), [
    'carries the last stage’s output to every rank (fp32) and the loss gradient of microbatch 0, after F of microbatch 1 on stage 1 and the C0 all-reduce of microbatch 0',
    'releases: S of microbatch 1 and T of microbatch 0 on every rank',
  ]);
  // Algorithm 1's last broadcast (number m) carries only the last loss gradient.
  assert.deepEqual(collectiveLines(t, 2, 1, 1).slice(2), [
    'carries the loss gradient of microbatch 0, after the C0 all-reduce of microbatch 0',
    'releases: T of microbatch 0 on every rank',
  ]);
  assert.deepEqual(collectiveLines(t, 3, 1, 2).slice(2), [
    'carries the input gradient of the output layer, after every rank’s T of microbatch 0 and the S of microbatch 1 fused with it',
    'releases: B of microbatch 0 on stage 1',
  ]);
  assert.deepEqual(collectiveLines(t, 9, 1, 2), []);
});
