// The runner's shell state as expansion sees it (an Environ): global and function-local variables, functions,
// positional parameters, and whether the current path is undecided (values assigned there are marked conditional).
import type { Cmd } from '../syntax/ast';
import { VarKind, resolveName, type Environ, type Var } from '../expand/environ';
import type { Field } from '../expand/fields';
import type { Src } from '../src';
import type { Val } from '../value';

export interface ShellFunction {
  body: Cmd;
  /** The text the function was defined in (its positions are in that text). */
  src: Src;
}

/** Variables and functions at one moment (a subshell or child shell restores them afterwards). */
export interface VarSnapshot {
  globals: Map<string, Var>;
  locals: Map<string, Var>[];
  funcs: Map<string, ShellFunction>;
}

function cloneScope(m: Map<string, Var>): Map<string, Var> {
  const out = new Map<string, Var>();
  for (const [k, v] of m) out.set(k, { ...v, arr: v.arr ? new Map(v.arr) : null });
  return out;
}

export class Vars implements Environ {
  globals = new Map<string, Var>();
  /** One scope per function call, innermost last. */
  locals: Map<string, Var>[] = [];
  funcs = new Map<string, ShellFunction>();
  /** Positional parameters per call, innermost last; null: the script's own, unknown. */
  private readonly frames: (Field[] | null)[] = [null];
  /** >0 inside a branch whose condition could not be decided. */
  undecided = 0;

  constructor(
    /** Names assigned anywhere in the document (even on branches not taken), with their first assignment's offset. */
    private readonly assignedNames: Map<string, number>,
  ) {}

  get(name: string): Var | undefined {
    for (let k = this.locals.length - 1; k >= 0; k--) {
      const v = this.locals[k]!.get(name); // k within bounds
      if (v) return v;
    }
    return this.globals.get(name);
  }

  assignedAnywhere(name: string): boolean {
    return this.assignedNames.has(name);
  }

  firstAssignedAt(name: string): number | undefined {
    return this.assignedNames.get(name);
  }

  /** Set once an assignment to a name only known at run time was seen: from then on any unset variable may be set. */
  dynamicAssign: string | undefined;

  /** Environment variables a condition read as unset since the runner last looked (see Runner.runAssuming). */
  readonly envReads: string[] = [];

  /** What the current path rests on (innermost last): branches chosen by reading the environment as unset. */
  readonly assumedPath: string[] = [];

  noteEnvRead(name: string): void {
    if (this.envReads.length < 64) this.envReads.push(name);
  }

  /** Names assigned only in loops skipped on an undecided condition, with why (see Environ.skippedAssignment). */
  readonly skipped = new Map<string, string>();

  skippedAssignment(name: string): string | undefined {
    return this.skipped.get(name);
  }

  positional(): Field[] | null {
    return this.frames[this.frames.length - 1] ?? null;
  }

  setPositional(args: Field[] | null): void {
    this.frames[this.frames.length - 1] = args;
  }

  pushFrame(args: Field[] | null): void {
    this.frames.push(args);
  }

  popFrame(): void {
    this.frames.pop();
  }

  /** The scope map a plain assignment to `name` writes into. */
  scopeOf(name: string): Map<string, Var> {
    for (let k = this.locals.length - 1; k >= 0; k--) {
      const scope = this.locals[k]!; // k within bounds
      if (scope.has(name)) return scope;
    }
    return this.globals;
  }

  getOrCreate(name: string, local: boolean): Var {
    const innermost = local && this.locals.length ? this.locals[this.locals.length - 1] : undefined;
    const scope = innermost ?? this.scopeOf(name);
    let v = scope.get(name);
    if (!v) {
      v = { kind: VarKind.Scalar, val: null, arr: null, ref: '', exported: false, readonly: false };
      scope.set(name, v);
    }
    return v;
  }

  /** Values assigned on an undecided branch carry the mark on their own segments only (`OPTS+=…` keeps the old part certain). */
  markCond(v: Val): Val {
    const assumed = this.assumedPath[this.assumedPath.length - 1];
    if (this.undecided === 0 && assumed === undefined) return v;
    const cond = this.undecided > 0;
    return {
      text: v.text,
      segs: v.segs.map((g) =>
        (g.cond || !cond) && (assumed === undefined || g.assumed !== undefined)
          ? g
          : { ...g, ...(cond && { cond: true }), ...(assumed !== undefined && g.assumed === undefined && { assumed }) },
      ),
      cond: v.cond || cond,
    };
  }

  setScalar(name: string, val: Val, local: boolean, marked = false): void {
    const v = this.getOrCreate(resolveName(this, name), local);
    if (v.readonly) return;
    if (!marked) val = this.markCond(val);
    if ((v.kind === VarKind.Indexed || v.kind === VarKind.Assoc) && v.arr) {
      v.arr.set('0', val);
      return;
    }
    v.kind = VarKind.Scalar;
    v.val = val;
  }

  /** Turn `v` into an array of `kind` (keeping a scalar value as element 0) unless it already is one. */
  toArray(v: Var, kind: VarKind.Indexed | VarKind.Assoc): Map<string, Val> {
    if (v.kind === kind && v.arr) return v.arr;
    const arr = new Map<string, Val>();
    if (v.val) arr.set('0', v.val);
    v.kind = kind;
    v.arr = arr;
    v.val = null;
    return arr;
  }

  /** Copy the variables (a subshell's changes are discarded by restoring the returned snapshot). */
  save(): VarSnapshot {
    const saved = { globals: this.globals, locals: this.locals, funcs: this.funcs };
    this.globals = cloneScope(this.globals);
    this.locals = this.locals.map(cloneScope);
    this.funcs = new Map(this.funcs);
    return saved;
  }

  /** A child shell (`bash -c`, a heredoc fed to bash/sbatch) starts from the exported variables only. */
  childShell(): VarSnapshot {
    const saved = this.save();
    for (const [k, v] of this.globals) if (!v.exported) this.globals.delete(k);
    for (const m of this.locals) for (const [k, v] of m) if (v.exported) this.globals.set(k, v);
    this.locals = [];
    return saved;
  }

  restore(saved: VarSnapshot): void {
    this.globals = saved.globals;
    this.locals = saved.locals;
    this.funcs = saved.funcs;
  }
}
