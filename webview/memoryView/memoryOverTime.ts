// Per-stage memory over time on the timeline's time axis: a stepped line per stage, the GPU's capacity as a dashed
// rule and a triangle on each stage's peak, drawn on our own canvas. chart.js drew this at 15–55 ms per pan/zoom
// frame (scales, ticks, legend and one element per point rebuilt on every update) and stroked paths cost ~1 µs per
// vertex in the webview's software rasteriser; here the lines are painted as pixel-column spans into a reused
// raster. chart.js still draws the summary charts (peak bars, compare).
import type { ChartTheme } from '../charts';
import { formatMs } from '../format';
import { setCssSize, tickStepMs } from '../timeline/draw';
import { GUTTER_PX } from '../timeline/timelineView';
import type { Viewport } from '../timeline/viewport';
import { columnSpans } from './decimate';

const BYTES_PER_GiB = 2 ** 30;
/** Past this many stages a legend entry per stage is noise; the tooltip still names the stage. */
const MAX_LEGEND_STAGES = 8;
/** The same right margin as the timeline's plot, so both share one time axis on screen. */
const RIGHT_MARGIN_PX = 12;
const LEGEND_PX = 22;
const TOP_PX = 8;
const AXIS_PX = 20;
const FONT = '11px sans-serif';
/** How close (CSS px) the pointer must be to a stage's line for the tooltip to name it. */
const HOVER_PX = 10;

export interface MemorySeries {
  stages: number;
  memOffsets: Int32Array;
  memTimeMs: Float64Array;
  memBytes: Float64Array;
  makespanMs: number;
}

interface Plot {
  leftPx: number;
  rightPx: number;
  topPx: number;
  bottomPx: number;
  yMaxGiB: number;
}

export class MemoryOverTimeChart {
  private data: MemorySeries | null = null;
  /** Each stage's peak as [time ms, GiB], or null for a stage without events. */
  private peaks: ([number, number] | null)[] = [];
  private yMaxGiB = 1;
  private capacityGiB = 0;
  private theme: ChartTheme | null = null;
  private range: Viewport | null = null;
  private frame = 0;
  private spans = new Float64Array(0);
  private image: ImageData | null = null;
  private colors = new Uint32Array(0);
  private colorsFor: ChartTheme | null = null;
  private vertices = 0;
  private plot: Plot | null = null;
  private readonly tooltip: HTMLDivElement;
  /** Duration of the last drawNow() (ms), for the bench. */
  lastFrameMs = 0;

