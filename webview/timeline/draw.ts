// Paints a laid-out timeline on a 2D canvas: one path and one fill() per style (not per op), crisp on HiDPI
// because the backing store is sized in device pixels and everything is drawn in CSS pixels through a transform.
import type { Palette } from '../theme';
import { STYLE_COUNT, type Geometry, type RectBatches } from './layout';
import type { Viewport } from './viewport';

export interface DrawFrame {
  g: Geometry;
  vp: Viewport;
  stages: number;
  makespanMs: number;
  /** Row titles in the gutter ("stage 0" …). */
  laneTitle: (r: number) => string;
  showAxis: boolean;
}

/** Sizes the canvas backing store for the device pixel ratio; returns the 2D context with the CSS-pixel transform. */
export function prepareCanvas(canvas: HTMLCanvasElement, cssWidth: number, cssHeight: number, dpr: number): CanvasRenderingContext2D | null {
  const w = Math.max(1, Math.round(cssWidth * dpr));
  const h = Math.max(1, Math.round(cssHeight * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  // CSSOM writes are allowed under our CSP (style-src without 'unsafe-inline' only blocks style attributes in markup).
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${cssHeight}px`;
  const ctx = canvas.getContext('2d', { alpha: false });
  ctx?.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

const idlePatterns = new WeakMap<CanvasRenderingContext2D, { color: string; pattern: CanvasPattern | null }>();
function idlePattern(ctx: CanvasRenderingContext2D, color: string, background: string): CanvasPattern | string {
  const cached = idlePatterns.get(ctx);
  if (cached && cached.color === color) return cached.pattern ?? color;
  // Diagonal hatching: idle time must read as "nothing runs here", not as another op colour.
  const tile = document.createElement('canvas');
  tile.width = tile.height = 8;
  const t = tile.getContext('2d');
  let pattern: CanvasPattern | null = null;
  if (t) {
    t.fillStyle = background;
    t.fillRect(0, 0, 8, 8);
    t.strokeStyle = color;
    t.lineWidth = 1.5;
    t.beginPath();
    t.moveTo(-2, 10);
    t.lineTo(10, -2);
    t.moveTo(-2, 2);
    t.lineTo(2, -2);
    t.moveTo(6, 10);
    t.lineTo(10, 6);
    t.stroke();
    pattern = ctx.createPattern(tile, 'repeat');
  }
  idlePatterns.set(ctx, { color, pattern });
  return pattern ?? color;
}

/** "Nice" tick step (1, 2 or 5 × 10ⁿ) giving roughly one tick per `targetPx`. */
export function tickStepMs(spanMs: number, widthPx: number, targetPx = 90): number {
  const raw = (spanMs * targetPx) / Math.max(1, widthPx);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const m = raw / pow;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * pow;
}

export function formatMs(ms: number, stepMs: number): string {
  if (stepMs >= 1000) return `${(ms / 1000).toFixed(stepMs >= 10000 ? 0 : 1)} s`;
  const digits = Math.max(0, Math.min(3, -Math.floor(Math.log10(stepMs))));
  return `${ms.toFixed(digits)} ms`;
}

export function drawTimeline(ctx: CanvasRenderingContext2D, cssWidth: number, cssHeight: number, batches: RectBatches, frame: DrawFrame, pal: Palette): void {
  const { g, vp } = frame;
  ctx.fillStyle = pal.background;
  ctx.fillRect(0, 0, cssWidth, cssHeight);
  const pxPerMs = g.plotWidthPx / (vp.t1Ms - vp.t0Ms);
  const x0 = g.plotX0Px;
  const x1 = x0 + g.plotWidthPx;

  // Lanes: hatched where the stage idles inside the step; ops are painted over it.
  const stepX0 = Math.max(x0, x0 + (0 - vp.t0Ms) * pxPerMs);
  const stepX1 = Math.min(x1, x0 + (frame.makespanMs - vp.t0Ms) * pxPerMs);
  const barH = g.laneHeightPx - 2 * g.barInsetPx;
  ctx.fillStyle = idlePattern(ctx, pal.idle, pal.background);
  for (let r = 0; r < frame.stages; r++) {
    const y = g.topPx + r * g.laneHeightPx + g.barInsetPx;
    if (stepX1 > stepX0) ctx.fillRect(stepX0, y, stepX1 - stepX0, barH - g.p2pHeightPx);
  }

  // Time grid.
  const step = tickStepMs(vp.t1Ms - vp.t0Ms, g.plotWidthPx);
  const first = Math.ceil(vp.t0Ms / step) * step;
  ctx.fillStyle = pal.grid;
  const lanesBottom = g.topPx + frame.stages * g.laneHeightPx;
  for (let t = first; t <= vp.t1Ms; t += step) {
    const x = Math.round(x0 + (t - vp.t0Ms) * pxPerMs);
    ctx.fillRect(x, g.topPx, 1, lanesBottom - g.topPx);
  }

  // Ops, one fill per style.
  for (let s = 0; s < STYLE_COUNT; s++) {
    const n = batches.counts[s];
    if (n === 0) continue;
    const d = batches.data[s];
    ctx.fillStyle = pal.styles[s];
    ctx.beginPath();
    for (let i = 0, o = 0; i < n; i++, o += 4) ctx.rect(d[o], d[o + 1], d[o + 2], d[o + 3]);
    ctx.fill();
  }

  ctx.font = '10px monospace';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = pal.labelOnBar;
  for (const l of batches.labels) ctx.fillText(l.text, l.xPx, l.yPx);

  // Gutter and axis drawn last so bars clipped at the plot edge never overlap them.
  ctx.fillStyle = pal.background;
  ctx.fillRect(0, 0, x0, cssHeight);
  ctx.fillRect(x1, 0, cssWidth - x1, cssHeight);
  ctx.fillStyle = pal.foreground;
  ctx.textAlign = 'right';
  ctx.font = '11px sans-serif';
  for (let r = 0; r < frame.stages; r++) ctx.fillText(frame.laneTitle(r), x0 - 6, g.topPx + r * g.laneHeightPx + g.laneHeightPx / 2);
  if (frame.showAxis) {
    ctx.textAlign = 'center';
    ctx.textBaseline = 'alphabetic';
    for (let t = first; t <= vp.t1Ms; t += step) {
      const x = x0 + (t - vp.t0Ms) * pxPerMs;
      ctx.fillText(formatMs(t, step), Math.min(Math.max(x, x0 + 20), x1 - 20), g.topPx - 6);
    }
  }
}
