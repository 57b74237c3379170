// Simple commands: prefix assignments (scalars, `A[k]=`, array literals, `<placeholder>` values), argv words and
// redirections (registering heredocs, whose bodies the lexer reads after the line ends).
import { PK, type ArrayElem, type Assign, type Cmd, type Redir, type SimpleCmd, type Word } from './ast';
import {
  C_AMP,
  C_EQ,
  C_GT,
  C_HASH,
  C_LB,
  C_LP,
  C_LT,
  C_MINUS,
  C_NL,
  C_PIPE,
  C_PLUS,
  C_RB,
  C_RP,
  C_SEMI,
  C_SP,
  C_TAB,
  EOF,
  isBlank,
  isDigit,
  isMeta,
  isNameChar,
  isNameStart,
} from './chars';
import { Lexer } from './lexer';
import { WordMode } from './wordMode';
import { MAX_WORDS_PER_COMMAND } from '../limits';

const DECL_BUILTINS = new Set(['declare', 'typeset', 'local', 'export', 'readonly']);

export abstract class SimpleCommandParser extends Lexer {
  /** `name() body` seen in a simple command: the function's body follows. */
  abstract parseFunctionBody(name: string, i0: number): Cmd | null;

  atRedir(): boolean {
    const c = this.peek();
    if (c === C_LT) return this.peek(1) !== C_LP; // <( is process substitution, a word
    if (c === C_GT) return this.peek(1) !== C_LP;
    if (c === C_AMP && this.peek(1) === C_GT) return true;
    if (isDigit(c)) {
      let k = 1;
      while (isDigit(this.peek(k))) k++;
      const d = this.peek(k);
      return d === C_LT || d === C_GT;
    }
    return false;
  }

  /** The redirection operator at the cursor (after any fd digits). */
  redirOperator(): string {
    const c = this.peek();
    const d = this.peek(1);
    if (c === C_AMP) return this.peek(2) === C_GT ? '&>>' : '&>';
    if (c === C_LT) {
      if (d === C_LT) return this.peek(2) === C_LT ? '<<<' : this.peek(2) === C_MINUS ? '<<-' : '<<';
      if (d === C_AMP) return '<&';
      if (d === C_GT) return '<>';
      return '<';
    }
    if (d === C_GT) return '>>';
    if (d === C_AMP) return '>&';
    if (d === C_PIPE) return '>|';
    return '>';
  }

  private processSubstitution(): Word {
    const i0 = this.i;
    const part = this.readCommandSubstitution(false);
    return { parts: [part], i0, i1: this.i };
  }

  parseRedir(): Redir {
    const i0 = this.i;
    while (isDigit(this.peek())) this.i++;
    const op = this.redirOperator();
    this.i += op.length;
    this.skipBlanks();
    // Process substitution as the target (`mapfile -t A < <(cmd)`, bash(1) "Process Substitution"): read like `$(…)`,
    // whose value is only known at run time.
    const c = this.peek();
    const target =
      (c === C_LT || c === C_GT) && this.peek(1) === C_LP
        ? this.processSubstitution()
        : this.parseWord(WordMode.Normal);
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

  /** `NAME=`, `NAME+=` or `NAME[…]=` at the cursor: length of the part before the value, else 0. */
  assignmentPrefix(): number {
    let j = this.i;
    if (!isNameStart(this.peek())) return 0;
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
      index = { parts: this.readParts(WordMode.Subscript, false), i0: j + 1, i1: this.i };
      if (this.peek() === C_RB) this.i++;
    }
    if (this.s.charCodeAt(end - 2) === C_PLUS) append = true;
    this.i = end;
    const v0 = this.i;
    if (this.peek() === C_LP) {
      const array = this.parseArrayLiteral();
      return { name, index, append, value: null, array, i0, i1: this.i, v0, v1: this.i };
    }
    if (
      this.peek() === C_LT &&
      this.peek(1) !== C_LT &&
      this.peek(1) !== C_LP &&
      this.peek(1) !== EOF &&
      !isBlank(this.peek(1))
    ) {
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
    const value = this.parseWord(WordMode.Normal) ?? { parts: [], i0: v0, i1: v0 };
    return { name, index, append, value, array: null, i0, i1: this.i, v0, v1: this.i };
  }

  parseArrayLiteral(): ArrayElem[] {
    const open = this.i;
    this.i++;
    const out: ArrayElem[] = [];
    for (;;) {
      this.skipLinebreaks();
      const c = this.peek();
      if (c === EOF) {
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
        const parts = this.readParts(WordMode.Subscript, false);
        if (this.peek() === C_RB && this.peek(1) === C_EQ) {
          key = { parts, i0: k0, i1: this.i };
          this.i += 2;
        } else this.i = save;
      }
      const v0 = this.i;
      const value = this.parseWord(WordMode.Normal) ?? { parts: [], i0: v0, i1: v0 };
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
      const c = this.peek();
      if (c === EOF || c === C_NL || c === C_SEMI || c === C_AMP || c === C_PIPE || c === C_RP) break;
      if (c === C_HASH) {
        this.skipComment();
        break;
      }
      if (this.atRedir()) {
        cmd.redirs.push(this.parseRedir());
        continue;
      }
      if (c === C_LP) {
        const w =
          cmd.words.length === 1 && cmd.assigns.length === 0 && this.peek(1) !== C_LP ? cmd.words[0] : undefined;
        if (w) {
          // name() { … }
          const save = this.i;
          this.i++;
          this.skipBlanks();
          if (this.peek() === C_RP) {
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
        this.diag(
          `more than ${MAX_WORDS_PER_COMMAND} words in one command; the rest are not read`,
          this.i,
          this.i + 1,
          'warning',
        );
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
      const w = this.parseWord(WordMode.Normal);
      if (!w) {
        break;
      }
      const only = cmd.words.length === 0 && w.parts.length === 1 ? w.parts[0] : undefined;
      if (only && only.k === PK.Lit && !only.q && DECL_BUILTINS.has(only.text)) decl = true;
      cmd.words.push(w);
    }
    cmd.i1 = this.i;
    if (cmd.words.length === 0 && cmd.assigns.length === 0 && cmd.redirs.length === 0) return null;
    // Trim trailing blanks/comment from the command's extent.
    let e = this.i;
    while (e > i0 && isBlank(this.s.charCodeAt(e - 1))) e--;
    const last = Math.max(lastEnd(cmd.words, i0), lastEnd(cmd.assigns, i0), lastEnd(cmd.redirs, i0));
    cmd.i1 = Math.min(e, Math.max(last, i0));
    return cmd;
  }
}

/** Where the last of `items` ends (`dflt` when there are none). Checks the length first: reading past an array's end is slow in V8. */
function lastEnd(items: { i1: number }[], dflt: number): number {
  return items.length ? items[items.length - 1]!.i1 : dflt;
}