  constructor(readonly canvas: HTMLCanvasElement) {
    this.canvas.className = 'si-memtime-canvas';
    this.canvas.style.display = 'block';
    this.tooltip = document.createElement('div');
    this.tooltip.className = 'si-tooltip';
    this.tooltip.hidden = true;
    this.canvas.after(this.tooltip);
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => (this.tooltip.hidden = true));
    // The box's width follows the panel; redraw at the new size (the timeline does the same).
    const box = this.canvas.parentElement;
    if (box && typeof ResizeObserver !== 'undefined') new ResizeObserver(() => this.requestDraw()).observe(box);
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    this.drawNow();
  }

  setData(data: MemorySeries | null, capacityGiB: number, range: Viewport | null): void {
    this.data = data && data.memTimeMs.length > 0 ? data : null;
    this.capacityGiB = capacityGiB;
    this.range = range ?? (data ? { t0Ms: 0, t1Ms: data.makespanMs } : null);
    this.peaks = [];
    let maxBytes = 0;
    const d = this.data;
    // memOffsets has stages + 1 entries and its values index memBytes/memTimeMs (unpackTimeline checks both).
    for (let r = 0; d && r < d.stages; r++) {
      let peak = -1;
      for (let i = d.memOffsets[r]!; i < d.memOffsets[r + 1]!; i++)
        if (peak < 0 || d.memBytes[i]! > d.memBytes[peak]!) peak = i;
      this.peaks.push(peak >= 0 ? [d.memTimeMs[peak]!, d.memBytes[peak]! / BYTES_PER_GiB] : null);
      if (peak >= 0) maxBytes = Math.max(maxBytes, d.memBytes[peak]!);
    }
    this.yMaxGiB = niceCeil(Math.max(capacityGiB, maxBytes / BYTES_PER_GiB) * 1.05);
    this.drawNow();
  }

  hasData(): boolean {
    return this.data !== null;
  }

  /** Follows the timeline's window; coalesced to one draw per animation frame. */
  setRange(vp: Viewport): void {
    this.range = vp;
    this.requestDraw();
  }

  /** Pixel columns painted by the last frame, all stages together (for tests and the bench). */
  pointCount(): number {
    return this.vertices;
  }

  /**
   * Where the plot is on the canvas (CSS px), the time window it shows and its GiB scale: tests check that it shares
   * the timeline's axis and point at the lines with it.
   */
  plotArea(): {
    leftPx: number;
    rightPx: number;
    topPx: number;
    bottomPx: number;
    t0Ms: number;
    t1Ms: number;
    yMaxGiB: number;
  } | null {
    const p = this.plot;
    const vp = this.range;
    return p && vp ? { ...p, t0Ms: vp.t0Ms, t1Ms: vp.t1Ms } : null;
  }

  private requestDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.drawNow();
    });
  }

  drawNow(): void {
    const start = performance.now();
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.vertices = 0;
    this.plot = null;
    const box = this.canvas.parentElement;
    const cssWidth = Math.max(1, box?.clientWidth ?? 0);
    const cssHeight = Math.max(1, box?.clientHeight ?? 0);
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(cssWidth * dpr);
    const h = Math.round(cssHeight * dpr);
    if (this.canvas.width !== w) this.canvas.width = w;
    if (this.canvas.height !== h) this.canvas.height = h;
    setCssSize(this.canvas, cssWidth, cssHeight);
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const d = this.data;
    const theme = this.theme;
    const vp = this.range;
    if (!d || !theme || !vp || !(vp.t1Ms > vp.t0Ms)) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const top = (d.stages <= MAX_LEGEND_STAGES ? LEGEND_PX : 0) + TOP_PX;
    const plot: Plot = {
      leftPx: GUTTER_PX,
      rightPx: Math.max(GUTTER_PX + 1, cssWidth - RIGHT_MARGIN_PX),
      topPx: top,
      bottomPx: Math.max(top + 1, cssHeight - AXIS_PX),
      yMaxGiB: this.yMaxGiB,
    };
    this.plot = plot;
    // The lines first, straight into the cleared canvas, then the grid behind them (drawAxes): the same picture
    // as grid-then-lines, without a second raster canvas and a full-plot copy per frame (issue 16: at DPR 2 that
    // copy was a third of this chart's frame).
    this.drawLines(ctx, d, plot, vp, theme, dpr);
    this.drawAxes(ctx, plot, vp, theme);
    ctx.save();
    ctx.beginPath();
    ctx.rect(plot.leftPx, plot.topPx - 4, plot.rightPx - plot.leftPx, plot.bottomPx - plot.topPx + 4);
    ctx.clip();
    this.drawCapacity(ctx, plot, theme, d.stages > MAX_LEGEND_STAGES);
    this.drawPeaks(ctx, plot, vp, theme);
    ctx.restore();
    if (d.stages <= MAX_LEGEND_STAGES) this.drawLegend(ctx, d.stages, plot, theme);
    this.lastFrameMs = performance.now() - start;
  }

  private drawAxes(ctx: CanvasRenderingContext2D, p: Plot, vp: Viewport, theme: ChartTheme): void {
    const widthPx = p.rightPx - p.leftPx;
    const pxPerMs = widthPx / (vp.t1Ms - vp.t0Ms);
    const step = tickStepMs(vp.t1Ms - vp.t0Ms, widthPx);
    const first = Math.ceil(vp.t0Ms / step) * step;
    const yStep = niceCeil(p.yMaxGiB / 5);
    ctx.fillStyle = theme.grid;
    // Behind the lines already painted (drawNow): where a line is, the grid does not show.
    ctx.globalCompositeOperation = 'destination-over';
    for (let t = first; t <= vp.t1Ms; t += step)
      ctx.fillRect(Math.round(p.leftPx + (t - vp.t0Ms) * pxPerMs), p.topPx, 1, p.bottomPx - p.topPx);
    for (let g = 0; g <= p.yMaxGiB + 1e-9; g += yStep) ctx.fillRect(p.leftPx, Math.round(yPx(p, g)), widthPx, 1);
    ctx.globalCompositeOperation = 'source-over';
    ctx.fillStyle = theme.foreground;
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    for (let g = 0; g <= p.yMaxGiB + 1e-9; g += yStep)
      ctx.fillText(String(Number(g.toFixed(2))), p.leftPx - 6, yPx(p, g));
    ctx.save();
    ctx.translate(12, (p.topPx + p.bottomPx) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText('GiB', 0, 0);
    ctx.restore();
    ctx.textAlign = 'center';
    ctx.textBaseline = 'alphabetic';
    for (let t = first; t <= vp.t1Ms; t += step) {
      const x = p.leftPx + (t - vp.t0Ms) * pxPerMs;
      ctx.fillText(formatMs(t, step), Math.min(Math.max(x, p.leftPx + 20), p.rightPx - 20), p.bottomPx + 14);
    }
  }

  /**
   * The stage lines as a raster in device pixels: per stage, one [min, max] span per pixel column (columnSpans),
   * painted `thick` pixels wide in the stage's colour, later stages over earlier ones; then one drawImage. Costs
   * per pixel, not per event or vertex, so a 200k-event window paints as fast as a 2k-event one.
   */
  private drawLines(
    ctx: CanvasRenderingContext2D,
    d: MemorySeries,
    p: Plot,
    vp: Viewport,
    theme: ChartTheme,
    dpr: number,
  ): void {
    const x0 = Math.round(p.leftPx * dpr);
    const y0 = Math.round(p.topPx * dpr);
    const w = Math.max(1, Math.round(p.rightPx * dpr) - x0);
    const h = Math.max(1, Math.round(p.bottomPx * dpr) - y0);
    if (this.image?.width !== w || this.image.height !== h) this.image = new ImageData(w, h);
    const pixels = new Uint32Array(this.image.data.buffer);
    pixels.fill(0);
    if (this.spans.length < 2 * w) this.spans = new Float64Array(2 * w);
    const spans = this.spans;
    const colors = this.stageColors(theme);
    // The line's 1.25 CSS px, in whole device pixels; a span is widened by it both ways so level runs and risers
    // come out equally thick.
    const thick = Math.max(1, Math.round(1.25 * dpr));
    const above = Math.floor((thick - 1) / 2);
    const rowsPerGiB = h / p.yMaxGiB;
    for (let r = 0; r < d.stages; r++) {
      const filled = columnSpans(
        d.memTimeMs,
        d.memBytes,
        d.memOffsets[r]!,
        d.memOffsets[r + 1]!,
        vp.t0Ms,
        vp.t1Ms,
        d.makespanMs,
        w,
        spans,
      );
      if (filled === 0) continue;
      this.vertices += filled;
      const color = colors[r % colors.length] ?? 0xffffffff;
      for (let c = 0; c < w; c++) {
        const min = spans[2 * c]!;
        if (min !== min) continue;
        const max = spans[2 * c + 1]!;
        const top = Math.max(0, Math.min(h - 1, Math.floor(h - (max / BYTES_PER_GiB) * rowsPerGiB) - above));
        const bottom = Math.max(
          0,
          Math.min(h - 1, Math.floor(h - (min / BYTES_PER_GiB) * rowsPerGiB) - above + thick - 1),
        );
        for (let cc = c; cc < Math.min(w, c + thick); cc++)
          for (let row = top; row <= bottom; row++) pixels[row * w + cc] = color;
      }
    }
    // putImageData replaces the plot's pixels (no transform, clip or blending): drawNow calls this first, on the
    // cleared canvas, so nothing under them is lost.
    ctx.putImageData(this.image, x0, y0);
  }

  /** The theme's series colours as little-endian RGBA words for the raster (parsed once per theme). */
  private stageColors(theme: ChartTheme): Uint32Array {
    if (this.colorsFor === theme) return this.colors;
    const probe = document.createElement('canvas');
    probe.width = probe.height = 1;
    const pctx = probe.getContext('2d', { willReadFrequently: true });
    this.colors = new Uint32Array(theme.series.length);
    theme.series.forEach((css, i) => {
      if (!pctx) return;
      pctx.clearRect(0, 0, 1, 1);
      pctx.fillStyle = css;
      pctx.fillRect(0, 0, 1, 1);
      const [r = 0, g = 0, b = 0] = pctx.getImageData(0, 0, 1, 1).data;
      // Opaque: the raster is composited over the grid, and a half-transparent line would vanish in the dense parts.
      this.colors[i] = ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
    });
    this.colorsFor = theme;
    return this.colors;
  }

  private drawCapacity(ctx: CanvasRenderingContext2D, p: Plot, theme: ChartTheme, label: boolean): void {
    if (!(this.capacityGiB > 0)) return;
    const y = Math.round(yPx(p, this.capacityGiB)) + 0.5;
    ctx.strokeStyle = theme.capacity;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    ctx.moveTo(p.leftPx, y);
    ctx.lineTo(p.rightPx, y);
    ctx.stroke();
    ctx.setLineDash([]);
    if (!label) return;
    // Without a legend (many stages) the rule says what it is itself.
    ctx.fillStyle = theme.capacity;
    ctx.font = FONT;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'bottom';
    ctx.fillText(`capacity ${this.capacityGiB.toFixed(0)} GiB`, p.rightPx - 4, y - 3);
  }

  private drawPeaks(ctx: CanvasRenderingContext2D, p: Plot, vp: Viewport, theme: ChartTheme): void {
    const pxPerMs = (p.rightPx - p.leftPx) / (vp.t1Ms - vp.t0Ms);
    ctx.fillStyle = theme.foreground;
    ctx.beginPath();
    for (const peak of this.peaks) {
      if (!peak || peak[0] < vp.t0Ms || peak[0] > vp.t1Ms) continue;
      triangle(ctx, p.leftPx + (peak[0] - vp.t0Ms) * pxPerMs, yPx(p, peak[1]));
    }
    ctx.fill();
  }

  private drawLegend(ctx: CanvasRenderingContext2D, stages: number, p: Plot, theme: ChartTheme): void {
    const entries: { label: string; draw: (x: number, y: number) => void }[] = [];
    for (let r = 0; r < stages; r++) {
      const color = theme.series[r % theme.series.length] ?? theme.foreground;
      entries.push({
        label: `stage ${r}`,
        draw: (x, y) => {
          ctx.fillStyle = color;
          ctx.fillRect(x, y - 5, 12, 10);
        },
      });
    }
    entries.push({
      label: 'peak',
      draw: (x, y) => {
        ctx.fillStyle = theme.foreground;
        ctx.beginPath();
        triangle(ctx, x + 6, y);
        ctx.fill();
      },
    });
    if (this.capacityGiB > 0)
      entries.push({
        label: `capacity ${this.capacityGiB.toFixed(0)} GiB`,
        draw: (x, y) => {
          ctx.strokeStyle = theme.capacity;
          ctx.lineWidth = 1.5;
          ctx.setLineDash([6, 4]);
          ctx.beginPath();
          ctx.moveTo(x, y + 0.5);
          ctx.lineTo(x + 12, y + 0.5);
          ctx.stroke();
          ctx.setLineDash([]);
        },
      });
    ctx.font = FONT;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    const widths = entries.map((e) => 12 + 4 + ctx.measureText(e.label).width);
    const total = widths.reduce((s, x) => s + x, 0) + 10 * (entries.length - 1);
    let x = Math.max(p.leftPx, (p.leftPx + p.rightPx - total) / 2);
    const y = TOP_PX + LEGEND_PX / 2 - 4;
    entries.forEach((e, i) => {
      e.draw(x, y);
      ctx.fillStyle = theme.foreground;
      ctx.fillText(e.label, x + 16, y);
      x += (widths[i] ?? 0) + 10;
    });
  }

  /** Names the stage whose line is nearest the pointer, with its memory at that time. */
  private hover(e: MouseEvent): void {
    const d = this.data;
    const p = this.plot;
    const vp = this.range;
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    this.tooltip.hidden = true;
    if (!d || !p || !vp || x < p.leftPx || x > p.rightPx || y < p.topPx || y > p.bottomPx) return;
    const t = vp.t0Ms + ((x - p.leftPx) / (p.rightPx - p.leftPx)) * (vp.t1Ms - vp.t0Ms);
    let best = -1;
    let bestGiB = 0;
    let bestDist = HOVER_PX;
    for (let r = 0; r < d.stages; r++) {
      const gib = valueAt(d, r, t);
      if (gib === null) continue;
      const dist = Math.abs(yPx(p, gib) - y);
      if (dist <= bestDist) {
        best = r;
        bestGiB = gib;
        bestDist = dist;
      }
    }
    if (best < 0) return;
    this.tooltip.textContent = `stage ${best}: ${bestGiB.toFixed(2)} GiB at ${formatMs(t, tickStepMs(vp.t1Ms - vp.t0Ms, p.rightPx - p.leftPx))}`;
    this.tooltip.style.left = `${Math.min(x + 12, p.rightPx - 160)}px`;
    this.tooltip.style.top = `${this.canvas.offsetTop + y + 12}px`;
    this.tooltip.hidden = false;
  }
}

const yPx = (p: Plot, gib: number): number => p.bottomPx - (gib / p.yMaxGiB) * (p.bottomPx - p.topPx);

function triangle(ctx: CanvasRenderingContext2D, x: number, y: number): void {
  ctx.moveTo(x, y - 4);
  ctx.lineTo(x + 4, y + 3);
  ctx.lineTo(x - 4, y + 3);
  ctx.closePath();
}

/** Stage r's memory (GiB) at time t, or null before its first event. */
function valueAt(d: MemorySeries, r: number, t: number): number | null {
  let lo = d.memOffsets[r]!;
  let hi = d.memOffsets[r + 1]!;
  const first = lo;
  // Last index with time ≤ t.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (d.memTimeMs[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo > first ? d.memBytes[lo - 1]! / BYTES_PER_GiB : null;
}

/** Rounds up to 1, 2, 2.5 or 5 × 10ⁿ so the top tick is a round number. */
function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const pow = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= x) return m * pow;
  return 10 * pow;
}
