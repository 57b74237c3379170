/** Exit status of a command as far as it can be known statically: it held, failed, or cannot be decided. */
export const enum Status {
  True,
  False,
  Unknown,
}

/** `!` of a status: Unknown stays Unknown. */
export function negate(st: Status): Status {
  return st === Status.Unknown ? Status.Unknown : st === Status.True ? Status.False : Status.True;
}

/** Pending control flow after a command: how the enclosing loops, functions and scripts must continue. */
export const enum Flow {
  None,
  Break,
  Continue,
  Return,
  Exit,
}
