// Measured spans over the simulated timeline (issue 19): a profiler trace's forward_step / backward_step ranges,
// already on the simulated time axis (protocol/measured.ts states the alignment), drawn as outlines over each stage's
// lane — forward solid, backward dashed — so the simulated op under a span shows through. Plus the legend row with
// its toggle and the one-line rule, built here so the app only places it.
import { MAX_OVERLAY_SPANS, SPAN_FORWARD, type MeasuredSpans } from '../../src/protocol/measured';
import { formatCount } from '../format';
import { legendToggle, styledLegendItem } from '../parts';
import type { Geometry } from './layout';
import type { Viewport } from './viewport';

/** Spans narrower than this many CSS px are drawn as this wide, so a short forward on a long step stays visible. */
const MIN_SPAN_PX = 2;
const BACKWARD_DASH = [4, 3];

export interface OverlayStyle {
  /** The outline colour: the theme's foreground, which reads on every op colour and on the hatching. */
  stroke: string;
}

/** When the last span ends, ms (0 without spans): the view extends to it, so a slower measured step shows whole. */
export function spansEndMs(spans: MeasuredSpans): number {
  let end = 0;
  for (let i = 0; i < spans.startMs.length; i++) end = Math.max(end, spans.startMs[i]! + spans.durMs[i]!);
  return end;
}

/** Index range [lo, hi) of spans whose interval meets the window, over the spans sorted by start (as sent). */
function visible(spans: MeasuredSpans, vp: Viewport): [number, number] {
  // Spans arrive sorted by start; the longest duration bounds how far left of the window a visible one can start.
  let maxDur = 0;
  for (const d of spans.durMs) maxDur = Math.max(maxDur, d);
  let lo = 0;
  let hi = spans.startMs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (spans.startMs[mid]! < vp.t0Ms - maxDur) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < spans.startMs.length && spans.startMs[end]! <= vp.t1Ms) end++;
  return [lo, end];
}

/** Draws the spans in CSS pixels through the context's transform, clipped to the plot. Returns how many were drawn. */
export function drawOverlay(
  ctx: CanvasRenderingContext2D,
  spans: MeasuredSpans,
  g: Geometry,
  vp: Viewport,
  stages: number,
  style: OverlayStyle,
): number {
  const pxPerMs = g.plotWidthPx / (vp.t1Ms - vp.t0Ms);
  const barH = g.laneHeightPx - 2 * g.barInsetPx - g.p2pHeightPx;
  const [lo, hi] = visible(spans, vp);
  ctx.save();
  ctx.beginPath();
  ctx.rect(g.plotX0Px, 0, g.plotWidthPx, g.topPx + stages * g.laneHeightPx);
  ctx.clip();
  ctx.strokeStyle = style.stroke;
  ctx.lineWidth = 1.5;
  let drawn = 0;
  for (const kind of [SPAN_FORWARD, 1 - SPAN_FORWARD]) {
    ctx.setLineDash(kind === SPAN_FORWARD ? [] : BACKWARD_DASH);
    ctx.beginPath();
    for (let i = lo; i < hi; i++) {
      const stage = spans.stage[i]!;
      if (spans.kind[i] !== kind || stage >= stages) continue;
      const x = g.plotX0Px + (spans.startMs[i]! - vp.t0Ms) * pxPerMs;
      const w = Math.max(MIN_SPAN_PX, spans.durMs[i]! * pxPerMs);
      // Inset by half the line width so neighbouring spans' outlines do not merge into one.
      const y = g.topPx + stage * g.laneHeightPx + g.barInsetPx + 0.75;
      ctx.rect(x + 0.75, y, Math.max(0.5, w - 1.5), barH - 1.5);
      drawn++;
    }
    ctx.stroke();
  }
  ctx.restore();
  return drawn;
}

/**
 * The legend row (a toggle, what the outlines are and where they come from) and under it the one-line rule of the
 * alignment. Swatches are styled through the CSSOM (allowed by the page's CSP), not with the shared .si-swatch
 * class, whose backgrounds the app assigns by position.
 */
export function overlayLegend(spans: MeasuredSpans, shown: boolean, onToggle: (shown: boolean) => void): HTMLElement {
  const box = document.createElement('div');
  box.className = 'si-overlay';
  const row = document.createElement('div');
  row.className = 'si-legend';
  // textContent only: the source names are file names from the workspace.
  const label = legendToggle('si-overlay-toggle', shown, `measured spans (${spans.source}):`, onToggle);
  row.append(label, item('solid', 'forward_step'), item('dashed', 'backward_step'));
  const stages = new Set(spans.stage).size;
  const rule = document.createElement('div');
  rule.className = 'si-help si-overlay-help';
  const omitted = spans.omitted
    ? ` ${formatCount(spans.omitted)} more not shown (past the first steps, or over the ${formatCount(MAX_OVERLAY_SPANS)}-span cap).`
    : '';
  rule.textContent = `${formatCount(spans.stage.length)} ${spans.onGpu ? 'GPU' : 'CPU'} ranges on ${stages} stage${stages === 1 ? '' : 's'}, outlined over the simulated ops. Aligned so that the first measured forward of the lowest traced stage starts with the simulated one; the trace's µs keep their spacing.${omitted}`;
  box.append(row, rule);
  return box;
}

function item(border: 'solid' | 'dashed', text: string): HTMLElement {
  return styledLegendItem(
    text,
    { width: '14px', height: '9px', border: `1.5px ${border} currentColor` },
    'si-overlay-swatch',
  );
}
