// Step-series decimation for the memory-over-time line: a 32-stage run holds ~200k memory events, far more than a
// frame can stroke (the webview's software rasteriser takes ~1 µs per path vertex), so each stage is reduced to one
// [min, max] span per pixel column of the visible window. A step line only runs level or straight up and down, so
// painting those spans is the exact line at that resolution. Writes into a caller-owned array, so a pan/zoom frame
// allocates nothing. Pure: unit-tested in Node.

function lowerBound(a: Float64Array, lo: number, hi: number, value: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * For each of `columns` equal columns of [t0Ms, t1Ms], the least and greatest value the step series
 * time[lo..hi) / value[lo..hi) takes in it (value[i] holds from time[i] until the next event, the last one until
 * endMs), into out[2c] and out[2c + 1]; NaN for a column where the series does not exist (before its first event,
 * from endMs on). A column's span includes the value holding when it starts, so consecutive spans join up.
 * Returns how many columns hold a span. lo ≤ hi ≤ time.length = value.length (a stage's slice of the packed series)
 * and out.length ≥ 2 × columns, so every index read below is in bounds: the `!`s state that, in the per-event loop.
 */
export function columnSpans(
  time: Float64Array,
  value: Float64Array,
  lo: number,
  hi: number,
  t0Ms: number,
  t1Ms: number,
  endMs: number,
  columns: number,
  out: Float64Array,
): number {
  if (!(t1Ms > t0Ms) || columns < 1) return 0;
  const width = (t1Ms - t0Ms) / columns;
  let i = lowerBound(time, lo, hi, t0Ms);
  let current = i > lo ? value[i - 1]! : NaN;
  let filled = 0;
  for (let c = 0; c < columns; c++) {
    const start = t0Ms + c * width;
    const end = start + width;
    let min = current;
    let max = current;
    for (; i < hi && time[i]! < end && time[i]! < endMs; i++) {
      const v = value[i]!;
      // NaN before the first event: the first value starts the span.
      if (!(min <= v)) min = v;
      if (!(max >= v)) max = v;
      current = v;
    }
    if (start >= endMs) min = max = NaN;
    out[2 * c] = min;
    out[2 * c + 1] = max;
    if (min === min) filled++;
  }
  return filled;
}
