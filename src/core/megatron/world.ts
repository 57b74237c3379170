// World size = GPUs per node × nodes, read from the launcher chain, SLURM directives and environment
// conventions (megatron.md §6 items 9–10). A count only known on the node (`$(nvidia-smi --list-gpus | wc -l)`,
// torchrun `--nproc_per_node gpu`) is assumed to be 8 and that assumption is reported; anything else unknown
// stays null with a reason.
import type { BashReadResult, LaunchInvocation, LauncherInfo, ShellWord, SlurmInfo } from '../bash/types';
import type { CoreDiagnostic, SourceRange, ValueSource } from '../types';
import { parsePyInt } from './pyNumbers';

export interface ResolvedNumber {
  value: number | null;
  source: ValueSource;
}

export interface WorldInfo {
  gpusPerNode: ResolvedNumber;
  numNodes: ResolvedNumber;
  worldSize: ResolvedNumber;
  diagnostics: CoreDiagnostic[];
  /** Ranges of our assumption diagnostics: the bash reader's reports on the same words are superseded. */
  supersededRanges: SourceRange[];
}

export const ASSUMED_GPUS_PER_NODE = 8;

const SPAWNING: LauncherInfo['kind'][] = [
  'torchrun',
  'torch.distributed.run',
  'torch.distributed.launch',
  'deepspeed',
  'mpirun',
  'srun',
];

function rootRange(word: ShellWord): SourceRange {
  return word.origins[word.origins.length - 1]?.range ?? word.range;
}

interface Reading {
  value: number | null;
  source: ValueSource;
  assumed?: boolean;
}

/** Where the count readers report: diagnostics, and the ranges whose bash-reader reports those supersede. */
interface Reports {
  diagnostics: CoreDiagnostic[];
  superseded: SourceRange[];
}

/** Reads a count word: `8`, `1:4` (MIN:MAX → MAX), or an unknown word. */
function readCount(word: ShellWord, what: string, flag: string, reports: Reports, allowAssume: boolean): Reading {
  const base = { range: word.range, valueRange: word.range, origins: word.origins, flag };
  let text = word.text;
  if (text !== null && /^\d+:\d+$/.test(text)) text = text.slice(text.indexOf(':') + 1);
  const n = text === null ? null : parsePyInt(text);
  if (n !== null && n > 0) return { value: n, source: { status: 'explicit', ...base } };
  const runtimeOnly =
    text === null ? /nvidia-smi|CUDA_VISIBLE_DEVICES/i.test(word.reason ?? '') : /^(gpu|auto)$/.test(text);
  if (allowAssume && runtimeOnly) {
    const cause =
      text === null
        ? (word.reason ?? 'it is counted on the node at run time')
        : `'${text}' means "all GPUs of the node"`;
    const range = rootRange(word);
    reports.superseded.push(range, word.range);
    reports.diagnostics.push({
      code: 'unresolved-value',
      severity: 'warning',
      message: `${what} cannot be known before the job runs (${cause}); assuming ${ASSUMED_GPUS_PER_NODE} GPUs per node. Write the number to make the analysis exact`,
      range,
    });
    return {
      value: ASSUMED_GPUS_PER_NODE,
      assumed: true,
      source: { status: 'derived', ...base, note: `assumed ${ASSUMED_GPUS_PER_NODE} (${cause})` },
    };
  }
  return {
    value: null,
    source: {
      status: 'unresolved',
      ...base,
      reason: text === null ? (word.reason ?? `${what} is only known at run time`) : `'${text}' is not a count`,
    },
  };
}

const absent = (value: number | null, note: string): Reading => ({
  value,
  source: value === null ? { status: 'unresolved', reason: note } : { status: 'default', note },
});

/** The three counts of a world, before the reports are attached. */
interface WorldCounts {
  gpn: Reading;
  nodes: Reading;
  world: Reading;
}

/** world = GPUs per node × nodes, or unresolved naming the missing factor. */
function product(gpn: Reading, nodes: Reading, label: string): Reading {
  if (gpn.value === null || nodes.value === null) {
    const missing = gpn.value === null ? gpn : nodes;
    return {
      value: null,
      source: { status: 'unresolved', reason: `${label}: ${missing.source.reason ?? 'unknown'}` },
    };
  }
  return {
    value: gpn.value * nodes.value,
    source: {
      status: 'derived',
      note: `${label} = ${gpn.value} × ${nodes.value}${gpn.assumed ? ' (GPUs per node assumed)' : ''}`,
      origins: [...(gpn.source.origins ?? []), ...(nodes.source.origins ?? [])],
    },
  };
}

/** torchrun / torch.distributed.{run,launch}: --nproc_per_node × --nnodes, each 1 when absent. */
function torchrunCounts(launcher: LauncherInfo, reports: Reports): WorldCounts {
  const gpn = launcher.gpusPerNode
    ? readCount(
        launcher.gpusPerNode,
        'GPUs per node (--nproc_per_node)',
        `${launcher.kind} --nproc_per_node`,
        reports,
        true,
      )
    : absent(1, 'torchrun starts 1 process per node without --nproc_per_node');
  const nodes = launcher.nodes
    ? readCount(launcher.nodes, 'Node count (--nnodes)', `${launcher.kind} --nnodes`, reports, false)
    : absent(1, 'torchrun defaults to 1 node without --nnodes');
  return { gpn, nodes, world: product(gpn, nodes, 'nproc_per_node × nnodes') };
}

