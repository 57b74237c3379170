// Flag settings + world → a RunConfig where every field is filled, with where each value came from.
// Megatron's defaults apply to absent flags; derived values carry their arithmetic in `note`; anything that
// depends on an unknown value is null with a reason instead of a guess.
import type { CoreDiagnostic, ConfigKey, ConfigSources, Precision, RunConfig, SplitStrategy, ValueSource } from '../types';
import type { Dialect } from './flags';
import { unresolvedAlreadyReported, type FlagSetting } from './interpret';
import type { WorldInfo } from './world';
import { parsePyFloat, parsePyInt } from './util';

export interface ResolveInput {
  settings: Map<string, FlagSetting>;
  world: WorldInfo;
  dialects: Set<Dialect>;
  /** Diagnostics the bash reader already emitted (to avoid a second `unresolved-value` for the same cause). */
  upstream: CoreDiagnostic[];
  format: 'bash' | 'yaml';
}

export interface ResolveResult {
  config: RunConfig;
  sources: ConfigSources;
  diagnostics: CoreDiagnostic[];
  /** Parsed `--pipeline-model-parallel-layout` stages (for validation), null when absent or invalid. */
  layoutStages: string[] | null;
}

export function emptyConfig(): RunConfig {
  return {
    numLayers: null, hiddenSize: null, ffnHiddenSize: null, numAttentionHeads: null, numQueryGroups: null, kvChannels: null,
    seqLength: null, maxPositionEmbeddings: null, microBatchSize: null, globalBatchSize: null, tensorParallel: null,
    pipelineParallel: null, virtualStages: null, contextParallel: null, expertParallel: null, numExperts: null,
    sequenceParallel: null, worldSize: null, dataParallel: null, numMicrobatches: null, paddedVocabSize: null,
    pipeSpSplits: null, pipeSpStrategy: null, distributedOptimizer: null, precision: null, swiglu: null,
    recomputeGranularity: null, gpusPerNode: null, numNodes: null, vocabSize: null, tokenizerType: null,
    makeVocabSizeDivisibleBy: null, untieEmbeddingsAndOutputWeights: null, normalization: null, positionEmbeddingType: null,
    groupQueryAttention: null, useFlashAttn: null, attentionBackend: null, transformerImpl: null, hiddenDropout: null,
    attentionDropout: null, addBiasLinear: null, recomputeMethod: null, recomputeNumLayers: null, recomputeModules: null,
    distributeSavedActivations: null, expertTensorParallel: null, moeRouterTopk: null, moeFfnHiddenSize: null,
    moeSharedExpertIntermediateSize: null, moeLayerPattern: null, gradReduceInBf16: null, numDistributedOptimizerInstances: null,
    numLayersPerVirtualStage: null, decoderFirstPipelineNumLayers: null, decoderLastPipelineNumLayers: null,
    accountForEmbeddingInPipelineSplit: null, accountForLossInPipelineSplit: null, fp8Format: null, trainIters: null,
  };
}

/** Vocabulary sizes before padding, per tokenizer (megatron.md "Vocab"). */
export const TOKENIZER_VOCAB: Record<string, number> = {
  GPT2BPETokenizer: 50257,
  Llama2Tokenizer: 32000,
  TikTokenizer: 131072,
};

/** Hugging Face / Pai tokenizer names whose `len(tokenizer)` we know. Matched against --tokenizer-model. */
const KNOWN_HF_VOCABS: [RegExp, number, string][] = [
  [/llama-?3|meta-llama-3/i, 128256, 'Llama-3'],
  [/llama-?2/i, 32000, 'Llama-2'],
  [/(^|[/_-])gpt2($|[/_-])/i, 50257, 'GPT-2'],
];

const explicitSource = (s: FlagSetting): ValueSource => ({
  status: 'explicit',
  range: s.range,
  valueRange: s.valueRange,
  origins: s.origins,
  flag: s.spelling,
});

