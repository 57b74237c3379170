// Values with per-character provenance. Every string the reader builds (a variable's value, an argv word) is
// a text plus segments saying where each stretch of it came from, so a word produced by splitting `$OPTS` can
// still point at its own token inside `OPTS="… --num-layers 32 …"`. Offsets here are absolute offsets into the
// analysed document (not lines/columns); the reader converts them once at the end.
import { MAX_ORIGIN_CHAIN, MAX_SEG_COPIES, MAX_SEGS } from './limits';

/** A variable a stretch of text passed through, with the document span of that variable's value text. */
export interface OriginRef {
  name: string;
  s0: number;
  s1: number;
  /** True when the stretch corresponds character-for-character to s0..s1 (so a sub-stretch can be narrowed). */
  mapped: boolean;
}

export interface Seg {
  /** Stretch of the owning value's text, [start, end). */
  start: number;
  end: number;
  /** Where this stretch stands in the command (or definition) being read: document offsets. */
  s0: number;
  s1: number;
  mapped: boolean;
  /** Variables it came through, nearest first. */
  origins: OriginRef[];
  /** Set when the stretch is not known statically; the text holds one UNKNOWN_CHAR in its place. */
  unknown?: string;
  /** Assigned in a branch whose condition could not be decided. */
  cond?: boolean;
  /**
   * The stretch is a `${VAR:-default}` default taken because only the environment or the script's arguments could
   * set VAR: what the value assumes (issue 12 §3 severity discipline — nothing built on it is certain).
   */
  assumed?: string;
}

export interface Val {
  text: string;
  segs: Seg[];
  /** Produced by an assignment in a branch whose condition could not be decided. */
  cond: boolean;
}

/** Placeholder for an unknown stretch. Input NULs are replaced before reading, so it never occurs in user text. */
export const UNKNOWN_CHAR = '\u0000';

export const NO_ORIGINS: OriginRef[] = [];
/** Segment copies made in this read (bounded by MAX_SEG_COPIES). */
let segCopies = 0;

/** Start a new read's budget (readBash calls this once per document). */
export function resetSegBudget(): void {
  segCopies = 0;
}

/** Count `n` segment copies made outside ValBuilder; true while the budget lasts. */
function chargeSegs(n: number): boolean {
  segCopies += n;
  return segCopies <= MAX_SEG_COPIES;
}

export function emptyVal(): Val {
  return { text: '', segs: [], cond: false };
}

export function literalVal(text: string, s0: number, s1: number, mapped: boolean): Val {
  return {
    text,
    segs: text.length ? [{ start: 0, end: text.length, s0, s1, mapped, origins: NO_ORIGINS }] : [],
    cond: false,
  };
}

export function unknownVal(reason: string, s0: number, s1: number, origins: OriginRef[] = NO_ORIGINS): Val {
  return {
    text: UNKNOWN_CHAR,
    segs: [{ start: 0, end: 1, s0, s1, mapped: false, origins, unknown: reason }],
    cond: false,
  };
}

export function isKnown(v: Val): boolean {
  return v.text.indexOf(UNKNOWN_CHAR) < 0;
}

/** First unknown segment's reason, if any. */
export function unknownReason(v: Val): string | undefined {
  for (const g of v.segs) if (g.unknown) return g.unknown;
  return undefined;
}

/** Narrow an origin chain to the sub-stretch [a, b) (relative to the segment start). */
function narrowOrigins(origins: OriginRef[], a: number, b: number, segLen: number): OriginRef[] {
  if (origins.length === 0 || (a === 0 && b === segLen)) return origins;
  return origins.map((o) => (o.mapped ? { name: o.name, s0: o.s0 + a, s1: o.s0 + b, mapped: true } : o));
}

/** The part [a, b) of a segment, re-based so it starts at `at` in a new value. */
export function sliceSeg(g: Seg, a: number, b: number, at: number): Seg {
  const ra = a - g.start;
  const rb = b - g.start;
  const len = g.end - g.start;
  const whole = ra === 0 && rb === len;
  const out: Seg = {
    start: at,
    end: at + (b - a),
    s0: g.mapped && !whole ? g.s0 + ra : g.s0,
    s1: g.mapped && !whole ? g.s0 + rb : g.s1,
    mapped: g.mapped,
    origins: whole ? g.origins : narrowOrigins(g.origins, ra, rb, len),
  };
  if (g.unknown !== undefined) out.unknown = g.unknown;
  if (g.cond) out.cond = true;
  if (g.assumed !== undefined) out.assumed = g.assumed;
  return out;
}

