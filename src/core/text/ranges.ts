// Source-range arithmetic shared by the readers, the Megatron resolver and the edit planner.
import type { SourceRange } from '../types';

/** From the start of `a` to the end of `b`. */
export function span(a: SourceRange, b: SourceRange): SourceRange {
  return { line: a.line, column: a.column, endLine: b.endLine, endColumn: b.endColumn };
}

export function overlaps(a: SourceRange, b: SourceRange): boolean {
  const aStartsBeforeBEnds = a.line < b.endLine || (a.line === b.endLine && a.column < b.endColumn);
  const bStartsBeforeAEnds = b.line < a.endLine || (b.line === a.endLine && b.column < a.endColumn);
  return aStartsBeforeBEnds && bStartsBeforeAEnds;
}

export function sameRange(a: SourceRange, b: SourceRange): boolean {
  return a.line === b.line && a.column === b.column && a.endLine === b.endLine && a.endColumn === b.endColumn;
}

export function rangeKey(r: SourceRange): string {
  return `${r.line}:${r.column}-${r.endLine}:${r.endColumn}`;
}
