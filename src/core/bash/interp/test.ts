// `[ … ]`, `test` and `[[ … ]]` evaluated three-valued: true, false, or undecided (file tests, `=~`, unknown operands).
import type { Word } from '../syntax/ast';
import { resolveName } from '../expand/environ';
import { wordIsQuoted, type Expander } from '../expand/expand';
import type { Field } from '../expand/fields';
import { globMatch } from '../expand/pattern';
import { MAX_TEST_DEPTH } from '../limits';
import type { Src } from '../src';
import { isKnown, literalVal } from '../value';
import { Status, negate } from './status';

/** Expand the words of `[[ … ]]` (operators stay as they are): a variable the script never sets is unset here. */
export function testTokens(ex: Expander, words: Word[], ops: (string | null)[], src: Src): TestTok[] {
  const out: TestTok[] = [];
  ex.testOperandDepth++;
  for (let k = 0; k < words.length; k++) {
    const op = ops[k];
    const w = words[k];
    if (op) {
      out.push({ text: op, op, nonEmpty: true });
      continue;
    }
    if (!w) continue;
    const v = ex.expandJoined(w, src);
    out.push({
      text: isKnown(v) ? v.text : null,
      op: null,
      nonEmpty: v.text.replace(/\0/g, '').length > 0,
      quoted: wordIsQuoted(w),
    });
  }
  ex.testOperandDepth--;
  return out;
}

/** The operands of `[ … ]` / `test`, already expanded as command words. */
export function fieldTokens(fields: Field[]): TestTok[] {
  return fields.map((f) => ({
    text: isKnown(f) ? f.text : null,
    op: null,
    nonEmpty: f.text.replace(/\0/g, '').length > 0,
  }));
}

/** Evaluate test tokens; `dbl`: `[[ … ]]` rules (patterns, `&&`/`||`, arithmetic operands). */
export function evalTestWords(ex: Expander, toks: TestTok[], dbl: boolean): Status {
  const t = new TestEval(toks, dbl, ex);
  const r = t.expr();
  return t.pos < toks.length ? Status.Unknown : r;
}

export interface TestTok {
  text: string | null;
  op: string | null;
  nonEmpty: boolean;
  quoted?: boolean;
}

const FILE_TESTS = new Set([
  '-a',
  '-b',
  '-c',
  '-d',
  '-e',
  '-f',
  '-g',
  '-h',
  '-k',
  '-p',
  '-r',
  '-s',
  '-t',
  '-u',
  '-w',
  '-x',
  '-G',
  '-L',
  '-N',
  '-O',
  '-S',
  '-o',
]);

/** Three-valued evaluation of `[ … ]` / `[[ … ]]`. */
class TestEval {
  pos = 0;
  depth = 0;
  constructor(
    private toks: TestTok[],
    private dbl: boolean,
    private ex: Expander,
  ) {}

  is(s: string): boolean {
    const t = this.toks[this.pos];
    return !!t && (t.op === s || (t.op === null && t.text === s));
  }

  expr(): Status {
    if (++this.depth > MAX_TEST_DEPTH) return Status.Unknown;
    let r = this.and();
    while (this.is(this.dbl ? '||' : '-o')) {
      this.pos++;
      const b = this.and();
      r =
        r === Status.True || b === Status.True
          ? Status.True
          : r === Status.Unknown || b === Status.Unknown
            ? Status.Unknown
            : Status.False;
    }
    this.depth--;
    return r;
  }

  and(): Status {
    let r = this.not();
    while (this.is(this.dbl ? '&&' : '-a') && this.pos + 1 < this.toks.length) {
      this.pos++;
      const b = this.not();
      r =
        r === Status.False || b === Status.False
          ? Status.False
          : r === Status.Unknown || b === Status.Unknown
            ? Status.Unknown
            : Status.True;
    }
    return r;
  }

  not(): Status {
    if (this.is('!') && this.pos + 1 < this.toks.length) {
      this.pos++;
      const r = this.not();
      return negate(r);
    }
    return this.primary();
  }

  primary(): Status {
    const toks = this.toks;
    const t = toks[this.pos];
    if (!t) return Status.False;
    if (this.is('(') && (t.op === '(' || !this.dbl)) {
      this.pos++;
      const r = this.expr();
      if (this.is(')')) this.pos++;
      return r;
    }
    const next = toks[this.pos + 1];
    // Binary operator?
    const operand = toks[this.pos + 2];
    if (next && next.op === null && next.text !== null && operand && BIN_TEST.has(next.text)) {
      this.pos += 3;
      return this.binary(next.text, t, operand);
    }
    if (
      t.op === null &&
      t.text !== null &&
      next &&
      next.op === null &&
      (t.text === '-z' || t.text === '-n' || t.text === '-v' || FILE_TESTS.has(t.text))
    ) {
      this.pos += 2;
      if (t.text === '-z')
        return next.text !== null
          ? next.text === ''
            ? Status.True
            : Status.False
          : next.nonEmpty
            ? Status.False
            : Status.Unknown;
      if (t.text === '-n')
        return next.text !== null
          ? next.text !== ''
            ? Status.True
            : Status.False
          : next.nonEmpty
            ? Status.True
            : Status.Unknown;
      if (t.text === '-v') {
        if (next.text === null) return Status.Unknown;
        const v = this.ex.env.get(resolveName(this.ex.env, next.text));
        return v ? Status.True : Status.Unknown;
      }
      return Status.Unknown; // file tests need the file system
    }
    this.pos++;
    if (t.text === null) return t.nonEmpty ? Status.True : Status.Unknown;
    return t.text !== '' ? Status.True : Status.False;
  }

  binary(op: string, a: TestTok, b: TestTok): Status {
    if (op === '=~' || op === '-nt' || op === '-ot' || op === '-ef') return Status.Unknown;
    if (a.text === null || b.text === null) return Status.Unknown;
    switch (op) {
      case '=':
      case '==':
        return (this.dbl ? globMatch(b.text, a.text, !!b.quoted) : a.text === b.text) ? Status.True : Status.False;
      case '!=':
        return (this.dbl ? globMatch(b.text, a.text, !!b.quoted) : a.text === b.text) ? Status.False : Status.True;
      case '<':
        return a.text < b.text ? Status.True : Status.False;
      case '>':
        return a.text > b.text ? Status.True : Status.False;
    }
    const x = this.num(a.text);
    const y = this.num(b.text);
    if (x === null || y === null) return Status.Unknown;
    switch (op) {
      case '-eq':
        return x === y ? Status.True : Status.False;
      case '-ne':
        return x !== y ? Status.True : Status.False;
      case '-lt':
        return x < y ? Status.True : Status.False;
      case '-le':
        return x <= y ? Status.True : Status.False;
      case '-gt':
        return x > y ? Status.True : Status.False;
      case '-ge':
        return x >= y ? Status.True : Status.False;
    }
    return Status.Unknown;
  }

  num(s: string): bigint | null {
    if (this.dbl) {
      const r = this.ex.arithText(literalVal(s, 0, 0, false), 0, 0);
      return r.value;
    }
    const t = s.trim();
    return /^[+-]?[0-9]+$/.test(t) ? BigInt(t) : null;
  }
}

const BIN_TEST = new Set([
  '=',
  '==',
  '!=',
  '<',
  '>',
  '-eq',
  '-ne',
  '-lt',
  '-le',
  '-gt',
  '-ge',
  '=~',
  '-nt',
  '-ot',
  '-ef',
]);
