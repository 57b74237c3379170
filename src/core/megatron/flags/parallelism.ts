// Flags that decide how the model is spread over GPUs: tensor, pipeline (incl. virtual stages and uneven splits),
// context, expert and data parallelism, the distributed optimizer, FSDP and communication overlap. Rows of
// FLAG_SPECS (table.ts).
import { rowBuilders, type FlagSpec } from './spec';

const rows: FlagSpec[] = [];
const { int, str, on, off, choice, list } = rowBuilders(rows);

// ── Parallelism ──
int('--tensor-model-parallel-size', 'Tensor parallel size t.', {
  keys: ['tensorParallel'],
  default: 1,
  key: 'tensorParallel',
});
int('--model-parallel-size', 'Removed.', {
  deprecated: {
    severity: 'error',
    message: 'removed; use --tensor-model-parallel-size',
    renameTo: '--tensor-model-parallel-size',
  },
});
int('--pipeline-model-parallel-size', 'Pipeline parallel size p.', {
  keys: ['pipelineParallel'],
  default: 1,
  key: 'pipelineParallel',
});
int('--num-layers-per-virtual-pipeline-stage', 'Layers per model chunk n; v = (L/p)/n.', {
  keys: ['virtualStages', 'numLayersPerVirtualStage'],
});
int('--num-virtual-stages-per-pipeline-rank', 'Virtual pipeline stages v per rank.', { keys: ['virtualStages'] });
str('--pipeline-model-parallel-layout', 'Explicit stage layout, e.g. "E|(t|)*3,m|m||L".', { keys: ['virtualStages'] });
int('--decoder-first-pipeline-num-layers', 'Layers on the first pipeline stage (uneven PP).', {
  keys: ['decoderFirstPipelineNumLayers'],
  key: 'decoderFirstPipelineNumLayers',
  default: null,
});
int('--decoder-last-pipeline-num-layers', 'Layers on the last pipeline stage (uneven PP).', {
  keys: ['decoderLastPipelineNumLayers'],
  key: 'decoderLastPipelineNumLayers',
  default: null,
});
on('--account-for-embedding-in-pipeline-split', 'Count the embedding as one layer when splitting.', {
  keys: ['accountForEmbeddingInPipelineSplit'],
  key: 'accountForEmbeddingInPipelineSplit',
  default: false,
});
on('--account-for-loss-in-pipeline-split', 'Count the loss as one layer when splitting.', {
  keys: ['accountForLossInPipelineSplit'],
  key: 'accountForLossInPipelineSplit',
  default: false,
});
on('--standalone-embedding-stage', 'Embedding on its own stage.', {
  deprecated: {
    severity: 'warning',
    message: 'removed in 2025; use --account-for-embedding-in-pipeline-split',
    renameTo: '--account-for-embedding-in-pipeline-split',
  },
});
int('--context-parallel-size', 'Context parallel size c; s % 2c must be 0.', {
  keys: ['contextParallel'],
  default: 1,
  key: 'contextParallel',
  // DeepSpeed-Ulysses splits the sequence the same way and also divides the world before data parallelism:
  // microsoft/Megatron-DeepSpeed f4157bea megatron/arguments.py:101-108 (model_parallel_size = PP·TP·SP, DP = world /
  // that).
  fallbacks: ['--ds-sequence-parallel-size'],
});
list('--hierarchical-context-parallel-sizes', 1, 'Hierarchical CP group sizes; must multiply to c.');
list('--cp-comm-type', 1, 'CP communication: p2p, a2a, allgather, a2a+p2p.');
on('--sequence-parallel', 'Sequence parallelism (ignored when t = 1).', { keys: ['sequenceParallel'], default: false });
int('--expert-model-parallel-size', 'Expert parallel size e; E % e must be 0.', {
  keys: ['expertParallel'],
  default: 1,
  key: 'expertParallel',
});
int('--expert-tensor-parallel-size', 'Expert tensor parallel size; default t.', {
  keys: ['expertTensorParallel'],
  default: null,
});
int('--microbatch-group-size-per-virtual-pipeline-stage', 'Interleaved schedule group size; default p.', {
  keys: ['microbatchGroupSize'],
  key: 'microbatchGroupSize',
  default: null,
});
off('--no-overlap-p2p-communication', 'Disable overlapping pipeline p2p communication.');
on('--overlap-p2p-communication', 'Overlap pipeline p2p (opt-in before 2023-10; default since).');
on('--tp-comm-overlap', 'Overlap TP communication with GEMMs (needs SP).', {
  keys: ['tpCommOverlap'],
  key: 'tpCommOverlap',
  default: false,
});
choice('--distributed-backend', ['nccl', 'gloo'], 'torch.distributed backend.');
int('--distributed-timeout-minutes', 'Collective timeout.');
on('--use-distributed-optimizer', 'Shard optimizer state over the data-parallel group (ZeRO-1-like).', {
  keys: ['distributedOptimizer'],
  default: false,
});
int('--num-distributed-optimizer-instances', 'Partial distributed optimizer replicas.', {
  keys: ['numDistributedOptimizerInstances'],
  default: 1,
  key: 'numDistributedOptimizerInstances',
});
on('--overlap-grad-reduce', 'Overlap the data-parallel gradient reduce.', {
  keys: ['overlapGradReduce'],
  key: 'overlapGradReduce',
  default: false,
});
on(
  '--overlap-param-gather',
  'Overlap the parameter all-gather (needs the distributed optimizer and --overlap-grad-reduce).',
  { keys: ['overlapParamGather'], key: 'overlapParamGather', default: false },
);
on('--overlap-param-gather-with-optimizer-step', 'Overlap param gather with the optimizer step.');
on('--defer-embedding-wgrad-compute', 'Defer the embedding weight-gradient GEMM.');
on('--use-torch-fsdp2', 'Torch FSDP2 instead of DDP.', {
  keys: ['useTorchFsdp2'],
  key: 'useTorchFsdp2',
  default: false,
});
on('--use-megatron-fsdp', 'Megatron-FSDP.', { keys: ['useMegatronFsdp'], key: 'useMegatronFsdp', default: false });
str('--data-parallel-sharding-strategy', 'Megatron-FSDP sharding strategy.', {
  keys: ['dataParallelShardingStrategy'],
  key: 'dataParallelShardingStrategy',
  default: 'optim_grads_params',
});
int('--tensor-parallel-num-weight-shards', 'Weight remat shards r (total model size t·p·c·r).');
int('--ddp-bucket-size', 'DDP bucket size.', { keys: ['ddpBucketSize'], key: 'ddpBucketSize', default: null });
on('--ddp-average-in-collective', 'Average in the collective.');
on('--use-cpu-initialization', 'Initialise weights on the CPU.');
on('--cpu-offloading', 'Offload activations to the CPU.', {
  keys: ['cpuOffloading'],
  key: 'cpuOffloading',
  default: false,
});
int('--cpu-offloading-num-layers', 'Layers whose activations are offloaded.', {
  keys: ['cpuOffloadingNumLayers'],
  key: 'cpuOffloadingNumLayers',
  default: 0,
});
on('--fake-process-group', 'Profile a large world on one GPU.');

export const PARALLELISM_FLAGS: readonly FlagSpec[] = rows;
