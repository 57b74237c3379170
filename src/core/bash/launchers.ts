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
/** `accelerate launch` options that take no value (store_true in accelerate/commands/launch.py); all others take one. */
const ACCELERATE_FLAGS = new Set(
  (
    'cpu debug downcast_bf16 dynamo_use_dynamic dynamo_use_fullgraph dynamo_use_regional_compilation ' +
    'enable_cpu_affinity fp8_use_autocast_during_eval module m multi_gpu no_python no_tpu_cluster quiet q ' +
    'same_network tpu tpu_cluster tpu_use_sudo use_deepspeed use_fsdp use_megatron_lm use_parallelism_config h help'
  ).split(' '),
);
/** `uv run` options that take a value (RunArgs and its flattened groups in uv-cli); all others are switches. */
const UV_RUN_VALUE_OPTS = new Set(
  (
    'extra no-extra group no-group only-group env-file with w with-editable with-requirements no-editable-package ' +
    'package python p python-platform max-recursion-depth index default-index index-url i extra-index-url ' +
    'find-links f index-strategy keyring-provider resolution prerelease fork-strategy config-setting C ' +
    'config-settings-package no-build-isolation-package exclude-newer exclude-newer-package link-mode ' +
    'upgrade-package P reinstall-package refresh-package no-binary-package no-build-package no-sources-package ' +
    'directory project cache-dir config-file color python-preference allow-insecure-host'
  ).split(' '),
);
/** GNU env: short options with a value (`+a:C:iS:u:v0` in coreutils src/env.c) and the long ones with a required value. */
const ENV_SHORT_VALUE = new Set(['a', 'C', 'S', 'u']);
const ENV_LONG_VALUE = new Set(['argv0', 'env0-from', 'unset', 'chdir', 'split-string']);

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
    b === 'accelerate' ||
    b === 'msrun' ||
    b === 'uv' ||
    b === 'ray' ||
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
    } else if (b === 'uv' && texts[st.i + 1] === 'run') {
      const hit = readUvRun(st);
      if (hit !== undefined) return hit;
    } else if (b === 'accelerate-launch' || (b === 'accelerate' && texts[st.i + 1] === 'launch')) {
      const hit = readAccelerate(st, b === 'accelerate' ? 2 : 1);
      if (hit !== undefined) return hit;
    } else if (b === 'ray' && texts[st.i + 1] === 'job' && texts[st.i + 2] === 'submit') readRayJobSubmit(st);
    else if (b === 'msrun') readMsrun(st);
    else if (b === 'srun') readSrun(st);
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

/** `env [options] [NAME=value …]` with GNU env's option syntax (getopt: `-uNAME`, `-u NAME`, `--unset=NAME`, `-iv`). */
function readEnvPrefix(st: Scan): void {
  const { texts } = st;
  st.i = skipOptions(texts, st.i + 1, (u) => {
    if (u.startsWith('--')) {
      const [name, at] = splitOpt(u);
      return at < 0 && ENV_LONG_VALUE.has(name) ? 2 : 1;
    }
    for (let k = 1; k < u.length; k++) if (ENV_SHORT_VALUE.has(u.charAt(k))) return k + 1 === u.length ? 2 : 1;
    return 1;
  });
  while (st.i < texts.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(texts[st.i] ?? '')) st.envWords.push(st.i++);
}

/** The value of option word `i`: attached after `=` (offset `at`), or the next word when the option takes one. */
function valueRef(texts: (string | null)[], i: number, at: number, takes: boolean): OptRef | null {
  if (at >= 0) return { word: i, from: at };
  return takes && i + 1 < texts.length ? { word: i + 1, from: 0 } : null;
}

/**
 * `ray job submit [options] -- command …` (how slime starts Megatron training, e.g. THUDM/slime scripts/run-qwen3-4B.sh):
 * the entrypoint follows `--`. The job's processes are Ray actors the entrypoint creates, so the launcher counts
 * nothing itself (megatron/world.ts reads the actor counts from the entrypoint's arguments).
 */
function readRayJobSubmit(st: Scan): void {
  const first = st.i;
  const dashes = st.texts.indexOf('--', st.i + 3);
  st.launchers.push(newLauncher('ray', first, dashes < 0 ? st.i + 2 : dashes));
  st.i = dashes < 0 ? st.i + 3 : dashes + 1;
  st.scanning = dashes < 0;
}

/** `uv run [options] command …`: a prefix that spawns nothing; `uv run -m module` runs a python module. */
function readUvRun(st: Scan): LaunchHit | null | undefined {
  const first = st.i;
  let module = false;
  st.i = skipOptions(st.texts, st.i + 2, (u) => {
    const [name, at] = splitOpt(u);
    if (name === 'm' || name === 'module') module = true;
    if (u.startsWith('--') || u.length === 2) return at < 0 && UV_RUN_VALUE_OPTS.has(name) ? 2 : 1;
    return 1; // -pVALUE, -qq: a value attached or switches only
  });
  st.scanning = false;
  return module ? moduleHit(st, first, st.i) : undefined;
}

