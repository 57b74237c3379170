// Words: quoting, escapes, `$…` forms (`$(…)`, `$((…))`, `$[…]`, `$'…'`; `${…}` in braceParam.ts and paramOps.ts),
// backquotes and heredoc bodies, read into word parts. What ends a word depends on where it stands (its WordMode).
// A `$(…)` body is a command list: the lexer asks the parser for it (parseList), as bash's own reader does.
import {
  PK,
  type ArithPart,
  type Cmd,
  type CmdSubPart,
  type Heredoc,
  type ParamPart,
  type Part,
  type Redir,
  type Word,
} from './ast';
import {
  C_BS,
  C_BT,
  C_COLON,
  C_DOLLAR,
  C_DQ,
  C_HASH,
  C_LB,
  C_LC,
  C_LP,
  C_NL,
  C_CR,
  C_QM,
  C_RB,
  C_RC,
  C_RP,
  C_SLASH,
  C_SQ,
  C_STAR,
  C_TAB,
  C_LT,
  C_GT,
  EOF,
  PLAIN_DQ,
  PLAIN_NORMAL,
  decodeAnsiC,
  decodeEscapes,
  firstWord,
  isDigit,
  isMeta,
  isNameChar,
  isNameStart,
  isSpecialParam,
  scanEscapes,
  scanPlain,
} from './chars';
import { WordMode } from './wordMode';
import { emptyParam, plainParam, readBraceParam } from './braceParam';
import { Scanner } from './scanner';
import { MAX_PARSE_DEPTH } from '../limits';

/** Lists stop at these tokens (besides their stop words). */
export const STOP_AT_PAREN = 1; // ')'
export const STOP_AT_CASE_END = 2; // ';;', ';&', ';;&'

interface PendingHeredoc {
  redir: Redir;
  delim: string;
  strip: boolean;
  quoted: boolean;
}

export abstract class Lexer extends Scanner {
  /** An arithmetic attempt already ran to the end without closing: later `((` are read as subshells (keeps `((((…` linear). */
  arithToEof = false;
  /** Heredocs whose bodies start after the next newline. */
  pending: PendingHeredoc[] = [];

  /** Commands until EOF, a stop token (STOP_AT_*) or a reserved word in `stopWords`. */
  abstract parseList(stops: number, stopWords: Set<string> | null): Cmd[];

  /** Consume one newline and read any heredoc bodies that were waiting for it. */
  newline(): void {
    this.i++;
    if (this.pending.length) this.readHeredocs();
  }

  /** Skip blanks, comments and newlines (a linebreak between tokens). */
  skipLinebreaks(): void {
    for (;;) {
      this.skipBlanks();
      const c = this.peek();
      if (c === C_NL) this.newline();
      else if (c === C_HASH) this.skipComment();
      else return;
    }
  }

  // ── Heredoc bodies ────────────────────────────────────────────────────────────────────────────

  /** Read heredoc bodies, starting right after the newline that ended their command line. */
  readHeredocs(): void {
    const list = this.pending;
    this.pending = [];
    for (const h of list) {
      const bodyStart = this.i;
      const bodyEnd = this.findHeredocEnd(h);
      const after = this.i;
      let body: Word;
      if (h.quoted) {
        const text = this.s.slice(bodyStart, bodyEnd);
        body = {
          parts: text ? [{ k: PK.Lit, text, raw: true, glob: false, q: true, i0: bodyStart, i1: bodyEnd }] : [],
          i0: bodyStart,
          i1: bodyEnd,
        };
      } else {
        const saveN = this.n;
        this.i = bodyStart;
        this.n = bodyEnd;
        const parts = this.readParts(WordMode.Heredoc, true);
        this.n = saveN;
        body = { parts, i0: bodyStart, i1: bodyEnd };
      }
      this.i = after;
      const hd: Heredoc = { body, quoted: h.quoted };
      h.redir.heredoc = hd;
    }
  }

