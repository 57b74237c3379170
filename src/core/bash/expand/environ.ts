// What word expansion sees of the shell: an Environ (variables, positional parameters) and an ExpandBudget. The
// runner implements both (interp/vars.ts, interp/budget.ts); expansion never sees the runner itself.
import type { Field } from './fields';
import { MAX_NAMEREF_HOPS } from '../limits';
import type { Val } from '../value';

export const enum VarKind {
  Scalar,
  Indexed,
  Assoc,
  Nameref,
}

export interface Var {
  kind: VarKind;
  /** Scalar value (Scalar, Nameref kinds); null when declared without a value. */
  val: Val | null;
  /** Elements of an Indexed (keys are decimal indices) or Assoc array; null for scalars. */
  arr: Map<string, Val> | null;
  /** Target name of a nameref (`declare -n ref=target`). */
  ref: string;
  exported: boolean;
  readonly: boolean;
}

export interface Environ {
  /** The variable visible as `name` (innermost function scope first); namerefs are not followed. */
  get(name: string): Var | undefined;
  /** Assign a scalar (`${X:=default}`, arithmetic `N = A*B`): follows namerefs, keeps readonly values, marks undecided ones. */
  setScalar(name: string, val: Val, local: boolean, marked?: boolean): void;
  /** The value as assigned on the current path: marked conditional while on an undecided branch. */
  markCond(v: Val): Val;
  /** Positional parameters of the current function or script; null: the script's own, unknown statically. */
  positional(): Field[] | null;
  /** Does the document assign `name` anywhere (even on a branch not taken)? Then it is unset, not the environment's. */
  assignedAnywhere(name: string): boolean;
  /**
   * Why `name` may hold a value the reader never saw: it is assigned only inside a loop the reader ran zero times
   * because its condition depends on the script's arguments (`while [[ $# -gt 0 ]]; do case $1 in …`).
   */
  skippedAssignment(name: string): string | undefined;
  /** Where the line of the document's first assignment to `name` ends (a read before it is the environment's), if any. */
  firstAssignedAt(name: string): number | undefined;
  /** Set once a variable with a run-time name was assigned (`export "$KEY"="$VALUE"`): what did it. */
  readonly dynamicAssign: string | undefined;
  /** A condition read `name` as unset although the environment could set it (Runner.runAssuming). */
  noteEnvRead(name: string): void;
}

export interface ExpandBudget {
  /** Count a unit of work at document offset `at`; false once the evaluation budget is spent. */
  step(at: number): boolean;
  /** Account for produced text; false when the value must become unknown instead. */
  spend(nChars: number): boolean;
  /** Count one produced field; false past MAX_FIELDS_TOTAL (the field is then dropped). */
  addField(): boolean;
  /** Fields that may still be produced. */
  fieldsLeft(): number;
}

/** Set by the shell or the session at run time: unknown rather than unset. */
const RUNTIME_VARS: Readonly<Record<string, string>> = {
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

/** What a run-time variable stands for, when `name` is one. */
export function runtimeVar(name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(RUNTIME_VARS, name) ? RUNTIME_VARS[name] : undefined;
}

export const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Follow namerefs (bounded: a cycle ends after MAX_NAMEREF_HOPS). */
export function resolveName(env: Environ, name: string): string {
  for (let hop = 0; hop < MAX_NAMEREF_HOPS; hop++) {
    const v = env.get(name);
    if (!v || v.kind !== VarKind.Nameref || !v.ref) return name;
    name = v.ref;
  }
  return name;
}

/** A variable's scalar value (element 0 of an array), as arithmetic and `$NAME` see it; null when unset. */
export function scalarOf(env: Environ, name: string): Val | null {
  const v = env.get(resolveName(env, name));
  if (!v) return null;
  if (v.kind === VarKind.Indexed || v.kind === VarKind.Assoc) return v.arr?.get('0') ?? null;
  return v.val;
}

/** Keys of an array in bash's order (indexed arrays by number). */
export function sortedKeys(arr: Map<string, Val>, kind: VarKind): string[] {
  const keys = [...arr.keys()];
  if (kind === VarKind.Indexed) keys.sort((a, b) => Number(a) - Number(b));
  return keys;
}

/** The index `A+=(x)` appends at: one past the largest integer key. */
export function nextIndex(arr: Map<string, Val>): number {
  let max = -1;
  for (const k of arr.keys()) {
    const n = Number(k);
    if (Number.isInteger(n) && n > max) max = n;
  }
  return max + 1;
}
