// Layers over pipeline stages: an even split, an uneven first/last split, or an explicit layout string.
import { code, divisors, positive, type Rule, type RuleContext } from './rule';

export const layersRule: Rule = {
  family: 'layers',
  codes: [
    code('layers-not-divisible-by-pp', 'error'),
    code('uneven-pipeline-split', 'error'),
    code('invalid-pipeline-layout', 'error'),
  ],
  check(ctx) {
    const { numLayers: L, pipelineParallel: p } = ctx.cfg;
    const acc = ctx.accountedLayers;
    const uneven = ctx.unevenPipeline;
    if (
      positive(L) &&
      positive(p) &&
      !uneven &&
      !ctx.settings.has('--pipeline-model-parallel-layout') &&
      (L + acc) % p !== 0
    ) {
      const total = L + acc;
      ctx.push({
        code: 'layers-not-divisible-by-pp',
        severity: 'error',
        message: `${L} layers${acc ? ` + ${acc} (embedding/loss counted as layers) = ${total}` : ''} are not divisible by pipeline-parallel size ${p}; use a PP that divides ${total} (${divisors(total).join(', ')}) or uneven PP (--decoder-first/last-pipeline-num-layers)`,
        range: ctx.explicit('pipelineParallel') ? ctx.at('pipelineParallel') : ctx.at('numLayers'),
        related: ctx.rel(['numLayers', 'layers']),
      });
    }
    if (uneven && positive(L) && positive(p)) checkUneven(ctx, L, p, acc);
    checkLayout(ctx);
  },
};

function checkUneven(ctx: RuleContext, L: number, p: number, acc: number): void {
  const first = ctx.cfg.decoderFirstPipelineNumLayers;
  const last = ctx.cfg.decoderLastPipelineNumLayers;
  // Uneven PP is on because one of the two is set; its flag is where the report goes.
  const range =
    ctx.flagRange('--decoder-first-pipeline-num-layers') ??
    ctx.flagRange('--decoder-last-pipeline-num-layers') ??
    ctx.input.anchor;
  const middleStages = p - (first !== null ? 1 : 0) - (last !== null ? 1 : 0);
  const middleLayers = L - (first ?? 0) - (last ?? 0);
  if (acc)
    ctx.push({
      code: 'uneven-pipeline-split',
      severity: 'error',
      message:
        'uneven PP (--decoder-first/last-pipeline-num-layers) cannot be combined with --account-for-embedding/loss-in-pipeline-split',
      range,
    });
  else if (
    (middleStages <= 0 && middleLayers !== 0) ||
    middleLayers < 0 ||
    (middleStages > 0 && middleLayers % middleStages !== 0)
  ) {
    ctx.push({
      code: 'uneven-pipeline-split',
      severity: 'error',
      message: `uneven PP: ${middleLayers} middle layers remain for ${middleStages} middle stages (L ${L} − first ${first ?? 0} − last ${last ?? 0}); they must divide evenly`,
      range,
      related: ctx.rel(['numLayers', 'layers'], ['pipelineParallel', 'PP']),
    });
  }
}

function checkLayout(ctx: RuleContext): void {
  const { numLayers: L, pipelineParallel: p } = ctx.cfg;
  const layoutSetting = ctx.settings.get('--pipeline-model-parallel-layout');
  const text = layoutSetting?.values?.[0];
  if (!layoutSetting || text === undefined) return;
  const stages = ctx.input.layoutStages;
  const range = layoutSetting.valueRange ?? layoutSetting.range;
  if (!stages) {
    ctx.push({
      code: 'invalid-pipeline-layout',
      severity: 'error',
      message: `cannot read the layout '${text}': stages are separated by '|', repeats are (…)*n, symbols E, t, m, L`,
      range,
    });
    return;
  }
  const tCount = stages
    .join('')
    .split('')
    .filter((ch) => ch === 't').length;
  if (positive(p) && stages.length % p !== 0)
    ctx.push({
      code: 'invalid-pipeline-layout',
      severity: 'error',
      message: `the layout has ${stages.length} stages, not a multiple of PP ${p}`,
      range,
    });
  else if (positive(L) && tCount !== L)
    ctx.push({
      code: 'invalid-pipeline-layout',
      severity: 'error',
      message: `the layout places ${tCount} decoder layers (t) but --num-layers is ${L}`,
      range,
      related: ctx.rel(['numLayers', 'layers']),
    });
}
