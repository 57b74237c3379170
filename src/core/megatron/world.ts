// World size = GPUs per node × nodes, read from the launcher chain, SLURM directives and environment
// conventions (megatron.md §6 items 9–10). One rule for a per-node count the script does not fix — `$(nvidia-smi …)`,
// torchrun `--nproc_per_node gpu`, a variable only the environment sets, deepspeed or accelerate without a count:
// assume 8 GPUs per node and say so in an information diagnostic on that value. A node count is never assumed: it
// stays null with a reason (`$SLURM_NNODES` and friends take their #SBATCH directive's value).
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
  /** The #SBATCH directives, which set the SLURM_* variables a script may read its counts from. */
  slurm: SlurmInfo | undefined;
}

/** SLURM's output variables and the #SBATCH directive each mirrors (sbatch(1), OUTPUT ENVIRONMENT VARIABLES). */
const SLURM_VARIABLES: Record<string, keyof SlurmInfo> = {
  SLURM_NNODES: 'nodes',
  SLURM_JOB_NUM_NODES: 'nodes',
  SLURM_NTASKS_PER_NODE: 'ntasksPerNode',
  SLURM_GPUS_PER_NODE: 'gpusPerNode',
};

/** `$SLURM_NNODES` (unset in the script) under `#SBATCH --nodes=N`: the directive's word, which SLURM exports. */
function slurmDirectiveFor(word: ShellWord, slurm: SlurmInfo | undefined): [string, ShellWord] | null {
  const name =
    word.text === null ? /^\$(SLURM_[A-Z_]+) is not set in this script/.exec(word.reason ?? '')?.[1] : undefined;
  const key = name === undefined ? undefined : SLURM_VARIABLES[name];
  const directive = key === undefined ? null : (slurm?.[key] ?? null);
  return name !== undefined && directive !== null && directive.text !== null ? [name, directive] : null;
}

