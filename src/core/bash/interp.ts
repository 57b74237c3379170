// Static evaluation of a parsed script: variables, expansions, control flow and launch recording, without
// executing anything.
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
//   decided loops run at most 64 iterations; a `for` over an unknown list runs once, conditionally.
// - Functions are inlined up to 16 calls deep; eval / `bash -c` / heredocs fed to bash or sbatch are parsed and
//   run (child shells see exported variables only).
// - Work is bounded per read: 2,500 steps, 12,000 argv fields, 1 MB per value and 4 MB in total, 100,000 segment
//   copies, 256 derived scripts; past a bound values become unknown or the evaluation stops with a warning.
import { evalArith, type ArithEnv } from './arith';
import { PK, type Assign, type Cmd, type ParamPart, type Part, type Redir, type SimpleCmd, type Word } from './ast';
import { detectLaunch, isMegatronEntry, type LauncherHit, type OptRef } from './launch';
import { ScriptReader } from './parser';
import { Src } from './src';
import {
  NO_ORIGINS,
  chargeSegs,
  UNKNOWN_CHAR,
  ValBuilder,
  emptyVal,
  isKnown,
  literalVal,
  originsOf,
  pushOrigin,
  unknownReason,
  valSpan,
  type OriginRef,
  type Seg,
  type Val,
} from './value';

// ── Limits (every input must finish in bounded time) ──────────────────────────────────────────────
const MAX_LOOP_ITERATIONS = 64;
const MAX_CALL_DEPTH = 16;
/** Commands and expansions evaluated per read; realistic scripts need a few hundred (the 320-line fixture: ~410). */
const MAX_STEPS = 2_500;
const MAX_VALUE_CHARS = 1 << 20;
const MAX_TOTAL_CHARS = 4 << 20;
const MAX_INVOCATIONS = 32;
const MAX_NAMEREF_HOPS = 8;
const MAX_PATTERN_VALUE = 4096;
/** One eval / bash -c / heredoc script (real ones are a few KB; a heredoc holding a whole job script maybe 100 KB). */
const MAX_DERIVED_CHARS = 256 * 1024;
/** All such scripts of one read together (a self-doubling `eval` chain would otherwise re-parse megabytes). */
const MAX_DERIVED_TOTAL = 512 * 1024;
/** eval / bash -c / heredoc scripts per read (a sweep loop of 64 evals is realistic; a self-spawning eval is not). */
const MAX_DERIVED_RUNS = 256;
/** Fields one command may expand to (arrays of arrays can multiply); the rest are dropped with a warning. */
const MAX_FIELDS_PER_COMMAND = 8192;
/** Fields produced over the whole run. */
const MAX_FIELDS_TOTAL = 12_000;

/** Tri-state exit status: the condition held, failed, or cannot be decided statically. */
export const T = 0;
export const F = 1;
export const U = 2;
type Status = 0 | 1 | 2;

const enum Flow {
  None,
  Break,
  Continue,
  Return,
  Exit,
}

const enum VK {
  Scalar,
  Indexed,
  Assoc,
  Nameref,
}

interface Var {
  kind: VK;
  val: Val | null;
  arr: Map<string, Val> | null;
  ref: string;
  exported: boolean;
  readonly: boolean;
}

/** One expanded argv word. */
export interface Field extends Val {
  glob: boolean;
  /** Document span of the token the field came from. */
  tok0: number;
  tok1: number;
  /** The only field its token produced (its range is then the whole token). */
  single: boolean;
}

export interface RawLauncher {
  kind: LauncherHit['kind'];
  s0: number;
  s1: number;
  gpusPerNode: Field | null;
  nodes: Field | null;
  totalProcesses: Field | null;
}

export interface RawInvocation {
  launchers: RawLauncher[];
  entry: Field;
  args: Field[];
  s0: number;
  s1: number;
  conditional: boolean;
  env: Map<string, Field>;
  passthrough: [number, number][];
}

export interface RawDiag {
  code: string;
  severity: 'error' | 'warning' | 'information' | 'hint';
  message: string;
  s0: number;
  s1: number;
  related?: { message: string; s0: number; s1: number }[];
}

/** Names whose values the reader reports as environment conventions. */
export const ENV_CONVENTIONS = [
  'GPUS_PER_NODE',
  'NPROC_PER_NODE',
  'NUM_GPUS',
  'NUM_GPUS_PER_NODE',
  'NGPUS',
  'N_GPUS',
  'GPU_NUM',
  'GPUS',
  'KUBERNETES_CONTAINER_RESOURCE_GPU',
  'NNODES',
  'NUM_NODES',
  'N_NODES',
  'NODES',
  'SLURM_NNODES',
  'SLURM_JOB_NUM_NODES',
  'SLURM_NTASKS_PER_NODE',
  'SLURM_GPUS_PER_NODE',
  'WORLD_SIZE',
  'NODE_RANK',
  'RANK',
  'MASTER_ADDR',
  'MASTER_PORT',
  'CUDA_DEVICE_MAX_CONNECTIONS',
  'CUDA_VISIBLE_DEVICES',
  'PYTORCH_CUDA_ALLOC_CONF',
  'NVTE_FLASH_ATTN',
  'NVTE_FUSED_ATTN',
  'NVTE_UNFUSED_ATTN',
  'NVTE_ALLOW_NONDETERMINISTIC_ALGO',
  'NCCL_IB_DISABLE',
  'NCCL_P2P_DISABLE',
  'OMP_NUM_THREADS',
];
const ENV_SET = new Set(ENV_CONVENTIONS);

/** Set by the shell or the session at run time: unknown rather than unset. */
const RUNTIME_VARS: Record<string, string> = {
  HOME: 'the home directory',
  PWD: 'the working directory',
  OLDPWD: 'the previous directory',
  USER: 'the user name',
  LOGNAME: 'the user name',
  HOSTNAME: 'the host name',
  RANDOM: 'a random number',
  SRANDOM: 'a random number',
  SECONDS: 'the elapsed time',
  EPOCHSECONDS: 'the time',
  LINENO: 'the line number',
  PPID: 'the parent process id',
  UID: 'the user id',
  EUID: 'the user id',
  BASH_SOURCE: 'the script path',
  BASHPID: 'the process id',
  SHELL: 'the login shell',
  PATH: 'the search path',
  BASH_VERSION: 'the bash version',
  HOSTTYPE: 'the machine type',
  OSTYPE: 'the OS type',
};

const SHELL_NAMES = new Set(['bash', 'sh', 'zsh', 'dash', 'ksh']);
const HEREDOC_RUNNERS = new Set(['sbatch', 'bash', 'sh', 'zsh', 'dash', 'ksh', 'salloc', 'srun', 'qsub', 'bsub']);
/** Commands whose success we cannot assume (`grep -q … && …`). */
const UNSURE_STATUS = new Set(['grep', 'egrep', 'fgrep', 'which', 'type', 'hash', 'pgrep', 'ping', 'nvidia-smi', 'ls', 'diff', 'cmp', 'compgen', 'getopts', 'read', 'wait', 'kill', 'curl', 'wget', 'ssh', 'git', 'python', 'python3', 'findmnt', 'mountpoint', 'id', 'getent']);

interface Frame {
  /** null: the script's own arguments, unknown. */
  args: Field[] | null;
}

export class Interp {
  vars = new Map<string, Var>();
  locals: Map<string, Var>[] = [];
  funcs = new Map<string, { body: Cmd; src: Src }>();
  frames: Frame[] = [{ args: null }];
  /** >0 inside a branch whose condition could not be decided. */
  cond = 0;
  flow: Flow = Flow.None;
  flowLevels = 0;
  steps = 0;
  chars = 0;
  callDepth = 0;
  budgetReported = false;
  fieldsTotal = 0;
  /** Characters of eval / bash -c / heredoc text parsed so far. */
  derivedChars = 0;
  derivedRuns = 0;
  derivedReported = false;
  depthReported = false;
  fieldsReported = false;
  /** >0 while expanding test operands and case words: there a variable the script never sets is simply unset. */
  testCtx = 0;
  /** Launchers of an enclosing `srun bash -c "…"` or `srun … <<EOF`. */
  outer: RawLauncher[] = [];

  invocations: RawInvocation[] = [];
  diags: RawDiag[] = [];
  sbatch: { text: string; src: Src; i0: number }[] = [];
  unresolvedSeen = new Set<string>();
  globSeen = new Set<string>();
  envAtFirstLaunch: Map<string, Field> | null = null;
  /** Where `$@` of the script was expanded in the current command (extra arguments possible at run time). */
  private passthrough: [number, number][] = [];

  /** Names assigned anywhere in the document (even on branches not taken): those are unset, not environment. */
  readonly assignedNames: Set<string>;

  constructor(readonly doc: string) {
    this.assignedNames = assignedNames(doc);
  }

  // ── Budget ──────────────────────────────────────────────────────────────────────────────────────

  /** Count a unit of work; false once the budget is spent (the rest of the script is then skipped). */
  step(s0: number): boolean {
    if (++this.steps <= MAX_STEPS) return true;
    if (!this.budgetReported) {
      this.budgetReported = true;
      this.diags.push({ code: 'bash-syntax', severity: 'warning', message: `evaluation stopped after ${MAX_STEPS} steps (loops or recursion too large to follow statically)`, s0, s1: s0 + 1 });
    }
    this.flow = Flow.Exit;
    return false;
  }

  /** Account for produced text; returns false when the value must become unknown instead. */
  spend(nChars: number): boolean {
    this.chars += nChars;
    return nChars <= MAX_VALUE_CHARS && this.chars <= MAX_TOTAL_CHARS;
  }

