// Pure text shaping for the compare table (no DOM), unit-tested in Node.

/**
 * The engine lists a recommendation's refusal per candidate k ("no candidate k applies (k=2: …(S=3, k=2)…; k=4: …)",
 * src/core/schedule/engine.ts recommendSplits), and most refusals differ only in the k they name. Say each distinct
 * refusal once, with the k values it covers. Any other text is returned as it is.
 */
export function tidyReason(reason: string): string {
  const m = /^no candidate k applies \((.*)\)$/s.exec(reason);
  if (!m?.[1]) return reason;
  const byText = new Map<string, string[]>();
  for (const part of m[1].split(/; (?=k=\d+: )/)) {
    const km = /^k=(\d+): (.*)$/s.exec(part);
    if (!km?.[1] || km[2] === undefined) return reason;
    const k = km[1];
    const text = km[2].replace(new RegExp(`\\bk=${k}\\b,\\s*|,\\s*\\bk=${k}\\b|\\bk=${k}\\b`, 'g'), '');
    byText.set(text, [...(byText.get(text) ?? []), k]);
  }
  const groups = [...byText];
  const [only] = groups;
  if (groups.length === 1 && only) return `no candidate k (${only[1].join(', ')}) applies: ${only[0]}`;
  return `no candidate k applies: ${groups.map(([text, ks]) => `k = ${ks.join(', ')}: ${text}`).join('; ')}`;
}
