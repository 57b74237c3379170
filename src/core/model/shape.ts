// The one derived model of the run: every size the time model (schedule/costModel), the memory model and the
// advice read, resolved from RunConfig with Megatron's defaults applied once. Both models used to resolve their own
// copy with different names and defaults (house review §2.4); there is one now.
import type { LayerSplitMethod, Precision, RunConfig } from '../types';

/** Everything the cost and memory models need, with Megatron's defaults applied; built once per RunConfig. */
export interface ModelShape {
  numLayers: number;
  hidden: number;
  heads: number;
  /** g: K/V heads (num-query-groups under GQA, else the head count). */
  kvHeads: number;
  /** d: per-head width (kv-channels, default h/a). */
  headDim: number;
  ffn: number;
  glu: boolean;
  vocabPadded: number;
  seqLength: number;
  microBatch: number;
  tp: number;
  pp: number;
  cp: number;
  ep: number;
  etp: number;
  dp: number;
  /** Data-parallel size of the expert grid: world / (etp·ep·pp); folds in cp. */
  expertDp: number;
  /** GPUs per node when the file says (the cost model assumes its default otherwise). */
  gpusPerNode: number | null;
  /** Parameters per norm: 2h for LayerNorm (weight + bias), h for RMSNorm → 2 or 1. */
  normParamFactor: 1 | 2;
  bias: boolean;
  learnedPositions: boolean;
  maxPositions: number;
  tied: boolean;
  /** Routed experts (0 for a dense model). */
  numExperts: number;
  /** Experts each token visits (0 for a dense model). */
  topk: number;
  moeFfn: number;
  sharedExpertFfn: number;
  /** Length numLayers: true where the layer is MoE. */
  moeLayers: boolean[];
  precision: Precision;
  distributedOptimizer: boolean;
  gradReduceInBf16: boolean;
  distOptInstances: number;
  sequenceParallel: boolean;
  /** True when attention does not store the s² score matrix (flash / fused / TE auto). */
  flashAttention: boolean;
  /**
   * The pre-2024 local layer with --use-flash-attn (the Seq1F1B repo's code path): K/V are expanded to all heads
   * before flash-attn, and the flash output is copied (contiguous) before the output projection, so both copies live.
   */
  legacyFlashPath: boolean;
  hiddenDropout: number;
  attentionDropout: number;
  recompute: 'full' | 'selective' | null;
  recomputeMethod: 'uniform' | 'block' | null;
  recomputeNumLayers: number;
  recomputeModules: string[];
  distributeSavedActivations: boolean;
  accountEmbedding: boolean;
  accountLoss: boolean;
  firstStageLayers: number | null;
  lastStageLayers: number | null;
  /** Who places the layers: Megatron-LM's split (the fields above) or a dialect's per-stage counts (stageLayers). */
  layerSplitMethod: LayerSplitMethod;
  /**
   * Decoder layer slots per virtual stage (vs = modelChunk·p + rank) when a dialect places them; null for
   * Megatron-LM's split, or when the dialect refuses the file's placement (layerSplitProblem says so).
   */
  stageLayers: number[] | null;
  /** Length numLayers: true where MindSpeed builds a no-op layer (a slot with no weights and no compute). */
  noopLayers: boolean[];
  /** File's virtual stages (1 when VPP is off). */
  virtualStages: number;
}

export type ShapeResult =
  | { ok: true; shape: ModelShape; /** Defaults assumed for unknown fields, for the report. */ assumptions: string[] }
  | { ok: false; /** Flag names of the required values the file leaves unknown. */ missing: string[] };

const pos = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;
const nonNegative = (x: number | null | undefined): x is number =>
  typeof x === 'number' && Number.isFinite(x) && x >= 0;

/**
 * Megatron pads the tokenizer vocabulary up to a multiple of make-vocab-size-divisible-by (128) × TP
 * (megatron/tokenizer/tokenizer.py `_vocab_size_with_padding`). GPT-2 BPE's 50257 → 50304 at t=1.
 */
export function paddedVocab(config: RunConfig): number | null {
  if (pos(config.paddedVocabSize)) return config.paddedVocabSize;
  if (!pos(config.vocabSize)) return null;
  const multiple = (config.makeVocabSizeDivisibleBy ?? 128) * (pos(config.tensorParallel) ? config.tensorParallel : 1);
  return Math.ceil(config.vocabSize / multiple) * multiple;
}