  /** Move past the delimiter line of heredoc `h`; returns where its body ends (the text's end when unterminated). */
  private findHeredocEnd(h: PendingHeredoc): number {
    while (this.i < this.n) {
      const lineStart = this.i;
      const lineEnd = this.eol(lineStart);
      let k = lineStart;
      if (h.strip) while (k < lineEnd && this.s.charCodeAt(k) === C_TAB) k++;
      let e = lineEnd;
      if (e > k && this.s.charCodeAt(e - 1) === C_CR) e--;
      this.i = lineEnd < this.n ? lineEnd + 1 : this.n;
      if (e - k === h.delim.length && this.s.startsWith(h.delim, k)) return lineStart;
    }
    this.diag(`here-document delimited by end of file (wanted \`${h.delim}\`)`, h.redir.i0, h.redir.i1, 'warning');
    return this.n;
  }

  // ── Words ─────────────────────────────────────────────────────────────────────────────────────

  parseWord(mode: WordMode): Word | null {
    const i0 = this.i;
    const parts = this.readParts(mode, false);
    if (this.i === i0) return null;
    return { parts, i0, i1: this.i };
  }

  /** Does the current mode end the word at the cursor? */
  stops(mode: WordMode, c: number, parenDepth: number): boolean {
    switch (mode) {
      case WordMode.Normal:
        return isMeta(c);
      case WordMode.Test:
        // Inside [[ ]], < and > compare strings instead of redirecting: every other metacharacter still ends a word.
        return c !== C_LT && c !== C_GT && isMeta(c);
      case WordMode.DoubleQuoted:
        return c === C_DQ;
      case WordMode.Heredoc:
        return false;
      case WordMode.ParamArg:
        return c === C_RC;
      case WordMode.ParamPattern:
        return c === C_RC || c === C_SLASH;
      case WordMode.ParamOffset:
        return c === C_RC || c === C_COLON;
      case WordMode.Subscript:
        return c === C_RB;
      case WordMode.Arith:
        return c === C_RP && parenDepth === 0;
      case WordMode.ArithBracket:
        return c === C_RB;
      default:
        return isMeta(c);
    }
  }

  /** Read word parts until the mode's terminator (not consumed). `q`: the surrounding context is quoted. */
  readParts(mode: WordMode, q: boolean): Part[] {
    const parts: Part[] = [];
    const s = this.s;
    let runStart = -1; // start of a pending raw literal run
    let runGlob = false;
    let parenDepth = 0;
    const inDQ = mode === WordMode.DoubleQuoted || mode === WordMode.Heredoc;
    const quotedCtx = q || inDQ;
    const flush = (end: number): void => {
      if (runStart >= 0 && end > runStart) {
        parts.push({
          k: PK.Lit,
          text: s.slice(runStart, end),
          raw: true,
          glob: runGlob,
          q: quotedCtx,
          i0: runStart,
          i1: end,
        });
      }
      runStart = -1;
      runGlob = false;
    };
    const plain = mode === WordMode.Normal ? PLAIN_NORMAL : mode === WordMode.DoubleQuoted ? PLAIN_DQ : null;
    const globs =
      !quotedCtx && mode !== WordMode.Subscript && mode !== WordMode.Arith && mode !== WordMode.ArithBracket;
    while (this.i < this.n) {
      if (plain) {
        // Skip characters with no meaning in this mode in a tight loop (a 1 MB word stays cheap).
        const j = scanPlain(s, this.i, this.n, plain);
        if (j > this.i) {
          if (runStart < 0) runStart = this.i;
          this.i = j;
          if (j >= this.n) break;
        }
      }
      const c = s.charCodeAt(this.i);
      // Process substitution `<(list)` / `>(list)` (bash(1)): a word whose value is only known at run time.
      if (mode === WordMode.Normal && (c === C_LT || c === C_GT) && s.charCodeAt(this.i + 1) === C_LP) {
        flush(this.i);
        parts.push(this.readCommandSubstitution(quotedCtx));
        continue;
      }
      if (this.stops(mode, c, parenDepth)) break;
      if (mode === WordMode.Arith) {
        if (c === C_LP) parenDepth++;
        else if (c === C_RP) parenDepth--;
      }
      if (c === C_BS) {
        const keep = this.rawEscapeLength(mode, inDQ);
        if (keep > 0) {
          if (runStart < 0) runStart = this.i;
          this.i += keep;
        } else {
          flush(this.i);
          this.readEscape(parts, mode, inDQ);
        }
        continue;
      }
      if (
        c === C_SQ &&
        !inDQ &&
        !(q && (mode === WordMode.ParamArg || mode === WordMode.ParamPattern || mode === WordMode.ParamOffset))
      ) {
        flush(this.i);
        if (!this.readSingleQuoted(parts)) return parts;
        continue;
      }
      if (c === C_DQ && !inDQ) {
        flush(this.i);
        if (!this.readDoubleQuoted(parts)) return parts;
        continue;
      }
      if (c === C_DOLLAR && this.dollarStartsExpansion(inDQ)) {
        flush(this.i);
        this.readDollarForm(parts, quotedCtx);
        continue;
      }
      if (c === C_BT) {
        flush(this.i);
        this.readBackticks(parts, quotedCtx);
        continue;
      }
      if (runStart < 0) runStart = this.i;
      if (globs && (c === C_STAR || c === C_QM || c === C_LB) && (c !== C_LB || this.closesBracket())) runGlob = true;
      this.i++;
    }
    flush(this.i);
    return parts;
  }

