// The interactive timeline: owns a canvas, turns wheel / drag / keys into viewport changes, and redraws at most
// once per animation frame. All geometry decisions go through the pure layout/pick/viewport modules.
import type { MeasuredSpans } from '../../src/protocol/measured';
import type { ThemeColors } from '../theme';
import { formatMs } from '../format';
import { drawTimeline, prepareCanvas } from './draw';
import { drawOverlay } from './overlay';
import { COLLECTIVE_KINDS, OP_KINDS } from '../../src/protocol/opKinds';
import { collectiveAt, opAt } from './pick';
import { TimelineRaster, collectiveRowKinds, layoutTimeline, type Geometry, type TimelineOps } from './layout';
import { collectiveLines, vocabOpLines, type VocabAlgorithm } from './vocabTips';
import { clampViewport, fullViewport, panViewport, zoomViewport, type Viewport } from './viewport';

export interface TimelineInfo {
  schedule: string;
  splits: number;
  virtualStages: number;
  makespanMs: number;
  /** How far the view may pan and zoom out, ms: the makespan, or further when measured spans run past it. */
  extentMs?: number;
  /** D (issue 18): set when the ops are a vocabulary-parallel run (its tooltips name the collectives). */
  vocab?: { algorithm: VocabAlgorithm; microbatches: number };
}

export interface TimelineViewOptions {
  interactive: boolean;
  /** Lane height in CSS px; small multiples use thin lanes. */
  laneHeightPx: number;
  showAxis: boolean;
  showLabels: boolean;
}

/** Gutter wide enough for "stage 31"; the memory chart's y axis is fitted to the same width so the axes align. */
export const GUTTER_PX = 64;
const RIGHT_MARGIN_PX = 12;
const AXIS_PX = 22;
/** One wheel notch (deltaY ≈ 100) zooms by ~1.25×. */
const WHEEL_ZOOM_PER_DELTA = 0.0022;
const KEY_PAN_FRACTION = 0.1;
const KEY_ZOOM_FACTOR = 1.5;
/** A press that moves less than this is a click (select microbatch), not a drag. */
const CLICK_SLOP_PX = 4;
/** Height of a collective row under the lanes (D, issue 18), CSS px: room for its 10 px title. */
const COLLECTIVE_ROW_PX = 12;

/**
 * DualPipe (src/core/schedule/dualPipe.ts): model chunk c of a stage is direction c, which runs down the stages (0) or
 * back up from stage p − 1 (1). Where no message feeds an op, say why: a direction's first forward takes its input from
 * the data loader (ENTRY), its loss stage's backward starts from its own forward (EXIT).
 */
function dualPipeLines(kind: number, stage: number, direction: number, stages: number): string[] {
  const modelStage = direction === 0 ? stage : stages - 1 - stage;
  const lines = [
    `direction ${direction} (${direction === 0 ? 'enters at stage 0' : `enters at stage ${stages - 1}`}), model stage ${modelStage}`,
  ];
  if (kind === 0 && modelStage === 0) lines.push('input from the data loader: no upstream stage');
  if (kind === 1 && modelStage === stages - 1) lines.push('loss here: the backward starts from its own forward');
  return lines;
}

export class TimelineView {
  readonly canvas: HTMLCanvasElement;
  readonly tooltip: HTMLDivElement;
  private ops: TimelineOps | null = null;
  private info: TimelineInfo | null = null;
  private vp: Viewport = fullViewport(1);
  private colors: ThemeColors | null = null;
  private highlight = -1;
  /** Measured spans drawn over the lanes (overlay.ts), or null. */
  private overlay: MeasuredSpans | null = null;
  /** Spans the last frame outlined (read by the tests). */
  overlayDrawn = 0;
  private readonly raster = new TimelineRaster();
  private readonly resizeObserver = new ResizeObserver(() => this.requestDraw());
  private frameRequested = false;
  /** Set by requestDraw, cleared by drawNow: a frame already drawn synchronously is not drawn twice. */
  private dirty = false;
  /** New data not drawn yet: its first frame is drawn coarse at DPR > 1 (drawNow). */
  private coarseNext = false;
  private dragging: { x: number; vp: Viewport; moved: boolean } | null = null;
  /** Duration of the last layout+draw, ms (read by the bench). */
  lastFrameMs = 0;
  /** The layout part of it (pure op → pixel work), ms. */
  lastLayoutMs = 0;
  frames = 0;
  onViewportChange: (vp: Viewport) => void = () => undefined;
  onHighlightChange: (microbatch: number) => void = () => undefined;

