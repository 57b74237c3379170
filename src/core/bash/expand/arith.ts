// Bash integer arithmetic ($((…)), $[…], let, ((…))) on 64-bit signed integers, like bash: division truncates
// toward zero, a variable's value is itself evaluated as an expression (bounded), unset or empty is 0.
// It lives with expansion: bash evaluates arithmetic on the text *after* parameter expansion (`$((A*$B))`), so
// the front end only delimits the expression (a Word); names left in the text are read through ArithEnv.
import { MAX_ARITH_PAREN_DEPTH, MAX_ARITH_VAR_DEPTH } from '../limits';
import { UNKNOWN_CHAR } from '../value';

export interface ArithEnv {
  /** Value text of a variable (null when unset). May contain UNKNOWN_CHAR. */
  get(name: string): string | null;
  /** Assignment inside the expression (`N = A*B`, `i++`). */
  set(name: string, value: bigint): void;
  /** Why a variable's value is unknown (for the message). */
  why(name: string): string | undefined;
}

export type ArithResult = { ok: true; value: bigint } | { ok: false; reason: string };

class ArithError {
  constructor(public reason: string) {}
}

const wrap = (x: bigint): bigint => BigInt.asIntN(64, x);
const PLAIN_INT = /^\s*-?(?:0|[1-9][0-9]{0,17})\s*$/;

export function evalArith(expr: string, env: ArithEnv, depth = 0): ArithResult {
  if (depth > MAX_ARITH_VAR_DEPTH)
    return { ok: false, reason: 'arithmetic recursion too deep (a variable refers to itself)' };
  const unk = expr.indexOf(UNKNOWN_CHAR);
  if (unk >= 0) return { ok: false, reason: 'an operand is not known statically' };
  // Most operands are plain decimal numbers (a variable's value, `$((8))`): no parser needed.
  if (PLAIN_INT.test(expr)) return { ok: true, value: wrap(BigInt(expr.trim())) };
  const p = new ArithParser(expr, env, depth);
  try {
    p.skip();
    if (p.i >= p.s.length) return { ok: true, value: 0n };
    const v = p.comma(true);
    p.skip();
    if (p.i < p.s.length) throw new ArithError(`syntax error in expression near \`${p.s.slice(p.i, p.i + 20)}\``);
    if (p.err !== null) return { ok: false, reason: p.err };
    return { ok: true, value: v };
  } catch (e) {
    if (e instanceof ArithError) return { ok: false, reason: e.reason };
    return { ok: false, reason: 'arithmetic could not be evaluated' };
  }
}

// Binary operators by precedence (low → high), excluding assignment, ?: and comma.
const BIN_LEVELS: string[][] = [
  ['||'],
  ['&&'],
  ['|'],
  ['^'],
  ['&'],
  ['==', '!='],
  ['<=', '>=', '<', '>'],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
];
const ASSIGN_OPS = ['<<=', '>>=', '+=', '-=', '*=', '/=', '%=', '&=', '^=', '|=', '='];

class ArithParser {
  i = 0;
  parenDepth = 0;
  /** A run-time error (division by 0): recorded instead of thrown, since unwinding the descent is costly in a loop. */
  err: string | null = null;

  fail(reason: string): bigint {
    if (this.err === null) this.err = reason;
    return 0n;
  }

  constructor(
    public s: string,
    private env: ArithEnv,
    private depth: number,
  ) {}

  skip(): void {
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }

  peekOp(ops: string[]): string | null {
    this.skip();
    for (const op of ops) {
      if (this.s.startsWith(op, this.i)) {
        // `<` must not match `<<`/`<=`; `=` must not match `==`, `&` not `&&` …
        const next = this.s[this.i + op.length];
        if ((op === '<' || op === '>') && (next === op || next === '=')) continue;
        if ((op === '&' || op === '|') && (next === op || next === '=')) continue;
        if (
          (op === '+' ||
            op === '-' ||
            op === '*' ||
            op === '/' ||
            op === '%' ||
            op === '^' ||
            op === '<<' ||
            op === '>>') &&
          next === '='
        )
          continue;
        if ((op === '+' || op === '-') && next === op) continue;
        if (op === '*' && next === '*') continue;
        if (op === '=' && next === '=') continue;
        return op;
      }
    }
    return null;
  }