  // ── Running ─────────────────────────────────────────────────────────────────────────────────────

  runScript(text: string, src: Src): void {
    const reader = new ScriptReader(text);
    let running = true;
    for (;;) {
      const cmd = reader.next();
      if (!cmd) break;
      if (running) {
        this.run(cmd, src);
        if (this.flow !== Flow.None) {
          if (this.budgetReported) break; // out of budget: the rest is neither run nor parsed
          if (this.flow === Flow.Exit || this.flow === Flow.Return) running = false; // parse on for syntax errors
          else this.flow = Flow.None; // a stray break/continue outside a loop
        }
      }
    }
    if (this.flow === Flow.Exit && this.callDepth === 0 && !this.budgetReported) this.flow = Flow.None;
    for (const d of reader.diags) {
      const [s0, s1] = src.span(d.i0, d.i1);
      this.diags.push({ code: d.code, severity: d.severity, message: d.message, s0, s1: Math.max(s1, s0 + 1) });
    }
    for (const sb of reader.sbatch) this.sbatch.push({ text: sb.text, src, i0: sb.i0 });
  }

  runList(cmds: Cmd[], src: Src): Status {
    let st: Status = T;
    for (const c of cmds) {
      if (this.flow !== Flow.None) break;
      st = this.run(c, src);
    }
    return st;
  }