  /**
   * At a backslash: how many characters stay in the raw literal run as written (`\x` inside "…" for most x, a
   * trailing `\`, `\"` in a heredoc); 0 when the escape is a line continuation or is read as an escaped part.
   */
  private rawEscapeLength(mode: WordMode, inDQ: boolean): number {
    const d = this.peek(1);
    if (d === C_NL) return 0;
    if (d === EOF) return 1;
    if (inDQ && !(d === C_DOLLAR || d === C_BT || d === C_DQ || d === C_BS)) return 2;
    // In a heredoc \" stays as written.
    if (mode === WordMode.Heredoc && d === C_DQ) return 2;
    return 0;
  }

  /** At a backslash that is not kept raw: a line continuation, or a run of escaped characters as one part. */
  private readEscape(parts: Part[], mode: WordMode, inDQ: boolean): void {
    const d = this.peek(1);
    if (d === C_NL) {
      this.i += 2;
      return;
    }
    // Escaped characters: one character of text for two of source. A run of them becomes one part.
    const j = scanEscapes(this.s, this.i + 2, Math.min(this.n, this.i + 8192), inDQ, mode === WordMode.DoubleQuoted);
    const text = j === this.i + 2 ? String.fromCharCode(d) : decodeEscapes(this.s, this.i, j);
    parts.push({ k: PK.Lit, text, raw: false, glob: false, q: true, i0: this.i, i1: j });
    this.i = j;
  }

  /** At `'`: the quoted text as one part; false when it never closes (reported, cursor moved for recovery). */
  private readSingleQuoted(parts: Part[]): boolean {
    const open = this.i;
    const close = this.s.indexOf("'", open + 1);
    if (close < 0 || close >= this.n) {
      this.recover(open, 'single quote');
      return false;
    }
    parts.push({
      k: PK.Lit,
      text: close > open + 1 ? this.s.slice(open + 1, close) : '',
      raw: true,
      glob: false,
      q: true,
      i0: open + 1,
      i1: close,
    });
    this.i = close + 1;
    return true;
  }

