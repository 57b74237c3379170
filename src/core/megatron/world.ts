// World size = GPUs per node × nodes, read from the launcher chain, SLURM directives and environment
// conventions (megatron.md §6 items 9–10). A count only known on the node (`$(nvidia-smi --list-gpus | wc -l)`,
// torchrun `--nproc_per_node gpu`) is assumed to be 8 and that assumption is reported; anything else unknown
// stays null with a reason.
import type { BashReadResult, LaunchInvocation, LauncherInfo, ShellWord } from '../bash/types';
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

/** Reads a count word: `8`, `1:4` (MIN:MAX → MAX), or an unknown word. */
function readCount(
  word: ShellWord,
  what: string,
  flag: string,
  diagnostics: CoreDiagnostic[],
  superseded: SourceRange[],
  allowAssume: boolean,
): Reading {
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
    superseded.push(range, word.range);
    diagnostics.push({
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

export function resolveWorld(inv: LaunchInvocation | null, bash: BashReadResult | null): WorldInfo {
  const diagnostics: CoreDiagnostic[] = [];
  const superseded: SourceRange[] = [];
  const finish = (gpn: Reading, nodes: Reading, world: Reading): WorldInfo => ({
    gpusPerNode: gpn,
    numNodes: nodes,
    worldSize: world,
    diagnostics,
    supersededRanges: superseded,
  });
  const product = (gpn: Reading, nodes: Reading, label: string): Reading => {
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
  };

  const launchers = inv?.launchers ?? [];
  // The innermost spawning launcher decides how many Python processes there are.
  let launcher: LauncherInfo | null = null;
  for (const l of launchers) if (SPAWNING.includes(l.kind)) launcher = l;

  if (
    launcher &&
    (launcher.kind === 'torchrun' ||
      launcher.kind === 'torch.distributed.run' ||
      launcher.kind === 'torch.distributed.launch')
  ) {
    const gpn = launcher.gpusPerNode
      ? readCount(
          launcher.gpusPerNode,
          'GPUs per node (--nproc_per_node)',
          `${launcher.kind} --nproc_per_node`,
          diagnostics,
          superseded,
          true,
        )
      : absent(1, 'torchrun starts 1 process per node without --nproc_per_node');
    const nodes = launcher.nodes
      ? readCount(launcher.nodes, 'Node count (--nnodes)', `${launcher.kind} --nnodes`, diagnostics, superseded, false)
      : absent(1, 'torchrun defaults to 1 node without --nnodes');
    return finish(gpn, nodes, product(gpn, nodes, 'nproc_per_node × nnodes'));
  }
  if (launcher && launcher.kind === 'deepspeed') {
    let gpn: Reading;
    if (launcher.gpusPerNode)
      gpn = readCount(
        launcher.gpusPerNode,
        'GPUs per node (--num_gpus)',
        'deepspeed --num_gpus',
        diagnostics,
        superseded,
        true,
      );
    else {
      const range = launcher.range;
      superseded.push(range);
      diagnostics.push({
        code: 'unresolved-value',
        severity: 'warning',
        message: `deepspeed without --num_gpus uses every GPU it sees, which is only known on the node; assuming ${ASSUMED_GPUS_PER_NODE} GPUs per node. Pass --num_gpus to make the analysis exact`,
        range,
      });
      gpn = {
        value: ASSUMED_GPUS_PER_NODE,
        assumed: true,
        source: {
          status: 'derived',
          range,
          note: `assumed ${ASSUMED_GPUS_PER_NODE} (deepspeed uses all visible GPUs)`,
        },
      };
    }
    const nodes = launcher.nodes
      ? readCount(launcher.nodes, 'Node count (--num_nodes)', 'deepspeed --num_nodes', diagnostics, superseded, false)
      : absent(1, 'deepspeed runs on 1 node without --num_nodes or a hostfile');
    return finish(gpn, nodes, product(gpn, nodes, 'num_gpus × num_nodes'));
  }
  if (launcher && (launcher.kind === 'mpirun' || launcher.kind === 'srun')) {
    const slurm = bash?.slurm;
    if (launcher.totalProcesses) {
      const total = readCount(
        launcher.totalProcesses,
        'Process count (-np / -n)',
        `${launcher.kind} -np`,
        diagnostics,
        superseded,
        false,
      );
      const nodesWord = launcher.nodes ?? slurm?.nodes ?? null;
      const nodes = nodesWord
        ? readCount(nodesWord, 'Node count', `${launcher.kind} nodes`, diagnostics, superseded, false)
        : absent(null, 'the node count is not given');
      const gpn: Reading =
        total.value !== null && nodes.value !== null && total.value % nodes.value === 0
          ? {
              value: total.value / nodes.value,
              source: { status: 'derived', note: `${total.value} processes / ${nodes.value} nodes` },
            }
          : absent(null, 'processes per node are not given');
      return finish(gpn, nodes, total);
    }
    const tasksWord = launcher.gpusPerNode ?? slurm?.ntasksPerNode ?? slurm?.gpusPerNode ?? null;
    const nodesWord = launcher.nodes ?? slurm?.nodes ?? null;
    const gpn = tasksWord
      ? readCount(
          tasksWord,
          'Tasks per node (--ntasks-per-node)',
          `${launcher.kind} --ntasks-per-node`,
          diagnostics,
          superseded,
          true,
        )
      : absent(
          null,
          `${launcher.kind} without --ntasks-per-node or #SBATCH --ntasks-per-node: processes per node unknown`,
        );
    const nodes = nodesWord
      ? readCount(nodesWord, 'Node count (--nodes)', `${launcher.kind} --nodes`, diagnostics, superseded, false)
      : absent(1, `${launcher.kind} without --nodes runs on 1 node`);
    return finish(gpn, nodes, product(gpn, nodes, 'nodes × tasks per node'));
  }
  const reason =
    'no launcher (torchrun, deepspeed, srun, mpirun) starts the script, so the process count comes from the environment at run time';
  return finish(absent(null, reason), absent(null, reason), absent(null, reason));
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