  run(c: Cmd, src: Src): Status {
    if (!this.step(c.i0)) return U;
    switch (c.t) {
      case 'simple':
        return this.runSimple(c, src);
      case 'andor': {
        let st = this.run(c.first, src);
        for (const r of c.rest) {
          if (this.flow !== Flow.None) break;
          const want = r.op === '&&' ? T : F;
          if (st === want) st = this.run(r.cmd, src);
          else if (st === U) {
            this.cond++;
            const s2 = this.run(r.cmd, src);
            this.cond--;
            st = s2 === T && r.op === '||' ? T : U;
          }
        }
        return st;
      }
      case 'pipe': {
        let st: Status = T;
        for (const p of c.cmds) {
          if (this.flow !== Flow.None) break;
          st = this.run(p, src);
        }
        return c.bang ? (st === U ? U : st === T ? F : T) : st;
      }
      case 'if': {
        for (const cl of c.clauses) {
          const st = this.runList(cl.cond, src);
          if (this.flow !== Flow.None) return U;
          if (st === T) return this.runList(cl.body, src);
          if (st === U) {
            // Undecided: take this branch (the first candidate), marked conditional; later branches are not read.
            this.cond++;
            this.runList(cl.body, src);
            this.cond--;
            return U;
          }
        }
        if (c.elseBody) return this.runList(c.elseBody, src);
        return T;
      }
      case 'while': {
        for (let k = 0; k < MAX_LOOP_ITERATIONS; k++) {
          let st = this.runList(c.cond, src);
          if (this.flow !== Flow.None) break;
          if (c.until && st !== U) st = st === T ? F : T;
          // An undecided loop condition (e.g. `[[ $# -gt 0 ]]` on unknown script arguments) runs the body zero times.
          if (st !== T) break;
          this.runList(c.body, src);
          if (this.loopFlow()) break;
        }
        return T;
      }
      case 'for':
        return this.runFor(c, src);
      case 'case':
        return this.runCase(c, src);
      case 'group':
        this.runHeredocRedirs(c.redirs, src, null);
        return this.runList(c.body, src);
      case 'subshell': {
        const saved = this.saveVars();
        const st = this.runList(c.body, src);
        this.restoreVars(saved);
        if (this.flow === Flow.Exit || this.flow === Flow.Return) this.flow = Flow.None;
        return st;
      }
      case 'func':
        this.funcs.set(c.name, { body: c.body, src });
        return T;
      case 'arith': {
        const v = this.arithWord(c.expr, src);
        if (v.value === null) return U;
        return v.value !== 0n ? T : F;
      }
      case 'test':
        return this.evalTestWords(this.testTokens(c.words, c.ops, src), true);
    }
    return T;
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

  runFor(c: Extract<Cmd, { t: 'for' }>, src: Src): Status {
    if (c.select) return T;
    if (c.arith) {
      this.arithWord(c.arith[0], src);
      for (let k = 0; k < MAX_LOOP_ITERATIONS; k++) {
        const condText = c.arith[1].parts.length ? this.arithWord(c.arith[1], src).value : 1n;
        if (condText === null || condText === 0n) break;
        this.runList(c.body, src);
        if (this.loopFlow()) break;
        this.arithWord(c.arith[2], src);
      }
      return T;
    }
    let items: Field[];
    if (c.words === null) {
      const fr = this.frames[this.frames.length - 1];
      if (fr.args === null) return T; // `for x; do` over unknown script arguments: not followed
      items = fr.args;
    } else {
      items = [];
      for (const w of c.words) this.expandWord(w, src, true, items);
    }
    if (items.some((f) => !isKnown(f))) {
      // The list is only known at run time: read the body once, conditionally, with the first item.
      this.cond++;
      this.setScalar(c.name, items[0] ?? emptyVal(), false);
      this.runList(c.body, src);
      this.loopFlow();
      this.cond--;
      return U;
    }
    const n = Math.min(items.length, MAX_LOOP_ITERATIONS);
    for (let k = 0; k < n; k++) {
      this.setScalar(c.name, items[k], false);
      this.runList(c.body, src);
      if (this.loopFlow()) break;
    }
    return T;
  }

  runCase(c: Extract<Cmd, { t: 'case' }>, src: Src): Status {
    this.testCtx++;
    const subject = this.expandJoined(c.word, src);
    this.testCtx--;
    let fallthrough = false;
    for (let k = 0; k < c.items.length; k++) {
      const item = c.items[k];
      let m: Status = F;
      if (fallthrough) m = T;
      else {
        for (const p of item.pats) {
          this.testCtx++;
          const pat = this.expandJoined(p, src);
          this.testCtx--;
          const r = !isKnown(subject) || !isKnown(pat) ? U : globMatch(pat.text, subject.text, wordIsQuoted(p)) ? T : F;
          if (r === T) {
            m = T;
            break;
          }
          if (r === U) m = U;
        }
      }
      if (m === F) continue;
      if (m === U) {
        this.cond++;
        this.runList(item.body, src);
        this.cond--;
        return U;
      }
      this.runList(item.body, src);
      if (this.flow !== Flow.None) return T;
      if (item.term === ';&') {
        fallthrough = true;
        continue;
      }
      fallthrough = false;
      if (item.term === ';;&') continue;
      return T;
    }
    return T;
  }

  // ── Variables ───────────────────────────────────────────────────────────────────────────────────

  findVar(name: string): Var | undefined {
    for (let k = this.locals.length - 1; k >= 0; k--) {
      const v = this.locals[k].get(name);
      if (v) return v;
    }
    return this.vars.get(name);
  }

  /** Follow namerefs. */
  resolveName(name: string): string {
    for (let hop = 0; hop < MAX_NAMEREF_HOPS; hop++) {
      const v = this.findVar(name);
      if (!v || v.kind !== VK.Nameref || !v.ref) return name;
      name = v.ref;
    }
    return name;
  }

  /** The scope map a plain assignment to `name` writes into. */
  scopeOf(name: string): Map<string, Var> {
    for (let k = this.locals.length - 1; k >= 0; k--) if (this.locals[k].has(name)) return this.locals[k];
    return this.vars;
  }

  getOrCreate(name: string, local: boolean): Var {
    const scope = local && this.locals.length ? this.locals[this.locals.length - 1] : this.scopeOf(name);
    let v = scope.get(name);
    if (!v) {
      v = { kind: VK.Scalar, val: null, arr: null, ref: '', exported: false, readonly: false };
      scope.set(name, v);
    }
    return v;
  }

  /** Values assigned on an undecided branch carry the mark on their own segments only (`OPTS+=…` keeps the old part certain). */
  markCond(v: Val): Val {
    if (this.cond === 0) return v;
    return { text: v.text, segs: v.segs.map((g) => (g.cond ? g : { ...g, cond: true })), cond: true };
  }

  setScalar(name: string, val: Val, local: boolean, marked = false): void {
    name = this.resolveName(name);
    const v = this.getOrCreate(name, local);
    if (v.readonly) return;
    if (!marked) val = this.markCond(val);
    if (v.kind === VK.Indexed || v.kind === VK.Assoc) {
      v.arr!.set('0', val);
      return;
    }
    v.kind = VK.Scalar;
    v.val = val;
  }

  /** Text of a variable as arithmetic sees it (null when unset). */
  scalarOf(name: string): Val | null {
    name = this.resolveName(name);
    const v = this.findVar(name);
    if (!v) return null;
    if (v.kind === VK.Indexed || v.kind === VK.Assoc) return v.arr!.get('0') ?? null;
    return v.val;
  }

  saveVars(): { vars: Map<string, Var>; locals: Map<string, Var>[]; funcs: Map<string, { body: Cmd; src: Src }> } {
    const clone = (m: Map<string, Var>): Map<string, Var> => {
      const out = new Map<string, Var>();
      for (const [k, v] of m) out.set(k, { ...v, arr: v.arr ? new Map(v.arr) : null });
      return out;
    };
    const saved = { vars: this.vars, locals: this.locals, funcs: this.funcs };
    this.vars = clone(this.vars);
    this.locals = this.locals.map(clone);
    this.funcs = new Map(this.funcs);
    return saved;
  }

  /** A child shell (`bash -c`, a heredoc fed to bash/sbatch) starts from the exported variables only. */
  childShell(): ReturnType<Interp['saveVars']> {
    const saved = this.saveVars();
    for (const [k, v] of this.vars) if (!v.exported) this.vars.delete(k);
    for (const m of this.locals) for (const [k, v] of m) if (v.exported) this.vars.set(k, v);
    this.locals = [];
    return saved;
  }

  restoreVars(saved: { vars: Map<string, Var>; locals: Map<string, Var>[]; funcs: Map<string, { body: Cmd; src: Src }> }): void {
    this.vars = saved.vars;
    this.locals = saved.locals;
    this.funcs = saved.funcs;
  }

  // ── Simple commands ─────────────────────────────────────────────────────────────────────────────

  runSimple(c: SimpleCmd, src: Src): Status {
    this.passthrough = [];
    const fields: Field[] = [];
    const declAssigns: { at: number; a: Assign }[] = [];
    // `[`/`test` operands: a variable the script never sets is unset there (`[ "$FP8" = 1 ]` is false).
    const first = c.words[0]?.parts;
    const isTest = first && first.length === 1 && first[0].k === PK.Lit && (first[0].text === '[' || first[0].text === 'test');
    if (isTest) this.testCtx++;
    for (const w of c.words) {
      if (w.assign) declAssigns.push({ at: fields.length, a: w.assign });
      else this.expandWord(w, src, true, fields);
      if (fields.length > MAX_FIELDS_PER_COMMAND || this.fieldsTotal > MAX_FIELDS_TOTAL) {
        fields.length = Math.min(fields.length, MAX_FIELDS_PER_COMMAND);
        if (!this.fieldsReported) {
          this.fieldsReported = true;
          const [s0, s1] = src.span(c.i0, c.i0 + 1);
          const why = this.fieldsTotal > MAX_FIELDS_TOTAL ? `the script expands to more than ${MAX_FIELDS_TOTAL} words in all` : `the command expands to more than ${MAX_FIELDS_PER_COMMAND} words`;
          this.diags.push({ code: 'bash-syntax', severity: 'warning', message: `${why}; the rest are not read`, s0, s1 });
        }
        break;
      }
    }
    if (isTest) this.testCtx--;
    // A command's cost grows with its words: charge them against the step budget too.
    this.steps += fields.length >> 3;
    const passthrough = this.passthrough;
    if (fields.length === 0 && declAssigns.length === 0) {
      for (const a of c.assigns) this.assign(a, src, false);
      this.runHeredocRedirs(c.redirs, src, null);
      return T;
    }
    // Prefix assignments only live in the command's environment.
    const prefixEnv = new Map<string, Field>();
    for (const a of c.assigns) {
      const v = a.placeholder !== undefined ? this.placeholderVal(a, src) : a.value ? this.expandJoined(a.value, src) : emptyVal();
      const [s0, s1] = src.span(a.v0, a.v1);
      prefixEnv.set(a.name, { ...this.viaVar(a.name, v, s0, s1), glob: false, tok0: s0, tok1: s1, single: true });
    }
    const name = fields.length ? (isKnown(fields[0]) ? fields[0].text : null) : null;
    const [c0, c1] = src.span(c.i0, c.i1);
    if (name !== null) {
      switch (name) {
        case ':':
        case 'true':
          return T;
        case 'false':
          return F;
        case 'export':
        case 'declare':
        case 'typeset':
        case 'local':
        case 'readonly':
          return this.runDecl(name, fields, declAssigns, src);
        case 'unset':
          for (const f of fields.slice(1)) {
            if (!isKnown(f) || f.text.startsWith('-')) continue;
            const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[(.*)\])?$/.exec(f.text);
            if (!m) continue;
            const v = this.findVar(this.resolveName(m[1]));
            if (!v || v.readonly) continue;
            if (m[2] !== undefined && v.arr) v.arr.delete(v.kind === VK.Indexed ? String(Number(m[2]) | 0) : m[2]);
            else this.scopeOf(this.resolveName(m[1])).delete(this.resolveName(m[1]));
          }
          return T;
        case 'let': {
          let st: Status = T;
          for (const f of fields.slice(1)) {
            if (!isKnown(f)) {
              st = U;
              continue;
            }
            const r = this.arithText(f, f.tok0, f.tok1);
            st = r.value === null ? U : r.value !== 0n ? T : F;
          }
          return st;
        }
        case 'eval': {
          const b = new ValBuilder();
          fields.slice(1).forEach((f, k) => {
            if (k > 0) b.appendLiteral(' ', f.tok0, f.tok0, false); // zero-width: see Src.span
            b.append(f);
          });
          return this.runDerived(b.build(), true, c0);
        }
        case 'source':
        case '.': {
          const target = fields[1];
          const what = target ? (isKnown(target) ? target.text : this.doc.slice(target.tok0, target.tok1)) : '';
          this.diags.push({ code: 'sourced-file-not-read', severity: 'information', message: `\`${what}\` is not read: variables it sets stay unset here`, s0: c0, s1: c1 });
          return T;
        }
        case 'shift': {
          const fr = this.frames[this.frames.length - 1];
          const k = fields[1] && isKnown(fields[1]) ? Number(fields[1].text) || 1 : 1;
          if (fr.args) fr.args = fr.args.slice(k);
          return T;
        }
        case 'exit':
        case 'return':
          // On an undecided path (a usage check on unknown arguments) an exit is not followed.
          if (this.cond === 0) this.flow = name === 'exit' ? Flow.Exit : Flow.Return;
          return T;
        case 'break':
        case 'continue':
          if (this.cond === 0) {
            this.flow = name === 'break' ? Flow.Break : Flow.Continue;
            this.flowLevels = fields[1] && isKnown(fields[1]) ? Math.max(1, Number(fields[1].text) | 0) : 1;
          }
          return T;
        case '[':
        case 'test': {
          const args = fields.slice(1);
          if (name === '[') {
            if (args.length && isKnown(args[args.length - 1]) && args[args.length - 1].text === ']') args.pop();
          }
          return this.evalTestWords(args.map((f) => ({ text: isKnown(f) ? f.text : null, op: null, nonEmpty: f.text.replace(/\0/g, '').length > 0 })), false);
        }
        case 'read':
        case 'mapfile':
        case 'readarray':
        case 'printf':
        case 'getopts':
          this.runReaders(name, fields, c0, c1);
          return name === 'printf' ? T : U;
        case 'set': {
          // `set -- a b`: new positional parameters.
          const k = fields.findIndex((f) => f.text === '--');
          if (k > 0) this.frames[this.frames.length - 1].args = fields.slice(k + 1);
          return T;
        }
        case 'cd':
        case 'echo':
        case 'mkdir':
        case 'rm':
        case 'cp':
        case 'mv':
        case 'touch':
        case 'sleep':
        case 'trap':
        case 'ulimit':
        case 'umask':
        case 'shopt':
        case 'pushd':
        case 'popd':
        case 'wait':
        case 'module':
        case 'conda':
        case 'pip':
          this.runHeredocRedirs(c.redirs, src, null);
          return T;
      }
      const fn = this.funcs.get(name);
      if (fn) return this.callFunction(fn, fields.slice(1), c0);
    }
    // Heredoc bodies fed to a shell or scheduler are scripts themselves.
    if (name !== null && c.redirs.some((r) => r.heredoc)) {
      const b = name.slice(name.lastIndexOf('/') + 1);
      const later = fields.slice(1).some((f) => SHELL_NAMES.has(f.text));
      if (HEREDOC_RUNNERS.has(b) || later) {
        const hit = detectLaunch(fields.map((f) => (isKnown(f) ? f.text : null)), true);
        const launchers = hit ? this.rawLaunchers(hit.launchers, fields) : [];
        this.runHeredocRedirs(c.redirs, src, launchers);
        return T;
      }
    }
    const texts = fields.map((f) => (isKnown(f) ? f.text : null));
    const hit = detectLaunch(texts, name !== null);
    if (hit) {
      if (hit.t === 'shell') {
        const launchers = this.rawLaunchers(hit.launchers, fields);
        const saveOuter = this.outer;
        this.outer = [...this.outer, ...launchers];
        const saved = this.childShell();
        this.frames.push({ args: fields.slice(hit.script + 2) });
        this.runDerived(fields[hit.script], true, c0);
        this.frames.pop();
        this.restoreVars(saved);
        if (this.flow === Flow.Exit || this.flow === Flow.Return) this.flow = Flow.None;
        this.outer = saveOuter;
        return T;
      }
      const entry = fields[hit.entry];
      const args = fields.slice(hit.entry + 1);
      if (isMegatronEntry(texts[hit.entry], hit.module, texts.slice(hit.entry + 1))) {
        for (const k of hit.envWords) {
          const f = fields[k];
          const eq = f.text.indexOf('=');
          if (eq > 0) {
            const b = new ValBuilder();
            b.appendSlice(f, eq + 1, f.text.length);
            prefixEnv.set(f.text.slice(0, eq), { ...b.build(), glob: false, tok0: f.tok0, tok1: f.tok1, single: false });
          }
        }
        this.record([...this.outer, ...this.rawLaunchers(hit.launchers, fields)], entry, args, c0, c1, prefixEnv, passthrough);
      }
      return T;
    }
    if (name !== null && UNSURE_STATUS.has(name)) return U;
    return T;
  }

