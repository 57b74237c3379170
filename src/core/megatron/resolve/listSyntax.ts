// The two small list languages of Megatron's flags, parsed by grammars of our own (nothing is evaluated).

/**
 * Parses the list expressions Megatron accepts for `--moe-layer-freq` (`[1]*4`, `[0]*3+[1]*58`, `[1,0,1]*2`,
 * `2*[0,1]`) with a grammar of our own: the user's text is never evaluated. `maxLength` bounds the work.
 */
export function parseLayerFreqList(
  text: string,
  maxLength: number,
): { ok: true; value: number[] } | { ok: false; error: string } {
  let pos = 0;
  const src = text.trim();
  const ws = (): void => {
    while (pos < src.length && /\s/.test(src.charAt(pos))) pos++;
  };
  const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });
  const readInt = (): number | null => {
    ws();
    const m = /^\d+/.exec(src.slice(pos));
    if (!m) return null;
    pos += m[0].length;
    return Number(m[0]);
  };
  const readList = (): number[] | null => {
    ws();
    if (src[pos] !== '[') return null;
    pos++;
    const items: number[] = [];
    ws();
    if (src[pos] === ']') {
      pos++;
      return items;
    }
    for (;;) {
      const n = readInt();
      if (n === null) return null;
      items.push(n);
      ws();
      if (src[pos] === ',') {
        pos++;
        continue;
      }
      if (src[pos] === ']') {
        pos++;
        return items;
      }
      return null;
    }
  };
  const out: number[] = [];
  for (;;) {
    ws();
    let list: number[] | null;
    let times = 1;
    if (src[pos] === '[') {
      list = readList();
      if (list === null) return fail(`malformed list at character ${pos + 1}`);
      ws();
      if (src[pos] === '*') {
        pos++;
        const n = readInt();
        if (n === null) return fail(`expected a count after '*' at character ${pos + 1}`);
        times = n;
      }
    } else {
      const n = readInt();
      if (n === null) return fail(`unexpected '${src[pos] ?? 'end'}' at character ${pos + 1}`);
      ws();
      if (src[pos] !== '*') return fail(`expected '*' at character ${pos + 1}`);
      pos++;
      list = readList();
      if (list === null) return fail(`expected a list at character ${pos + 1}`);
      times = n;
    }
    if (out.length + list.length * times > maxLength) return fail(`the list is longer than ${maxLength}`);
    for (let k = 0; k < times; k++) out.push(...list);
    ws();
    if (pos >= src.length) break;
    if (src[pos] !== '+') return fail(`unexpected '${src[pos]}' at character ${pos + 1}`);
    pos++;
  }
  if (out.some((x) => x !== 0 && x !== 1)) return fail('entries must be 0 or 1');
  return { ok: true, value: out };
}

/**
 * Expands a `--pipeline-model-parallel-layout` string into its stages: `(..)*n` repeats, `|` separates stages,
 * `,` is cosmetic. Returns null when it does not parse. Bounded to 4096 stages.
 */
export function parseLayout(text: string): string[] | null {
  let s = text.replace(/\s+/g, '').replace(/,/g, '');
  for (let guard = 0; guard < 32 && s.includes('('); guard++) {
    const next = s.replace(/\(([^()]*)\)\*(\d+)/g, (_m, body: string, n: string) => {
      const times = Number(n);
      return times > 4096 ? '\u0000' : body.repeat(times);
    });
    if (next === s || next.includes('\u0000') || next.length > 65536) return null;
    s = next;
  }
  if (/[()*]/.test(s)) return null;
  const stages = s.split('|');
  if (stages.length > 4096 || stages.some((st) => !/^[EtmL]*$/.test(st))) return null;
  return stages;
}
