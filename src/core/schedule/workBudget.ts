// The work budget one analysis shares between its simulations (issue 15: bounded work per analysis): the file's own
// schedule first, then the what-ifs and the recommendation sweep within their share. analyze.ts sizes it.

/** Simulated ops an analysis may still spend (a mutable counter passed explicitly, never module state). */
export interface WorkBudget {
  opsLeft: number;
  /** The starting amount, for the message. */
  readonly ops: number;
  /**
   * What the what-ifs and the recommendation sweep may spend together (they also draw on opsLeft): the file's own
   * schedule may use the whole budget, the alternatives only this much, so the file is always simulated when it can
   * be and the alternatives never double the time. Absent: no separate cap.
   */
  whatIfOpsLeft?: number;
  readonly whatIfOps?: number;
}

/** Spends one simulation's ops from the shared budget; the "not simulated" reason when they do not fit. */
export function spendWork(budget: WorkBudget | undefined, whatIf: boolean, ops: number): string | null {
  if (!budget) return null;
  const capped = whatIf && budget.whatIfOpsLeft !== undefined;
  if (ops <= budget.opsLeft && (!capped || ops <= (budget.whatIfOpsLeft ?? 0))) {
    budget.opsLeft -= ops;
    if (capped) budget.whatIfOpsLeft = (budget.whatIfOpsLeft ?? 0) - ops;
    return null;
  }
  if (capped && ops <= budget.opsLeft) {
    const share = (budget.whatIfOps ?? 0).toLocaleString('en-US');
    return `not simulated: the what-ifs and the recommendation sweep may spend ${share} simulated ops together, and that is spent (the file's own schedule goes first)`;
  }
  const total = budget.ops.toLocaleString('en-US');
  return ops > budget.ops
    ? `not simulated: it needs ${ops.toLocaleString('en-US')} simulated ops, more than the ${total} one analysis may spend`
    : `not simulated: this analysis's work budget of ${total} simulated ops is spent (the file's own schedule goes first, then the what-ifs, then the recommendation sweep)`;
}