  rawLaunchers(hits: LauncherHit[], fields: Field[]): RawLauncher[] {
    const opt = (r: OptRef | null, maxPart: boolean): Field | null => {
      if (!r || r.word >= fields.length) return null;
      const f = fields[r.word];
      let from = r.from;
      // `--nnodes MIN:MAX` → MAX
      if (maxPart) {
        const colon = f.text.indexOf(':', from);
        if (colon >= 0) from = colon + 1;
      }
      if (from === 0) return f;
      const b = new ValBuilder();
      b.appendSlice(f, from, f.text.length);
      const v = b.build();
      return { ...v, cond: f.cond, glob: f.glob, tok0: f.tok0, tok1: f.tok1, single: false };
    };
    return hits.map((h) => {
      const a = fields[h.first];
      const z = fields[Math.min(h.last, fields.length - 1)] ?? a;
      return {
        kind: h.kind,
        s0: a.tok0,
        s1: Math.max(a.tok1, z.tok1),
        gpusPerNode: opt(h.gpusPerNode, false),
        nodes: opt(h.nodes, h.kind === 'torchrun' || h.kind === 'torch.distributed.run' || h.kind === 'torch.distributed.launch'),
        totalProcesses: opt(h.totalProcesses, false),
      };
    });
  }

  record(launchers: RawLauncher[], entry: Field, args: Field[], s0: number, s1: number, prefixEnv: Map<string, Field>, passthrough: [number, number][]): void {
    if (this.invocations.length >= MAX_INVOCATIONS) return;
    const env = new Map<string, Field>();
    for (const [k, v] of this.envSnapshot()) env.set(k, this.envField(k, v));
    for (const [k, v] of prefixEnv) if (ENV_SET.has(k) || k.startsWith('NVTE_') || k.startsWith('NCCL_')) env.set(k, v);
    if (!this.envAtFirstLaunch) this.envAtFirstLaunch = env;
    this.invocations.push({ launchers, entry, args, s0, s1, conditional: this.cond > 0, env, passthrough });
    // One diagnostic per unresolved root cause that reaches a launch argument or a world-size option.
    // In command order: launcher options stand before the entry point and its arguments.
    const words: Field[] = [];
    for (const l of launchers) for (const f of [l.gpusPerNode, l.nodes, l.totalProcesses]) if (f) words.push(f);
    words.push(entry, ...args);
    for (const f of words) {
      if (!isKnown(f)) this.reportUnresolved(f);
      if (f.glob) {
        const key = `${f.tok0}:${f.tok1}`;
        if (!this.globSeen.has(key)) {
          this.globSeen.add(key);
          this.diags.push({ code: 'unquoted-glob', severity: 'hint', message: `\`${f.text}\` is unquoted, so the shell may expand it as a file pattern; quote it`, s0: f.tok0, s1: f.tok1 });
        }
      }
    }
  }

  reportUnresolved(f: Field): void {
    const g = f.segs.find((x) => x.unknown !== undefined);
    if (!g) return;
    const deepest = g.origins.length ? g.origins[g.origins.length - 1] : null;
    const key = deepest ? `${deepest.s0}:${deepest.s1}:${g.unknown}` : `${g.s0}:${g.s1}:${g.unknown}`;
    if (this.unresolvedSeen.has(key)) return;
    this.unresolvedSeen.add(key);
    const what = g.origins.length ? `$${g.origins[0].name}` : `\`${this.doc.slice(g.s0, Math.min(g.s1, g.s0 + 60))}\``;
    const via = g.origins.length > 1 ? ` (via ${g.origins.slice(1).map((o) => '$' + o.name).join(', ')})` : '';
    const d: RawDiag = { code: 'unresolved-value', severity: 'warning', message: `${what}${via} cannot be resolved statically: ${g.unknown}`, s0: g.s0, s1: Math.max(g.s1, g.s0 + 1) };
    if (g.origins.length) d.related = g.origins.map((o) => ({ message: `${o.name} is set here`, s0: o.s0, s1: o.s1 }));
    this.diags.push(d);
  }

  /** Current values of the environment conventions (values are immutable, so references suffice). */
  envSnapshot(): Map<string, Val> {
    const env = new Map<string, Val>();
    for (const name of ENV_CONVENTIONS) {
      const v = this.scalarOf(name);
      if (v) env.set(name, v);
    }
    for (const [k, v] of this.vars) if (v.val && (k.startsWith('NVTE_') || k.startsWith('NCCL_'))) env.set(k, v.val);
    return env;
  }

  /** An environment value as a field pointing at its definition. */
  envField(name: string, v: Val): Field {
    const span = valSpan(v) ?? [0, 0];
    const f = this.viaVar(name, v, span[0], span[1]);
    return { text: f.text, segs: f.segs, cond: f.cond, glob: false, tok0: span[0], tok1: span[1], single: true };
  }

  runDecl(name: string, fields: Field[], declAssigns: { at: number; a: Assign }[], src: Src): Status {
    let opts = '';
    const plain: Field[] = [];
    for (const f of fields.slice(1)) {
      if (isKnown(f) && f.text.startsWith('-') && f.text.length > 1) opts += f.text.slice(1);
      else if (isKnown(f) && f.text.startsWith('+')) continue; // `declare +x`: removing attributes changes no value
      else plain.push(f);
    }
    const local = name === 'local' || ((name === 'declare' || name === 'typeset') && this.locals.length > 0 && !opts.includes('g'));
    const exported = name === 'export' || opts.includes('x');
    const readonly = name === 'readonly' || opts.includes('r');
    const kind = opts.includes('A') ? VK.Assoc : opts.includes('a') ? VK.Indexed : opts.includes('n') ? VK.Nameref : null;
    if (opts.includes('f') || opts.includes('F') || opts.includes('p')) return T;
    const touch = (n: string): Var => {
      const v = this.getOrCreate(n, local);
      if (kind === VK.Assoc || kind === VK.Indexed) {
        if (v.kind !== kind) {
          v.kind = kind;
          v.arr = new Map();
          if (v.val) v.arr.set('0', v.val);
          v.val = null;
        }
      } else if (kind === VK.Nameref) v.kind = VK.Nameref;
      if (exported) v.exported = true;
      return v;
    };
    for (const f of plain) {
      if (!isKnown(f) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(f.text)) continue;
      const v = touch(f.text);
      if (readonly) v.readonly = true;
    }
    for (const { a } of declAssigns) {
      const v = touch(a.name);
      if (kind === VK.Nameref) {
        const target = a.value ? this.expandJoined(a.value, src) : emptyVal();
        if (isKnown(target)) v.ref = target.text;
        continue;
      }
      this.assign(a, src, local);
      if (readonly) v.readonly = true;
    }
    return T;
  }