  /** At `"`: the parts inside; false when the quote does not close or nests too deeply. */
  private readDoubleQuoted(parts: Part[]): boolean {
    const open = this.i;
    this.i++;
    if (++this.depth > MAX_PARSE_DEPTH) {
      this.depth--;
      this.tooDeep();
      return false;
    }
    const inner = this.readParts(WordMode.DoubleQuoted, true);
    this.depth--;
    if (this.peek() !== C_DQ) {
      if (this.i >= this.n) this.recover(open, 'double quote');
      return false;
    }
    this.i++;
    if (inner.length === 0) {
      // An empty quote only marks the word as quoted; one mark is enough (a run of them stays one part).
      const last = parts[parts.length - 1];
      if (!(last && last.k === PK.Lit && last.q && last.text === ''))
        parts.push({ k: PK.Lit, text: '', raw: true, glob: false, q: true, i0: open + 1, i1: open + 1 });
    } else for (const p of inner) parts.push(p);
    return true;
  }

  /** Is the `$` at the cursor the start of an expansion or quote (rather than a literal `$`)? */
  private dollarStartsExpansion(inDQ: boolean): boolean {
    const d = this.peek(1);
    if ((d === C_SQ || d === C_DQ) && !inDQ) return true;
    return d === C_LP || d === C_LC || d === C_LB || isNameStart(d) || isDigit(d) || isSpecialParam(d);
  }

  /** At a `$` that dollarStartsExpansion accepted. */
  private readDollarForm(parts: Part[], q: boolean): void {
    const d = this.peek(1);
    if (d === C_SQ) {
      this.readAnsiC(parts);
      return;
    }
    if (d === C_DQ) {
      // $"…" (locale translation): a double-quoted string; the quote is read next.
      this.i++;
      return;
    }
    if (++this.depth > MAX_PARSE_DEPTH) {
      this.depth--;
      this.skipTooDeepExpansion(parts, q);
      return;
    }
    const p = this.readDollar(q);
    this.depth--;
    if (p) parts.push(p);
  }

  /** A `]` closes the `[` at the cursor within the same word (bounded look-ahead). */
  closesBracket(): boolean {
    const end = Math.min(this.n, this.i + 64);
    for (let j = this.i + 1; j < end; j++) {
      const e = this.s.charCodeAt(j);
      if (e === C_RB) return true;
      if (isMeta(e)) return false;
    }
    return false;
  }

  /** Past the nesting limit: skip the `${`/`$(` construct by counting brackets, no recursion. */
  skipTooDeepExpansion(parts: Part[], q: boolean): void {
    const open = this.i;
    const d = this.peek(1);
    this.diag('expansion nested too deeply', open, open + 2);
    if (d !== C_LC && d !== C_LP && d !== C_LB) {
      this.i += 2;
      return;
    }
    const oc = d;
    const cc = d === C_LC ? C_RC : d === C_LP ? C_RP : C_RB;
    let depth = 0;
    let j = open + 1;
    for (; j < this.n; j++) {
      const e = this.s.charCodeAt(j);
      if (e === C_BS) j++;
      else if (e === oc) depth++;
      else if (e === cc && --depth === 0) break;
    }
    this.i = j < this.n ? j + 1 : this.n;
    parts.push({ ...emptyParam(q, open), bad: 'expansion nested too deeply', i1: this.i });
  }

  readAnsiC(parts: Part[]): void {
    const open = this.i;
    const { text, end } = decodeAnsiC(this.s, this.i + 2, this.n);
    this.i = end;
    if (this.i >= this.n) {
      this.recover(open, "`$'` quote");
      return;
    }
    this.i++;
    parts.push({ k: PK.Lit, text: text.replace(/\0/g, ''), raw: false, glob: false, q: true, i0: open, i1: this.i });
  }

  readBackticks(parts: Part[], q: boolean): void {
    const open = this.i;
    let j = open + 1;
    for (; j < this.n; j++) {
      const e = this.s.charCodeAt(j);
      if (e === C_BS) j++;
      else if (e === C_BT) break;
    }
    if (j >= this.n) {
      this.recover(open, 'backquote');
      return;
    }
    this.i = j + 1;
    parts.push({ k: PK.CmdSub, name: firstWord(this.s, open + 1, j), body: null, q, i0: open, i1: this.i });
  }

