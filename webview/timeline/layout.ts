// Timeline layout: packed ops + visible window → rectangles grouped by fill style, ready for one fill() per style.
// Pure (no DOM), unit-tested in Node. Ops narrower than a pixel are merged per pixel column: drawing 100k
// sub-pixel rects costs the same as drawing them all and shows nothing more, and merging keeps a frame ≤ 16 ms.
import type { PackedOps } from '../../src/core/types';
import { COLLECTIVE_KINDS, OP_KINDS } from '../../src/protocol/opKinds';
import type { Collectives } from '../../src/protocol/pack';
import type { Viewport } from './viewport';

/**
 * The subset of the packed timeline the renderer needs (TimelineArrays from src/protocol/pack.ts fits it); collectives
 * only where a run has them (D, issue 18: Vocabulary Parallelism).
 */
export interface TimelineOps extends PackedOps, Partial<Collectives> {
  stages: number;
}

/** Pixel geometry of the plot, in CSS pixels. */
export interface Geometry {
  /** Left edge of the plot (the lane labels sit left of it). */
  plotX0Px: number;
  plotWidthPx: number;
  /** Top of lane 0 (the time axis sits above it). */
  topPx: number;
  laneHeightPx: number;
  /** Gap above and below the bars inside a lane, so neighbouring lanes do not touch. */
  barInsetPx: number;
  /** Height of the p2p strip at the bottom of each lane (0 hides transfers). */
  p2pHeightPx: number;
  /**
   * D (issue 18): rows under the lanes, one per kind of collective the run has (collectiveRowKinds), each this high;
   * absent or 0: none drawn.
   */
  collectiveRowPx?: number;
}

/** Microbatches cycle through this many shades of their kind's colour, so neighbours are told apart. */
export const SHADES = 4;
/** Kinds of op (rows of opKinds.ts OP_KINDS) and of collective: the style ids below are laid out from them. */
export const KIND_COUNT = OP_KINDS.length;
export const COLLECTIVE_COUNT = COLLECTIVE_KINDS.length;
export const STYLE_HIGHLIGHT = KIND_COUNT * SHADES; // + kind
export const STYLE_P2P = STYLE_HIGHLIGHT + KIND_COUNT;
export const STYLE_COLLECTIVE = STYLE_P2P + 1; // + collective kind
export const STYLE_COLLECTIVE_HIGHLIGHT = STYLE_COLLECTIVE + COLLECTIVE_COUNT; // + collective kind
export const STYLE_COUNT = STYLE_COLLECTIVE_HIGHLIGHT + COLLECTIVE_COUNT;

/** Labels need room for "12.3" in the 10 px font; narrower bars stay unlabelled. */
export const LABEL_MIN_PX = 28;
/** Labels are text draws (slow); past this many the bars are too small to read anyway. */
const MAX_LABELS = 4000;
/** Raster value of a pixel no op covers (idle: the hatching shows through). */
export const EMPTY = 255;

export function styleOf(kind: number, microbatch: number, highlighted: boolean): number {
  return highlighted ? STYLE_HIGHLIGHT + kind : kind * SHADES + (((microbatch % SHADES) + SHADES) % SHADES);
}

export interface Label {
  xPx: number;
  yPx: number;
  text: string;
  /** The style of the bar under it, so the label takes the text colour that reads on that fill (theme.ts). */
  style: number;
}

/**
 * The laid-out timeline as one row of style ids per lane, one entry per DEVICE pixel of the plot width, for
 * bars and for the p2p strip. Drawing is then one putImageData and two stretched drawImage calls per lane,
 * whatever the op count: 100k rects through the canvas path API cost ~90 ms a frame, this costs ~2 ms.
 * Reused across frames to avoid garbage.
 */
export class TimelineRaster {
  widthPx = 0;
  stages = 0;
  bars = new Uint8Array(0);
  p2p = new Uint8Array(0);
  /** One row per collective row of the geometry (collectiveRowKinds), under the lanes. */
  collectiveRows = 0;
  collectives = new Uint8Array(0);
  labels: Label[] = [];

  reset(widthPx: number, stages: number, collectiveRows = 0): void {
    const n = widthPx * stages;
    if (this.bars.length < n) {
      this.bars = new Uint8Array(n);
      this.p2p = new Uint8Array(n);
    }
    const c = widthPx * collectiveRows;
    if (this.collectives.length < c) this.collectives = new Uint8Array(c);
    this.widthPx = widthPx;
    this.stages = stages;
    this.collectiveRows = collectiveRows;
    this.bars.fill(EMPTY, 0, n);
    this.p2p.fill(EMPTY, 0, n);
    this.collectives.fill(EMPTY, 0, c);
    this.labels.length = 0;
  }