  /** `read`, `mapfile`, `printf -v`: the variables they set are only known at run time. */
  runReaders(name: string, fields: Field[], s0: number, s1: number): void {
    const why = `set by \`${name}\` at run time`;
    const targets: string[] = [];
    if (name === 'printf') {
      const k = fields.findIndex((f) => f.text === '-v');
      if (k > 0 && fields[k + 1]) targets.push(fields[k + 1].text);
    } else if (name === 'getopts') {
      if (fields[2]) targets.push(fields[2].text);
    } else {
      let arrayMode = name !== 'read';
      for (let k = 1; k < fields.length; k++) {
        const t = fields[k].text;
        if (t.startsWith('-')) {
          if (t.includes('a')) arrayMode = true;
          if (/[dnNptu]$/.test(t) || /^-[a-zA-Z]*[dnNptuC]$/.test(t)) k++;
          continue;
        }
        targets.push(t);
      }
      if (targets.length === 0) targets.push(arrayMode ? 'MAPFILE' : 'REPLY');
      if (arrayMode) {
        for (const t of targets) {
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) continue;
          const v = this.getOrCreate(this.resolveName(t), false);
          v.kind = VK.Indexed;
          v.arr = new Map([['0', this.markCond(unknownValAt(why, s0, s1))]]);
          v.val = null;
        }
        return;
      }
    }
    for (const t of targets) if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) this.setScalar(t, unknownValAt(why, s0, s1), false);
  }

  callFunction(fn: { body: Cmd; src: Src }, args: Field[], s0: number): Status {
    if (this.callDepth >= MAX_CALL_DEPTH) {
      if (this.depthReported) return U;
      this.depthReported = true;
      this.diags.push({ code: 'bash-syntax', severity: 'warning', message: `function calls nested deeper than ${MAX_CALL_DEPTH} are not followed`, s0, s1: s0 + 1 });
      return U;
    }
    this.callDepth++;
    this.frames.push({ args });
    this.locals.push(new Map());
    const st = this.run(fn.body, fn.src);
    this.locals.pop();
    this.frames.pop();
    this.callDepth--;
    if (this.flow === Flow.Return) this.flow = Flow.None;
    return st;
  }

  /**
   * Read a string as a script (`eval`, `bash -c`, a heredoc). With `unwrap`, text that came from a variable is
   * placed at that variable's definition, so `cmd="torchrun … --tp 2"; eval $cmd` points into the definition.
   */
  runDerived(v: Val, unwrap: boolean, s0: number): Status {
    if (this.callDepth >= MAX_CALL_DEPTH) return U;
    this.derivedChars += v.text.length;
    // Each command string costs a parser of its own: count it as several steps, and cap how many there are.
    this.steps += 8;
    if (++this.derivedRuns > MAX_DERIVED_RUNS || v.text.length > MAX_DERIVED_CHARS || this.derivedChars > MAX_DERIVED_TOTAL || !this.spend(v.text.length)) {
      if (this.derivedReported) return U;
      this.derivedReported = true;
      this.diags.push({ code: 'bash-syntax', severity: 'warning', message: 'a command string (eval, bash -c, heredoc) is too large to read statically', s0, s1: s0 + 1 });
      return U;
    }
    const segs: Seg[] = unwrap ? v.segs.map(unwrapSeg) : v.segs;
    this.callDepth++;
    this.runScript(v.text, new Src(v.text, segs));
    this.callDepth--;
    if (this.flow === Flow.Return && this.callDepth === 0) this.flow = Flow.None;
    return T;
  }

  runHeredocRedirs(redirs: Redir[], src: Src, launchers: RawLauncher[] | null): void {
    if (!launchers) return;
    for (const r of redirs) {
      if (!r.heredoc) continue;
      const body = this.expandJoined(r.heredoc.body, src);
      const saveOuter = this.outer;
      this.outer = [...this.outer, ...launchers];
      const saved = this.childShell();
      this.frames.push({ args: null });
      this.runDerived(body, false, r.i0);
      this.frames.pop();
      this.restoreVars(saved);
      if (this.flow === Flow.Exit || this.flow === Flow.Return) this.flow = Flow.None;
      this.outer = saveOuter;
    }
  }

  // ── Assignments ─────────────────────────────────────────────────────────────────────────────────

  placeholderVal(a: Assign, src: Src): Val {
    const [s0, s1] = src.span(a.v0, a.v1);
    return unknownValAt(`placeholder \`${a.placeholder}\` must be filled in`, s0, s1);
  }

  assign(a: Assign, src: Src, local: boolean): void {
    const name = this.resolveName(a.name);
    if (a.array) {
      const v = this.getOrCreate(name, local);
      if (v.readonly) return;
      const assoc = v.kind === VK.Assoc;
      const arr = a.append && v.arr ? v.arr : new Map<string, Val>();
      if (a.append && !v.arr && v.val) arr.set('0', v.val);
      let next = a.append ? nextIndex(arr) : 0;
      for (const el of a.array) {
        if (!this.step(a.i0)) return;
        if (el.key) {
          const key = this.expandJoined(el.key, src);
          const val = this.markCond(this.expandJoined(el.value, src));
          if (!isKnown(key)) continue;
          if (assoc) arr.set(key.text, val);
          else {
            const r = this.arithText(key, key.segs[0]?.s0 ?? 0, key.segs[0]?.s1 ?? 0);
            if (r.value === null) continue;
            next = Number(r.value);
            arr.set(String(next), val);
            next++;
          }
        } else {
          const items: Field[] = [];
          this.expandWord(el.value, src, true, items);
          for (const f of items) {
            arr.set(String(next++), this.markCond(f));
            if (arr.size > 100_000) break;
          }
        }
      }
      v.kind = assoc ? VK.Assoc : VK.Indexed;
      v.arr = arr;
      v.val = null;
      return;
    }
    let val = a.placeholder !== undefined ? this.placeholderVal(a, src) : a.value ? this.expandJoined(a.value, src) : emptyVal();
    let alreadyMarked = false;
    if (a.index) {
      const v = this.getOrCreate(name, local);
      if (v.readonly) return;
      if (v.kind !== VK.Indexed && v.kind !== VK.Assoc) {
        v.kind = VK.Indexed;
        v.arr = new Map();
        if (v.val) v.arr.set('0', v.val);
        v.val = null;
      }
      const key = this.expandJoined(a.index, src);
      if (!isKnown(key)) return;
      let k = key.text;
      if (v.kind === VK.Indexed) {
        const r = this.arithText(key, 0, 0);
        if (r.value === null) return;
        k = String(r.value);
      }
      if (a.append) val = concat(v.arr!.get(k) ?? emptyVal(), val);
      v.arr!.set(k, this.markCond(val));
      return;
    }
    if (a.append) {
      const v = this.findVar(name);
      if (v && (v.kind === VK.Indexed || v.kind === VK.Assoc)) {
        v.arr!.set('0', this.markCond(concat(v.arr!.get('0') ?? emptyVal(), val)));
        return;
      }
      const old = v?.val ?? null;
      // On an undecided branch only the appended part is conditional.
      if (old) {
        val = concat(old, this.markCond(val));
        alreadyMarked = true;
      }
    }
    if (!this.spend(val.text.length)) {
      const [s0, s1] = src.span(a.v0, a.v1);
      val = unknownValAt('the value grows beyond the 1 MB expansion limit', s0, s1);
    }
    this.setScalar(name, val, local, alreadyMarked);
  }

  /** A value seen through variable `name` at document span [s0, s1). */
  viaVar(name: string, v: Val, s0: number, s1: number): Val {
    const segs = v.segs;
    if (!chargeSegs(segs.length) && segs.length > 1) {
      // Out of provenance budget: one segment for the whole value.
      const g: Seg = { start: 0, end: v.text.length, s0, s1, mapped: false, origins: [{ name, s0, s1, mapped: false }] };
      const u = unknownReason(v);
      if (u !== undefined) g.unknown = u;
      return { text: v.text, segs: [g], cond: v.cond };
    }
    const out: Seg[] = new Array(segs.length);
    for (let k = 0; k < segs.length; k++) {
      const g = segs[k];
      const seg: Seg = { start: g.start, end: g.end, s0, s1, mapped: false, origins: pushOrigin(name, g) };
      if (g.unknown !== undefined) seg.unknown = g.unknown;
      if (g.cond) seg.cond = true;
      out[k] = seg;
    }
    return { text: v.text, segs: out, cond: v.cond };
  }

  // ── Expansion ───────────────────────────────────────────────────────────────────────────────────

  /** Expand a word without field splitting (assignments, case subjects, [[ ]] operands, heredocs). */
  expandJoined(w: Word, src: Src): Val {
    if (w.parts.length === 1 && w.parts[0].k === PK.Lit) {
      // The common case (`TP=8`): one literal, nothing to expand.
      const p = w.parts[0];
      const b = new ValBuilder();
      src.appendLit(b, p.text, p.i0, p.i1, p.raw);
      return b.build();
    }
    const out: Field[] = [];
    const fb = new FieldBuilder(this, out, false, w, src);
    this.expandParts(w.parts, src, fb);
    fb.finish(true);
    if (out.length === 0) return emptyVal();
    if (out.length === 1) return out[0];
    return joinVals(out, ' ');
  }

  /** Expand a word into argv fields (word splitting on unquoted expansions). */
  expandWord(w: Word, src: Src, split: boolean, out: Field[]): void {
    if (w.parts.length === 1 && w.parts[0].k === PK.Lit && (w.parts[0].text !== '' || w.parts[0].q) && !(split && w.parts[0].glob)) {
      // The common case (`--num-layers`): one literal word, no splitting or pattern characters.
      if (++this.fieldsTotal > MAX_FIELDS_TOTAL) return;
      const p = w.parts[0];
      const b = new ValBuilder();
      src.appendLit(b, p.text, p.i0, p.i1, p.raw);
      const [tok0, tok1] = src.span(w.i0, w.i1);
      out.push({ text: b.text, segs: b.segs, cond: false, glob: false, tok0, tok1, single: true });
      return;
    }
    const fb = new FieldBuilder(this, out, split, w, src);
    this.expandParts(w.parts, src, fb);
    fb.finish(false);
  }

  expandParts(parts: Part[], src: Src, fb: FieldBuilder): void {
    for (const p of parts) {
      switch (p.k) {
        case PK.Lit:
          fb.lit(p.text, p.i0, p.i1, p.raw, p.q, p.glob);
          break;
        case PK.Param:
          this.expandParam(p, src, fb);
          break;
        case PK.Arith: {
          const [s0, s1] = src.span(p.i0, p.i1);
          const r = this.arithWord(p.expr, src);
          if (r.value === null) fb.val(unknownValAt(r.reason, s0, s1, r.origins), p.q);
          else fb.val(literalWithOrigins(String(r.value), s0, s1, r.origins), p.q);
          break;
        }
        case PK.CmdSub: {
          const [s0, s1] = src.span(p.i0, p.i1);
          const known = this.knownSubstitution(p.body, src);
          if (known) fb.val(known, p.q);
          else {
            const shown = p.body === null && this.doc.charCodeAt(s0) === 96 ? `\`${p.name}${p.name ? ' …' : ''}\`` : `$(${p.name || '…'}${p.name ? ' …' : ''})`;
            fb.val(unknownValAt(`${shown} is only known at run time`, s0, s1), p.q);
          }
          break;
        }
      }
    }
  }

  /** `$(echo …)` with known arguments and nothing else: its output is the joined arguments. */
  knownSubstitution(body: Cmd[] | null, src: Src): Val | null {
    if (!body || body.length !== 1 || body[0].t !== 'simple') return null;
    const c = body[0];
    if (c.assigns.length || c.redirs.length || c.words.length === 0) return null;
    const fields: Field[] = [];
    for (const w of c.words) this.expandWord(w, src, true, fields);
    if (fields.length === 0 || fields[0].text !== 'echo' || fields.some((f) => !isKnown(f))) return null;
    const args = fields.slice(1);
    if (args.length && /^-[neE]+$/.test(args[0].text)) return null;
    return joinVals(args, ' ');
  }

  /** Evaluate an arithmetic word: expand, then compute, collecting the variables it read. */
  arithWord(w: Word, src: Src): { value: bigint | null; reason: string; origins: OriginRef[] } {
    const v = this.expandJoined(w, src);
    const [s0, s1] = src.span(w.i0, w.i1);
    return this.arithText(v, s0, s1);
  }

  arithText(v: Val, s0: number, s1: number): { value: bigint | null; reason: string; origins: OriginRef[] } {
    const origins: OriginRef[] = [...originsOf(v, 0, v.text.length)];
    if (!isKnown(v)) return { value: null, reason: unknownReason(v) ?? 'an operand is not known statically', origins };
    const seen = new Set<string>();
    const self = this;
    const env: ArithEnv = {
      get(name) {
        const val = self.scalarOf(name);
        if (!seen.has(name)) {
          seen.add(name);
          if (val && origins.length < 16) {
            const f = self.viaVar(name, val, s0, s1);
            for (const o of originsOf(f, 0, f.text.length)) if (!origins.some((x) => x.name === o.name)) origins.push(o);
          }
        }
        if (!val && !self.findVar(self.resolveName(name)) && RUNTIME_VARS[name]) return UNKNOWN_CHAR;
        return val ? val.text : null;
      },
      set(name, value) {
        self.setScalar(name, literalWithOrigins(String(value), s0, s1, origins.slice()), false);
      },
      why(name) {
        const val = self.scalarOf(name);
        if (!val) return RUNTIME_VARS[name] ? `$${name} is ${RUNTIME_VARS[name]}, only known at run time` : undefined;
        const r = unknownReason(val);
        return r ? `$${name}: ${r}` : undefined;
      },
    };
    const r = evalArith(v.text, env);
    if (!r.ok) return { value: null, reason: r.reason, origins };
    return { value: r.value, reason: '', origins };
  }

  /** Values of a parameter: null = unset; an array of values for `$@`/`${A[@]}` (multi). */
  lookup(p: ParamPart, src: Src, s0: number, s1: number): { vals: Val[] | null; multi: boolean; unknown?: string; neverSet?: boolean } {
    const name = p.name;
    const fr = this.frames[this.frames.length - 1];
    if (name === '@' || name === '*') {
      if (fr.args === null) {
        this.passthrough.push([s0, s1]);
        return { vals: [], multi: true };
      }
      return { vals: fr.args.map((a) => this.viaVar(name === '@' ? '$@' : '$*', a, s0, s1)), multi: true };
    }
    if (name === '#') {
      if (fr.args === null) return { vals: null, multi: false, unknown: 'the number of script arguments is only known at run time' };
      return { vals: [literalVal(String(fr.args.length), s0, s1, false)], multi: false };
    }
    const c0 = name.charCodeAt(0);
    if (c0 >= 48 && c0 <= 57) {
      if (name === '0') return { vals: null, multi: false, unknown: 'the script name is only known at run time' };
      if (fr.args === null) return { vals: null, multi: false, neverSet: true, unknown: `script argument $${name} has no default here` };
      const a = fr.args[Number(name) - 1];
      return { vals: a ? [this.viaVar('$' + name, a, s0, s1)] : null, multi: false };
    }
    if (name === '?' || name === '$' || name === '!' || name === '-' || name === '') return { vals: null, multi: false, unknown: `\`$${name}\` is only known at run time` };
    let target = this.resolveName(name);
    if (p.indirect && !p.all) {
      const v = this.scalarOf(target);
      if (!v) return { vals: null, multi: false };
      if (!isKnown(v)) return { vals: null, multi: false, unknown: unknownReason(v) };
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.text)) return { vals: null, multi: false, unknown: `\${!${name}} names \`${v.text.slice(0, 40)}\`, not a variable` };
      target = this.resolveName(v.text);
    }
    const v = this.findVar(target);
    if (!v || (v.kind !== VK.Indexed && v.kind !== VK.Assoc && v.val === null)) {
      if (RUNTIME_VARS[target] && !v) return { vals: null, multi: false, unknown: `$${target} is ${RUNTIME_VARS[target]}, only known at run time` };
      return { vals: null, multi: false, neverSet: !v && !this.assignedNames.has(target) };
    }
    const label = (k: string | null): string => (k === null ? target : `${target}[${k}]`);
    if (p.all) {
      if (p.indirect) {
        const keys = v.arr ? [...sortedKeys(v)] : v.val ? ['0'] : [];
        return { vals: keys.map((k) => literalVal(k, s0, s1, false)), multi: true };
      }
      if (v.kind === VK.Scalar || v.kind === VK.Nameref) return { vals: v.val ? [this.viaVar(target, v.val, s0, s1)] : [], multi: true };
      // Arrays copied into themselves grow quadratically; never build more elements than the field budget allows.
      const keys = sortedKeys(v).slice(0, Math.max(0, MAX_FIELDS_TOTAL - this.fieldsTotal));
      return { vals: keys.map((k) => this.viaVar(label(null), v.arr!.get(k)!, s0, s1)), multi: true };
    }
    if (p.sub) {
      const key = this.expandJoined(p.sub, src);
      if (!isKnown(key)) return { vals: null, multi: false, unknown: unknownReason(key) };
      let k = key.text;
      if (v.kind !== VK.Assoc) {
        const r = this.arithText(key, s0, s1);
        if (r.value === null) return { vals: null, multi: false, unknown: r.reason };
        k = String(r.value < 0n && v.arr ? BigInt(nextIndex(v.arr)) + r.value : r.value);
      }
      if (v.kind === VK.Scalar || v.kind === VK.Nameref) return { vals: k === '0' && v.val ? [this.viaVar(target, v.val, s0, s1)] : null, multi: false };
      const e = v.arr!.get(k);
      return { vals: e ? [this.viaVar(label(k), e, s0, s1)] : null, multi: false };
    }
    if (v.kind === VK.Indexed || v.kind === VK.Assoc) {
      const e = v.arr!.get('0');
      return { vals: e ? [this.viaVar(target, e, s0, s1)] : null, multi: false };
    }
    return { vals: [this.viaVar(target, v.val!, s0, s1)], multi: false };
  }

  expandParam(p: ParamPart, src: Src, fb: FieldBuilder): void {
    const [s0, s1] = src.span(p.i0, p.i1);
    if (p.bad) {
      fb.val(unknownValAt(p.bad, s0, s1), p.q);
      return;
    }
    if (!this.step(s0)) {
      fb.val(unknownValAt('evaluation budget exhausted', s0, s1), p.q);
      return;
    }
    const r = this.lookup(p, src, s0, s1);
    if (p.length) {
      if (r.unknown) return fb.val(unknownValAt(r.unknown, s0, s1), p.q);
      const vals = r.vals ?? [];
      let n: number;
      if (p.all || p.name === '@' || p.name === '*') n = vals.length;
      else {
        const v = vals[0];
        if (v && !isKnown(v)) return fb.val(unknownValAt(unknownReason(v) ?? 'unknown', s0, s1, originsOf(v, 0, v.text.length)), p.q);
        n = v ? [...v.text].length : 0;
      }
      const origins = vals.length ? originsOf(vals[0], 0, vals[0].text.length) : NO_ORIGINS;
      fb.val(literalWithOrigins(String(n), s0, s1, origins), p.q);
      return;
    }
    const op = p.op;
    // Unset/empty tests for the default-value family.
    const isUnset = r.vals === null && !r.unknown;
    const isNull = isUnset || (r.vals !== null && (r.multi ? r.vals.length === 0 || (r.vals.length === 1 && r.vals[0].text === '') : r.vals.length > 0 && r.vals[0].text === ''));
    if (op === ':-' || op === '-' || op === ':=' || op === '=' || op === ':+' || op === '+' || op === ':?' || op === '?') {
      const colon = op.startsWith(':');
      const base = colon ? op.slice(1) : op;
      if (r.unknown && !r.neverSet) {
        // The value is unknown (not unset): the operator's outcome is too.
        if (base === '+') return fb.val(unknownValAt(r.unknown, s0, s1), p.q);
        return fb.val(unknownValAt(r.unknown, s0, s1), p.q);
      }
      const empty = colon ? isNull || (r.unknown !== undefined && r.neverSet === true) : isUnset || (r.unknown !== undefined && r.neverSet === true);
      const valueKnownEmpty = r.vals !== null && r.vals.length === 1 && !isKnown(r.vals[0]) ? null : empty;
      if (valueKnownEmpty === null && (base === '-' || base === '=' || base === '?' || base === '+')) {
        // A partly unknown value: never empty if it has known text, else undecidable.
        const v = r.vals![0];
        if (v.text.replace(/\0/g, '').length === 0) return fb.val(unknownValAt(unknownReason(v) ?? 'unknown', s0, s1, originsOf(v, 0, v.text.length)), p.q);
      }
      if (base === '+') {
        if (!empty && p.arg) this.expandParts(p.arg.parts, src, fb);
        else fb.markQuoted(p.q);
        return;
      }
      if (!empty) return this.emitVals(r, p, fb);
      if (base === '?') {
        const msg = p.arg ? this.expandJoined(p.arg, src) : emptyVal();
        const why = isKnown(msg) && msg.text ? msg.text : `$${p.name} is not set`;
        return fb.val(unknownValAt(why, s0, s1), p.q);
      }
      if (base === '=') {
        const d = p.arg ? this.expandJoined(p.arg, src) : emptyVal();
        if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(p.name) && !p.sub) {
          this.setScalar(p.name, d, false);
          fb.val(this.viaVar(p.name, this.markCond(d), s0, s1), p.q);
        } else fb.val(d, p.q);
        return;
      }
      // ':-' / '-': the default word, with its own quoting.
      if (p.arg) this.expandParts(p.arg.parts, src, fb);
      fb.markQuoted(p.q);
      return;
    }
    if (r.unknown) return fb.val(unknownValAt(r.unknown, s0, s1), p.q);
    if (r.vals === null) {
      if (r.neverSet && op === '' && this.testCtx === 0) {
        const nm = p.name;
        return fb.val(unknownValAt(`$${nm} is not set in this script (only the environment at run time can set it)`, s0, s1), p.q);
      }
      fb.markQuoted(p.q);
      return;
    }
    if (op === '') return this.emitVals(r, p, fb);
    if (op === ':' && r.multi) {
      // `${A[@]:off:len}` / `${@:2}` slice the list of elements, not each element.
      const off = p.arg ? this.arithWord(p.arg, src) : { value: 0n, reason: '' };
      const len = p.arg2 ? this.arithWord(p.arg2, src) : null;
      if (off.value === null || (len && len.value === null)) return fb.val(unknownValAt(off.reason || len?.reason || 'unknown', s0, s1), p.q);
      const n = r.vals.length;
      let a = Number(off.value);
      if (p.name === '@' || p.name === '*') a -= 1; // $0 is element 0 of "$@" slicing
      if (a < 0) a = Math.max(0, n + a);
      const b = len ? (Number(len.value) < 0 ? n + Number(len.value) : a + Number(len.value)) : n;
      return this.emitVals({ vals: r.vals.slice(a, Math.max(a, b)), multi: true }, p, fb);
    }
    // Value-transforming operators apply to each value.
    const out = r.vals.map((v) => this.transform(v, p, src, s0, s1));
    this.emitVals({ vals: out, multi: r.multi }, p, fb);
  }

  emitVals(r: { vals: Val[] | null; multi: boolean }, p: ParamPart, fb: FieldBuilder): void {
    const vals = r.vals ?? [];
    if (!r.multi) {
      if (vals[0]) fb.val(vals[0], p.q);
      else fb.markQuoted(p.q);
      return;
    }
    const star = p.all === '*' || p.name === '*';
    if (p.q && star) {
      fb.val(joinVals(vals, ' '), true);
      return;
    }
    vals.forEach((v, k) => {
      if (k > 0) fb.breakField();
      fb.val(v, p.q);
    });
  }

  transform(v: Val, p: ParamPart, src: Src, s0: number, s1: number): Val {
    const op = p.op;
    const origins = originsOf(v, 0, v.text.length);
    if (!isKnown(v)) return unknownValAt(unknownReason(v) ?? 'unknown', s0, s1, origins);
    const text = v.text;
    const slice = (a: number, b: number): Val => {
      const bld = new ValBuilder();
      bld.cond = v.cond;
      bld.appendSlice(v, a, b);
      return bld.build();
    };
    if (op === ':') {
      const off = p.arg ? this.arithWord(p.arg, src) : { value: 0n, reason: '' };
      const len = p.arg2 ? this.arithWord(p.arg2, src) : null;
      if (off.value === null || (len && len.value === null)) return unknownValAt(off.reason || len?.reason || 'unknown', s0, s1, origins);
      let a = Number(off.value);
      if (a < 0) a = Math.max(0, text.length + a);
      a = Math.min(a, text.length);
      let b = text.length;
      if (len) {
        const l = Number(len.value);
        b = l < 0 ? Math.max(a, text.length + l) : Math.min(text.length, a + l);
      }
      return slice(a, b);
    }
    if (op === '^^' || op === '^' || op === ',,' || op === ',') {
      const upper = op[0] === '^';
      const t = op.length === 2 ? (upper ? text.toUpperCase() : text.toLowerCase()) : (upper ? text.slice(0, 1).toUpperCase() : text.slice(0, 1).toLowerCase()) + text.slice(1);
      if (t.length !== text.length) return literalWithOrigins(t, s0, s1, origins);
      return { text: t, segs: v.segs, cond: v.cond };
    }
    if (op === '@') return unknownValAt(`\${${p.name}@…} transformations are not evaluated`, s0, s1, origins);
    const pat = p.arg ? this.expandJoined(p.arg, src) : emptyVal();
    if (!isKnown(pat)) return unknownValAt(unknownReason(pat) ?? 'unknown pattern', s0, s1, origins);
    if (text.length > MAX_PATTERN_VALUE) return unknownValAt('value too long to match patterns on statically', s0, s1, origins);
    const quoted = p.arg ? wordIsQuoted(p.arg) : false;
    if (op === '#' || op === '##') {
      const longest = op === '##';
      let cut = -1;
      for (let k = longest ? text.length : 0; longest ? k >= 0 : k <= text.length; k += longest ? -1 : 1) {
        if (globMatch(pat.text, text.slice(0, k), quoted)) {
          cut = k;
          break;
        }
      }
      return cut < 0 ? v : slice(cut, text.length);
    }
    if (op === '%' || op === '%%') {
      const longest = op === '%%';
      let cut = -1;
      for (let k = longest ? 0 : text.length; longest ? k <= text.length : k >= 0; k += longest ? 1 : -1) {
        if (globMatch(pat.text, text.slice(k), quoted)) {
          cut = k;
          break;
        }
      }
      return cut < 0 ? v : slice(0, cut);
    }
    // Replacement: ${X/pat/rep}, ${X//pat/rep}, ${X/#pat/rep}, ${X/%pat/rep}
    const rep = p.arg2 ? this.expandJoined(p.arg2, src) : emptyVal();
    const b = new ValBuilder();
    b.cond = v.cond;
    let k = 0;
    let done = false;
    while (k <= text.length) {
      let matchEnd = -1;
      if (!done) {
        const canStart = op === '/#' ? k === 0 : true;
        if (canStart) {
          for (let e = text.length; e >= k; e--) {
            if (op === '/%' && e !== text.length) break;
            if (e === k && pat.text !== '') continue;
            if (globMatch(pat.text, text.slice(k, e), quoted)) {
              matchEnd = e;
              break;
            }
          }
        }
      }
      if (matchEnd >= 0 && pat.text !== '') {
        b.append(rep);
        k = matchEnd;
        if (op !== '//') done = true;
        if (matchEnd === text.length) break;
        continue;
      }
      if (k < text.length) b.appendSlice(v, k, k + 1);
      k++;
    }
    return b.build();
  }

  // ── Tests ───────────────────────────────────────────────────────────────────────────────────────

  testTokens(words: Word[], ops: (string | null)[], src: Src): TestTok[] {
    const out: TestTok[] = [];
    this.testCtx++;
    for (let k = 0; k < words.length; k++) {
      if (ops[k]) {
        out.push({ text: ops[k], op: ops[k], nonEmpty: true });
        continue;
      }
      const v = this.expandJoined(words[k], src);
      out.push({ text: isKnown(v) ? v.text : null, op: null, nonEmpty: v.text.replace(/\0/g, '').length > 0, quoted: wordIsQuoted(words[k]) });
    }
    this.testCtx--;
    return out;
  }

  evalTestWords(toks: TestTok[], dbl: boolean): Status {
    const t = new TestEval(toks, dbl, this);
    const r = t.expr();
    return t.pos < toks.length ? U : r;
  }
}

