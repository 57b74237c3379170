// Mixture of experts: router top-k and expert FFN width default only for MoE models; `--moe-layer-freq` says
// which layers are MoE (an integer N, or a list expression parsed by listSyntax.ts).
import { parsePyInt } from '../../pyNumbers';
import { explicitSource, numberSpec, type ResolveContext } from '../context';
import { parseLayerFreqList } from '../listSyntax';

export function resolveMoe(ctx: ResolveContext): void {
  let E = ctx.config.numExperts;
  if (E === 0) {
    E = null;
    ctx.set('numExperts', null, {
      status: 'explicit',
      ...ctx.sources.numExperts,
      note: '--num-experts 0 means no experts',
    });
  }
  if (E !== null || ctx.settings.has('--moe-router-topk')) ctx.number('moeRouterTopk', numberSpec('--moe-router-topk'));
  else ctx.set('moeRouterTopk', null, { status: 'default', note: 'dense model' });
  const F = ctx.config.ffnHiddenSize;
  if (ctx.settings.has('--moe-ffn-hidden-size')) ctx.number('moeFfnHiddenSize', numberSpec('--moe-ffn-hidden-size'));
  else if (E !== null && F !== null) ctx.derived('moeFfnHiddenSize', F, `defaults to the FFN size ${F}`);
  else ctx.set('moeFfnHiddenSize', null, { status: 'default', note: E === null ? 'dense model' : 'FFN size unknown' });
  resolveMoePattern(ctx, E, ctx.config.numLayers);
}

function resolveMoePattern(ctx: ResolveContext, experts: number | null, layers: number | null): void {
  const freq = ctx.settings.get('--moe-layer-freq');
  if (experts === null) {
    ctx.set('moeLayerPattern', null, { status: 'default', note: 'dense model' });
    return;
  }
  if (layers === null) {
    ctx.blocked('moeLayerPattern', 'the layer count is unknown');
    return;
  }
  if (!freq) {
    ctx.derived(
      'moeLayerPattern',
      new Array<number>(layers).fill(1),
      '--moe-layer-freq defaults to 1: every layer is MoE',
    );
    return;
  }
  const text = freq.values?.[0];
  if (text === undefined) {
    ctx.set('moeLayerPattern', null, ctx.unresolved(freq, 'moeLayerPattern'));
    return;
  }
  const n = parsePyInt(text);
  if (n !== null && n > 0) {
    const pattern = Array.from({ length: layers }, (_, i) => (i % n === 0 ? 1 : 0));
    ctx.set('moeLayerPattern', pattern, {
      ...explicitSource(freq),
      status: 'derived',
      note: `layer i is MoE when i % ${n} == 0`,
    });
    return;
  }
  const list = parseLayerFreqList(text, 100_000);
  const range = freq.valueRange ?? freq.range;
  if (!list.ok) {
    ctx.diagnostics.push({
      code: 'invalid-moe-layer-freq',
      severity: 'error',
      message: `--moe-layer-freq '${text}' is neither an integer nor a list expression like [0]*3+[1]*58: ${list.error}`,
      range,
    });
    ctx.blocked('moeLayerPattern', list.error);
  } else if (list.value.length !== layers) {
    const numLayersRange = ctx.sources.numLayers?.range;
    ctx.diagnostics.push({
      code: 'invalid-moe-layer-freq',
      severity: 'error',
      message: `--moe-layer-freq '${text}' lists ${list.value.length} layers but the model has ${layers} (--num-layers); Megatron asserts they are equal`,
      range,
      ...(numLayersRange && { related: [{ message: '--num-layers', range: numLayersRange }] }),
    });
    ctx.blocked('moeLayerPattern', `${list.value.length} entries for ${layers} layers`);
  } else {
    ctx.set('moeLayerPattern', list.value, {
      ...explicitSource(freq),
      status: 'derived',
      note: `${list.value.filter((x) => x).length} of ${layers} layers are MoE`,
    });
  }
}