  comma(ev: boolean): bigint {
    let v = this.assign(ev);
    while (this.peekOp([','])) {
      this.i++;
      v = this.assign(ev);
    }
    return v;
  }

  assign(ev: boolean): bigint {
    this.skip();
    const save = this.i;
    const name = this.readName();
    if (name) {
      const op = this.peekOp(ASSIGN_OPS);
      if (op && !(op === '=' && this.s[this.i + 1] === '=')) {
        this.i += op.length;
        const rhs = this.assign(ev);
        if (!ev) return rhs;
        let v = rhs;
        if (op !== '=') v = this.binop(op.slice(0, -1), this.varValue(name), rhs);
        if (this.err === null) this.env.set(name, v);
        return v;
      }
    }
    this.i = save;
    return this.ternary(ev);
  }

  ternary(ev: boolean): bigint {
    const c = this.binary(0, ev);
    if (this.peekOp(['?'])) {
      this.i++;
      const a = this.assign(ev && c !== 0n);
      this.skip();
      if (this.s[this.i] !== ':') throw new ArithError('`?` without `:`');
      this.i++;
      const b = this.assign(ev && c === 0n);
      return c !== 0n ? a : b;
    }
    return c;
  }

  binary(level: number, ev: boolean): bigint {
    const ops = BIN_LEVELS[level];
    if (!ops) return this.power(ev);
    let v = this.binary(level + 1, ev);
    for (;;) {
      const op = this.peekOp(ops);
      if (!op) return v;
      this.i += op.length;
      if (op === '&&') {
        const r = this.binary(level + 1, ev && v !== 0n);
        v = v !== 0n && r !== 0n ? 1n : 0n;
      } else if (op === '||') {
        const r = this.binary(level + 1, ev && v === 0n);
        v = v !== 0n || r !== 0n ? 1n : 0n;
      } else {
        const r = this.binary(level + 1, ev);
        v = ev ? this.binop(op, v, r) : 0n;
      }
    }
  }

  binop(op: string, a: bigint, b: bigint): bigint {
    switch (op) {
      case '+':
        return wrap(a + b);
      case '-':
        return wrap(a - b);
      case '*':
        return wrap(a * b);
      case '/':
        if (b === 0n) return this.fail('division by 0');
        return wrap(a / b); // BigInt division truncates toward zero, as bash does
      case '%':
        if (b === 0n) return this.fail('division by 0');
        return wrap(a % b);
      case '<<':
        return wrap(a << (b & 63n));
      case '>>':
        return wrap(a >> (b & 63n));
      case '&':
        return a & b;
      case '|':
        return a | b;
      case '^':
        return a ^ b;
      case '==':
        return a === b ? 1n : 0n;
      case '!=':
        return a !== b ? 1n : 0n;
      case '<':
        return a < b ? 1n : 0n;
      case '<=':
        return a <= b ? 1n : 0n;
      case '>':
        return a > b ? 1n : 0n;
      case '>=':
        return a >= b ? 1n : 0n;
      default:
        throw new ArithError(`unknown operator ${op}`);
    }
  }

  power(ev: boolean): bigint {
    const base = this.unary(ev);
    this.skip();
    if (this.s.startsWith('**', this.i)) {
      this.i += 2;
      const exp = this.power(ev); // right-associative
      if (!ev) return 0n;
      if (exp < 0n) throw new ArithError('exponent less than 0');
      // Square-and-multiply with 64-bit wrap: at most 64 rounds.
      let result = 1n;
      let b = base;
      let e = exp;
      while (e > 0n) {
        if (e & 1n) result = wrap(result * b);
        b = wrap(b * b);
        e >>= 1n;
      }
      return result;
    }
    return base;
  }

  unary(ev: boolean): bigint {
    if (++this.parenDepth > MAX_ARITH_PAREN_DEPTH) throw new ArithError('expression nested too deeply');
    try {
      return this.unaryInner(ev);
    } finally {
      this.parenDepth--;
    }
  }

