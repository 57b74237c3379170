// The opening of `${…}`: the `#` (length) or `!` (indirect) prefix, the name, digits or special parameter, and an
// `[@]` / `[*]` / `[…]` subscript; then paramOps.ts reads the operator, if any, up to the `}`.
import { PK, type ParamPart } from './ast';
import {
  C_AT,
  C_BANG,
  C_HASH,
  C_LB,
  C_RB,
  C_RC,
  C_STAR,
  EOF,
  isDigit,
  isNameChar,
  isNameStart,
  isSpecialParam,
} from './chars';
import type { Lexer } from './lexer';
import { readParamOperator } from './paramOps';
import { WordMode } from './wordMode';

/** At `${`. */
export function readBraceParam(lx: Lexer, q: boolean): ParamPart {
  const i0 = lx.i;
  lx.i += 2;
  const p = emptyParam(q, i0);
  if (!readParamName(lx, p)) return lx.badParam(p, 'bad substitution');
  if (lx.peek() === C_LB) {
    const bad = readParamSubscript(lx, p, i0);
    if (bad) return bad;
  }
  if (p.indirect && (lx.peek() === C_STAR || lx.peek() === C_AT) && lx.peek(1) === C_RC) {
    lx.i += 2;
    p.bad = '${!prefix*} lists variable names at run time';
    p.i1 = lx.i;
    return p;
  }
  const c = lx.peek();
  if (c === C_RC) {
    lx.i++;
    p.i1 = lx.i;
    return p;
  }
  if (c === EOF) return lx.unterminatedParam(p);
  return readParamOperator(lx, p, q);
}

/** `${#X`, `${!X`, then the name, digits or special parameter; false when there is none. */
function readParamName(lx: Lexer, p: ParamPart): boolean {
  let c = lx.peek();
  if (c === C_HASH && lx.peek(1) !== C_RC && lx.peek(1) !== EOF) {
    const e = lx.peek(1);
    if (isNameStart(e) || isDigit(e) || isSpecialParam(e)) {
      p.length = true;
      lx.i++;
      c = lx.peek();
    }
  } else if (c === C_BANG && lx.peek(1) !== C_RC) {
    p.indirect = true;
    lx.i++;
    c = lx.peek();
  }
  const st = lx.i;
  if (isNameStart(c)) while (isNameChar(lx.peek())) lx.i++;
  else if (isDigit(c)) while (isDigit(lx.peek())) lx.i++;
  else if (isSpecialParam(c)) lx.i++;
  else return false;
  p.name = lx.s.slice(st, lx.i);
  return true;
}

/** At `[` after a parameter name: `[@]`, `[*]` or a subscript word. Returns the part when it is malformed. */
function readParamSubscript(lx: Lexer, p: ParamPart, i0: number): ParamPart | null {
  lx.i++;
  const e = lx.peek();
  if ((e === C_AT || e === C_STAR) && lx.peek(1) === C_RB) {
    p.all = e === C_AT ? '@' : '*';
    lx.i += 2;
    return null;
  }
  const subStart = lx.i;
  const parts = lx.readParts(WordMode.Subscript, true);
  if (lx.peek() !== C_RB) {
    if (lx.i >= lx.n) {
      lx.recover(i0, '`${`');
      p.i1 = lx.i;
      p.bad = 'unterminated ${';
      return p;
    }
    return lx.badParam(p, 'bad subscript');
  }
  p.sub = { parts, i0: subStart, i1: lx.i };
  lx.i++;
  return null;
}

/** A parameter part with nothing read yet. */
export function emptyParam(q: boolean, i0: number): ParamPart {
  return plainParam('', q, i0, i0);
}

/** `$name` / `${name}` with no operator, subscript or prefix, spanning [i0, i1). */
export function plainParam(name: string, q: boolean, i0: number, i1: number): ParamPart {
  return {
    k: PK.Param,
    name,
    sub: null,
    all: '',
    length: false,
    indirect: false,
    op: '',
    arg: null,
    arg2: null,
    q,
    i0,
    i1,
  };
}
