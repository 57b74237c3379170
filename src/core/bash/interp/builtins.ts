// Simple commands: expanding their words, prefix assignments, the builtins that change what the reader sees
// (declarations, unset, let, eval, shift, set --, exit/return, break/continue, test, read…), function calls,
// and finally external commands (external.ts).
import { PK, type Assign, type SimpleCmd } from '../syntax/ast';
import { NAME_RE, VarKind, resolveName, type Var } from '../expand/environ';
import type { Field } from '../expand/fields';
import { MAX_CALL_DEPTH, MAX_FIELDS_PER_COMMAND, MAX_FIELDS_TOTAL } from '../limits';
import type { Src } from '../src';
import { ValBuilder, emptyVal, isKnown, unknownVal, viaVar } from '../value';
import { assign, placeholderVal } from './assign';
import { runDerived, runLaunchCommand } from './external';
import { asField } from './record';
import type { Runner } from './runner';
import { Flow, Status } from './status';
import { evalTestWords, fieldTokens } from './test';
import type { ShellFunction } from './vars';

/** One simple command being run: its expanded words and where it stands. */
export interface SimpleRun {
  c: SimpleCmd;
  src: Src;
  /** Expanded argv fields; fields[0] is the command name. */
  fields: Field[];
  /** Assignments given to declare/export/local/readonly (`export A=1`), in order. */
  declAssigns: Assign[];
  /** Document span of the command. */
  c0: number;
  c1: number;
}

type Builtin = (r: Runner, x: SimpleRun, name: string) => Status;

const succeed: Builtin = () => Status.True;

const BUILTINS = new Map<string, Builtin>([
  [':', succeed],
  ['true', succeed],
  ['false', () => Status.False],
  ...['export', 'declare', 'typeset', 'local', 'readonly'].map((n): [string, Builtin] => [n, runDecl]),
  ['unset', runUnset],
  ['let', runLet],
  ['eval', runEval],
  ['source', runSource],
  ['.', runSource],
  ['shift', runShift],
  ...['exit', 'return', 'break', 'continue'].map((n): [string, Builtin] => [n, runFlowBuiltin]),
  ['[', runTest],
  ['test', runTest],
  ...['read', 'mapfile', 'readarray', 'printf', 'getopts'].map((n): [string, Builtin] => [n, runReaderBuiltin]),
  ['set', runSet],
  // Common commands that change nothing the reader follows.
  ...[
    'cd',
    'echo',
    'mkdir',
    'rm',
    'cp',
    'mv',
    'touch',
    'sleep',
    'trap',
    'ulimit',
    'umask',
    'shopt',
    'pushd',
    'popd',
    'wait',
    'module',
    'conda',
    'pip',
  ].map((n): [string, Builtin] => [n, succeed]),
]);

export function runSimple(r: Runner, c: SimpleCmd, src: Src): Status {
  r.ex.passthrough = [];
  const { fields, declAssigns } = expandCommandWords(r, c, src);
  // A command's cost grows with its words: charge them against the step budget too.
  r.budget.charge(fields.length >> 3);
  const passthrough = r.ex.passthrough;
  if (fields.length === 0 && declAssigns.length === 0) {
    for (const a of c.assigns) assign(r, a, src, false);
    return Status.True;
  }
  // Prefix assignments only live in the command's environment.
  const prefixEnv = new Map<string, Field>();
  for (const a of c.assigns) {
    const v =
      a.placeholder !== undefined ? placeholderVal(a, src) : a.value ? r.ex.expandJoined(a.value, src) : emptyVal();
    const [s0, s1] = src.span(a.v0, a.v1);
    prefixEnv.set(a.name, asField(viaVar(a.name, v, s0, s1), s0, s1, true));
  }
  const first = fields.length ? fields[0] : undefined;
  const name = first && isKnown(first) ? first.text : null;
  const [c0, c1] = src.span(c.i0, c.i1);
  const x: SimpleRun = { c, src, fields, declAssigns, c0, c1 };
  if (name !== null) {
    const builtin = BUILTINS.get(name);
    if (builtin) return builtin(r, x, name);
    const fn = r.vars.funcs.get(name);
    if (fn) return callFunction(r, fn, fields.slice(1), c0);
  }
  return runLaunchCommand(r, x, name, prefixEnv, passthrough);
}

