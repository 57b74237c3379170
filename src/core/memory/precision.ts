// Bytes per parameter before sharding: the model weight, its gradient and the optimizer's state, as Megatron-LM
// (or DeepSpeed ZeRO) stores them for the run's precision flags. Sharding divides these (sharding.ts).
import type { ModelShape } from '../model/shape';

/** Bytes one parameter costs, before any sharding. */
export interface BytesPerParam {
  weight: number;
  grad: number;
  optimizer: number;
}

/**
 * Bytes of the cached low-precision copy of a linear weight (Transformer Engine keeps it across the microbatches of
 * a step: Megatron passes is_first_microbatch, megatron/core/extensions/transformer_engine.py:1338-1345, and TE caches
 * the quantized weight as workspace "weight", transformer_engine/pytorch/module/linear.py:1958). Training needs it
 * row-wise for the forward and column-wise for the backward (linear.py:465-470), so two copies: FP8 is 1 byte each,
 * MXFP8 adds an E8M0 scale per 32 values, FP8 blockwise an fp32 scale per 128, NVFP4 is half a byte plus an E4M3
 * scale per 16.
 */
function lowPrecisionCopyBytes(lowPrecision: NonNullable<ModelShape['storage']['lowPrecision']>): number {
  if (lowPrecision.format === 'fp4') return 2 * (0.5 + 1 / 16);
  switch (lowPrecision.recipe) {
    case 'mxfp8':
      return 2 * (1 + 1 / 32);
    case 'blockwise':
      return 2 * (1 + 4 / 128);
    default:
      return 2; // delayed, tensorwise: one scale per tensor
  }
}

/**
 * Gradient bytes. Megatron-LM arguments.py:1204-1216 (d98e8a64): bf16 accumulates and reduces gradients in fp32
 * unless --grad-reduce-in-bf16 or a non-fp32 --main-grads-dtype (precision-aware optimizer); fp16 keeps 16-bit
 * gradients unless --accumulate-allreduce-grads-in-fp32. DeepSpeed ZeRO accumulates in the parameter dtype unless its
 * JSON sets data_types.grad_accum_dtype (deepspeed/runtime/engine.py:1492-1493 at edaa7221), which we do not read.
 */
function gradBytes(shape: ModelShape): number {
  const s = shape.storage;
  if (shape.precision === 'fp32') return 4;
  if (s.zeroStage !== null && s.zeroStage >= 1) return 2;
  if (shape.precision === 'fp16') return s.accumulateGradsInFp32 ? 4 : 2;
  if (shape.gradReduceInBf16) return 2;
  return s.precisionAware ? s.precisionAware.mainGrads : 4;
}

/**
 * Optimizer-state bytes (unsharded). Megatron's distributed-optimizer guide: mixed-precision Adam keeps an fp32
 * master copy and two fp32 moments (12); fp16 without fp32 gradient accumulation also keeps an fp32 copy of the
 * gradient (16); fp32 has no master copy (8). SGD keeps one momentum buffer instead of two moments. DeepSpeed ZeRO:
 * K = 12 (Rajbhandari et al. 2020, §5.1). The precision-aware optimizer (TE FusedAdam) keeps the master weights
 * and moments in the chosen dtypes; with bf16 weights and fp32 master weights it stores only the 16-bit remainder
 * (optimizer_config.py:192 store_param_remainders = True; distrib_optimizer.py:1007-1009), except for FP8 recipes
 * other than delayed, where Megatron keeps the fp32 master weights itself (optimizer_config.py:407-414).
 */
function optimizerBytes(shape: ModelShape): number {
  const s = shape.storage;
  const moments = s.optimizer === 'sgd' ? 1 : 2;
  if (shape.precision === 'fp32') return 4 * moments;
  const pa = s.precisionAware;
  if (pa && s.zeroStage === null) {
    const lp = s.lowPrecision;
    const teMaster = pa.mainParams !== 4 || lp === null || lp.recipe === 'delayed' || s.optimizerCpuOffload;
    const master = teMaster && shape.precision === 'bf16' && pa.mainParams === 4 ? 2 : pa.mainParams;
    return master + pa.expAvg + (moments === 2 ? pa.expAvgSq : 0);
  }
  const fp32GradCopy = shape.precision === 'fp16' && !s.accumulateGradsInFp32 && s.zeroStage === null ? 4 : 0;
  return 4 + 4 * moments + fp32GradCopy;
}

/** Bytes per parameter of a run, before sharding (weights of FP8/FP4 layers: lowPrecisionWeightBytes). */
export function bytesPerParam(shape: ModelShape): BytesPerParam {
  return {
    weight: shape.precision === 'fp32' ? 4 : 2,
    grad: gradBytes(shape),
    optimizer: optimizerBytes(shape),
  };
}

/**
 * Weight bytes of a linear weight in an FP8/FP4 layer: the bf16 parameter plus its cached low-precision copies, or,
 * with --fp8-param-gather / --fp4-param-gather, the low-precision parameter alone (Megatron then keeps no bf16
 * copy; TE builds the column-wise form from it for the backward, so both forms are counted).
 */
export function lowPrecisionWeightBytes(shape: ModelShape): number {
  const lp = shape.storage.lowPrecision;
  const base = shape.precision === 'fp32' ? 4 : 2;
  if (!lp) return base;
  return (lp.paramGather ? 0 : base) + lowPrecisionCopyBytes(lp);
}
