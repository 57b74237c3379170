// readBash: statically evaluate a bash launch script and return its python launches with fully expanded,
// provenance-carrying argv words. Nothing in the text is ever executed. Never throws; bounded work on any input.
import type { CoreDiagnostic, Origin, SourceRange } from '../types';
import type { Field } from './expand/fields';
import type { RawDiag } from './interp/diag';
import type { RawLauncher } from './interp/record';
import { Runner } from './interp/runner';
import { MAX_DIAGNOSTICS } from './limits';
import { Src } from './src';
import type { BashReadResult, LaunchInvocation, LauncherInfo, ScriptArgs, ShellWord, SlurmInfo } from './types';
import { UNKNOWN_CHAR, literalVal, originsOf, resetSegBudget, type Seg } from './value';
import { asField } from './interp/record';

/** Converts document offsets to 0-based line/column. */
class Lines {
  private starts: number[] = [0];
  constructor(text: string) {
    let k = text.indexOf('\n');
    while (k >= 0) {
      this.starts.push(k + 1);
      k = text.indexOf('\n', k + 1);
    }
  }
  /** The text of line `line` (0-based) of `text`, without its newline. */
  text(text: string, line: number): string {
    const start = this.starts[line];
    if (start === undefined) return '';
    const next = this.starts[line + 1];
    return text.slice(start, next === undefined ? text.length : next - 1);
  }

  pos(off: number): [number, number] {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= off)
        lo = mid; // 0 <= lo < mid <= hi < s.length
      else hi = mid - 1;
    }
    return [lo, off - s[lo]!]; // s[0] = 0 always exists
  }
  range(s0: number, s1: number): SourceRange {
    const [line, column] = this.pos(Math.max(0, s0));
    const [endLine, endColumn] = this.pos(Math.max(s0, s1));
    return { line, column, endLine, endColumn };
  }
}

export function readBash(text: string, args?: ScriptArgs | null): BashReadResult {
  try {
    return readBashInner(text, args ?? null);
  } catch (e) {
    // A defect in the reader must not take the editor down: report it on the first line instead.
    return {
      invocations: [],
      slurm: { nodes: null, ntasksPerNode: null, gpusPerNode: null },
      env: new Map(),
      diagnostics: [
        {
          code: 'bash-syntax',
          severity: 'error',
          message: `internal error while reading the script: ${String(e).slice(0, 200)}`,
          range: { line: 0, column: 0, endLine: 0, endColumn: 1 },
        },
      ],
    };
  }
}

/**
 * The stated call's arguments as the script's positional parameters. A usage example is an assumption about the run,
 * and every value built on it says so; the user's own directive is taken as the call.
 */
function positionalFields(args: ScriptArgs): Field[] {
  const assumption = `the script is run as in the usage example on line ${args.line + 1}`;
  return args.words.map((w) => {
    const v = literalVal(w.text, w.s0, w.s1, w.s1 - w.s0 === w.text.length);
    if (args.source === 'usage') for (const g of v.segs) g.assumed = assumption;
    return asField(v, w.s0, w.s1, true);
  });
}

