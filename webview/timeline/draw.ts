// Paints a laid-out timeline on a 2D canvas: one path and one fill() per style (not per op), crisp on HiDPI
// because the backing store is sized in device pixels and everything is drawn in CSS pixels through a transform.
import { formatMs } from '../format';
import type { Palette } from '../theme';
import { EMPTY, collectiveRowTopPx, type Geometry, type TimelineRaster } from './layout';
import type { Viewport } from './viewport';

export interface DrawFrame {
  g: Geometry;
  vp: Viewport;
  stages: number;
  makespanMs: number;
  /** Row titles in the gutter ("stage 0" …). */
  laneTitle: (r: number) => string;
  /** Titles of the collective rows under the lanes (D, issue 18), one per row of the raster; empty: none. */
  collectiveTitles: readonly string[];
  showAxis: boolean;
}

/**
 * Sets a canvas's CSS size, writing only what changed: every style write invalidates layout, and the next geometry
 * read (the wheel handler's, the other canvas's) would then force a synchronous layout of the whole page on every
 * pan/zoom frame (issue 16). CSSOM writes are allowed under our CSP (style-src without 'unsafe-inline' only blocks
 * style attributes in markup).
 */
export function setCssSize(canvas: HTMLCanvasElement, cssWidth: number, cssHeight: number): void {
  const w = `${cssWidth}px`;
  const h = `${cssHeight}px`;
  if (canvas.style.width !== w) canvas.style.width = w;
  if (canvas.style.height !== h) canvas.style.height = h;
}