/** deepspeed: --num_gpus (every visible GPU when absent, so assumed) × --num_nodes. */
function deepspeedCounts(launcher: LauncherInfo, reports: Reports): WorldCounts {
  const gpn = launcher.gpusPerNode
    ? readCount(launcher.gpusPerNode, 'GPUs per node (--num_gpus)', 'deepspeed --num_gpus', reports, true)
    : assumeAllVisibleGpus(launcher.range, reports);
  const nodes = launcher.nodes
    ? readCount(launcher.nodes, 'Node count (--num_nodes)', 'deepspeed --num_nodes', reports, false)
    : absent(1, 'deepspeed runs on 1 node without --num_nodes or a hostfile');
  return { gpn, nodes, world: product(gpn, nodes, 'num_gpus × num_nodes') };
}

function assumeAllVisibleGpus(range: SourceRange, reports: Reports): Reading {
  reports.superseded.push(range);
  reports.diagnostics.push({
    code: 'unresolved-value',
    severity: 'warning',
    message: `deepspeed without --num_gpus uses every GPU it sees, which is only known on the node; assuming ${ASSUMED_GPUS_PER_NODE} GPUs per node. Pass --num_gpus to make the analysis exact`,
    range,
  });
  return {
    value: ASSUMED_GPUS_PER_NODE,
    assumed: true,
    source: {
      status: 'derived',
      range,
      note: `assumed ${ASSUMED_GPUS_PER_NODE} (deepspeed uses all visible GPUs)`,
    },
  };
}

/** mpirun / srun with -np / -n: the total is the world; per node follows when it divides evenly. */
function totalProcessCounts(
  launcher: LauncherInfo,
  totalWord: ShellWord,
  slurm: SlurmInfo | undefined,
  reports: Reports,
): WorldCounts {
  const total = readCount(totalWord, 'Process count (-np / -n)', `${launcher.kind} -np`, reports, false);
  const nodesWord = launcher.nodes ?? slurm?.nodes ?? null;
  const nodes = nodesWord
    ? readCount(nodesWord, 'Node count', `${launcher.kind} nodes`, reports, false)
    : absent(null, 'the node count is not given');
  const gpn: Reading =
    total.value !== null && nodes.value !== null && total.value % nodes.value === 0
      ? {
          value: total.value / nodes.value,
          source: { status: 'derived', note: `${total.value} processes / ${nodes.value} nodes` },
        }
      : absent(null, 'processes per node are not given');
  return { gpn, nodes, world: total };
}

/** mpirun / srun without a total: tasks per node × nodes, from the launcher or else the #SBATCH directives. */
function perNodeCounts(launcher: LauncherInfo, slurm: SlurmInfo | undefined, reports: Reports): WorldCounts {
  const tasksWord = launcher.gpusPerNode ?? slurm?.ntasksPerNode ?? slurm?.gpusPerNode ?? null;
  const nodesWord = launcher.nodes ?? slurm?.nodes ?? null;
  const gpn = tasksWord
    ? readCount(tasksWord, 'Tasks per node (--ntasks-per-node)', `${launcher.kind} --ntasks-per-node`, reports, true)
    : absent(
        null,
        `${launcher.kind} without --ntasks-per-node or #SBATCH --ntasks-per-node: processes per node unknown`,
      );
  const nodes = nodesWord
    ? readCount(nodesWord, 'Node count (--nodes)', `${launcher.kind} --nodes`, reports, false)
    : absent(1, `${launcher.kind} without --nodes runs on 1 node`);
  return { gpn, nodes, world: product(gpn, nodes, 'nodes × tasks per node') };
}

/** The counts as the spawning launcher states them; without one, all three are unresolved. */
function launcherCounts(launcher: LauncherInfo | null, bash: BashReadResult | null, reports: Reports): WorldCounts {
  if (
    launcher &&
    (launcher.kind === 'torchrun' ||
      launcher.kind === 'torch.distributed.run' ||
      launcher.kind === 'torch.distributed.launch')
  )
    return torchrunCounts(launcher, reports);
  if (launcher && launcher.kind === 'deepspeed') return deepspeedCounts(launcher, reports);
  if (launcher && (launcher.kind === 'mpirun' || launcher.kind === 'srun'))
    return launcher.totalProcesses
      ? totalProcessCounts(launcher, launcher.totalProcesses, bash?.slurm, reports)
      : perNodeCounts(launcher, bash?.slurm, reports);
  const reason =
    'no launcher (torchrun, deepspeed, srun, mpirun) starts the script, so the process count comes from the environment at run time';
  return { gpn: absent(null, reason), nodes: absent(null, reason), world: absent(null, reason) };
}

export function resolveWorld(inv: LaunchInvocation | null, bash: BashReadResult | null): WorldInfo {
  const reports: Reports = { diagnostics: [], superseded: [] };
  // The innermost spawning launcher decides how many Python processes there are.
  let launcher: LauncherInfo | null = null;
  for (const l of inv?.launchers ?? []) if (SPAWNING.includes(l.kind)) launcher = l;
  const { gpn, nodes, world } = launcherCounts(launcher, bash, reports);
  return {
    gpusPerNode: gpn,
    numNodes: nodes,
    worldSize: world,
    diagnostics: reports.diagnostics,
    supersededRanges: reports.superseded,
  };
}

/** NeMo: world = trainer.devices × trainer.num_nodes. */
export function worldFromCounts(gpn: ResolvedNumber, nodes: ResolvedNumber): WorldInfo {
  let world: ResolvedNumber;
  if (gpn.value === null || nodes.value === null) {
    world = {
      value: null,
      source: {
        status: 'unresolved',
        reason: (gpn.value === null ? gpn : nodes).source.reason ?? 'device or node count unknown',
      },
    };
  } else {
    world = {
      value: gpn.value * nodes.value,
      source: { status: 'derived', note: `devices × num_nodes = ${gpn.value} × ${nodes.value}` },
    };
  }
  return { gpusPerNode: gpn, numNodes: nodes, worldSize: world, diagnostics: [], supersededRanges: [] };
}