/**
 * `accelerate launch [options] script …` (`skip` words name the command): --num_processes is the total over all
 * machines, --num_machines the node count. Recorded as an `other` launcher whose counts world.ts reads.
 */
function readAccelerate(st: Scan, skip: number): LaunchHit | null | undefined {
  const { texts } = st;
  const l = newLauncher('other', st.i);
  let module = false;
  let noPython = false;
  const next = skipOptions(texts, st.i + skip, (u, i) => {
    const [raw, at] = splitOpt(u);
    const name = raw.replace(/-/g, '_');
    if (name === 'm' || name === 'module') module = true;
    if (name === 'no_python') noPython = true;
    const takes = at < 0 && !ACCELERATE_FLAGS.has(name);
    if (name === 'num_processes') l.totalProcesses = valueRef(texts, i, at, takes);
    else if (name === 'num_machines') l.nodes = valueRef(texts, i, at, takes);
    return takes ? 2 : 1;
  });
  l.last = Math.max(l.first, Math.min(next, texts.length) - 1);
  st.launchers.push(l);
  st.i = next;
  st.scanning = false;
  if (noPython) return undefined;
  if (next >= texts.length) return null;
  return pythonHit(st, next, module);
}

/**
 * MindSpore's `msrun [options] script …` (MindSpeed on Ascend): every option takes a value; --worker_num is the
 * total, --local_worker_num the workers of this node. Recorded as an `other` launcher whose counts world.ts reads.
 */
function readMsrun(st: Scan): void {
  const { texts } = st;
  const l = newLauncher('other', st.i);
  st.i = skipOptions(texts, st.i + 1, (u, i) => {
    const [name, at] = splitOpt(u);
    const takes = at < 0 && name !== 'h' && name !== 'help';
    if (name === 'worker_num') l.totalProcesses = valueRef(texts, i, at, takes);
    else if (name === 'local_worker_num') l.gpusPerNode = valueRef(texts, i, at, takes);
    return takes ? 2 : 1;
  });
  l.last = Math.max(l.first, Math.min(st.i, texts.length) - 1);
  st.launchers.push(l);
  st.scanning = false;
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
  // `torchrun $DISTRIBUTED_ARGS pretrain_gpt.py`: unknown words before a script are launcher options, not the entry.
  let entry = r.next;
  while (st.texts[entry] === null && entry + 1 < st.texts.length) entry++;
  const script = st.texts[entry];
  return pythonHit(st, script?.endsWith('.py') && !r.module ? entry : r.next, r.module);
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
  if (module === st.i && word && word.length > 2) {
    // `-mtorch.distributed.run`: the module is attached to the option word.
    const attached = word.slice(2);
    if (attached === 'torch.distributed.run' || attached === 'torch.distributed.launch')
      return readTorchrunLike(st, newLauncher(attached, first, module), module + 1, 'torchrun');
    return pythonHit(st, module, true);
  }
  return moduleHit(st, first, module);
}

/** A module run (`python -m X`, `uv run -m X`) at word `module`: torch.distributed.run/launch are launchers. */
function moduleHit(st: Scan, first: number, module: number): LaunchHit | null | undefined {
  const modText = st.texts[module];
  if (modText === 'torch.distributed.run' || modText === 'torch.distributed.launch')
    return readTorchrunLike(st, newLauncher(modText, first, module), module + 1, 'torchrun');
  if (module >= st.texts.length) return null;
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
  let hostfile: OptRef | null = null;
  const flags = kind === 'torchrun' ? TORCHRUN_FLAGS : DEEPSPEED_FLAGS;
  const next = skipOptions(texts, from, (u, i) => {
    const [name, at] = splitOpt(u);
    if (name === 'm' || name === 'module') module = true;
    if (name === 'no_python' || name === 'no-python') noPython = true;
    const takes = at < 0 && !flags.has(name) && name !== 'm';
    const ref = valueRef(texts, i, at, takes);
    if (kind === 'torchrun') {
      if (name === 'nproc_per_node' || name === 'nproc-per-node') l.gpusPerNode = ref;
      else if (name === 'nnodes') l.nodes = ref;
    } else {
      const key = name.replace(/-/g, '_');
      if (key === 'num_gpus' || key === 'num_accelerators') l.gpusPerNode = ref;
      else if (key === 'num_nodes') l.nodes = ref;
      // The --include spec (`host[:slot,…][@host…]`) enumerates the processes; world.ts counts it.
      else if (key === 'include' || key === 'i') l.totalProcesses = ref;
      else if (key === 'hostfile' || key === 'H') hostfile = ref;
    }
    return takes ? 2 : 1;
  });
  // Without --num_nodes deepspeed runs on every host of an explicit hostfile: the node count is that file's.
  if (l.nodes === null && hostfile !== null) l.nodes = hostfile;
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
