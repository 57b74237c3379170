// World size behind every launcher and command prefix, through readLaunchConfig on fixtures written for this test.
// Each expectation comes from the launcher's own option semantics, cited at the file and line that define it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';
import type { LaunchConfigRead } from '../../../../src/core/types';
import { REPO_ROOT } from '../../../support/paths';

function load(name: string): { text: string; read: LaunchConfigRead } {
  const text = readFileSync(path.join(REPO_ROOT, 'test/fixtures/launch', name), 'utf8');
  return { text, read: readLaunchConfig(text, name) };
}

/** Detected as a launch, with the world a user sees: [GPUs per node, nodes, world]. */
function world(name: string): [number | null, number | null, number | null] {
  const { read } = load(name);
  assert.equal(read.isLaunchConfig, true, `${name} is a launch`);
  return [read.config.gpusPerNode, read.config.numNodes, read.config.worldSize];
}

const codes = (name: string): string[] => load(name).read.diagnostics.map((d) => `${d.code}/${d.severity}`);

test('uv run [options] command: the launcher behind it is seen', () => {
  // astral-sh/uv@26a9dd4 crates/uv-cli/src/lib.rs:3509 `RunArgs`: --with (-w) and --python (-p) take a value,
  // --frozen / --no-sync are switches, -m/--module makes the command a python module; the rest is the command.
  assert.deepEqual(world('prefix-uv-run.sh'), [4, 2, 8]);
  assert.deepEqual(world('prefix-uv-run-module.sh'), [8, 1, 8]);
  assert.deepEqual(codes('prefix-uv-run.sh'), []);
});

test('env with its own options (-u NAME, --chdir=DIR, -i) before NAME=value and the launcher', () => {
  // coreutils/coreutils@aa0c0de src/env.c:98 shortopts "+a:C:iS:u:v0" (u and C take a value), :111-127 longopts
  // (--unset and --chdir require one, --ignore-environment takes none).
  assert.deepEqual(world('prefix-env-options.sh'), [2, 1, 2]);
  const { read } = load('prefix-env-options.sh');
  assert.equal(read.config.gpusPerNode, 2);
});

test('nsys profile [options] wraps torchrun: the world is torchrun’s', () => {
  // nsys's profile options each take a value (-s none, -t cuda,nvtx, -o file, --force-overwrite true); NVIDIA's
  // Nsight Systems user guide is not in a public repository we can cite, so this relies on the launcher scan
  // stopping at the first launcher word rather than on nsys's option table.
  assert.deepEqual(world('prefix-nsys-profile.sh'), [8, 1, 8]);
});

test('numactl under srun: srun spawns, #SBATCH gives nodes and tasks per node', () => {
  // numactl/numactl@93c1fe5 numactl.c:51 --cpunodebind (-N) and :53 --membind (-m) take a node list (has_arg 1).
  // SchedMD/slurm@284c3b9 doc/man/man1/sbatch.1:1941 -N/--nodes, :2020 --ntasks-per-node.
  assert.deepEqual(world('prefix-numactl.sh'), [4, 2, 8]);
});

test('nohup, time, stdbuf, taskset in front of python -m torch.distributed.launch', () => {
  // torch.distributed.launch takes torchrun's options (--nproc_per_node, --nnodes; pytorch torch/distributed/run.py
  // get_args_parser); taskset's mask/list and stdbuf's -oL/-eL are its own arguments.
  assert.deepEqual(world('prefix-silent.sh'), [8, 4, 32]);
});

test('accelerate launch: --num_processes is the total over all machines', () => {
  // huggingface/accelerate@16cb6eb src/accelerate/commands/launch.py:198 "--num_processes … The total number of
  // processes", :201 "--num_machines"; src/accelerate/utils/launch.py:217 nproc_per_node = num_processes // num_machines.
  assert.deepEqual(world('accelerate-launch.sh'), [8, 2, 16]);
});

test('msrun (MindSpeed): --worker_num total, --local_worker_num per node', () => {
  // mindspore-ai/mindspore@47c6672 mindspore/python/mindspore/parallel/cluster/run.py:27 --worker_num (total, default
  // 8), :32 --local_worker_num (this node, default 8).
  assert.deepEqual(world('msrun-mindspeed.sh'), [8, 2, 16]);
});

test('deepspeed --include hosts and slots; --hostfile without --num_nodes leaves the node count unknown', () => {
  // deepspeedai/DeepSpeed@edaa722 deepspeed/launcher/runner.py:61-73 --include NODE_SPEC[@NODE_SPEC…],
  // NODE_SPEC=NAME[:SLOT[,SLOT…]]; :285-306 parse_node_config(_list). :53-59 --hostfile defines the resource pool,
  // :521-527 --num_nodes keeps the first N hosts of it, :529-533 --num_gpus the first N slots of each.
  assert.deepEqual(world('deepspeed-include.sh'), [4, 2, 8]);
  const { read } = load('deepspeed-hostfile.sh');
  assert.deepEqual([read.config.gpusPerNode, read.config.numNodes, read.config.worldSize], [8, null, null]);
  assert.match(read.sources.worldSize!.reason!, /hostfile 'hostfile'/);
});

