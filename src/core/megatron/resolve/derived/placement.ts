// Where the decoder layers go: Megatron-LM's own split, or the per-stage counts a dialect states or computes
// (an explicit layout, MindSpeed-LLM's list, the Zero-Bubble fork's padding, DeepSpeed's pipeline partition), plus
// MindSpeed's no-op layers and the smallest PP the file's Megatron runs the interleaved schedule with. The model
// (model/layout.ts) turns these into the one placement the time model, the memory model and the advice read.
import type { FlagSetting } from '../../interpret';
import { parsePyInt } from '../../pyNumbers';
import { explicitSource, type ResolveContext } from '../context';

const isOn = (setting: FlagSetting | undefined): boolean => setting?.bool === true;

/** Layer slots per stage and how they were found; `perStage` null with `reason` when the dialect refuses. */
type Placement = { perStage: number[]; note: string } | { perStage: null; reason: string };

export function resolveLayerPlacement(ctx: ResolveContext): void {
  resolveInterleavedMinPipeline(ctx);
  resolveNoopLayers(ctx);
  const { settings } = ctx;
  const layout = settings.get('--pipeline-model-parallel-layout');
  const list = settings.get('--num-layer-list');
  if (layout) place(ctx, 'layout', layout, fromLayout(ctx));
  // MindSpeed-LLM drops the list when no-op layers are given (features_manager/pipeline_parallel/num_layer_list.py:35-38 at c77308a1).
  else if (list && !settings.has('--noop-layers')) place(ctx, 'num-layer-list', list, fromLayerList(ctx, list));
  else if (isOn(settings.get('--allow-padding-num-layers')) && zeroBubblePadding(ctx) > 0)
    place(ctx, 'zero-bubble-padding', settings.get('--allow-padding-num-layers'), fromZeroBubblePadding(ctx));
  else if (deepSpeedPipeline(ctx)) place(ctx, 'deepspeed-balanced', settings.get('--deepspeed'), fromDeepSpeed(ctx));
  else if (vocabParallelForkSplit(ctx))
    place(ctx, 'vocab-parallel-fork', settings.get('--enable-layer-redistribution'), fromVocabParallelFork(ctx));
  else {
    ctx.set('layerSplitMethod', 'megatron', { status: 'default', note: "Megatron-LM's split of the layers" });
    ctx.set('layersPerStage', null, { status: 'default', note: 'Megatron-LM places the layers itself' });
  }
}

function place(
  ctx: ResolveContext,
  method: 'layout' | 'num-layer-list' | 'zero-bubble-padding' | 'deepspeed-balanced' | 'vocab-parallel-fork',
  setting: FlagSetting | undefined,
  placement: Placement,
): void {
  const source = setting ? explicitSource(setting) : { status: 'default' as const };
  ctx.set('layerSplitMethod', method, source);
  if (placement.perStage === null) ctx.blocked('layersPerStage', placement.reason);
  else ctx.set('layersPerStage', placement.perStage, { ...source, status: 'derived', note: placement.note });
}

/**
 * `--pipeline-model-parallel-layout`: each (virtual) stage holds the `t` written in it; stage i sits on PP rank
 * i mod p as model chunk ⌊i/p⌋ (megatron/core/transformer/pipeline_parallel_layer_layout.py:46-55 at d98e8a64), the
 * order vs = chunk·p + rank. E is the first stage's and L the last stage's by validate_layer_layout.
 */
function fromLayout(ctx: ResolveContext): Placement {
  const stages = ctx.layoutStages;
  const { numLayers: L, pipelineParallel: p } = ctx.config;
  if (!stages) return { perStage: null, reason: 'the layout cannot be read' };
  if (p === null || L === null) return { perStage: null, reason: 'the layer count or PP size is unknown' };
  const perStage = stages.map((s) => s.split('t').length - 1);
  const total = perStage.reduce((a, b) => a + b, 0);
  const other = [
    '--decoder-first-pipeline-num-layers',
    '--decoder-last-pipeline-num-layers',
    '--account-for-embedding-in-pipeline-split',
    '--account-for-loss-in-pipeline-split',
    '--noop-layers',
  ].filter((f) => ctx.settings.has(f) && ctx.settings.get(f)?.bool !== false);
  const flat = stages.join('');
  if (stages.length % p !== 0)
    return { perStage: null, reason: `${stages.length} stages are not a multiple of PP ${p}` };
  if (total !== L) return { perStage: null, reason: `the layout places ${total} decoder layers, --num-layers is ${L}` };
  if (!flat.startsWith('E') || !flat.endsWith('L'))
    return { perStage: null, reason: 'the layout must start with E and end with L' };
  if (other.length > 0) return { perStage: null, reason: `a layout cannot be combined with ${other.join(', ')}` };
  return { perStage, note: `decoder layers (t) per layout stage: ${perStage.join(', ')}` };
}

