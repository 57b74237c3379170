// Flags that decide what each layer keeps and in which number format: activation recompute and precision
// (bf16/fp16/fp8, loss scaling, optimizer-state dtypes). Rows of FLAG_SPECS (table.ts).
import { rowBuilders, type FlagSpec } from './spec';

const rows: FlagSpec[] = [];
const { int, flt, str, on, choice, list } = rowBuilders(rows);

// ── Recompute ──
choice('--recompute-granularity', ['full', 'selective'], 'Activation recompute mode.', {
  keys: ['recomputeGranularity'],
  default: null,
});
choice('--recompute-method', ['uniform', 'block'], 'Full recompute: uniform chunks or the first N layers per stage.', {
  keys: ['recomputeMethod'],
  default: null,
});
int('--recompute-num-layers', 'Layers per recompute chunk (uniform) or recomputed layers per stage (block).', {
  keys: ['recomputeNumLayers'],
  default: null,
});
on('--recompute-activations', 'Same as --recompute-granularity selective.', { keys: ['recomputeGranularity'] });
list('--recompute-modules', 1, 'What selective recompute covers (core_attn, mlp, moe, moe_act, layernorm, …).', {
  keys: ['recomputeModules'],
  default: ['core_attn'],
});
on('--distribute-saved-activations', 'Split checkpointed inputs across TP.', {
  keys: ['distributeSavedActivations'],
  key: 'distributeSavedActivations',
  default: false,
});
choice('--activations-checkpoint-method', ['uniform', 'block'], 'Old name of --recompute-method.', {
  keys: ['recomputeMethod'],
  deprecated: { severity: 'warning', message: 'renamed to --recompute-method in 2022', renameTo: '--recompute-method' },
});
// Megatron-LM exits on this flag; Megatron-DeepSpeed uses it for full recompute. The resolver picks by dialect.
on('--checkpoint-activations', 'Full activation checkpointing (Megatron-DeepSpeed); Megatron-LM exits on it.', {
  keys: ['recomputeGranularity'],
});
int('--checkpoint-num-layers', 'Layers per checkpoint chunk (Megatron-DeepSpeed).', {
  keys: ['recomputeNumLayers'],
  default: 1,
});

