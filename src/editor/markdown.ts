// Markdown helpers for text that comes from the user's file: it must show literally, never as markup.

/** Escapes Markdown punctuation (pipes included, so the text is safe inside table cells). */
export function mdText(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

/** A code span that survives backticks inside the text; pipes are escaped for table cells. */
export function mdCode(s: string): string {
  const oneLine = s.replace(/\s*\n\s*/g, ' ');
  const longest = Math.max(0, ...(oneLine.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = oneLine.startsWith('`') || oneLine.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${oneLine.replace(/\|/g, '\\|')}${pad}${fence}`;
}
