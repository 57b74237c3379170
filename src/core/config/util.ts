// Small helpers shared by the config reader: Python-compatible number parsing and range arithmetic.
import type { SourceRange } from '../types';

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

/** Line start offsets of a text, for offset ↔ line/column conversion. */
export class LineIndex {
  readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  position(offset: number): { line: number; column: number } {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, column: o - this.starts[lo] };
  }
  range(start: number, end: number): SourceRange {
    const a = this.position(start);
    const b = this.position(end);
    return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }
  offset(line: number, column: number): number {
    if (line >= this.starts.length) return this.text.length;
    return Math.min(this.starts[line] + column, this.text.length);
  }
  lineText(line: number): string {
    const start = this.starts[line] ?? this.text.length;
    const next = this.starts[line + 1];
    let end = next === undefined ? this.text.length : next - 1;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return this.text.slice(start, end);
  }
}
