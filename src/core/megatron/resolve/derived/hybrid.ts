// Hybrid (Mamba) models: the layer count and layer types a hybrid pattern or the older ratio flags give. Megatron-LM
// builds such a model from a pattern of layer symbols; the cost and memory models know transformer layers only, so
// the engine refuses to simulate it (model/hybrid.ts) — but the layer count still decides every layer and pipeline
// check, so it must be the count the file's Megatron builds.
import type { CoreDiagnostic } from '../../../types';
import type { FlagSetting } from '../../interpret';
import { parsePyFloat, parsePyInt } from '../../pyNumbers';
import { explicitSource, type ResolveContext } from '../context';

/** Megatron-LM hybrid_layer_allocation.py `Symbols` (d98e8a64 lines 14-25): the layer symbols and the separators. */
const LAYER_SYMBOLS = new Set(['M', 'G', '*', 'D', '+', '-', 'E']);
const PIPE = '|';
const MTP_SEPARATOR = '/';

/** Longest pattern read; a longer one is beyond any real model and is not walked character by character. */
const MAX_PATTERN_CHARS = 65_536;

export interface ParsedHybrid {
  /** Main decoder layers, pipes removed. */
  layers: string;
  /** Pipeline segments of the main pattern (pipes + 1). */
  segments: number;
  /** A symbol Megatron rejects, when there is one. */
  invalid: string | null;
}

/**
 * The main pattern (before the first `/`, which starts the MTP depths), its layer symbols without pipes and its
 * segment count, as get_hybrid_total_layer_count / get_hybrid_total_pipeline_segment_count compute them
 * (hybrid_layer_allocation.py:128-161 at d98e8a64).
 */
export function parseHybridPattern(pattern: string): ParsedHybrid | null {
  if (pattern.length > MAX_PATTERN_CHARS) return null;
  const main = pattern.split(MTP_SEPARATOR)[0] ?? '';
  let layers = '';
  let segments = 1;
  let invalid: string | null = null;
  for (const ch of main) {
    if (ch === PIPE) segments++;
    else {
      if (!LAYER_SYMBOLS.has(ch) && invalid === null) invalid = ch;
      layers += ch;
    }
  }
  return { layers, segments, invalid };
}

/** Python's round(): halves go to the even neighbour (round(2.5) == 2). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Per-symbol counts, for messages: "24 Mamba, 4 attention, 20 MLP". */
const SYMBOL_NAMES: Readonly<Record<string, string>> = {
  M: 'Mamba',
  G: 'gated delta net',
  '*': 'attention',
  D: 'DeepSeek sparse attention',
  '+': 'MLA',
  '-': 'MLP',
  E: 'MoE',
};

export function describeHybrid(layers: string): string {
  const counts = new Map<string, number>();
  for (const ch of layers) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  return [...counts].map(([ch, n]) => `${n} ${SYMBOL_NAMES[ch] ?? `'${ch}'`}`).join(', ');
}

/**
 * The forks that carry an older Megatron-Core (Zero-Bubble, Seq1F1B, Megatron-DeepSpeed, MindSpeed, Pai): there the
 * pattern must have exactly --num-layers symbols (megatron/core/ssm/mamba_hybrid_layer_allocation.py:61-70 in the
 * Zero-Bubble fork, 39f2c186), where current Megatron-LM takes the count from the pattern.
 */
function olderMegatron(ctx: ResolveContext): boolean {
  const d = ctx.input.dialects;
  return (
    d.has('zero-bubble') ||
    d.has('seq1f1b') ||
    d.has('deepspeed') ||
    d.has('mindspeed') ||
    d.has('pai') ||
    d.has('vocab-parallel')
  );
}

export function resolveHybrid(ctx: ResolveContext): void {
  const layer = ctx.settings.get('--hybrid-layer-pattern');
  const override = ctx.settings.get('--hybrid-override-pattern');
  const setting = layer ?? override;
  if (setting) {
    fromPattern(ctx, setting, layer !== undefined);
    return;
  }
  const attention = ctx.settings.get('--hybrid-attention-ratio');
  const mlp = ctx.settings.get('--hybrid-mlp-ratio');
  if (attention || mlp) fromRatios(ctx, attention, mlp);
  else ctx.set('hybridLayerPattern', null, { status: 'default', note: 'no hybrid layer pattern: a transformer model' });
}