function readBashInner(input: string, args: ScriptArgs | null): BashReadResult {
  // NUL marks unknown text internally; bash drops NULs from scripts anyway. Same length, so offsets hold.
  const text = input.indexOf(UNKNOWN_CHAR) >= 0 ? input.replaceAll(UNKNOWN_CHAR, ' ') : input;
  resetSegBudget();
  const lines = new Lines(text);
  const it = new Runner(text);
  if (args) it.vars.setPositional(positionalFields(args));
  it.runScript(text, new Src(text, null));

  const word = (f: Field): ShellWord => {
    const known = f.text.indexOf(UNKNOWN_CHAR) < 0;
    let range: SourceRange;
    if (f.single || f.segs.length === 0) range = lines.range(f.tok0, f.tok1);
    else {
      let s0 = Infinity;
      let s1 = -Infinity;
      for (const g of f.segs) {
        if (g.s0 < s0) s0 = g.s0;
        if (g.s1 > s1) s1 = g.s1;
      }
      range = lines.range(s0, s1);
    }
    const origins: Origin[] = originsOf(f, 0, f.text.length).map((o) => ({
      name: o.name,
      range: lines.range(o.s0, o.s1),
    }));
    const w: ShellWord = { text: known ? f.text : null, range, origins };
    if (!known) {
      const g = f.segs.find((x) => x.unknown !== undefined);
      w.reason = g?.unknown ?? 'not known statically';
      const k = f.text.indexOf(UNKNOWN_CHAR);
      if (k > 0) w.knownPrefix = f.text.slice(0, k);
      const last = f.text.lastIndexOf(UNKNOWN_CHAR);
      if (last < f.text.length - 1) w.knownSuffix = f.text.slice(last + 1);
    }
    if (f.segs.some((g) => g.cond)) w.conditional = true;
    const assumptions = wordAssumptions(f.segs);
    if (assumptions.length) w.assumptions = assumptions;
    return w;
  };

  const launcher = (l: RawLauncher): LauncherInfo => ({
    kind: l.kind,
    range: lines.range(l.s0, l.s1),
    gpusPerNode: l.gpusPerNode ? word(l.gpusPerNode) : null,
    nodes: l.nodes ? word(l.nodes) : null,
    totalProcesses: l.totalProcesses ? word(l.totalProcesses) : null,
    ...(l.opaque !== undefined && { opaque: l.opaque }),
  });

  const envMap = (m: Map<string, Field>): Map<string, ShellWord> => {
    const out = new Map<string, ShellWord>();
    for (const [k, v] of m) out.set(k, word(v));
    return out;
  };

  const invocations: LaunchInvocation[] = it.rec.invocations.map((inv) => {
    const li: LaunchInvocation = {
      launchers: inv.launchers.map(launcher),
      entry: word(inv.entry),
      args: inv.args.map(word),
      range: lines.range(inv.s0, inv.s1),
      conditional: inv.conditional,
      env: envMap(inv.env),
    };
    if (inv.passthrough.length) li.passthroughArgs = inv.passthrough.map(([a, b]) => lines.range(a, b));
    return li;
  });

  const slurm = readSbatch(it, lines);
  let envFields = it.rec.envAtFirstLaunch;
  if (!envFields) {
    envFields = new Map();
    for (const [k, v] of it.rec.envSnapshot()) envFields.set(k, it.rec.envField(k, v));
  }
  const env = envMap(envFields);
  const diagnostics: CoreDiagnostic[] = it.diags.slice(0, MAX_DIAGNOSTICS).map((d: RawDiag) => {
    const out: CoreDiagnostic = {
      code: d.code,
      severity: d.severity,
      message: d.message,
      range: lines.range(d.s0, d.s1),
    };
    if (d.related) out.related = d.related.map((r) => ({ message: r.message, range: lines.range(r.s0, r.s1) }));
    return out;
  });
  return { invocations, slurm, env, diagnostics: placeholderReports(text, lines, diagnostics) };
}

/**
 * Documentation templates write `VAR=<PATH_OF_VOCAB_FILE>` for the user to fill in. Bash reads `<` as a redirection,
 * so the line really is a syntax error — but the useful report is one warning per line naming the placeholder, not a
 * cascade of red parse errors about `<`, `>` and `(`.
 */
function placeholderReports(text: string, lines: Lines, diagnostics: CoreDiagnostic[]): CoreDiagnostic[] {
  const out: CoreDiagnostic[] = [];
  const reported = new Set<number>();
  for (const d of diagnostics) {
    if (d.code !== 'bash-syntax' || d.severity !== 'error') {
      out.push(d);
      continue;
    }
    // The placeholder may sit on the line a `\` continues into this one.
    const previous = d.range.line > 0 ? lines.text(text, d.range.line - 1) : '';
    const lineNo =
      !PLACEHOLDER.test(lines.text(text, d.range.line)) && /\\\s*$/.test(previous) ? d.range.line - 1 : d.range.line;
    if (reported.has(lineNo) || reported.has(d.range.line)) continue;
    const m = PLACEHOLDER.exec(lines.text(text, lineNo));
    if (!m) {
      out.push(d);
      continue;
    }
    reported.add(lineNo);
    out.push({
      code: 'bash-syntax',
      severity: 'warning',
      message: `${m[0]} is a placeholder to fill in before the script runs: as written, bash reads \`<\` and \`>\` as redirections (${d.message})`,
      range: { line: lineNo, column: m.index, endLine: lineNo, endColumn: m.index + m[0].length },
    });
  }
  return out;
}

