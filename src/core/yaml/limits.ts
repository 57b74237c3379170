// The bounds of the YAML reader (issue 15), checked before the text reaches the `yaml` package: its size, and how
// deeply it nests (measured in one linear pass). The package parses and composes nested collections recursively, so ~400 KB of `[[[[…` or `- - - …` overflowed the stack (and,
// deep enough, aborted the process inside V8's regexp compiler) — issue 15. Launch configs nest a handful of levels
// (NeMo: model.optim.sched.*, about 5), so a bound far above that rejects only junk.

/** Deepest nesting read; deeper texts are not parsed (see tooDeep). */
export const MAX_YAML_DEPTH = 100;
/**
 * Longest YAML text parsed. The `yaml` package is linear but slow (about 2 ms per KB: 220 KB of `key: value` lines
 * took 0.5 s on the dev machine); the largest launch YAML of the corpus is 20 KB (NeMo's megatron_gpt_config.yaml), so 64 KB leaves
 * three times that and keeps the parse near 150 ms at worst.
 */
export const MAX_YAML_CHARS = 64 * 1024;

export interface TooDeep {
  /** Levels counted when the bound was passed (at least MAX_YAML_DEPTH + 1). */
  depth: number;
  /** Offset of the character that opened the level past the bound. */
  offset: number;
}

/** Characters after which a quote opens a quoted scalar (elsewhere it is part of a plain scalar: `it's`). */
const QUOTE_MAY_OPEN = new Set([undefined, '\n', ' ', '\t', '[', '{', ',', ':', '-', '?']);

/**
 * The first place the text nests deeper than `max`, or null. Counts an upper bound on what the parser recurses on:
 * open flow brackets (`[`, `{`) outside quotes and comments, plus the block levels of indentation and of compact
 * `- ` / `? ` entries on the line. Over-counting can only reject a pathological text; it never under-counts a
 * bracket the parser would see as flow, since quotes are honoured only where YAML opens a quoted scalar.
 */
export function tooDeep(text: string, max = MAX_YAML_DEPTH): TooDeep | null {
  // Block levels: the columns of the open block collections, innermost last (an indentation stack).
  const blocks: number[] = [];
  let flow = 0;
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let i = pos;
    while (i < end && text.charCodeAt(i) === 32) i++;
    const indent = i - pos;
    const blank = i >= end || text[i] === '#' || text[i] === '\r';
    if (!blank && flow === 0) {
      while (blocks.length > 0 && blocks[blocks.length - 1]! >= indent) blocks.pop();
      blocks.push(indent);
      // Compact nesting on one line: `- - - x`, `? - x` each open a collection one level deeper.
      while (i + 1 < end && (text[i] === '-' || text[i] === '?') && (text[i + 1] === ' ' || text[i + 1] === '\t')) {
        i += 2;
        while (i < end && text.charCodeAt(i) === 32) i++;
        blocks.push(i - pos);
        if (blocks.length + flow > max) return { depth: blocks.length + flow, offset: i };
      }
    }
    if (blocks.length + flow > max) return { depth: blocks.length + flow, offset: pos + indent };
    let quote: string | null = null;
    for (; i < end; i++) {
      const c = text[i]!;
      if (quote !== null) {
        if (c === quote) quote = null;
        continue;
      }
      if ((c === '"' || c === "'") && QUOTE_MAY_OPEN.has(text[i - 1])) quote = c;
      else if (c === '#' && (i === pos || text[i - 1] === ' ' || text[i - 1] === '\t')) break;
      else if (c === '[' || c === '{') {
        if (++flow + blocks.length > max) return { depth: flow + blocks.length, offset: i };
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
    }
    pos = end + 1;
  }
  return null;
}
