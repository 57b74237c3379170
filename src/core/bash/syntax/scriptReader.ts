// Top-level commands one at a time, as bash reads them.
import type { Cmd, ParseDiag, SbatchLine } from './ast';
import { Parser, STOP } from './parser';

/**
 * The interpreter runs each top-level command before the next is parsed, so a file whose evaluation budget is
 * spent early is not parsed to its end.
 */
export class ScriptReader {
  private p: Parser;
  constructor(text: string) {
    this.p = new Parser(text);
  }
  /** The next top-level command, null at the end of the text. */
  next(): Cmd | null {
    for (;;) {
      const c = this.p.parseListItem(0, null);
      if (c === STOP) return null;
      if (c) return c;
    }
  }
  get diags(): ParseDiag[] {
    return this.p.diags;
  }
  get sbatch(): SbatchLine[] {
    return this.p.sbatch;
  }
}