  /**
   * At `((` (a command, openLen 2) or `$((` (a word part, openLen 3): an arithmetic expression closed by `))`.
   * null, with the cursor and diagnostics restored, when it does not close that way: then it was a subshell.
   */
  readClosedArith(openLen: number): Word | null {
    if (this.arithToEof) return null;
    const save = this.i;
    const saveDiags = this.diags.length;
    const saveRecoveries = this.recoveries;
    this.i += openLen;
    const expr = this.readArithWord(WordMode.Arith);
    if (this.peek() === C_RP && this.peek(1) === C_RP) {
      this.i += 2;
      return expr;
    }
    if (this.i >= this.n) this.arithToEof = true;
    this.i = save;
    this.diags.length = saveDiags;
    this.recoveries = saveRecoveries;
    return null;
  }

  /** Cursor at `$` followed by something expandable. */
  readDollar(q: boolean): Part | null {
    const i0 = this.i;
    const d = this.peek(1);
    if (d === C_LP) {
      if (this.peek(2) === C_LP) {
        const expr = this.readClosedArith(3);
        if (expr) return { k: PK.Arith, expr, q, i0, i1: this.i } satisfies ArithPart;
        // Not arithmetic after all: `$( (…) )`, a command substitution holding a subshell.
      }
      return this.readCommandSubstitution(q);
    }
    if (d === C_LB) {
      this.i += 2;
      const expr = this.readArithWord(WordMode.ArithBracket);
      if (this.peek() !== C_RB) {
        this.recover(i0, '`$[`');
        return null;
      }
      this.i++;
      return { k: PK.Arith, expr, q, i0, i1: this.i };
    }
    if (d === C_LC) return readBraceParam(this, q);
    // $NAME, $1, $@ …
    this.i++;
    let name: string;
    if (isNameStart(d)) {
      const st = this.i;
      while (isNameChar(this.peek())) this.i++;
      name = this.s.slice(st, this.i);
    } else {
      name = String.fromCharCode(d);
      this.i++;
    }
    return plainParam(name, q, i0, this.i);
  }

  protected readCommandSubstitution(q: boolean): CmdSubPart {
    const i0 = this.i;
    this.i += 2;
    const bodyStart = this.i;
    const body = this.parseList(STOP_AT_PAREN, null);
    if (this.peek() !== C_RP) {
      this.recover(i0, '`$(`');
      return { k: PK.CmdSub, name: firstWord(this.s, bodyStart, this.i), body: null, q, i0, i1: this.i };
    }
    this.i++;
    return { k: PK.CmdSub, name: firstWord(this.s, bodyStart, this.i - 1), body, q, i0, i1: this.i };
  }

  readArithWord(mode: WordMode): Word {
    const i0 = this.i;
    const parts = this.readParts(mode, true);
    return { parts, i0, i1: this.i };
  }

  // ── How a `${…}` ends badly (shared by braceParam.ts and paramOps.ts) ─────────────────────────

  /** A `${` that runs to the end of the text. */
  unterminatedParam(p: ParamPart): ParamPart {
    this.recover(p.i0, '`${`');
    p.bad = 'unterminated ${';
    p.i1 = this.i;
    return p;
  }

  badParam(p: ParamPart, why: string): ParamPart {
    // Skip to the closing brace (counting nested ones) on this line.
    let depth = 1;
    let j = this.i;
    const le = this.eol(p.i0);
    for (; j < le; j++) {
      const e = this.s.charCodeAt(j);
      if (e === C_LC) depth++;
      else if (e === C_RC && --depth === 0) break;
    }
    this.i = j < le ? j + 1 : le;
    p.bad = why;
    p.i1 = this.i;
    this.diag(`${why}: \`${this.s.slice(p.i0, Math.min(p.i1, p.i0 + 40))}\``, p.i0, p.i1);
    return p;
  }
}