/** Reads a count word: `8`, `1:4` (MIN:MAX → MAX), a `$SLURM_*` variable tied to an #SBATCH line, or an unknown word. */
function readCount(word: ShellWord, what: string, flag: string, reports: Reports, allowAssume: boolean): Reading {
  const slurm = slurmDirectiveFor(word, reports.slurm);
  if (slurm) {
    const [name, directive] = slurm;
    const inner = readCount(directive, what, flag, reports, false);
    if (inner.value === null) return inner;
    // SLURM exports the directive's value, so the bash reader's "not set" report on the word no longer applies.
    reports.superseded.push(rootRange(word), word.range);
    const note = `$${name} = ${inner.value}, set by SLURM from #SBATCH`;
    return { value: inner.value, source: { ...inner.source, status: 'derived', note } };
  }
  const base = {
    range: word.range,
    valueRange: word.range,
    origins: word.origins,
    flag,
    ...(word.assumptions?.length && { assumptions: word.assumptions }),
  };
  let text = word.text;
  if (text !== null && /^\d+:\d+$/.test(text)) text = text.slice(text.indexOf(':') + 1);
  const n = text === null ? null : parsePyInt(text);
  if (n !== null && n > 0) return { value: n, source: { status: 'explicit', ...base } };
  // Unknown statically (a command substitution, a variable only the environment sets) or "every GPU of the node".
  if (allowAssume && (text === null || /^(gpu|auto)$/.test(text))) {
    const cause =
      text === null
        ? (word.reason ?? 'it is counted on the node at run time')
        : `'${text}' means "all GPUs of the node"`;
    return assumePerNode(rootRange(word), `${what} cannot be known before the job runs (${cause})`, cause, reports, {
      ...base,
      range: word.range,
    });
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

/** The one assumption: 8 GPUs per node, said in an information diagnostic on the value it replaces. */
function assumePerNode(
  range: SourceRange,
  why: string,
  cause: string,
  reports: Reports,
  base: Partial<ValueSource> = { range },
): Reading {
  reports.superseded.push(range);
  if (base.range) reports.superseded.push(base.range);
  reports.diagnostics.push({
    code: 'unresolved-value',
    severity: 'information',
    message: `${why}; assuming ${ASSUMED_GPUS_PER_NODE} GPUs per node. Write the number to make the analysis exact`,
    range,
  });
  return {
    value: ASSUMED_GPUS_PER_NODE,
    assumed: true,
    source: {
      ...base,
      status: 'derived',
      note: `assumed ${ASSUMED_GPUS_PER_NODE} (${cause})`,
      assumptions: [...(base.assumptions ?? []), `each node has ${ASSUMED_GPUS_PER_NODE} GPUs`],
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
  const assumptions = [...new Set([...(gpn.source.assumptions ?? []), ...(nodes.source.assumptions ?? [])])];
  return {
    value: gpn.value * nodes.value,
    source: {
      status: 'derived',
      note: `${label} = ${gpn.value} × ${nodes.value}${gpn.assumed ? ' (GPUs per node assumed)' : ''}`,
      origins: [...(gpn.source.origins ?? []), ...(nodes.source.origins ?? [])],
      ...(assumptions.length && { assumptions }),
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

/**
 * deepspeed: --num_gpus (every visible GPU when absent, so assumed) × --num_nodes (1 without a hostfile; every host of
 * an explicit --hostfile); an --include spec names the hosts and slots itself.
 */
function deepspeedCounts(launcher: LauncherInfo, reports: Reports): WorldCounts {
  if (launcher.totalProcesses) return includeCounts(launcher.totalProcesses, reports);
  const gpn = launcher.gpusPerNode
    ? readCount(launcher.gpusPerNode, 'GPUs per node (--num_gpus)', 'deepspeed --num_gpus', reports, true)
    : assumePerNode(
        launcher.range,
        'deepspeed without --num_gpus uses every GPU it sees, which is only known on the node',
        'deepspeed uses all visible GPUs',
        reports,
      );
  const hostfile = launcher.nodes?.text;
  const nodes = !launcher.nodes
    ? absent(1, 'deepspeed runs on 1 node without --num_nodes or a hostfile')
    : hostfile != null && parsePyInt(hostfile) === null
      ? absent(null, `deepspeed runs on every host listed in the hostfile '${hostfile}', read at run time`)
      : readCount(launcher.nodes, 'Node count (--num_nodes)', 'deepspeed --num_nodes', reports, false);
  return { gpn, nodes, world: product(gpn, nodes, 'num_gpus × num_nodes') };
}

/** deepspeed --include `host[:slot,…][@host[:slot,…]…]`: hosts are nodes; a host without slots uses all its GPUs. */
function includeCounts(word: ShellWord, reports: Reports): WorldCounts {
  const flag = 'deepspeed --include';
  const base = { range: word.range, valueRange: word.range, origins: word.origins, flag };
  if (word.text === null) {
    const reason = word.reason ?? 'the --include spec is only known at run time';
    const unknown = absent(null, reason);
    return { gpn: unknown, nodes: unknown, world: unknown };
  }
  const hosts = new Map<string, Set<string> | null>();
  for (const spec of word.text.split('@')) {
    const [host = '', slots] = spec.split(':');
    const known = hosts.get(host);
    if (slots === undefined || known === null) hosts.set(host, null);
    else hosts.set(host, new Set([...(known ?? []), ...slots.split(',')]));
  }
  const counts = [...hosts.values()].map((slots) => slots?.size ?? null);
  const nodes: Reading = { value: hosts.size, source: { status: 'explicit', ...base } };
  const first = counts[0] ?? null;
  if (counts.every((c) => c !== null && c === first) && first !== null) {
    const gpn: Reading = { value: first, source: { status: 'explicit', ...base } };
    return { gpn, nodes, world: product(gpn, nodes, 'slots per host × hosts of --include') };
  }
  if (counts.every((c) => c === null)) {
    const gpn = assumePerNode(
      rootRange(word),
      `deepspeed --include ${word.text} uses every GPU of its hosts`,
      'all GPUs of the included hosts',
      reports,
      base,
    );
    return { gpn, nodes, world: product(gpn, nodes, 'GPUs per host × hosts of --include') };
  }
  // Hosts with different slot counts: the world is their sum, but no single per-node count exists.
  const sum = counts.reduce<number | null>((a, c) => (a === null || c === null ? null : a + c), 0);
  const gpn = absent(null, `the hosts of --include ${word.text} use different GPU counts`);
  const world: Reading =
    sum === null
      ? absent(null, `--include ${word.text} mixes hosts with and without slot lists`)
      : { value: sum, source: { status: 'derived', note: `slots of --include ${word.text}` } };
  return { gpn, nodes, world };
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
  const perNode = launcher.gpusPerNode
    ? readCount(
        launcher.gpusPerNode,
        'Processes per node (-N / -npernode)',
        `${launcher.kind} -npernode`,
        reports,
        false,
      )
    : null;
  // mpirun -np 16 -npernode 8: the node count follows from the total.
  const nodes = nodesWord
    ? readCount(nodesWord, 'Node count', `${launcher.kind} nodes`, reports, false)
    : perNode?.value && total.value !== null && total.value % perNode.value === 0
      ? {
          value: total.value / perNode.value,
          source: { status: 'derived' as const, note: `${total.value} processes / ${perNode.value} per node` },
        }
      : absent(null, 'the node count is not given');
  if (perNode) return { gpn: perNode, nodes, world: total };
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

/**
 * accelerate launch (--num_processes total, --num_machines nodes) and msrun (--worker_num total, --local_worker_num
 * per node): the bash reader records both as `other` launchers carrying these counts. A total the script does not
 * give follows the one rule: 8 per node (msrun's own default for both counts is 8 as well).
 */
function totalAndPerNodeCounts(launcher: LauncherInfo, reports: Reports): WorldCounts {
  const what = 'Process total (accelerate --num_processes, msrun --worker_num)';
  const flag = 'launcher process total';
  const nodesGiven = launcher.nodes
    ? readCount(launcher.nodes, 'Node count (accelerate --num_machines)', 'accelerate --num_machines', reports, false)
    : null;
  const perNodeGiven = launcher.gpusPerNode
    ? readCount(
        launcher.gpusPerNode,
        'Workers per node (msrun --local_worker_num)',
        'msrun --local_worker_num',
        reports,
        true,
      )
    : null;
  if (!launcher.totalProcesses) {
    const gpn =
      perNodeGiven ??
      assumePerNode(
        launcher.range,
        'accelerate without --num_processes starts one process per visible GPU (or as its config file says)',
        'one process per visible GPU',
        reports,
      );
    const nodes = nodesGiven ?? absent(1, 'one machine unless --num_machines says otherwise');
    return { gpn, nodes, world: product(gpn, nodes, 'processes per node × nodes') };
  }
  const world = readCount(launcher.totalProcesses, what, flag, reports, false);
  const total = world.value;
  const split = (a: number | null, b: Reading | null, note: string): Reading =>
    a !== null && b !== null && b.value !== null && a % b.value === 0
      ? { value: a / b.value, source: { status: 'derived', note: `${a} / ${b.value} ${note}` } }
      : absent(null, `${note} not given or does not divide the total`);
  const nodes =
    nodesGiven ??
    (perNodeGiven
      ? split(total, perNodeGiven, 'per node')
      : absent(1, 'one machine unless --num_machines says otherwise'));
  const gpn = perNodeGiven ?? split(total, nodes, 'nodes');
  return { gpn, nodes, world };
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
  if (launcher && launcher.kind === 'other') return totalAndPerNodeCounts(launcher, reports);
  if (launcher && (launcher.kind === 'mpirun' || launcher.kind === 'srun'))
    return launcher.totalProcesses
      ? totalProcessCounts(launcher, launcher.totalProcesses, bash?.slurm, reports)
      : perNodeCounts(launcher, bash?.slurm, reports);
  const reason =
    'no launcher (torchrun, deepspeed, srun, mpirun, accelerate, msrun) starts the script, so the process count comes from the environment at run time';
  return { gpn: absent(null, reason), nodes: absent(null, reason), world: absent(null, reason) };
}

/**
 * A plain `python pretrain_x.py` spawns one process, and Megatron takes the world size from $WORLD_SIZE, 1 when it is
 * unset (Megatron-LM d98e8a64 megatron/training/arguments.py:145; Seq1F1B megatron/arguments.py:54; Megatron-DeepSpeed
 * megatron/arguments.py:67). A value the script sets is used (it usually exports it for exactly this); otherwise 1,
 * resting on the environment not setting it.
 */
function singleProcessCounts(inv: LaunchInvocation, reports: Reports): WorldCounts {
  const set = inv.env?.get('WORLD_SIZE');
  if (set) {
    const world = readCount(set, 'World size ($WORLD_SIZE)', 'WORLD_SIZE', reports, false);
    return { gpn: world, nodes: absent(1, 'one process started by python'), world };
  }
  const world: Reading = {
    value: 1,
    source: {
      status: 'default',
      note: 'Megatron reads $WORLD_SIZE, 1 when unset (one process started by python)',
      assumptions: ['$WORLD_SIZE is not set in the environment'],
    },
  };
  return { gpn: world, nodes: absent(1, 'one process started by python'), world };
}

/**
 * slime starts Megatron's training actors through Ray (`ray job submit … -- python3 train.py …`): the actor world is
 * --actor-num-nodes × --actor-num-gpus-per-node, defaults 1 and 8 (THUDM/slime 624b824a slime/utils/arguments.py:39-41;
 * slime/ray/actor_group.py:58 `world_size = self._num_nodes * self._num_gpus_per_node`).
 */
function rayActorCounts(inv: LaunchInvocation, reports: Reports): WorldCounts {
  const option = (name: string): ShellWord | null => {
    for (let k = inv.args.length - 1; k >= 0; k--) {
      const w = inv.args[k];
      const t = w?.text ?? w?.knownPrefix ?? null;
      if (t === name) return inv.args[k + 1] ?? null;
      if (t?.startsWith(`${name}=`) && w?.text != null) return { ...w, text: w.text.slice(name.length + 1) };
    }
    return null;
  };
  const nodesWord = option('--actor-num-nodes');
  const gpnWord = option('--actor-num-gpus-per-node');
  const nodes = nodesWord
    ? readCount(nodesWord, 'Actor nodes (--actor-num-nodes)', '--actor-num-nodes', reports, false)
    : absent(1, 'slime default --actor-num-nodes 1');
  const gpn = gpnWord
    ? readCount(gpnWord, 'Actor GPUs per node (--actor-num-gpus-per-node)', '--actor-num-gpus-per-node', reports, true)
    : absent(8, 'slime default --actor-num-gpus-per-node 8');
  return { gpn, nodes, world: product(gpn, nodes, 'actor GPUs per node × actor nodes') };
}

/**
 * A launcher with an unknown option word (`python -m torch.distributed.launch $DISTRIBUTED_ARGS …` where the variable
 * is never set in the script) may get its counts from it: the launcher defaults used instead rest on that.
 */
function restOnOpaqueOptions(opaque: string, gpn: Reading, nodes: Reading, world: Reading): void {
  const assumption = `the launcher's unknown options (${opaque}) set no process or node count`;
  const defaulted = [gpn, nodes].filter((r) => r.source.status === 'default');
  if (!defaulted.length) return;
  for (const r of [...defaulted, world]) r.source.assumptions = [...(r.source.assumptions ?? []), assumption];
}

export function resolveWorld(inv: LaunchInvocation | null, bash: BashReadResult | null): WorldInfo {
  const reports: Reports = { diagnostics: [], superseded: [], slurm: bash?.slurm };
  // The innermost spawning launcher decides how many Python processes there are. An `other` launcher spawns when it
  // carries counts (accelerate, msrun); wrappers such as nsys or numactl carry none.
  let launcher: LauncherInfo | null = null;
  for (const l of inv?.launchers ?? [])
    if (SPAWNING.includes(l.kind) || (l.kind === 'other' && (l.totalProcesses || l.nodes || l.gpusPerNode)))
      launcher = l;
  const ray = inv?.launchers.some((l) => l.kind === 'ray') === true;
  const { gpn, nodes, world } =
    launcher === null && inv
      ? ray
        ? rayActorCounts(inv, reports)
        : singleProcessCounts(inv, reports)
      : launcherCounts(launcher, bash, reports);
  if (launcher?.opaque !== undefined) restOnOpaqueOptions(launcher.opaque, gpn, nodes, world);
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
  const assumptions = [...new Set([...(gpn.source.assumptions ?? []), ...(nodes.source.assumptions ?? [])])];
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
      source: {
        status: 'derived',
        note: `devices × num_nodes = ${gpn.value} × ${nodes.value}`,
        ...(assumptions.length && { assumptions }),
      },
    };
  }
  return { gpusPerNode: gpn, numNodes: nodes, worldSize: world, diagnostics: [], supersededRanges: [] };
}
