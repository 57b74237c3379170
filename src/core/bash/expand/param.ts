// `${…}` parameter expansion: looking a parameter up (positional, special, scalar, array element, indirect,
// nameref), then its operator — the default-value family (`:-` `-` `:=` `=` `:+` `+` `:?` `?`), length, slicing,
// case conversion, prefix/suffix removal and pattern replacement.
import type { ParamPart } from '../syntax/ast';
import { NAME_RE, VarKind, nextIndex, resolveName, runtimeVar, scalarOf, sortedKeys } from './environ';
import { wordIsQuoted, type Expander } from './expand';
import type { FieldBuilder } from './fields';
import { globMatch } from './pattern';
import { MAX_PATTERN_VALUE } from '../limits';
import type { Src } from '../src';
import {
  NO_ORIGINS,
  ValBuilder,
  emptyVal,
  isKnown,
  joinVals,
  literalVal,
  literalWithOrigins,
  originsOf,
  unknownReason,
  unknownVal,
  viaVar,
  type Val,
} from '../value';

/** What a parameter holds. */
interface Lookup {
  /** null: unset. */
  vals: Val[] | null;
  /** `$@`, `${A[@]}`: a list of values (a field each, unless joined by quoted `*`). */
  multi: boolean;
  /** Set when the value cannot be known statically: why. */
  unknown?: string | undefined;
  /** Unset because the document never assigns it: only the environment could set it. */
  neverSet?: boolean;
  /** What taking its `${…:-default}` assumes, when that is not "the environment does not set it". */
  assumption?: string;
  /** Why a bare `$X` of it is unknown, when that is not "only the environment can set it". */
  bareWhy?: string;
}

const UNSET: Lookup = { vals: null, multi: false };

/** `$@`, `$*`, `$#` and the positional parameters `$1`…, `$0`. */
function lookupPositional(ex: Expander, name: string, s0: number, s1: number): Lookup | null {
  const args = ex.env.positional();
  if (name === '@' || name === '*') {
    if (args === null) {
      ex.passthrough.push([s0, s1]);
      return { vals: [], multi: true };
    }
    return { vals: args.map((a) => viaVar(name === '@' ? '$@' : '$*', a, s0, s1)), multi: true };
  }
  if (name === '#') {
    if (args === null)
      return { vals: null, multi: false, unknown: 'the number of script arguments is only known at run time' };
    return { vals: [literalVal(String(args.length), s0, s1, false)], multi: false };
  }
  const c0 = name.charCodeAt(0);
  if (!(c0 >= 48 && c0 <= 57)) return null;
  if (name === '0') return { vals: null, multi: false, unknown: 'the script name is only known at run time' };
  if (args === null)
    return { vals: null, multi: false, neverSet: true, unknown: `script argument $${name} has no default here` };
  const a = args[Number(name) - 1];
  return { vals: a ? [viaVar('$' + name, a, s0, s1)] : null, multi: false };
}

