// Static memory per pipeline rank: what weights, gradients and optimizer state cost in bytes. Follows megatron.md
// §3.1, but from the real layer assignment (model/layout: uneven PP, account-for flags, VPP chunks) instead of
// Megatron's "first stage of an even split" shortcut, and with the corrections listed there (shard group dp·cp /
// instances, --grad-reduce-in-bf16, biases, learned position embeddings, GQA with g < t). The parameter counts
// themselves are model/params.ts, shared with the cost model; bytes per parameter are precision.ts, the sharding and
// its temporary buffers sharding.ts.
import { largestLayerLocalParams } from '../model/params';
import { localParamsOf } from '../schedule/cost/afterFlush';
import { layoutOf } from '../schedule/costModel';
import type { ModelShape } from '../model/shape';
import { bytesPerParam, lowPrecisionWeightBytes } from './precision';
import { shardPlan, transientBytes } from './sharding';

export interface StaticMemory {
  rank: number;
  /** Parameters on one GPU of this rank (after TP/EP division). */
  denseParams: number;
  expertParams: number;
  /** Weights, including the cached FP8/FP4 copies and the FSDP / ZeRO-3 all-gathered layers (paramGatherBytes). */
  weightsBytes: number;
  /** Gradients, including the buckets ZeRO-2/3 and FSDP hold outside the gradient buffer (gradBucketBytes). */
  gradsBytes: number;
  /** Optimizer state kept on the GPU (the --optimizer-offload-fraction share lives on the CPU). */
  optimizerBytes: number;
  /** Of weightsBytes: parameters all-gathered for compute at the activation peak (FSDP, ZeRO-3). */
  paramGatherBytes: number;
  /** Of gradsBytes: gradient buckets outside the gradient buffer (ZeRO-2/3 IPG bucket, FSDP unsharded grads). */
  gradBucketBytes: number;
}

/** Weights, grads and optimizer state per pipeline rank. */
export function staticMemoryPerRank(
  shape: ModelShape,
  virtualStages: number,
  vShape = false,
  bidirectional = false,
): StaticMemory[] {
  // DualPipe (bidirectional): every rank holds two whole model stages, 2× the parameters (layout.ts).
  // The cost model's counts of the same layout (one walk over the layers per shape and v).
  const locals = localParamsOf(shape, layoutOf(shape, virtualStages, vShape, bidirectional));
  const bpp = bytesPerParam(shape);
  const lowWeight = lowPrecisionWeightBytes(shape);
  const plan = shardPlan(shape);
  const largestLayer = largestLayerLocalParams(shape);
  const gpuOptimizer = shape.storage.optimizerGpuFraction;
  return locals.map((local, rank) => {
    // Weights of FP8/FP4 linear layers cost lowWeight instead of bpp.weight; the rest keep the parameter dtype.
    const denseWeight = (local.dense - local.lowPrecisionDense) * bpp.weight + local.lowPrecisionDense * lowWeight;
    const expertWeight = (local.expert - local.lowPrecisionExpert) * bpp.weight + local.lowPrecisionExpert * lowWeight;
    const transients = transientBytes(shape, plan, local.dense + local.expert, largestLayer, bpp);
    return {
      rank,
      denseParams: local.dense,
      expertParams: local.expert,
      weightsBytes: denseWeight / plan.weight.dense + expertWeight / plan.weight.expert + transients.paramGatherBytes,
      gradsBytes:
        (local.dense * bpp.grad) / plan.grad.dense +
        (local.expert * bpp.grad) / plan.grad.expert +
        transients.gradBucketBytes,
      optimizerBytes:
        gpuOptimizer *
        ((local.dense * bpp.optimizer) / plan.optimizer.dense + (local.expert * bpp.optimizer) / plan.optimizer.expert),
      paramGatherBytes: transients.paramGatherBytes,
      gradBucketBytes: transients.gradBucketBytes,
    };
  });
}
