// Issue 13, "never silently ignored": a flag that moves memory either changes the estimate or gets a `not-modelled`
// hint on its own line saying what the estimate leaves out. NOT_MODELLED is the one table of such flags; MODELLED
// lists the memory flags the estimate does read, with the RunConfig fields through which it reads them (a test checks
// that every memory flag of megatron-flags/relevant-flags.tsv is in exactly one of the two).
import type { ConfigKey } from '../../types';
import type { FlagSetting } from '../interpret';
import { code, type Rule } from './rule';

export interface NotModelledEntry {
  /** What the estimate leaves out, said after "the memory estimate does not count …". */
  leftOut: string;
  /** The setting changes nothing (a value that turns the feature off); absent: any occurrence but a negation counts. */
  inert?: (setting: FlagSetting) => boolean;
}

const value = (s: FlagSetting): string => (s.values?.[0] ?? '').toLowerCase();
const zero = (s: FlagSetting): boolean => s.values !== null && Number(s.values[0]) === 0;

/** Memory flags the estimate does not follow, and what it leaves out for each. */
export const NOT_MODELLED: ReadonlyMap<string, NotModelledEntry> = new Map<string, NotModelledEntry>([
  // ── Activations and their temporaries ──
  [
    '--fine-grained-activation-offloading',
    { leftOut: 'the activations of --offload-modules moved to the CPU (the estimate keeps them on the GPU)' },
  ],
  ['--offload-modules', { leftOut: 'which modules fine-grained offloading moves to the CPU' }],
  ['--activation-offload-fraction', { leftOut: 'the share of activations offloaded to the CPU' }],
  ['--delay-wgrad-compute', { leftOut: 'the inputs of the weight-gradient GEMMs kept until their delayed wgrad runs' }],
  [
    '--cuda-graph-impl',
    { leftOut: "CUDA graphs' static input/output buffers and private memory pool", inert: (s) => value(s) === 'none' },
  ],
  ['--cuda-graph-scope', { leftOut: 'the static buffers of the CUDA-graphed parts' }],
  // The current spelling of --cuda-graph-scope (Megatron-LM arguments.py:2047-2059 at d98e8a64: the old one is hidden).
  ['--cuda-graph-modules', { leftOut: 'the static buffers of the CUDA-graphed parts' }],
  ['--enable-cuda-graph', { leftOut: "CUDA graphs' static input/output buffers and private memory pool" }],
  [
    '--empty-unused-memory-level',
    { leftOut: 'the cached blocks it frees (reserved memory is estimated as without it)', inert: zero },
  ],
  ['--tensor-parallel-num-weight-shards', { leftOut: 'the weight shards rematerialised for the TP GEMMs' }],
  // ── MoE token dispatch ──
  [
    '--moe-token-dispatcher-type',
    {
      // The all-to-all dispatchers' buffers (alltoall, and alltoall_seq of older Megatron-Core and MindSpeed) hold
      // the rank's own routed copies, the size of what the estimate keeps for backward; allgather's gathered tokens
      // are counted (memory/activations.ts moeAllGatherBytes). Only flex is left: DeepEP/HybridEP size their
      // NVLink/RDMA buffers from the library's own size hints (fused_a2a.py:47-68 at d98e8a64), not from Megatron.
      leftOut: "the flex dispatcher's DeepEP/HybridEP communication buffers",
      inert: (s) => value(s).startsWith('alltoall') || value(s) === 'allgather',
    },
  ],
  ['--moe-enable-deepep', { leftOut: "DeepEP's NVLink/RDMA communication buffers" }],
  ['--moe-flex-dispatcher-backend', { leftOut: "the flex dispatcher backend's communication buffers" }],
  ['--moe-paged-stash', { leftOut: 'the paged stash of MoE activations' }],
  [
    '--moe-latent-size',
    { leftOut: "the experts' latent projection (their parameters and activations are counted at full width)" },
  ],
]);

/**
 * Memory flags whose effect is on the host only, so the per-GPU estimate is right to ignore them, with the code that
 * shows it (Megatron-LM d98e8a64).
 */
export const HOST_ONLY: ReadonlyMap<string, string> = new Map<string, string>([
  [
    '--overlap-cpu-optimizer-d2h-h2d',
    // HybridDeviceOptimizer (megatron/core/optimizer/cpu_offloading/hybrid_optimizer.py): with the overlap it builds
    // one CPU optimizer per parameter (:204-208) and runs the copies on two extra CUDA streams (:219-221); the
    // gradients go into pinned host tensors (:108-114) and the updated parameters straight back into the GPU
    // parameters' storage (:119-127). No GPU tensor is allocated for it.
    'the copies go between existing GPU tensors and pinned host memory on side streams',
  ],
]);