/** Expand the words of a simple command into fields (bounded per command and per run). */
function expandCommandWords(r: Runner, c: SimpleCmd, src: Src): { fields: Field[]; declAssigns: Assign[] } {
  const fields: Field[] = [];
  const declAssigns: Assign[] = [];
  // `[`/`test` operands: a variable the script never sets is unset there (`[ "$FP8" = 1 ]` is false).
  const first = c.words[0]?.parts;
  const only = first && first.length === 1 ? first[0] : undefined;
  const isTest = only !== undefined && only.k === PK.Lit && (only.text === '[' || only.text === 'test');
  if (isTest) r.ex.testOperandDepth++;
  for (const w of c.words) {
    if (w.assign) declAssigns.push(w.assign);
    else r.ex.expandWord(w, src, true, fields);
    if (fields.length > MAX_FIELDS_PER_COMMAND || r.budget.fieldsExceeded) {
      fields.length = Math.min(fields.length, MAX_FIELDS_PER_COMMAND);
      const [s0, s1] = src.span(c.i0, c.i0 + 1);
      const why = r.budget.fieldsExceeded
        ? `the script expands to more than ${MAX_FIELDS_TOTAL} words in all`
        : `the command expands to more than ${MAX_FIELDS_PER_COMMAND} words`;
      r.budget.reportOnce('fields', `${why}; the rest are not read`, s0, s1);
      break;
    }
  }
  if (isTest) r.ex.testOperandDepth--;
  return { fields, declAssigns };
}

function runUnset(r: Runner, x: SimpleRun): Status {
  for (const f of x.fields.slice(1)) {
    if (!isKnown(f) || f.text.startsWith('-')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[(.*)\])?$/.exec(f.text);
    const varName = m?.[1];
    if (!m || varName === undefined) continue;
    const target = resolveName(r.vars, varName);
    const v = r.vars.get(target);
    if (!v || v.readonly) continue;
    const key = m[2];
    if (key !== undefined && v.arr) v.arr.delete(v.kind === VarKind.Indexed ? String(Number(key) | 0) : key);
    else r.vars.scopeOf(target).delete(target);
  }
  return Status.True;
}

function runLet(r: Runner, x: SimpleRun): Status {
  let st = Status.True;
  for (const f of x.fields.slice(1)) {
    if (!isKnown(f)) {
      st = Status.Unknown;
      continue;
    }
    const v = r.ex.arithText(f, f.tok0, f.tok1).value;
    st = v === null ? Status.Unknown : v !== 0n ? Status.True : Status.False;
  }
  return st;
}

function runEval(r: Runner, x: SimpleRun): Status {
  const b = new ValBuilder();
  x.fields.slice(1).forEach((f, k) => {
    if (k > 0) b.appendLiteral(' ', f.tok0, f.tok0, false); // zero-width: see Src.span
    b.append(f);
  });
  return runDerived(r, b.build(), true, x.c0);
}

function runSource(r: Runner, x: SimpleRun): Status {
  const target = x.fields[1];
  const what = target ? (isKnown(target) ? target.text : r.doc.slice(target.tok0, target.tok1)) : '';
  r.diags.push({
    code: 'sourced-file-not-read',
    severity: 'information',
    message: `\`${what}\` is not read: variables it sets stay unset here`,
    s0: x.c0,
    s1: x.c1,
  });
  return Status.True;
}

function runShift(r: Runner, x: SimpleRun): Status {
  const n = x.fields[1];
  const k = n && isKnown(n) ? Number(n.text) || 1 : 1;
  const args = r.vars.positional();
  if (args) r.vars.setPositional(args.slice(k));
  return Status.True;
}

/** `set -- a b`: new positional parameters. */
function runSet(r: Runner, x: SimpleRun): Status {
  const k = x.fields.findIndex((f) => f.text === '--');
  if (k > 0) r.vars.setPositional(x.fields.slice(k + 1));
  return Status.True;
}

/** exit, return, break, continue. On an undecided path (a usage check on unknown arguments) they are not followed. */
function runFlowBuiltin(r: Runner, x: SimpleRun, name: string): Status {
  if (r.vars.undecided > 0) return Status.True;
  if (name === 'exit' || name === 'return') {
    r.flow = name === 'exit' ? Flow.Exit : Flow.Return;
    return Status.True;
  }
  r.flow = name === 'break' ? Flow.Break : Flow.Continue;
  const n = x.fields[1];
  r.flowLevels = n && isKnown(n) ? Math.max(1, Number(n.text) | 0) : 1;
  return Status.True;
}

function runTest(r: Runner, x: SimpleRun, name: string): Status {
  const args = x.fields.slice(1);
  const last = args[args.length - 1];
  if (name === '[' && last && isKnown(last) && last.text === ']') args.pop();
  return evalTestWords(r.ex, fieldTokens(args), false);
}