export function resolveConfig(input: ResolveInput): ResolveResult {
  const { settings, world } = input;
  const config = emptyConfig();
  const sources: ConfigSources = {};
  const diagnostics: CoreDiagnostic[] = [];
  const reportedRoots = new Set<string>();

  const set = <K extends ConfigKey>(key: K, value: RunConfig[K], source: ValueSource): void => {
    config[key] = value;
    sources[key] = source;
  };
  const first = (...flags: string[]): FlagSetting | undefined => {
    for (const f of flags) {
      const s = settings.get(f);
      if (s) return s;
    }
    return undefined;
  };
  const unresolved = (s: FlagSetting, key: ConfigKey): ValueSource => {
    if (!s.invalid && !unresolvedAlreadyReported(s, input.upstream, reportedRoots)) {
      const origin = s.origins[s.origins.length - 1];
      diagnostics.push({
        code: 'unresolved-value',
        severity: 'warning',
        message: `${s.spelling} cannot be resolved statically (${s.reason ?? 'unknown value'}); ${key} is unknown, so checks and the simulation that need it are skipped`,
        range: s.valueRange ?? s.range,
        related: origin ? [{ message: `${origin.name} is defined here`, range: origin.range }] : undefined,
      });
    }
    return {
      status: 'unresolved',
      range: s.range,
      valueRange: s.valueRange,
      origins: s.origins,
      flag: s.spelling,
      reason: s.invalid ? `${s.spelling} has an invalid value` : s.reason ?? 'unknown value',
    };
  };
  /** An integer flag (first spelling present wins), with a default when absent (null default: 'required'). */
  const intKey = (key: ConfigKey, flags: string[], dflt: number | null, absentReason?: string): number | null => {
    const s = first(...flags);
    if (s) {
      const v = s.values ? parsePyInt(s.values[0]) : null;
      if (v !== null) set(key, v as never, explicitSource(s));
      else set(key, null as never, unresolved(s, key));
      return v;
    }
    if (dflt !== null) set(key, dflt as never, { status: 'default', note: `Megatron default for ${flags[0]}` });
    else set(key, null as never, absentReason ? { status: 'unresolved', reason: absentReason } : { status: 'default', note: `${flags[0]} not given` });
    return dflt;
  };
  const floatKey = (key: ConfigKey, flag: string, dflt: number | null): number | null => {
    const s = settings.get(flag);
    if (s) {
      const v = s.values ? parsePyFloat(s.values[0]) : null;
      if (v !== null) set(key, v as never, explicitSource(s));
      else set(key, null as never, unresolved(s, key));
      return v;
    }
    set(key, dflt as never, { status: 'default', note: `Megatron default for ${flag}` });
    return dflt;
  };
  const boolKey = (key: ConfigKey, flag: string, dflt: boolean): boolean => {
    const s = settings.get(flag);
    if (s && s.bool !== undefined) {
      set(key, s.bool as never, explicitSource(s));
      return s.bool;
    }
    set(key, dflt as never, { status: 'default', note: `${flag} not given` });
    return dflt;
  };
  const strKey = (key: ConfigKey, flag: string, dflt: string | null): string | null => {
    const s = settings.get(flag);
    if (s) {
      const v = s.values ? s.values[0] : null;
      if (v !== null) set(key, v as never, explicitSource(s));
      else set(key, null as never, unresolved(s, key));
      return v;
    }
    set(key, dflt as never, { status: 'default', note: dflt === null ? `${flag} not given` : `Megatron default for ${flag}` });
    return dflt;
  };
  const derived = <K extends ConfigKey>(key: K, value: RunConfig[K], note: string): void => set(key, value, { status: 'derived', note });
  const blocked = (key: ConfigKey, reason: string): void => set(key, null as never, { status: 'unresolved', reason });
  /** Name of the first input that is unknown, for "depends on …" reasons. */
  const unknownOf = (pairs: [string, number | null][]): string | null => pairs.find(([, v]) => v === null)?.[0] ?? null;

  // ── Parallel sizes ──
  const t = intKey('tensorParallel', ['--tensor-model-parallel-size'], 1);
  const p = intKey('pipelineParallel', ['--pipeline-model-parallel-size'], 1);
  const c = intKey('contextParallel', ['--context-parallel-size'], 1);
  intKey('expertParallel', ['--expert-model-parallel-size'], 1);
  if (settings.has('--expert-tensor-parallel-size')) intKey('expertTensorParallel', ['--expert-tensor-parallel-size'], null);
  else if (t !== null) derived('expertTensorParallel', t, `defaults to TP = ${t}`);
  else blocked('expertTensorParallel', 'defaults to TP, which is unresolved');

  // ── Model shape ──
  const L = intKey('numLayers', ['--num-layers', '--decoder-num-layers', '--encoder-num-layers'], null, '--num-layers is not given (Megatron requires it)');
  const h = intKey('hiddenSize', ['--hidden-size'], null, '--hidden-size is not given (Megatron requires it)');
  const a = intKey('numAttentionHeads', ['--num-attention-heads'], null, '--num-attention-heads is not given (Megatron requires it)');
  const swiglu = boolKey('swiglu', '--swiglu', false);
  let F: number | null;
  if (settings.has('--ffn-hidden-size')) F = intKey('ffnHiddenSize', ['--ffn-hidden-size'], null);
  else if (h === null) {
    F = null;
    blocked('ffnHiddenSize', 'defaults from the hidden size, which is unknown');
  } else if (swiglu) {
    F = Math.floor((8 * h) / 3 / 64) * 64;
    derived('ffnHiddenSize', F, `--swiglu default floor(8·h/3/64)·64 = floor(8·${h}/3/64)·64 = ${F}`);
  } else {
    F = 4 * h;
    derived('ffnHiddenSize', F, `default 4·h = 4·${h} = ${F}`);
  }

  const dsKv = settings.get('--num-key-value-heads');
  let gqa: boolean;
  if (dsKv) {
    const g = dsKv.values ? parsePyInt(dsKv.values[0]) : null;
    gqa = g !== null && a !== null ? g !== a : true;
    set('groupQueryAttention', gqa, { ...explicitSource(dsKv), note: 'Megatron-DeepSpeed turns GQA on when --num-key-value-heads differs from the head count' });
    if (g !== null) set('numQueryGroups', g, explicitSource(dsKv));
    else set('numQueryGroups', null, unresolved(dsKv, 'numQueryGroups'));
  } else {
    gqa = boolKey('groupQueryAttention', '--group-query-attention', false);
    if (gqa) intKey('numQueryGroups', ['--num-query-groups'], 1);
    else if (a !== null) derived('numQueryGroups', a, `g = a = ${a}: without --group-query-attention every head has its own K/V`);
    else blocked('numQueryGroups', 'equals the head count, which is unknown');
  }
  if (settings.has('--kv-channels')) intKey('kvChannels', ['--kv-channels'], null);
  else if (h !== null && a !== null && a > 0 && h % a === 0) derived('kvChannels', h / a, `h / a = ${h} / ${a} = ${h / a}`);
  else blocked('kvChannels', h === null || a === null ? 'h / a with an unknown hidden size or head count' : `h / a = ${h} / ${a} is not an integer`);

  intKey('seqLength', ['--seq-length', '--encoder-seq-length'], null, '--seq-length is not given');
  intKey('maxPositionEmbeddings', ['--max-position-embeddings'], null, '--max-position-embeddings is not given');

  // ── World and batch ──
  set('gpusPerNode', world.gpusPerNode.value, world.gpusPerNode.source);
  set('numNodes', world.numNodes.value, world.numNodes.source);
  set('worldSize', world.worldSize.value, world.worldSize.source);
  const W = world.worldSize.value;
  let dp: number | null = null;
  {
    const missing = unknownOf([['world size', W], ['TP', t], ['PP', p], ['CP', c]]);
    if (missing) blocked('dataParallel', `depends on the ${missing}, which is unknown`);
    else if (W! % (t! * p! * c!) !== 0 || t! * p! * c! === 0) blocked('dataParallel', `world ${W} is not divisible by TP·PP·CP = ${t! * p! * c!}`);
    else {
      dp = W! / (t! * p! * c!);
      derived('dataParallel', dp, `world / (TP·PP·CP) = ${W} / (${t}·${p}·${c}) = ${dp}`);
    }
  }
  const b = intKey('microBatchSize', ['--micro-batch-size'], null, '--micro-batch-size is not given (Megatron requires it)');
  let gbs: number | null;
  if (settings.has('--global-batch-size')) gbs = intKey('globalBatchSize', ['--global-batch-size'], null);
  else if (settings.has('--step-batch-size-schedule')) {
    gbs = null;
    blocked('globalBatchSize', 'the batch size follows --step-batch-size-schedule');
  } else if (b !== null && dp !== null) {
    gbs = b * dp;
    derived('globalBatchSize', gbs, `default b·dp = ${b}·${dp} = ${gbs}`);
  } else {
    gbs = null;
    blocked('globalBatchSize', `defaults to b·dp, and ${b === null ? 'the micro-batch size' : 'the data-parallel size'} is unknown`);
  }
  {
    const missing = unknownOf([['global batch size', gbs], ['micro-batch size', b], ['data-parallel size', dp]]);
    if (missing) blocked('numMicrobatches', `depends on the ${missing}, which is unknown`);
    else if (b! * dp! === 0 || gbs! % (b! * dp!) !== 0) blocked('numMicrobatches', `global batch ${gbs} is not divisible by b·dp = ${b! * dp!}`);
    else derived('numMicrobatches', gbs! / (b! * dp!), `GBS / (b·dp) = ${gbs} / (${b}·${dp}) = ${gbs! / (b! * dp!)}`);
  }

  // ── Virtual pipeline ──
  let layoutStages: string[] | null = null;
  const perStage = settings.get('--num-layers-per-virtual-pipeline-stage');
  const perRank = settings.get('--num-virtual-stages-per-pipeline-rank');
  const layout = settings.get('--pipeline-model-parallel-layout');
  if (perStage) {
    const n = perStage.values ? parsePyInt(perStage.values[0]) : null;
    if (n === null) {
      set('numLayersPerVirtualStage', null, unresolved(perStage, 'numLayersPerVirtualStage'));
      blocked('virtualStages', 'depends on --num-layers-per-virtual-pipeline-stage, which is unknown');
    } else {
      set('numLayersPerVirtualStage', n, explicitSource(perStage));
      const missing = unknownOf([['layer count', L], ['PP size', p]]);
      if (missing) blocked('virtualStages', `(L/p)/n needs the ${missing}`);
      else if (n <= 0 || p! <= 0 || L! % p! !== 0 || (L! / p!) % n !== 0) blocked('virtualStages', `(L/p)/n = (${L}/${p})/${n} is not an integer`);
      else {
        const v = L! / p! / n;
        set('virtualStages', v, { ...explicitSource(perStage), status: 'derived', note: `(L/p)/n = (${L}/${p})/${n} = ${v}` });
      }
    }
  } else if (perRank) {
    const v = intKey('virtualStages', ['--num-virtual-stages-per-pipeline-rank'], null);
    if (v !== null && L !== null && p !== null && v > 0 && p > 0 && L % (p * v) === 0) derived('numLayersPerVirtualStage', L / (p * v), `L/(p·v) = ${L}/(${p}·${v}) = ${L / (p * v)}`);
    else blocked('numLayersPerVirtualStage', 'L/(p·v) is unknown or not an integer');
  } else if (layout) {
    layoutStages = layout.values ? parseLayout(layout.values[0]) : null;
    if (!layout.values) {
      set('virtualStages', null, unresolved(layout, 'virtualStages'));
    } else if (!layoutStages) {
      blocked('virtualStages', `the layout '${layout.values[0]}' cannot be parsed`);
    } else if (p === null || p <= 0 || layoutStages.length % p !== 0) {
      blocked('virtualStages', `${layoutStages.length} layout stages are not a multiple of PP = ${p ?? '?'}`);
    } else {
      const v = layoutStages.length / p;
      set('virtualStages', v, { ...explicitSource(layout), status: 'derived', note: `${layoutStages.length} layout stages / PP ${p} = ${v}` });
    }
    if (!sources.numLayersPerVirtualStage) set('numLayersPerVirtualStage', null, { status: 'default', note: 'an explicit layout sets the layers per stage' });
  } else {
    set('virtualStages', 1, { status: 'default', note: 'no virtual pipeline flag: one model chunk per rank' });
    set('numLayersPerVirtualStage', null, { status: 'default', note: 'no virtual pipeline' });
  }
  intKey('decoderFirstPipelineNumLayers', ['--decoder-first-pipeline-num-layers'], null);
  intKey('decoderLastPipelineNumLayers', ['--decoder-last-pipeline-num-layers'], null);
  boolKey('accountForEmbeddingInPipelineSplit', '--account-for-embedding-in-pipeline-split', false);
  boolKey('accountForLossInPipelineSplit', '--account-for-loss-in-pipeline-split', false);

  // ── Sequence parallel: Megatron switches it off at TP = 1 ──
  const sp = settings.get('--sequence-parallel');
  if (!sp || !sp.bool) set('sequenceParallel', false, sp ? explicitSource(sp) : { status: 'default', note: '--sequence-parallel not given' });
  else if (t === null) set('sequenceParallel', null, { ...explicitSource(sp), status: 'unresolved', reason: 'Megatron turns it off when TP = 1, and TP is unknown' });
  else if (t === 1) set('sequenceParallel', false, { ...explicitSource(sp), status: 'derived', note: 'requested, but Megatron turns sequence parallelism off when TP = 1' });
  else set('sequenceParallel', true, explicitSource(sp));

  // ── Vocabulary ──
  resolveVocab();

  // ── Seq1F1B ──
  const mindSpeed = settings.get('--enable-seq1f1b');
  if (mindSpeed?.bool) {
    if (settings.has('--seq1f1b-splits')) intKey('pipeSpSplits', ['--seq1f1b-splits'], null);
    else set('pipeSpSplits', 4, { ...explicitSource(mindSpeed), status: 'default', note: 'MindSpeed --seq1f1b-splits defaults to 4' });
    strategyKey('--seq1f1b-balance-method');
  } else {
    intKey('pipeSpSplits', ['--pipe-sp-splits'], 1);
    strategyKey('--pipe-sp-strategy');
  }

  // ── Optimizer and precision ──
  const zero = settings.get('--zero-stage');
  if (!settings.has('--use-distributed-optimizer') && zero?.values) {
    const stage = parsePyInt(zero.values[0]);
    set('distributedOptimizer', stage === null ? null : stage >= 1, { ...explicitSource(zero), status: 'derived', note: `DeepSpeed ZeRO stage ${zero.values[0]} ${stage !== null && stage >= 1 ? 'shards' : 'does not shard'} optimizer state` });
  } else boolKey('distributedOptimizer', '--use-distributed-optimizer', false);
  intKey('numDistributedOptimizerInstances', ['--num-distributed-optimizer-instances'], 1);
  const bf16 = settings.get('--bf16');
  const fp16 = settings.get('--fp16');
  let precision: Precision = 'fp32';
  let precisionSource: ValueSource = { status: 'default', note: 'neither --bf16 nor --fp16: fp32' };
  if (bf16?.bool) {
    precision = 'bf16';
    precisionSource = explicitSource(bf16);
  } else if (fp16?.bool) {
    precision = 'fp16';
    precisionSource = explicitSource(fp16);
  }
  set('precision', precision, precisionSource);
  boolKey('gradReduceInBf16', '--grad-reduce-in-bf16', false);
  const fp8Old = settings.get('--fp8-hybrid') ?? settings.get('--fp8-e4m3');
  if (!settings.has('--fp8-format') && fp8Old?.bool) set('fp8Format', fp8Old.spec.name === '--fp8-hybrid' ? 'hybrid' : 'e4m3', explicitSource(fp8Old));
  else strKey('fp8Format', '--fp8-format', null);

  // ── Recompute ──
  const gran = settings.get('--recompute-granularity');
  const recAct = settings.get('--recompute-activations');
  const ckptAct = settings.get('--checkpoint-activations');
  const deepspeed = input.dialects.has('deepspeed');
  if (gran) strKey('recomputeGranularity', '--recompute-granularity', null);
  else if (recAct?.bool) set('recomputeGranularity', 'selective', { ...explicitSource(recAct), note: '--recompute-activations means selective recompute' });
  else if (ckptAct?.bool && deepspeed) set('recomputeGranularity', 'full', { ...explicitSource(ckptAct), note: 'Megatron-DeepSpeed: --checkpoint-activations is full recompute' });
  else set('recomputeGranularity', null, { status: 'default', note: 'no activation recompute' });
  if (settings.has('--recompute-method')) strKey('recomputeMethod', '--recompute-method', null);
  else if (settings.has('--activations-checkpoint-method')) strKey('recomputeMethod', '--activations-checkpoint-method', null);
  else if (ckptAct?.bool && deepspeed) derived('recomputeMethod', 'uniform', 'Megatron-DeepSpeed checkpoints uniformly');
  else set('recomputeMethod', null, { status: 'default', note: '--recompute-method not given' });
  if (settings.has('--recompute-num-layers')) intKey('recomputeNumLayers', ['--recompute-num-layers'], null);
  else if (ckptAct?.bool && deepspeed) intKey('recomputeNumLayers', ['--checkpoint-num-layers'], 1);
  else set('recomputeNumLayers', null, { status: 'default', note: '--recompute-num-layers not given' });
  const mods = settings.get('--recompute-modules');
  if (mods) set('recomputeModules', mods.values, mods.values ? explicitSource(mods) : unresolved(mods, 'recomputeModules'));
  else set('recomputeModules', ['core_attn'], { status: 'default', note: 'Megatron default [core_attn]' });
  boolKey('distributeSavedActivations', '--distribute-saved-activations', false);

  // ── MoE ──
  let E = intKey('numExperts', ['--num-experts'], null);
  if (E === 0) {
    E = null;
    set('numExperts', null, { ...sources.numExperts!, note: '--num-experts 0 means no experts' });
  }
  if (E !== null || settings.has('--moe-router-topk')) intKey('moeRouterTopk', ['--moe-router-topk'], 2);
  else set('moeRouterTopk', null, { status: 'default', note: 'dense model' });
  if (settings.has('--moe-ffn-hidden-size')) intKey('moeFfnHiddenSize', ['--moe-ffn-hidden-size'], null);
  else if (E !== null && F !== null) derived('moeFfnHiddenSize', F, `defaults to the FFN size ${F}`);
  else set('moeFfnHiddenSize', null, { status: 'default', note: E === null ? 'dense model' : 'FFN size unknown' });
  intKey('moeSharedExpertIntermediateSize', ['--moe-shared-expert-intermediate-size'], null);
  resolveMoePattern(E, L);

  // ── Everything else ──
  boolKey('untieEmbeddingsAndOutputWeights', '--untie-embeddings-and-output-weights', false);
  const norm = strKey('normalization', '--normalization', 'LayerNorm');
  if (norm !== null && norm !== 'LayerNorm' && norm !== 'RMSNorm') config.normalization = null;
  if (settings.has('--position-embedding-type')) strKey('positionEmbeddingType', '--position-embedding-type', 'learned_absolute');
  else if (settings.get('--use-rotary-position-embeddings')?.bool) set('positionEmbeddingType', 'rope', explicitSource(settings.get('--use-rotary-position-embeddings')!));
  else set('positionEmbeddingType', 'learned_absolute', { status: 'default', note: 'Megatron default learned_absolute' });
  const flash = settings.get('--use-flash-attn') ?? settings.get('--use-flash-attn-v2');
  if (flash?.bool !== undefined) set('useFlashAttn', flash.bool, explicitSource(flash));
  else set('useFlashAttn', false, { status: 'default', note: '--use-flash-attn not given' });
  strKey('attentionBackend', '--attention-backend', 'auto');
  if (settings.has('--transformer-impl')) strKey('transformerImpl', '--transformer-impl', null);
  else if (input.dialects.has('seq1f1b') || deepspeed) set('transformerImpl', 'local', { status: 'default', note: 'pre-2024 Megatron forks (Seq1F1B, Megatron-DeepSpeed) build local layers' });
  else set('transformerImpl', 'transformer_engine', { status: 'default', note: 'Megatron default since 2024-04' });
  floatKey('hiddenDropout', '--hidden-dropout', 0.1);
  floatKey('attentionDropout', '--attention-dropout', 0.1);
  const noBias = settings.get('--disable-bias-linear');
  const addBias = settings.get('--add-bias-linear');
  if (noBias?.bool !== undefined) set('addBiasLinear', !noBias.bool, explicitSource(noBias));
  else if (addBias?.bool !== undefined) set('addBiasLinear', addBias.bool, explicitSource(addBias));
  else set('addBiasLinear', true, { status: 'default', note: 'linear layers have biases unless --disable-bias-linear' });
  intKey('trainIters', ['--train-iters'], null);

  return { config, sources, diagnostics, layoutStages };

  function strategyKey(flag: string): void {
    const st = settings.get(flag);
    if (!st) {
      set('pipeSpStrategy', 'average', { status: 'default', note: `${flag} defaults to average` });
      return;
    }
    const v = st.values?.[0] ?? null;
    if (v === 'average' || v === 'uniform_comp') set('pipeSpStrategy', v as SplitStrategy, explicitSource(st));
    else set('pipeSpStrategy', null, unresolved(st, 'pipeSpStrategy'));
  }

  function resolveVocab(): void {
    const unit = intKey('makeVocabSizeDivisibleBy', ['--make-vocab-size-divisible-by'], 128);
    const tokenizer = strKey('tokenizerType', settings.has('--tokenizer-type') ? '--tokenizer-type' : '--patch-tokenizer-type', null);
    const model = settings.get('--tokenizer-model')?.values?.[0] ?? null;
    const vs = settings.get('--vocab-size');
    let v0: number | null = null;
    let v0Note = '';
    if (vs) {
      v0 = intKey('vocabSize', ['--vocab-size'], null);
      v0Note = `--vocab-size ${v0}`;
    } else if (tokenizer !== null && TOKENIZER_VOCAB[tokenizer] !== undefined) {
      v0 = TOKENIZER_VOCAB[tokenizer];
      v0Note = `${tokenizer} has ${v0} tokens`;
      derived('vocabSize', v0, v0Note);
    } else if (tokenizer !== null && model !== null && KNOWN_HF_VOCABS.some(([re]) => re.test(model))) {
      const [, n, label] = KNOWN_HF_VOCABS.find(([re]) => re.test(model))!;
      v0 = n;
      v0Note = `${label} tokenizer '${model}' has ${n} tokens`;
      derived('vocabSize', v0, v0Note);
    } else {
      blocked(
        'vocabSize',
        tokenizer === null
          ? 'no --tokenizer-type or --vocab-size'
          : `${tokenizer}${model ? ` '${model}'` : ''}: the size is len(tokenizer), only known after loading it; pass --vocab-size or use a known tokenizer`,
      );
    }
    const padded = settings.get('--padded-vocab-size');
    if (padded) {
      intKey('paddedVocabSize', ['--padded-vocab-size'], null);
      return;
    }
    if (v0 === null) {
      blocked('paddedVocabSize', `the vocabulary size is unknown (${sources.vocabSize?.reason ?? ''})`);
      return;
    }
    if (settings.get('--no-pad-vocab-size')?.bool) {
      derived('paddedVocabSize', v0, `${v0Note}; --no-pad-vocab-size keeps it unpadded`);
      return;
    }
    if (unit === null || t === null || unit <= 0 || t <= 0) {
      blocked('paddedVocabSize', 'the padding unit or TP size is unknown');
      return;
    }
    const multiple = unit * t;
    const pv = Math.ceil(v0 / multiple) * multiple;
    derived('paddedVocabSize', pv, `${v0Note}; ceil(${v0} / (${unit}·${t}))·(${unit}·${t}) = ${pv}`);
  }

  function resolveMoePattern(experts: number | null, layers: number | null): void {
    const freq = settings.get('--moe-layer-freq');
    if (experts === null) {
      set('moeLayerPattern', null, { status: 'default', note: 'dense model' });
      return;
    }
    if (layers === null) {
      blocked('moeLayerPattern', 'the layer count is unknown');
      return;
    }
    if (!freq) {
      derived('moeLayerPattern', new Array<number>(layers).fill(1), '--moe-layer-freq defaults to 1: every layer is MoE');
      return;
    }
    if (!freq.values) {
      set('moeLayerPattern', null, unresolved(freq, 'moeLayerPattern'));
      return;
    }
    const text = freq.values[0];
    const n = parsePyInt(text);
    if (n !== null && n > 0) {
      const pattern = Array.from({ length: layers }, (_, i) => (i % n === 0 ? 1 : 0));
      set('moeLayerPattern', pattern, { ...explicitSource(freq), status: 'derived', note: `layer i is MoE when i % ${n} == 0` });
      return;
    }
    const list = parseLayerFreqList(text, 100_000);
    const range = freq.valueRange ?? freq.range;
    if (!list.ok) {
      diagnostics.push({ code: 'invalid-moe-layer-freq', severity: 'error', message: `--moe-layer-freq '${text}' is neither an integer nor a list expression like [0]*3+[1]*58: ${list.error}`, range });
      blocked('moeLayerPattern', list.error);
    } else if (list.value.length !== layers) {
      diagnostics.push({
        code: 'invalid-moe-layer-freq',
        severity: 'error',
        message: `--moe-layer-freq '${text}' lists ${list.value.length} layers but the model has ${layers} (--num-layers); Megatron asserts they are equal`,
        range,
        related: sources.numLayers?.range ? [{ message: '--num-layers', range: sources.numLayers.range }] : undefined,
      });
      blocked('moeLayerPattern', `${list.value.length} entries for ${layers} layers`);
    } else {
      set('moeLayerPattern', list.value, { ...explicitSource(freq), status: 'derived', note: `${list.value.filter((x) => x).length} of ${layers} layers are MoE` });
    }
  }
}

