// Recognising launch commands in an expanded argv: launcher prefixes (srun, nsys, torchrun, deepspeed …),
// their world-size options, and the python entry point with its arguments. Works on word texts only; the
// interpreter turns the indices it returns into ShellWords.
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

const PREFIX_SILENT = new Set(['nohup', 'exec', 'time', 'stdbuf', 'taskset', 'sudo', 'command', 'chrt', 'nice', 'ionice', 'unbuffer', 'timeout', 'xargs', 'setsid', 'caffeinate', 'with_proxy']);
const PREFIX_LAUNCHER = new Set(['nsys', 'ncu', 'nv-nsight-cu-cli', 'numactl', 'singularity', 'apptainer', 'enroot', 'docker', 'podman', 'kubectl', 'ssh', 'pdsh', 'clush', 'rr', 'gdb', 'cuda-gdb', 'compute-sanitizer', 'perf', 'valgrind', 'dlprof', 'accelerate', 'horovodrun', 'jsrun', 'aprun', 'lrun', 'ibrun', 'flux']);

const TORCHRUN_FLAGS = new Set(['standalone', 'no_python', 'no-python', 'run_path', 'run-path', 'module', 'use_env', 'use-env', 'virtual-local-rank', 'virtual_local_rank', 'help']);
const DEEPSPEED_FLAGS = new Set(['no_python', 'no-python', 'no_local_rank', 'no-local-rank', 'no_ssh_check', 'no-ssh-check', 'force_multi', 'force-multi', 'save_pid', 'save-pid', 'elastic_training', 'elastic-training', 'bind_cores_to_rank', 'bind-cores-to-rank', 'module', 'no_ssh', 'no-ssh', 'enable_each_rank_log']);
const SRUN_LONG_FLAGS = new Set(['label', 'unbuffered', 'exclusive', 'overlap', 'no-kill', 'pty', 'quiet', 'verbose', 'container-remap-root', 'no-container-remap-root', 'no-container-mount-home', 'container-mount-home', 'container-writable', 'container-readonly', 'no-container-entrypoint', 'container-entrypoint', 'overcommit', 'oversubscribe', 'kill-on-bad-exit', 'spread-job', 'test-only', 'disable-status', 'whole', 'multi-prog', 'no-allocate', 'help', 'usage', 'mpi-none', 'exact', 'contiguous']);
const SRUN_SHORT_FLAGS = new Set(['l', 'u', 'K', 'Q', 'v', 'X', 'Z', 'E', 'h', 'O', 's', 'H', 'k']);
const MPIRUN_FLAGS = new Set(['allow-run-as-root', 'oversubscribe', 'report-bindings', 'display-map', 'tag-output', 'timestamp-output', 'merge-stderr-to-stdout', 'bind-to-core', 'bind-to-socket', 'noprefix', 'quiet', 'q', 'v', 'verbose', 'nooversubscribe', 'use-hwthread-cpus', 'enable-recovery', 'disable-recovery', 'display-allocation', 'output-proctable', 'show-progress', 'l', 'prepend-rank', 'ppn-auto']);
const PY_VALUE_OPTS = new Set(['W', 'X', 'Q', 'c', 'm']);

function basename(t: string): string {
  const k = t.lastIndexOf('/');
  return k >= 0 ? t.slice(k + 1) : t;
}

export function isPython(t: string): boolean {
  return /^(python|pypy)(\d+(\.\d+)?)?$/.test(basename(t));
}

function interesting(t: string | null): boolean {
  if (t === null) return false;
  const b = basename(t);
  return isPython(t) || b === 'env' || b === 'torchrun' || b === 'deepspeed' || b === 'srun' || b === 'mpirun' || b === 'mpiexec' || b.endsWith('.py') || b === 'bash' || b === 'sh';
}

/** Split `--opt=value` → [name without dashes, offset of value or -1]. */
function splitOpt(t: string): [string, number] {
  const dashes = t.startsWith('--') ? 2 : 1;
  const eq = t.indexOf('=');
  return eq > 0 ? [t.slice(dashes, eq), eq + 1] : [t.slice(dashes), -1];
}