function fromPattern(ctx: ResolveContext, setting: FlagSetting, unifiedFlag: boolean): void {
  const text = setting.values?.[0];
  if (text === undefined) {
    ctx.blocked('hybridLayerPattern', `${setting.spelling} cannot be read statically`);
    return;
  }
  const parsed = parseHybridPattern(text);
  const range = setting.valueRange ?? setting.range;
  if (parsed === null) {
    ctx.blocked('hybridLayerPattern', `${setting.spelling} is longer than ${MAX_PATTERN_CHARS} characters`);
    return;
  }
  const source = explicitSource(setting);
  const uncertain = (setting.assumptions?.length ?? 0) > 0;
  if (parsed.invalid !== null) {
    // _validate_pattern (hybrid_layer_allocation.py:277-294 at d98e8a64) raises ValueError.
    ctx.diagnostics.push({
      code: 'invalid-flag-value',
      severity: uncertain ? 'warning' : 'error',
      message: `${setting.spelling}: '${parsed.invalid}' is not a layer symbol; Megatron accepts M (Mamba), G, * (attention), D, + (MLA), - (MLP), E (MoE) and | between pipeline segments, and stops with ValueError`,
      range,
    });
    ctx.blocked('hybridLayerPattern', `'${parsed.invalid}' is not a layer symbol`);
    return;
  }
  ctx.set('hybridLayerPattern', parsed.layers, { ...source, note: describeHybrid(parsed.layers) });
  const count = parsed.layers.length;
  const given = ctx.config.numLayers;
  const givenRange = ctx.sources.numLayers?.valueRange ?? ctx.sources.numLayers?.range;
  if (!unifiedFlag && olderMegatron(ctx)) {
    if (given !== null && given !== count)
      ctx.diagnostics.push(mismatch(setting, count, given, 'older', uncertain, givenRange));
    return;
  }
  // Current Megatron-LM derives num_layers from the pattern and ignores --num-layers (arguments.py:787-797 at
  // d98e8a64); --hybrid-override-pattern is its deprecated spelling (arguments.py:744-755).
  if (given !== null && given !== count)
    ctx.diagnostics.push(mismatch(setting, count, given, unifiedFlag ? 'current' : 'either', uncertain, givenRange));
  ctx.set('numLayers', count, {
    ...source,
    status: 'derived',
    note: `${count} layers in the pattern (${describeHybrid(parsed.layers)}); Megatron-LM takes the layer count from it`,
  });
}

function mismatch(
  setting: FlagSetting,
  count: number,
  given: number,
  megatron: 'current' | 'older' | 'either',
  uncertain: boolean,
  numLayersRange: CoreDiagnostic['range'] | undefined,
): CoreDiagnostic {
  const head = `${setting.spelling} has ${count} layers but --num-layers is ${given}`;
  const message =
    megatron === 'current'
      ? `${head}: Megatron-LM builds the pattern's ${count} layers and ignores --num-layers (it warns); drop --num-layers or make them agree`
      : megatron === 'older'
        ? `${head}: this Megatron requires them to be equal and stops with ValueError (mamba_hybrid_layer_allocation.py)`
        : `${head}: current Megatron-LM builds the pattern's ${count} layers and ignores --num-layers; releases up to core_r0.16 stop with ValueError. Make them agree`;
  return {
    code: 'invalid-flag-value',
    severity: megatron === 'older' && !uncertain ? 'error' : megatron === 'current' ? 'information' : 'warning',
    message,
    range: setting.valueRange ?? setting.range,
    ...(numLayersRange && { related: [{ message: '--num-layers', range: numLayersRange }] }),
  };
}

/**
 * Older Megatron-Core without a pattern: attention and MLP layers at the given ratios among --num-layers, the rest
 * Mamba (mamba_hybrid_layer_allocation.py `_allocate_auto`: round(L·ratio) of each, Python rounding). Only the
 * counts are kept: the placement does not change what the file can be checked for.
 */
function fromRatios(ctx: ResolveContext, attention: FlagSetting | undefined, mlp: FlagSetting | undefined): void {
  const L = ctx.config.numLayers;
  const ratio = (s: FlagSetting | undefined): number | null => {
    if (!s) return 0;
    const t = s.values?.[0];
    return t === undefined ? null : (parsePyFloat(t) ?? parsePyInt(t));
  };
  const ar = ratio(attention);
  const mr = ratio(mlp);
  if (L === null || L <= 0 || ar === null || mr === null || !(ar >= 0 && mr >= 0 && ar + mr <= 1)) {
    ctx.blocked('hybridLayerPattern', 'the hybrid ratios or the layer count are unknown or out of range');
    return;
  }
  const a = roundHalfEven(L * ar);
  const m = roundHalfEven(L * mr);
  const layers = '*'.repeat(a) + '-'.repeat(m) + 'M'.repeat(Math.max(0, L - a - m));
  const from = (attention ?? mlp) as FlagSetting;
  ctx.set('hybridLayerPattern', layers, {
    ...explicitSource(from),
    status: 'derived',
    note: `${describeHybrid(layers)} of ${L} layers (round(L·ratio) each; their order is not modelled)`,
  });
}
