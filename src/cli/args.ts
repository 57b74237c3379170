/**
 * The exit codes of docs/cli.md: 0 when the command ran, whatever the analysis found (unless --fail-on says
 * otherwise); 1 when a diagnostic at or above the --fail-on level was found; 2 on a usage error or an input that is
 * refused (missing, not a regular file, over the size cap, binary); 3 on an internal error — a bug of ours, reported
 * in one line, never a stack trace or a signal.
 */
export const EXIT_CODES = { ok: 0, findings: 1, usageOrInput: 2, internal: 3 } as const;

/** A mistake in how the CLI was called (exit code 2, with the usage text). */
export class UsageError extends Error {}

/** An input the CLI will not analyse — missing, not a regular file, too large, binary (exit code 2, one line). */
export class InputError extends Error {}

/** Minimal `--name value` / `--name=value` / `--switch` parser for our own CLI (not for user launch scripts). */
export function parseCliArgs(
  argv: readonly string[],
  spec: { values: readonly string[]; switches: readonly string[] },
): { positional: string[]; values: Map<string, string>; switches: Set<string> } {
  const positional: string[] = [];
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === undefined) break;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (spec.switches.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      switches.add(name);
    } else if (spec.values.includes(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      values.set(name, v);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { positional, values, switches };
}

export function numberOption(
  values: ReadonlyMap<string, string>,
  name: string,
  opts: { integer?: boolean; min?: number; max?: number } = {},
): number | undefined {
  const raw = values.get(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n)))
    throw new UsageError(`--${name} must be ${opts.integer ? 'an integer' : 'a number'}, got '${raw}'`);
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`--${name} must be at least ${opts.min}, got ${n}`);
  if (opts.max !== undefined && n > opts.max) throw new UsageError(`--${name} must be at most ${opts.max}, got ${n}`);
  return n;
}