/** Memory flags the estimate reads, with the RunConfig fields memory/ or model/ read them through. */
export const MODELLED: ReadonlyMap<string, readonly ConfigKey[]> = new Map<string, readonly ConfigKey[]>([
  ['--cpu-offloading', ['cpuOffloading']],
  ['--cpu-offloading-num-layers', ['cpuOffloadingNumLayers']],
  ['--distribute-saved-activations', ['distributeSavedActivations']],
  ['--grad-reduce-in-bf16', ['gradReduceInBf16']],
  ['--num-distributed-optimizer-instances', ['numDistributedOptimizerInstances']],
  ['--recompute-activations', ['recomputeGranularity']],
  ['--recompute-granularity', ['recomputeGranularity']],
  ['--recompute-method', ['recomputeMethod']],
  ['--recompute-modules', ['recomputeModules']],
  ['--recompute-num-layers', ['recomputeNumLayers']],
  ['--use-distributed-optimizer', ['distributedOptimizer']],
  ['--microbatch-group-size-per-virtual-pipeline-stage', ['microbatchGroupSize']],
  // Activations of multi-latent attention and multi-token prediction (memory/activations.ts); their parameters are
  // model/params.ts.
  ['--multi-latent-attention', ['multiLatentAttention']],
  ['--q-lora-rank', ['qLoraRank']],
  ['--kv-lora-rank', ['kvLoraRank']],
  ['--qk-head-dim', ['qkHeadDim']],
  ['--qk-pos-emb-head-dim', ['qkPosEmbHeadDim']],
  ['--v-head-dim', ['vHeadDim']],
  ['--mtp-num-layers', ['mtpNumLayers']],
  // Sharding, buffers and optimizer storage: ModelShape.storage, read by memory/static.ts, precision.ts, sharding.ts
  // (part A of issue 13).
  ['--optimizer-cpu-offload', ['optimizerCpuOffload']],
  ['--optimizer-offload-fraction', ['optimizerOffloadFraction']],
  ['--overlap-grad-reduce', ['overlapGradReduce']],
  ['--overlap-param-gather', ['overlapParamGather']],
  ['--ddp-bucket-size', ['ddpBucketSize']],
  ['--use-megatron-fsdp', ['useMegatronFsdp']],
  ['--data-parallel-sharding-strategy', ['dataParallelShardingStrategy']],
  ['--use-torch-fsdp2', ['useTorchFsdp2']],
  ['--use-precision-aware-optimizer', ['usePrecisionAwareOptimizer']],
  ['--main-grads-dtype', ['mainGradsDtype']],
  ['--main-params-dtype', ['mainParamsDtype']],
  ['--exp-avg-dtype', ['expAvgDtype']],
  ['--exp-avg-sq-dtype', ['expAvgSqDtype']],
  ['--fp8-recipe', ['fp8Recipe']],
  ['--fp8-param-gather', ['fp8ParamGather']],
  ['--first-last-layers-bf16', ['firstLastLayersBf16']],
  ['--num-layers-at-start-in-bf16', ['numLayersAtStartInBf16']],
  ['--fp4-format', ['fp4Format']],
  ['--moe-expert-capacity-factor', ['moeExpertCapacityFactor']],
  ['--moe-pad-expert-input-to-capacity', ['moePadExpertInputToCapacity']],
  ['--no-create-attention-mask-in-dataloader', ['dataloaderAttentionMask']],
  ['--overlap-moe-expert-parallel-comm', ['overlapMoeExpertParallelComm']],
  // Transformer Engine's userbuffers, non-PyTorch memory (memory/overheads.ts userbufferBytes).
  ['--tp-comm-overlap', ['tpCommOverlap']],
]);

export const notModelledRule: Rule = {
  family: 'notModelled',
  codes: [code('not-modelled', 'hint')],
  check(ctx) {
    for (const [flag, entry] of NOT_MODELLED) {
      const s = ctx.settings.get(flag);
      if (!s || s.bool === false || (entry.inert?.(s) ?? false)) continue;
      ctx.push({
        code: 'not-modelled',
        severity: 'hint',
        message: `${s.spelling}: the memory estimate does not count ${entry.leftOut}`,
        range: s.nameRange,
      });
    }
  },
};
