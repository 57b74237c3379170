// Which op is under the pointer: lane from y by arithmetic, op from x by binary search in that lane. Pure, O(log n).
import { collectiveRowKinds, collectiveRowTopPx, lowerBound, type Geometry, type TimelineOps } from './layout';
import type { Viewport } from './viewport';

/** A sub-pixel op is still hoverable if the pointer is this close to it. */
const HIT_TOLERANCE_PX = 3;

export function laneAt(yPx: number, g: Geometry, stages: number): number {
  const r = Math.floor((yPx - g.topPx) / g.laneHeightPx);
  return r >= 0 && r < stages ? r : -1;
}

function timeAt(xPx: number, vp: Viewport, g: Geometry): number {
  return vp.t0Ms + ((xPx - g.plotX0Px) / g.plotWidthPx) * (vp.t1Ms - vp.t0Ms);
}

/** How far time `tMs` lies outside [startMs, endMs] (0 inside). */
const outsideMs = (tMs: number, startMs: number, endMs: number): number =>
  tMs < startMs ? startMs - tMs : tMs > endMs ? tMs - endMs : 0;

/** Index of the op under (xPx, yPx), or -1. Between two ops, the nearer one within the tolerance wins. */
export function opAt(
  t: TimelineOps,
  vp: Viewport,
  g: Geometry,
  xPx: number,
  yPx: number,
  tolerancePx = HIT_TOLERANCE_PX,
): number {
  if (xPx < g.plotX0Px || xPx > g.plotX0Px + g.plotWidthPx) return -1;
  const r = laneAt(yPx, g, t.stages);
  if (r < 0) return -1;
  // laneAt returned 0 ≤ r < stages, and stageOffsets has stages + 1 entries (unpackTimeline checks it).
  const lo = t.stageOffsets[r]!;
  const hi = t.stageOffsets[r + 1]!;
  if (lo === hi) return -1;
  const tMs = timeAt(xPx, vp, g);
  const msPerPx = (vp.t1Ms - vp.t0Ms) / g.plotWidthPx;
  // First op ending at or after the pointer: either it contains the pointer, or it and its predecessor bracket it.
  const i = lowerBound(t.end, lo, hi, tMs);
  let best = -1;
  let bestPx = Infinity;
  for (const j of [i - 1, i]) {
    if (j < lo || j >= hi) continue;
    const distPx = outsideMs(tMs, t.start[j]!, t.end[j]!) / msPerPx;
    if (distPx < bestPx) {
      bestPx = distPx;
      best = j;
    }
  }
  return bestPx <= tolerancePx ? best : -1;
}

/**
 * D (issue 18): index of the collective under (xPx, yPx) in the rows under the lanes, or -1. Collectives of one row
 * may overlap in time; the one whose span is nearest the pointer wins, the later on a tie (it is drawn on top).
 */
export function collectiveAt(
  t: TimelineOps,
  vp: Viewport,
  g: Geometry,
  xPx: number,
  yPx: number,
  tolerancePx = HIT_TOLERANCE_PX,
): number {
  const rowPx = g.collectiveRowPx ?? 0;
  if (!rowPx || !t.collKind || !t.collStart || !t.collEnd) return -1;
  if (xPx < g.plotX0Px || xPx > g.plotX0Px + g.plotWidthPx) return -1;
  const kinds = collectiveRowKinds(t);
  const k = Math.floor((yPx - collectiveRowTopPx(g, t.stages, 0)) / rowPx);
  if (k < 0 || k >= kinds.length) return -1;
  const tMs = timeAt(xPx, vp, g);
  const msPerPx = (vp.t1Ms - vp.t0Ms) / g.plotWidthPx;
  let best = -1;
  let bestPx = Infinity;
  for (let i = 0; i < t.collKind.length; i++) {
    if (t.collKind[i] !== kinds[k]) continue;
    const distPx = outsideMs(tMs, t.collStart[i]!, t.collEnd[i]!) / msPerPx;
    if (distPx <= bestPx) {
      bestPx = distPx;
      best = i;
    }
  }
  return bestPx <= tolerancePx ? best : -1;
}
