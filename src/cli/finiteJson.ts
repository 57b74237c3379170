// JSON for CI consumers. JSON.stringify writes NaN and ±Infinity as `null`, which a consumer reads as "unknown" —
// a silent lie. Every number the analysis reports is finite by construction, so a non-finite one is our bug: it is
// thrown, named by its path, and the CLI reports it as an internal error instead of printing the null.

/** A number JSON cannot carry reached the output; `path` says where (`schedules.1f1b.stepTimeMs`). */
export class NonFiniteNumberError extends Error {
  override name = 'NonFiniteNumberError';
  constructor(
    readonly value: number,
    readonly path: string,
  ) {
    super(`the result holds ${String(value)} at ${path || '(the top level)'}, which JSON cannot carry`);
  }
}

/** JSON.stringify that throws NonFiniteNumberError instead of writing NaN / ±Infinity as null. */
export function stringifyFinite(value: unknown, indent?: number): string {
  // The replacer sees each holder before its members, so every member's path is its holder's path plus its key.
  const paths = new WeakMap<object, string>();
  return JSON.stringify(
    value,
    function (this: object, key: string, member: unknown): unknown {
      const parent = paths.get(this) ?? '';
      const path = Array.isArray(this) ? `${parent}[${key}]` : parent && key ? `${parent}.${key}` : key;
      if (typeof member === 'number' && !Number.isFinite(member)) throw new NonFiniteNumberError(member, path);
      if (typeof member === 'object' && member !== null) paths.set(member, path);
      return member;
    },
    indent,
  );
}