/** The sizes without which there is no model, by the flag a user would add. */
const REQUIRED: readonly [keyof RunConfig, string][] = [
  ['numLayers', 'num-layers'],
  ['hiddenSize', 'hidden-size'],
  ['numAttentionHeads', 'num-attention-heads'],
  ['seqLength', 'seq-length'],
];

/** Names of the model values the file leaves unknown (the one list the engine, the solver and memory share). */
export function missingModelValues(config: RunConfig, options: { seqLength?: boolean } = {}): string[] {
  const missing: string[] = [];
  for (const [key, flag] of REQUIRED) {
    if (key === 'seqLength' && options.seqLength === false) continue;
    if (!pos(config[key] as number | null)) missing.push(flag);
  }
  if (paddedVocab(config) == null) missing.push('vocabulary size (tokenizer / padded vocab)');
  return missing;
}

/** K/V heads: Megatron silently ignores --num-query-groups without --group-query-attention. */
function kvHeadsOf(config: RunConfig, heads: number): number {
  if (config.groupQueryAttention === true) return pos(config.numQueryGroups) ? config.numQueryGroups : 1;
  if (config.groupQueryAttention == null && pos(config.numQueryGroups)) return config.numQueryGroups;
  return heads;
}

function moeLayersOf(config: RunConfig, numLayers: number, numExperts: number): boolean[] {
  const pattern = config.moeLayerPattern;
  if (numExperts === 0) return new Array<boolean>(numLayers).fill(false);
  return pattern && pattern.length === numLayers
    ? pattern.map((x) => x !== 0)
    : new Array<boolean>(numLayers).fill(true);
}

/** Whether attention stores no s² scores, and whether it is the Seq1F1B repo's legacy local flash path. */
function attentionKind(config: RunConfig): { flashAttention: boolean; legacyFlashPath: boolean } {
  const backend = (config.attentionBackend ?? '').toLowerCase();
  // TE (the default implementation) picks flash/fused unless the backend is forced to unfused/local; the local
  // implementation only avoids the s² scores with --use-flash-attn.
  const localImpl = (config.transformerImpl ?? 'transformer_engine') === 'local';
  const flashAttention =
    backend === 'unfused' || backend === 'local' ? false : localImpl ? config.useFlashAttn === true : true;
  return { flashAttention, legacyFlashPath: localImpl && flashAttention };
}

type Parallel = Pick<ModelShape, 'tp' | 'pp' | 'cp' | 'ep' | 'etp' | 'dp' | 'expertDp'>;

function parallelOf(config: RunConfig, assumptions: string[]): Parallel {
  const tp = pos(config.tensorParallel) ? config.tensorParallel : 1;
  const pp = pos(config.pipelineParallel) ? config.pipelineParallel : 1;
  const cp = pos(config.contextParallel) ? config.contextParallel : 1;
  const ep = pos(config.expertParallel) ? config.expertParallel : 1;
  const etp = pos(config.expertTensorParallel) ? config.expertTensorParallel : tp;
  let dp = config.dataParallel;
  if (!pos(dp)) {
    dp = pos(config.worldSize) ? Math.max(1, Math.floor(config.worldSize / (tp * pp * cp))) : 1;
    if (!pos(config.worldSize)) assumptions.push(`data-parallel size ${dp}`);
  }
  const world = pos(config.worldSize) ? config.worldSize : dp * tp * pp * cp;
  return { tp, pp, cp, ep, etp, dp, expertDp: Math.max(1, Math.floor(world / (etp * ep * pp))) };
}

type Placement = Pick<ModelShape, 'layerSplitMethod' | 'stageLayers' | 'noopLayers'>;

/** The dialect's placement of the layers, and which of them are no-ops. */
function placementOf(config: RunConfig, numLayers: number): Placement {
  const method = config.layerSplitMethod ?? 'megatron';
  const stageLayers = method !== 'megatron' && config.layersPerStage ? [...config.layersPerStage] : null;
  const noopLayers = new Array<boolean>(numLayers).fill(false);
  for (const i of config.noopLayers ?? []) if (i >= 0 && i < numLayers) noopLayers[i] = true;
  return { layerSplitMethod: method, stageLayers, noopLayers };
}

/**
 * The layers the model has: --num-layers, except that the Zero-Bubble fork's Megatron-Core path builds the padded
 * count (resolve/derived/placement.ts), so a dialect's placement decides.
 */