/** Sizes the canvas backing store for the device pixel ratio; returns the 2D context with the CSS-pixel transform. */
export function prepareCanvas(
  canvas: HTMLCanvasElement,
  cssWidth: number,
  cssHeight: number,
  dpr: number,
): CanvasRenderingContext2D | null {
  const w = Math.max(1, Math.round(cssWidth * dpr));
  const h = Math.max(1, Math.round(cssHeight * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  setCssSize(canvas, cssWidth, cssHeight);
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

/** Offscreen canvas holding the raster rows (bars then p2p), reused across frames. */
let rowCanvas: HTMLCanvasElement | null = null;
let rowImage: ImageData | null = null;

/** Converts the raster's style ids to pixels and uploads them; returns the canvas to blit rows from. */
function uploadRaster(raster: TimelineRaster, pal: Palette): HTMLCanvasElement | null {
  const w = raster.widthPx;
  const h = raster.stages * 2 + raster.collectiveRows;
  if (w === 0 || h === 0) return null;
  rowCanvas ??= document.createElement('canvas');
  if (rowCanvas.width !== w || rowCanvas.height !== h) {
    rowCanvas.width = w;
    rowCanvas.height = h;
    rowImage = null;
  }
  const ctx = rowCanvas.getContext('2d');
  if (!ctx) return null;
  rowImage ??= ctx.createImageData(w, h);
  const px = new Uint32Array(rowImage.data.buffer);
  const n = w * raster.stages;
  const rgba = pal.stylesRgba;
  // Transparent where idle, so the hatching painted underneath shows through. The rasters hold n = w × stages
  // cells and every non-EMPTY cell is a style index < STYLE_COUNT = rgba.length: bounds the types cannot carry.
  for (let i = 0; i < n; i++) {
    const s = raster.bars[i]!;
    px[i] = s === EMPTY ? 0 : rgba[s]!;
  }
  for (let i = 0; i < n; i++) {
    const s = raster.p2p[i]!;
    px[n + i] = s === EMPTY ? 0 : rgba[s]!;
  }
  for (let i = 0; i < w * raster.collectiveRows; i++) {
    const s = raster.collectives[i]!;
    px[2 * n + i] = s === EMPTY ? 0 : rgba[s]!;
  }
  ctx.putImageData(rowImage, 0, 0);
  return rowCanvas;
}

/**
 * What does not change while panning and zooming (background, the hatched lanes, lane titles), rendered once
 * per size / theme into a device-pixel canvas. A frame then starts with one copy of it instead of re-filling
 * the whole canvas and re-rasterising the hatch pattern: at devicePixelRatio 2 those full-canvas passes were
 * most of a frame's cost in software rendering.
 */
const baseLayers = new WeakMap<CanvasRenderingContext2D, { key: string; canvas: HTMLCanvasElement }>();
/** The key of the base layer waiting to be built after a first paint (baseLayer), per context. */
const pendingBase = new WeakMap<CanvasRenderingContext2D, string>();

interface BaseArgs {
  cssWidth: number;
  cssHeight: number;
  frame: DrawFrame;
  pal: Palette;
  pixelRatio: number;
  stepX0: number;
  stepX1: number;
}

/** Background, hatched lanes and lane titles, in CSS pixels through `b`'s transform. */
function paintBase(b: CanvasRenderingContext2D, a: BaseArgs): void {
  const { frame, pal } = a;
  const { g } = frame;
  b.fillStyle = pal.background;
  b.fillRect(0, 0, a.cssWidth, a.cssHeight);
  // Lanes: hatched where the stage idles inside the step; ops are painted over it.
  const barH = g.laneHeightPx - 2 * g.barInsetPx - g.p2pHeightPx;
  b.fillStyle = idlePattern(b, pal.idle, pal.background);
  for (let r = 0; r < frame.stages; r++) {
    const y = g.topPx + r * g.laneHeightPx + g.barInsetPx;
    if (a.stepX1 > a.stepX0) b.fillRect(a.stepX0, y, a.stepX1 - a.stepX0, barH);
  }
  b.fillStyle = pal.foreground;
  b.textAlign = 'right';
  b.textBaseline = 'middle';
  b.font = '11px sans-serif';
  for (let r = 0; r < frame.stages; r++)
    b.fillText(frame.laneTitle(r), g.plotX0Px - 6, g.topPx + r * g.laneHeightPx + g.laneHeightPx / 2);
  const rowPx = g.collectiveRowPx ?? 0;
  if (frame.collectiveTitles.length) b.font = `${Math.min(11, rowPx - 1)}px sans-serif`;
  frame.collectiveTitles.forEach((title, k) =>
    b.fillText(title, g.plotX0Px - 6, collectiveRowTopPx(g, frame.stages, k) + rowPx / 2),
  );
}

function baseKey(a: BaseArgs): string {
  const { g } = a.frame;
  return [
    a.cssWidth,
    a.cssHeight,
    a.pixelRatio,
    a.frame.stages,
    g.plotX0Px,
    g.plotWidthPx,
    g.topPx,
    g.laneHeightPx,
    g.barInsetPx,
    g.p2pHeightPx,
    a.pal.background,
    a.pal.idle,
    a.pal.foreground,
    Math.round(a.stepX0),
    Math.round(a.stepX1),
    a.frame.showAxis,
    g.collectiveRowPx ?? 0,
    ...a.frame.collectiveTitles,
  ].join('|');
}

/** Renders the base layer for `a` into the context's cached canvas (reused across sizes). */
function buildBase(ctx: CanvasRenderingContext2D, a: BaseArgs, key: string): void {
  const canvas = baseLayers.get(ctx)?.canvas ?? document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(a.cssWidth * a.pixelRatio));
  canvas.height = Math.max(1, Math.round(a.cssHeight * a.pixelRatio));
  const b = canvas.getContext('2d', { alpha: false });
  if (!b) return;
  b.setTransform(a.pixelRatio, 0, 0, a.pixelRatio, 0, 0);
  paintBase(b, a);
  baseLayers.set(ctx, { key, canvas });
}

/** After the frame is shown: requestIdleCallback where the browser has it (Chromium does), else a short timeout. */
function afterFrame(fn: () => void): void {
  const idle = (globalThis as { requestIdleCallback?: (f: () => void, o: { timeout: number }) => number })
    .requestIdleCallback;
  if (idle) idle(fn, { timeout: 250 });
  else setTimeout(fn, 32);
}

/**
 * Starts a frame with the base layer. Cached: one copy. Not cached yet (the first paint of a size or theme): painted
 * straight into the frame, and the cache is built once the frame is shown — building it first and then copying it
 * cost two full-canvas passes and a canvas allocation on the first paint (issue 16: the 100k-op first paint at
 * DPR 2), while only the pan/zoom frames that follow profit from it.
 */
function startFrame(ctx: CanvasRenderingContext2D, a: BaseArgs): void {
  const key = baseKey(a);
  const cached = baseLayers.get(ctx);
  if (cached?.key === key) {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(cached.canvas, 0, 0);
    ctx.restore();
    return;
  }
  paintBase(ctx, a);
  if (pendingBase.get(ctx) === key) return;
  pendingBase.set(ctx, key);
  afterFrame(() => {
    // A later frame may have asked for another layer (resize, theme): build only the latest one asked for.
    if (pendingBase.get(ctx) !== key) return;
    pendingBase.delete(ctx);
    buildBase(ctx, a, key);
  });
}

export function drawTimeline(
  ctx: CanvasRenderingContext2D,
  cssWidth: number,
  cssHeight: number,
  raster: TimelineRaster,
  frame: DrawFrame,
  pal: Palette,
  pixelRatio: number,
): void {
  const { g, vp } = frame;
  const pxPerMs = g.plotWidthPx / (vp.t1Ms - vp.t0Ms);
  const x0 = g.plotX0Px;
  const x1 = x0 + g.plotWidthPx;
  const stepX0 = Math.max(x0, x0 + (0 - vp.t0Ms) * pxPerMs);
  const stepX1 = Math.min(x1, x0 + (frame.makespanMs - vp.t0Ms) * pxPerMs);
  const barH = g.laneHeightPx - 2 * g.barInsetPx;

  startFrame(ctx, { cssWidth, cssHeight, frame, pal, pixelRatio, stepX0, stepX1 });

  // Time grid.
  const step = tickStepMs(vp.t1Ms - vp.t0Ms, g.plotWidthPx);
  const first = Math.ceil(vp.t0Ms / step) * step;
  ctx.fillStyle = pal.grid;
  const lanesBottom = collectiveRowTopPx(g, frame.stages, raster.collectiveRows);
  for (let t = first; t <= vp.t1Ms; t += step) {
    const x = Math.round(x0 + (t - vp.t0Ms) * pxPerMs);
    ctx.fillRect(x, g.topPx, 1, lanesBottom - g.topPx);
  }

  // Ops: each lane's raster row stretched to the bar height, in device pixels so columns stay crisp.
  const rows = uploadRaster(raster, pal);
  if (rows) {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.imageSmoothingEnabled = false;
    const dx = Math.round(x0 * pixelRatio);
    const barPx = barH - g.p2pHeightPx;
    for (let r = 0; r < raster.stages; r++) {
      const y = g.topPx + r * g.laneHeightPx + g.barInsetPx;
      const y0 = Math.round(y * pixelRatio);
      const y1 = Math.round((y + barPx) * pixelRatio);
      ctx.drawImage(rows, 0, r, raster.widthPx, 1, dx, y0, raster.widthPx, Math.max(1, y1 - y0));
      if (g.p2pHeightPx > 0) {
        const p1 = Math.round((y + barPx + g.p2pHeightPx) * pixelRatio);
        ctx.drawImage(rows, 0, raster.stages + r, raster.widthPx, 1, dx, y1, raster.widthPx, Math.max(1, p1 - y1));
      }
    }
    // Collective rows: the row's height less a pixel above and below, so neighbouring rows stay apart.
    const rowPx = g.collectiveRowPx ?? 0;
    for (let k = 0; k < raster.collectiveRows; k++) {
      const y0 = Math.round((collectiveRowTopPx(g, raster.stages, k) + 1) * pixelRatio);
      const y1 = Math.round((collectiveRowTopPx(g, raster.stages, k) + rowPx - 1) * pixelRatio);
      ctx.drawImage(rows, 0, 2 * raster.stages + k, raster.widthPx, 1, dx, y0, raster.widthPx, Math.max(1, y1 - y0));
    }
    ctx.restore();
  }

  if (raster.labels.length) {
    // Clip to the plot: a label centred on a bar cut by the plot edge must not spill into the gutter.
    ctx.save();
    ctx.beginPath();
    ctx.rect(x0, 0, g.plotWidthPx, cssHeight);
    ctx.clip();
    ctx.font = '10px monospace';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    // Black or white per bar style (theme.ts labelOnStyle); fillStyle is set only when it changes.
    let fill = '';
    for (const l of raster.labels) {
      const c = pal.labelOnStyle[l.style] ?? pal.foreground;
      if (c !== fill) ctx.fillStyle = fill = c;
      ctx.fillText(l.text, l.xPx, l.yPx);
    }
    ctx.restore();
  }

  if (frame.showAxis) {
    ctx.fillStyle = pal.foreground;
    ctx.font = '11px sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'alphabetic';
    for (let t = first; t <= vp.t1Ms; t += step) {
      const x = x0 + (t - vp.t0Ms) * pxPerMs;
      ctx.fillText(formatMs(t, step), Math.min(Math.max(x, x0 + 20), x1 - 20), g.topPx - 6);
    }
  }
}