/**
 * Prefix `name` (whose value stretch is described by g) onto g's chain. A chain whose next entry is the same
 * variable (`OPTS="$OPTS --x"`, `TP=${TP:-8}`) keeps only the inner, more precise entry.
 */
function pushOrigin(name: string, g: Seg): OriginRef[] {
  const inner = g.origins;
  const head: OriginRef = { name, s0: g.s0, s1: g.s1, mapped: g.mapped };
  // Length first: reading past an array's end is slow in V8, and this runs for every segment of every expansion.
  if (inner.length === 0) return [head];
  if (inner[0]!.name === name) return inner;
  const n = Math.min(inner.length, MAX_ORIGIN_CHAIN - 1);
  const out: OriginRef[] = [head];
  for (let k = 0; k < n; k++) out.push(inner[k]!); // k < inner.length
  return out;
}

/** Appends text + segments into a value under construction, coarsening provenance past MAX_SEGS. */
export class ValBuilder {
  text = '';
  segs: Seg[] = [];
  cond = false;

  get length(): number {
    return this.text.length;
  }

  /** Append the part [a, b) of value v. */
  appendSlice(v: Val, a: number, b: number): void {
    if (b <= a) return;
    const at = this.text.length;
    this.text += a === 0 && b === v.text.length ? v.text : v.text.slice(a, b);
    if (v.cond) this.cond = true;
    const segs = v.segs;
    // Segments are sorted by start; skip to the first one overlapping [a, b).
    let lo = 0;
    let hi = segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid]!.end <= a)
        lo = mid + 1; // lo <= mid < hi <= segs.length
      else hi = mid;
    }
    for (let k = lo; k < segs.length; k++) {
      const g = segs[k]!; // k < segs.length
      if (g.start >= b) break;
      const x = Math.max(a, g.start);
      const y = Math.min(b, g.end);
      if (y > x) this.segs.push(sliceSeg(g, x, y, at + (x - a)));
    }
    segCopies += this.segs.length;
    if (this.segs.length > MAX_SEGS || (segCopies > MAX_SEG_COPIES && this.segs.length > 1)) this.coarsen();
  }

  append(v: Val): void {
    this.appendSlice(v, 0, v.text.length);
  }

  appendLiteral(text: string, s0: number, s1: number, mapped: boolean, origins: OriginRef[] = NO_ORIGINS): void {
    if (!text) return;
    const at = this.text.length;
    this.text += text;
    this.segs.push({ start: at, end: at + text.length, s0, s1, mapped, origins });
    if (this.segs.length > MAX_SEGS) this.coarsen();
  }

  appendUnknown(reason: string, s0: number, s1: number, origins: OriginRef[] = NO_ORIGINS): void {
    const at = this.text.length;
    this.text += UNKNOWN_CHAR;
    this.segs.push({ start: at, end: at + 1, s0, s1, mapped: false, origins, unknown: reason });
    if (this.segs.length > MAX_SEGS) this.coarsen();
  }

  coarsen(): void {
    let s0 = Infinity;
    let s1 = -Infinity;
    let unknown: string | undefined;
    let assumed: string | undefined;
    for (const g of this.segs) {
      if (g.s0 < s0) s0 = g.s0;
      if (g.s1 > s1) s1 = g.s1;
      if (unknown === undefined && g.unknown !== undefined) unknown = g.unknown;
      if (assumed === undefined && g.assumed !== undefined) assumed = g.assumed;
    }
    const g: Seg = { start: 0, end: this.text.length, s0, s1, mapped: false, origins: NO_ORIGINS };
    if (unknown !== undefined) g.unknown = unknown;
    if (assumed !== undefined) g.assumed = assumed;
    this.segs = [g];
  }

  build(): Val {
    return { text: this.text, segs: this.segs, cond: this.cond };
  }
}

