// Mixture-of-experts flags: expert count and sizes, the router and the token dispatcher. Expert parallelism itself is
// in parallelism.ts. Rows of FLAG_SPECS (table.ts).
import { rowBuilders, type FlagSpec } from './spec';

const rows: FlagSpec[] = [];
const { int, flt, str, on, list } = rowBuilders(rows);

// ── MoE ──
int('--num-experts', 'Routed experts E (MoE).', { keys: ['numExperts'], key: 'numExperts', default: null });
int('--moe-router-topk', 'Experts per token k.', { keys: ['moeRouterTopk'], default: 2 });
int('--moe-ffn-hidden-size', 'Per-expert FFN size; default F.', { keys: ['moeFfnHiddenSize'] });
int('--moe-shared-expert-intermediate-size', 'Total shared-expert FFN size.', {
  keys: ['moeSharedExpertIntermediateSize'],
  key: 'moeSharedExpertIntermediateSize',
  default: null,
});
str('--moe-layer-freq', 'MoE layer frequency: N (every N-th layer) or a list expression like "[0]*3+[1]*58".', {
  keys: ['moeLayerPattern'],
  default: '1',
});
on('--moe-grouped-gemm', 'Grouped GEMM for experts.');
// Both nargs='+' in Megatron-LM d98e8a64 (one per loss type), see megatron-lm-head.tsv.
list('--moe-router-load-balancing-type', 1, 'Load balancing loss type(s).');
list('--moe-aux-loss-coeff', 1, 'Aux loss coefficient(s).');
flt('--moe-z-loss-coeff', 'Z-loss coefficient.');
flt('--moe-input-jitter-eps', 'Router input jitter.');
str('--moe-token-dispatcher-type', 'Token dispatcher (allgather, alltoall, flex).', {
  keys: ['moeTokenDispatcherType'],
  key: 'moeTokenDispatcherType',
  default: 'allgather',
});
flt('--moe-expert-capacity-factor', 'Expert capacity factor (token dropping).', {
  keys: ['moeExpertCapacityFactor'],
  key: 'moeExpertCapacityFactor',
  default: null,
});
on('--moe-pad-expert-input-to-capacity', 'Pad expert inputs to capacity.', {
  keys: ['moePadExpertInputToCapacity'],
  key: 'moePadExpertInputToCapacity',
  default: false,
});
str('--moe-token-drop-policy', 'Token drop policy.');
on('--moe-router-pre-softmax', 'Softmax before top-k.');
str('--moe-router-score-function', 'Router score function.');
on('--moe-router-enable-expert-bias', 'Aux-loss-free expert bias.');
flt('--moe-router-bias-update-rate', 'Expert bias update rate.');
str('--moe-router-dtype', 'Router dtype.');
int('--moe-router-num-groups', 'Router groups.');
int('--moe-router-group-topk', 'Router groups picked.');
flt('--moe-router-topk-scaling-factor', 'Top-k scaling factor.');
on('--moe-permute-fusion', 'Fused token permutation.');
on('--moe-shared-expert-overlap', 'Overlap the shared expert.');
int('--moe-latent-size', 'MoE latent projection size.');
// ── DeepSpeed-MoE (microsoft/Megatron-DeepSpeed f4157bea megatron/arguments.py; the layer is deepspeed/moe/layer.py) ──
// Under that dialect `--num-experts` is a list (nargs='+', default [1], arguments.py:608): one count per MoE layer,
// or one for all; resolve/derived/moe.ts reads it with --expert-interval into moeExpertsPerLayer.
int('--moe-expert-parallel-size', 'DeepSpeed-MoE expert-parallel size (arguments.py:1159, default 1).', {
  keys: ['expertParallel'],
  dialect: 'deepspeed',
  default: 1,
});
int('--topk', 'DeepSpeed-MoE top-k gating: experts per token (arguments.py:612, default 1).', {
  keys: ['moeRouterTopk'],
  dialect: 'deepspeed',
  default: 1,
});
int('--expert-interval', 'DeepSpeed-MoE: every N-th layer (1-based) is MoE (arguments.py:614, default 2).', {
  keys: ['moeExpertsPerLayer', 'moeLayerPattern'],
  dialect: 'deepspeed',
  default: 2,
});
str('--mlp-type', 'DeepSpeed-MoE: standard, or residual (PR-MoE: a dense MLP beside the experts; default standard).', {
  keys: ['moeResidualMlp'],
  dialect: 'deepspeed',
  default: 'standard',
});
on(
  '--enable-expert-tensor-parallelism',
  'DeepSpeed-MoE: split experts over TP (off: every TP rank holds whole experts).',
  {
    keys: ['expertTensorParallel'],
    dialect: 'deepspeed',
  },
);
flt('--moe-train-capacity-factor', 'DeepSpeed-MoE expert capacity factor in training (default 1.0).', {
  dialect: 'deepspeed',
});
flt('--moe-eval-capacity-factor', 'DeepSpeed-MoE expert capacity factor in evaluation (default 1.0).', {
  dialect: 'deepspeed',
});
int('--moe-min-capacity', 'DeepSpeed-MoE minimum tokens per expert (default 4).', { dialect: 'deepspeed' });
on('--disable-moe-token-dropping', 'DeepSpeed-MoE: no capacity limit (no token dropping).', { dialect: 'deepspeed' });
flt('--moe-loss-coeff', 'DeepSpeed-MoE auxiliary loss coefficient (default 0.1).', { dialect: 'deepspeed' });
on('--create-moe-param-group', 'DeepSpeed-MoE: separate optimizer groups for expert parameters (needed by ZeRO).', {
  dialect: 'deepspeed',
});
on('--moe-layer-recompute', 'Recompute MoE layers.', {
  deprecated: { severity: 'warning', message: 'deprecated; use --recompute-modules moe' },
});

export const MOE_FLAGS: readonly FlagSpec[] = rows;
