// A text being parsed and where its characters come from. The document maps to itself; a derived text (an
// `eval` string, a `bash -c` script, a heredoc fed to sbatch) maps each character back through its segments.
import { MAX_SEGS } from './limits';
import { NO_ORIGINS, sliceSeg, type Seg, type ValBuilder } from './value';

export class Src {
  constructor(
    readonly text: string,
    /** null: the document itself. */
    readonly segs: Seg[] | null,
  ) {}

  /** Document span of the parse-text stretch [i0, i1). */
  span(i0: number, i1: number): [number, number] {
    if (!this.segs) return [i0, i1];
    const segs = this.segs;
    if (segs.length === 0) return [0, 0];
    let s0 = Infinity;
    let s1 = -Infinity;
    let k = firstSegAfter(segs, i0);
    if (k >= segs.length) k = segs.length - 1;
    for (; k < segs.length; k++) {
      const g = segs[k]!; // k < segs.length
      if (g.start >= i1 && s0 !== Infinity) break;
      // Zero-width joints (the blanks `eval` puts between its arguments) do not stretch the span.
      if (g.s0 === g.s1 && !g.mapped && s0 !== Infinity) {
        if (g.end >= i1) break;
        continue;
      }
      const a = Math.max(i0, g.start);
      const b = Math.max(a, Math.min(i1, g.end));
      const x = g.mapped ? g.s0 + (a - g.start) : g.s0;
      const y = g.mapped ? g.s0 + (b - g.start) : g.s1;
      if (x < s0) s0 = x;
      if (y > s1) s1 = y;
      if (g.end >= i1) break;
    }
    return s0 === Infinity ? [0, 0] : [s0, s1];
  }

  /** Append the literal `text`, written at parse-text [i0, i1), with its provenance. */
  appendLit(b: ValBuilder, text: string, i0: number, i1: number, raw: boolean): void {
    if (!text) return;
    if (!this.segs) {
      b.appendLiteral(text, i0, i1, raw && text.length === i1 - i0);
      return;
    }
    if (raw && text.length === i1 - i0) {
      const segs = this.segs;
      const at0 = b.length;
      b.text += text;
      for (let k = firstSegAfter(segs, i0); k < segs.length; k++) {
        const g = segs[k]!; // k < segs.length
        if (g.start >= i1) break;
        const x = Math.max(i0, g.start);
        const y = Math.min(i1, g.end);
        if (y > x) b.segs.push(sliceSeg(g, x, y, at0 + (x - i0)));
      }
      if (b.segs.length > MAX_SEGS) b.coarsen();
      return;
    }
    // Escapes and the like: one segment over the whole stretch, carrying the first piece's provenance.
    const [s0, s1] = this.span(i0, i1);
    const g = this.segs[Math.min(firstSegAfter(this.segs, i0), this.segs.length - 1)];
    if (g && g.unknown && text.indexOf('\u0000') >= 0) b.appendUnknown(g.unknown, s0, s1, g.origins);
    else b.appendLiteral(text, s0, s1, false, g ? g.origins : NO_ORIGINS);
  }
}

/** Index of the first segment that ends after parse-text index `i` (segments are sorted and disjoint). */
function firstSegAfter(segs: Seg[], i: number): number {
  let lo = 0;
  let hi = segs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (segs[mid]!.end <= i)
      lo = mid + 1; // lo <= mid < hi <= segs.length
    else hi = mid;
  }
  return lo;
}
