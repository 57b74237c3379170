// Commands that are not builtins: launches (recorded), shells and schedulers fed a script (`srun bash -c "…"`,
// `sbatch <<EOF`), and the scripts inside the script (`eval` strings, `bash -c` strings, heredoc bodies), which are
// parsed and run in place, each mapped back to the document through its Src.
import type { Redir } from '../syntax/ast';
import type { Field } from '../expand/fields';
import { detectLaunch, isMegatronEntry, type LaunchHit } from '../launchers';
import { MAX_CALL_DEPTH } from '../limits';
import { Src } from '../src';
import { ValBuilder, isKnown, type Seg, type Val } from '../value';
import type { SimpleRun } from './builtins';
import { rawLaunchers, type RawLauncher } from './record';
import type { Runner } from './runner';
import { Flow, Status } from './status';

const SHELL_NAMES = new Set(['bash', 'sh', 'zsh', 'dash', 'ksh']);
const HEREDOC_RUNNERS = new Set(['sbatch', 'bash', 'sh', 'zsh', 'dash', 'ksh', 'salloc', 'srun', 'qsub', 'bsub']);
/** Commands whose success we cannot assume (`grep -q … && …`). */
const UNSURE_STATUS = new Set([
  'grep',
  'egrep',
  'fgrep',
  'which',
  'type',
  'hash',
  'pgrep',
  'ping',
  'nvidia-smi',
  'ls',
  'diff',
  'cmp',
  'compgen',
  'getopts',
  'read',
  'wait',
  'kill',
  'curl',
  'wget',
  'ssh',
  'git',
  'python',
  'python3',
  'findmnt',
  'mountpoint',
  'id',
  'getent',
]);

/** A command that is neither a builtin nor a function: a launch, a shell or scheduler fed a script, or anything else. */
export function runLaunchCommand(
  r: Runner,
  x: SimpleRun,
  name: string | null,
  prefixEnv: Map<string, Field>,
  passthrough: [number, number][],
): Status {
  const { c, src, fields } = x;
  // Heredoc bodies fed to a shell or scheduler are scripts themselves.
  if (name !== null && c.redirs.some((rd) => rd.heredoc)) {
    const b = name.slice(name.lastIndexOf('/') + 1);
    const later = fields.slice(1).some((f) => SHELL_NAMES.has(f.text));
    if (HEREDOC_RUNNERS.has(b) || later) {
      const hit = detectLaunch(
        fields.map((f) => (isKnown(f) ? f.text : null)),
        true,
      );
      runHeredocRedirs(r, c.redirs, src, hit ? rawLaunchers(hit.launchers, fields) : []);
      return Status.True;
    }
  }
  const texts = fields.map((f) => (isKnown(f) ? f.text : null));
  const hit = detectLaunch(texts, name !== null);
  if (!hit) return name !== null && UNSURE_STATUS.has(name) ? Status.Unknown : Status.True;
  if (hit.t === 'shell') {
    const script = fields[hit.script];
    if (script)
      runInChildShell(r, rawLaunchers(hit.launchers, fields), fields.slice(hit.script + 2), () =>
        runDerived(r, script, true, x.c0),
      );
    return Status.True;
  }
  if (isMegatronEntry(texts[hit.entry] ?? null, hit.module, texts.slice(hit.entry + 1)))
    recordLaunch(r, x, hit, prefixEnv, passthrough);
  return Status.True;
}

function recordLaunch(
  r: Runner,
  x: SimpleRun,
  hit: Extract<LaunchHit, { t: 'python' }>,
  prefixEnv: Map<string, Field>,
  passthrough: [number, number][],
): void {
  const { fields } = x;
  const entry = fields[hit.entry];
  if (!entry) return; // detectLaunch only names words of `fields`
  // `env A=1 python …`: the env words are prefix assignments too.
  for (const k of hit.envWords) {
    const f = fields[k];
    const eq = f ? f.text.indexOf('=') : -1;
    if (f && eq > 0) {
      const b = new ValBuilder();
      b.appendSlice(f, eq + 1, f.text.length);
      prefixEnv.set(f.text.slice(0, eq), { ...b.build(), glob: false, tok0: f.tok0, tok1: f.tok1, single: false });
    }
  }
  const launchers = [...r.outer, ...rawLaunchers(hit.launchers, fields, hit.entry)];
  const inv = {
    launchers,
    entry,
    args: fields.slice(hit.entry + 1),
    s0: x.c0,
    s1: x.c1,
    conditional: r.vars.undecided > 0,
    passthrough,
  };
  r.rec.record(inv, prefixEnv);
}

/** Run `body` as a child shell under `launchers` with positional parameters `args`; its variables are discarded. */
function runInChildShell(r: Runner, launchers: RawLauncher[], args: Field[] | null, body: () => void): void {
  const saveOuter = r.outer;
  r.outer = [...r.outer, ...launchers];
  const saved = r.vars.childShell();
  r.vars.pushFrame(args);
  body();
  r.vars.popFrame();
  r.vars.restore(saved);
  if (r.flow === Flow.Exit || r.flow === Flow.Return) r.flow = Flow.None;
  r.outer = saveOuter;
}

/** Heredoc bodies fed to a shell or scheduler: each is a script run under `launchers`. */
function runHeredocRedirs(r: Runner, redirs: Redir[], src: Src, launchers: RawLauncher[]): void {
  for (const rd of redirs) {
    if (!rd.heredoc) continue;
    const body = r.ex.expandJoined(rd.heredoc.body, src);
    runInChildShell(r, launchers, null, () => runDerived(r, body, false, rd.i0));
  }
}

/**
 * Read a string as a script (`eval`, `bash -c`, a heredoc). With `unwrap`, text that came from a variable is
 * placed at that variable's definition, so `cmd="torchrun … --tp 2"; eval $cmd` points into the definition.
 */
export function runDerived(r: Runner, v: Val, unwrap: boolean, s0: number): Status {
  if (r.callDepth >= MAX_CALL_DEPTH) return Status.Unknown;
  if (!r.budget.deriveScript(v.text.length)) {
    r.budget.reportOnce('derived', 'a command string (eval, bash -c, heredoc) is too large to read statically', s0);
    return Status.Unknown;
  }
  const segs: Seg[] = unwrap ? v.segs.map(unwrapSeg) : v.segs;
  r.callDepth++;
  r.runScript(v.text, new Src(v.text, segs));
  r.callDepth--;
  if (r.flow === Flow.Return && r.callDepth === 0) r.flow = Flow.None;
  return Status.True;
}

/** Text that came through a variable is re-read at that variable's definition (one level). */
function unwrapSeg(g: Seg): Seg {
  if (g.origins.length === 0) return g;
  const o = g.origins[0]!; // length checked
  const out: Seg = {
    start: g.start,
    end: g.end,
    s0: o.s0,
    s1: o.s1,
    mapped: o.mapped && o.s1 - o.s0 === g.end - g.start,
    origins: g.origins.slice(1),
  };
  if (g.unknown !== undefined) out.unknown = g.unknown;
  if (g.cond) out.cond = true;
  if (g.assumed !== undefined) out.assumed = g.assumed;
  return out;
}
