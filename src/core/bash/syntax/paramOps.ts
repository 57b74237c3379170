// The operator part of `${NAME op arg}`: which operator, and the operand words with the right word mode for each
// (`${X:off:len}`, `${X/pat/rep}`, `${X:-default}` …).
import type { ParamPart, Word } from './ast';
import {
  C_COLON,
  C_COMMA,
  C_CARET,
  C_AT,
  C_EQ,
  C_HASH,
  C_MINUS,
  C_PERCENT,
  C_PLUS,
  C_QM,
  C_RC,
  C_SLASH,
} from './chars';
import type { Lexer } from './lexer';
import { WordMode } from './wordMode';

const TWO_CHAR_OPS = new Set([':-', ':=', ':+', ':?', '##', '%%', '//', '/#', '/%', '^^', ',,']);
const ONE_CHAR_OPS = new Set([
  C_MINUS,
  C_EQ,
  C_PLUS,
  C_QM,
  C_HASH,
  C_PERCENT,
  C_SLASH,
  C_CARET,
  C_COMMA,
  C_COLON,
  C_AT,
]);

/** Cursor at the operator of `${NAME…` (the name read into `p`): read operator and operands up to the `}`. */
export function readParamOperator(lx: Lexer, p: ParamPart, q: boolean): ParamPart {
  const c = lx.peek();
  const two = lx.s.substr(lx.i, 2);
  const op = TWO_CHAR_OPS.has(two) ? two : ONE_CHAR_OPS.has(c) ? String.fromCharCode(c) : '';
  if (!op) return lx.badParam(p, 'bad substitution');
  lx.i += op.length;
  p.op = op;
  if (op === ':') {
    // Offset and length are arithmetic: read as quoted text (never split or globbed), whatever encloses them.
    p.arg = readOperand(lx, WordMode.ParamOffset, true);
    if (lx.peek() === C_COLON) {
      lx.i++;
      p.arg2 = readOperand(lx, WordMode.ParamArg, true);
    }
  } else if (op === '/' || op === '//' || op === '/#' || op === '/%') {
    p.arg = readOperand(lx, WordMode.ParamPattern, q);
    if (lx.peek() === C_SLASH) {
      lx.i++;
      p.arg2 = readOperand(lx, WordMode.ParamArg, q);
    }
  } else p.arg = readOperand(lx, WordMode.ParamArg, q);
  if (lx.peek() !== C_RC) {
    if (lx.i >= lx.n) return lx.unterminatedParam(p);
    return lx.badParam(p, 'bad substitution');
  }
  lx.i++;
  p.i1 = lx.i;
  return p;
}

function readOperand(lx: Lexer, mode: WordMode, q: boolean): Word {
  const i0 = lx.i;
  return { parts: lx.readParts(mode, q), i0, i1: lx.i };
}