/**
 * Parses the list expressions Megatron accepts for `--moe-layer-freq` (`[1]*4`, `[0]*3+[1]*58`, `[1,0,1]*2`,
 * `2*[0,1]`) with a grammar of our own: the user's text is never evaluated. `maxLength` bounds the work.
 */
export function parseLayerFreqList(text: string, maxLength: number): { ok: true; value: number[] } | { ok: false; error: string } {
  let pos = 0;
  const src = text.trim();
  const ws = (): void => {
    while (pos < src.length && /\s/.test(src[pos])) pos++;
  };
  const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });
  const readInt = (): number | null => {
    ws();
    const m = /^\d+/.exec(src.slice(pos));
    if (!m) return null;
    pos += m[0].length;
    return Number(m[0]);
  };
  const readList = (): number[] | null => {
    ws();
    if (src[pos] !== '[') return null;
    pos++;
    const items: number[] = [];
    ws();
    if (src[pos] === ']') {
      pos++;
      return items;
    }
    for (;;) {
      const n = readInt();
      if (n === null) return null;
      items.push(n);
      ws();
      if (src[pos] === ',') {
        pos++;
        continue;
      }
      if (src[pos] === ']') {
        pos++;
        return items;
      }
      return null;
    }
  };
  const out: number[] = [];
  for (;;) {
    ws();
    let list: number[] | null;
    let times = 1;
    if (src[pos] === '[') {
      list = readList();
      if (list === null) return fail(`malformed list at character ${pos + 1}`);
      ws();
      if (src[pos] === '*') {
        pos++;
        const n = readInt();
        if (n === null) return fail(`expected a count after '*' at character ${pos + 1}`);
        times = n;
      }
    } else {
      const n = readInt();
      if (n === null) return fail(`unexpected '${src[pos] ?? 'end'}' at character ${pos + 1}`);
      ws();
      if (src[pos] !== '*') return fail(`expected '*' at character ${pos + 1}`);
      pos++;
      list = readList();
      if (list === null) return fail(`expected a list at character ${pos + 1}`);
      times = n;
    }
    if (out.length + list.length * times > maxLength) return fail(`the list is longer than ${maxLength}`);
    for (let k = 0; k < times; k++) out.push(...list);
    ws();
    if (pos >= src.length) break;
    if (src[pos] !== '+') return fail(`unexpected '${src[pos]}' at character ${pos + 1}`);
    pos++;
  }
  if (out.some((x) => x !== 0 && x !== 1)) return fail('entries must be 0 or 1');
  return { ok: true, value: out };
}

/**
 * Expands a `--pipeline-model-parallel-layout` string into its stages: `(..)*n` repeats, `|` separates stages,
 * `,` is cosmetic. Returns null when it does not parse. Bounded to 4096 stages.
 */
export function parseLayout(text: string): string[] | null {
  let s = text.replace(/\s+/g, '').replace(/,/g, '');
  for (let guard = 0; guard < 32 && s.includes('('); guard++) {
    const next = s.replace(/\(([^()]*)\)\*(\d+)/g, (_m, body: string, n: string) => {
      const times = Number(n);
      return times > 4096 ? '\u0000' : body.repeat(times);
    });
    if (next === s || next.includes('\u0000') || next.length > 65536) return null;
    s = next;
  }
  if (/[()*]/.test(s)) return null;
  const stages = s.split('|');
  if (stages.length > 4096 || stages.some((st) => !/^[EtmL]*$/.test(st))) return null;
  return stages;
}