/** Values of a parameter: null = unset; an array of values for `$@`/`${A[@]}` (multi). */
function lookup(ex: Expander, p: ParamPart, src: Src, s0: number, s1: number): Lookup {
  const name = p.name;
  const positional = lookupPositional(ex, name, s0, s1);
  if (positional) return positional;
  if (name === '?' || name === '$' || name === '!' || name === '-' || name === '')
    return { vals: null, multi: false, unknown: `\`$${name}\` is only known at run time` };
  const env = ex.env;
  let target = resolveName(env, name);
  if (p.indirect && !p.all) {
    const v = scalarOf(env, target);
    if (!v) return UNSET;
    if (!isKnown(v)) return { vals: null, multi: false, unknown: unknownReason(v) };
    if (!NAME_RE.test(v.text))
      return { vals: null, multi: false, unknown: `\${!${name}} names \`${v.text.slice(0, 40)}\`, not a variable` };
    target = resolveName(env, v.text);
  }
  const v = env.get(target);
  const arr = v && (v.kind === VarKind.Indexed || v.kind === VarKind.Assoc) ? v.arr : null;
  if (!v || (!arr && v.val === null)) {
    const what = v ? undefined : runtimeVar(target);
    if (what) return { vals: null, multi: false, unknown: `$${target} is ${what}, only known at run time` };
    const skipped = v ? undefined : env.skippedAssignment(target);
    // Unset here and never assigned before this point: the environment's to give (assigned later or never).
    const first = v ? undefined : env.firstAssignedAt(target);
    const dynamic = v ? undefined : env.dynamicAssign;
    const envs = !v && (first === undefined || s0 < first || dynamic !== undefined);
    if (envs && ex.testOperandDepth > 0) env.noteEnvRead(target);
    if (skipped)
      return {
        vals: null,
        multi: false,
        neverSet: true,
        unknown: `$${target} is ${skipped}`,
        assumption: `the script is run without arguments that set $${target}`,
      };
    if (dynamic !== undefined)
      return {
        vals: null,
        multi: false,
        neverSet: true,
        assumption: `$${target} is set neither by the environment nor by ${dynamic}`,
        bareWhy: `$${target} is not set in this script (the environment or ${dynamic} can set it at run time)`,
      };
    return { vals: null, multi: false, neverSet: envs };
  }
  const label = (k: string | null): string => (k === null ? target : `${target}[${k}]`);
  if (p.all) {
    if (p.indirect) {
      const keys = v.arr ? sortedKeys(v.arr, v.kind) : v.val ? ['0'] : [];
      return { vals: keys.map((k) => literalVal(k, s0, s1, false)), multi: true };
    }
    if (!arr) return { vals: v.val ? [viaVar(target, v.val, s0, s1)] : [], multi: true };
    // Arrays copied into themselves grow quadratically; never build more elements than the field budget allows.
    const keys = sortedKeys(arr, v.kind).slice(0, ex.budget.fieldsLeft());
    const vals: Val[] = [];
    for (const k of keys) {
      const e = arr.get(k);
      if (e) vals.push(viaVar(label(null), e, s0, s1));
    }
    return { vals, multi: true };
  }
  if (p.sub) {
    const key = ex.expandJoined(p.sub, src);
    if (!isKnown(key)) return { vals: null, multi: false, unknown: unknownReason(key) };
    let k = key.text;
    if (v.kind !== VarKind.Assoc) {
      const r = ex.arithText(key, s0, s1);
      if (r.value === null) return { vals: null, multi: false, unknown: r.reason };
      k = String(r.value < 0n && v.arr ? BigInt(nextIndex(v.arr)) + r.value : r.value);
    }
    if (!arr) return { vals: k === '0' && v.val ? [viaVar(target, v.val, s0, s1)] : null, multi: false };
    const e = arr.get(k);
    return { vals: e ? [viaVar(label(k), e, s0, s1)] : null, multi: false };
  }
  const e = arr ? arr.get('0') : v.val;
  return { vals: e ? [viaVar(target, e, s0, s1)] : null, multi: false };
}

export function expandParam(ex: Expander, p: ParamPart, src: Src, fb: FieldBuilder): void {
  const [s0, s1] = src.span(p.i0, p.i1);
  if (p.bad) return fb.val(unknownVal(p.bad, s0, s1), p.q);
  if (!ex.budget.step(s0)) return fb.val(unknownVal('evaluation budget exhausted', s0, s1), p.q);
  const r = lookup(ex, p, src, s0, s1);
  if (p.length) return expandLength(p, r, s0, s1, fb);
  const op = p.op;
  if (op === ':-' || op === '-' || op === ':=' || op === '=' || op === ':+' || op === '+' || op === ':?' || op === '?')
    return expandDefault(ex, p, r, src, s0, s1, fb);
  if (r.unknown) return fb.val(unknownVal(r.unknown, s0, s1), p.q);
  if (r.vals === null) {
    if (r.neverSet && op === '' && ex.testOperandDepth === 0)
      return fb.val(
        unknownVal(
          r.bareWhy ?? `$${p.name} is not set in this script (only the environment at run time can set it)`,
          s0,
          s1,
        ),
        p.q,
      );
    fb.markQuoted(p.q);
    return;
  }
  if (op === '') return emitVals(r.vals, r.multi, p, fb);
  if (op === ':' && r.multi) return emitListSlice(ex, p, r.vals, src, s0, s1, fb);
  // Value-transforming operators apply to each value.
  const out = r.vals.map((v) => transform(ex, v, p, src, s0, s1));
  emitVals(out, r.multi, p, fb);
}

/** `${#X}`, `${#A[@]}`, `${#@}`. */
function expandLength(p: ParamPart, r: Lookup, s0: number, s1: number, fb: FieldBuilder): void {
  if (r.unknown) return fb.val(unknownVal(r.unknown, s0, s1), p.q);
  const vals = r.vals ?? [];
  const first = vals.length ? vals[0] : undefined;
  let n: number;
  if (p.all || p.name === '@' || p.name === '*') n = vals.length;
  else {
    if (first && !isKnown(first))
      return fb.val(unknownVal(unknownReason(first) ?? 'unknown', s0, s1, originsOf(first, 0, first.text.length)), p.q);
    n = first ? [...first.text].length : 0;
  }
  const origins = first ? originsOf(first, 0, first.text.length) : NO_ORIGINS;
  fb.val(literalWithOrigins(String(n), s0, s1, origins), p.q);
}