/**
 * MindSpeed-LLM `--num-layer-list`: rank r builds list[r] layers (mindspeed_llm/core/transformer/transformer_block.py:
 * 92-96 at c77308a1), starting after the earlier ranks' (training/arguments.py:94-106, the prefix sums); the list has
 * one entry per PP stage, needs PP > 1 and no virtual pipeline, and sums to --num-layers
 * (features_manager/pipeline_parallel/num_layer_list.py:24-34, training/arguments.py:141-147).
 */
function fromLayerList(ctx: ResolveContext, setting: FlagSetting): Placement {
  const text = setting.values?.[0];
  const { numLayers: L, pipelineParallel: p, virtualStages: v } = ctx.config;
  if (text === undefined) return { perStage: null, reason: '--num-layer-list is unknown' };
  if (p === null || L === null) return { perStage: null, reason: 'the layer count or PP size is unknown' };
  const counts = text.split(',').map((x) => parsePyInt(x));
  const perStage = counts.filter((c): c is number => c !== null && c >= 0);
  const sum = perStage.reduce((a, b) => a + b, 0);
  if (perStage.length !== counts.length) return { perStage: null, reason: `'${text}' is not a list of layer counts` };
  if (perStage.length !== p)
    return { perStage: null, reason: `${perStage.length} entries for PP ${p} (layerwise training is not modelled)` };
  if (p <= 1) return { perStage: null, reason: 'MindSpeed-LLM needs PP > 1 for --num-layer-list' };
  if (ctx.settings.has('--num-layers-per-virtual-pipeline-stage') || (v !== null && v > 1))
    return { perStage: null, reason: 'MindSpeed-LLM refuses --num-layer-list with a virtual pipeline' };
  if (ctx.settings.get('--schedules-method')?.values?.[0] === 'dualpipev')
    return { perStage: null, reason: 'MindSpeed-LLM refuses --num-layer-list with dualpipev' };
  if (sum !== L) return { perStage: null, reason: `the list sums to ${sum}, --num-layers is ${L}` };
  return { perStage, note: `--num-layer-list: ${perStage.join(', ')} layers per stage` };
}

/**
 * The Zero-Bubble fork's `--allow-padding-num-layers`: L is padded up to the next multiple of p, L' = L − (L mod p)
 * + p (megatron/training/arguments.py:260-269 at 39f2c186), and the layers a chunk lacks: 0 when L divides.
 */
function zeroBubblePadding(ctx: ResolveContext): number {
  const { numLayers: L, pipelineParallel: p } = ctx.config;
  if (L === null || p === null || p <= 0) return 0;
  return L % p === 0 ? 0 : p - (L % p);
}

/**
 * The fork's legacy models build L'/(p·v) layers per chunk and take one away from chunk −1, 0, 1, …, padding−2 in
 * Python indexing — the last chunk first, then the first ones (megatron/legacy/model/transformer.py:1745-1790 at
 * 39f2c186). Its Megatron-Core path has no such code: get_num_layers_to_build (core/transformer/transformer_block.py:
 * 52-80) builds L'/p per rank from the padded count, i.e. L' real layers.
 */
