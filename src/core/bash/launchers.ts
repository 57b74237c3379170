// Recognising launch commands in an expanded argv: launcher prefixes (srun, nsys, torchrun, deepspeed …),
// their world-size options, and the python entry point with its arguments. Works on word texts only; the
// interpreter turns the indices it returns into ShellWords. (Named launchers.ts so it does not share a name with the
// config reader's launch.ts.)
import type { LauncherKind } from './types';

export interface OptRef {
  /** Index of the word holding the value. */
  word: number;
  /** Offset of the value inside that word (after `=`, or after `MIN:` of `--nnodes MIN:MAX`). */
  from: number;
}

export interface LauncherHit {
  kind: LauncherKind;
  first: number;
  last: number;
  gpusPerNode: OptRef | null;
  nodes: OptRef | null;
  totalProcesses: OptRef | null;
}

export type LaunchHit =
  | { t: 'python'; launchers: LauncherHit[]; entry: number; module: boolean; envWords: number[] }
  | { t: 'shell'; launchers: LauncherHit[]; script: number; envWords: number[] };

const PREFIX_SILENT = new Set([
  'nohup',
  'exec',
  'time',
  'stdbuf',
  'taskset',
  'sudo',
  'command',
  'chrt',
  'nice',
  'ionice',
  'unbuffer',
  'timeout',
  'xargs',
  'setsid',
  'caffeinate',
  'with_proxy',
]);
const PREFIX_LAUNCHER = new Set([
  'nsys',
  'ncu',
  'nv-nsight-cu-cli',
  'numactl',
  'singularity',
  'apptainer',
  'enroot',
  'docker',
  'podman',
  'kubectl',
  'ssh',
  'pdsh',
  'clush',
  'rr',
  'gdb',
  'cuda-gdb',
  'compute-sanitizer',
  'perf',
  'valgrind',
  'dlprof',
  'accelerate',
  'horovodrun',
  'jsrun',
  'aprun',
  'lrun',
  'ibrun',
  'flux',
]);

const TORCHRUN_FLAGS = new Set([
  'standalone',
  'no_python',
  'no-python',
  'run_path',
  'run-path',
  'module',
  'use_env',
  'use-env',
  'virtual-local-rank',
  'virtual_local_rank',
  'help',
]);
const DEEPSPEED_FLAGS = new Set([
  'no_python',
  'no-python',
  'no_local_rank',
  'no-local-rank',
  'no_ssh_check',
  'no-ssh-check',
  'force_multi',
  'force-multi',
  'save_pid',
  'save-pid',
  'elastic_training',
  'elastic-training',
  'bind_cores_to_rank',
  'bind-cores-to-rank',
  'module',
  'no_ssh',
  'no-ssh',
  'enable_each_rank_log',
]);
const SRUN_LONG_FLAGS = new Set([
  'label',
  'unbuffered',
  'exclusive',
  'overlap',
  'no-kill',
  'pty',
  'quiet',
  'verbose',
  'container-remap-root',
  'no-container-remap-root',
  'no-container-mount-home',
  'container-mount-home',
  'container-writable',
  'container-readonly',
  'no-container-entrypoint',
  'container-entrypoint',
  'overcommit',
  'oversubscribe',
  'kill-on-bad-exit',
  'spread-job',
  'test-only',
  'disable-status',
  'whole',
  'multi-prog',
  'no-allocate',
  'help',
  'usage',
  'mpi-none',
  'exact',
  'contiguous',
]);
const SRUN_SHORT_FLAGS = new Set(['l', 'u', 'K', 'Q', 'v', 'X', 'Z', 'E', 'h', 'O', 's', 'H', 'k']);
const MPIRUN_FLAGS = new Set([
  'allow-run-as-root',
  'oversubscribe',
  'report-bindings',
  'display-map',
  'tag-output',
  'timestamp-output',
  'merge-stderr-to-stdout',
  'bind-to-core',
  'bind-to-socket',
  'noprefix',
  'quiet',
  'q',
  'v',
  'verbose',
  'nooversubscribe',
  'use-hwthread-cpus',
  'enable-recovery',
  'disable-recovery',
  'display-allocation',
  'output-proctable',
  'show-progress',
  'l',
  'prepend-rank',
  'ppn-auto',
]);
const PY_VALUE_OPTS = new Set(['W', 'X', 'Q', 'c', 'm']);