/** `<PATH_OF_VOCAB_FILE>`, `<Specify path>`: a bracketed name in a template. Bounded, so it cannot backtrack far. */
const PLACEHOLDER = /<[A-Za-z][A-Za-z0-9_ ./-]{0,80}>/;

/** `#SBATCH --nodes=4`, `-N 4`, `--ntasks-per-node=8`, `--gpus-per-node=8`, `--gres=gpu:8`. Last one wins. */
function readSbatch(it: Runner, lines: Lines): SlurmInfo {
  const info: SlurmInfo = { nodes: null, ntasksPerNode: null, gpusPerNode: null };
  for (const sb of it.sbatch) {
    const t = sb.text;
    // Tokens: [start, end) within the directive text; stop at a comment.
    const toks: [number, number][] = [];
    let k = 0;
    while (k < t.length) {
      while (k < t.length && (t[k] === ' ' || t[k] === '\t' || t[k] === '\r')) k++;
      if (k >= t.length || t[k] === '#') break;
      const st = k;
      while (k < t.length && t[k] !== ' ' && t[k] !== '\t' && t[k] !== '\r') k++;
      toks.push([st, k]);
    }
    const val = (a: number, b: number, from = 0): ShellWord => {
      const [s0, s1] = sb.src.span(sb.i0 + a + from, sb.i0 + b);
      return { text: t.slice(a + from, b), range: lines.range(s0, s1), origins: [] };
    };
    for (const [j, [a, b]] of toks.entries()) {
      const w = t.slice(a, b);
      const eq = w.indexOf('=');
      const name = eq > 0 ? w.slice(0, eq) : w;
      const valueTok = (): ShellWord | null => {
        if (eq > 0) return val(a, b, eq + 1);
        if (name.length > 2 && !name.startsWith('--')) return val(a, b, 2); // -N4
        const nx = toks[j + 1];
        return nx ? val(nx[0], nx[1]) : null;
      };
      if (name === '--nodes' || name === '-N' || (name.startsWith('-N') && !name.startsWith('--'))) {
        const v = valueTok();
        if (v && v.text !== null) {
          // `--nodes=2-4` (min-max): the maximum.
          const dash = v.text.indexOf('-');
          if (dash > 0) v.text = v.text.slice(dash + 1);
          info.nodes = v;
        }
      } else if (name === '--ntasks-per-node') info.ntasksPerNode = valueTok();
      else if (name === '--gpus-per-node') {
        const v = valueTok();
        if (v && v.text !== null) {
          const colon = v.text.lastIndexOf(':');
          if (colon >= 0) v.text = v.text.slice(colon + 1);
        }
        info.gpusPerNode = v;
      } else if (name === '--gres') {
        const v = valueTok();
        if (v && v.text !== null) {
          const m = /(?:^|,)gpu(?::[^:,]+)?:(\d+)/.exec(v.text);
          const gpus = m?.[1];
          if (gpus !== undefined) info.gpusPerNode = { ...v, text: gpus };
        }
      }
    }
  }
  return info;
}

/** The assumptions a word's stretches rest on, each once (a branch taken blindly counts as one). */
function wordAssumptions(segs: readonly Seg[]): string[] {
  const out = new Set<string>();
  for (const g of segs) {
    if (g.assumed !== undefined) out.add(g.assumed);
    if (g.cond) out.add(BLIND_BRANCH);
  }
  return [...out];
}

const BLIND_BRANCH = 'a branch whose condition is only known at run time is taken';
