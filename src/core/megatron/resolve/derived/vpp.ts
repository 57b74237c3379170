// Virtual pipeline: model chunks per rank v from one of three mutually exclusive flags (validation reports a
// conflict), and the layers per chunk; then where the layers go (placement.ts), which needs v.
import type { FlagSetting } from '../../interpret';
import { parsePyInt } from '../../pyNumbers';
import { explicitSource, firstUnknown, numberSpec, type ResolveContext } from '../context';
import { parseLayout } from '../listSyntax';
import { resolveLayerPlacement } from './placement';

export function resolveVirtualPipeline(ctx: ResolveContext): void {
  const perStage = ctx.settings.get('--num-layers-per-virtual-pipeline-stage');
  const perRank = ctx.settings.get('--num-virtual-stages-per-pipeline-rank');
  const layout = ctx.settings.get('--pipeline-model-parallel-layout');
  if (perStage) fromLayersPerStage(ctx, perStage);
  else if (perRank) fromStagesPerRank(ctx);
  else if (layout) fromLayout(ctx, layout);
  else {
    ctx.set('virtualStages', 1, { status: 'default', note: 'no virtual pipeline flag: one model chunk per rank' });
    ctx.set('numLayersPerVirtualStage', null, { status: 'default', note: 'no virtual pipeline' });
  }
  resolveLayerPlacement(ctx);
}

/**
 * The layer count the virtual-pipeline arithmetic sees: the Zero-Bubble fork pads L up to a multiple of p before it
 * derives v (megatron/training/arguments.py:260-269, then 288-296 at 39f2c186).
 */
function layersForVpp(ctx: ResolveContext): number | null {
  const { numLayers: L, pipelineParallel: p } = ctx.config;
  if (L === null || p === null || p <= 0 || ctx.settings.get('--allow-padding-num-layers')?.bool !== true) return L;
  return L % p === 0 ? L : L - (L % p) + p;
}

/** `--num-layers-per-virtual-pipeline-stage n`: v = (L/p)/n. */
function fromLayersPerStage(ctx: ResolveContext, perStage: FlagSetting): void {
  const text = perStage.values?.[0];
  const n = text === undefined ? null : parsePyInt(text);
  if (n === null) {
    ctx.set('numLayersPerVirtualStage', null, ctx.unresolved(perStage, 'numLayersPerVirtualStage'));
    ctx.blocked('virtualStages', 'depends on --num-layers-per-virtual-pipeline-stage, which is unknown');
    return;
  }
  ctx.set('numLayersPerVirtualStage', n, explicitSource(perStage));
  const p = ctx.config.pipelineParallel;
  const L = layersForVpp(ctx);
  if (L === null || p === null)
    ctx.blocked(
      'virtualStages',
      `(L/p)/n needs the ${firstUnknown([
        ['layer count', L],
        ['PP size', p],
      ])}`,
    );
  else if (n <= 0 || p <= 0 || L % p !== 0 || (L / p) % n !== 0)
    ctx.blocked('virtualStages', `(L/p)/n = (${L}/${p})/${n} is not an integer`);
  else {
    const v = L / p / n;
    ctx.set('virtualStages', v, {
      ...explicitSource(perStage),
      status: 'derived',
      note: `(L/p)/n = (${L}/${p})/${n} = ${v}`,
    });
  }
}

/** `--num-virtual-stages-per-pipeline-rank v`: layers per chunk L/(p·v). */
function fromStagesPerRank(ctx: ResolveContext): void {
  const v = ctx.number('virtualStages', numberSpec('--num-virtual-stages-per-pipeline-rank'));
  const { numLayers: L, pipelineParallel: p } = ctx.config;
  if (v !== null && L !== null && p !== null && v > 0 && p > 0 && L % (p * v) === 0)
    ctx.derived('numLayersPerVirtualStage', L / (p * v), `L/(p·v) = ${L}/(${p}·${v}) = ${L / (p * v)}`);
  else ctx.blocked('numLayersPerVirtualStage', 'L/(p·v) is unknown or not an integer');
}

/** `--pipeline-model-parallel-layout`: v = stages / p; the layout itself places the layers. */
function fromLayout(ctx: ResolveContext, layout: FlagSetting): void {
  const p = ctx.config.pipelineParallel;
  const text = layout.values?.[0];
  const stages = text === undefined ? null : parseLayout(text);
  ctx.layoutStages = stages;
  if (text === undefined) ctx.set('virtualStages', null, ctx.unresolved(layout, 'virtualStages'));
  else if (!stages) ctx.blocked('virtualStages', `the layout '${text}' cannot be parsed`);
  else if (p === null || p <= 0 || stages.length % p !== 0)
    ctx.blocked('virtualStages', `${stages.length} layout stages are not a multiple of PP = ${p ?? '?'}`);
  else {
    const v = stages.length / p;
    ctx.set('virtualStages', v, {
      ...explicitSource(layout),
      status: 'derived',
      note: `${stages.length} layout stages / PP ${p} = ${v}`,
    });
  }
  ctx.set('numLayersPerVirtualStage', null, {
    status: 'default',
    note: 'an explicit layout sets the layers per stage',
  });
}