function basename(t: string): string {
  const k = t.lastIndexOf('/');
  return k >= 0 ? t.slice(k + 1) : t;
}

function isPython(t: string): boolean {
  return /^(python|pypy)(\d+(\.\d+)?)?$/.test(basename(t));
}

function interesting(t: string | null): boolean {
  if (t === null) return false;
  const b = basename(t);
  return (
    isPython(t) ||
    b === 'env' ||
    b === 'torchrun' ||
    b === 'deepspeed' ||
    b === 'srun' ||
    b === 'mpirun' ||
    b === 'mpiexec' ||
    b.endsWith('.py') ||
    b === 'bash' ||
    b === 'sh'
  );
}

/** Split `--opt=value` → [name without dashes, offset of value or -1]. */
function splitOpt(t: string): [string, number] {
  const dashes = t.startsWith('--') ? 2 : 1;
  const eq = t.indexOf('=');
  return eq > 0 ? [t.slice(dashes, eq), eq + 1] : [t.slice(dashes), -1];
}

const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash', 'ksh']);

/** Where the scan over one command's words stands. */
interface Scan {
  /** Word texts; null where a word is not known statically. */
  texts: (string | null)[];
  i: number;
  launchers: LauncherHit[];
  /** `env NAME=value` words (prefix assignments of the launch). */
  envWords: number[];
  /** Still looking for the launch behind prefixes or unknown words (rather than expecting it at the cursor). */
  scanning: boolean;
}

function newLauncher(kind: LauncherKind, first: number, last = first): LauncherHit {
  return { kind, first, last, gpusPerNode: null, nodes: null, totalProcesses: null };
}

function pythonHit(st: Scan, entry: number, module: boolean): LaunchHit {
  return { t: 'python', launchers: st.launchers, entry, module, envWords: st.envWords };
}

/**
 * The options after a launcher or interpreter word, from `i` up to `--` (consumed), the first non-option word, or
 * until `option` returns -1. `option(word, at)` reads one option and returns how many words it took.
 */
function skipOptions(texts: (string | null)[], i: number, option: (word: string, at: number) => number): number {
  while (i < texts.length) {
    const u = texts[i];
    if (u == null || !u.startsWith('-') || u === '-') break;
    if (u === '--') return i + 1;
    const took = option(u, i);
    if (took < 0) break;
    i += took;
  }
  return i;
}

/**
 * Find a python launch in the words. `texts[i]` is null when word i is not known statically.
 * Returns null for commands that are not launches.
 */
export function detectLaunch(texts: (string | null)[], startsCommand: boolean): LaunchHit | null {
  const n = texts.length;
  const st: Scan = { texts, i: 0, launchers: [], envWords: [], scanning: !startsCommand };
  let guard = 0;
  while (st.i < n && guard++ < 4 * n + 8) {
    const t = texts[st.i];
    if (t == null) {
      // An unknown command word (`$LAUNCHER pretrain_gpt.py …`): look further for the entry point.
      st.scanning = true;
      st.i++;
      continue;
    }
    const b = basename(t);
    if (b === 'env') readEnvPrefix(st);
    else if (PREFIX_SILENT.has(b)) {
      st.scanning = true;
      st.i++;
    } else if (PREFIX_LAUNCHER.has(b)) {
      const first = st.i++;
      while (st.i < n && !interesting(texts[st.i] ?? null)) st.i++;
      st.launchers.push(newLauncher('other', first));
    } else if (b === 'srun') readSrun(st);
    else if (b === 'mpirun' || b === 'mpiexec' || b === 'orterun') readMpirun(st);
    else if (b === 'torchrun' || b === 'deepspeed') {
      const hit = readTorchrunLike(st, newLauncher(b, st.i), st.i + 1, b);
      if (hit !== undefined) return hit;
    } else if (isPython(t)) {
      const hit = readPython(st);
      if (hit !== undefined) return hit;
    } else if (b.endsWith('.py')) return pythonHit(st, st.i, false);
    else if (SHELLS.has(b) && (st.launchers.length > 0 || st.scanning || startsCommand)) return readShellScript(st);
    else if (!st.scanning) return null;
    else st.i++;
  }
  return null;
}