/**
 * Find a python launch in the words. `texts[i]` is null when word i is not known statically.
 * Returns null for commands that are not launches.
 */
export function detectLaunch(texts: (string | null)[], startsCommand: boolean): LaunchHit | null {
  const n = texts.length;
  const launchers: LauncherHit[] = [];
  const envWords: number[] = [];
  let i = 0;
  let scanning = !startsCommand;
  let guard = 0;
  while (i < n && guard++ < 4 * n + 8) {
    const t = texts[i];
    if (t === null) {
      // An unknown command word (`$LAUNCHER pretrain_gpt.py …`): look further for the entry point.
      scanning = true;
      i++;
      continue;
    }
    const b = basename(t);
    if (b === 'env') {
      i++;
      while (i < n) {
        const u = texts[i];
        if (u === null) break;
        if (u === '-i' || u === '-' || u === '--ignore-environment' || u === '--') i++;
        else if (u === '-u' || u === '--unset' || u === '-C' || u === '--chdir') i += 2;
        else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(u)) {
          envWords.push(i);
          i++;
        } else break;
      }
      continue;
    }
    if (PREFIX_SILENT.has(b)) {
      scanning = true;
      i++;
      continue;
    }
    if (PREFIX_LAUNCHER.has(b)) {
      const first = i;
      i++;
      while (i < n && !interesting(texts[i])) i++;
      launchers.push({ kind: 'other', first, last: first, gpusPerNode: null, nodes: null, totalProcesses: null });
      continue;
    }
    if (b === 'srun') {
      const l: LauncherHit = { kind: 'srun', first: i, last: i, gpusPerNode: null, nodes: null, totalProcesses: null };
      i++;
      while (i < n) {
        const u = texts[i];
        if (u === null || !u.startsWith('-') || u === '-') break;
        if (u === '--') {
          i++;
          break;
        }
        if (u.startsWith('--')) {
          const [name, at] = splitOpt(u);
          const takes = at < 0 && !SRUN_LONG_FLAGS.has(name);
          const ref: OptRef | null = at >= 0 ? { word: i, from: at } : takes && i + 1 < n ? { word: i + 1, from: 0 } : null;
          if (name === 'nodes') l.nodes = ref;
          else if (name === 'ntasks') l.totalProcesses = ref;
          else if (name === 'ntasks-per-node') l.gpusPerNode = ref;
          i += takes ? 2 : 1;
        } else {
          const letter = u[1];
          const attached = u.length > 2;
          const takes = !SRUN_SHORT_FLAGS.has(letter);
          const ref: OptRef | null = takes ? (attached ? { word: i, from: u[2] === '=' ? 3 : 2 } : i + 1 < n ? { word: i + 1, from: 0 } : null) : null;
          if (letter === 'N') l.nodes = ref;
          else if (letter === 'n') l.totalProcesses = ref;
          i += takes && !attached ? 2 : 1;
        }
      }
      l.last = Math.min(i, n) - 1;
      launchers.push(l);
      scanning = false;
      continue;
    }
    if (b === 'mpirun' || b === 'mpiexec' || b === 'orterun') {
      const l: LauncherHit = { kind: 'mpirun', first: i, last: i, gpusPerNode: null, nodes: null, totalProcesses: null };
      i++;
      while (i < n && !interesting(texts[i])) {
        const u = texts[i];
        if (u === null || !u.startsWith('-')) {
          i++;
          continue;
        }
        const [name, at] = splitOpt(u);
        const ref: OptRef | null = at >= 0 ? { word: i, from: at } : i + 1 < n ? { word: i + 1, from: 0 } : null;
        if (name === 'np' || name === 'n' || name === 'c') l.totalProcesses = ref;
        else if (name === 'N' || name === 'npernode' || name === 'ppn') l.gpusPerNode = ref;
        if (name === 'mca' || name === 'gmca') i += 3;
        else i += at < 0 && !MPIRUN_FLAGS.has(name) ? 2 : 1;
      }
      l.last = Math.min(i, n) - 1;
      launchers.push(l);
      scanning = false;
      continue;
    }
    if (b === 'torchrun' || b === 'deepspeed') {
      const kind: LauncherKind = b === 'torchrun' ? 'torchrun' : 'deepspeed';
      const l: LauncherHit = { kind, first: i, last: i, gpusPerNode: null, nodes: null, totalProcesses: null };
      const r = parseLauncherOpts(texts, i + 1, l, kind);
      launchers.push(l);
      if (r.noPython) {
        i = r.next;
        scanning = false;
        continue;
      }
      if (r.next >= n) return null;
      return { t: 'python', launchers, entry: r.next, module: r.module, envWords };
    }
    if (isPython(t)) {
      const first = i;
      i++;
      let module = -1;
      while (i < n) {
        const u = texts[i];
        if (u === null || !u.startsWith('-') || u === '-') break;
        if (u === '--') {
          i++;
          break;
        }
        if (u.startsWith('--')) {
          i++;
          continue;
        }
        // Combined short flags (-uB); a value-taking letter consumes the rest or the next word.
        let consumed = 1;
        let stop = false;
        for (let k = 1; k < u.length; k++) {
          const letter = u[k];
          if (PY_VALUE_OPTS.has(letter)) {
            if (letter === 'c') return null; // python -c "…": inline code, not an entry point
            if (letter === 'm') {
              module = k + 1 < u.length ? i : i + 1;
              stop = true;
            } else if (k + 1 === u.length) consumed = 2;
            break;
          }
        }
        if (stop) break;
        i += consumed;
      }
      if (module >= 0) {
        const modText = module === i && texts[i]!.length > 2 ? texts[i]!.slice(2) : texts[module];
        if (modText === 'torch.distributed.run' || modText === 'torch.distributed.launch') {
          const kind: LauncherKind = modText === 'torch.distributed.run' ? 'torch.distributed.run' : 'torch.distributed.launch';
          const l: LauncherHit = { kind, first, last: module, gpusPerNode: null, nodes: null, totalProcesses: null };
          const r = parseLauncherOpts(texts, module + 1, l, 'torchrun');
          launchers.push(l);
          if (r.noPython) {
            i = r.next;
            scanning = false;
            continue;
          }
          if (r.next >= n) return null;
          return { t: 'python', launchers, entry: r.next, module: r.module, envWords };
        }
        if (module >= n) return null;
        return { t: 'python', launchers, entry: module, module: true, envWords };
      }
      if (i >= n) return null;
      return { t: 'python', launchers, entry: i, module: false, envWords };
    }
    if (b.endsWith('.py')) return { t: 'python', launchers, entry: i, module: false, envWords };
    if ((b === 'bash' || b === 'sh' || b === 'zsh' || b === 'dash' || b === 'ksh') && (launchers.length > 0 || scanning || startsCommand)) {
      // `srun bash -c "…"`: the interpreter reads the string as a script under these launchers.
      let k = i + 1;
      while (k < n) {
        const u = texts[k];
        if (u === null || !u.startsWith('-')) break;
        if (/^-[a-z]*c[a-z]*$/.test(u)) {
          if (k + 1 < n) return { t: 'shell', launchers, script: k + 1, envWords };
          return null;
        }
        k++;
      }
      return null;
    }
    if (!scanning) return null;
    i++;
  }
  return null;
}

function parseLauncherOpts(texts: (string | null)[], from: number, l: LauncherHit, kind: 'torchrun' | 'deepspeed'): { next: number; module: boolean; noPython: boolean } {
  const n = texts.length;
  let i = from;
  let module = false;
  let noPython = false;
  const flags = kind === 'torchrun' ? TORCHRUN_FLAGS : DEEPSPEED_FLAGS;
  while (i < n) {
    const u = texts[i];
    if (u === null || !u.startsWith('-') || u === '-') break;
    if (u === '--') {
      i++;
      break;
    }
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
    i += takes ? 2 : 1;
  }
  l.last = Math.max(l.first, Math.min(i, n) - 1);
  return { next: i, module, noPython };
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
