// Mixture of experts: router top-k and expert FFN width default only for MoE models; `--moe-layer-freq` says
// which layers are MoE (an integer N, or a list expression read by layerFreq.ts).
import { parsePyInt } from '../../pyNumbers';
import { explicitSource, numberSpec, type ResolveContext } from '../context';
import type { FlagSetting } from '../../interpret';
import { readLayerFreqList } from '../layerFreq';
import { resolveDeepSpeedMoe } from './deepspeedMoe';

/** Entries a pattern may build; longer ones are still measured (a length that cannot equal any layer count). */
const MAX_PATTERN_ENTRIES = 100_000;

export function resolveMoe(ctx: ResolveContext): void {
  if (ctx.input.dialects.has('deepspeed')) {
    resolveDeepSpeedMoe(ctx);
    return;
  }
  ctx.set('moeExpertsPerLayer', null, {
    status: 'default',
    note: 'Megatron-Core MoE: --num-experts on each MoE layer',
  });
  ctx.set('moeResidualMlp', null, { status: 'default', note: 'DeepSpeed-MoE only' });
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
  const denseFirst = firstDenseLayers(ctx);
  if (!freq) {
    ctx.derived(
      'moeLayerPattern',
      Array.from({ length: layers }, (_, i) => (i < denseFirst ? 0 : 1)),
      denseFirst
        ? `--moe-layer-freq defaults to 1: every layer from --first-k-dense-replace ${denseFirst} on is MoE`
        : '--moe-layer-freq defaults to 1: every layer is MoE',
    );
    return;
  }
  const text = freq.values?.[0];
  if (text === undefined) {
    ctx.set('moeLayerPattern', null, ctx.unresolved(freq, 'moeLayerPattern'));
    return;
  }
  // moe_freq_type (arguments.py:345-350 at d98e8a64): a text with `[` is a list expression, any other goes to int().
  if (text.includes('[')) resolveListPattern(ctx, freq, text, layers);
  else resolveEveryNth(ctx, freq, text, layers, denseFirst);
}

/**
 * MindSpeed-LLM's `--first-k-dense-replace K` (a MindSpeed-only flag, features_manager/transformer/transformer_block.py
 * :10 at c77308a1): when the MoE frequency is an integer, layer i (0-based) is MoE only if i >= K and i % freq == 0
 * (mindspeed_llm/core/transformer/transformer_block.py:163-166). 0 when absent, unknown or not positive.
 */
function firstDenseLayers(ctx: ResolveContext): number {
  const text = ctx.settings.get('--first-k-dense-replace')?.values?.[0];
  const k = text === undefined ? null : parsePyInt(text);
  return k !== null && k > 0 ? k : 0;
}

/** Megatron builds layer i as MoE when `i % N == 0` (gpt_layer_specs.py:647-650), with Python's `%`. */
function resolveEveryNth(
  ctx: ResolveContext,
  freq: FlagSetting,
  text: string,
  layers: number,
  denseFirst: number,
): void {
  const n = parsePyInt(text);
  const range = freq.valueRange ?? freq.range;
  if (n === null || n === 0) {
    ctx.diagnostics.push({
      code: 'invalid-moe-layer-freq',
      severity: 'error',
      message:
        n === 0
          ? `--moe-layer-freq 0: Megatron computes layer % 0 for every layer and stops with ZeroDivisionError; use 1 for every layer MoE`
          : `--moe-layer-freq '${text}' is neither an integer nor a list expression like ([0]*3+[1]*58); Megatron reads a value without '[' with int() and stops`,
      range,
    });
    ctx.blocked('moeLayerPattern', `--moe-layer-freq '${text}' is invalid`);
    return;
  }
  // Python's `i % -N == 0` exactly when N divides i, so a negative N picks the same layers as N; -1 picks all.
  const step = Math.abs(n);
  let note = denseFirst
    ? `layer i is MoE when i >= ${denseFirst} (--first-k-dense-replace) and i % ${n} == 0`
    : `layer i is MoE when i % ${n} == 0`;
  if (n < 0) note += ` (Python's % with a negative divisor: the same layers as ${step})`;
  const pattern = Array.from({ length: layers }, (_, i) => (i >= denseFirst && i % step === 0 ? 1 : 0));
  ctx.set('moeLayerPattern', pattern, { ...explicitSource(freq), status: 'derived', note });
}

function resolveListPattern(ctx: ResolveContext, freq: FlagSetting, text: string, layers: number): void {
  const read = readLayerFreqList(text, MAX_PATTERN_ENTRIES);
  const range = freq.valueRange ?? freq.range;
  if (read.kind === 'unreadable') {
    ctx.diagnostics.push({
      code: 'unresolved-value',
      severity: 'warning',
      message: `--moe-layer-freq '${text}' could not be read statically (${read.reason}); every layer is assumed to be an MoE layer with --num-experts experts`,
      range,
    });
    ctx.set('moeLayerPattern', new Array<number>(layers).fill(1), {
      ...explicitSource(freq),
      status: 'derived',
      note: 'pattern not read statically: every layer assumed MoE',
    });
    return;
  }
  if (read.kind === 'malformed') {
    ctx.diagnostics.push({
      code: 'invalid-moe-layer-freq',
      severity: 'error',
      message: `--moe-layer-freq '${text}' is not a valid pattern: ${read.error}. Megatron evaluates it as a Python list of 0 (dense) and 1 (MoE) per layer, e.g. ([0]*3+[1]*58)`,
      range,
    });
    ctx.blocked('moeLayerPattern', read.error);
    return;
  }
  const length = read.kind === 'list' ? read.value.length : read.length;
  if (read.rejectedByCurrent)
    ctx.diagnostics.push({
      code: 'invalid-moe-layer-freq',
      severity: 'warning',
      message: `--moe-layer-freq '${text}' contains ${read.rejectedByCurrent}: current Megatron-LM (since May 2025) accepts only digits and , [ ] ( ) + * in a pattern and stops with "Invalid pattern"; older releases evaluate it`,
      range,
    });
  if (length !== layers) {
    // gpt_layer_specs.py:651-656 at d98e8a64 asserts len(pattern) == num_layers.
    const numLayersRange = ctx.sources.numLayers?.range;
    ctx.diagnostics.push({
      code: 'invalid-moe-layer-freq',
      severity: 'error',
      message: `--moe-layer-freq '${text}' lists ${length} layers but the model has ${layers} (--num-layers); Megatron asserts they are equal`,
      range,
      ...(numLayersRange && { related: [{ message: '--num-layers', range: numLayersRange }] }),
    });
    ctx.blocked('moeLayerPattern', `${length} entries for ${layers} layers`);
    return;
  }
  if (read.kind === 'too-long') {
    ctx.blocked('moeLayerPattern', `a pattern of ${length} entries is not built`);
    return;
  }
  ctx.set('moeLayerPattern', read.value, {
    ...explicitSource(freq),
    status: 'derived',
    note: `${read.value.filter((x) => x).length} of ${layers} layers are MoE`,
  });
}