// ── Precision ──
on('--bf16', 'bfloat16 parameters (fp32 grad accumulation unless --grad-reduce-in-bf16).', { keys: ['precision'] });
on('--fp16', 'fp16 parameters with loss scaling.', { keys: ['precision'] });
choice('--fp8-format', ['e4m3', 'hybrid'], 'Transformer Engine FP8 format.', { keys: ['fp8Format'], default: null });
// Defaults and meanings: Megatron-LM d98e8a64 megatron/training/arguments.py (dumped in megatron-lm-head.tsv).
str('--fp8-recipe', 'FP8 recipe (delayed, tensorwise, mxfp8, blockwise, custom).', {
  keys: ['fp8Recipe'],
  key: 'fp8Recipe',
  default: 'delayed',
});
on(
  '--fp8-param-gather',
  'Keep only FP8 parameters (1 byte) and all-gather them in FP8; needs the distributed optimizer.',
  {
    keys: ['fp8ParamGather'],
    key: 'fp8ParamGather',
    default: false,
  },
);
on('--first-last-layers-bf16', 'Keep the first and last decoder layers in bf16 under FP8/FP4.', {
  keys: ['firstLastLayersBf16'],
  key: 'firstLastLayersBf16',
  default: false,
});
int('--num-layers-at-start-in-bf16', 'With --first-last-layers-bf16: leading layers kept in bf16.', {
  keys: ['numLayersAtStartInBf16'],
  key: 'numLayersAtStartInBf16',
  default: 1,
});
int('--num-layers-at-end-in-bf16', 'With --first-last-layers-bf16: trailing layers kept in bf16.', {
  keys: ['numLayersAtEndInBf16'],
  key: 'numLayersAtEndInBf16',
  default: 1,
});
int('--fp8-amax-history-len', 'FP8 amax history length.');
str('--fp8-amax-compute-algo', 'FP8 amax algorithm.');
int('--fp8-margin', 'FP8 margin.');
int('--fp8-interval', 'FP8 scaling update interval.');
on('--fp8-e4m3', 'Old spelling of --fp8-format e4m3.', {
  keys: ['fp8Format'],
  deprecated: { severity: 'hint', message: 'replaced by --fp8-format e4m3 in 2023-08 (Pai-Megatron still accepts it)' },
});
on('--fp8-hybrid', 'Old spelling of --fp8-format hybrid.', {
  keys: ['fp8Format'],
  deprecated: {
    severity: 'hint',
    message: 'replaced by --fp8-format hybrid in 2023-08 (Pai-Megatron still accepts it)',
  },
});
str('--fp4-format', 'FP4 format (e2m1).', { keys: ['fp4Format'], key: 'fp4Format', default: null });
str('--fp4-recipe', 'FP4 recipe (nvfp4).');
on('--fp4-param-gather', 'Keep only FP4 parameters and all-gather them in FP4.', {
  keys: ['fp4ParamGather'],
  key: 'fp4ParamGather',
  default: false,
});
on('--grad-reduce-in-bf16', 'Reduce gradients in bf16 (2-byte grads).', {
  keys: ['gradReduceInBf16'],
  key: 'gradReduceInBf16',
  default: false,
});
on('--fp16-lm-cross-entropy', 'Cross entropy in fp16.');
on('--fp32-residual-connection', 'fp32 residual stream.');
on('--accumulate-allreduce-grads-in-fp32', 'fp32 gradient accumulation and reduction (4-byte main grads under fp16).', {
  keys: ['accumulateAllreduceGradsInFp32'],
  key: 'accumulateAllreduceGradsInFp32',
  default: false,
});
flt('--loss-scale', 'Static loss scale.');
flt('--initial-loss-scale', 'Initial dynamic loss scale.');
flt('--min-loss-scale', 'Minimum dynamic loss scale.');
int('--loss-scale-window', 'Loss scale window.');
int('--hysteresis', 'Loss scale hysteresis.');
on('--use-precision-aware-optimizer', 'TE FusedAdam keeps main params, grads and moments in the dtypes below.', {
  keys: ['usePrecisionAwareOptimizer'],
  key: 'usePrecisionAwareOptimizer',
  default: false,
});
// The four dtypes take effect only with --use-precision-aware-optimizer (arguments.py validate_args).
str('--main-params-dtype', 'Main parameter dtype (fp32, fp16).', {
  keys: ['mainParamsDtype'],
  key: 'mainParamsDtype',
  default: 'fp32',
});
str('--main-grads-dtype', 'Main gradient dtype (fp32, bf16).', {
  keys: ['mainGradsDtype'],
  key: 'mainGradsDtype',
  default: 'fp32',
});
str('--exp-avg-dtype', 'Adam first-moment dtype (fp32, fp16, bf16, fp8).', {
  keys: ['expAvgDtype'],
  key: 'expAvgDtype',
  default: 'fp32',
});
str('--exp-avg-sq-dtype', 'Adam second-moment dtype (fp32, fp16, bf16, fp8).', {
  keys: ['expAvgSqDtype'],
  key: 'expAvgSqDtype',
  default: 'fp32',
});
on('--optimizer-cpu-offload', 'Keep (part of) the optimizer state and step on the CPU.', {
  keys: ['optimizerCpuOffload'],
  key: 'optimizerCpuOffload',
  default: false,
});
flt('--optimizer-offload-fraction', 'Share of the optimizer state offloaded to the CPU (default 1.0).', {
  keys: ['optimizerOffloadFraction'],
  key: 'optimizerOffloadFraction',
  default: 1.0,
});

export const COMPUTE_FLAGS: readonly FlagSpec[] = rows;
