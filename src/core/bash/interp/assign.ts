// Assignments: `NAME=value`, `NAME+=value`, `NAME[k]=value`, array literals `NAME=(a [k]=b)`, and unfilled
// `<placeholder>` values.
import type { ArrayElem, Assign } from '../syntax/ast';
import { VarKind, nextIndex, resolveName, type Var } from '../expand/environ';
import type { Field } from '../expand/fields';
import { MAX_ARRAY_ELEMENTS } from '../limits';
import type { Src } from '../src';
import { concat, emptyVal, isKnown, unknownVal, type Val } from '../value';
import type { Runner } from './runner';

/** `CHECKPOINT_PATH=<Specify path>`: a value that must be filled in before the script can run. */
export function placeholderVal(a: Assign, src: Src): Val {
  const [s0, s1] = src.span(a.v0, a.v1);
  return unknownVal(`placeholder \`${a.placeholder}\` must be filled in`, s0, s1);
}

export function assign(r: Runner, a: Assign, src: Src, local: boolean): void {
  const name = resolveName(r.vars, a.name);
  if (a.array) return assignArray(r, r.vars.getOrCreate(name, local), a, a.array, src);
  let val =
    a.placeholder !== undefined ? placeholderVal(a, src) : a.value ? r.ex.expandJoined(a.value, src) : emptyVal();
  if (a.index) return assignElement(r, r.vars.getOrCreate(name, local), a, a.index, val, src);
  let alreadyMarked = false;
  if (a.append) {
    const v = r.vars.get(name);
    if (v && (v.kind === VarKind.Indexed || v.kind === VarKind.Assoc) && v.arr) {
      v.arr.set('0', r.vars.markCond(concat(v.arr.get('0') ?? emptyVal(), val)));
      return;
    }
    const old = v?.val ?? null;
    // On an undecided branch only the appended part is conditional.
    if (old) {
      val = concat(old, r.vars.markCond(val));
      alreadyMarked = true;
    }
  }
  if (!r.budget.spend(val.text.length)) {
    const [s0, s1] = src.span(a.v0, a.v1);
    val = unknownVal('the value grows beyond the 1 MB expansion limit', s0, s1);
  }
  r.vars.setScalar(name, val, local, alreadyMarked);
}

/** `NAME[key]=value` / `NAME[key]+=value`: a scalar becomes an indexed array first. */
function assignElement(r: Runner, v: Var, a: Assign, index: NonNullable<Assign['index']>, val: Val, src: Src): void {
  if (v.readonly) return;
  const arr = v.kind === VarKind.Assoc ? r.vars.toArray(v, VarKind.Assoc) : r.vars.toArray(v, VarKind.Indexed);
  const key = r.ex.expandJoined(index, src);
  if (!isKnown(key)) return;
  let k = key.text;
  if (v.kind === VarKind.Indexed) {
    const n = r.ex.arithText(key, 0, 0).value;
    if (n === null) return;
    k = String(n);
  }
  if (a.append) val = concat(arr.get(k) ?? emptyVal(), val);
  arr.set(k, r.vars.markCond(val));
}

/** `NAME=(…)` / `NAME+=(…)`: elements with or without `[key]=`. */
function assignArray(r: Runner, v: Var, a: Assign, elems: ArrayElem[], src: Src): void {
  if (v.readonly) return;
  const assoc = v.kind === VarKind.Assoc;
  const arr = a.append && v.arr ? v.arr : new Map<string, Val>();
  if (a.append && !v.arr && v.val) arr.set('0', v.val);
  let next = a.append ? nextIndex(arr) : 0;
  for (const el of elems) {
    if (!r.step(a.i0)) return;
    if (el.key) {
      const key = r.ex.expandJoined(el.key, src);
      const val = r.vars.markCond(r.ex.expandJoined(el.value, src));
      if (!isKnown(key)) continue;
      if (assoc) arr.set(key.text, val);
      else {
        const g = key.segs.length ? key.segs[0] : undefined;
        const n = r.ex.arithText(key, g?.s0 ?? 0, g?.s1 ?? 0).value;
        if (n === null) continue;
        next = Number(n);
        arr.set(String(next), val);
        next++;
      }
    } else {
      const items: Field[] = [];
      r.ex.expandWord(el.value, src, true, items);
      for (const f of items) {
        arr.set(String(next++), r.vars.markCond(f));
        if (arr.size > MAX_ARRAY_ELEMENTS) break;
      }
    }
  }
  v.kind = assoc ? VarKind.Assoc : VarKind.Indexed;
  v.arr = arr;
  v.val = null;
}
