// The run's work accounting against the bounds in limits.ts. One Budget per read; each kind of exhaustion is
// reported once, as a `bash-budget` warning (users filter budget limits apart from parse errors).
import type { ExpandBudget } from '../expand/environ';
import {
  MAX_DERIVED_CHARS,
  MAX_DERIVED_RUNS,
  MAX_DERIVED_TOTAL,
  MAX_FIELDS_TOTAL,
  MAX_STEPS,
  MAX_TOTAL_CHARS,
  MAX_VALUE_CHARS,
} from '../limits';
import type { RawDiag } from './diag';

/** What ran out: evaluation steps, derived scripts (eval / bash -c / heredocs), call depth, argv fields. */
export type BudgetKind = 'steps' | 'derived' | 'depth' | 'fields';

export class Budget implements ExpandBudget {
  private steps = 0;
  private chars = 0;
  private fieldsTotal = 0;
  /** Characters of eval / bash -c / heredoc text parsed so far, and how many such scripts. */
  private derivedChars = 0;
  private derivedRuns = 0;
  private readonly reported = new Set<BudgetKind>();

  constructor(
    private readonly diags: RawDiag[],
    /** Called when the step budget runs out: the runner stops (the rest of the script is skipped). */
    private readonly onExhausted: () => void,
  ) {}

  /** Count a unit of work; false once the budget is spent (the rest of the script is then skipped). */
  step(at: number): boolean {
    if (++this.steps <= MAX_STEPS) return true;
    this.reportOnce(
      'steps',
      `evaluation stopped after ${MAX_STEPS} steps (loops or recursion too large to follow statically)`,
      at,
    );
    this.onExhausted();
    return false;
  }

  /** Charge `n` steps at once (a command's cost grows with its words; a derived script costs a parser). */
  charge(n: number): void {
    this.steps += n;
  }

  /** The step budget ran out: nothing more is run or parsed. */
  get exhausted(): boolean {
    return this.reported.has('steps');
  }

  /** Account for produced text; false when the value must become unknown instead. */
  spend(nChars: number): boolean {
    this.chars += nChars;
    return nChars <= MAX_VALUE_CHARS && this.chars <= MAX_TOTAL_CHARS;
  }

  addField(): boolean {
    return ++this.fieldsTotal <= MAX_FIELDS_TOTAL;
  }

  fieldsLeft(): number {
    return Math.max(0, MAX_FIELDS_TOTAL - this.fieldsTotal);
  }

  /** More fields were produced over the run than MAX_FIELDS_TOTAL. */
  get fieldsExceeded(): boolean {
    return this.fieldsTotal > MAX_FIELDS_TOTAL;
  }

  /** Account for a derived script of `nChars` (it costs a parser of its own); false when it must not be read. */
  deriveScript(nChars: number): boolean {
    this.derivedChars += nChars;
    this.steps += 8;
    return (
      ++this.derivedRuns <= MAX_DERIVED_RUNS &&
      nChars <= MAX_DERIVED_CHARS &&
      this.derivedChars <= MAX_DERIVED_TOTAL &&
      this.spend(nChars)
    );
  }

  /** Report `kind` running out, the first time only; false when it was already reported. */
  reportOnce(kind: BudgetKind, message: string, s0: number, s1 = s0 + 1): boolean {
    if (this.reported.has(kind)) return false;
    this.reported.add(kind);
    this.diags.push({ code: 'bash-budget', severity: 'warning', message, s0, s1 });
    return true;
  }
}
