// Static evaluation of a parsed script: control flow over the commands, without executing anything.
//
// Rules for what cannot be known statically:
// - Command substitutions, `read`, `$RANDOM`-like shell variables and script arguments are unknown values with a
//   reason. `$#` of the script is unknown; `$1` with an operator (`${1:-x}`) is unset, bare `$1` is unknown.
// - A variable the document never assigns anywhere is the environment's: unset for operators, `[ … ]`/`[[ … ]]`
//   and `case` words (so `${NNODES:-1}` and `[ "$FP8" = 1 ]` take their defaults), unknown when expanded bare
//   into a command word (`--data-path $DATA` reports that DATA comes from the environment).
// - Ordinary commands succeed; `grep`, `which`, file tests, `=~` and unknown operands are undecided.
// - An undecided `if`/`elif` condition or `case` match runs that (first candidate) branch and stops there; an
//   undecided `&&`/`||` runs its right side. Everything assigned or launched there is marked `conditional`;
//   later branches are not read. `exit`/`return` on an undecided path are ignored.
// - An undecided `while`/`until` condition runs the body zero times (CLI-parsing loops over `$#` end at once);
//   decided loops run at most MAX_LOOP_ITERATIONS; a `for` over an unknown list runs once, conditionally.
// - Functions are inlined up to MAX_CALL_DEPTH calls deep; eval / `bash -c` / heredocs fed to bash or sbatch are
//   parsed and run (child shells see exported variables only).
// - Work is bounded per read (limits.ts, accounted in budget.ts); past a bound values become unknown or the
//   evaluation stops with a `bash-budget` warning.
import type { CaseCmd, Cmd, ForCmd, IfCmd, WhileCmd, Word } from '../syntax/ast';
import { ScriptReader } from '../syntax/scriptReader';
import { wordIsQuoted, Expander } from '../expand/expand';
import type { Field } from '../expand/fields';
import { globMatch } from '../expand/pattern';
import { MAX_LOOP_ITERATIONS } from '../limits';
import { LineIndex } from '../../text/lineIndex';
import type { Src } from '../src';
import { emptyVal, isKnown, unknownVal, type Val } from '../value';
import { Budget } from './budget';
import { runSimple } from './builtins';
import type { RawDiag } from './diag';
import { asField, Recorder, type RawLauncher } from './record';
import { Flow, Status, negate } from './status';
import { evalTestWords, testTokens } from './test';
import { Vars } from './vars';

export class Runner {
  readonly diags: RawDiag[] = [];
  /** `#SBATCH` directives of every text read, with the text they stand in. */
  readonly sbatch: { text: string; src: Src; i0: number }[] = [];
  readonly vars: Vars;
  readonly budget: Budget;
  readonly ex: Expander;
  readonly rec: Recorder;
  flow: Flow = Flow.None;
  /** Loop levels a pending break/continue still has to leave. */
  flowLevels = 0;
  /** Function calls and derived scripts being run inside each other. */
  callDepth = 0;
  /** Launchers of an enclosing `srun bash -c "…"` or `srun … <<EOF`. */
  outer: RawLauncher[] = [];

  constructor(readonly doc: string) {
    this.vars = new Vars(assignedNames(doc));
    this.budget = new Budget(this.diags, () => {
      this.flow = Flow.Exit;
    });
    this.ex = new Expander(this.vars, this.budget, doc);
    this.rec = new Recorder(doc, this.vars, this.diags);
  }

  private lineIndex: LineIndex | undefined;

  /** 1-based line of document offset `at`, for messages; the index is built once, on first use. */
  lineOf(at: number): number {
    this.lineIndex ??= new LineIndex(this.doc);
    return this.lineIndex.position(at).line + 1;
  }

  /** Count a unit of work; false once the budget is spent (the runner then stops). */
  step(at: number): boolean {
    return this.budget.step(at);
  }

  /** Parse and run a text command by command (the document, or a derived script mapped through `src`). */
  runScript(text: string, src: Src): void {
    const reader = new ScriptReader(text);
    let running = true;
    for (;;) {
      const cmd = reader.next();
      if (!cmd) break;
      if (!running) continue;
      this.run(cmd, src);
      if (this.flow === Flow.None) continue;
      if (this.budget.exhausted) break; // out of budget: the rest is neither run nor parsed
      if (this.flow === Flow.Exit || this.flow === Flow.Return)
        running = false; // parse on for syntax errors
      else this.flow = Flow.None; // a stray break/continue outside a loop
    }
    if (this.flow === Flow.Exit && this.callDepth === 0 && !this.budget.exhausted) this.flow = Flow.None;
    for (const d of reader.diags) {
      const [s0, s1] = src.span(d.i0, d.i1);
      this.diags.push({ code: d.code, severity: d.severity, message: d.message, s0, s1: Math.max(s1, s0 + 1) });
    }
    for (const sb of reader.sbatch) this.sbatch.push({ text: sb.text, src, i0: sb.i0 });
  }

