// Timeline layout: packed ops + visible window → rectangles grouped by fill style, ready for one fill() per style.
// Pure (no DOM), unit-tested in Node. Ops narrower than a pixel are merged per pixel column: drawing 100k
// sub-pixel rects costs the same as drawing them all and shows nothing more, and merging keeps a frame ≤ 16 ms.
import type { Viewport } from './viewport';

/** The subset of the packed timeline the renderer needs (TimelineArrays from src/protocol/pack.ts fits it). */
export interface TimelineOps {
  opCount: number;
  stages: number;
  stageOffsets: Int32Array;
  kind: Uint8Array;
  microbatch: Int32Array;
  chunk: Uint16Array;
  modelChunk: Uint16Array;
  start: Float64Array;
  end: Float64Array;
  p2pStart: Float64Array;
  p2pEnd: Float64Array;
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
}

/** Microbatches cycle through this many shades of their kind's colour, so neighbours are told apart. */
export const SHADES = 4;
export const STYLE_HIGHLIGHT = 3 * SHADES; // + kind
export const STYLE_P2P = STYLE_HIGHLIGHT + 3;
export const STYLE_COUNT = STYLE_P2P + 1;

/** A bar wide enough to be drawn on its own; narrower ones are merged into pixel columns. */
export const MIN_BAR_PX = 1;
/** Labels need room for "12.3" in the 10 px font; narrower bars stay unlabelled. */
export const LABEL_MIN_PX = 28;
/** Labels are text draws (slow); past this many the bars are too small to read anyway. */
export const MAX_LABELS = 4000;

export function styleOf(kind: number, microbatch: number, highlighted: boolean): number {
  return highlighted ? STYLE_HIGHLIGHT + kind : kind * SHADES + (((microbatch % SHADES) + SHADES) % SHADES);
}

export interface Label {
  xPx: number;
  yPx: number;
  text: string;
}

/** Growable per-style rect storage (x, y, w, h interleaved), reused across frames to avoid garbage. */
export class RectBatches {
  readonly counts = new Int32Array(STYLE_COUNT);
  data: Float32Array[] = Array.from({ length: STYLE_COUNT }, () => new Float32Array(256));
  labels: Label[] = [];

  reset(): void {
    this.counts.fill(0);
    this.labels.length = 0;
  }

  push(style: number, x: number, y: number, w: number, h: number): void {
    const n = this.counts[style];
    let d = this.data[style];
    if ((n + 1) * 4 > d.length) {
      const grown = new Float32Array(d.length * 2);
      grown.set(d);
      this.data[style] = d = grown;
    }
    const o = n * 4;
    d[o] = x;
    d[o + 1] = y;
    d[o + 2] = w;
    d[o + 3] = h;
    this.counts[style] = n + 1;
  }

  total(): number {
    let s = 0;
    for (let i = 0; i < STYLE_COUNT; i++) s += this.counts[i];
    return s;
  }
}

export interface LayoutOptions {
  /** Microbatch to highlight across all stages, or -1. */
  highlightMicrobatch: number;
  /** k and v of the schedule, to decide what a label shows. */
  splits: number;
  virtualStages: number;
}

/** First index in [lo, hi) with a[i] >= value (a sorted ascending), or hi. */
export function lowerBound(a: Float64Array, lo: number, hi: number, value: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function labelFor(t: TimelineOps, i: number, opts: LayoutOptions): string {
  let s = String(t.microbatch[i]);
  if (opts.splits > 1) s += '.' + t.chunk[i];
  if (opts.virtualStages > 1) s += ' v' + t.modelChunk[i];
  return s;
}

/**
 * Lays out the ops visible in `vp` into `out`. A stage runs its ops one after another, so within a lane both
 * start and end times are sorted: the first visible op is found by binary search on `end`.
 */
export function layoutTimeline(t: TimelineOps, vp: Viewport, g: Geometry, opts: LayoutOptions, out: RectBatches): void {
  out.reset();
  const span = vp.t1Ms - vp.t0Ms;
  if (!(span > 0) || g.plotWidthPx <= 0) return;
  const pxPerMs = g.plotWidthPx / span;
  const plotX1 = g.plotX0Px + g.plotWidthPx;
  const barH = Math.max(1, g.laneHeightPx - 2 * g.barInsetPx - g.p2pHeightPx);
  const hl = opts.highlightMicrobatch;
  // p2p arrivals are not sorted like the ops (an input can land long before its op starts), so sub-pixel
  // transfers are deduplicated with a per-lane column bitmap rather than a "last column" check.
  const p2pCols = new Uint8Array(Math.ceil(plotX1) + 2);

  for (let r = 0; r < t.stages; r++) {
    const lo = t.stageOffsets[r];
    const hi = t.stageOffsets[r + 1];
    const y = g.topPx + r * g.laneHeightPx + g.barInsetPx;
    const p2pY = y + barH;
    // Pixel-column merge state for sub-pixel ops: coverage per kind and whether the highlight is in the column.
    let col = -1;
    let covF = 0;
    let covB = 0;
    let covW = 0;
    let colHl = false;
    if (g.p2pHeightPx > 0) p2pCols.fill(0);
    const flush = (): void => {
      if (col < 0) return;
      const kind = covF >= covB && covF >= covW ? 0 : covB >= covW ? 1 : 2;
      out.push(colHl ? STYLE_HIGHLIGHT + kind : kind * SHADES, col, y, 1, barH);
      col = -1;
      covF = covB = covW = 0;
      colHl = false;
    };

    for (let i = lowerBound(t.end, lo, hi, vp.t0Ms); i < hi; i++) {
      const s = t.start[i];
      if (s > vp.t1Ms) break;
      const x0 = Math.max(g.plotX0Px, g.plotX0Px + (s - vp.t0Ms) * pxPerMs);
      const x1 = Math.min(plotX1, g.plotX0Px + (t.end[i] - vp.t0Ms) * pxPerMs);
      const w = x1 - x0;
      const kind = t.kind[i];
      const isHl = t.microbatch[i] === hl;

      if (g.p2pHeightPx > 0) {
        const ps = t.p2pStart[i];
        const pe = t.p2pEnd[i];
        if (pe > ps && pe >= vp.t0Ms && ps <= vp.t1Ms) {
          const px0 = Math.max(g.plotX0Px, g.plotX0Px + (ps - vp.t0Ms) * pxPerMs);
          const px1 = Math.min(plotX1, g.plotX0Px + (pe - vp.t0Ms) * pxPerMs);
          const pc = Math.floor(px0);
          if (px1 - px0 >= MIN_BAR_PX) out.push(STYLE_P2P, px0, p2pY, px1 - px0, g.p2pHeightPx);
          else if (!p2pCols[pc]) {
            p2pCols[pc] = 1;
            out.push(STYLE_P2P, pc, p2pY, 1, g.p2pHeightPx);
          }
        }
      }

      if (w >= MIN_BAR_PX) {
        flush();
        out.push(styleOf(kind, t.microbatch[i], isHl), x0, y, w, barH);
        if (w >= LABEL_MIN_PX && out.labels.length < MAX_LABELS) {
          out.labels.push({ xPx: x0 + w / 2, yPx: y + barH / 2, text: labelFor(t, i, opts) });
        }
      } else {
        const c = Math.floor(x0);
        if (c !== col) {
          flush();
          col = c;
        }
        const cov = Math.max(w, 0);
        if (kind === 0) covF += cov;
        else if (kind === 1) covB += cov;
        else covW += cov;
        colHl ||= isHl;
      }
    }
    flush();
  }
}
