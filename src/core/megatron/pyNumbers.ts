// Python-compatible number parsing: Megatron's argparse `type=int` / `type=float` accept exactly these spellings.

/** Python's int(): optional sign, digits with single underscores between them (argparse `type=int`). */
export function parsePyInt(text: string): number | null {
  const t = text.trim();
  if (!/^[+-]?\d+(_\d+)*$/.test(t)) return null;
  const n = Number(t.replace(/_/g, ''));
  return Number.isSafeInteger(n) ? n : null;
}

/** Python's float(): `1e-4`, `.01`, `6.0e-5`, `1.`, `9_765_625`, inf/nan. */
export function parsePyFloat(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(t)) return NaN;
  if (!/^[+-]?((\d+(_\d+)*)(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)(e[+-]?\d+(_\d+)*)?$/.test(t)) return null;
  const n = Number(t.replace(/_/g, ''));
  return Number.isNaN(n) ? null : n;
}