test('$SLURM_NNODES and $SLURM_GPUS_PER_NODE take the #SBATCH values SLURM exports, with no warning', () => {
  // SchedMD/slurm@284c3b9 doc/man/man1/sbatch.1:3480 SLURM_NNODES ("Total number of nodes in the job's resource
  // allocation"), :3335 SLURM_GPUS_PER_NODE ("Only set if the --gpus-per-node option is specified").
  assert.deepEqual(world('torchrun-slurm-nnodes.sh'), [8, 4, 32]);
  assert.deepEqual(codes('torchrun-slurm-nnodes.sh'), []);
});

test('a per-node count the script leaves to the environment: 8 assumed, said in one information diagnostic', () => {
  const { text, read } = load('torchrun-env-gpus.sh');
  assert.deepEqual([read.config.gpusPerNode, read.config.numNodes, read.config.worldSize], [8, 2, 16]);
  const diags = read.diagnostics.map((d) => `${d.code}/${d.severity}`);
  assert.deepEqual(diags, ['unresolved-value/information']);
  const d = read.diagnostics[0];
  assert.equal(text.split('\n')[d.range.line].slice(d.range.column, d.range.endColumn), '$GPUS_PER_NODE');
  assert.match(d.message, /assuming 8 GPUs per node/);
  assert.match(read.sources.gpusPerNode!.note!, /assumed 8/);
});

test('mpirun -np total with -npernode: nodes follow from the total', () => {
  // mpirun(1): -np is the number of processes, -npernode the processes per node. Not checked against Open MPI's
  // source in this session (only user scripts were found); the total / per-node split is the existing reading.
  assert.deepEqual(world('mpirun-npernode.sh'), [8, 2, 16]);
});

test('ray job submit … -- python3 train.py: slime actor world = --actor-num-nodes × --actor-num-gpus-per-node', () => {
  // THUDM/slime 624b824a slime/utils/arguments.py:39-41 (defaults 1 node, 8 GPUs per node) and
  // slime/ray/actor_group.py:58 `world_size = self._num_nodes * self._num_gpus_per_node`; the entrypoint follows `--`
  // (slime scripts/run-qwen3-4B.sh:146-148).
  assert.deepEqual(world('ray-slime-actor.sh'), [4, 2, 8]);
  const { read } = load('ray-slime-actor.sh');
  assert.equal(read.dialect?.id, 'slime');
  // 8 GPUs / (TP 2 · PP 2) = DP 2; 64 / (1 · 2) = 32 microbatches.
  assert.equal(read.config.dataParallel, 2);
  assert.equal(read.config.numMicrobatches, 32);
});

test('plain python: Megatron reads $WORLD_SIZE, 1 when unset — and says it assumed so', () => {
  // Megatron-LM d98e8a64 megatron/training/arguments.py:145 `args.world_size = int(os.getenv("WORLD_SIZE", '1'))`;
  // the global batch then defaults to micro-batch × DP (arguments.py:703), so one microbatch per step.
  assert.deepEqual(world('plain-python.sh'), [1, 1, 1]);
  const { read } = load('plain-python.sh');
  assert.deepEqual(read.sources.worldSize?.assumptions, ['$WORLD_SIZE is not set in the environment']);
  assert.equal(read.config.globalBatchSize, 4);
  assert.equal(read.config.numMicrobatches, 1);
  assert.equal(world('plain-python-world-size.sh')[2], 2);
});

test('a launcher whose options hide in an unknown variable: its 1-process default is an assumption, not a fact', () => {
  // torch.distributed.launch starts one process per node without --nproc_per_node (torch/distributed/run.py
  // `--nproc-per-node` default "1"), but `${DISTRIBUTED_ARGS}` — never set here — may carry it: PP 8 over an assumed
  // world of 1 is then a warning, not an error (Megatron-LM d98e8a64 megatron/training/arguments.py:432-433).
  const { read } = load('launcher-opaque-options.sh');
  assert.equal(read.config.worldSize, 1);
  assert.match(
    read.sources.worldSize?.assumptions?.[0] ?? '',
    /^the launcher's unknown options \(.*DISTRIBUTED_ARGS.*\) set no process or node count$/,
  );
  const world = read.diagnostics.find((d) => d.code === 'world-size-not-divisible');
  assert.equal(world?.severity, 'warning');
});

test('DeepSpeed-Ulysses sequence parallelism divides the world before data parallelism', () => {
  // microsoft/Megatron-DeepSpeed f4157bea megatron/arguments.py:101-108: model_parallel_size = PP · TP ·
  // ds_sequence_parallel_size, asserted to divide the world, and DP = world / model_parallel_size.
  const text =
    'deepspeed --num_gpus 8 pretrain_gpt.py --num-layers 24 --hidden-size 2048 --num-attention-heads 16 ' +
    '--seq-length 32768 --max-position-embeddings 32768 --micro-batch-size 1 --global-batch-size 8 --deepspeed ' +
    '--tensor-model-parallel-size 1 --pipeline-model-parallel-size 1 --ds-sequence-parallel-size 4\n';
  const read = readLaunchConfig(text, 'ds_pretrain_gpt_1.3B_seq_parallel_32k.sh');
  assert.equal(read.config.contextParallel, 4);
  assert.equal(read.config.dataParallel, 2); // 8 / (1 · 1 · 4)
  assert.equal(read.config.numMicrobatches, 4); // 8 / (1 · 2)
});
