// Activation recompute: granularity, method, layers and modules, including Megatron-DeepSpeed's
// --checkpoint-activations (full, uniform), which Megatron-LM itself rejects (a rule reports that).
import type { RunConfig } from '../../../types';
import type { FlagSetting } from '../../interpret';
import { explicitSource, listSpec, numberSpec, textSpec, type ResolveContext } from '../context';

type Granularity = NonNullable<RunConfig['recomputeGranularity']>;
type Method = NonNullable<RunConfig['recomputeMethod']>;
const isGranularity = (v: string | null): v is Granularity => v === 'full' || v === 'selective';
const isMethod = (v: string | null): v is Method => v === 'uniform' || v === 'block';

export function resolveRecompute(ctx: ResolveContext): void {
  const ckptAct = ctx.settings.get('--checkpoint-activations');
  // Megatron-DeepSpeed reads --checkpoint-activations as full, uniform recompute; Megatron-LM exits on it.
  const deepspeedFull = ckptAct?.bool === true && ctx.input.dialects.has('deepspeed') ? ckptAct : undefined;
  resolveGranularity(ctx, deepspeedFull);
  resolveMethod(ctx, deepspeedFull !== undefined);
  if (ctx.settings.has('--recompute-num-layers'))
    ctx.number('recomputeNumLayers', numberSpec('--recompute-num-layers'));
  else if (deepspeedFull) ctx.number('recomputeNumLayers', numberSpec('--checkpoint-num-layers'));
  else ctx.set('recomputeNumLayers', null, { status: 'default', note: '--recompute-num-layers not given' });
  resolveModules(ctx);
}

function resolveGranularity(ctx: ResolveContext, deepspeedFull: FlagSetting | undefined): void {
  const recAct = ctx.settings.get('--recompute-activations');
  if (ctx.settings.has('--recompute-granularity')) {
    const { value, source } = ctx.textOf('recomputeGranularity', textSpec('--recompute-granularity'));
    ctx.set('recomputeGranularity', isGranularity(value) ? value : null, source);
  } else if (recAct?.bool)
    ctx.set('recomputeGranularity', 'selective', {
      ...explicitSource(recAct),
      note: '--recompute-activations means selective recompute',
    });
  else if (deepspeedFull)
    ctx.set('recomputeGranularity', 'full', {
      ...explicitSource(deepspeedFull),
      note: 'Megatron-DeepSpeed: --checkpoint-activations is full recompute',
    });
  else ctx.set('recomputeGranularity', null, { status: 'default', note: 'no activation recompute' });
}

function resolveMethod(ctx: ResolveContext, deepspeedFull: boolean): void {
  const given = ['--recompute-method', '--activations-checkpoint-method'].find((f) => ctx.settings.has(f));
  if (given !== undefined) {
    const { value, source } = ctx.textOf('recomputeMethod', textSpec(given));
    ctx.set('recomputeMethod', isMethod(value) ? value : null, source);
  } else if (deepspeedFull) ctx.derived('recomputeMethod', 'uniform', 'Megatron-DeepSpeed checkpoints uniformly');
  else ctx.set('recomputeMethod', null, { status: 'default', note: '--recompute-method not given' });
}

/** Absent, TransformerConfig fills `recompute_modules` with the table's default (`['core_attn']`). */
function resolveModules(ctx: ResolveContext): void {
  const mods = ctx.settings.get('--recompute-modules');
  if (mods) {
    ctx.set(
      'recomputeModules',
      mods.values,
      mods.values ? explicitSource(mods) : ctx.unresolved(mods, 'recomputeModules'),
    );
    return;
  }
  const dflt = listSpec('--recompute-modules').default;
  ctx.set('recomputeModules', dflt ? [...dflt] : null, {
    status: 'default',
    note: `Megatron default [${(dflt ?? []).join(', ')}]`,
  });
}
