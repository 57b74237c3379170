// Recursive-descent bash parser over character codes: lists, and-or lists, pipelines and compound commands (if,
// while/until, for/select, case, functions, groups, subshells, `((…))`, `[[…]]`). It never throws: malformed input
// yields a `bash-syntax` diagnostic and the parser resumes at the next line. Nesting deeper than MAX_PARSE_DEPTH is
// skipped iteratively, and an unterminated construct re-scans at most MAX_RECOVERIES times (limits.ts).
import { PK, type Cmd, type LitPart, type Word } from './ast';
import {
  C_AMP,
  C_LP,
  C_LT,
  C_GT,
  C_HASH,
  C_MINUS,
  C_LOWER_P,
  C_NL,
  C_PIPE,
  C_RB,
  C_RP,
  C_SEMI,
  EOF,
  isMeta,
  isNameChar,
} from './chars';
import { STOP_AT_CASE_END, STOP_AT_PAREN } from './lexer';
import { SimpleCommandParser } from './simple';
import { WordMode } from './wordMode';
import { MAX_PARSE_DEPTH } from '../limits';

/** parseListItem's answer at the end of a list. */
export const STOP = Symbol('end of list');

export class Parser extends SimpleCommandParser {
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
    if (++this.depth > MAX_PARSE_DEPTH) {
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
    const c = this.peek();
    if (c === C_RP) {
      if (stops & STOP_AT_PAREN) return STOP;
      this.diag('unexpected `)`', this.i, this.i + 1);
      this.i++;
      return null;
    }
    if (c === C_SEMI) {
      if ((this.peek(1) === C_SEMI || this.peek(1) === C_AMP) && stops & STOP_AT_CASE_END) return STOP;
      this.diag('unexpected `;`', this.i, this.i + 1);
      this.i += this.peek(1) === C_SEMI ? 2 : 1;
      return null;
    }
    if (c === C_AMP || c === C_PIPE) {
      this.diag(`unexpected \`${String.fromCharCode(c)}\``, this.i, this.i + 1);
      this.i++;
      return null;
    }
    const r = this.peekReserved();
    if (r && stopWords && stopWords.has(r)) return STOP;
    if (
      r === 'then' ||
      r === 'elif' ||
      r === 'else' ||
      r === 'fi' ||
      r === 'do' ||
      r === 'done' ||
      r === 'esac' ||
      r === '}' ||
      r === 'in' ||
      r === ']]'
    ) {
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
    const d = this.peek();
    if (d === C_SEMI && this.peek(1) !== C_SEMI && this.peek(1) !== C_AMP) this.i++;
    else if (d === C_AMP && this.peek(1) !== C_AMP) this.i++;
    if (this.pending.length) {
      // The command runs before the next one is parsed: its heredoc bodies must be read now.
      this.skipBlanks();
      if (this.peek() === C_HASH) this.skipComment();
      if (this.peek() === C_NL) this.newline();
    }
    return cmd;
  }

  parseAndOr(): Cmd | null {
    const first = this.parsePipeline();
    if (!first) return null;
    const rest: { op: '&&' | '||'; cmd: Cmd }[] = [];
    for (;;) {
      this.skipBlanks();
      const c = this.peek();
      let op: '&&' | '||' | null = null;
      if (c === C_AMP && this.peek(1) === C_AMP) op = '&&';
      else if (c === C_PIPE && this.peek(1) === C_PIPE) op = '||';
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
    return { t: 'andor', first, rest, i0: first.i0, i1: rest[rest.length - 1]!.cmd.i1 }; // rest is not empty
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
        if (this.peek() === C_MINUS && this.peek(1) === C_LOWER_P && isMeta(this.peek(2))) this.i += 2;
        this.skipBlanks();
      } else break;
    }
    const first = this.parseCommand();
    if (!first) return null;
    const cmds = [first];
    for (;;) {
      this.skipBlanks();
      if (this.peek() === C_PIPE && this.peek(1) !== C_PIPE) {
        this.i += this.peek(1) === C_AMP ? 2 : 1;
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
    return { t: 'pipe', bang, cmds, i0, i1: cmds[cmds.length - 1]!.i1 }; // cmds holds `first` at least
  }

  parseCommand(): Cmd | null {
    this.skipBlanks();
    const i0 = this.i;
    const r = this.peekReserved();
    if (r) {
      if (++this.depth > MAX_PARSE_DEPTH) {
        this.depth--;
        this.tooDeep();
        return null;
      }
      let cmd: Cmd | null;
      try {
        cmd = this.parseCompound(r, i0);
      } finally {
        this.depth--;
      }
      if (!cmd) return null;
      if (cmd.t !== 'func') cmd.i1 = this.i;
      this.parseTrailingRedirs(cmd);
      return cmd;
    }
    if (this.peek() === C_LP) {
      if (++this.depth > MAX_PARSE_DEPTH) {
        this.depth--;
        this.tooDeep();
        return null;
      }
      try {
        if (this.peek(1) === C_LP) {
          const a = this.parseArithCommand(i0);
          if (a) return a;
        }
        this.i++;
        const body = this.parseList(STOP_AT_PAREN, null);
        if (this.peek() === C_RP) this.i++;
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

  /** The compound command opened by reserved word `r` at `i0`; null when `r` opens none. */
  parseCompound(r: string, i0: number): Cmd | null {
    switch (r) {
      case 'if':
        return this.parseIf(i0);
      case 'while':
      case 'until':
        return this.parseWhile(i0, r === 'until');
      case 'for':
      case 'select':
        return this.parseFor(i0, r === 'select');
      case 'case':
        return this.parseCase(i0);
      case 'function':
        return this.parseFunction(i0);
      case '{': {
        this.i++;
        const body = this.parseList(0, STOP_RBRACE);
        this.expectReserved('}', i0, '{');
        return { t: 'group', body, redirs: [], i0, i1: this.i };
      }
      case '[[':
        return this.parseTest(i0);
      default:
        return null;
    }
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
    if (!select && this.peek() === C_LP && this.peek(1) === C_LP) {
      const open = this.i;
      this.i += 2;
      const a = this.readArithWord(WordMode.Arith);
      const parts = splitArithSemis(a);
      arith = parts;
      if (this.peek() === C_RP && this.peek(1) === C_RP) this.i += 2;
      else this.recover(open, '`for ((`');
      this.skipBlanks();
      if (this.peek() === C_SEMI) this.i++;
    } else {
      const st = this.i;
      while (isNameChar(this.peek())) this.i++;
      name = this.s.slice(st, this.i);
      if (!name) this.diag('`for` without a variable name', i0, i0 + 3);
      this.skipLinebreaks();
      if (this.peekReserved() === 'in') {
        this.i += 2;
        words = [];
        for (;;) {
          this.skipBlanks();
          const c = this.peek();
          if (c === EOF || c === C_NL || c === C_SEMI || c === C_AMP || c === C_PIPE || c === C_RP || c === C_LP) break;
          if (c === C_HASH) {
            this.skipComment();
            break;
          }
          if (c === C_LT || c === C_GT) break;
          const w = this.parseWord(WordMode.Normal);
          if (!w) break;
          words.push(w);
        }
        if (this.peek() === C_SEMI) this.i++;
      } else if (this.peek() === C_SEMI) this.i++;
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
    const word = this.parseWord(WordMode.Normal) ?? { parts: [], i0: this.i, i1: this.i };
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
      if (this.peek() === C_LP) this.i++;
      const pats: Word[] = [];
      for (;;) {
        this.skipBlanks();
        const w = this.parseWord(WordMode.Normal);
        if (w) pats.push(w);
        this.skipBlanks();
        if (this.peek() === C_PIPE) {
          this.i++;
          continue;
        }
        break;
      }
      if (this.peek() === C_RP) this.i++;
      else {
        this.diag('expected `)` after a case pattern', this.i, this.i + 1);
        if (this.i === before) this.i = this.eol(this.i);
      }
      const body = this.parseList(STOP_AT_CASE_END, STOP_ESAC);
      this.skipBlanks();
      let term = '';
      if (this.peek() === C_SEMI && this.peek(1) === C_SEMI) {
        term = this.peek(2) === C_AMP ? ';;&' : ';;';
      } else if (this.peek() === C_SEMI && this.peek(1) === C_AMP) term = ';&';
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
    while (this.i < this.n && !isMeta(this.peek())) this.i++;
    const name = this.s.slice(st, this.i);
    this.skipBlanks();
    if (this.peek() === C_LP) {
      this.i++;
      this.skipBlanks();
      if (this.peek() === C_RP) this.i++;
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

  /** `((` … `))`; if it does not close with `))` it was a nested subshell `( (`. */
  parseArithCommand(i0: number): Cmd | null {
    const expr = this.readClosedArith(2);
    return expr ? { t: 'arith', expr, i0, i1: this.i } : null;
  }

  parseTest(i0: number): Cmd {
    this.i += 2;
    const words: Word[] = [];
    const ops: (string | null)[] = [];
    for (;;) {
      this.skipBlanks();
      const c = this.peek();
      if (c === EOF || c === C_NL) {
        if (c === C_NL) {
          // A newline is allowed inside [[ ]]; keep reading.
          const k = this.i;
          this.newline();
          if (k < this.n) continue;
        }
        this.diag('`[[` without matching `]]`', i0, i0 + 2);
        break;
      }
      if (c === C_RB && this.peek(1) === C_RB && (this.peek(2) === EOF || isMeta(this.peek(2)))) {
        this.i += 2;
        break;
      }
      let op: string | null = null;
      if (c === C_AMP && this.peek(1) === C_AMP) op = '&&';
      else if (c === C_PIPE && this.peek(1) === C_PIPE) op = '||';
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
      const w = this.parseWord(WordMode.Test);
      if (!w) {
        this.i++;
        continue;
      }
      words.push(w);
      ops.push(null);
    }
    return { t: 'test', words, ops, i0, i1: this.i };
  }
}

const STOP_THEN = new Set(['then']);
const STOP_ELSE = new Set(['elif', 'else', 'fi']);
const STOP_FI = new Set(['fi']);
const STOP_DO = new Set(['do']);
const STOP_DONE = new Set(['done']);
const STOP_ESAC = new Set(['esac']);
const STOP_RBRACE = new Set(['}']);

/** Split the word of `for ((a; b; c))` at top-level semicolons of its literal parts. */
function splitArithSemis(w: Word): [Word, Word, Word] {
  const init: Word = { parts: [], i0: w.i0, i1: w.i0 };
  const out: Word[] = [init];
  let cur = init;
  for (const p of w.parts) {
    if (p.k !== PK.Lit) {
      cur.parts.push(p);
      continue;
    }
    let from = 0;
    for (let k = 0; k < p.text.length; k++) {
      if (p.text.charCodeAt(k) === C_SEMI && out.length < 3) {
        if (k > from) cur.parts.push(litSlice(p, from, k));
        cur = { parts: [], i0: p.i0 + k + 1, i1: p.i0 + k + 1 };
        out.push(cur);
        from = k + 1;
      }
    }
    if (from < p.text.length) cur.parts.push(litSlice(p, from, p.text.length));
  }
  const missing = (): Word => ({ parts: [], i0: w.i1, i1: w.i1 });
  return [init, out[1] ?? missing(), out[2] ?? missing()];
}

function litSlice(p: LitPart, a: number, b: number): LitPart {
  return {
    k: PK.Lit,
    text: p.text.slice(a, b),
    raw: p.raw,
    glob: p.glob,
    q: p.q,
    i0: p.raw ? p.i0 + a : p.i0,
    i1: p.raw ? p.i0 + b : p.i1,
  };
}
