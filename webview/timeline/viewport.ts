// Zoom and pan only ever change the visible time window; everything else is recomputed from it. Pure (no DOM),
// so the clamping rules are unit-tested in Node.

/** The visible time window, in the simulation's time unit (ms from the cost model). */
export interface Viewport {
  t0Ms: number;
  t1Ms: number;
}

/** Zooming in past this fraction of the whole step shows single float rounding noise, not more detail. */
const MIN_SPAN_FRACTION = 1e-6;

export function fullViewport(totalMs: number): Viewport {
  return { t0Ms: 0, t1Ms: totalMs > 0 ? totalMs : 1 };
}

/** Keeps the window inside [0, totalMs] and no narrower than the minimum span, preserving its width if possible. */
export function clampViewport(vp: Viewport, totalMs: number): Viewport {
  const total = totalMs > 0 ? totalMs : 1;
  let span = vp.t1Ms - vp.t0Ms;
  if (!Number.isFinite(span) || span <= 0) span = total;
  span = Math.min(total, Math.max(span, total * MIN_SPAN_FRACTION));
  let t0 = Number.isFinite(vp.t0Ms) ? vp.t0Ms : 0;
  t0 = Math.min(Math.max(t0, 0), total - span);
  return { t0Ms: t0, t1Ms: t0 + span };
}

/**
 * Zoom by `factor` (> 1 zooms in) keeping the time under the cursor fixed; `anchorFraction` is the cursor's
 * position across the plot, 0 = left edge, 1 = right edge.
 */
export function zoomViewport(vp: Viewport, anchorFraction: number, factor: number, totalMs: number): Viewport {
  const a = Math.min(1, Math.max(0, anchorFraction));
  const span = vp.t1Ms - vp.t0Ms;
  const anchorMs = vp.t0Ms + a * span;
  const newSpan = span / (factor > 0 ? factor : 1);
  return clampViewport({ t0Ms: anchorMs - a * newSpan, t1Ms: anchorMs + (1 - a) * newSpan }, totalMs);
}

export function panViewport(vp: Viewport, deltaMs: number, totalMs: number): Viewport {
  return clampViewport({ t0Ms: vp.t0Ms + deltaMs, t1Ms: vp.t1Ms + deltaMs }, totalMs);
}

export function isViewport(x: unknown): x is Viewport {
  return (
    typeof x === 'object' &&
    x !== null &&
    Number.isFinite((x as Viewport).t0Ms) &&
    Number.isFinite((x as Viewport).t1Ms) &&
    (x as Viewport).t1Ms > (x as Viewport).t0Ms
  );
}