/** The default-value family: `:-` `-` `:=` `=` `:+` `+` `:?` `?` (with a colon, empty counts as unset). */
function expandDefault(
  ex: Expander,
  p: ParamPart,
  r: Lookup,
  src: Src,
  s0: number,
  s1: number,
  fb: FieldBuilder,
): void {
  const colon = p.op.startsWith(':');
  const base = colon ? p.op.slice(1) : p.op;
  // The value is unknown (not unset): the operator's outcome is too.
  if (r.unknown && !r.neverSet) return fb.val(unknownVal(r.unknown, s0, s1), p.q);
  const isUnset = r.vals === null && !r.unknown;
  const firstVal = r.vals && r.vals.length ? r.vals[0] : undefined;
  const isNull =
    isUnset ||
    (r.vals !== null &&
      (r.multi ? r.vals.length === 0 || (r.vals.length === 1 && firstVal?.text === '') : firstVal?.text === ''));
  const neverSetUnknown = r.unknown !== undefined && r.neverSet === true;
  const empty = colon ? isNull || neverSetUnknown : isUnset || neverSetUnknown;
  // A partly unknown value: never empty if it has known text, else undecidable.
  if (
    r.vals !== null &&
    r.vals.length === 1 &&
    firstVal &&
    !isKnown(firstVal) &&
    firstVal.text.replace(/\0/g, '').length === 0
  ) {
    return fb.val(
      unknownVal(unknownReason(firstVal) ?? 'unknown', s0, s1, originsOf(firstVal, 0, firstVal.text.length)),
      p.q,
    );
  }
  if (base === '+') {
    if (!empty && p.arg) ex.expandParts(p.arg.parts, src, fb);
    else fb.markQuoted(p.q);
    return;
  }
  if (!empty) return emitVals(r.vals ?? [], r.multi, p, fb);
  if (base === '?') {
    const msg = p.arg ? ex.expandJoined(p.arg, src) : emptyVal();
    const why = isKnown(msg) && msg.text ? msg.text : `$${p.name} is not set`;
    return fb.val(unknownVal(why, s0, s1), p.q);
  }
  if (base === '=') {
    const d = p.arg ? ex.expandJoined(p.arg, src) : emptyVal();
    if (r.neverSet) for (const g of d.segs) g.assumed ??= r.assumption ?? assumptionOf(p.name);
    if (NAME_RE.test(p.name) && !p.sub) {
      ex.env.setScalar(p.name, d, false);
      fb.val(viaVar(p.name, ex.env.markCond(d), s0, s1), p.q);
    } else fb.val(d, p.q);
    return;
  }
  // ':-' / '-': the default word, with its own quoting. When only the environment or the script's arguments could
  // have set the variable, the default is what the analysis assumes, and everything built on it says so.
  const at = fb.mark();
  if (p.arg) ex.expandParts(p.arg.parts, src, fb);
  fb.markQuoted(p.q);
  if (r.neverSet) fb.assumeSince(at, r.assumption ?? assumptionOf(p.name));
}

/** What taking a never-set variable's default assumes about the run. */
function assumptionOf(name: string): string {
  const c0 = name.charCodeAt(0);
  return c0 >= 48 && c0 <= 57
    ? `the script is run without argument $${name}`
    : `$${name} is not set in the environment`;
}

/** `${A[@]:off:len}` / `${@:2}` slice the list of elements, not each element. */
function emitListSlice(
  ex: Expander,
  p: ParamPart,
  vals: Val[],
  src: Src,
  s0: number,
  s1: number,
  fb: FieldBuilder,
): void {
  const off = p.arg ? ex.arithWord(p.arg, src) : { value: 0n, reason: '' };
  const len = p.arg2 ? ex.arithWord(p.arg2, src) : null;
  if (off.value === null || (len && len.value === null))
    return fb.val(unknownVal(off.reason || len?.reason || 'unknown', s0, s1), p.q);
  const n = vals.length;
  let a = Number(off.value);
  if (p.name === '@' || p.name === '*') a -= 1; // $0 is element 0 of "$@" slicing
  if (a < 0) a = Math.max(0, n + a);
  const b = len ? (Number(len.value) < 0 ? n + Number(len.value) : a + Number(len.value)) : n;
  emitVals(vals.slice(a, Math.max(a, b)), true, p, fb);
}

