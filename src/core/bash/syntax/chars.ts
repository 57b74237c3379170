// Character codes and classes of the bash front end, and the hot character loops that scan plain text. The loops
// live in small functions of their own so V8 optimises them whatever else the lexer sees.

export const C_TAB = 9;
export const C_NL = 10;
export const C_CR = 13;
export const C_SP = 32;
export const C_BANG = 33;
export const C_DQ = 34;
export const C_HASH = 35;
export const C_DOLLAR = 36;
export const C_PERCENT = 37;
export const C_AMP = 38;
export const C_SQ = 39;
export const C_LP = 40;
export const C_RP = 41;
export const C_STAR = 42;
export const C_PLUS = 43;
export const C_COMMA = 44;
export const C_MINUS = 45;
export const C_SLASH = 47;
export const C_COLON = 58;
export const C_SEMI = 59;
export const C_LT = 60;
export const C_EQ = 61;
export const C_GT = 62;
export const C_QM = 63;
export const C_AT = 64;
export const C_LB = 91;
export const C_BS = 92;
export const C_RB = 93;
export const C_CARET = 94;
export const C_BT = 96;
export const C_LOWER_P = 112;
export const C_LC = 123;
export const C_PIPE = 124;
export const C_RC = 125;
/** `peek()` past the end of the text. */
export const EOF = -1;

export function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
export function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
export function isBlank(c: number): boolean {
  return c === C_SP || c === C_TAB || c === C_CR;
}
export function isMeta(c: number): boolean {
  return (
    c === C_SP ||
    c === C_TAB ||
    c === C_NL ||
    c === C_CR ||
    c === C_SEMI ||
    c === C_AMP ||
    c === C_PIPE ||
    c === C_LT ||
    c === C_GT ||
    c === C_LP ||
    c === C_RP
  );
}
/** `$@ $* $# $? $$ $! $-`: one-character special parameters (besides digits). */
export function isSpecialParam(c: number): boolean {
  return c === C_AT || c === C_STAR || c === C_HASH || c === C_QM || c === C_DOLLAR || c === C_BANG || c === C_MINUS;
}

// Characters that mean something in a mode (1 = stop the plain-text scan). Everything else is literal text.
function specialTable(chars: string, withBlanks: boolean): Uint8Array {
  const t = new Uint8Array(128);
  for (let k = 0; k < chars.length; k++) t[chars.charCodeAt(k)] = 1;
  if (withBlanks) for (const c of [9, 10, 11, 12, 13, 32]) t[c] = 1;
  return t;
}
export const PLAIN_NORMAL = specialTable(';&|<>()\\\'"$`*?[', true);
export const PLAIN_DQ = specialTable('"\\$`', false);
/** What the skim past an over-long command has to look at. */
export const SKIM_STOP = /[\\'"(){}\n;&|]/g;

/** End of the run of characters from `i` that mean nothing in the mode whose table is `special`. */
export function scanPlain(s: string, i: number, n: number, special: Uint8Array): number {
  while (i < n) {
    const e = s.charCodeAt(i);
    if (e < 128 && special[e] === 1) break;
    i++;
  }
  return i;
}

/** End of a run of backslash escapes starting at `j` (each `\X` pair one escaped character). */
export function scanEscapes(s: string, j: number, end: number, inDQ: boolean, dq: boolean): number {
  while (j + 1 < end && s.charCodeAt(j) === C_BS) {
    const e = s.charCodeAt(j + 1);
    if (e === C_NL || (inDQ && !(e === C_DOLLAR || e === C_BT || e === C_BS || (e === C_DQ && dq)))) break;
    j += 2;
  }
  return j;
}

/** The escaped characters of the pairs in [i, j). */
export function decodeEscapes(s: string, i: number, j: number): string {
  const codes: number[] = [];
  for (let k = i + 1; k < j; k += 2) codes.push(s.charCodeAt(k));
  return String.fromCharCode.apply(null, codes);
}

/** The first word of s[a, b) as written (for messages such as "$(nvidia-smi …) is only known at run time"). */
export function firstWord(s: string, a: number, b: number): string {
  let i = a;
  while (i < b && (isBlank(s.charCodeAt(i)) || s.charCodeAt(i) === C_NL)) i++;
  let j = i;
  while (j < b && !isMeta(s.charCodeAt(j))) j++;
  return s.slice(i, Math.min(j, i + 40));
}

const ANSI_C_SIMPLE: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/**
 * Decode the body of `$'…'` from `i` (just after the opening quote) up to the closing quote or `n`.
 * Returns the decoded text and the index of the closing quote (`n` when there is none).
 */
export function decodeAnsiC(s: string, i: number, n: number): { text: string; end: number } {
  let text = '';
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === C_SQ) break;
    if (c === C_BS && i + 1 < n) {
      const d = s.charAt(i + 1);
      i += 2;
      const simple = ANSI_C_SIMPLE[d];
      if (simple !== undefined) text += simple;
      else if (d === 'x') {
        let k = 0;
        let v = 0;
        while (k < 2 && i < n && /[0-9a-fA-F]/.test(s.charAt(i))) {
          v = v * 16 + parseInt(s.charAt(i), 16);
          i++;
          k++;
        }
        text += k ? String.fromCharCode(v) : '\\x';
      } else if (d >= '0' && d <= '7') {
        let v = d.charCodeAt(0) - 48;
        let k = 1;
        while (k < 3 && i < n && s.charAt(i) >= '0' && s.charAt(i) <= '7') {
          v = v * 8 + (s.charCodeAt(i) - 48);
          i++;
          k++;
        }
        text += String.fromCharCode(v & 255);
      } else text += '\\' + d;
      continue;
    }
    text += s.charAt(i);
    i++;
  }
  return { text, end: i };
}
