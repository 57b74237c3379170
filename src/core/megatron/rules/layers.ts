// Layers over pipeline stages: an even split, an uneven first/last split, an explicit layout string, or MindSpeed's
// per-stage list (--num-layer-list) and no-op layers (--noop-layers).
import type { SourceRange } from '../../types';
import type { FlagSetting } from '../interpret';
import { parsePyInt } from '../pyNumbers';
import { readLayout } from '../resolve/layoutSyntax';
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
      // MindSpeed-LLM replaces num_layers by the list's length before Megatron's divisibility check
      // (features_manager/pipeline_parallel/num_layer_list.py:18-22); checkLayerList checks the list instead.
      !ctx.settings.has('--num-layer-list') &&
      // The Zero-Bubble fork pads L to a multiple of p (megatron/training/arguments.py:260-269 at 39f2c186) and
      // DeepSpeed's pipeline partitions any L (deepspeed/runtime/utils.py:627-665): neither needs L divisible.
      ctx.cfg.layerSplitMethod !== 'zero-bubble-padding' &&
      ctx.cfg.layerSplitMethod !== 'deepspeed-balanced' &&
      // The Vocabulary Parallelism fork builds any L on non-interleaved PP (resolve/derived/placement.ts).
      ctx.cfg.layerSplitMethod !== 'vocab-parallel-fork' &&
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
    checkLayerList(ctx);
    checkNoopLayers(ctx);
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

/** Where a diagnostic about a flag's value goes. */
const valueAt = (setting: FlagSetting): SourceRange => setting.valueRange ?? setting.range;

function checkLayout(ctx: RuleContext): void {
  const { numLayers: L, pipelineParallel: p } = ctx.cfg;
  const layoutSetting = ctx.settings.get('--pipeline-model-parallel-layout');
  const text = layoutSetting?.values?.[0];
  if (!layoutSetting || text === undefined) return;
  const range = valueAt(layoutSetting);
  const read = readLayout(text);
  if (!read.ok) {
    ctx.push({
      code: 'invalid-pipeline-layout',
      // A layout past our expansion bound may be valid; it is only not checked.
      severity: read.tooLong ? 'information' : 'error',
      message: read.tooLong
        ? `the layout '${text}' is not checked: ${read.error}`
        : `cannot read the layout '${text}': ${read.error}; stages are separated by '|', repeats are (…)*n or x*n`,
      range,
    });
    return;
  }
  const stages = read.stages;
  // megatron/training/arguments.py:941-950 (d98e8a64): the stage count must be a multiple of PP.
  if (positive(p) && stages.length % p !== 0) {
    ctx.push({
      code: 'invalid-pipeline-layout',
      severity: 'error',
      message: `the layout has ${stages.length} stages, not a multiple of PP ${p}`,
      range,
    });
    return;
  }
  // megatron/core/transformer/transformer_config.py:2244-2258: no other way of splitting layers beside a layout.
  const other = [
    '--decoder-first-pipeline-num-layers',
    '--decoder-last-pipeline-num-layers',
    '--account-for-embedding-in-pipeline-split',
    '--account-for-loss-in-pipeline-split',
  ].filter((f) => ctx.settings.has(f) && ctx.settings.get(f)?.bool !== false);
  // MindSpeed features_manager/pipeline_parallel/pipeline_model_parallel_layout_feature.py:109-110.
  if (ctx.settings.has('--noop-layers')) other.push('--noop-layers');
  const problem =
    other.length > 0
      ? `a layout cannot be combined with ${other.join(', ')}`
      : layoutProblem(stages, positive(p) ? p : null, positive(L) ? L : null, mtpLayers(ctx));
  if (problem !== null)
    ctx.push({
      code: 'invalid-pipeline-layout',
      severity: 'error',
      message: problem,
      range,
      related: ctx.rel(['numLayers', 'layers']),
    });
}

/** `--mtp-num-layers` as Megatron sees it: null when absent (None), undefined when the file leaves it unknown. */
function mtpLayers(ctx: RuleContext): number | null | undefined {
  const setting = ctx.settings.get('--mtp-num-layers');
  if (!setting) return null;
  const text = setting.values?.[0];
  return text === undefined ? undefined : (parsePyInt(text) ?? undefined);
}

/**
 * The first check of PipelineParallelLayerLayout.validate_layer_layout (pipeline_parallel_layer_layout.py:86-151
 * at d98e8a64) that the layout fails, or null. Stage i sits on PP rank i % p as model chunk ⌊i / p⌋.
 */