/** `env [-i] [-u NAME] [NAME=value …]`. */
function readEnvPrefix(st: Scan): void {
  const { texts } = st;
  st.i++;
  while (st.i < texts.length) {
    const u = texts[st.i];
    if (u == null) break;
    if (u === '-i' || u === '-' || u === '--ignore-environment' || u === '--') st.i++;
    else if (u === '-u' || u === '--unset' || u === '-C' || u === '--chdir') st.i += 2;
    else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(u)) st.envWords.push(st.i++);
    else break;
  }
}

/** `srun [options]`: -N/--nodes, -n/--ntasks, --ntasks-per-node. */
function readSrun(st: Scan): void {
  const n = st.texts.length;
  const l = newLauncher('srun', st.i);
  st.i = skipOptions(st.texts, st.i + 1, (u, i) => {
    if (u.startsWith('--')) {
      const [name, at] = splitOpt(u);
      const takes = at < 0 && !SRUN_LONG_FLAGS.has(name);
      const ref: OptRef | null = at >= 0 ? { word: i, from: at } : takes && i + 1 < n ? { word: i + 1, from: 0 } : null;
      if (name === 'nodes') l.nodes = ref;
      else if (name === 'ntasks') l.totalProcesses = ref;
      else if (name === 'ntasks-per-node') l.gpusPerNode = ref;
      return takes ? 2 : 1;
    }
    const letter = u.charAt(1);
    const attached = u.length > 2;
    const takes = !SRUN_SHORT_FLAGS.has(letter);
    const ref: OptRef | null = takes
      ? attached
        ? { word: i, from: u[2] === '=' ? 3 : 2 }
        : i + 1 < n
          ? { word: i + 1, from: 0 }
          : null
      : null;
    if (letter === 'N') l.nodes = ref;
    else if (letter === 'n') l.totalProcesses = ref;
    return takes && !attached ? 2 : 1;
  });
  l.last = Math.min(st.i, n) - 1;
  st.launchers.push(l);
  st.scanning = false;
}

/** `mpirun [options]` up to the next interesting word: -np/-n/-c (total), -N/-npernode/-ppn (per node). */
function readMpirun(st: Scan): void {
  const { texts } = st;
  const n = texts.length;
  const l = newLauncher('mpirun', st.i);
  st.i++;
  while (st.i < n && !interesting(texts[st.i] ?? null)) {
    const i = st.i;
    const u = texts[i];
    if (u == null || !u.startsWith('-')) {
      st.i++;
      continue;
    }
    const [name, at] = splitOpt(u);
    const ref: OptRef | null = at >= 0 ? { word: i, from: at } : i + 1 < n ? { word: i + 1, from: 0 } : null;
    if (name === 'np' || name === 'n' || name === 'c') l.totalProcesses = ref;
    else if (name === 'N' || name === 'npernode' || name === 'ppn') l.gpusPerNode = ref;
    if (name === 'mca' || name === 'gmca') st.i += 3;
    else st.i += at < 0 && !MPIRUN_FLAGS.has(name) ? 2 : 1;
  }
  l.last = Math.min(st.i, n) - 1;
  st.launchers.push(l);
  st.scanning = false;
}

/**
 * torchrun, deepspeed or `python -m torch.distributed.run` with its options from `from`: the hit (or null when
 * nothing follows), or undefined with the scan moved on for `--no-python` (the program is not python).
 */
function readTorchrunLike(
  st: Scan,
  l: LauncherHit,
  from: number,
  kind: 'torchrun' | 'deepspeed',
): LaunchHit | null | undefined {
  const r = parseLauncherOpts(st.texts, from, l, kind);
  st.launchers.push(l);
  if (r.noPython) {
    st.i = r.next;
    st.scanning = false;
    return undefined;
  }
  if (r.next >= st.texts.length) return null;
  return pythonHit(st, r.next, r.module);
}

