// What a rank does after its last backward: the data-parallel gradient reduction (reduce-scatter + all-gather under
// the distributed optimizer, else one all-reduce; overlapped with the last microbatch's backward under
// --overlap-grad-reduce) and the optimizer step.
import type { ChunkPlacement } from '../placement';
import type { VirtualStage } from '../../model/layout';
import { localParamsPerRank } from '../../model/params';
import type { ModelShape } from '../../model/shape';
import type { GpuProfile } from '../../types';
import type { CostConstants } from './constants';
import { linkOf, ringMs, type KernelRates } from './kernels';

/** The run's flags the step time depends on beyond the model shape (RunConfig fields; null = Megatron's default). */
export interface CostRunFlags {
  tpCommOverlap: boolean;
  overlapGradReduce: boolean;
  overlapParamGather: boolean;
  /** Bytes per gradient element in the DP reduction. */
  gradBytes: number;
  /** Elements per DDP bucket (null: Megatron's max(40M, 1M·dp)). */
  bucketElements: number | null;
  /** The GEMMs run in FP8 (--fp8-format). */
  fp8: boolean;
  /**
   * Each TP rank sends 1/t of a p2p message and the receivers all-gather it: the pre-Core p2p path of the local layer
   * (Megatron-DeepSpeed megatron/p2p_communication.py:51, on unless --no-scatter-gather-tensors-in-pipeline).
   */
  p2pScatterGather: boolean;
  /**
   * The interleaved schedule overlaps its p2p with compute, so a send does not hold its rank: Megatron's
   * overlap_p2p_comm, on by default and forced off for non-interleaved schedules (megatron/training/arguments.py of
   * the Zero Bubble fork, lines 281–303 and 1439). RunConfig.interleavedMinPipeline = 2 says the file's Megatron has it.
   */
  p2pOverlap: boolean;
  /** Which rank holds which virtual stage (placement.ts); absent = interleaved. */
  chunkPlacement?: ChunkPlacement;
  /** DualPipe: virtual stage p + x is model stage x again (model/layout.ts bidirectionalLayout); absent = false. */
  bidirectional?: boolean;
}

export const NO_RUN_FLAGS: CostRunFlags = {
  tpCommOverlap: false,
  overlapGradReduce: false,
  overlapParamGather: false,
  gradBytes: 4,
  bucketElements: null,
  fp8: false,
  p2pScatterGather: false,
  p2pOverlap: false,
};

export interface AfterFlush {
  /** Exposed DP communication per rank, ms. */
  dpMsPerRank: Float64Array;
  /** Gradient bytes one GPU of each rank reduces over DP (the memory model's gradient bytes of the same rank). */
  dpGradBytesPerRank: Float64Array;
  optimizerMsPerRank: Float64Array;
  dpInterNode: boolean;
}

/**
 * Per rank: grads of dense parameters reduce over DP × CP, expert grads over the expert-data-parallel group. With
 * --overlap-grad-reduce the buckets reduce while the last microbatch's backward runs (Megatron disables grad sync on
 * the others): only what that backward does not cover, and at least the last bucket, is exposed; likewise the
 * parameter all-gather under --overlap-param-gather hides behind the next step's first forward.
 */
export function afterFlush(
  mdl: ModelShape,
  layout: VirtualStage[],
  gpusPerNode: number,
  gpu: GpuProfile,
  c: CostConstants,
  rates: KernelRates,
  flags: CostRunFlags,
  lastBackwardMsPerRank: Float64Array,
  firstForwardMsPerRank: Float64Array,
): AfterFlush {
  const dpRanks = mdl.dp * mdl.cp;
  const dpInterNode = mdl.tp * mdl.cp * mdl.dp > gpusPerNode;
  // DP ranks are t·c apart (ranks ordered TP, CP, DP); expert-DP ranks etp·ep apart.
  const link = linkOf(gpu, c, dpInterNode, Math.min(mdl.dp, gpusPerNode / (mdl.tp * mdl.cp)));
  const expertStride = mdl.etp * mdl.ep;
  const expertLink = linkOf(
    gpu,
    c,
    expertStride * mdl.expertDp > gpusPerNode,
    Math.min(mdl.expertDp, gpusPerNode / expertStride),
  );
  const dpMsPerRank = new Float64Array(mdl.pp);
  const dpGradBytesPerRank = new Float64Array(mdl.pp);
  const optimizerMsPerRank = new Float64Array(mdl.pp);
  const bucket = flags.bucketElements ?? Math.max(40e6, 1e6 * mdl.dp);
  const shard = (ranks: number): number => (mdl.distributedOptimizer ? Math.max(1, ranks / mdl.distOptInstances) : 1);
  localParamsOf(mdl, layout).forEach((local, r) => {
    const params = local.dense + local.expert;
    dpGradBytesPerRank[r] = params * flags.gradBytes;
    const reduce = (n: number, ranks: number, l: typeof link): { grads: number; params: number } =>
      mdl.distributedOptimizer
        ? { grads: ringMs(n * flags.gradBytes, ranks, 'half', l), params: ringMs(n * c.paramBytes, ranks, 'half', l) }
        : { grads: ringMs(n * flags.gradBytes, ranks, 'all-reduce', l), params: 0 };
    const dense = reduce(local.dense, dpRanks, link);
    const expert = reduce(local.expert, mdl.expertDp, expertLink);
    const grads = dense.grads + expert.grads;
    const gather = dense.params + expert.params;
    const lastBucket = (ms: number): number => (params > 0 ? ms * Math.min(1, bucket / params) : 0);
    const gradsExposed = flags.overlapGradReduce
      ? Math.max(lastBucket(grads), grads - (lastBackwardMsPerRank[r] ?? 0))
      : grads;
    const gatherExposed =
      flags.overlapParamGather && mdl.distributedOptimizer
        ? Math.max(lastBucket(gather), gather - (firstForwardMsPerRank[r] ?? 0))
        : gather;
    dpMsPerRank[r] = gradsExposed + gatherExposed;
    // Adam on the parameters this GPU updates: all of them, or its shard under the distributed optimizer.
    const updated = local.dense / shard(dpRanks) + local.expert / shard(mdl.expertDp);
    optimizerMsPerRank[r] = (updated * c.optimizerBytesPerParam) / rates.hbmBytesPerMs;
  });
  return { dpMsPerRank, dpGradBytesPerRank, optimizerMsPerRank, dpInterNode };
}

/**
 * Parameters per rank of a layout, counted once per layout object (costModel.ts builds one per shape and v, and its
 * tables for every k and backward split read the same counts): walking every rank's layers was ~40 % of building a
 * schedule's cost tables.
 */
const paramsByLayout = new WeakMap<readonly VirtualStage[], ReturnType<typeof localParamsPerRank>>();

export function localParamsOf(mdl: ModelShape, layout: readonly VirtualStage[]): ReturnType<typeof localParamsPerRank> {
  let counts = paramsByLayout.get(layout);
  // The layout is of this shape (costModel.ts layoutOf keys it by the shape): the counts depend on nothing else.
  if (!counts) paramsByLayout.set(layout, (counts = localParamsPerRank(mdl, layout)));
  return counts;
}
