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
  const total = budget.ops.toLocaleString('en-US');
  if (ops > budget.ops)
    return `not simulated: it needs ${ops.toLocaleString('en-US')} simulated ops, more than the ${total} one analysis may spend`;
  // A what-if larger than the alternatives' whole share would not fit however the budget was spent: say so, rather
  // than that the budget ran out (issue 15: the share is what binds).
  const share = (budget.whatIfOps ?? 0).toLocaleString('en-US');
  if (capped && ops > (budget.whatIfOps ?? 0))
    return `not simulated: it needs ${ops.toLocaleString('en-US')} simulated ops, more than the ${share} the what-ifs and the recommendation sweep may spend together`;
  if (capped && ops > (budget.whatIfOpsLeft ?? 0))
    return `not simulated: the what-ifs and the recommendation sweep may spend ${share} simulated ops together, and that is spent (the file's own schedule goes first)`;
  return `not simulated: this analysis's work budget of ${total} simulated ops is spent (the file's own schedule goes first, then the what-ifs, then the recommendation sweep)`;
}

/**
 * Issue 15: an alternative that is not sampled (GPipe, whose memory grows with m; the V schedules not checked against
 * their samples yet) is simulated op by op only up to the sampling threshold, so one what-if never costs more than the
 * file's own run (GPipe's 250,000 ops at PP 1 were half of the fuzz's slowest input). Null: no objection.
 */
export function unsampledWhatIf(
  whatIf: boolean,
  sampled: boolean,
  ops: number,
  aggregate: { aboveOps: number } | undefined,
): string | null {
  if (!whatIf || sampled || aggregate === undefined || ops <= aggregate.aboveOps) return null;
  return `not simulated: as a what-if it is not sampled, and it needs ${ops.toLocaleString('en-US')} simulated ops, more than the ${aggregate.aboveOps.toLocaleString('en-US')} a what-if is simulated op by op for`;
}
