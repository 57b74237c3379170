// Contract between the bash reader (which evaluates a launch script statically, never executing it)
// and the flag interpreter (which maps argv words onto Megatron's flag table).
import type { CoreDiagnostic, Origin, SourceRange } from '../types';

/** One argv word as the launched process would receive it. */
export interface ShellWord {
  /** The word's text after expansion and quote removal; null when it cannot be known statically. */
  text: string | null;
  /** Where the word (or the expansion that produced it) stands in the command. */
  range: SourceRange;
  /** Variables the text passed through, nearest the command first (VAR=… definitions, array elements). */
  origins: Origin[];
  /** Why the text is null (e.g. "$(nvidia-smi …) is only known at run time", "$1 has no default"). */
  reason?: string;
  /** Part of the word is unknown but the rest is known (e.g. `--data-path=$DATA`): the known prefix. */
  knownPrefix?: string;
  /** The known text after the last unknown part (e.g. `/pretrain_gpt.py` of `$DIR/pretrain_gpt.py`). */
  knownSuffix?: string;
  /** Came through an assignment in a branch whose condition could not be decided (the first branch is taken). */
  conditional?: boolean;
  /**
   * What the text rests on that the file does not fix: an environment variable or script argument taken as unset
   * (its `${…:-default}` used), or a branch taken without knowing its condition. A check built on such a word is
   * never certain, so it is never an error (issue 12 §3).
   */
  assumptions?: string[];
}

export type LauncherKind =
  | 'torchrun'
  | 'torch.distributed.run'
  | 'torch.distributed.launch'
  | 'deepspeed'
  | 'srun'
  | 'mpirun'
  | 'python'
  | 'ray'
  | 'other';

export interface LauncherInfo {
  kind: LauncherKind;
  range: SourceRange;
  /** GPUs (processes) per node from --nproc_per_node / --nproc-per-node / --num_gpus / --ntasks-per-node; null if absent. */
  gpusPerNode: ShellWord | null;
  /** Nodes from --nnodes (N or MIN:MAX → MAX) / --num_nodes / -N; null if absent. */
  nodes: ShellWord | null;
  /** Total processes from mpirun -np / srun -n, when given that way. */
  totalProcesses: ShellWord | null;
  /** One of its option words is unknown statically (`torchrun $DISTRIBUTED_ARGS`), so a count may hide there: why. */
  opaque?: string;
}

/** A python entry point (pretrain_gpt.py, pretrain_*.py, or a -m module) with its arguments. */
export interface LaunchInvocation {
  /** Launcher chain from outermost (srun, nsys …) to innermost (torchrun); empty for plain `python x.py`. */
  launchers: LauncherInfo[];
  /** The entry script word (e.g. `pretrain_gpt.py`). */
  entry: ShellWord;
  /** Arguments after the entry script, in order, after all expansion and word splitting. */
  args: ShellWord[];
  /** The whole command, from its first word to its last (continuations included). */
  range: SourceRange;
  /** True when the command sits in a branch whose condition could not be decided. */
  conditional: boolean;
  /** Environment conventions (see BashReadResult.env) as this command sees them, prefix assignments included. */
  env?: Map<string, ShellWord>;
  /** Where the script's own arguments (`$@`, `$*`) are passed through: more flags may arrive at run time. */
  passthroughArgs?: SourceRange[];
}

/** `#SBATCH` directives and SLURM-style environment that fix the world size. */
export interface SlurmInfo {
  nodes: ShellWord | null;
  ntasksPerNode: ShellWord | null;
  gpusPerNode: ShellWord | null;
}

export interface BashReadResult {
  invocations: LaunchInvocation[];
  slurm: SlurmInfo;
  /**
   * Final values of well-known environment conventions after the script ran to its launch
   * (GPUS_PER_NODE, NPROC_PER_NODE, NNODES, NUM_NODES, WORLD_SIZE, CUDA_DEVICE_MAX_CONNECTIONS, …), when set in the script.
   */
  env: Map<string, ShellWord>;
  /** Syntax problems and unresolvable values, on their exact ranges (codes: `unresolved-value`, `bash-syntax`, …). */
  diagnostics: CoreDiagnostic[];
}

/** One argument of a stated call of the script: its text and where it is written (document offsets). */
export interface ScriptArgWord {
  text: string;
  s0: number;
  s1: number;
}

/** The script's positional arguments as the file states them (read/scriptArgs.ts). */
export interface ScriptArgs {
  words: ScriptArgWord[];
  /** 0-based line of the directive or the usage example. */
  line: number;
  /** `directive`: the user's `# schedule-inspector: args=…` (taken as given); `usage`: a usage example (assumed). */
  source: 'directive' | 'usage';
}