function fromZeroBubblePadding(ctx: ResolveContext): Placement {
  const { numLayers: L, pipelineParallel: p } = ctx.config;
  const padding = zeroBubblePadding(ctx);
  if (L === null || p === null) return { perStage: null, reason: 'the layer count or PP size is unknown' };
  const padded = L + padding;
  const v = ctx.config.virtualStages ?? 1;
  if ((padded / p) % v !== 0)
    return { perStage: null, reason: `${padded / p} padded layers per stage do not split into ${v} chunks` };
  const chunks = new Array<number>(p * v).fill(padded / (p * v));
  const legacy = isOn(ctx.settings.get('--use-legacy-models'));
  if (legacy) for (let i = -1; i < padding - 1; i++) chunks[(i + p * v) % (p * v)]! -= 1;
  return {
    perStage: chunks,
    note: legacy
      ? `L padded to ${padded} (p=${p}); the ${padding} padding layers come off the last chunk, then the first ones`
      : `L padded to ${padded} (p=${p}); Megatron-Core models build all ${padded} layers`,
  };
}

/** Megatron-DeepSpeed builds GPTModelPipe when DeepSpeed runs and its pipeline is not off (pretrain_gpt.py:51). */
function deepSpeedPipeline(ctx: ResolveContext): boolean {
  const p = ctx.config.pipelineParallel;
  return (
    ctx.input.dialects.has('deepspeed') &&
    isOn(ctx.settings.get('--deepspeed')) &&
    !isOn(ctx.settings.get('--no-pipeline-parallel')) &&
    p !== null &&
    p > 1
  );
}

/**
 * DeepSpeed's PipelineModule with partition_method 'type:transformer' (megatron/model/gpt_model.py:459-463 in
 * Microsoft's Megatron-DeepSpeed) weighs each transformer layer 1 and everything else 0 and splits by
 * partition_balanced (deepspeed/runtime/utils.py:627-665 at edaa7221): the smallest max − min, so every stage gets
 * ⌊L/p⌋ or ⌈L/p⌉ layers, and the `>=` tie-break keeps the latest split point, which leaves the extra layers on the
 * first stages. No divisibility is required; there is no virtual pipeline.
 */
function fromDeepSpeed(ctx: ResolveContext): Placement {
  const { numLayers: L, pipelineParallel: p, virtualStages: v } = ctx.config;
  if (L === null || p === null) return { perStage: null, reason: 'the layer count or PP size is unknown' };
  if (v !== null && v > 1) return { perStage: null, reason: "DeepSpeed's pipeline has no virtual stages" };
  // With fewer layers than stages the dynamic programme's tie-breaks place them unevenly; not modelled.
  if (L < p) return { perStage: null, reason: `fewer layers (${L}) than pipeline stages (${p})` };
  const base = Math.floor(L / p);
  const perStage = Array.from({ length: p }, (_, i) => base + (i < L - base * p ? 1 : 0));
  return { perStage, note: `DeepSpeed partition_balanced of ${L} layers over ${p} stages` };
}

/**
 * MindSpeed `--noop-layers`: comma-separated 0-based indices below --num-layers, built as identity layers
 * (mindspeed/features_manager/pipeline_parallel/noop_layers.py:39-52, core/pipeline_parallel/noop_layers/
 * transformer.py:34-45 at 028de58c); they keep their slot in the usual split.
 */
function resolveNoopLayers(ctx: ResolveContext): void {
  const setting = ctx.settings.get('--noop-layers');
  const text = setting?.values?.[0];
  const L = ctx.config.numLayers;
  if (!setting) {
    ctx.set('noopLayers', null, { status: 'default', note: 'no --noop-layers' });
    return;
  }
  const items = text?.split(',') ?? [];
  if (text === undefined || L === null || !items.every((x) => /^\d+$/.test(x) && Number(x) < L)) {
    ctx.blocked('noopLayers', 'the no-op layer list is unknown or not indices below --num-layers');
    return;
  }
  ctx.set(
    'noopLayers',
    [...new Set(items.map(Number))].sort((a, b) => a - b),
    explicitSource(setting),
  );
}

/**
 * Current Megatron-LM runs the interleaved schedule with PP 2 unless p2p overlap is off (megatron/training/
 * arguments.py:1000-1009 at d98e8a64; `--no-overlap-p2p-communication` is store_false, so overlap is on by default).
 * The Seq1F1B fork (megatron/arguments.py:141-144), Microsoft's Megatron-DeepSpeed (megatron/arguments.py:172-175) and
 * BigScience's (megatron/arguments.py:158-161) need PP > 2 whatever the overlap. MindSpeed-LLM lifts the check for PP 2 with
 * --num-layers-per-virtual-pipeline-stage (features_manager/megatron_basic/training_basic.py:69-76 at c77308a1).
 */
