// Long V-shape orders (ZB-V, V-Half, V-Min) by repeating their steady state instead of running the greedy
// construction over every op. Each builder is a greedy construction over the whole run, but past a warm-up of about
// p microbatches every stage's order repeats: each next 6 ops (F, B and W of both chunks) are the previous 6 with the
// next microbatch, until the cool-down, which sits at a fixed distance from the last microbatch. So the order for m
// microbatches is the order for M (past the warm-up) with m − M periods inserted where M's cool-down begins, and every
// op after them shifted by m − M microbatches.
//
// Why it holds: every global quantity the constructions read settles once the warm-up is over — the peak memory
// limit of vShape.ts's reorder and ZB-V's worst stage bubble (which picks its fill choice and ends its retries; the
// same for m = 2p … 32p, measured at p = 4, 8, 16) come from the warm-up and the cool-down, whose ops each look back or
// ahead a bounded number of slots — so one more microbatch adds one more identical round in the middle. That is an
// argument, not a proof, so we do not rely on it blindly: the builder runs at M and M + 1, each stage's insertion
// point is the first op where the two differ, and M + 1's order must be M's with one period inserted there;
// otherwise (a size below the builder's warm-up) the caller builds in full. Measured on the
// greedy orders: the insertion holds from m = 2p on for ZB-V, from 2⌊p/2⌋ + 3 for V-Half (p ≥ 5) and from ⌊2p/3⌋ + 2
// for V-Min, and never fails again above (every m to 12p + 30 for p ≤ 20, to 4p + 20 for p = 24, 32, 40, 48, 64);
// each builder's M adds a margin of 3 or more. builderIdentity.test.ts checks those warm-ups and compares the result
// with the full greedy construction around each builder's switch, on random sizes past it and on a million ops.

/** The op arrays the V builders write (programs.ts's, with the stage offsets set). */
export interface OrderArrays {
  stageOffsets: Int32Array;
  kind: Uint8Array;
  microbatch: Int32Array;
  modelChunk: Uint16Array;
}

/** Ops per stage and microbatch in every V schedule: F, B and W of each of the two chunks. */
const PERIOD = 6;

/** The builder's order for `m` microbatches in fresh arrays (stage r's 6m ops from r·6m). */
function builtAt(p: number, m: number, build: (m: number, out: OrderArrays) => void): OrderArrays {
  const n = p * PERIOD * m;
  const out: OrderArrays = {
    stageOffsets: new Int32Array(p + 1),
    kind: new Uint8Array(n),
    microbatch: new Int32Array(n),
    modelChunk: new Uint16Array(n),
  };
  for (let r = 0; r <= p; r++) out.stageOffsets[r] = r * PERIOD * m;
  build(m, out);
  return out;
}

/**
 * Where one stage's order for M + 1 (`b`, from `bAt`) is its order for M (`a`, `n` = 6M ops from `aAt`) with one
 * period inserted: the first op where they differ, which must have a whole period before it, every later op of `b`
 * being `a`'s one period earlier with the next microbatch. −1 when `b` is not that.
 */
function insertionPoint(a: OrderArrays, aAt: number, b: OrderArrays, bAt: number, n: number): number {
  let k = 0;
  while (
    k < n &&
    a.kind[aAt + k] === b.kind[bAt + k] &&
    a.microbatch[aAt + k] === b.microbatch[bAt + k] &&
    a.modelChunk[aAt + k] === b.modelChunk[bAt + k]
  )
    k++;
  if (k < PERIOD) return -1;
  for (let q = k; q < n + PERIOD; q++) {
    const x = aAt + q - PERIOD;
    const y = bAt + q;
    if (a.kind[x] !== b.kind[y] || a.microbatch[x]! + 1 !== b.microbatch[y] || a.modelChunk[x] !== b.modelChunk[y])
      return -1;
  }
  return k;
}

/**
 * Writes the order for m microbatches into `out` from the builder's orders at `from` and `from` + 1, `from` < m (see
 * the top of this file). Returns false, writing nothing, when the order at `from` + 1 is not the one at `from` with one
 * period inserted on every stage: the caller then builds the m microbatches in full.
 */
export function writeBySteadyRepeat(
  p: number,
  m: number,
  from: number,
  build: (m: number, out: OrderArrays) => void,
  out: OrderArrays,
): boolean {
  const a = builtAt(p, from, build);
  const b = builtAt(p, from + 1, build);
  const n = PERIOD * from;
  const split = new Int32Array(p);
  for (let r = 0; r < p; r++) {
    const k = insertionPoint(a, r * n, b, r * (n + PERIOD), n);
    if (k < 0) return false;
    split[r] = k;
  }
  const added = m - from;
  for (let r = 0; r < p; r++) {
    const k = split[r]!;
    const src = r * n;
    const dst = out.stageOffsets[r]!;
    // Up to the insertion point: the order at `from` as it is.
    out.kind.set(a.kind.subarray(src, src + k), dst);
    out.microbatch.set(a.microbatch.subarray(src, src + k), dst);
    out.modelChunk.set(a.modelChunk.subarray(src, src + k), dst);
    // The inserted periods: each op is the one a period earlier with the next microbatch.
    const tail = dst + k + PERIOD * added;
    for (let q = dst + k; q < tail; q++) {
      out.kind[q] = out.kind[q - PERIOD]!;
      out.microbatch[q] = out.microbatch[q - PERIOD]! + 1;
      out.modelChunk[q] = out.modelChunk[q - PERIOD]!;
    }
    // The rest (the cool-down and the steady ops after the insertion point) shifted by the added microbatches.
    out.kind.set(a.kind.subarray(src + k, src + n), tail);
    out.modelChunk.set(a.modelChunk.subarray(src + k, src + n), tail);
    for (let i = k; i < n; i++) out.microbatch[tail + i - k] = a.microbatch[src + i]! + added;
  }
  return true;
}

/**
 * The builder's order for m microbatches: by repeating the steady state of its order at `from` (the builder's first
 * size past its warm-up, with a margin) when that is cheaper — two builds of about `from` microbatches against one of
 * m — and holds; otherwise the builder's own construction.
 */
export function writeWithSteadyRepeat(
  p: number,
  m: number,
  from: number,
  build: (m: number, out: OrderArrays) => void,
  out: OrderArrays,
): void {
  if (m > 2 * from + 1 && writeBySteadyRepeat(p, m, from, build, out)) return;
  build(m, out);
}
