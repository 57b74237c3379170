// Finding a flag in the table by any spelling Megatron or its forks accept, and suggesting the flag a typo meant.
import { FLAG_SPECS, type FlagSpec } from './table';

const byName = new Map<string, FlagSpec>();
for (const s of FLAG_SPECS) {
  byName.set(s.name, s);
  for (const a of s.aliases ?? []) byName.set(a, s);
}

interface FlagLookup {
  spec: FlagSpec;
  /** True for `--no-x` / `--disable-x` spellings of a store_true flag `--x`. */
  negated: boolean;
  /** True when the spelling used underscores where the table has dashes. */
  underscored: boolean;
}

/** The spec for a canonical name or alias, exactly as spelled. */
export function flagSpec(name: string): FlagSpec | undefined {
  return byName.get(name);
}

/**
 * Finds a flag by any spelling we accept: exact, underscore instead of dash (forks register those), and the
 * generated `--no-<field>` / `--disable-<field>` negations of bool fields.
 */
export function lookupFlag(spelling: string): FlagLookup | null {
  const exact = byName.get(spelling);
  if (exact) return { spec: exact, negated: false, underscored: false };
  const dashed = '--' + spelling.slice(2).replace(/_/g, '-');
  const viaDash = byName.get(dashed);
  if (viaDash) return { spec: viaDash, negated: false, underscored: true };
  for (const prefix of ['--no-', '--disable-']) {
    if (!dashed.startsWith(prefix)) continue;
    const base = byName.get('--' + dashed.slice(prefix.length));
    if (base && base.type === 'store_true') return { spec: base, negated: true, underscored: dashed !== spelling };
  }
  return null;
}

/** Levenshtein distance, bounded: returns limit + 1 as soon as the distance must exceed limit. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  // Two rows of the DP table; every index below stays within 0..b.length, which the arrays are sized for.
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/**
 * The known flag an unknown spelling most likely meant, or null. Allows more typos on longer names
 * (1 up to 8 characters, 2 up to 20, then 3) and refuses ties, so a suggestion is only made when it is clear.
 */
export function suggestFlag(spelling: string): FlagSpec | null {
  const name = '--' + spelling.slice(2).replace(/_/g, '-').toLowerCase();
  const limit = name.length <= 10 ? 1 : name.length <= 22 ? 2 : 3;
  let best: FlagSpec | null = null;
  let bestDistance = limit + 1;
  let tie = false;
  for (const [candidate, spec] of byName) {
    if (spec.deprecated) continue;
    const d = editDistance(name, candidate, limit);
    if (d < bestDistance) {
      best = spec;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance && best && spec !== best) {
      tie = true;
    }
  }
  return best && !tie && bestDistance <= limit ? best : null;
}
