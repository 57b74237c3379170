// Field building: the argv words one word expands to. Unquoted expansion results are split on blanks (each piece
// keeps its provenance), and a field whose unquoted text holds `*`, `?` or `[…]` is marked as a glob.
import type { Word } from '../syntax/ast';
import type { ExpandBudget } from './environ';
import { MAX_VALUE_CHARS } from '../limits';
import type { Src } from '../src';
import { ValBuilder, type Seg, type Val } from '../value';

/** One expanded argv word. */
export interface Field extends Val {
  glob: boolean;
  /** Document span of the token the field came from. */
  tok0: number;
  tok1: number;
  /** The only field its token produced (its range is then the whole token). */
  single: boolean;
}

const BLANK = /[ \t\n]/g;
const NON_BLANK = /[^ \t\n]/g;
const GLOB_CHAR = /[*?]/g;

/** Accumulates the fields one word expands to, splitting unquoted expansion results on blanks. */
export class FieldBuilder {
  cur = new ValBuilder();
  quoted = false;
  glob = false;
  produced = 0;
  private startCount: number;

  constructor(
    private budget: ExpandBudget,
    private out: Field[],
    private split: boolean,
    private word: Word,
    private src: Src,
  ) {
    this.startCount = out.length;
  }

  lit(text: string, i0: number, i1: number, raw: boolean, q: boolean, glob: boolean): void {
    if (q) this.quoted = true;
    if (glob && this.split) this.glob = true;
    this.src.appendLit(this.cur, text, i0, i1, raw);
  }

  markQuoted(q: boolean): void {
    if (q) this.quoted = true;
  }

  breakField(): void {
    this.emit();
  }

  val(v: Val, q: boolean): void {
    if (v.text.length > 64 && !this.budget.spend(v.text.length)) {
      this.cur.appendUnknown(
        'the expansion exceeds the 1 MB (per word) / 4 MB (per script) limit',
        v.segs[0]?.s0 ?? 0,
        v.segs[0]?.s1 ?? 0,
      );
      if (q) this.quoted = true;
      return;
    }
    if (q || !this.split) {
      if (q) this.quoted = true;
      this.cur.append(v);
      if (this.cur.length > MAX_VALUE_CHARS) this.overflow();
      return;
    }
    // Unquoted expansion: split on blanks; the pieces keep their provenance. Regex scans keep 1 MB values cheap.
    const t = v.text;
    const n = t.length;
    let k = 0;
    while (k < n) {
      NON_BLANK.lastIndex = k;
      const m = NON_BLANK.exec(t);
      const start = m ? m.index : n;
      if (start > k) this.emit(); // blanks end the current field
      if (start >= n) break;
      BLANK.lastIndex = start;
      const b = BLANK.exec(t);
      const e = b ? b.index : n;
      this.cur.appendSlice(v, start, e);
      if (v.cond) this.cur.cond = true;
      if (!this.glob) {
        GLOB_CHAR.lastIndex = start;
        const gm = GLOB_CHAR.exec(t);
        if (gm && gm.index < e) this.glob = true;
        else {
          const open = t.indexOf('[', start);
          if (open >= 0 && open < e) {
            const close = t.indexOf(']', open);
            if (close >= 0 && close < e) this.glob = true;
          }
        }
      }
      k = e;
    }
    if (this.cur.length > MAX_VALUE_CHARS) this.overflow();
  }

  overflow(): void {
    this.cur = new ValBuilder();
    const [s0, s1] = this.src.span(this.word.i0, this.word.i1);
    this.cur.appendUnknown('the expansion exceeds the 1 MB limit', s0, s1);
  }

  emit(): void {
    if ((this.cur.length > 0 || this.quoted) && this.budget.addField()) {
      const [tok0, tok1] = this.src.span(this.word.i0, this.word.i1);
      const v = this.cur.build();
      this.out.push({ text: v.text, segs: v.segs, cond: v.cond, glob: this.glob, tok0, tok1, single: false });
      this.produced++;
    }
    this.cur = new ValBuilder();
    this.quoted = false;
    this.glob = false;
  }

  /** Where the builder stands, so that what is appended after it can be marked (see assumeSince). */
  mark(): { fields: number; segs: number } {
    return { fields: this.out.length, segs: this.cur.segs.length };
  }

  /** Marks every stretch appended since `at` (in finished fields and the current one) as resting on `assumption`. */
  assumeSince(at: { fields: number; segs: number }, assumption: string): void {
    const tag = (segs: Seg[], from: number): void => {
      for (let k = from; k < segs.length; k++) segs[k]!.assumed ??= assumption; // k < segs.length
    };
    for (let f = at.fields; f < this.out.length; f++) tag(this.out[f]!.segs, f === at.fields ? at.segs : 0);
    tag(this.cur.segs, this.out.length === at.fields ? at.segs : 0);
  }

  finish(joined: boolean): void {
    if (joined) this.quoted = true;
    this.emit();
    const only = this.produced === 1 ? this.out[this.startCount] : undefined;
    if (only) only.single = true;
  }
}
