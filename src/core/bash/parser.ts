// Recursive-descent bash parser over character codes. It never throws: malformed input yields a `bash-syntax`
// diagnostic and the parser resumes at the next line. Nesting deeper than MAX_DEPTH is skipped iteratively so a
// 5,000-deep `${…}` cannot exhaust the stack, and an unterminated construct re-scans at most MAX_RECOVERIES times.
import {
  PK,
  type ArithPart,
  type ArrayElem,
  type Assign,
  type Cmd,
  type CmdSubPart,
  type Heredoc,
  type LitPart,
  type ParamPart,
  type ParseDiag,
  type Part,
  type Redir,
  type SbatchLine,
  type SimpleCmd,
  type Word,
} from './ast';

const MAX_DEPTH = 120;
const MAX_RECOVERIES = 8;
const MAX_DIAGS = 50;
/** Real launch commands have a few hundred words; past this a (generated or hostile) line is skimmed, not parsed. */
const MAX_WORDS_PER_COMMAND = 2048;

// Word-reading modes: what ends the word.
const enum M {
  Normal, // shell metacharacters
  Test, // inside [[ ]]: like Normal, but < and > are word characters
  DQ, // inside "…"
  Heredoc, // heredoc body: runs to the limit, quotes are literal
  Param, // operand of ${X:-…}: ends at }
  ParamSlash, // pattern of ${X/pat/rep}: ends at / or }
  ParamColon, // offset of ${X:off:len}: ends at : or }
  Subscript, // A[…]: ends at ]
  Arith, // $(( … )): ends at the ) that closes depth 0
  ArithBracket, // $[ … ]: ends at ]
}

const C_TAB = 9;
const C_NL = 10;
const C_SP = 32;
const C_BANG = 33;
const C_DQ = 34;
const C_HASH = 35;
const C_DOLLAR = 36;
const C_AMP = 38;
const C_SQ = 39;
const C_LP = 40;
const C_RP = 41;
const C_STAR = 42;
const C_PLUS = 43;
const C_COLON = 58;
const C_SEMI = 59;
const C_LT = 60;
const C_EQ = 61;
const C_GT = 62;
const C_QM = 63;
const C_LB = 91;
const C_BS = 92;
const C_RB = 93;
const C_BT = 96;
const C_LC = 123;
const C_PIPE = 124;
const C_RC = 125;
const C_SLASH = 47;
const C_MINUS = 45;

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isBlank(c: number): boolean {
  return c === C_SP || c === C_TAB || c === 13;
}
function isMeta(c: number): boolean {
  return c === C_SP || c === C_TAB || c === C_NL || c === 13 || c === C_SEMI || c === C_AMP || c === C_PIPE || c === C_LT || c === C_GT || c === C_LP || c === C_RP;
}