  runList(cmds: Cmd[], src: Src): Status {
    let st = Status.True;
    for (const c of cmds) {
      if (this.flow !== Flow.None) break;
      st = this.run(c, src);
    }
    return st;
  }

  /** Run `cmds` on an undecided path: what they assign or launch is marked conditional. */
  runUndecided(cmds: Cmd[], src: Src): void {
    this.vars.undecided++;
    this.runList(cmds, src);
    this.vars.undecided--;
  }

  run(c: Cmd, src: Src): Status {
    if (!this.step(c.i0)) return Status.Unknown;
    switch (c.t) {
      case 'simple':
        return runSimple(this, c, src);
      case 'andor':
        return this.runAndOr(c, src);
      case 'pipe': {
        let st = Status.True;
        for (const p of c.cmds) {
          if (this.flow !== Flow.None) break;
          st = this.run(p, src);
        }
        return c.bang ? negate(st) : st;
      }
      case 'if':
        return this.runIf(c, src);
      case 'while':
        return this.runWhile(c, src);
      case 'for':
        return this.runFor(c, src);
      case 'case':
        return this.runCase(c, src);
      case 'group':
        return this.runList(c.body, src);
      case 'subshell': {
        const saved = this.vars.save();
        const st = this.runList(c.body, src);
        this.vars.restore(saved);
        if (this.flow === Flow.Exit || this.flow === Flow.Return) this.flow = Flow.None;
        return st;
      }
      case 'func':
        this.vars.funcs.set(c.name, { body: c.body, src });
        return Status.True;
      case 'arith': {
        const v = this.ex.arithWord(c.expr, src).value;
        if (v === null) return Status.Unknown;
        return v !== 0n ? Status.True : Status.False;
      }
      case 'test':
        return evalTestWords(this.ex, testTokens(this.ex, c.words, c.ops, src), true);
    }
  }

  private runAndOr(c: Extract<Cmd, { t: 'andor' }>, src: Src): Status {
    const readsFrom = this.vars.envReads.length;
    let st = this.run(c.first, src);
    for (const r of c.rest) {
      if (this.flow !== Flow.None) break;
      const want = r.op === '&&' ? Status.True : Status.False;
      if (st === want) {
        const cmd = r.cmd;
        st = this.runAssuming(readsFrom, () => this.run(cmd, src));
      } else if (st === Status.Unknown) {
        this.vars.undecided++;
        const right = this.run(r.cmd, src);
        this.vars.undecided--;
        st = right === Status.True && r.op === '||' ? Status.True : Status.Unknown;
      }
    }
    return st;
  }

  private runIf(c: IfCmd, src: Src): Status {
    const readsFrom = this.vars.envReads.length;
    for (const [k, cl] of c.clauses.entries()) {
      const st = this.runList(cl.cond, src);
      if (this.flow !== Flow.None) return Status.Unknown;
      if (st === Status.True) return this.runAssuming(readsFrom, () => this.runList(cl.body, src));
      if (st === Status.Unknown) {
        // Undecided: take this branch (the first candidate), marked conditional; later branches are not read, and
        // what only they assign is unknown rather than unset.
        this.runUndecided(cl.body, src);
        const next = c.clauses[k + 1]?.cond[0] ?? c.elseBody?.[0];
        if (next)
          this.noteSkipped(
            src,
            next.i0,
            c.i1,
            (line) =>
              `set only in the branches from line ${line} on, not followed because the condition before them is only known at run time`,
          );
        return Status.Unknown;
      }
    }
    if (c.elseBody) {
      const body = c.elseBody;
      return this.runAssuming(readsFrom, () => this.runList(body, src));
    }
    return Status.True;
  }

