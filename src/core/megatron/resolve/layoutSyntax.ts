// The `--pipeline-model-parallel-layout` language, read the way Megatron-LM reads it
// (megatron/core/transformer/pipeline_parallel_layer_layout.py, parse_str_to_list): commas are dropped, then one
// left-to-right pass unrolls `(…)*n`, then one pass unrolls `x*n` for any single character x, then the text splits
// into stages at `|` and every character must be one of E, L, t, m. Re-doing those passes with our own regular
// expressions (never evaluating the text) gives the same stages for every input, including the odd ones: nested
// parentheses are not unrolled twice, so they fail as Megatron's do, and `|*2` repeats a separator.

/** The layer symbols Megatron knows: embedding, loss, transformer decoder layer, multi-token-prediction layer. */
const LAYER_SYMBOLS = new Set(['E', 'L', 't', 'm']);

/**
 * The expanded text may not grow past this many characters: far beyond any real model (a character is a layer or a
 * separator), small enough that a hostile repeat count cannot make us build a huge string.
 */
const MAX_EXPANDED_CHARS = 65_536;

export type LayoutRead =
  | {
      ok: true;
      /** One string per (virtual) stage, in the order written; each character is E, L, t or m. */ stages: string[];
    }
  | {
      ok: false;
      error: string;
      /** The text is valid but expands past our bound, not a mistake of the user. */ tooLong: boolean;
    };

/** Replaces every match of `pattern` like Python's re.sub, unless the result would exceed the bound. */
function unroll(text: string, pattern: RegExp): string | null {
  let grown = text.length;
  let overflow = false;
  const out = text.replace(pattern, (whole: string, body: string, count: string) => {
    const times = Number(count);
    grown += body.length * times - whole.length;
    if (grown > MAX_EXPANDED_CHARS) overflow = true;
    return overflow ? '' : body.repeat(times);
  });
  return overflow ? null : out;
}

/** Reads a layout string into its stages, or says where Megatron would stop. */
export function readLayout(text: string): LayoutRead {
  const tooLong = (): LayoutRead => ({
    ok: false,
    error: `the layout expands to more than ${MAX_EXPANDED_CHARS} characters`,
    tooLong: true,
  });
  // Python's `[^)]` and `.` (which excludes only '\n') over code points; `\d+` as ASCII digits.
  const groups = unroll(text.replace(/,/g, ''), /\(([^)]+)\)\*(\d+)/gu);
  if (groups === null) return tooLong();
  const expanded = unroll(groups, /([^\n])\*(\d+)/gu);
  if (expanded === null) return tooLong();
  const stages = expanded.split('|');
  for (const [index, stage] of stages.entries()) {
    for (const symbol of stage) {
      if (!LAYER_SYMBOLS.has(symbol))
        return {
          ok: false,
          error: `'${symbol}' in stage ${index + 1} ('${stage}') is not a layer symbol (E, L, t, m)`,
          tooLong: false,
        };
    }
  }
  return { ok: true, stages };
}
