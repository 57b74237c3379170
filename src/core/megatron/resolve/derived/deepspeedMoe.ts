// DeepSpeed-MoE as Megatron-DeepSpeed builds it (microsoft/Megatron-DeepSpeed f4157bea): `--num-experts` is a list
// (nargs='+', default [1], megatron/arguments.py:608), one count per MoE layer or one for all; `--expert-interval`
// (default 2, :614) makes every N-th layer (1-based) MoE; `--topk` (default 1, :612) experts per token;
// `--moe-expert-parallel-size` (default 1, :1159) the expert-parallel size; `--mlp-type residual` (:610) PR-MoE.
// Megatron-Core's --moe-* flags do not exist there.
import { parsePyInt } from '../../pyNumbers';
import { explicitSource, numberSpec, textSpec, type ResolveContext } from '../context';

/**
 * Experts per layer as get_num_experts_per_layer builds them (megatron/model/transformer.py:1650-1662): layer i
 * (1-based) is MoE when i % interval == 0 and takes num_experts[(i-1) // interval]; the list has one entry or
 * num_layers // interval entries (asserted, :1651). Null with the reason when Megatron-DeepSpeed would stop.
 */
export function deepSpeedExpertsPerLayer(
  counts: readonly number[],
  layers: number,
  interval: number,
): { perLayer: number[] } | { problem: string } {
  if (interval <= 0) return { problem: `--expert-interval ${interval} is not positive` };
  const moeLayers = Math.floor(layers / interval);
  if (counts.length !== 1 && counts.length !== moeLayers)
    return {
      problem: `--num-experts lists ${counts.length} counts, but ${layers} layers at --expert-interval ${interval} have ${moeLayers} MoE layers (Megatron-DeepSpeed asserts one count or one per MoE layer)`,
    };
  const list = counts.length === 1 ? new Array<number>(moeLayers).fill(counts[0] ?? 1) : counts;
  return {
    perLayer: Array.from({ length: layers }, (_, i) =>
      (i + 1) % interval === 0 ? (list[Math.floor(i / interval)] ?? 1) : 1,
    ),
  };
}

function intervalOf(ctx: ResolveContext): number | null {
  const spec = numberSpec('--expert-interval');
  const s = ctx.settings.get(spec.name);
  if (!s) return spec.default ?? 2;
  const text = s.values?.[0];
  return text === undefined ? null : parsePyInt(text);
}

/** --num-experts, --expert-interval, --topk, --moe-expert-parallel-size, --mlp-type, expert TP, for Megatron-DeepSpeed. */
export function resolveDeepSpeedMoe(ctx: ResolveContext): void {
  const experts = ctx.settings.get('--num-experts');
  const L = ctx.config.numLayers;
  const counts = experts ? (experts.values ?? []).map((v) => parsePyInt(v)) : [1];
  const dense = (note: string): void => {
    for (const key of ['numExperts', 'moeExpertsPerLayer', 'moeLayerPattern', 'moeRouterTopk'] as const)
      ctx.set(key, null, { status: 'default', note });
    ctx.set('moeFfnHiddenSize', null, { status: 'default', note });
    ctx.set('moeResidualMlp', null, { status: 'default', note });
  };
  if (experts && (counts.length === 0 || counts.some((c) => c === null))) {
    const source = ctx.unresolved(experts, 'numExperts');
    for (const key of ['numExperts', 'moeExpertsPerLayer', 'moeLayerPattern', 'moeRouterTopk'] as const)
      ctx.set(key, null, source);
    ctx.set('moeFfnHiddenSize', null, source);
    ctx.set('moeResidualMlp', null, source);
    return;
  }
  const known = counts.filter((c): c is number => c !== null);
  if (known.every((c) => c <= 1)) {
    dense('DeepSpeed-MoE: one expert per layer is a dense model (transformer.py:1065)');
    return;
  }
  const source = experts ? explicitSource(experts) : { status: 'default' as const };
  const E = Math.max(...known);
  ctx.set('numExperts', E, { ...source, status: 'derived', note: `DeepSpeed-MoE: up to ${E} experts per MoE layer` });
  resolveDeepSpeedParallel(ctx);
  const interval = intervalOf(ctx);
  if (L === null || interval === null) {
    const why = L === null ? 'the layer count is unknown' : '--expert-interval is unresolved';
    ctx.blocked('moeExpertsPerLayer', why);
    ctx.blocked('moeLayerPattern', why);
  } else {
    const built = deepSpeedExpertsPerLayer(known, L, interval);
    if ('problem' in built) {
      ctx.blocked('moeExpertsPerLayer', built.problem);
      ctx.blocked('moeLayerPattern', built.problem);
    } else {
      const moe = built.perLayer.filter((n) => n > 1).length;
      const note = `DeepSpeed-MoE: ${moe} of ${L} layers are MoE (every ${interval}th, 1-based)`;
      ctx.set('moeExpertsPerLayer', built.perLayer, { ...source, status: 'derived', note });
      ctx.set(
        'moeLayerPattern',
        built.perLayer.map((n) => (n > 1 ? 1 : 0)),
        { ...source, status: 'derived', note },
      );
    }
  }
  ctx.number('moeRouterTopk', numberSpec('--topk'));
  // The experts are ParallelMLP(config, moe=True) of the model's FFN width (transformer.py:1069-1072).
  const F = ctx.config.ffnHiddenSize;
  if (F !== null) ctx.derived('moeFfnHiddenSize', F, `DeepSpeed-MoE experts have the FFN size ${F}`, ['ffnHiddenSize']);
  else ctx.blocked('moeFfnHiddenSize', 'FFN size unknown');
  const { value: mlpType, source: mlpSource } = ctx.textOf('moeResidualMlp', textSpec('--mlp-type'));
  ctx.set('moeResidualMlp', mlpType === null ? null : mlpType === 'residual', mlpSource);
}

/**
 * EP is --moe-expert-parallel-size. Experts are split over TP only with --enable-expert-tensor-parallelism
 * (arguments.py:1151); otherwise every TP rank holds whole experts (core/tensor_parallel/layers.py:529-531), i.e.
 * an expert TP of 1.
 */
function resolveDeepSpeedParallel(ctx: ResolveContext): void {
  ctx.number('expertParallel', numberSpec('--moe-expert-parallel-size'));
  const etp = ctx.settings.get('--enable-expert-tensor-parallelism');
  const t = ctx.config.tensorParallel;
  if (etp?.bool === true) {
    if (t !== null)
      ctx.set('expertTensorParallel', t, { ...explicitSource(etp), status: 'derived', note: `TP = ${t}` });
    else ctx.blocked('expertTensorParallel', 'TP is unresolved');
  } else
    ctx.set('expertTensorParallel', 1, {
      status: 'default',
      note: 'DeepSpeed-MoE keeps whole experts on every TP rank (no --enable-expert-tensor-parallelism)',
    });
}
