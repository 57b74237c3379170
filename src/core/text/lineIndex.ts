// Offset ↔ line/column conversion for one document text. Every reader and the edit planner use it; it knows
// nothing of bash, YAML or Megatron.
import type { SourceRange } from '../types';

/** Line start offsets of a text, for offset ↔ line/column conversion. */
export class LineIndex {
  readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  /** Start offset of `line`, or the end of the text past the last line. */
  lineStart(line: number): number {
    return this.starts[line] ?? this.text.length;
  }
  position(offset: number): { line: number; column: number } {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStart(mid) <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, column: o - this.lineStart(lo) };
  }
  range(start: number, end: number): SourceRange {
    const a = this.position(start);
    const b = this.position(end);
    return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }
  offset(line: number, column: number): number {
    if (line >= this.starts.length) return this.text.length;
    return Math.min(this.lineStart(line) + column, this.text.length);
  }
  lineText(line: number): string {
    const start = this.lineStart(line);
    const next = this.starts[line + 1];
    let end = next === undefined ? this.text.length : next - 1;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return this.text.slice(start, end);
  }
}
