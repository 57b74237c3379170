// The cursor under the lexer and the parser: position, diagnostics with error recovery, blanks, comments,
// `#SBATCH` directives and reserved words. Nothing here builds words or commands.
import type { ParseDiag, SbatchLine } from './ast';
import {
  C_BANG,
  C_BS,
  C_CR,
  C_DQ,
  C_LB,
  C_LC,
  C_LP,
  C_NL,
  C_RB,
  C_RC,
  C_RP,
  C_SQ,
  EOF,
  SKIM_STOP,
  isBlank,
  isMeta,
} from './chars';
import { MAX_PARSE_DIAGS, MAX_RECOVERIES } from '../limits';

const RESERVED = new Set([
  'if',
  'then',
  'elif',
  'else',
  'fi',
  'case',
  'esac',
  'for',
  'select',
  'while',
  'until',
  'do',
  'done',
  'function',
  'in',
  '{',
  '}',
  '!',
  '[[',
  ']]',
  'time',
]);

export class Scanner {
  /** The text being parsed (the document, or a derived text such as an `eval` string). */
  readonly s: string;
  /** End of the stretch being read: the text's length, or a heredoc body's end while that body is lexed. */
  n: number;
  i = 0;
  /** Nesting of lists, compound commands, quotes and expansions (bounded by MAX_PARSE_DEPTH). */
  depth = 0;
  recoveries = 0;
  diags: ParseDiag[] = [];
  sbatch: SbatchLine[] = [];

  constructor(s: string) {
    this.s = s;
    this.n = s.length;
  }

  /** Character code `k` places after the cursor, EOF past the end. */
  peek(k = 0): number {
    const j = this.i + k;
    return j < this.n ? this.s.charCodeAt(j) : EOF;
  }

  diag(message: string, i0: number, i1: number, severity: ParseDiag['severity'] = 'error'): void {
    if (this.diags.length >= MAX_PARSE_DIAGS) return;
    this.diags.push({ code: 'bash-syntax', severity, message, i0, i1: Math.max(i1, i0 + 1) });
  }

  /** Index of the newline ending the line that contains `at` (or the end). */
  eol(at: number): number {
    const k = this.s.indexOf('\n', at);
    return k < 0 || k > this.n ? this.n : k;
  }

  /** An unterminated construct opened at `open`: report it and resume at the end of that line. */
  recover(open: number, what: string): void {
    this.diag(`unterminated ${what}`, open, open + 1);
    this.recoveries++;
    // Resume at the end of the opener's line (possibly behind the cursor: that text is read again as commands).
    this.i = this.recoveries > MAX_RECOVERIES ? this.n : this.eol(open);
    if (this.recoveries === MAX_RECOVERIES + 1)
      this.diag('too many syntax errors; the rest of the file is not read', open, open + 1);
  }

  /** Skip a too-deeply nested region: the rest of the line, iteratively. */
  tooDeep(): void {
    this.diag('nesting too deep; the rest of the line is not read', this.i, this.i + 1);
    this.i = this.eol(this.i);
  }

  /** Skip blanks and `\`+newline continuations (never newlines themselves). */
  skipBlanks(): void {
    for (;;) {
      const c = this.peek();
      if (isBlank(c)) this.i++;
      else if (c === C_BS && this.peek(1) === C_NL) this.i += 2;
      else if (c === C_BS && this.peek(1) === C_CR && this.peek(2) === C_NL) this.i += 3;
      else return;
    }
  }

  /** At a `#` that starts a comment: skip to (not past) the newline, noting #SBATCH directives. */
  skipComment(): void {
    const start = this.i;
    const end = this.eol(start);
    if (this.s.startsWith('#SBATCH', start)) {
      // Only a directive when it starts its line (after optional blanks).
      let k = start - 1;
      while (k >= 0 && isBlank(this.s.charCodeAt(k))) k--;
      if (k < 0 || this.s.charCodeAt(k) === C_NL)
        this.sbatch.push({ text: this.s.slice(start + 7, end), i0: start + 7 });
    }
    this.i = end;
  }

  /** The reserved word at the cursor (in command position), or ''. */
  peekReserved(): string {
    const c = this.peek();
    if (c === C_LC || c === C_RC || c === C_BANG) {
      const d = this.peek(1);
      if (d === EOF || isMeta(d)) return String.fromCharCode(c);
      return '';
    }
    if (c === C_LB && this.peek(1) === C_LB) {
      const d = this.peek(2);
      return d === EOF || isBlank(d) || d === C_NL ? '[[' : '';
    }
    if (c === C_RB && this.peek(1) === C_RB) {
      const d = this.peek(2);
      return d === EOF || isMeta(d) ? ']]' : '';
    }
    if (!(c >= 97 && c <= 122)) return '';
    let j = this.i;
    while (j < this.n && j - this.i < 9) {
      const d = this.s.charCodeAt(j);
      if (d >= 97 && d <= 122) j++;
      else break;
    }
    const d = j < this.n ? this.s.charCodeAt(j) : EOF;
    if (d !== EOF && !isMeta(d)) return '';
    const w = this.s.slice(this.i, j);
    return RESERVED.has(w) ? w : '';
  }

  /** Skim to the end of the current command without building words: quotes, escapes and brackets only. */
  skipRestOfCommand(): void {
    const s = this.s;
    const n = this.n;
    let depth = 0;
    let i = this.i;
    while (i < n) {
      // Jump natively to the next character that matters.
      SKIM_STOP.lastIndex = i;
      if (!SKIM_STOP.test(s)) {
        i = n;
        break;
      }
      i = SKIM_STOP.lastIndex - 1;
      if (i >= n) break;
      const c = s.charCodeAt(i);
      if (c === C_BS) i += 2;
      else if (c === C_SQ) {
        const e = s.indexOf("'", i + 1);
        i = e < 0 || e >= n ? n : e + 1;
      } else if (c === C_DQ) i = skipDoubleQuoted(s, i + 1, n);
      else if (c === C_LP || c === C_LC) {
        depth++;
        i++;
      } else if ((c === C_RP || c === C_RC) && depth > 0) {
        depth--;
        i++;
      } else if (depth === 0 && c !== C_RC)
        break; // newline ; & | )
      else i++;
    }
    this.i = Math.min(i, n);
  }
}

/** From just inside a `"`: the index after its closing quote (or `n`). */
function skipDoubleQuoted(s: string, j: number, n: number): number {
  while (j < n) {
    const d = s.charCodeAt(j);
    if (d === C_BS) j += 2;
    else if (d === C_DQ) break;
    else j++;
  }
  return Math.min(n, j + 1);
}