/** declare/typeset/local/export/readonly with options, names and assignments. */
function runDecl(r: Runner, x: SimpleRun, name: string): Status {
  let opts = '';
  const plain: Field[] = [];
  for (const f of x.fields.slice(1)) {
    if (isKnown(f) && f.text.startsWith('-') && f.text.length > 1) opts += f.text.slice(1);
    else if (isKnown(f) && f.text.startsWith('+'))
      continue; // `declare +x`: removing attributes changes no value
    else plain.push(f);
  }
  const vars = r.vars;
  const local =
    name === 'local' || ((name === 'declare' || name === 'typeset') && vars.locals.length > 0 && !opts.includes('g'));
  const exported = name === 'export' || opts.includes('x');
  const readonly = name === 'readonly' || opts.includes('r');
  const kind = opts.includes('A')
    ? VarKind.Assoc
    : opts.includes('a')
      ? VarKind.Indexed
      : opts.includes('n')
        ? VarKind.Nameref
        : null;
  if (opts.includes('f') || opts.includes('F') || opts.includes('p')) return Status.True;
  const touch = (n: string): Var => {
    const v = vars.getOrCreate(n, local);
    if (kind === VarKind.Assoc || kind === VarKind.Indexed) vars.toArray(v, kind);
    else if (kind === VarKind.Nameref) v.kind = VarKind.Nameref;
    if (exported) v.exported = true;
    return v;
  };
  for (const f of plain) {
    // `export "$KEY"="$VALUE"` (argument loops of test scripts): a name only known at run time can set any variable.
    if (!isKnown(f) && f.text.includes('=') && vars.dynamicAssign === undefined)
      vars.dynamicAssign = `the \`${name}\` of a run-time name on line ${r.lineOf(f.segs[0]?.s0 ?? 0)}`;
    if (!isKnown(f) || !NAME_RE.test(f.text)) continue;
    const v = touch(f.text);
    if (readonly) v.readonly = true;
  }
  for (const a of x.declAssigns) {
    const v = touch(a.name);
    if (kind === VarKind.Nameref) {
      const target = a.value ? r.ex.expandJoined(a.value, x.src) : emptyVal();
      if (isKnown(target)) v.ref = target.text;
      continue;
    }
    assign(r, a, x.src, local);
    if (readonly) v.readonly = true;
  }
  return Status.True;
}

/** Their variables become unknown; `printf` succeeds, the others may fail at run time (end of input, bad option). */
function runReaderBuiltin(r: Runner, x: SimpleRun, name: string): Status {
  runReaders(r, name, x.fields, x.c0, x.c1);
  return name === 'printf' ? Status.True : Status.Unknown;
}

/** The variables `read`, `mapfile`, `printf -v` and `getopts` would set (their operands). */
function readerTargets(name: string, fields: Field[]): { targets: string[]; arrayMode: boolean } {
  const targets: string[] = [];
  if (name === 'printf') {
    const k = fields.findIndex((f) => f.text === '-v');
    const target = k > 0 ? fields[k + 1] : undefined;
    if (target) targets.push(target.text);
    return { targets, arrayMode: false };
  }
  if (name === 'getopts') {
    const target = fields[2];
    if (target) targets.push(target.text);
    return { targets, arrayMode: false };
  }
  let arrayMode = name !== 'read';
  for (let k = 1; k < fields.length; k++) {
    const t = fields[k]!.text; // k < fields.length
    if (t.startsWith('-')) {
      if (t.includes('a')) arrayMode = true;
      if (/[dnNptu]$/.test(t) || /^-[a-zA-Z]*[dnNptuC]$/.test(t)) k++;
      continue;
    }
    targets.push(t);
  }
  if (targets.length === 0) targets.push(arrayMode ? 'MAPFILE' : 'REPLY');
  return { targets, arrayMode };
}

/** `read`, `mapfile`, `printf -v`: the variables they set are only known at run time. */
function runReaders(r: Runner, name: string, fields: Field[], s0: number, s1: number): void {
  const why = `set by \`${name}\` at run time`;
  const { targets, arrayMode } = readerTargets(name, fields);
  for (const t of targets) {
    if (!NAME_RE.test(t)) continue;
    if (!arrayMode) {
      r.vars.setScalar(t, unknownVal(why, s0, s1), false);
      continue;
    }
    const v = r.vars.getOrCreate(resolveName(r.vars, t), false);
    v.kind = VarKind.Indexed;
    v.arr = new Map([['0', r.vars.markCond(unknownVal(why, s0, s1))]]);
    v.val = null;
  }
}

function callFunction(r: Runner, fn: ShellFunction, args: Field[], s0: number): Status {
  if (r.callDepth >= MAX_CALL_DEPTH) {
    r.budget.reportOnce('depth', `function calls nested deeper than ${MAX_CALL_DEPTH} are not followed`, s0);
    return Status.Unknown;
  }
  r.callDepth++;
  r.vars.pushFrame(args);
  r.vars.locals.push(new Map());
  const st = r.run(fn.body, fn.src);
  r.vars.locals.pop();
  r.vars.popFrame();
  r.callDepth--;
  if (r.flow === Flow.Return) r.flow = Flow.None;
  return st;
}
