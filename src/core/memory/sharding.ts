// Which data-parallel scheme shards which part of the static memory, over how many ranks, and the temporary
// buffers it holds at the activation peak (the backward pass): Megatron's distributed optimizer, Megatron-FSDP,
// torch FSDP2 and DeepSpeed ZeRO 1/2/3.
import type { ModelShape } from '../model/shape';

/** Ranks one term is divided over, for dense and for expert parameters (1: held whole). */
interface Split {
  dense: number;
  expert: number;
}

export interface ShardPlan {
  scheme: 'ddp' | 'distributed-optimizer' | 'megatron-fsdp' | 'torch-fsdp2' | 'zero';
  weight: Split;
  grad: Split;
  optimizer: Split;
}

const WHOLE: Split = { dense: 1, expert: 1 };

/**
 * DeepSpeed ZeRO defaults (deepspeed/runtime/zero/config.py at edaa7221): reduce_bucket_size 5e8 (:113),
 * stage3_prefetch_bucket_size 5e7 (:215), stage3_max_live_parameters 1e9 (:238). The launch file's JSON may change
 * them; we do not read it, so these are assumed.
 */
const ZERO_REDUCE_BUCKET = 5e8;
const ZERO3_PREFETCH = 5e7;
const ZERO3_MAX_LIVE = 1e9;
/** Megatron-FSDP's smallest communication unit in elements (megatron_fsdp.py:438-441). */
const MEGATRON_FSDP_MIN_UNIT = 1e9;

/**
 * The sharding of weights, gradients and optimizer state. Groups: dense parameters shard over dp·cp (the
 * distributed optimizer's group, divided by --num-distributed-optimizer-instances), routed experts over the expert
 * data-parallel group world/(etp·ep·pp) (Megatron-Core parallel_state expert grid; DeepSpeed's expert data-parallel
 * group pp_stride/ep, deepspeed/utils/groups.py:350-368).
 */
export function shardPlan(shape: ModelShape): ShardPlan {
  const s = shape.storage;
  const instances = Math.max(1, shape.distOptInstances);
  const group: Split = {
    dense: Math.max(1, (shape.dp * shape.cp) / instances),
    expert: Math.max(1, shape.expertDp / instances),
  };
  if (s.fsdp === 'torch') return { scheme: 'torch-fsdp2', weight: group, grad: group, optimizer: group };
  if (s.fsdp === 'megatron') {
    // Megatron-FSDP --data-parallel-sharding-strategy (arguments.py; default optim_grads_params): each step adds
    // one more term to the shard, no_shard shards nothing.
    const strategy = s.fsdpStrategy;
    const optim = strategy !== 'no_shard';
    const grads = strategy === 'optim_grads' || strategy === 'optim_grads_params';
    const params = strategy === 'optim_grads_params';
    return {
      scheme: 'megatron-fsdp',
      weight: params ? group : WHOLE,
      grad: grads ? group : WHOLE,
      optimizer: optim ? group : WHOLE,
    };
  }
  if (s.zeroStage !== null && s.zeroStage >= 1) {
    // ZeRO stage 1 partitions optimizer state, 2 also gradients, 3 also parameters (Rajbhandari et al. 2020, §5).
    return {
      scheme: 'zero',
      weight: s.zeroStage >= 3 ? group : WHOLE,
      grad: s.zeroStage >= 2 ? group : WHOLE,
      optimizer: group,
    };
  }
  if (shape.distributedOptimizer)
    return { scheme: 'distributed-optimizer', weight: WHOLE, grad: WHOLE, optimizer: group };
  return { scheme: 'ddp', weight: WHOLE, grad: WHOLE, optimizer: WHOLE };
}

/** Temporary buffers alive during the backward pass, in bytes on one GPU. */
interface Transients {
  /** Parameters all-gathered for compute (FSDP / ZeRO-3): the unit in use and the one prefetched. */
  paramGatherBytes: number;
  /** Gradient buckets outside the gradient buffer (ZeRO's IPG bucket, FSDP's unsharded gradients before reduce). */
  gradBucketBytes: number;
}

/**
 * The buffers each scheme adds at the activation peak. Megatron DDP and the distributed optimizer add none: the
 * buckets (--ddp-bucket-size, default max(40M, 1M·dp), distributed_data_parallel.py:133-137) are views into one
 * contiguous gradient buffer, and the parameter all-gather (--overlap-param-gather) writes into the parameter buffer
 * the weights live in (param_and_grad_buffer.py). DeepSpeed ZeRO-2 copies gradients into an IPG bucket of
 * reduce_bucket_size elements (stage_1_and_2.py:2502-2513; a second one with overlap_comm, which defaults on only for
 * stage 3, config.py:383-386) on top of its full 16-bit weights; ZeRO-3 keeps one bucket (stage3.py:733) and only
 * the layer in use plus a 5e7-element prefetch. That is why a ZeRO-2 run can peak above the same run on ZeRO-3.
 * FSDP gathers a layer's full weights for compute and prefetches ahead, and holds unsharded gradients until their
 * reduce-scatter (sizes below).
 */
export function transientBytes(
  shape: ModelShape,
  plan: ShardPlan,
  localParams: number,
  largestLayerParams: number,
  bytes: { weight: number; grad: number },
): Transients {
  const s = shape.storage;
  if (plan.scheme === 'zero' && s.zeroStage !== null) {
    const bucket = s.zeroStage >= 2 ? Math.min(ZERO_REDUCE_BUCKET, localParams) * bytes.grad : 0;
    const live =
      s.zeroStage >= 3 ? Math.min(ZERO3_MAX_LIVE, largestLayerParams + ZERO3_PREFETCH, localParams) * bytes.weight : 0;
    return { paramGatherBytes: live, gradBucketBytes: bucket };
  }
  if (plan.scheme === 'megatron-fsdp') {
    // Megatron-FSDP sizes its communication unit as twice an FSDP unit (a layer), at least 1e9 elements
    // (megatron_fsdp.py:420-444 at d98e8a64: `max(1_000_000_000, …)`); it prefetches all-gathers up to half a unit
    // beyond the layer in use and queues unsharded gradients for reduce-scatter up to a whole unit.
    const unit = Math.max(MEGATRON_FSDP_MIN_UNIT, 2 * largestLayerParams);
    return {
      paramGatherBytes: plan.weight.dense > 1 ? Math.min(localParams, largestLayerParams + unit / 2) * bytes.weight : 0,
      gradBucketBytes: plan.grad.dense > 1 ? Math.min(localParams, unit) * bytes.grad : 0,
    };
  }
  if (plan.scheme === 'torch-fsdp2') {
    // FSDP2 gathers the module in use and prefetches the next one; each module's gradients are reduce-scattered
    // after its backward: two layers of each (assumed).
    const units = Math.min(2 * largestLayerParams, localParams);
    return { paramGatherBytes: units * bytes.weight, gradBucketBytes: units * bytes.grad };
  }
  return { paramGatherBytes: 0, gradBucketBytes: 0 };
}