// Characters that mean something in a mode (1 = stop the plain-text scan). Everything else is literal text.
function specialTable(chars: string, withBlanks: boolean): Uint8Array {
  const t = new Uint8Array(128);
  for (let k = 0; k < chars.length; k++) t[chars.charCodeAt(k)] = 1;
  if (withBlanks) for (const c of [9, 10, 11, 12, 13, 32]) t[c] = 1;
  return t;
}
const PLAIN_NORMAL = specialTable(';&|<>()\\\'"$`*?[', true);
const PLAIN_DQ = specialTable('"\\$`', false);
/** What the skim past an over-long command has to look at. */
const SKIM_STOP = /[\\'"(){}\n;&|]/g;

const RESERVED = new Set(['if', 'then', 'elif', 'else', 'fi', 'case', 'esac', 'for', 'select', 'while', 'until', 'do', 'done', 'function', 'in', '{', '}', '!', '[[', ']]', 'time']);
const DECL_BUILTINS = new Set(['declare', 'typeset', 'local', 'export', 'readonly']);

// Stop sets for lists: which reserved words / tokens end the list being parsed.
const S_PAREN = 1; // ')'
const S_CASE = 2; // ';;', ';&', ';;&'

export interface ParseResult {
  cmds: Cmd[];
  diags: ParseDiag[];
  sbatch: SbatchLine[];
}

export function parseScript(text: string): ParseResult {
  const p = new Parser(text);
  const cmds = p.parseList(0, null);
  return { cmds, diags: p.diags, sbatch: p.sbatch };
}

const STOP = Symbol('end of list');

/**
 * Top-level commands one at a time, as bash reads them: the interpreter runs each before the next is parsed, so
 * a file whose evaluation budget is spent early is not parsed to its end.
 */
export class ScriptReader {
  private p: Parser;
  constructor(text: string) {
    this.p = new Parser(text);
  }
  /** The next top-level command, null at the end of the text. */
  next(): Cmd | null {
    for (;;) {
      const c = this.p.parseListItem(0, null);
      if (c === STOP) return null;
      if (c) return c;
    }
  }
  get diags(): ParseDiag[] {
    return this.p.diags;
  }
  get sbatch(): SbatchLine[] {
    return this.p.sbatch;
  }
}

class Parser {
  s: string;
  n: number;
  i = 0;
  depth = 0;
  recoveries = 0;
  diags: ParseDiag[] = [];
  sbatch: SbatchLine[] = [];
  /** An arithmetic attempt already ran to the end without closing: later `((` are read as subshells (keeps `((((…` linear). */
  arithToEof = false;
  pending: { redir: Redir; delim: string; strip: boolean; quoted: boolean }[] = [];

  constructor(s: string) {
    this.s = s;
    this.n = s.length;
  }

  c(k = 0): number {
    const j = this.i + k;
    return j < this.n ? this.s.charCodeAt(j) : -1;
  }

  diag(message: string, i0: number, i1: number, severity: ParseDiag['severity'] = 'error'): void {
    if (this.diags.length >= MAX_DIAGS) return;
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
    if (this.recoveries === MAX_RECOVERIES + 1) this.diag('too many syntax errors; the rest of the file is not read', open, open + 1);
  }

  /** Skip blanks and `\`+newline continuations (never newlines themselves). */
  skipBlanks(): void {
    for (;;) {
      const c = this.c();
      if (isBlank(c)) this.i++;
      else if (c === C_BS && this.c(1) === C_NL) this.i += 2;
      else if (c === C_BS && this.c(1) === 13 && this.c(2) === C_NL) this.i += 3;
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
      if (k < 0 || this.s.charCodeAt(k) === C_NL) this.sbatch.push({ text: this.s.slice(start + 7, end), i0: start + 7 });
    }
    this.i = end;
  }

  /** Consume one newline and read any heredoc bodies that were waiting for it. */
  newline(): void {
    this.i++;
    if (this.pending.length) this.readHeredocs();
  }

  /** Skip blanks, comments and newlines (a linebreak between tokens). */
  skipLinebreaks(): void {
    for (;;) {
      this.skipBlanks();
      const c = this.c();
      if (c === C_NL) this.newline();
      else if (c === C_HASH) this.skipComment();
      else return;
    }
  }

  // ── Reserved words ────────────────────────────────────────────────────────────────────────────

  /** The reserved word at the cursor (in command position), or ''. */
  peekReserved(): string {
    const c = this.c();
    if (c === C_LC || c === C_RC || c === C_BANG) {
      const d = this.c(1);
      if (d === -1 || isMeta(d)) return String.fromCharCode(c);
      return '';
    }
    if (c === C_LB && this.c(1) === C_LB) {
      const d = this.c(2);
      return d === -1 || isBlank(d) || d === C_NL ? '[[' : '';
    }
    if (c === C_RB && this.c(1) === C_RB) {
      const d = this.c(2);
      return d === -1 || isMeta(d) ? ']]' : '';
    }
    if (!(c >= 97 && c <= 122)) return '';
    let j = this.i;
    while (j < this.n && j - this.i < 9) {
      const d = this.s.charCodeAt(j);
      if (d >= 97 && d <= 122) j++;
      else break;
    }
    const d = j < this.n ? this.s.charCodeAt(j) : -1;
    if (d !== -1 && !isMeta(d)) return '';
    const w = this.s.slice(this.i, j);
    return RESERVED.has(w) ? w : '';
  }

  expectReserved(w: string, open: number, opener: string): boolean {
    this.skipLinebreaks();
    if (this.peekReserved() === w) {
      this.i += w.length;
      return true;
    }
    this.diag(`\`${opener}\` without matching \`${w}\``, open, open + opener.length);
    return false;
  }

  // ── Lists ─────────────────────────────────────────────────────────────────────────────────────

  /** Parse commands until EOF, a stop token, or a reserved word in `stopWords`. */
  parseList(stops: number, stopWords: Set<string> | null): Cmd[] {
    const out: Cmd[] = [];
    if (++this.depth > MAX_DEPTH) {
      this.depth--;
      this.tooDeep();
      return out;
    }
    for (;;) {
      const cmd = this.parseListItem(stops, stopWords);
      if (cmd === STOP) break;
      if (cmd) out.push(cmd);
    }
    this.depth--;
    return out;
  }

  /** One command of a list (with its separator), null when only a stray token was skipped, STOP at the list's end. */
  parseListItem(stops: number, stopWords: Set<string> | null): Cmd | null | typeof STOP {
    this.skipLinebreaks();
    if (this.i >= this.n) return STOP;
    const c = this.c();
    if (c === C_RP) {
      if (stops & S_PAREN) return STOP;
      this.diag('unexpected `)`', this.i, this.i + 1);
      this.i++;
      return null;
    }
    if (c === C_SEMI) {
      if ((this.c(1) === C_SEMI || this.c(1) === C_AMP) && stops & S_CASE) return STOP;
      this.diag('unexpected `;`', this.i, this.i + 1);
      this.i += this.c(1) === C_SEMI ? 2 : 1;
      return null;
    }
    if (c === C_AMP || c === C_PIPE) {
      this.diag(`unexpected \`${String.fromCharCode(c)}\``, this.i, this.i + 1);
      this.i++;
      return null;
    }
    const r = this.peekReserved();
    if (r && stopWords && stopWords.has(r)) return STOP;
    if (r === 'then' || r === 'elif' || r === 'else' || r === 'fi' || r === 'do' || r === 'done' || r === 'esac' || r === '}' || r === 'in' || r === ']]') {
      this.diag(`unexpected \`${r}\``, this.i, this.i + r.length);
      this.i += r.length;
      return null;
    }
    const before = this.i;
    const cmd = this.parseAndOr();
    if (this.i === before) {
      this.diag(`unexpected \`${this.s[this.i]}\``, this.i, this.i + 1);
      this.i++;
      return null;
    }
    this.skipBlanks();
    const d = this.c();
    if (d === C_SEMI && this.c(1) !== C_SEMI && this.c(1) !== C_AMP) this.i++;
    else if (d === C_AMP && this.c(1) !== C_AMP) this.i++;
    if (this.pending.length) {
      // The command runs before the next one is parsed: its heredoc bodies must be read now.
      this.skipBlanks();
      if (this.c() === C_HASH) this.skipComment();
      if (this.c() === C_NL) this.newline();
    }
    return cmd;
  }

  /** Skip a too-deeply nested region: the rest of the line, iteratively. */
  tooDeep(): void {
    this.diag('nesting too deep; the rest of the line is not read', this.i, this.i + 1);
    this.i = this.eol(this.i);
  }

  parseAndOr(): Cmd | null {
    const first = this.parsePipeline();
    if (!first) return null;
    const rest: { op: '&&' | '||'; cmd: Cmd }[] = [];
    for (;;) {
      this.skipBlanks();
      const c = this.c();
      let op: '&&' | '||' | null = null;
      if (c === C_AMP && this.c(1) === C_AMP) op = '&&';
      else if (c === C_PIPE && this.c(1) === C_PIPE) op = '||';
      if (!op) break;
      this.i += 2;
      this.skipLinebreaks();
      const cmd = this.parsePipeline();
      if (!cmd) {
        this.diag(`missing command after \`${op}\``, this.i - 2, this.i);
        break;
      }
      rest.push({ op, cmd });
    }
    if (rest.length === 0) return first;
    return { t: 'andor', first, rest, i0: first.i0, i1: rest[rest.length - 1].cmd.i1 };
  }

  parsePipeline(): Cmd | null {
    this.skipBlanks();
    const i0 = this.i;
    let bang = false;
    for (;;) {
      const r = this.peekReserved();
      if (r === '!') {
        bang = !bang;
        this.i++;
        this.skipBlanks();
      } else if (r === 'time') {
        this.i += 4;
        this.skipBlanks();
        if (this.c() === C_MINUS && this.c(1) === 112 && isMeta(this.c(2))) this.i += 2;
        this.skipBlanks();
      } else break;
    }
    const first = this.parseCommand();
    if (!first) return null;
    const cmds = [first];
    for (;;) {
      this.skipBlanks();
      if (this.c() === C_PIPE && this.c(1) !== C_PIPE) {
        this.i += this.c(1) === C_AMP ? 2 : 1;
        this.skipLinebreaks();
        const cmd = this.parseCommand();
        if (!cmd) {
          this.diag('missing command after `|`', this.i - 1, this.i);
          break;
        }
        cmds.push(cmd);
      } else break;
    }
    if (cmds.length === 1 && !bang) return first;
    return { t: 'pipe', bang, cmds, i0, i1: cmds[cmds.length - 1].i1 };
  }

  parseCommand(): Cmd | null {
    this.skipBlanks();
    const i0 = this.i;
    const r = this.peekReserved();
    let cmd: Cmd | null = null;
    if (r) {
      if (++this.depth > MAX_DEPTH) {
        this.depth--;
        this.tooDeep();
        return null;
      }
      try {
        switch (r) {
          case 'if':
            cmd = this.parseIf(i0);
            break;
          case 'while':
          case 'until':
            cmd = this.parseWhile(i0, r === 'until');
            break;
          case 'for':
          case 'select':
            cmd = this.parseFor(i0, r === 'select');
            break;
          case 'case':
            cmd = this.parseCase(i0);
            break;
          case 'function':
            cmd = this.parseFunction(i0);
            break;
          case '{': {
            this.i++;
            const body = this.parseList(0, STOP_RBRACE);
            this.expectReserved('}', i0, '{');
            cmd = { t: 'group', body, redirs: [], i0, i1: this.i };
            break;
          }
          case '[[':
            cmd = this.parseTest(i0);
            break;
          default:
            return null;
        }
      } finally {
        this.depth--;
      }
      if (!cmd) return null;
      if (cmd.t !== 'func') cmd.i1 = this.i;
      this.parseTrailingRedirs(cmd);
      return cmd;
    }
    if (this.c() === C_LP) {
      if (++this.depth > MAX_DEPTH) {
        this.depth--;
        this.tooDeep();
        return null;
      }
      try {
        if (this.c(1) === C_LP) {
          const a = this.parseArithCommand(i0);
          if (a) return a;
        }
        this.i++;
        const body = this.parseList(S_PAREN, null);
        if (this.c() === C_RP) this.i++;
        else this.diag('`(` without matching `)`', i0, i0 + 1);
        const sub: Cmd = { t: 'subshell', body, redirs: [], i0, i1: this.i };
        this.parseTrailingRedirs(sub);
        return sub;
      } finally {
        this.depth--;
      }
    }
    return this.parseSimple(i0);
  }

  parseTrailingRedirs(cmd: Cmd): void {
    for (;;) {
      this.skipBlanks();
      if (!this.atRedir()) return;
      const r = this.parseRedir();
      if (cmd.t === 'group' || cmd.t === 'subshell') cmd.redirs.push(r);
    }
  }

  parseIf(i0: number): Cmd {
    this.i += 2;
    const clauses: { cond: Cmd[]; body: Cmd[] }[] = [];
    let elseBody: Cmd[] | null = null;
    let opener = 'if';
    let openAt = i0;
    for (;;) {
      const cond = this.parseList(0, STOP_THEN);
      if (!this.expectReserved('then', openAt, opener)) {
        clauses.push({ cond, body: [] });
        return { t: 'if', clauses, elseBody, i0, i1: this.i };
      }
      const body = this.parseList(0, STOP_ELSE);
      clauses.push({ cond, body });
      this.skipLinebreaks();
      const r = this.peekReserved();
      if (r === 'elif') {
        openAt = this.i;
        opener = 'elif';
        this.i += 4;
        continue;
      }
      if (r === 'else') {
        this.i += 4;
        elseBody = this.parseList(0, STOP_FI);
      }
      this.expectReserved('fi', i0, 'if');
      return { t: 'if', clauses, elseBody, i0, i1: this.i };
    }
  }

  parseWhile(i0: number, until: boolean): Cmd {
    this.i += 5;
    const cond = this.parseList(0, STOP_DO);
    if (!this.expectReserved('do', i0, until ? 'until' : 'while')) {
      // No `do`: what was read as the condition is the rest of the file; run it once rather than as a loop.
      return { t: 'group', body: cond, redirs: [], i0, i1: this.i };
    }
    const body = this.parseList(0, STOP_DONE);
    this.expectReserved('done', i0, 'do');
    return { t: 'while', until, cond, body, i0, i1: this.i };
  }

  parseFor(i0: number, select: boolean): Cmd {
    this.i += select ? 6 : 3;
    this.skipBlanks();
    let name = '';
    let words: Word[] | null = null;
    let arith: [Word, Word, Word] | null = null;
    if (!select && this.c() === C_LP && this.c(1) === C_LP) {
      const open = this.i;
      this.i += 2;
      const a = this.readArithWord(M.Arith);
      const parts = splitArithSemis(a);
      arith = parts;
      if (this.c() === C_RP && this.c(1) === C_RP) this.i += 2;
      else this.recover(open, '`for ((`');
      this.skipBlanks();
      if (this.c() === C_SEMI) this.i++;
    } else {
      const st = this.i;
      while (isNameChar(this.c())) this.i++;
      name = this.s.slice(st, this.i);
      if (!name) this.diag('`for` without a variable name', i0, i0 + 3);
      this.skipLinebreaks();
      if (this.peekReserved() === 'in') {
        this.i += 2;
        words = [];
        for (;;) {
          this.skipBlanks();
          const c = this.c();
          if (c === -1 || c === C_NL || c === C_SEMI || c === C_AMP || c === C_PIPE || c === C_RP || c === C_LP) break;
          if (c === C_HASH) {
            this.skipComment();
            break;
          }
          if (c === C_LT || c === C_GT) break;
          const w = this.parseWord(M.Normal);
          if (!w) break;
          words.push(w);
        }
        if (this.c() === C_SEMI) this.i++;
      } else if (this.c() === C_SEMI) this.i++;
    }
    let body: Cmd[] = [];
    this.skipLinebreaks();
    if (this.peekReserved() === '{') {
      // `for x in …; { …; }` (an old but valid form)
      const b0 = this.i;
      this.i++;
      body = this.parseList(0, STOP_RBRACE);
      this.expectReserved('}', b0, '{');
    } else if (this.expectReserved('do', i0, select ? 'select' : 'for')) {
      body = this.parseList(0, STOP_DONE);
      this.expectReserved('done', i0, 'do');
    }
    return { t: 'for', name, words, arith, select, body, i0, i1: this.i };
  }

  parseCase(i0: number): Cmd {
    this.i += 4;
    this.skipBlanks();
    const word = this.parseWord(M.Normal) ?? { parts: [], i0: this.i, i1: this.i };
    const items: { pats: Word[]; body: Cmd[]; term: string }[] = [];
    if (!this.expectReserved('in', i0, 'case')) return { t: 'case', word, items, i0, i1: this.i };
    for (;;) {
      this.skipLinebreaks();
      if (this.i >= this.n) {
        this.diag('`case` without matching `esac`', i0, i0 + 4);
        break;
      }
      if (this.peekReserved() === 'esac') {
        this.i += 4;
        break;
      }
      const before = this.i;
      if (this.c() === C_LP) this.i++;
      const pats: Word[] = [];
      for (;;) {
        this.skipBlanks();
        const w = this.parseWord(M.Normal);
        if (w) pats.push(w);
        this.skipBlanks();
        if (this.c() === C_PIPE) {
          this.i++;
          continue;
        }
        break;
      }
      if (this.c() === C_RP) this.i++;
      else {
        this.diag('expected `)` after a case pattern', this.i, this.i + 1);
        if (this.i === before) this.i = this.eol(this.i);
      }
      const body = this.parseList(S_CASE, STOP_ESAC);
      this.skipBlanks();
      let term = '';
      if (this.c() === C_SEMI && this.c(1) === C_SEMI) {
        term = this.c(2) === C_AMP ? ';;&' : ';;';
      } else if (this.c() === C_SEMI && this.c(1) === C_AMP) term = ';&';
      this.i += term.length;
      items.push({ pats, body, term });
      if (this.i === before) this.i++;
    }
    return { t: 'case', word, items, i0, i1: this.i };
  }

  parseFunction(i0: number): Cmd | null {
    this.i += 8;
    this.skipBlanks();
    const st = this.i;
    while (this.i < this.n && !isMeta(this.c())) this.i++;
    const name = this.s.slice(st, this.i);
    this.skipBlanks();
    if (this.c() === C_LP) {
      this.i++;
      this.skipBlanks();
      if (this.c() === C_RP) this.i++;
    }
    return this.parseFunctionBody(name, i0);
  }

  parseFunctionBody(name: string, i0: number): Cmd | null {
    this.skipLinebreaks();
    const body = this.parseCommand();
    if (!body) {
      this.diag(`function \`${name}\` has no body`, i0, this.i);
      return null;
    }
    return { t: 'func', name, body, i0, i1: this.i };
  }

  parseArithCommand(i0: number): Cmd | null {
    // `((` … `))`; if it does not close with `))` it was a nested subshell `( (`.
    if (this.arithToEof) return null;
    const save = this.i;
    const saveDiags = this.diags.length;
    const saveRec = this.recoveries;
    this.i += 2;
    const expr = this.readArithWord(M.Arith);
    if (this.c() === C_RP && this.c(1) === C_RP) {
      this.i += 2;
      return { t: 'arith', expr, i0, i1: this.i };
    }
    if (this.i >= this.n) this.arithToEof = true;
    this.i = save;
    this.diags.length = saveDiags;
    this.recoveries = saveRec;
    return null;
  }

  parseTest(i0: number): Cmd {
    this.i += 2;
    const words: Word[] = [];
    const ops: (string | null)[] = [];
    for (;;) {
      this.skipBlanks();
      const c = this.c();
      if (c === -1 || c === C_NL) {
        if (c === C_NL) {
          // A newline is allowed inside [[ ]]; keep reading.
          const k = this.i;
          this.newline();
          if (k < this.n) continue;
        }
        this.diag('`[[` without matching `]]`', i0, i0 + 2);
        break;
      }
      if (c === C_RB && this.c(1) === C_RB && (this.c(2) === -1 || isMeta(this.c(2)))) {
        this.i += 2;
        break;
      }
      let op: string | null = null;
      if (c === C_AMP && this.c(1) === C_AMP) op = '&&';
      else if (c === C_PIPE && this.c(1) === C_PIPE) op = '||';
      else if (c === C_LP) op = '(';
      else if (c === C_RP) op = ')';
      else if (c === C_SEMI || c === C_AMP || c === C_PIPE) {
        this.diag('`[[` without matching `]]`', i0, i0 + 2);
        break;
      }
      if (op) {
        words.push({ parts: [], i0: this.i, i1: this.i + op.length });
        ops.push(op);
        this.i += op.length;
        continue;
      }
      const w = this.parseWord(M.Test);
      if (!w) {
        this.i++;
        continue;
      }
      words.push(w);
      ops.push(null);
    }
    return { t: 'test', words, ops, i0, i1: this.i };
  }

  // ── Simple commands ───────────────────────────────────────────────────────────────────────────

  atRedir(): boolean {
    const c = this.c();
    if (c === C_LT) return this.c(1) !== C_LP; // <( is process substitution, a word
    if (c === C_GT) return this.c(1) !== C_LP;
    if (c === C_AMP && this.c(1) === C_GT) return true;
    if (isDigit(c)) {
      let k = 1;
      while (isDigit(this.c(k))) k++;
      const d = this.c(k);
      return d === C_LT || d === C_GT;
    }
    return false;
  }

  parseRedir(): Redir {
    const i0 = this.i;
    while (isDigit(this.c())) this.i++;
    let op = '';
    const c = this.c();
    if (c === C_AMP) {
      op = this.c(2) === C_GT ? '&>>' : '&>';
    } else if (c === C_LT) {
      if (this.c(1) === C_LT) op = this.c(2) === C_LT ? '<<<' : this.c(2) === C_MINUS ? '<<-' : '<<';
      else if (this.c(1) === C_AMP) op = '<&';
      else if (this.c(1) === C_GT) op = '<>';
      else op = '<';
    } else {
      if (this.c(1) === C_GT) op = '>>';
      else if (this.c(1) === C_AMP) op = '>&';
      else if (this.c(1) === C_PIPE) op = '>|';
      else op = '>';
    }
    this.i += op.length;
    this.skipBlanks();
    const target = this.parseWord(M.Normal);
    const r: Redir = { op, target, i0, i1: this.i };
    if (!target) this.diag(`missing target after \`${op}\``, i0, this.i);
    else if (op === '<<' || op === '<<-') {
      // Delimiter: quote removal; any quoting disables expansion in the body.
      let delim = '';
      let quoted = false;
      for (const p of target.parts) {
        if (p.q) quoted = true;
        if (p.k === PK.Lit) {
          delim += p.text;
          if (!p.raw) quoted = true;
        } else delim += this.s.slice(p.i0, p.i1);
      }
      this.pending.push({ redir: r, delim, strip: op === '<<-', quoted });
    }
    return r;
  }

  /** Read heredoc bodies, starting right after the newline that ended their command line. */
  readHeredocs(): void {
    const list = this.pending;
    this.pending = [];
    for (const h of list) {
      const b0 = this.i;
      let found = false;
      let bodyEnd = this.n;
      while (this.i < this.n) {
        const ls = this.i;
        const le = this.eol(ls);
        let k = ls;
        if (h.strip) while (k < le && this.s.charCodeAt(k) === C_TAB) k++;
        let e = le;
        if (e > k && this.s.charCodeAt(e - 1) === 13) e--;
        if (e - k === h.delim.length && this.s.startsWith(h.delim, k)) {
          bodyEnd = ls;
          this.i = le < this.n ? le + 1 : this.n;
          found = true;
          break;
        }
        this.i = le < this.n ? le + 1 : this.n;
      }
      if (!found) {
        bodyEnd = this.n;
        this.diag(`here-document delimited by end of file (wanted \`${h.delim}\`)`, h.redir.i0, h.redir.i1, 'warning');
      }
      const after = this.i;
      let body: Word;
      if (h.quoted) {
        const text = this.s.slice(b0, bodyEnd);
        body = { parts: text ? [{ k: PK.Lit, text, raw: true, glob: false, q: true, i0: b0, i1: bodyEnd }] : [], i0: b0, i1: bodyEnd };
      } else {
        const saveN = this.n;
        this.i = b0;
        this.n = bodyEnd;
        const parts = this.readParts(M.Heredoc, true);
        this.n = saveN;
        body = { parts, i0: b0, i1: bodyEnd };
      }
      this.i = after;
      const hd: Heredoc = { body, quoted: h.quoted };
      h.redir.heredoc = hd;
    }
  }

  /** `NAME=`, `NAME+=` or `NAME[…]=` at the cursor: length of the part before the value, else 0. */
  assignmentPrefix(): number {
    let j = this.i;
    if (!isNameStart(this.c())) return 0;
    while (j < this.n && isNameChar(this.s.charCodeAt(j))) j++;
    if (j < this.n && this.s.charCodeAt(j) === C_LB) {
      // Bounded so a long line of `a[` words stays linear.
      let depth = 0;
      const end = Math.min(this.n, j + 256);
      for (; j < end; j++) {
        const d = this.s.charCodeAt(j);
        if (d === C_LB) depth++;
        else if (d === C_RB) {
          if (--depth === 0) break;
        } else if (d === C_NL || d === C_SP || d === C_TAB || d === C_SEMI || d === C_AMP || d === C_PIPE) return 0;
      }
      if (j >= end) return 0;
      j++;
    }
    if (j < this.n && this.s.charCodeAt(j) === C_PLUS) j++;
    if (j < this.n && this.s.charCodeAt(j) === C_EQ) return j + 1 - this.i;
    return 0;
  }

  parseAssign(prefixLen: number): Assign {
    const i0 = this.i;
    let j = i0;
    while (isNameChar(this.s.charCodeAt(j))) j++;
    const name = this.s.slice(i0, j);
    let index: Word | null = null;
    const end = i0 + prefixLen;
    let append = false;
    if (this.s.charCodeAt(j) === C_LB) {
      this.i = j + 1;
      index = { parts: this.readParts(M.Subscript, false), i0: j + 1, i1: this.i };
      if (this.c() === C_RB) this.i++;
      j = this.i;
    }
    if (this.s.charCodeAt(end - 2) === C_PLUS) append = true;
    this.i = end;
    const v0 = this.i;
    if (this.c() === C_LP) {
      const array = this.parseArrayLiteral();
      return { name, index, append, value: null, array, i0, i1: this.i, v0, v1: this.i };
    }
    if (this.c() === C_LT && this.c(1) !== C_LT && this.c(1) !== C_LP && this.c(1) !== -1 && !isBlank(this.c(1))) {
      let gt = -1;
      const end = Math.min(this.n, this.i + 200);
      for (let k = this.i + 1; k < end; k++) {
        const e = this.s.charCodeAt(k);
        if (e === C_NL || e === C_LT) break;
        if (e === C_GT) {
          gt = k;
          break;
        }
      }
      if (gt >= 0) {
        // `<Specify path>/gpt2-vocab.json`: the rest of the word belongs to the placeholder value.
        let e = gt + 1;
        while (e < this.n && !isMeta(this.s.charCodeAt(e))) e++;
        const text = this.s.slice(this.i, e);
        this.i = e;
        return { name, index, append, value: null, array: null, i0, i1: this.i, v0, v1: this.i, placeholder: text };
      }
    }
    const value = this.parseWord(M.Normal) ?? { parts: [], i0: v0, i1: v0 };
    return { name, index, append, value, array: null, i0, i1: this.i, v0, v1: this.i };
  }

  parseArrayLiteral(): ArrayElem[] {
    const open = this.i;
    this.i++;
    const out: ArrayElem[] = [];
    for (;;) {
      this.skipLinebreaks();
      const c = this.c();
      if (c === -1) {
        this.recover(open, 'array `(`');
        return out;
      }
      if (c === C_RP) {
        this.i++;
        return out;
      }
      let key: Word | null = null;
      if (c === C_LB) {
        // `[key]=value` element
        const save = this.i;
        this.i++;
        const k0 = this.i;
        const parts = this.readParts(M.Subscript, false);
        if (this.c() === C_RB && this.c(1) === C_EQ) {
          key = { parts, i0: k0, i1: this.i };
          this.i += 2;
        } else this.i = save;
      }
      const v0 = this.i;
      const value = this.parseWord(M.Normal) ?? { parts: [], i0: v0, i1: v0 };
      if (!key && this.i === v0) {
        // A metacharacter that cannot appear here (`;`, `|`, `<`…)
        this.diag(`unexpected \`${this.s[this.i]}\` in array`, this.i, this.i + 1);
        this.i++;
        continue;
      }
      out.push({ key, value });
    }
  }

  parseSimple(i0: number): SimpleCmd | Cmd | null {
    const cmd: SimpleCmd = { t: 'simple', assigns: [], words: [], redirs: [], i0, i1: i0 };
    let decl = false;
    for (;;) {
      this.skipBlanks();
      const c = this.c();
      if (c === -1 || c === C_NL || c === C_SEMI || c === C_AMP || c === C_PIPE || c === C_RP) break;
      if (c === C_HASH) {
        this.skipComment();
        break;
      }
      if (this.atRedir()) {
        cmd.redirs.push(this.parseRedir());
        continue;
      }
      if (c === C_LP) {
        if (cmd.words.length === 1 && cmd.assigns.length === 0 && this.c(1) !== C_LP) {
          // name() { … }
          const w = cmd.words[0];
          const save = this.i;
          this.i++;
          this.skipBlanks();
          if (this.c() === C_RP) {
            this.i++;
            const name = this.s.slice(w.i0, w.i1);
            return this.parseFunctionBody(name, i0);
          }
          this.i = save;
        }
        this.diag('unexpected `(`', this.i, this.i + 1);
        this.i = this.eol(this.i);
        break;
      }
      if (cmd.words.length >= MAX_WORDS_PER_COMMAND) {
        this.diag(`more than ${MAX_WORDS_PER_COMMAND} words in one command; the rest are not read`, this.i, this.i + 1, 'warning');
        this.skipRestOfCommand();
        break;
      }
      if (cmd.words.length === 0 || decl) {
        const pre = this.assignmentPrefix();
        if (pre) {
          const a = this.parseAssign(pre);
          if (decl) cmd.words.push({ parts: [], i0: a.i0, i1: a.i1, assign: a });
          else cmd.assigns.push(a);
          continue;
        }
      }
      const w = this.parseWord(M.Normal);
      if (!w) {
        break;
      }
      if (cmd.words.length === 0 && w.parts.length === 1 && w.parts[0].k === PK.Lit && !w.parts[0].q && DECL_BUILTINS.has(w.parts[0].text)) decl = true;
      cmd.words.push(w);
    }
    cmd.i1 = this.i;
    if (cmd.words.length === 0 && cmd.assigns.length === 0 && cmd.redirs.length === 0) return null;
    // Trim trailing blanks/comment from the command's extent.
    let e = this.i;
    while (e > i0 && isBlank(this.s.charCodeAt(e - 1))) e--;
    const last = Math.max(cmd.words.length ? cmd.words[cmd.words.length - 1].i1 : i0, cmd.assigns.length ? cmd.assigns[cmd.assigns.length - 1].i1 : i0, cmd.redirs.length ? cmd.redirs[cmd.redirs.length - 1].i1 : i0);
    cmd.i1 = Math.min(e, Math.max(last, i0));
    return cmd;
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
      } else if (c === C_DQ) {
        let j = i + 1;
        while (j < n) {
          const d = s.charCodeAt(j);
          if (d === C_BS) j += 2;
          else if (d === C_DQ) break;
          else j++;
        }
        i = Math.min(n, j + 1);
      } else if (c === C_LP || c === C_LC) {
        depth++;
        i++;
      } else if ((c === C_RP || c === C_RC) && depth > 0) {
        depth--;
        i++;
      } else if (depth === 0 && c !== C_RC) break; // newline ; & | )
      else i++;
    }
    this.i = Math.min(i, n);
  }

  // ── Words ─────────────────────────────────────────────────────────────────────────────────────

  parseWord(mode: M): Word | null {
    const i0 = this.i;
    const parts = this.readParts(mode, false);
    if (this.i === i0) return null;
    return { parts, i0, i1: this.i };
  }

  /** Does the current mode end the word at the cursor? */
  stops(mode: M, c: number, parenDepth: number): boolean {
    switch (mode) {
      case M.Normal:
        return isMeta(c);
      case M.Test:
        return c === C_SP || c === C_TAB || c === C_NL || c === 13 || c === C_SEMI || c === C_AMP || c === C_PIPE || c === C_LP || c === C_RP;
      case M.DQ:
        return c === C_DQ;
      case M.Heredoc:
        return false;
      case M.Param:
        return c === C_RC;
      case M.ParamSlash:
        return c === C_RC || c === C_SLASH;
      case M.ParamColon:
        return c === C_RC || c === C_COLON;
      case M.Subscript:
        return c === C_RB;
      case M.Arith:
        return c === C_RP && parenDepth === 0;
      case M.ArithBracket:
        return c === C_RB;
      default:
        return isMeta(c);
    }
  }

  /**
   * Read word parts until the mode's terminator (not consumed). `q`: the surrounding context is quoted.
   */
  readParts(mode: M, q: boolean): Part[] {
    const parts: Part[] = [];
    const s = this.s;
    let runStart = -1; // start of a pending raw literal run
    let runGlob = false;
    let parenDepth = 0;
    const inDQ = mode === M.DQ || mode === M.Heredoc;
    const quotedCtx = q || inDQ;
    const flush = (end: number): void => {
      if (runStart >= 0 && end > runStart) {
        parts.push({ k: PK.Lit, text: s.slice(runStart, end), raw: true, glob: runGlob, q: quotedCtx, i0: runStart, i1: end });
      }
      runStart = -1;
      runGlob = false;
    };
    const plain = mode === M.Normal ? PLAIN_NORMAL : mode === M.DQ ? PLAIN_DQ : null;
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
      if (this.stops(mode, c, parenDepth)) break;
      if (mode === M.Arith) {
        if (c === C_LP) parenDepth++;
        else if (c === C_RP) parenDepth--;
      }
      if (c === C_BS) {
        const d = this.c(1);
        if (d === C_NL) {
          flush(this.i);
          this.i += 2;
          continue;
        }
        if (d === -1) {
          if (runStart < 0) runStart = this.i;
          this.i++;
          continue;
        }
        if (inDQ && !(d === C_DOLLAR || d === C_BT || d === C_DQ || d === C_BS)) {
          if (runStart < 0) runStart = this.i;
          this.i += 2;
          continue;
        }
        if (mode === M.Heredoc && d === C_DQ) {
          // In a heredoc \" stays as written.
          if (runStart < 0) runStart = this.i;
          this.i += 2;
          continue;
        }
        flush(this.i);
        // Escaped characters: one character of text for two of source. A run of them becomes one part.
        const j = scanEscapes(s, this.i + 2, Math.min(this.n, this.i + 8192), inDQ, mode === M.DQ);
        const text = j === this.i + 2 ? String.fromCharCode(d) : decodeEscapes(s, this.i, j);
        parts.push({ k: PK.Lit, text, raw: false, glob: false, q: true, i0: this.i, i1: j });
        this.i = j;
        continue;
      }
      if (c === C_SQ && !inDQ && !(q && (mode === M.Param || mode === M.ParamSlash || mode === M.ParamColon))) {
        flush(this.i);
        const open = this.i;
        const close = s.indexOf("'", open + 1);
        if (close < 0 || close >= this.n) {
          this.recover(open, 'single quote');
          return parts;
        }
        if (close > open + 1) parts.push({ k: PK.Lit, text: s.slice(open + 1, close), raw: true, glob: false, q: true, i0: open + 1, i1: close });
        else parts.push({ k: PK.Lit, text: '', raw: true, glob: false, q: true, i0: open + 1, i1: close });
        this.i = close + 1;
        continue;
      }
      if (c === C_DQ && !inDQ) {
        flush(this.i);
        const open = this.i;
        this.i++;
        if (++this.depth > MAX_DEPTH) {
          this.depth--;
          this.tooDeep();
          return parts;
        }
        const inner = this.readParts(M.DQ, true);
        this.depth--;
        if (this.c() !== C_DQ) {
          if (this.i >= this.n) this.recover(open, 'double quote');
          return parts;
        }
        this.i++;
        if (inner.length === 0) {
          // An empty quote only marks the word as quoted; one mark is enough (a run of them stays one part).
          const last = parts[parts.length - 1];
          if (!(last && last.k === PK.Lit && last.q && last.text === '')) parts.push({ k: PK.Lit, text: '', raw: true, glob: false, q: true, i0: open + 1, i1: open + 1 });
        }
        else for (const p of inner) parts.push(p);
        continue;
      }
      if (c === C_DOLLAR) {
        const d = this.c(1);
        if (d === C_SQ && !inDQ) {
          flush(this.i);
          this.readAnsiC(parts);
          continue;
        }
        if (d === C_DQ && !inDQ) {
          // $"…" (locale translation): a double-quoted string.
          flush(this.i);
          this.i++;
          continue;
        }
        if (d === C_LP || d === C_LC || d === C_LB || isNameStart(d) || isDigit(d) || d === 64 || d === C_STAR || d === C_HASH || d === C_QM || d === C_DOLLAR || d === C_BANG || d === C_MINUS) {
          flush(this.i);
          if (++this.depth > MAX_DEPTH) {
            this.depth--;
            this.skipTooDeepExpansion(parts, quotedCtx);
            continue;
          }
          const p = this.readDollar(quotedCtx);
          this.depth--;
          if (p) parts.push(p);
          continue;
        }
      }
      if (c === C_BT) {
        flush(this.i);
        this.readBackticks(parts, quotedCtx);
        continue;
      }
      if (!quotedCtx && (c === C_STAR || c === C_QM || c === C_LB) && mode !== M.Subscript && mode !== M.Arith && mode !== M.ArithBracket) {
        if (runStart < 0) runStart = this.i;
        if (c !== C_LB || this.closesBracket()) runGlob = true;
        this.i++;
        continue;
      }
      if (runStart < 0) runStart = this.i;
      this.i++;
    }
    flush(this.i);
    return parts;
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
    const d = this.c(1);
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
    parts.push({ k: PK.Param, name: '', sub: null, all: '', length: false, indirect: false, op: '', arg: null, arg2: null, bad: 'expansion nested too deeply', q, i0: open, i1: this.i });
  }

  readAnsiC(parts: Part[]): void {
    const open = this.i;
    this.i += 2;
    let text = '';
    while (this.i < this.n) {
      const c = this.s.charCodeAt(this.i);
      if (c === C_SQ) break;
      if (c === C_BS && this.i + 1 < this.n) {
        const d = this.s[this.i + 1];
        this.i += 2;
        switch (d) {
          case 'n': text += '\n'; break;
          case 't': text += '\t'; break;
          case 'r': text += '\r'; break;
          case 'a': text += '\x07'; break;
          case 'b': text += '\b'; break;
          case 'e': case 'E': text += '\x1b'; break;
          case 'f': text += '\f'; break;
          case 'v': text += '\v'; break;
          case '\\': text += '\\'; break;
          case "'": text += "'"; break;
          case '"': text += '"'; break;
          case '?': text += '?'; break;
          case 'x': {
            let k = 0;
            let v = 0;
            while (k < 2 && this.i < this.n && /[0-9a-fA-F]/.test(this.s[this.i])) {
              v = v * 16 + parseInt(this.s[this.i], 16);
              this.i++;
              k++;
            }
            text += k ? String.fromCharCode(v) : '\\x';
            break;
          }
          default:
            if (d >= '0' && d <= '7') {
              let v = d.charCodeAt(0) - 48;
              let k = 1;
              while (k < 3 && this.i < this.n && this.s[this.i] >= '0' && this.s[this.i] <= '7') {
                v = v * 8 + (this.s.charCodeAt(this.i) - 48);
                this.i++;
                k++;
              }
              text += String.fromCharCode(v & 255);
            } else text += '\\' + d;
        }
        continue;
      }
      text += this.s[this.i];
      this.i++;
    }
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

  /** Cursor at `$` followed by something expandable. */
  readDollar(q: boolean): Part | null {
    const i0 = this.i;
    const d = this.c(1);
    if (d === C_LP) {
      if (this.c(2) === C_LP && !this.arithToEof) {
        const save = this.i;
        const saveDiags = this.diags.length;
        const saveRec = this.recoveries;
        this.i += 3;
        const expr = this.readArithWord(M.Arith);
        if (this.c() === C_RP && this.c(1) === C_RP) {
          this.i += 2;
          return { k: PK.Arith, expr, q, i0, i1: this.i } satisfies ArithPart;
        }
        // Not arithmetic after all: `$( (…) )`, a command substitution holding a subshell.
        if (this.i >= this.n) this.arithToEof = true;
        this.i = save;
        this.diags.length = saveDiags;
        this.recoveries = saveRec;
      }
      this.i += 2;
      const b0 = this.i;
      const body = this.parseList(S_PAREN, null);
      if (this.c() !== C_RP) {
        this.recover(i0, '`$(`');
        return { k: PK.CmdSub, name: firstWord(this.s, b0, this.i), body: null, q, i0, i1: this.i } satisfies CmdSubPart;
      }
      this.i++;
      return { k: PK.CmdSub, name: firstWord(this.s, b0, this.i - 1), body, q, i0, i1: this.i } satisfies CmdSubPart;
    }
    if (d === C_LB) {
      this.i += 2;
      const expr = this.readArithWord(M.ArithBracket);
      if (this.c() !== C_RB) {
        this.recover(i0, '`$[`');
        return null;
      }
      this.i++;
      return { k: PK.Arith, expr, q, i0, i1: this.i };
    }
    if (d === C_LC) return this.readBraceParam(q);
    // $NAME, $1, $@ …
    this.i++;
    let name: string;
    if (isNameStart(d)) {
      const st = this.i;
      while (isNameChar(this.c())) this.i++;
      name = this.s.slice(st, this.i);
    } else {
      name = String.fromCharCode(d);
      this.i++;
    }
    return { k: PK.Param, name, sub: null, all: '', length: false, indirect: false, op: '', arg: null, arg2: null, q, i0, i1: this.i };
  }

  readArithWord(mode: M): Word {
    const i0 = this.i;
    const parts = this.readParts(mode, true);
    return { parts, i0, i1: this.i };
  }

  readBraceParam(q: boolean): Part {
    const i0 = this.i;
    this.i += 2;
    const p: ParamPart = { k: PK.Param, name: '', sub: null, all: '', length: false, indirect: false, op: '', arg: null, arg2: null, q, i0, i1: i0 };
    let c = this.c();
    if (c === C_HASH && this.c(1) !== C_RC && this.c(1) !== -1) {
      const e = this.c(1);
      if (isNameStart(e) || isDigit(e) || e === 64 || e === C_STAR || e === C_HASH || e === C_QM || e === C_BANG || e === C_DOLLAR || e === C_MINUS) {
        p.length = true;
        this.i++;
        c = this.c();
      }
    } else if (c === C_BANG && this.c(1) !== C_RC) {
      p.indirect = true;
      this.i++;
      c = this.c();
    }
    if (isNameStart(c)) {
      const st = this.i;
      while (isNameChar(this.c())) this.i++;
      p.name = this.s.slice(st, this.i);
    } else if (isDigit(c)) {
      const st = this.i;
      while (isDigit(this.c())) this.i++;
      p.name = this.s.slice(st, this.i);
    } else if (c === 64 || c === C_STAR || c === C_HASH || c === C_QM || c === C_BANG || c === C_DOLLAR || c === C_MINUS) {
      p.name = String.fromCharCode(c);
      this.i++;
    } else {
      return this.badParam(p, 'bad substitution');
    }
    if (this.c() === C_LB) {
      this.i++;
      const e = this.c();
      if ((e === 64 || e === C_STAR) && this.c(1) === C_RB) {
        p.all = e === 64 ? '@' : '*';
        this.i += 2;
      } else {
        const s0 = this.i;
        const parts = this.readParts(M.Subscript, true);
        if (this.c() !== C_RB) {
          if (this.i >= this.n) {
            this.recover(i0, '`${`');
            p.i1 = this.i;
            p.bad = 'unterminated ${';
            return p;
          }
          return this.badParam(p, 'bad subscript');
        }
        p.sub = { parts, i0: s0, i1: this.i };
        this.i++;
      }
    }
    if (p.indirect && (this.c() === C_STAR || this.c() === 64) && this.c(1) === C_RC) {
      this.i += 2;
      p.bad = '${!prefix*} lists variable names at run time';
      p.i1 = this.i;
      return p;
    }
    c = this.c();
    if (c === C_RC) {
      this.i++;
      p.i1 = this.i;
      return p;
    }
    if (c === -1) {
      this.recover(i0, '`${`');
      p.bad = 'unterminated ${';
      p.i1 = this.i;
      return p;
    }
    // Operator
    const two = this.s.substr(this.i, 2);
    let op = '';
    if (two === ':-' || two === ':=' || two === ':+' || two === ':?' || two === '##' || two === '%%' || two === '//' || two === '/#' || two === '/%' || two === '^^' || two === ',,') op = two;
    else if (c === C_MINUS || c === C_EQ || c === C_PLUS || c === C_QM || c === C_HASH || c === 37 || c === C_SLASH || c === 94 || c === 44 || c === C_COLON || c === 64) op = String.fromCharCode(c);
    if (!op) return this.badParam(p, 'bad substitution');
    this.i += op.length;
    p.op = op;
    if (op === ':') {
      const a0 = this.i;
      p.arg = { parts: this.readParts(M.ParamColon, true), i0: a0, i1: this.i };
      if (this.c() === C_COLON) {
        this.i++;
        const b0 = this.i;
        p.arg2 = { parts: this.readParts(M.Param, true), i0: b0, i1: this.i };
      }
    } else if (op === '/' || op === '//' || op === '/#' || op === '/%') {
      const a0 = this.i;
      p.arg = { parts: this.readParts(M.ParamSlash, q), i0: a0, i1: this.i };
      if (this.c() === C_SLASH) {
        this.i++;
        const b0 = this.i;
        p.arg2 = { parts: this.readParts(M.Param, q), i0: b0, i1: this.i };
      }
    } else {
      const a0 = this.i;
      p.arg = { parts: this.readParts(M.Param, q), i0: a0, i1: this.i };
    }
    if (this.c() !== C_RC) {
      if (this.i >= this.n) {
        this.recover(i0, '`${`');
        p.bad = 'unterminated ${';
        p.i1 = this.i;
        return p;
      }
      return this.badParam(p, 'bad substitution');
    }
    this.i++;
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

const STOP_THEN = new Set(['then']);
const STOP_ELSE = new Set(['elif', 'else', 'fi']);
const STOP_FI = new Set(['fi']);
const STOP_DO = new Set(['do']);
const STOP_DONE = new Set(['done']);
const STOP_ESAC = new Set(['esac']);
const STOP_RBRACE = new Set(['}']);

// Hot character loops live in small functions of their own, so V8 optimises them whatever else the parser sees.

/** End of the run of characters from `i` that mean nothing in the mode whose table is `special`. */
function scanPlain(s: string, i: number, n: number, special: Uint8Array): number {
  while (i < n) {
    const e = s.charCodeAt(i);
    if (e < 128 && special[e] === 1) break;
    i++;
  }
  return i;
}

/** End of a run of backslash escapes starting at `j` (each `\X` pair one escaped character). */
function scanEscapes(s: string, j: number, end: number, inDQ: boolean, dq: boolean): number {
  while (j + 1 < end && s.charCodeAt(j) === C_BS) {
    const e = s.charCodeAt(j + 1);
    if (e === C_NL || (inDQ && !(e === C_DOLLAR || e === C_BT || e === C_BS || (e === C_DQ && dq)))) break;
    j += 2;
  }
  return j;
}

/** The escaped characters of the pairs in [i, j). */
function decodeEscapes(s: string, i: number, j: number): string {
  const codes: number[] = [];
  for (let k = i + 1; k < j; k += 2) codes.push(s.charCodeAt(k));
  return String.fromCharCode.apply(null, codes);
}

function firstWord(s: string, a: number, b: number): string {
  let i = a;
  while (i < b && (isBlank(s.charCodeAt(i)) || s.charCodeAt(i) === C_NL)) i++;
  let j = i;
  while (j < b && !isMeta(s.charCodeAt(j))) j++;
  return s.slice(i, Math.min(j, i + 40));
}

/** Split the word of `for ((a; b; c))` at top-level semicolons of its literal parts. */
function splitArithSemis(w: Word): [Word, Word, Word] {
  const out: Word[] = [{ parts: [], i0: w.i0, i1: w.i0 }];
  for (const p of w.parts) {
    if (p.k !== PK.Lit) {
      out[out.length - 1].parts.push(p);
      continue;
    }
    let from = 0;
    for (let k = 0; k < p.text.length; k++) {
      if (p.text.charCodeAt(k) === C_SEMI && out.length < 3) {
        if (k > from) out[out.length - 1].parts.push(litSlice(p, from, k));
        out.push({ parts: [], i0: p.i0 + k + 1, i1: p.i0 + k + 1 });
        from = k + 1;
      }
    }
    if (from < p.text.length) out[out.length - 1].parts.push(litSlice(p, from, p.text.length));
  }
  while (out.length < 3) out.push({ parts: [], i0: w.i1, i1: w.i1 });
  return [out[0], out[1], out[2]];
}

function litSlice(p: LitPart, a: number, b: number): LitPart {
  return { k: PK.Lit, text: p.text.slice(a, b), raw: p.raw, glob: p.glob, q: p.q, i0: p.raw ? p.i0 + a : p.i0, i1: p.raw ? p.i0 + b : p.i1 };
}