  /**
   * Run a branch chosen by conditions that read environment variables the script has not set (decided as unset):
   * what it assigns rests on that, and says so (Seg.assumed), so nothing built on it is called certain.
   */
  runAssuming(readsFrom: number, run: () => Status): Status {
    const names = [...new Set(this.vars.envReads.slice(readsFrom))];
    this.vars.envReads.length = readsFrom;
    if (!names.length) return run();
    this.vars.assumedPath.push(
      `${names.map((n) => `$${n}`).join(', ')} ${names.length > 1 ? 'are' : 'is'} not set in the environment`,
    );
    try {
      return run();
    } finally {
      this.vars.assumedPath.pop();
    }
  }

  private runWhile(c: WhileCmd, src: Src): Status {
    for (let k = 0; k < MAX_LOOP_ITERATIONS; k++) {
      let st = this.runList(c.cond, src);
      if (this.flow !== Flow.None) break;
      if (c.until) st = negate(st);
      // An undecided loop condition (e.g. `[[ $# -gt 0 ]]` on unknown script arguments) runs the body zero times;
      // what the body would assign is then the arguments' to give, not unset (see Vars.skipped).
      if (st === Status.Unknown && k === 0) this.noteSkippedLoop(c, src);
      if (st !== Status.True) break;
      this.runList(c.body, src);
      if (this.loopFlow()) break;
    }
    return Status.True;
  }

  /** Names the skipped loop body assigns and that nothing before it set: their value comes from the arguments. */
  private noteSkippedLoop(c: WhileCmd, src: Src): void {
    this.noteSkipped(
      src,
      c.i0,
      c.i1,
      (line) => `set only by the loop on line ${line} that reads the script's arguments`,
    );
  }

  /**
   * Names only the unread part [i0, i1) of the parse text assigns, and that nothing set before: their value depends on
   * what the reader could not follow, so they are unknown (with `why`) rather than unset.
   */
  private noteSkipped(src: Src, i0: number, i1: number, why: (line: number) => string): void {
    const [s0, s1] = src.span(i0, i1);
    if (s1 <= s0 || s1 - s0 > MAX_SKIPPED_LOOP_CHARS) return;
    const reason = why(this.lineOf(s0));
    for (const name of assignedNames(this.doc.slice(s0, s1)).keys())
      if (!this.vars.get(name) && !this.vars.skipped.has(name)) this.vars.skipped.set(name, reason);
  }

  /** After one loop iteration: handle break/continue; true when the loop must stop. */
  loopFlow(): boolean {
    if (this.flow === Flow.Break) {
      if (--this.flowLevels <= 0) this.flow = Flow.None;
      return true;
    }
    if (this.flow === Flow.Continue) {
      if (--this.flowLevels <= 0) {
        this.flow = Flow.None;
        return false;
      }
      return true;
    }
    return this.flow !== Flow.None;
  }

  private runFor(c: ForCmd, src: Src): Status {
    if (c.select) return Status.True;
    if (c.arith) {
      const [init, cond, next] = c.arith;
      this.ex.arithWord(init, src);
      for (let k = 0; k < MAX_LOOP_ITERATIONS; k++) {
        const holds = cond.parts.length ? this.ex.arithWord(cond, src).value : 1n;
        if (holds === null || holds === 0n) break;
        this.runList(c.body, src);
        if (this.loopFlow()) break;
        this.ex.arithWord(next, src);
      }
      return Status.True;
    }
    let items: Field[];
    // The script's own arguments are unknown statically: a loop over them is read once with an unknown item
    // (argument loops such as `for A in "$@"; do export "${A%%=*}"=…` then say what they may set).
    const [s0, s1] = src.span(c.i0, c.i1);
    const unknownArgs = asField(
      unknownVal("one of the script's arguments, only known at run time", s0, s1),
      s0,
      s1,
      true,
    );
    if (c.words === null) {
      const args = this.vars.positional();
      items = args ?? [unknownArgs];
    } else {
      items = [];
      const marks = this.ex.passthrough.length;
      for (const w of c.words) this.ex.expandWord(w, src, true, items);
      // `"$@"` of unknown arguments expanded to nothing (and noted a pass-through, which a loop list is not).
      if (this.ex.passthrough.length > marks) {
        this.ex.passthrough.length = marks;
        items.push(unknownArgs);
      }
    }
    if (items.some((f) => !isKnown(f))) {
      // The list is only known at run time: read the body once, conditionally, with the first item.
      this.vars.undecided++;
      this.vars.setScalar(c.name, items[0] ?? emptyVal(), false);
      this.runList(c.body, src);
      this.loopFlow();
      this.vars.undecided--;
      return Status.Unknown;
    }
    for (const item of items.slice(0, MAX_LOOP_ITERATIONS)) {
      this.vars.setScalar(c.name, item, false);
      this.runList(c.body, src);
      if (this.loopFlow()) break;
    }
    return Status.True;
  }