function emitVals(vals: Val[], multi: boolean, p: ParamPart, fb: FieldBuilder): void {
  if (!multi) {
    if (vals.length)
      fb.val(vals[0]!, p.q); // length checked
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

/** The part [a, b) of v, keeping its provenance and conditional mark. */
function sliceVal(v: Val, a: number, b: number): Val {
  const bld = new ValBuilder();
  bld.cond = v.cond;
  bld.appendSlice(v, a, b);
  return bld.build();
}

/** A value-transforming operator applied to one value. */
function transform(ex: Expander, v: Val, p: ParamPart, src: Src, s0: number, s1: number): Val {
  const op = p.op;
  const origins = originsOf(v, 0, v.text.length);
  if (!isKnown(v)) return unknownVal(unknownReason(v) ?? 'unknown', s0, s1, origins);
  const text = v.text;
  if (op === ':') {
    const off = p.arg ? ex.arithWord(p.arg, src) : { value: 0n, reason: '' };
    const len = p.arg2 ? ex.arithWord(p.arg2, src) : null;
    if (off.value === null || (len && len.value === null))
      return unknownVal(off.reason || len?.reason || 'unknown', s0, s1, origins);
    let a = Number(off.value);
    if (a < 0) a = Math.max(0, text.length + a);
    a = Math.min(a, text.length);
    let b = text.length;
    if (len) {
      const l = Number(len.value);
      b = l < 0 ? Math.max(a, text.length + l) : Math.min(text.length, a + l);
    }
    return sliceVal(v, a, b);
  }
  if (op === '^^' || op === '^' || op === ',,' || op === ',') {
    const upper = op[0] === '^';
    const t =
      op.length === 2
        ? upper
          ? text.toUpperCase()
          : text.toLowerCase()
        : (upper ? text.slice(0, 1).toUpperCase() : text.slice(0, 1).toLowerCase()) + text.slice(1);
    if (t.length !== text.length) return literalWithOrigins(t, s0, s1, origins);
    return { text: t, segs: v.segs, cond: v.cond };
  }
  if (op === '@') return unknownVal(`\${${p.name}@…} transformations are not evaluated`, s0, s1, origins);
  const pat = p.arg ? ex.expandJoined(p.arg, src) : emptyVal();
  if (!isKnown(pat)) return unknownVal(unknownReason(pat) ?? 'unknown pattern', s0, s1, origins);
  if (text.length > MAX_PATTERN_VALUE)
    return unknownVal('value too long to match patterns on statically', s0, s1, origins);
  const quoted = p.arg ? wordIsQuoted(p.arg) : false;
  if (op === '#' || op === '##' || op === '%' || op === '%%') return removeAffix(v, op, pat.text, quoted);
  // Replacement: ${X/pat/rep}, ${X//pat/rep}, ${X/#pat/rep}, ${X/%pat/rep}
  const rep = p.arg2 ? ex.expandJoined(p.arg2, src) : emptyVal();
  return replacePattern(v, op, pat.text, quoted, rep);
}

/** `${X#pat}` `${X##pat}` (prefix) and `${X%pat}` `${X%%pat}` (suffix); doubled: the longest match. */
function removeAffix(v: Val, op: string, pat: string, quoted: boolean): Val {
  const text = v.text;
  const longest = op.length === 2;
  let cut = -1;
  if (op[0] === '#') {
    for (let k = longest ? text.length : 0; longest ? k >= 0 : k <= text.length; k += longest ? -1 : 1) {
      if (globMatch(pat, text.slice(0, k), quoted)) {
        cut = k;
        break;
      }
    }
    return cut < 0 ? v : sliceVal(v, cut, text.length);
  }
  for (let k = longest ? 0 : text.length; longest ? k <= text.length : k >= 0; k += longest ? 1 : -1) {
    if (globMatch(pat, text.slice(k), quoted)) {
      cut = k;
      break;
    }
  }
  return cut < 0 ? v : sliceVal(v, 0, cut);
}

/** End of the longest match of `pat` starting at `k` (anchored at the end for `/%`), or -1. */
function longestMatchAt(text: string, k: number, op: string, pat: string, quoted: boolean): number {
  if (op === '/#' && k !== 0) return -1;
  for (let e = text.length; e >= k; e--) {
    if (op === '/%' && e !== text.length) break;
    if (e === k && pat !== '') continue;
    if (globMatch(pat, text.slice(k, e), quoted)) return e;
  }
  return -1;
}

/** `${X/pat/rep}` (first match), `${X//pat/rep}` (all), `${X/#pat/rep}` (at the start), `${X/%pat/rep}` (at the end). */
function replacePattern(v: Val, op: string, pat: string, quoted: boolean, rep: Val): Val {
  const text = v.text;
  const b = new ValBuilder();
  b.cond = v.cond;
  let k = 0;
  let done = false;
  while (k <= text.length) {
    const matchEnd = done ? -1 : longestMatchAt(text, k, op, pat, quoted);
    if (matchEnd >= 0 && pat !== '') {
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
