// `--moe-layer-freq` list expressions, read the way Python would evaluate them — by a grammar of our own, since
// nothing the user wrote is ever evaluated. Megatron's `moe_freq_type` (megatron/training/arguments.py:327-350 at
// d98e8a64) hands any text containing `[` to `eval`; since 7c1baead (May 2025) `_eval_pattern` (:245-253) first
// rejects every character but digits and `,[]()+*`. Older releases (and forks pinned to them) eval anything.

/** What reading a list expression found. */
export type LayerFreqRead =
  /** The list Python would build. `rejectedByCurrent`: characters current Megatron-LM's `_eval_pattern` refuses. */
  | { kind: 'list'; value: number[]; rejectedByCurrent: string | null }
  /** Certainly a list of this many entries, too long to build (more than `maxLength`). */
  | { kind: 'too-long'; length: number; rejectedByCurrent: string | null }
  /** Python (or Megatron right after it) certainly fails on it: a syntax or type error, or an entry not 0/1. */
  | { kind: 'malformed'; error: string }
  /** Perhaps valid Python, but beyond this grammar (names, subscripts, tuples, `**`, `/`…): not known statically. */
  | { kind: 'unreadable'; reason: string };

/** `eval` of a pattern: an int, or a list (built while short; its length and distinct entries always). */
type Value =
  { t: 'int'; n: number } | { t: 'list'; length: number; items: number[] | null; entries: Set<number | 'list'> };

class Stop {
  constructor(readonly read: LayerFreqRead) {}
}
const malformed = (error: string): Stop => new Stop({ kind: 'malformed', error });
const unreadable = (reason: string): Stop => new Stop({ kind: 'unreadable', reason });

/** Characters Megatron-LM's `_eval_pattern` refuses (arguments.py:249-251 at d98e8a64: `[^,\d\[\]\(\)\+\*]`). */
function rejectedCharacters(text: string): string | null {
  const bad = [...new Set(text.match(/[^,\d[\]()+*]/g) ?? [])];
  if (!bad.length) return null;
  return bad.map((c) => (/\s/.test(c) ? 'spaces' : `'${c}'`)).join(', ');
}

/**
 * Reads a `--moe-layer-freq` text that contains `[` (Megatron only evaluates those; others go through `int()`).
 * Python's rules: `list * int` and `int * list` repeat (a count ≤ 0 gives `[]`), `list + list` concatenates, ints
 * add, subtract and multiply, parentheses group, unary `+`/`-` apply to ints, a trailing comma in a list is fine,
 * and `01` is a syntax error. `maxLength` bounds the entries ever built.
 */
export function readLayerFreqList(text: string, maxLength: number): LayerFreqRead {
  const parser = new Parser(text, maxLength);
  try {
    const v = parser.whole();
    if (v.t === 'int') return { kind: 'malformed', error: 'it evaluates to an integer, not a list' };
    // gpt_layer_specs.py:665-671 at d98e8a64: an entry that is neither 1 nor 0 raises "Invalid layer pattern".
    const bad = [...v.entries].find((e) => e !== 0 && e !== 1);
    if (bad !== undefined)
      return { kind: 'malformed', error: `entry ${bad === 'list' ? 'a list' : bad} is not 0 or 1` };
    const rejectedByCurrent = rejectedCharacters(text);
    return v.items
      ? { kind: 'list', value: v.items, rejectedByCurrent }
      : { kind: 'too-long', length: v.length, rejectedByCurrent };
  } catch (e) {
    if (e instanceof Stop) return e.read;
    throw e;
  }
}

/** Recursive descent with Python's precedence: `+ -` below `*`, below unary signs, below atoms. */
class Parser {
  private pos = 0;
  private depth = 0;
  constructor(
    private readonly src: string,
    private readonly maxLength: number,
  ) {}

  whole(): Value {
    const v = this.sum();
    this.ws();
    if (this.pos < this.src.length) throw this.unexpected();
    return v;
  }

