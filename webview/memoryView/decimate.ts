// Step-series decimation for the memory chart: chart.js builds an element per point on every update, so a
// 32-stage run (100k points) would cost ~120 ms per pan/zoom frame. Each stage is cut to the visible window and
// reduced to at most four points per bucket (entry, min, max, exit, in time order), which keeps every peak and
// trough a pixel can show. Pure, unit-tested in Node.

export interface XY {
  x: number;
  y: number;
}

function lowerBound(a: Float64Array, lo: number, hi: number, value: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Points of the step series time[lo..hi) / value[lo..hi) (value[i] holds from time[i] until time[i+1]) over
 * [t0, t1], in `buckets` equal time buckets; `scale` converts values (bytes → GiB). The value holding at t0 is
 * included at t0, so the line starts at the left edge. lo ≤ hi ≤ time.length = value.length (a stage's slice of the
 * packed series), so every index read below is in bounds: the `!`s state that, in the per-point loop.
 */
export function decimateSteps(
  time: Float64Array,
  value: Float64Array,
  lo: number,
  hi: number,
  t0: number,
  t1: number,
  buckets: number,
  scale = 1,
): XY[] {
  const out: XY[] = [];
  if (hi <= lo || !(t1 > t0) || buckets < 1) return out;
  let i = lowerBound(time, lo, hi, t0);
  if (i > lo && (i === hi || time[i]! > t0)) out.push({ x: t0, y: value[i - 1]! * scale });
  const width = (t1 - t0) / buckets;
  while (i < hi && time[i]! <= t1) {
    const b = Math.min(buckets - 1, Math.floor((time[i]! - t0) / width));
    const bucketEnd = t0 + (b + 1) * width;
    const first = i;
    let min = i;
    let max = i;
    let j = i + 1;
    while (j < hi && time[j]! < bucketEnd && time[j]! <= t1) {
      if (value[j]! < value[min]!) min = j;
      if (value[j]! > value[max]!) max = j;
      j++;
    }
    const last = j - 1;
    // Emit the distinct extreme indices in time order.
    const picks = [first, min, max, last].sort((a, c) => a - c);
    let prev = -1;
    for (const k of picks) {
      if (k === prev) continue;
      prev = k;
      out.push({ x: time[k]!, y: value[k]! * scale });
    }
    i = j;
  }
  return out;
}