function resolveInterleavedMinPipeline(ctx: ResolveContext): void {
  const { dialects } = ctx.input;
  const noOverlap = ctx.settings.get('--no-overlap-p2p-communication');
  const mindSpeedBypass =
    dialects.has('mindspeed') &&
    ctx.config.pipelineParallel === 2 &&
    ctx.settings.has('--num-layers-per-virtual-pipeline-stage');
  if (dialects.has('seq1f1b') || dialects.has('deepspeed'))
    ctx.set('interleavedMinPipeline', 3, {
      status: 'default',
      note: 'this Megatron fork needs PP > 2 for the interleaved schedule',
    });
  else if (noOverlap && noOverlap.bool !== false && !mindSpeedBypass)
    ctx.set('interleavedMinPipeline', 3, {
      ...explicitSource(noOverlap),
      status: 'derived',
      note: 'without p2p overlap Megatron needs PP > 2 for the interleaved schedule',
    });
  else
    ctx.set('interleavedMinPipeline', 2, {
      status: 'default',
      note: mindSpeedBypass
        ? 'MindSpeed-LLM runs the interleaved schedule with PP 2'
        : 'with p2p overlap (the default) Megatron runs the interleaved schedule with PP 2',
    });
}

/**
 * The Vocabulary Parallelism fork's own split, where it differs from Megatron-LM's: its Megatron-Core models build any
 * L on a non-interleaved pipeline (sail-sg/VocabularyParallelism 6191c3bf megatron/core/transformer/transformer_block.py:
 * 52-66 — only the VPP path asserts L divisible by p, megatron/training/arguments.py:268), and
 * --enable-layer-redistribution puts --final-stage-num-layers on the last stage (arguments.py:283-294). Legacy models
 * and a virtual pipeline keep Megatron-LM's rule.
 */
function vocabParallelForkSplit(ctx: ResolveContext): boolean {
  const { numLayers: L, pipelineParallel: p } = ctx.config;
  if (ctx.input.dialect !== 'vocab-parallel' || L === null || p === null || p < 2) return false;
  if (ctx.settings.has('--num-layers-per-virtual-pipeline-stage') || isOn(ctx.settings.get('--use-legacy-models')))
    return false;
  return isOn(ctx.settings.get('--enable-layer-redistribution')) || L % p !== 0;
}

/**
 * get_num_layers_to_build (transformer_block.py:52-66): the last stage F layers (redistribution) or ⌊L/p⌋, the other
 * p − 1 stages ⌊(L − F)/(p − 1)⌋ (or ⌊L/p⌋) each, and the remainder one each on ranks p − 2, p − 3, … downwards.
 */
function fromVocabParallelFork(ctx: ResolveContext): Placement {
  const { numLayers: L, pipelineParallel: p } = ctx.config;
  if (L === null || p === null) return { perStage: null, reason: 'the layer count or PP size is unknown' };
  const redistribute = isOn(ctx.settings.get('--enable-layer-redistribution'));
  const raw = ctx.settings.get('--final-stage-num-layers')?.values?.[0];
  const final = redistribute ? (raw === undefined ? 0 : parsePyInt(raw)) : null;
  if (redistribute && (final === null || final < 0 || final > L))
    return { perStage: null, reason: `--final-stage-num-layers ${raw ?? '?'} is not between 0 and ${L}` };
  const rest = final === null ? L : L - final;
  const sharing = final === null ? p : p - 1;
  const perStage = new Array<number>(p).fill(Math.floor(rest / sharing));
  for (let r = p - 2, extra = rest % sharing; extra > 0 && r >= 0; r--, extra--) perStage[r] = perStage[r]! + 1;
  if (final !== null) perStage[p - 1] = final;
  return { perStage, note: `the Vocabulary Parallelism fork's split: ${perStage.join(', ')} layers per stage` };
}
