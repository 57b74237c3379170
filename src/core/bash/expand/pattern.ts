// Bash pattern matching (`case` patterns, `[[ x == pat ]]`, `${X#pat}`, `${X/pat/rep}`).

/** POSIX character classes inside brackets (`[[:digit:]]`). */
const CHAR_CLASSES = new Map<string, RegExp>([
  ['digit', /[0-9]/],
  ['alpha', /[A-Za-z]/],
  ['alnum', /[A-Za-z0-9]/],
  ['upper', /[A-Z]/],
  ['lower', /[a-z]/],
  ['space', /\s/],
  ['xdigit', /[0-9A-Fa-f]/],
  ['punct', /[!-/:-@[-`{-~]/],
]);

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
        const r = matchClass(pat, p, s.charAt(i));
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
        if (CHAR_CLASSES.get(cls)?.test(ch)) matched = true;
        k = e + 2;
        continue;
      }
    }
    if (pat[k + 1] === '-' && k + 2 < pat.length && pat[k + 2] !== ']') {
      if (ch >= pat.charAt(k) && ch <= pat.charAt(k + 2)) matched = true;
      k += 3;
      continue;
    }
    if (pat[k] === ch) matched = true;
    k++;
  }
  if (k >= pat.length) return -1;
  return matched !== neg ? k + 1 : 0;
}