/** `python [options] script.py …` or `python -m module …` (torch.distributed.run/launch is a launcher). */
function readPython(st: Scan): LaunchHit | null | undefined {
  const { texts } = st;
  const n = texts.length;
  const first = st.i;
  let module = -1;
  let inlineCode = false;
  st.i = skipOptions(texts, st.i + 1, (u, i) => {
    if (u.startsWith('--')) return 1;
    // Combined short flags (-uB); a value-taking letter consumes the rest or the next word.
    for (let k = 1; k < u.length; k++) {
      const letter = u.charAt(k);
      if (!PY_VALUE_OPTS.has(letter)) continue;
      if (letter === 'c')
        inlineCode = true; // python -c "…": inline code, not an entry point
      else if (letter === 'm') module = k + 1 < u.length ? i : i + 1;
      else return k + 1 === u.length ? 2 : 1;
      return -1;
    }
    return 1;
  });
  if (inlineCode) return null;
  if (module < 0) return st.i >= n ? null : pythonHit(st, st.i, false);
  const word = texts[st.i];
  const modText = module === st.i && word && word.length > 2 ? word.slice(2) : texts[module];
  if (modText === 'torch.distributed.run' || modText === 'torch.distributed.launch')
    return readTorchrunLike(st, newLauncher(modText, first, module), module + 1, 'torchrun');
  if (module >= n) return null;
  return pythonHit(st, module, true);
}

/** `bash -c "…"` (any flags with c): the script string is read as a script under the launchers so far. */
function readShellScript(st: Scan): LaunchHit | null {
  const { texts } = st;
  for (let k = st.i + 1; k < texts.length; k++) {
    const u = texts[k];
    if (u == null || !u.startsWith('-')) break;
    if (/^-[a-z]*c[a-z]*$/.test(u))
      return k + 1 < texts.length
        ? { t: 'shell', launchers: st.launchers, script: k + 1, envWords: st.envWords }
        : null;
  }
  return null;
}

function parseLauncherOpts(
  texts: (string | null)[],
  from: number,
  l: LauncherHit,
  kind: 'torchrun' | 'deepspeed',
): { next: number; module: boolean; noPython: boolean } {
  const n = texts.length;
  let module = false;
  let noPython = false;
  const flags = kind === 'torchrun' ? TORCHRUN_FLAGS : DEEPSPEED_FLAGS;
  const next = skipOptions(texts, from, (u, i) => {
    const [name, at] = splitOpt(u);
    if (name === 'm' || name === 'module') module = true;
    if (name === 'no_python' || name === 'no-python') noPython = true;
    const takes = at < 0 && !flags.has(name) && name !== 'm';
    const ref: OptRef | null = at >= 0 ? { word: i, from: at } : takes && i + 1 < n ? { word: i + 1, from: 0 } : null;
    if (kind === 'torchrun') {
      if (name === 'nproc_per_node' || name === 'nproc-per-node') l.gpusPerNode = ref;
      else if (name === 'nnodes') l.nodes = ref;
    } else {
      if (name === 'num_gpus' || name === 'num-gpus') l.gpusPerNode = ref;
      else if (name === 'num_nodes' || name === 'num-nodes') l.nodes = ref;
    }
    return takes ? 2 : 1;
  });
  l.last = Math.max(l.first, Math.min(next, n) - 1);
  return { next, module, noPython };
}

/** Does this entry point look like a Megatron-style training entry? */
export function isMegatronEntry(entry: string | null, module: boolean, args: (string | null)[]): boolean {
  const hasFlags = args.some((a) => a !== null && a.startsWith('--') && a.length > 2);
  if (entry === null) return hasFlags;
  if (module) return entry.startsWith('megatron') || hasFlags;
  const b = basename(entry);
  if (/^pretrain_.*\.py$/.test(b)) return true;
  return hasFlags;
}