interface TestTok {
  text: string | null;
  op: string | null;
  nonEmpty: boolean;
  quoted?: boolean;
}

const FILE_TESTS = new Set(['-a', '-b', '-c', '-d', '-e', '-f', '-g', '-h', '-k', '-p', '-r', '-s', '-t', '-u', '-w', '-x', '-G', '-L', '-N', '-O', '-S', '-o']);

/** Three-valued evaluation of `[ … ]` / `[[ … ]]`. */
class TestEval {
  pos = 0;
  depth = 0;
  constructor(
    private toks: TestTok[],
    private dbl: boolean,
    private it: Interp,
  ) {}

  is(s: string): boolean {
    const t = this.toks[this.pos];
    return !!t && (t.op === s || (t.op === null && t.text === s));
  }

  expr(): Status {
    if (++this.depth > 64) return U;
    let r = this.and();
    while (this.is(this.dbl ? '||' : '-o')) {
      this.pos++;
      const b = this.and();
      r = r === T || b === T ? T : r === U || b === U ? U : F;
    }
    this.depth--;
    return r;
  }

  and(): Status {
    let r = this.not();
    while (this.is(this.dbl ? '&&' : '-a') && this.pos + 1 < this.toks.length) {
      this.pos++;
      const b = this.not();
      r = r === F || b === F ? F : r === U || b === U ? U : T;
    }
    return r;
  }

