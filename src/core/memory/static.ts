// Static memory per pipeline rank: what weights, gradients and optimizer state cost in bytes. Follows megatron.md
// §3.1, but from the real layer assignment (model/layout: uneven PP, account-for flags, VPP chunks) instead of
// Megatron's "first stage of an even split" shortcut, and with the corrections listed there (shard group dp·cp /
// instances, --grad-reduce-in-bf16, biases, learned position embeddings, GQA with g < t). The parameter counts
// themselves are model/params.ts, shared with the cost model.
import type { Precision } from '../types';
import { layerLayout } from '../model/layout';
import { localParamsPerRank } from '../model/params';
import type { ModelShape } from '../model/shape';

export interface BytesPerParam {
  weight: number;
  grad: number;
  optimizer: number;
}

/**
 * Mixed-precision Adam as in Megatron's distributed-optimizer guide: bf16 2 + fp32 grad 4 + (fp32 master 4 + m 4 +
 * v 4) = 18; fp16 keeps 2-byte grads but an extra fp32 grad copy in the optimizer (20); fp32 has no master copy (16).
 * The distributed optimizer shards only the optimizer part over `shardGroup` ranks.
 */
export function bytesPerParam(
  precision: Precision,
  distributedOptimizer: boolean,
  gradReduceInBf16: boolean,
  shardGroup: number,
): BytesPerParam {
  const shard = distributedOptimizer ? Math.max(1, shardGroup) : 1;
  if (precision === 'fp16') return { weight: 2, grad: 2, optimizer: 16 / shard };
  if (precision === 'fp32') return { weight: 4, grad: 4, optimizer: 8 / shard };
  return { weight: 2, grad: gradReduceInBf16 ? 2 : 4, optimizer: 12 / shard };
}

export interface StaticMemory {
  rank: number;
  /** Parameters on one GPU of this rank (after TP/EP division). */
  denseParams: number;
  expertParams: number;
  weightsBytes: number;
  gradsBytes: number;
  optimizerBytes: number;
}

/** Weights, grads and optimizer state per pipeline rank. */
export function staticMemoryPerRank(shape: ModelShape, virtualStages: number): StaticMemory[] {
  const locals = localParamsPerRank(shape, layerLayout(shape, virtualStages));
  const denseBpp = bytesPerParam(
    shape.precision,
    shape.distributedOptimizer,
    shape.gradReduceInBf16,
    (shape.dp * shape.cp) / shape.distOptInstances,
  );
  const expertBpp = bytesPerParam(
    shape.precision,
    shape.distributedOptimizer,
    shape.gradReduceInBf16,
    shape.expertDp / shape.distOptInstances,
  );
  return locals.map((local, rank) => ({
    rank,
    denseParams: local.dense,
    expertParams: local.expert,
    weightsBytes: local.dense * denseBpp.weight + local.expert * expertBpp.weight,
    gradsBytes: local.dense * denseBpp.grad + local.expert * expertBpp.grad,
    optimizerBytes: local.dense * denseBpp.optimizer + local.expert * expertBpp.optimizer,
  }));
}