function builtLayers(config: RunConfig, L: number): number {
  const perStage = config.layerSplitMethod !== 'megatron' ? config.layersPerStage : null;
  return perStage ? perStage.reduce((a, b) => a + b, 0) : L;
}

/** The model and layout of the run, or the flag names of the required sizes the file leaves unknown. */
export function resolveModelShape(config: RunConfig): ShapeResult {
  const missing = missingModelValues(config);
  const vocabPadded = paddedVocab(config);
  const { numLayers: fileLayers, hiddenSize: h, numAttentionHeads: a, seqLength: s } = config;
  if (missing.length > 0 || vocabPadded == null || !pos(fileLayers) || !pos(h) || !pos(a) || !pos(s))
    return { ok: false, missing };
  const L = builtLayers(config, fileLayers);
  const assumptions: string[] = [];
  const par = parallelOf(config, assumptions);
  const glu = config.swiglu === true;
  const ffn = pos(config.ffnHiddenSize) ? config.ffnHiddenSize : glu ? Math.floor((8 * h) / 3 / 64) * 64 : 4 * h;
  const numExperts = pos(config.numExperts) ? config.numExperts : 0;
  let precision = config.precision;
  if (precision == null) {
    precision = 'bf16';
    assumptions.push('bf16 (precision unknown)');
  }
  const shape: ModelShape = {
    numLayers: L,
    hidden: h,
    heads: a,
    kvHeads: kvHeadsOf(config, a),
    headDim: pos(config.kvChannels) ? config.kvChannels : h / a,
    ffn,
    glu,
    vocabPadded,
    seqLength: s,
    microBatch: pos(config.microBatchSize) ? config.microBatchSize : 1,
    ...par,
    gpusPerNode: pos(config.gpusPerNode) ? config.gpusPerNode : null,
    normParamFactor: config.normalization === 'RMSNorm' ? 1 : 2,
    bias: config.addBiasLinear ?? true,
    learnedPositions: (config.positionEmbeddingType ?? 'learned_absolute') === 'learned_absolute',
    maxPositions: pos(config.maxPositionEmbeddings) ? config.maxPositionEmbeddings : s,
    tied: !(config.untieEmbeddingsAndOutputWeights ?? false),
    numExperts,
    topk: numExperts > 0 ? (pos(config.moeRouterTopk) ? config.moeRouterTopk : 2) : 0,
    moeFfn: pos(config.moeFfnHiddenSize) ? config.moeFfnHiddenSize : ffn,
    sharedExpertFfn: pos(config.moeSharedExpertIntermediateSize) ? config.moeSharedExpertIntermediateSize : 0,
    moeLayers: moeLayersOf(config, L, numExperts),
    precision,
    distributedOptimizer: config.distributedOptimizer ?? false,
    gradReduceInBf16: config.gradReduceInBf16 ?? false,
    distOptInstances: pos(config.numDistributedOptimizerInstances) ? config.numDistributedOptimizerInstances : 1,
    // Megatron turns SP off when t == 1.
    sequenceParallel: (config.sequenceParallel ?? false) && par.tp > 1,
    ...attentionKind(config),
    // Megatron's defaults are 0.1 for both.
    hiddenDropout: config.hiddenDropout ?? 0.1,
    attentionDropout: config.attentionDropout ?? 0.1,
    recompute: config.recomputeGranularity,
    recomputeMethod: config.recomputeMethod,
    recomputeNumLayers: pos(config.recomputeNumLayers) ? config.recomputeNumLayers : 1,
    recomputeModules:
      config.recomputeModules && config.recomputeModules.length > 0 ? config.recomputeModules : ['core_attn'],
    distributeSavedActivations: config.distributeSavedActivations ?? false,
    accountEmbedding: config.accountForEmbeddingInPipelineSplit ?? false,
    accountLoss: config.accountForLossInPipelineSplit ?? false,
    firstStageLayers: nonNegative(config.decoderFirstPipelineNumLayers) ? config.decoderFirstPipelineNumLayers : null,
    lastStageLayers: nonNegative(config.decoderLastPipelineNumLayers) ? config.decoderLastPipelineNumLayers : null,
    virtualStages: pos(config.virtualStages) ? config.virtualStages : 1,
    ...placementOf(config, L),
  };
  return { ok: true, shape, assumptions };
}