  not(): Status {
    if (this.is('!') && this.pos + 1 < this.toks.length) {
      this.pos++;
      const r = this.not();
      return r === U ? U : r === T ? F : T;
    }
    return this.primary();
  }

  primary(): Status {
    const toks = this.toks;
    const t = toks[this.pos];
    if (!t) return F;
    if (this.is('(') && (t.op === '(' || !this.dbl)) {
      this.pos++;
      const r = this.expr();
      if (this.is(')')) this.pos++;
      return r;
    }
    const next = toks[this.pos + 1];
    // Binary operator?
    if (next && next.op === null && next.text !== null && toks[this.pos + 2] && BIN_TEST.has(next.text)) {
      const a = t;
      const b = toks[this.pos + 2];
      this.pos += 3;
      return this.binary(next.text, a, b);
    }
    if (t.op === null && t.text !== null && next && (next.op === null) && (t.text === '-z' || t.text === '-n' || t.text === '-v' || FILE_TESTS.has(t.text))) {
      this.pos += 2;
      if (t.text === '-z') return next.text !== null ? (next.text === '' ? T : F) : next.nonEmpty ? F : U;
      if (t.text === '-n') return next.text !== null ? (next.text !== '' ? T : F) : next.nonEmpty ? T : U;
      if (t.text === '-v') {
        if (next.text === null) return U;
        const v = this.it.findVar(this.it.resolveName(next.text));
        return v ? T : U;
      }
      return U; // file tests need the file system
    }
    this.pos++;
    if (t.text === null) return t.nonEmpty ? T : U;
    return t.text !== '' ? T : F;
  }