function layoutProblem(
  stages: string[],
  p: number | null,
  L: number | null,
  mtp: number | null | undefined,
): string | null {
  const flat = stages.join('');
  const count = (symbol: string): number => flat.split(symbol).length - 1;
  if (!flat.startsWith('E')) return `the layout must start with the embedding E, not '${flat.charAt(0) || 'nothing'}'`;
  if (!flat.endsWith('L')) return `the layout must end with the loss L, not '${flat.charAt(flat.length - 1)}'`;
  if (count('E') !== 1) return `the layout places the embedding E ${count('E')} times; it must appear once`;
  if (count('L') !== 1) return `the layout places the loss L ${count('L')} times; it must appear once`;
  if (L !== null && count('t') !== L)
    return `the layout places ${count('t')} decoder layers (t) but --num-layers is ${L}`;
  if (mtp === undefined) return null;
  if (count('m') !== (mtp ?? 0))
    return `the layout places ${count('m')} MTP layers (m) but --mtp-num-layers is ${mtp ?? 'not set'}`;
  const firstMtp = flat.indexOf('m');
  if (firstMtp >= 0 && flat.includes('t', firstMtp))
    return 'the layout places decoder layers (t) after an MTP layer (m)';
  if (p === null || firstMtp < 0) return null;
  const v = stages.length / p;
  const mtpStage = stages.findIndex((s) => s.includes('m'));
  if (Math.floor(mtpStage / p) !== v - 1)
    return `the MTP layers (m) must be in the last model chunk of their PP rank (stage ${mtpStage + 1} is chunk ${Math.floor(mtpStage / p) + 1} of ${v})`;
  if (stages[mtpStage]?.split('m').length !== count('m') + 1) return 'all MTP layers (m) must be in one stage';
  return null;
}

/**
 * MindSpeed-LLM's `--num-layer-list` (features_manager/pipeline_parallel/num_layer_list.py:24-38 and
 * training/arguments.py:141-147 at c77308a1): one entry per PP stage (PP + 1 under layerwise disaggregated training,
 * core/layerwise_disaggregated_training/initialize.py:106-108), PP > 1, no VPP and no dualpipev, integers that sum to
 * --num-layers. With --noop-layers MindSpeed drops the list.
 */
function checkLayerList(ctx: RuleContext): void {
  const setting = ctx.settings.get('--num-layer-list');
  const text = setting?.values?.[0];
  if (!setting || text === undefined) return;
  const range = valueAt(setting);
  const push = (severity: 'error' | 'information', message: string): void =>
    ctx.push({ code: 'invalid-pipeline-layout', severity, message, range });
  if (ctx.settings.has('--noop-layers')) {
    push('information', 'MindSpeed ignores --num-layer-list when --noop-layers is set; layers split evenly');
    return;
  }
  const { numLayers: L, pipelineParallel: p } = ctx.cfg;
  const items = text.split(',');
  const ldt = ctx.settings.get('--layerwise-disaggregated-training')?.bool === true;
  const expected = positive(p) ? p + (ldt ? 1 : 0) : null;
  const counts = items.map((x) => parsePyInt(x));
  const sum = counts.reduce<number>((a, b) => a + (b ?? 0), 0);
  const vppSetting = ctx.settings.get('--num-layers-per-virtual-pipeline-stage');
  const schedule = ctx.settings.get('--schedules-method')?.values?.[0];
  if (expected !== null && items.length !== expected)
    push(
      'error',
      `--num-layer-list has ${items.length} entries but needs ${expected} (${ldt ? 'PP + 1 with --layerwise-disaggregated-training' : 'one per pipeline stage'})`,
    );
  else if (positive(p) && p <= 1) push('error', '--num-layer-list needs pipeline parallelism (PP > 1)');
  else if (vppSetting)
    push('error', '--num-layer-list cannot be combined with --num-layers-per-virtual-pipeline-stage');
  else if (schedule === 'dualpipev')
    push('error', '--num-layer-list cannot be combined with --schedules-method dualpipev');
  else if (counts.some((c) => c === null))
    push('error', `--num-layer-list entry '${items[counts.indexOf(null)] ?? ''}' is not an integer`);
  else if (positive(L) && sum !== L) push('error', `--num-layer-list sums to ${sum} layers but --num-layers is ${L}`);
}

/**
 * MindSpeed's `--noop-layers` (features_manager/pipeline_parallel/noop_layers.py:39-52 at 028de58c): comma-separated
 * digits, each a 0-based layer index below --num-layers (no-op layers are counted in --num-layers, so the usual
 * divisibility by PP still applies).
 */
function checkNoopLayers(ctx: RuleContext): void {
  const setting = ctx.settings.get('--noop-layers');
  const text = setting?.values?.[0];
  if (!setting || text === undefined) return;
  const L = ctx.cfg.numLayers;
  const items = text.split(',');
  const bad = items.find((x) => !/^\d+$/.test(x));
  const outside = positive(L) ? items.find((x) => /^\d+$/.test(x) && Number(x) >= L) : undefined;
  const message =
    bad !== undefined
      ? `--noop-layers entry '${bad}' is not a layer index (digits only)`
      : outside !== undefined
        ? `--noop-layers entry ${outside} is not below --num-layers ${L ?? ''}`
        : null;
  if (message !== null)
    ctx.push({ code: 'invalid-pipeline-layout', severity: 'error', message, range: valueAt(setting) });
}
