// Model-shape fields with Megatron's derived defaults: FFN width, query groups (GQA), head dimension, norm type.
import { parsePyInt } from '../../pyNumbers';
import { explicitSource, numberSpec, switchSpec, textSpec, type ResolveContext } from '../context';

export function resolveShape(ctx: ResolveContext): void {
  resolveFfn(ctx);
  resolveQueryGroups(ctx);
  resolveKvChannels(ctx);
  const { value, source } = ctx.textOf('normalization', textSpec('--normalization'));
  ctx.set('normalization', value === 'LayerNorm' || value === 'RMSNorm' ? value : null, source);
}

function resolveFfn(ctx: ResolveContext): void {
  const { hiddenSize: h, swiglu } = ctx.config;
  if (ctx.settings.has('--ffn-hidden-size')) ctx.number('ffnHiddenSize', numberSpec('--ffn-hidden-size'));
  else if (h === null) ctx.blocked('ffnHiddenSize', 'defaults from the hidden size, which is unknown');
  else if (swiglu) {
    const F = Math.floor((8 * h) / 3 / 64) * 64;
    ctx.derived('ffnHiddenSize', F, `--swiglu default floor(8·h/3/64)·64 = floor(8·${h}/3/64)·64 = ${F}`);
  } else ctx.derived('ffnHiddenSize', 4 * h, `default 4·h = 4·${h} = ${4 * h}`);
}

function resolveQueryGroups(ctx: ResolveContext): void {
  const a = ctx.config.numAttentionHeads;
  // Forks' spellings of the K/V head count: Megatron-DeepSpeed --num-key-value-heads (arguments.py:444-450 turns GQA
  // on when it differs from the head count), Pai-Megatron-Patch --n-head-kv (its Falcon-40B model).
  const dsKv = ctx.first(['--num-key-value-heads', '--n-head-kv']);
  if (dsKv) {
    const text = dsKv.values?.[0];
    const g = text === undefined ? null : parsePyInt(text);
    const gqa = g !== null && a !== null ? g !== a : true;
    ctx.set('groupQueryAttention', gqa, {
      ...explicitSource(dsKv),
      note: `GQA when ${dsKv.spelling} differs from the head count`,
    });
    ctx.set('numQueryGroups', g, g !== null ? explicitSource(dsKv) : ctx.unresolved(dsKv, 'numQueryGroups'));
    return;
  }
  const gqa = ctx.switch('groupQueryAttention', switchSpec('--group-query-attention'));
  if (gqa) ctx.number('numQueryGroups', numberSpec('--num-query-groups'));
  else if (a !== null)
    ctx.derived('numQueryGroups', a, `g = a = ${a}: without --group-query-attention every head has its own K/V`);
  else ctx.blocked('numQueryGroups', 'equals the head count, which is unknown');
}

function resolveKvChannels(ctx: ResolveContext): void {
  const { hiddenSize: h, numAttentionHeads: a } = ctx.config;
  if (ctx.settings.has('--kv-channels')) ctx.number('kvChannels', numberSpec('--kv-channels'));
  else if (h !== null && a !== null && a > 0 && h % a === 0)
    ctx.derived('kvChannels', h / a, `h / a = ${h} / ${a} = ${h / a}`);
  else
    ctx.blocked(
      'kvChannels',
      h === null || a === null
        ? 'h / a with an unknown hidden size or head count'
        : `h / a = ${h} / ${a} is not an integer`,
    );
}