  /** Style id at device-pixel column x of lane r (EMPTY if idle). */
  barAt(r: number, x: number): number {
    return this.bars[r * this.widthPx + x] ?? EMPTY;
  }

  p2pAt(r: number, x: number): number {
    return this.p2p[r * this.widthPx + x] ?? EMPTY;
  }
}

export interface LayoutOptions {
  /** Microbatch to highlight across all stages, or -1. */
  highlightMicrobatch: number;
  /** k and v of the schedule, to decide what a label shows. */
  splits: number;
  virtualStages: number;
}

/** When the last op of any stage ends, ms (0 for an empty timeline): the timeline's own makespan. */
export function lastEndMs(t: TimelineOps): number {
  let m = 0;
  for (let r = 0; r < t.stages; r++) {
    // stageOffsets has stages + 1 entries, each ≤ opCount = end.length (unpackTimeline checks it).
    const lo = t.stageOffsets[r]!;
    const hi = t.stageOffsets[r + 1]!;
    if (hi > lo) m = Math.max(m, t.end[hi - 1]!);
  }
  return m;
}

/** First index in [lo, hi) with a[i] >= value (a sorted ascending), or hi. */
export function lowerBound(a: Float64Array, lo: number, hi: number, value: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Top of collective row k, CSS px: the rows follow the last lane. */
export function collectiveRowTopPx(g: Geometry, stages: number, k: number): number {
  return g.topPx + stages * g.laneHeightPx + k * (g.collectiveRowPx ?? 0);
}

/** The collective kinds a run has, in table order: one row each under the lanes. */
export function collectiveRowKinds(t: TimelineOps): number[] {
  const present = new Array<boolean>(COLLECTIVE_COUNT).fill(false);
  for (const k of t.collKind ?? []) present[k] = true;
  return present.flatMap((p, k) => (p ? [k] : []));
}

function labelFor(t: TimelineOps, i: number, opts: LayoutOptions): string {
  let s = (OP_KINDS[t.kind[i]!]?.labelPrefix ?? '') + String(t.microbatch[i]);
  if (opts.splits > 1) s += '.' + t.chunk[i];
  if (opts.virtualStages > 1) s += ' v' + t.modelChunk[i];
  return s;
}

/** TypedArray.fill has a fixed call cost that dominates the 1–3 px spans of a dense view; loop those by hand. */
function fillSpan(a: Uint8Array, from: number, to: number, v: number): void {
  if (to - from > 16) a.fill(v, from, to);
  else for (let i = from; i < to; i++) a[i] = v;
}

/**
 * Lays out the ops visible in `vp` into `out` at `pixelRatio` device pixels per CSS pixel. A stage runs its ops
 * one after another, so within a lane start and end times are sorted: the first visible op is found by binary
 * search on `end`. An op at least one device pixel wide paints its pixel span in its own style (shade of its
 * microbatch); narrower ops are merged per pixel column, which takes the kind that covers most of it.
 */
export function layoutTimeline(
  t: TimelineOps,
  vp: Viewport,
  g: Geometry,
  opts: LayoutOptions,
  pixelRatio: number,
  out: TimelineRaster,
): void {
  const width = Math.max(0, Math.round(g.plotWidthPx * pixelRatio));
  const rowKinds = g.collectiveRowPx ? collectiveRowKinds(t) : [];
  out.reset(width, t.stages, rowKinds.length);
  const span = vp.t1Ms - vp.t0Ms;
  if (!(span > 0) || width === 0) return;
  layoutCollectives(t, vp, width, rowKinds, opts.highlightMicrobatch, Math.max(1, Math.round(2 * pixelRatio)), out);
  const devPerMs = width / span;
  const cssPerDev = g.plotWidthPx / width;
  const barH = Math.max(1, g.laneHeightPx - 2 * g.barInsetPx - g.p2pHeightPx);
  const hl = opts.highlightMicrobatch;
  const bars = out.bars;
  const p2p = out.p2p;
  // The op arrays in locals, and the merge state below in plain locals rather than captured by a helper closure:
  // a closure over them would keep them in a heap context that every op of this loop reads and writes (issue 16:
  // this loop runs over all 100k ops on the first paint, mostly before the JIT has optimised it).
  const { start, end, kind: kinds, microbatch, p2pStart, p2pEnd, stageOffsets } = t;
  const drawP2p = g.p2pHeightPx > 0;
  const t0 = vp.t0Ms;
  const t1 = vp.t1Ms;

  // stageOffsets has stages + 1 entries rising from 0 to opCount, the length of every op array (unpackTimeline
  // checks all of it): the `!`s below are those bounds, in the loop that runs per op per frame.
  for (let r = 0; r < t.stages; r++) {
    const lo = stageOffsets[r]!;
    const hi = stageOffsets[r + 1]!;
    const row = r * width;
    const labelY = g.topPx + r * g.laneHeightPx + g.barInsetPx + barH / 2;
    // Pixel-column merge state for sub-pixel ops: the column (-1: none open), coverage per kind (COVERAGE) and whether
    // the highlight is in the column. A column is closed (written if no wider op painted it) when an op leaves it.
    let col = -1;
    let colHl = false;

    for (let i = lowerBound(end, lo, hi, t0); i < hi; i++) {
      const s = start[i]!;
      if (s > t1) break;
      const u0 = Math.max(0, (s - t0) * devPerMs);
      const u1 = Math.min(width, (end[i]! - t0) * devPerMs);
      const kind = kinds[i]!;
      const mb = microbatch[i]!;
      const isHl = mb === hl;

      if (drawP2p) {
        const ps = p2pStart[i]!;
        const pe = p2pEnd[i]!;
        if (pe > ps && pe >= t0 && ps <= t1) {
          const a = Math.min(width - 1, Math.floor(Math.max(0, (ps - t0) * devPerMs)));
          const b = Math.max(a + 1, Math.min(width, Math.round((pe - t0) * devPerMs)));
          fillSpan(p2p, row + a, row + b, STYLE_P2P);
        }
      }

      if (u1 - u0 >= 1) {
        if (col >= 0) {
          closeColumn(bars, row + col, colHl);
          col = -1;
        }
        const a = Math.round(u0);
        const b = Math.min(width, Math.max(a + 1, Math.round(u1)));
        const style = styleOf(kind, mb, isHl);
        fillSpan(bars, row + a, row + b, style);
        const wCss = (u1 - u0) * cssPerDev;
        if (wCss >= LABEL_MIN_PX && out.labels.length < MAX_LABELS) {
          const xPx = g.plotX0Px + ((u0 + u1) / 2) * cssPerDev;
          out.labels.push({ xPx, yPx: labelY, text: labelFor(t, i, opts), style });
        }
      } else {
        const c = Math.min(width - 1, Math.floor(u0));
        if (c !== col) {
          if (col >= 0) closeColumn(bars, row + col, colHl);
          col = c;
          for (let k = 0; k < KIND_COUNT; k++) COVERAGE[k] = 0;
          colHl = false;
        }
        // kind < KIND_COUNT = COVERAGE.length (unpackTimeline checks every op's kind).
        COVERAGE[kind] = COVERAGE[kind]! + Math.max(u1 - u0, 0);
        colHl ||= isHl;
      }
    }
    if (col >= 0) closeColumn(bars, row + col, colHl);
  }
}

/** Coverage per kind of the open pixel column (layoutTimeline); module scope so the loop allocates nothing. */
const COVERAGE = new Float64Array(KIND_COUNT);

/**
 * Writes a merged pixel column, unless an op at least a pixel wide already painted it: the kind covering most (the
 * lower kind on a tie).
 */
function closeColumn(bars: Uint8Array, at: number, hl: boolean): void {
  if (bars[at] !== EMPTY) return;
  let kind = 0;
  for (let k = 1; k < KIND_COUNT; k++) if (COVERAGE[k]! > COVERAGE[kind]!) kind = k;
  bars[at] = hl ? STYLE_HIGHLIGHT + kind : kind * SHADES;
}

/**
 * The collective rows: each collective at least `minDev` device pixels wide (two CSS px: a barrier of a fraction of a
 * millisecond must still be seen and hovered on a step of seconds), in its kind's row (rowKinds), in the highlight
 * style when its microbatch is highlighted. There are at most a few per microbatch, so all are visited.
 */
function layoutCollectives(
  t: TimelineOps,
  vp: Viewport,
  width: number,
  rowKinds: readonly number[],
  highlight: number,
  minDev: number,
  out: TimelineRaster,
): void {
  const { collKind, collMicrobatch, collStart, collEnd } = t;
  if (!rowKinds.length || !collKind || !collMicrobatch || !collStart || !collEnd) return;
  const devPerMs = width / (vp.t1Ms - vp.t0Ms);
  for (let i = 0; i < collKind.length; i++) {
    const s = collStart[i]!;
    const e = collEnd[i]!;
    if (e < vp.t0Ms || s > vp.t1Ms) continue;
    const kind = collKind[i]!;
    const row = rowKinds.indexOf(kind) * width;
    const a = Math.min(width - 1, Math.floor(Math.max(0, (s - vp.t0Ms) * devPerMs)));
    const b = Math.min(width, Math.max(a + minDev, Math.round((e - vp.t0Ms) * devPerMs)));
    const style = collMicrobatch[i] === highlight ? STYLE_COLLECTIVE_HIGHLIGHT + kind : STYLE_COLLECTIVE + kind;
    fillSpan(out.collectives, row + a, row + b, style);
  }
}