  binary(op: string, a: TestTok, b: TestTok): Status {
    if (op === '=~' || op === '-nt' || op === '-ot' || op === '-ef') return U;
    if (a.text === null || b.text === null) return U;
    switch (op) {
      case '=':
      case '==':
        return (this.dbl ? globMatch(b.text, a.text, !!b.quoted) : a.text === b.text) ? T : F;
      case '!=':
        return (this.dbl ? globMatch(b.text, a.text, !!b.quoted) : a.text === b.text) ? F : T;
      case '<':
        return a.text < b.text ? T : F;
      case '>':
        return a.text > b.text ? T : F;
    }
    const x = this.num(a.text);
    const y = this.num(b.text);
    if (x === null || y === null) return U;
    switch (op) {
      case '-eq': return x === y ? T : F;
      case '-ne': return x !== y ? T : F;
      case '-lt': return x < y ? T : F;
      case '-le': return x <= y ? T : F;
      case '-gt': return x > y ? T : F;
      case '-ge': return x >= y ? T : F;
    }
    return U;
  }

  num(s: string): bigint | null {
    if (this.dbl) {
      const r = this.it.arithText(literalVal(s, 0, 0, false), 0, 0);
      return r.value;
    }
    const t = s.trim();
    return /^[+-]?[0-9]+$/.test(t) ? BigInt(t) : null;
  }
}

const BIN_TEST = new Set(['=', '==', '!=', '<', '>', '-eq', '-ne', '-lt', '-le', '-gt', '-ge', '=~', '-nt', '-ot', '-ef']);

const BLANK = /[ \t\n]/g;
const NON_BLANK = /[^ \t\n]/g;
const GLOB_CHAR = /[*?]/g;

// ── Field building ──────────────────────────────────────────────────────────────────────────────

/** Accumulates the fields one word expands to, splitting unquoted expansion results on blanks. */
class FieldBuilder {
  cur = new ValBuilder();
  quoted = false;
  glob = false;
  produced = 0;
  private startCount: number;

  constructor(
    private it: Interp,
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
    if (v.text.length > 64 && !this.it.spend(v.text.length)) {
      this.cur.appendUnknown('the expansion exceeds the 1 MB (per word) / 4 MB (per script) limit', v.segs[0]?.s0 ?? 0, v.segs[0]?.s1 ?? 0);
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
    const g = this.cur;
    g.appendUnknown('the expansion exceeds the 1 MB limit', this.src.span(this.word.i0, this.word.i1)[0], this.src.span(this.word.i0, this.word.i1)[1]);
  }

  emit(): void {
    if ((this.cur.length > 0 || this.quoted) && ++this.it.fieldsTotal <= MAX_FIELDS_TOTAL) {
      const [tok0, tok1] = this.src.span(this.word.i0, this.word.i1);
      const v = this.cur.build();
      this.out.push({ text: v.text, segs: v.segs, cond: v.cond, glob: this.glob, tok0, tok1, single: false });
      this.produced++;
    }
    this.cur = new ValBuilder();
    this.quoted = false;
    this.glob = false;
  }

  finish(joined: boolean): void {
    if (joined) this.quoted = true;
    this.emit();
    if (this.produced === 1) this.out[this.startCount].single = true;
  }
}

// ── Helpers ─────────────────────────────────────────────────────────────────────────────────────

/**
 * Every name the text assigns somewhere (`NAME=`, `NAME+=`, `NAME[k]=`, `${NAME:=…}`, `for NAME`, `read … NAME`),
 * so a variable set only on a branch that is not taken counts as unset rather than as something the environment
 * must provide. A scan back from each `=` (never past the previous one) keeps it linear on any input.
 */
function assignedNames(doc: string): Set<string> {
  const out = new Set<string>();
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
    if (name && !(doc.charCodeAt(j + 1) >= 48 && doc.charCodeAt(j + 1) <= 57)) out.add(name);
    prevEq = eq;
  }
  const loopOrRead = /\b(?:for|select)\s+([A-Za-z_][A-Za-z0-9_]*)|\bread\s+(?:-[A-Za-z]+\s+)*([A-Za-z_][A-Za-z0-9_]*)/g;
  let m: RegExpExecArray | null;
  while ((m = loopOrRead.exec(doc)) !== null) out.add(m[1] ?? m[2]);
  return out;
}

function isIdentChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || (c >= 48 && c <= 57);
}

function unknownValAt(reason: string, s0: number, s1: number, origins: OriginRef[] = NO_ORIGINS): Val {
  return { text: UNKNOWN_CHAR, segs: [{ start: 0, end: 1, s0, s1, mapped: false, origins, unknown: reason }], cond: false };
}

function literalWithOrigins(text: string, s0: number, s1: number, origins: OriginRef[]): Val {
  if (!text) return emptyVal();
  return { text, segs: [{ start: 0, end: text.length, s0, s1, mapped: false, origins: origins.map((o) => ({ ...o, mapped: false })) }], cond: false };
}

function concat(a: Val, b: Val): Val {
  const bld = new ValBuilder();
  bld.append(a);
  bld.append(b);
  return bld.build();
}

function joinVals(vals: Val[], sep: string): Val {
  const b = new ValBuilder();
  vals.forEach((v, k) => {
    if (k > 0) {
      const g = v.segs[0];
      b.appendLiteral(sep, g ? g.s0 : 0, g ? g.s0 : 0, false);
    }
    b.append(v);
  });
  return b.build();
}

function nextIndex(arr: Map<string, Val>): number {
  let max = -1;
  for (const k of arr.keys()) {
    const n = Number(k);
    if (Number.isInteger(n) && n > max) max = n;
  }
  return max + 1;
}

function sortedKeys(v: Var): string[] {
  const keys = [...v.arr!.keys()];
  if (v.kind === VK.Indexed) keys.sort((a, b) => Number(a) - Number(b));
  return keys;
}

function wordIsQuoted(w: Word): boolean {
  return w.parts.length > 0 && w.parts.every((p) => p.q);
}

/** Text that came through a variable is re-read at that variable's definition (one level). */
function unwrapSeg(g: Seg): Seg {
  if (g.origins.length === 0) return g;
  const o = g.origins[0];
  const out: Seg = { start: g.start, end: g.end, s0: o.s0, s1: o.s1, mapped: o.mapped && o.s1 - o.s0 === g.end - g.start, origins: g.origins.slice(1) };
  if (g.unknown !== undefined) out.unknown = g.unknown;
  if (g.cond) out.cond = true;
  return out;
}

/**
 * Bash pattern matching (`*`, `?`, `[…]`, `\x`) of a whole string. `literal`: the pattern was quoted, so it
 * compares as plain text. Iterative with single-star backtracking: linear-ish, no regex.
 */
export function globMatch(pat: string, s: string, literal: boolean): boolean {
  if (literal) return pat === s;
  let p = 0;
  let i = 0;
  let starP = -1;
  let starI = 0;
  while (i < s.length) {
    if (p < pat.length) {
      const c = pat[p];
      if (c === '*') {
        starP = p++;
        starI = i;
        continue;
      }
      if (c === '?') {
        p++;
        i++;
        continue;
      }
      if (c === '[') {
        const r = matchClass(pat, p, s[i]);
        if (r > 0) {
          p = r;
          i++;
          continue;
        }
        if (r === -1 && s[i] === '[') {
          p++;
          i++;
          continue;
        }
      } else if (c === '\\' && p + 1 < pat.length) {
        if (pat[p + 1] === s[i]) {
          p += 2;
          i++;
          continue;
        }
      } else if (c === s[i]) {
        p++;
        i++;
        continue;
      }
    }
    if (starP >= 0) {
      p = starP + 1;
      i = ++starI;
      continue;
    }
    return false;
  }
  while (p < pat.length && pat[p] === '*') p++;
  return p === pat.length;
}

/** Match one char against the class at pat[p] === '['. Returns the index after `]` on match, 0 on no match, -1 if not a class. */
function matchClass(pat: string, p: number, ch: string): number {
  let k = p + 1;
  let neg = false;
  if (pat[k] === '!' || pat[k] === '^') {
    neg = true;
    k++;
  }
  let matched = false;
  let first = true;
  while (k < pat.length && (pat[k] !== ']' || first)) {
    first = false;
    if (pat.startsWith('[:', k)) {
      const e = pat.indexOf(':]', k + 2);
      if (e > 0) {
        const cls = pat.slice(k + 2, e);
        const re: Record<string, RegExp> = { digit: /[0-9]/, alpha: /[A-Za-z]/, alnum: /[A-Za-z0-9]/, upper: /[A-Z]/, lower: /[a-z]/, space: /\s/, xdigit: /[0-9A-Fa-f]/, punct: /[!-/:-@[-`{-~]/ };
        if (re[cls]?.test(ch)) matched = true;
        k = e + 2;
        continue;
      }
    }
    if (pat[k + 1] === '-' && k + 2 < pat.length && pat[k + 2] !== ']') {
      if (ch >= pat[k] && ch <= pat[k + 2]) matched = true;
      k += 3;
      continue;
    }
    if (pat[k] === ch) matched = true;
    k++;
  }
  if (k >= pat.length) return -1;
  return matched !== neg ? k + 1 : 0;
}