  /** Does a `case` item's pattern list match the subject? Unknown when either side is not known. */
  private caseMatches(pats: Word[], subject: Val, src: Src): Status {
    let m = Status.False;
    for (const p of pats) {
      this.ex.testOperandDepth++;
      const pat = this.ex.expandJoined(p, src);
      this.ex.testOperandDepth--;
      const r =
        !isKnown(subject) || !isKnown(pat)
          ? Status.Unknown
          : globMatch(pat.text, subject.text, wordIsQuoted(p))
            ? Status.True
            : Status.False;
      if (r === Status.True) return Status.True;
      if (r === Status.Unknown) m = Status.Unknown;
    }
    return m;
  }

  private runCase(c: CaseCmd, src: Src): Status {
    const readsFrom = this.vars.envReads.length;
    this.ex.testOperandDepth++;
    const subject = this.ex.expandJoined(c.word, src);
    this.ex.testOperandDepth--;
    let fallthrough = false;
    for (const item of c.items) {
      const m = fallthrough ? Status.True : this.caseMatches(item.pats, subject, src);
      if (m === Status.False) continue;
      if (m === Status.Unknown) {
        this.runUndecided(item.body, src);
        return Status.Unknown;
      }
      this.runAssuming(readsFrom, () => this.runList(item.body, src));
      if (this.flow !== Flow.None) return Status.True;
      if (item.term === ';&') {
        fallthrough = true;
        continue;
      }
      fallthrough = false;
      if (item.term === ';;&') continue;
      return Status.True;
    }
    return Status.True;
  }
}

/**
 * Every name the text assigns somewhere (`NAME=`, `NAME+=`, `NAME[k]=`, `${NAME:=…}`, `for NAME`, `read … NAME`),
 * with where its first assignment's line ends: a variable set only on a branch that is not taken counts as unset rather
 * than as something the environment must provide — but one read before the script first assigns it (the
 * `[ -z "$X" ] && X=default` idiom) is the environment's at that point. A scan back from each `=` (never past the
 * previous one) keeps it linear on any input.
 */
function assignedNames(doc: string): Map<string, number> {
  const out = new Map<string, number>();
  // Recorded: the end of the line of the first assignment, so `TP=${TP:-8}` reads TP before assigning it. The newline
  // search moves forward only (offsets arrive in increasing order per pass), keeping the scan linear.
  let nl = -1;
  const lineEnd = (at: number): number => {
    if (nl < at) {
      nl = doc.indexOf('\n', at);
      if (nl < 0) nl = doc.length;
    }
    return nl;
  };
  const add = (name: string, at: number): void => {
    if (!out.has(name)) out.set(name, lineEnd(at));
  };
  let prevEq = -1;
  for (let eq = doc.indexOf('='); eq >= 0; eq = doc.indexOf('=', eq + 1)) {
    let j = eq - 1;
    const c = doc.charCodeAt(j);
    if (c === 43 || c === 58) j--; // `+=`, `:=`
    if (doc.charCodeAt(j) === 93) {
      // `NAME[key]=`: back over a short subscript
      const stop = Math.max(prevEq, j - 64);
      while (j > stop && doc.charCodeAt(j) !== 91) j--;
      j--;
    }
    const end = j + 1;
    while (j > prevEq && isIdentChar(doc.charCodeAt(j))) j--;
    const name = doc.slice(j + 1, end);
    if (name && !(doc.charCodeAt(j + 1) >= 48 && doc.charCodeAt(j + 1) <= 57)) add(name, eq);
    prevEq = eq;
  }
  const loopOrRead = /\b(?:for|select)\s+([A-Za-z_][A-Za-z0-9_]*)|\bread\s+(?:-[A-Za-z]+\s+)*([A-Za-z_][A-Za-z0-9_]*)/g;
  let m: RegExpExecArray | null;
  while ((m = loopOrRead.exec(doc)) !== null) {
    const name = m[1] ?? m[2];
    if (name !== undefined && !out.has(name)) out.set(name, m.index);
  }
  return out;
}

function isIdentChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || (c >= 48 && c <= 57);
}

/** A loop body longer than this is not scanned for the names it assigns (the scan is linear; this bounds it per loop). */
const MAX_SKIPPED_LOOP_CHARS = 64 * 1024;