  constructor(
    private readonly container: HTMLElement,
    private readonly opts: TimelineViewOptions,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'si-timeline-canvas';
    this.tooltip = document.createElement('div');
    this.tooltip.className = 'si-tooltip';
    this.tooltip.hidden = true;
    this.container.append(this.canvas, this.tooltip);
    if (opts.interactive) this.bindEvents();
    this.resizeObserver.observe(this.container);
  }

  /** Small multiples are rebuilt on every analysis; a live ResizeObserver would keep each old one alive. */
  dispose(): void {
    this.resizeObserver.disconnect();
    this.ops = null;
  }

  setData(ops: TimelineOps | null, info: TimelineInfo | null, keepViewport: Viewport | null): void {
    this.coarseNext = ops !== null && ops !== this.ops;
    this.ops = ops;
    this.info = info;
    const total = info ? (info.extentMs ?? info.makespanMs) : 1;
    this.vp = keepViewport ? clampViewport(keepViewport, total) : fullViewport(total);
    this.requestDraw();
  }

  /** Measured spans to outline over the lanes, already on the simulated time axis; null hides them. */
  setOverlay(spans: MeasuredSpans | null): void {
    this.overlay = spans;
    this.requestDraw();
  }

  private extentMs(): number {
    return this.info ? (this.info.extentMs ?? this.info.makespanMs) : 1;
  }

  setColors(colors: ThemeColors): void {
    this.colors = colors;
    this.requestDraw();
  }

  setHighlight(microbatch: number): void {
    this.highlight = microbatch;
    this.requestDraw();
  }

  get viewport(): Viewport {
    return this.vp;
  }

  setViewport(vp: Viewport, notify = true): void {
    this.vp = clampViewport(vp, this.extentMs());
    this.requestDraw();
    if (notify) this.onViewportChange(this.vp);
  }

  geometry(width = Math.max(1, this.container.clientWidth)): Geometry {
    return {
      plotX0Px: this.opts.showAxis ? GUTTER_PX : Math.min(GUTTER_PX, 8),
      plotWidthPx: Math.max(1, width - (this.opts.showAxis ? GUTTER_PX : 8) - RIGHT_MARGIN_PX),
      topPx: this.opts.showAxis ? AXIS_PX : 2,
      laneHeightPx: this.opts.laneHeightPx,
      barInsetPx: this.opts.laneHeightPx >= 12 ? 2 : 0.5,
      p2pHeightPx: this.opts.laneHeightPx >= 16 ? 3 : 0,
      // Collective rows only in the full timeline: the small multiples show the passes alone.
      collectiveRowPx: this.opts.showAxis ? COLLECTIVE_ROW_PX : 0,
    };
  }

  /** Collective rows drawn under the lanes (one per kind the run has). */
  private collectiveRows(): number[] {
    return this.ops && this.opts.showAxis ? collectiveRowKinds(this.ops) : [];
  }

  /** The canvas height in CSS px: it depends on the lane count only, so it is known before the width is read. */
  cssHeight(): number {
    const rows = this.collectiveRows().length * COLLECTIVE_ROW_PX;
    return (this.opts.showAxis ? AXIS_PX : 2) + (this.ops?.stages ?? 0) * this.opts.laneHeightPx + rows + 4;
  }

