// Word expansion: parameters, arithmetic, command substitutions and literals into values with provenance, then
// field splitting. It reads the shell's state only through an Environ and charges its work to an ExpandBudget
// (mvdan/sh's expand.Config does the same); the `${…}` operators are in param.ts.
import { PK, type Cmd, type Part, type Word } from '../syntax/ast';
import { evalArith, type ArithEnv } from './arith';
import { resolveName, runtimeVar, scalarOf, type Environ, type ExpandBudget } from './environ';
import { FieldBuilder, type Field } from './fields';
import { expandParam } from './param';
import type { Src } from '../src';
import {
  UNKNOWN_CHAR,
  ValBuilder,
  emptyVal,
  isKnown,
  joinVals,
  literalWithOrigins,
  originsOf,
  unknownReason,
  unknownVal,
  viaVar,
  type OriginRef,
  type Val,
} from '../value';

export interface ArithValue {
  /** null when the expression cannot be evaluated statically. */
  value: bigint | null;
  /** Why not ('' when it could). */
  reason: string;
  /** Variables the expression read. */
  origins: OriginRef[];
}

/** Variables one arithmetic expression reports as its origins (more would not help a reader). */
const MAX_ARITH_ORIGINS = 16;

export class Expander {
  /**
   * >0 while expanding `[ … ]` / `[[ … ]]` operands and `case` words: there a variable the script never sets is
   * simply unset (`[ "$FP8" = 1 ]` is false), where in a command word it would be reported as the environment's.
   */
  testOperandDepth = 0;
  /** Where `$@` of the script was expanded since the runner last reset it (more arguments may arrive at run time). */
  passthrough: [number, number][] = [];

  constructor(
    readonly env: Environ,
    readonly budget: ExpandBudget,
    /** The document, for messages that quote it. */
    readonly doc: string,
  ) {}

  /** Expand a word without field splitting (assignments, case subjects, [[ ]] operands, heredocs). */
  expandJoined(w: Word, src: Src): Val {
    const only = w.parts.length === 1 ? w.parts[0] : undefined;
    if (only && only.k === PK.Lit) {
      // The common case (`TP=8`): one literal, nothing to expand.
      const b = new ValBuilder();
      src.appendLit(b, only.text, only.i0, only.i1, only.raw);
      return b.build();
    }
    const out: Field[] = [];
    const fb = new FieldBuilder(this.budget, out, false, w, src);
    this.expandParts(w.parts, src, fb);
    fb.finish(true);
    if (out.length === 0) return emptyVal();
    if (out.length === 1) return out[0]!; // length checked (reading past the end would be slow in V8)
    return joinVals(out, ' ');
  }

  /** Expand a word into argv fields (word splitting on unquoted expansions). */
  expandWord(w: Word, src: Src, split: boolean, out: Field[]): void {
    const only = w.parts.length === 1 ? w.parts[0] : undefined;
    if (only && only.k === PK.Lit && (only.text !== '' || only.q) && !(split && only.glob)) {
      // The common case (`--num-layers`): one literal word, no splitting or pattern characters.
      if (!this.budget.addField()) return;
      const b = new ValBuilder();
      src.appendLit(b, only.text, only.i0, only.i1, only.raw);
      const [tok0, tok1] = src.span(w.i0, w.i1);
      out.push({ text: b.text, segs: b.segs, cond: false, glob: false, tok0, tok1, single: true });
      return;
    }
    const fb = new FieldBuilder(this.budget, out, split, w, src);
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
          expandParam(this, p, src, fb);
          break;
        case PK.Arith: {
          const [s0, s1] = src.span(p.i0, p.i1);
          const r = this.arithWord(p.expr, src);
          if (r.value === null) fb.val(unknownVal(r.reason, s0, s1, r.origins), p.q);
          else fb.val(literalWithOrigins(String(r.value), s0, s1, r.origins), p.q);
          break;
        }
        case PK.CmdSub: {
          const [s0, s1] = src.span(p.i0, p.i1);
          const known = this.knownSubstitution(p.body, src);
          if (known) fb.val(known, p.q);
          else {
            const shown =
              p.body === null && this.doc.charCodeAt(s0) === 96
                ? `\`${p.name}${p.name ? ' …' : ''}\``
                : `$(${p.name || '…'}${p.name ? ' …' : ''})`;
            fb.val(unknownVal(`${shown} is only known at run time`, s0, s1), p.q);
          }
          break;
        }
      }
    }
  }

  /** `$(echo …)` with known arguments and nothing else: its output is the joined arguments. */
  knownSubstitution(body: Cmd[] | null, src: Src): Val | null {
    const c = body && body.length === 1 ? body[0] : undefined;
    if (!c || c.t !== 'simple') return null;
    if (c.assigns.length || c.redirs.length || c.words.length === 0) return null;
    const fields: Field[] = [];
    for (const w of c.words) this.expandWord(w, src, true, fields);
    const [command, ...args] = fields;
    if (!command || command.text !== 'echo' || fields.some((f) => !isKnown(f))) return null;
    if (args[0] && /^-[neE]+$/.test(args[0].text)) return null;
    return joinVals(args, ' ');
  }

  /** Evaluate an arithmetic word: expand, then compute, collecting the variables it read. */
  arithWord(w: Word, src: Src): ArithValue {
    const v = this.expandJoined(w, src);
    const [s0, s1] = src.span(w.i0, w.i1);
    return this.arithText(v, s0, s1);
  }

  /** Evaluate expanded arithmetic text; assignments inside it (`N = A*B`, `i++`) write through the Environ. */
  arithText(v: Val, s0: number, s1: number): ArithValue {
    const origins: OriginRef[] = [...originsOf(v, 0, v.text.length)];
    if (!isKnown(v)) return { value: null, reason: unknownReason(v) ?? 'an operand is not known statically', origins };
    const r = evalArith(v.text, this.arithEnv(origins, s0, s1));
    if (!r.ok) return { value: null, reason: r.reason, origins };
    return { value: r.value, reason: '', origins };
  }

  /** The variables arithmetic reads and writes; each variable read is added (once) to `origins`. */
  private arithEnv(origins: OriginRef[], s0: number, s1: number): ArithEnv {
    const env = this.env;
    const seen = new Set<string>();
    return {
      get(name) {
        const val = scalarOf(env, name);
        if (!seen.has(name)) {
          seen.add(name);
          if (val && origins.length < MAX_ARITH_ORIGINS) {
            const f = viaVar(name, val, s0, s1);
            for (const o of originsOf(f, 0, f.text.length))
              if (!origins.some((x) => x.name === o.name)) origins.push(o);
          }
        }
        if (!val && !env.get(resolveName(env, name)) && runtimeVar(name)) return UNKNOWN_CHAR;
        return val ? val.text : null;
      },
      set(name, value) {
        env.setScalar(name, literalWithOrigins(String(value), s0, s1, origins.slice()), false);
      },
      why(name) {
        const val = scalarOf(env, name);
        if (!val) {
          const what = runtimeVar(name);
          return what ? `$${name} is ${what}, only known at run time` : undefined;
        }
        const r = unknownReason(val);
        return r ? `$${name}: ${r}` : undefined;
      },
    };
  }
}

/** Every part of the word is quoted (a quoted pattern compares as plain text). */
export function wordIsQuoted(w: Word): boolean {
  return w.parts.length > 0 && w.parts.every((p) => p.q);
}