  unaryInner(ev: boolean): bigint {
    this.skip();
    const c = this.s[this.i];
    if ((c === '+' || c === '-') && this.s[this.i + 1] === c) {
      this.i += 2;
      this.skip();
      const name = this.readName();
      if (!name) throw new ArithError(`\`${c}${c}\` needs a variable`);
      if (!ev) return 0n;
      const v = wrap(this.varValue(name) + (c === '+' ? 1n : -1n));
      if (this.err === null) this.env.set(name, v);
      return v;
    }
    if (c === '-') {
      this.i++;
      return wrap(-this.unary(ev));
    }
    if (c === '+') {
      this.i++;
      return this.unary(ev);
    }
    if (c === '!') {
      this.i++;
      return this.unary(ev) === 0n ? 1n : 0n;
    }
    if (c === '~') {
      this.i++;
      return ~this.unary(ev);
    }
    return this.postfix(ev);
  }

  postfix(ev: boolean): bigint {
    this.skip();
    const save = this.i;
    const name = this.readName();
    if (name) {
      this.skip();
      const c = this.s[this.i];
      if ((c === '+' || c === '-') && this.s[this.i + 1] === c) {
        this.i += 2;
        if (!ev) return 0n;
        const old = this.varValue(name);
        if (this.err === null) this.env.set(name, wrap(old + (c === '+' ? 1n : -1n)));
        return old;
      }
      this.i = save;
    }
    return this.primary(ev);
  }

  readName(): string {
    const st = this.i;
    const c = this.s.charCodeAt(st);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) return '';
    let j = st + 1;
    while (j < this.s.length) {
      const d = this.s.charCodeAt(j);
      if ((d >= 65 && d <= 90) || (d >= 97 && d <= 122) || d === 95 || (d >= 48 && d <= 57)) j++;
      else break;
    }
    this.i = j;
    return this.s.slice(st, j);
  }

  varValue(name: string): bigint {
    const text = this.env.get(name);
    if (text === null) return 0n;
    if (text.indexOf(UNKNOWN_CHAR) >= 0) throw new ArithError(this.env.why(name) ?? `$${name} is not known statically`);
    const r = evalArith(text, this.env, this.depth + 1);
    if (!r.ok) throw new ArithError(r.reason.startsWith('arithmetic recursion') ? r.reason : `$${name}: ${r.reason}`);
    return r.value;
  }

  primary(ev: boolean): bigint {
    this.skip();
    const c = this.s[this.i];
    if (c === '(') {
      if (++this.parenDepth > MAX_ARITH_PAREN_DEPTH) throw new ArithError('expression nested too deeply');
      this.i++;
      const v = this.comma(ev);
      this.skip();
      if (this.s[this.i] !== ')') throw new ArithError('missing `)`');
      this.i++;
      this.parenDepth--;
      return v;
    }
    if (c !== undefined && c >= '0' && c <= '9') return this.number();
    const name = this.readName();
    if (name) {
      this.skip();
      if (this.s[this.i] === '[') throw new ArithError('array subscripts in arithmetic are not evaluated');
      return ev ? this.varValue(name) : 0n;
    }
    if (c === undefined) throw new ArithError('expression ends early');
    throw new ArithError(`syntax error in expression near \`${this.s.slice(this.i, this.i + 20)}\``);
  }

  number(): bigint {
    const st = this.i;
    while (this.i < this.s.length && /[0-9A-Za-z_#@x]/.test(this.s.charAt(this.i))) this.i++;
    const lit = this.s.slice(st, this.i);
    let m: RegExpExecArray | null;
    if ((m = /^0[xX]([0-9a-fA-F]+)$/.exec(lit))) return wrap(BigInt('0x' + m[1]));
    if (/^0[0-7]+$/.test(lit)) return wrap(BigInt('0o' + lit.slice(1)));
    if (/^[0-9]+$/.test(lit)) return wrap(BigInt(lit));
    if ((m = /^([0-9]+)#([0-9A-Za-z@_]+)$/.exec(lit))) {
      const base = Number(m[1]);
      if (base < 2 || base > 64) throw new ArithError(`invalid arithmetic base in ${lit}`);
      const digits = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ@_';
      let v = 0n;
      for (const ch of m[2] ?? '') {
        const d = digits.indexOf(base <= 36 ? ch.toLowerCase() : ch);
        if (d < 0 || d >= base) throw new ArithError(`value too great for base in ${lit}`);
        v = wrap(v * BigInt(base) + BigInt(d));
      }
      return v;
    }
    throw new ArithError(`invalid number \`${lit.slice(0, 20)}\``);
  }
}