  requestDraw(): void {
    this.dirty = true;
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      if (this.dirty) this.drawNow();
    });
  }

  drawNow(): void {
    if (!this.colors) return;
    this.dirty = false;
    const t0 = performance.now();
    // The height first, then one read of the width: a new lane count changes the page's height (and may add a
    // scrollbar, narrowing the container), so the width read after it is the one the frame is shown at, and the
    // page is laid out once here rather than again at the frame (issue 16: first paint).
    const height = this.cssHeight();
    if (this.canvas.style.height !== `${height}px`) this.canvas.style.height = `${height}px`;
    const width = Math.max(1, this.container.clientWidth);
    const g = this.geometry(width);
    // Issue 16: the first frame of new data at DPR > 1 is drawn at DPR 1 — a quarter of the pixels to lay out and
    // fill; the browser scales it up — and redrawn sharp on the frame after the one that shows it.
    const coarse = this.coarseNext && (window.devicePixelRatio || 1) > 1;
    this.coarseNext = false;
    const dpr = coarse ? 1 : window.devicePixelRatio || 1;
    if (coarse) requestAnimationFrame(() => setTimeout(() => this.requestDraw(), 0));
    const ctx = prepareCanvas(this.canvas, width, height, dpr);
    if (!ctx) return;
    const pal = this.highlight >= 0 ? this.colors.dimmed : this.colors.normal;
    const tl = performance.now();
    if (this.ops && this.info) {
      layoutTimeline(
        this.ops,
        this.vp,
        g,
        { highlightMicrobatch: this.highlight, splits: this.info.splits, virtualStages: this.info.virtualStages },
        dpr,
        this.raster,
      );
      if (!this.opts.showLabels) this.raster.labels.length = 0;
    } else {
      this.raster.reset(0, 0);
    }
    this.lastLayoutMs = performance.now() - tl;
    drawTimeline(
      ctx,
      width,
      height,
      this.raster,
      {
        g,
        vp: this.vp,
        stages: this.ops?.stages ?? 0,
        makespanMs: this.info?.makespanMs ?? 0,
        laneTitle: (r) => (this.opts.showAxis ? `stage ${r}` : ''),
        collectiveTitles: this.collectiveRows().map((k) => COLLECTIVE_KINDS[k]!.short),
        showAxis: this.opts.showAxis,
      },
      pal,
      dpr,
    );
    this.overlayDrawn =
      this.overlay && this.ops
        ? drawOverlay(ctx, this.overlay, g, this.vp, this.ops.stages, { stroke: pal.foreground })
        : 0;
    this.lastFrameMs = performance.now() - t0;
    this.frames++;
  }

  /** Op index under a point in canvas CSS coordinates, or -1. */
  opAtPoint(xPx: number, yPx: number): number {
    return this.ops ? opAt(this.ops, this.vp, this.geometry(), xPx, yPx) : -1;
  }

  /** Collective index under a point (the rows under the lanes), or -1. */
  collectiveAtPoint(xPx: number, yPx: number): number {
    return this.ops ? collectiveAt(this.ops, this.vp, this.geometry(), xPx, yPx) : -1;
  }

  /** Microbatch of the op or collective under a point, or -1: what a click highlights. */
  private microbatchAt(xPx: number, yPx: number): number {
    const i = this.opAtPoint(xPx, yPx);
    if (i >= 0) return this.ops?.microbatch[i] ?? -1;
    const c = this.collectiveAtPoint(xPx, yPx);
    return c >= 0 ? (this.ops?.collMicrobatch?.[c] ?? -1) : -1;
  }

  describeCollective(i: number): string[] {
    const vocab = this.info?.vocab;
    return this.ops && vocab ? collectiveLines(this.ops, i, vocab.algorithm, vocab.microbatches) : [];
  }

  describeOp(i: number): string[] {
    const t = this.ops;
    if (!t || i < 0 || i >= t.opCount) return [];
    let stage = 0;
    while (stage + 1 < t.stages && t.stageOffsets[stage + 1]! <= i) stage++;
    // 0 ≤ i < opCount, the length of every op array (checked above and by unpackTimeline).
    const startMs = t.start[i]!;
    const endMs = t.end[i]!;
    const p2pStartMs = t.p2pStart[i]!;
    const p2pEndMs = t.p2pEnd[i]!;
    const step = Math.max(1e-3, endMs - startMs);
    const lines = [
      `${OP_KINDS[t.kind[i]!]?.name ?? '?'} · stage ${stage} · microbatch ${t.microbatch[i]!}${(this.info?.splits ?? 1) > 1 ? ` · chunk ${t.chunk[i]!}` : ''}${(this.info?.virtualStages ?? 1) > 1 ? ` · model chunk ${t.modelChunk[i]!}` : ''}`,
      `start ${formatMs(startMs, 0.001)} · end ${formatMs(endMs, 0.001)} · ${formatMs(endMs - startMs, step / 100)}`,
    ];
    if (p2pEndMs > p2pStartMs)
      lines.push(`input arrived ${formatMs(p2pEndMs, 0.001)} (p2p ${formatMs(p2pEndMs - p2pStartMs, 0.001)})`);
    if (this.info?.schedule === 'dualpipe') lines.push(...dualPipeLines(t.kind[i]!, stage, t.modelChunk[i]!, t.stages));
    const vocab = this.info?.vocab;
    if (vocab) lines.push(...vocabOpLines(t, t.kind[i]!, stage, t.microbatch[i]!, vocab.algorithm));
    return lines;
  }

  private bindEvents(): void {
    const c = this.canvas;
    c.tabIndex = 0;
    c.setAttribute('role', 'img');
    c.setAttribute(
      'aria-label',
      'Pipeline timeline. Wheel or +/- to zoom, drag or arrow keys to pan, click an op to highlight its microbatch.',
    );
    c.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const g = this.geometry();
        const total = this.extentMs();
        const span = this.vp.t1Ms - this.vp.t0Ms;
        if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
          const d = e.shiftKey ? e.deltaY || e.deltaX : e.deltaX;
          this.setViewport(panViewport(this.vp, (d / g.plotWidthPx) * span, total));
        } else {
          const factor = Math.exp(-e.deltaY * WHEEL_ZOOM_PER_DELTA);
          this.setViewport(zoomViewport(this.vp, (e.offsetX - g.plotX0Px) / g.plotWidthPx, factor, total));
        }
      },
      { passive: false },
    );
    c.addEventListener('pointerdown', (e) => {
      c.setPointerCapture(e.pointerId);
      this.dragging = { x: e.offsetX, vp: this.vp, moved: false };
    });
    c.addEventListener('pointermove', (e) => {
      if (this.dragging) {
        const dx = e.offsetX - this.dragging.x;
        if (Math.abs(dx) > CLICK_SLOP_PX) this.dragging.moved = true;
        if (this.dragging.moved) {
          const span = this.dragging.vp.t1Ms - this.dragging.vp.t0Ms;
          this.setViewport(panViewport(this.dragging.vp, (-dx / this.geometry().plotWidthPx) * span, this.extentMs()));
          this.tooltip.hidden = true;
          return;
        }
      }
      this.showTooltip(e.offsetX, e.offsetY);
    });
    c.addEventListener('pointerup', (e) => {
      const d = this.dragging;
      this.dragging = null;
      if (d && !d.moved) {
        const mb = this.microbatchAt(e.offsetX, e.offsetY);
        const next = mb === this.highlight ? -1 : mb;
        this.setHighlight(next);
        this.onHighlightChange(next);
      }
    });
    c.addEventListener('pointerleave', () => {
      this.tooltip.hidden = true;
    });
    c.addEventListener('keydown', (e) => {
      const total = this.extentMs();
      const span = this.vp.t1Ms - this.vp.t0Ms;
      let handled = true;
      switch (e.key) {
        case '+':
        case '=':
          this.setViewport(zoomViewport(this.vp, 0.5, KEY_ZOOM_FACTOR, total));
          break;
        case '-':
        case '_':
          this.setViewport(zoomViewport(this.vp, 0.5, 1 / KEY_ZOOM_FACTOR, total));
          break;
        case 'ArrowLeft':
          this.setViewport(panViewport(this.vp, -span * KEY_PAN_FRACTION, total));
          break;
        case 'ArrowRight':
          this.setViewport(panViewport(this.vp, span * KEY_PAN_FRACTION, total));
          break;
        case '0':
        case 'Home':
          this.setViewport(fullViewport(total));
          break;
        case 'Escape':
          this.setHighlight(-1);
          this.onHighlightChange(-1);
          break;
        default:
          handled = false;
      }
      if (handled) e.preventDefault();
    });
  }

  showTooltip(xPx: number, yPx: number): void {
    const i = this.opAtPoint(xPx, yPx);
    const c = i < 0 ? this.collectiveAtPoint(xPx, yPx) : -1;
    const lines = i >= 0 ? this.describeOp(i) : c >= 0 ? this.describeCollective(c) : [];
    if (!lines.length) {
      this.tooltip.hidden = true;
      return;
    }
    // textContent only: op details are numbers, but nothing from the workspace is ever parsed as HTML here.
    this.tooltip.replaceChildren(
      ...lines.map((line) => {
        const div = document.createElement('div');
        div.textContent = line;
        return div;
      }),
    );
    this.tooltip.hidden = false;
    const maxX = this.container.clientWidth - this.tooltip.offsetWidth - 4;
    this.tooltip.style.left = `${Math.max(0, Math.min(xPx + 12, maxX))}px`;
    this.tooltip.style.top = `${yPx + 14}px`;
    this.tooltip.dataset['op'] = String(i);
    this.tooltip.dataset['collective'] = String(c);
  }
}