  private ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src.charAt(this.pos))) this.pos++;
  }

  private peek(): string {
    this.ws();
    return this.src.charAt(this.pos);
  }

  private unexpected(): Stop {
    const c = this.src.charAt(this.pos);
    if (c === '') return malformed('it ends too early');
    // A closing bracket or comma where an operand belongs is a syntax error; a digit or bracket right after a
    // complete operand is one too, or a call on an int or a list (a TypeError). Letters, quotes, `#`, `/`, `%`,
    // `_`, `.`, a starred item… are Python this grammar does not model.
    if (/[\]),\d[(]/.test(c)) return malformed(`unexpected '${c}' at character ${this.pos + 1}`);
    return unreadable(`'${c}' at character ${this.pos + 1}`);
  }

  private sum(): Value {
    let left = this.product();
    for (let op = this.peek(); op === '+' || op === '-'; op = this.peek()) {
      this.pos++;
      const right = this.product();
      left = op === '+' ? this.add(left, right) : this.subtract(left, right);
    }
    return left;
  }

  private product(): Value {
    let left = this.unary();
    for (;;) {
      if (this.peek() !== '*') return left;
      if (this.src.charAt(this.pos + 1) === '*') throw unreadable("the power operator '**'");
      this.pos++;
      left = this.multiply(left, this.unary());
    }
  }

  private unary(): Value {
    const c = this.peek();
    if (c !== '+' && c !== '-') return this.atom();
    this.pos++;
    const v = this.unary();
    if (v.t === 'list') throw malformed(`unary '${c}' on a list (Python raises TypeError)`);
    return c === '-' ? { t: 'int', n: -v.n } : v;
  }

  private atom(): Value {
    const c = this.peek();
    let v: Value;
    if (c === '[') v = this.list();
    else if (c === '(') v = this.group();
    else if (/\d/.test(c)) v = this.int();
    else throw this.unexpected();
    // `[1,0][0]` or `(…)[…]` indexes: valid Python that this grammar does not model.
    if (this.peek() === '[') throw unreadable(`indexing at character ${this.pos + 1}`);
    return v;
  }

  private int(): Value {
    const digits = /^\d+/.exec(this.src.slice(this.pos))?.[0] ?? '';
    if (/[_.eExXoObBjJ]/.test(this.src.charAt(this.pos + digits.length)))
      throw unreadable(`the number at character ${this.pos + 1}`);
    // Python 3 refuses leading zeros on a non-zero literal ("leading zeros in decimal integer literals").
    if (/^0+[1-9]/.test(digits)) throw malformed(`'${digits}' has a leading zero (a Python syntax error)`);
    this.pos += digits.length;
    const n = Number(digits);
    if (!Number.isSafeInteger(n)) throw unreadable(`the number ${digits} is too large to follow`);
    return { t: 'int', n };
  }

  private nested<T>(read: () => T): T {
    // Bounded nesting: a hostile `((((…` must not exhaust the stack.
    if (++this.depth > 64) throw unreadable('more than 64 nested brackets');
    try {
      return read();
    } finally {
      this.depth--;
    }
  }

  private group(): Value {
    return this.nested(() => {
      this.pos++;
      // A tuple is never a pattern: Megatron takes an int or a list and raises ValueError on anything else
      // (gpt_layer_specs.py:647-661 at d98e8a64), and a tuple inside a list is an entry that is not 0 or 1.
      if (this.peek() === ')') throw malformed('() is a tuple, not a list');
      const v = this.sum();
      if (this.peek() === ',') throw malformed(`a tuple at character ${this.pos + 1}, not a list`);
      if (this.peek() !== ')') throw this.unexpected();
      this.pos++;
      return v;
    });
  }

  private list(): Value {
    return this.nested(() => {
      this.pos++;
      const items: number[] = [];
      const entries = new Set<number | 'list'>();
      while (this.peek() !== ']') {
        const e = this.sum();
        if (e.t === 'int') items.push(e.n);
        else entries.add('list');
        if (items.length > this.maxLength) throw unreadable(`a list literal of more than ${this.maxLength} entries`);
        if (this.peek() === ',') this.pos++;
        else if (this.peek() !== ']') throw this.unexpected();
      }
      this.pos++;
      for (const n of items) entries.add(n);
      // A nested list is an entry that is not 0 or 1: reported by the caller, so its length does not matter.
      return { t: 'list', length: items.length, items, entries };
    });
  }

  private add(a: Value, b: Value): Value {
    if (a.t === 'int' && b.t === 'int') return this.checkedInt(a.n + b.n);
    if (a.t === 'list' && b.t === 'list') {
      const length = a.length + b.length;
      const items = a.items && b.items && length <= this.maxLength ? [...a.items, ...b.items] : null;
      return { t: 'list', length, items, entries: new Set([...a.entries, ...b.entries]) };
    }
    throw malformed("'+' between a list and an integer (Python raises TypeError)");
  }

  private subtract(a: Value, b: Value): Value {
    if (a.t === 'int' && b.t === 'int') return this.checkedInt(a.n - b.n);
    throw malformed("'-' on a list (Python raises TypeError)");
  }

  private multiply(a: Value, b: Value): Value {
    if (a.t === 'int' && b.t === 'int') return this.checkedInt(a.n * b.n);
    if (a.t === 'list' && b.t === 'int') return this.repeat(a, b.n);
    if (a.t === 'int' && b.t === 'list') return this.repeat(b, a.n);
    throw malformed("'*' between two lists (Python raises TypeError)");
  }

  /** Python's `list * n`: n copies, none when n ≤ 0. */
  private repeat(list: Value & { t: 'list' }, count: number): Value {
    const times = Math.max(0, count);
    const length = list.length * times;
    if (!Number.isSafeInteger(length)) throw unreadable('a list too long to follow');
    if (times === 0) return { t: 'list', length: 0, items: [], entries: new Set() };
    const source = list.items;
    const items: number[] | null = source && length <= this.maxLength ? [] : null;
    if (items && source) for (let k = 0; k < times; k++) items.push(...source);
    return { t: 'list', length, items, entries: list.entries };
  }

  private checkedInt(n: number): Value {
    if (!Number.isSafeInteger(n)) throw unreadable('an integer too large to follow');
    return { t: 'int', n };
  }
}