/** Span of document offsets a value's segments cover (or null when it has none). */
export function valSpan(v: Val): [number, number] | null {
  if (v.segs.length === 0) return null;
  let s0 = Infinity;
  let s1 = -Infinity;
  for (const g of v.segs) {
    if (g.s0 < s0) s0 = g.s0;
    if (g.s1 > s1) s1 = g.s1;
  }
  return [s0, s1];
}

/**
 * Origins of the stretch [a, b) of a value, merged: nearest-first by chain level, one entry per variable name
 * (spans of the same variable are united).
 */
export function originsOf(v: Val, a: number, b: number): OriginRef[] {
  const levels: OriginRef[][] = [];
  for (const g of v.segs) {
    if (g.end <= a) continue;
    if (g.start >= b) break;
    if (g.origins.length === 0) continue;
    const x = Math.max(a, g.start);
    const y = Math.min(b, g.end);
    const chain = narrowOrigins(g.origins, x - g.start, y - g.start, g.end - g.start);
    for (let k = 0; k < chain.length; k++) (levels[k] ??= []).push(chain[k]!); // k < chain.length
  }
  const out: OriginRef[] = [];
  const levelOf: number[] = [];
  for (let k = 0; k < levels.length; k++) {
    const level = levels[k];
    if (!level) continue;
    for (const o of level) {
      const at = out.findIndex((p) => p.name === o.name);
      if (at < 0) {
        out.push({ ...o });
        levelOf.push(k);
        continue;
      }
      const same = out[at]!; // found above
      if (levelOf[at] === k && (o.s0 !== same.s0 || o.s1 !== same.s1)) {
        // One word made of several stretches of the same variable: point at all of them.
        same.s0 = Math.min(same.s0, o.s0);
        same.s1 = Math.max(same.s1, o.s1);
        same.mapped = false;
      }
    }
  }
  return out;
}

/** A literal computed from other values (`$((…))`, `${#X}`): one segment carrying their origins, unmapped. */
export function literalWithOrigins(text: string, s0: number, s1: number, origins: OriginRef[]): Val {
  if (!text) return emptyVal();
  return {
    text,
    segs: [
      { start: 0, end: text.length, s0, s1, mapped: false, origins: origins.map((o) => ({ ...o, mapped: false })) },
    ],
    cond: false,
  };
}

export function concat(a: Val, b: Val): Val {
  const bld = new ValBuilder();
  bld.append(a);
  bld.append(b);
  return bld.build();
}

/** The values joined by `sep` (a zero-width separator segment at the start of each following value). */
export function joinVals(vals: Val[], sep: string): Val {
  const b = new ValBuilder();
  vals.forEach((v, k) => {
    if (k > 0) {
      const g = v.segs[0];
      b.appendLiteral(sep, g ? g.s0 : 0, g ? g.s0 : 0, false);
    }
    b.append(v);
  });
  return b.build();
}

/** A value seen through variable `name` at document span [s0, s1): `name` is prefixed onto every segment's origins. */
export function viaVar(name: string, v: Val, s0: number, s1: number): Val {
  const segs = v.segs;
  if (!chargeSegs(segs.length) && segs.length > 1) {
    // Out of provenance budget: one segment for the whole value.
    const g: Seg = { start: 0, end: v.text.length, s0, s1, mapped: false, origins: [{ name, s0, s1, mapped: false }] };
    const u = unknownReason(v);
    if (u !== undefined) g.unknown = u;
    const a = segs.find((x) => x.assumed !== undefined)?.assumed;
    if (a !== undefined) g.assumed = a;
    return { text: v.text, segs: [g], cond: v.cond };
  }
  const out: Seg[] = new Array<Seg>(segs.length);
  for (let k = 0; k < segs.length; k++) {
    const g = segs[k]!; // k < segs.length
    const seg: Seg = { start: g.start, end: g.end, s0, s1, mapped: false, origins: pushOrigin(name, g) };
    if (g.unknown !== undefined) seg.unknown = g.unknown;
    if (g.cond) seg.cond = true;
    if (g.assumed !== undefined) seg.assumed = g.assumed;
    out[k] = seg;
  }
  return { text: v.text, segs: out, cond: v.cond };
}
