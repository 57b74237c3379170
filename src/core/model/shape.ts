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
  /**
   * Length numLayers: routed experts of each layer (0 where dense) — numExperts on every MoE layer, except under
   * DeepSpeed-MoE, whose --num-experts list gives each MoE layer its own count (PR-MoE: 64 … 128).
   */
  expertsPerLayer: number[];
  /** DeepSpeed-MoE `--mlp-type residual`: each MoE layer also holds a dense MLP and a Linear(h, 2) coefficient. */
  residualMoe: boolean;
  /** The router has a bias: Megatron-Core's with --add-bias-linear (router.py:67-72); DeepSpeed's gate never. */
  routerBias: boolean;
  /** Multi-latent attention's sizes (null: standard attention). */
  mla: MlaShape | null;
  /** Multi-token-prediction layers, built on the last pipeline stage (0: none). */
  mtpLayers: number;
  /** How weights, gradients and optimizer state are stored and sharded. */
  storage: StorageShape;
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
  /**
   * The local (non-TE) attention without flash: the raw scores are computed into a [b·np, sq, sk] buffer that
   * GlobalMemoryBuffer keeps for the rest of the run (memory/activations.ts buildUnitTables).
   */
  localScoresBuffer: boolean;
  /**
   * The Seq1F1B fork's local layer with rotary embeddings: every layer computes cos/sin tables of its tokens for Q
   * and for K, which autograd keeps (memory/activations.ts). Megatron-DeepSpeed caches one pair for all layers.
   */
  ropeTablesPerLayer: boolean;
  /**
   * Width of the rotated part of each head: int(d · --rotary-percent) below 1, else d (Megatron-Core
   * rotary_pos_embedding.py:73-74 at d98e8a64; thunlp/Seq1F1B model/language_model.py:378-382). Sizes the rotary tables.
   */
  rotaryDim: number;
  /**
   * Megatron-Core's --qk-layernorm (attention.py get_query_key_value_tensors): Q and K pass through their own norm,
   * which keeps its input for backward besides the normalised copies core attention keeps. Not MLA (its norms are
   * on the latents) and not the pre-2024 forks' local layers (they have no such norm).
   */
  qkLayernorm: boolean;
  /**
   * Under SP (TP > 1) the first layer's input is a view of the whole-sequence embedding output, which stays alive
   * (memory/activations.ts): a pre-2024 fork's embedding always; Megatron-Core only under
   * --no-clone-scatter-output-in-embedding with learned positions. Only at hidden dropout 0, where the embedding's
   * dropout hands back its input.
   */
  embeddingKeepsFullSequence: boolean;
  hiddenDropout: number;
  attentionDropout: number;
  recompute: 'full' | 'selective' | null;
  recomputeMethod: 'uniform' | 'block' | null;
  recomputeNumLayers: number;
  recomputeModules: string[];
  distributeSavedActivations: boolean;
  /**
   * Decoder layers whose saved activations TE's CPU offload context moves to the host (--cpu-offloading with
   * --cpu-offloading-num-layers; Megatron-LM arguments.py:1950-1951 turns offloading on for any count > 0); 0: none.
   */
  cpuOffloadLayers: number;
  /**
   * Routed copies of each token an MoE layer's experts process, with perfectly balanced routing: k when dropless;
   * with --moe-expert-capacity-factor c, each expert takes at most ⌈N·k/E·c⌉ of the N tokens (moe_utils.py
   * get_capacity :263 and apply_router_token_dropping :1051-1055 at d98e8a64): k·min(1, c), or, padded to capacity
   * (--moe-pad-expert-input-to-capacity), min(k·c, E).
   */
  moeRoutedCopies: number;
  /** Megatron-Core's token dispatcher of the MoE layers (`allgather` by default); null without Megatron-Core MoE. */
  moeDispatcher: string | null;
  /** `--tp-comm-overlap` with TP > 1: Transformer Engine's userbuffers are allocated (memory/overheads.ts). */
  tpCommOverlap: boolean;
  /** Bytes per microbatch of the data loader's causal mask on the first and last stage while its forward runs (0: none). */
  dataloaderMaskBytes: number;
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

/** MLA sizes (Megatron-Core multi_latent_attention.py); qLoraRank null = one Q projection without a LoRA. */
interface MlaShape {
  qLoraRank: number | null;
  kvLoraRank: number;
  qkHeadDim: number;
  qkPosEmbHeadDim: number;
  vHeadDim: number;
}

/** Bytes of one element of a dtype name as Megatron's flags spell them (fp32, bf16, fp16, fp8); null when unknown. */
function dtypeBytes(name: string | null | undefined): number | null {
  switch ((name ?? '').toLowerCase()) {
    case 'fp32':
    case 'float32':
      return 4;
    case 'bf16':
    case 'fp16':
    case 'bfloat16':
    case 'float16':
      return 2;
    case 'fp8':
    case 'uint8':
      return 1;
    default:
      return null;
  }
}

/** The flags that decide the bytes per parameter and their sharding, with Megatron's defaults applied. */
interface StorageShape {
  /** DeepSpeed ZeRO stage from --zero-stage (null: not DeepSpeed, or the stage lives only in the JSON config). */
  zeroStage: number | null;
  /** Fully sharded data parallel: Megatron-FSDP (--use-megatron-fsdp) or torch FSDP2 (--use-torch-fsdp2). */
  fsdp: 'megatron' | 'torch' | null;
  /** Megatron-FSDP's --data-parallel-sharding-strategy (default optim_grads_params). */
  fsdpStrategy: string;
  /** --ddp-bucket-size in elements (null: Megatron's max(40M, 1M·dp)). */
  ddpBucketSize: number | null;
  overlapGradReduce: boolean;
  overlapParamGather: boolean;
  /** FP8 or FP4 training: the recipe, and whether only the low-precision parameters are kept (param gather). */
  lowPrecision: { format: 'fp8' | 'fp4'; recipe: string; paramGather: boolean } | null;
  /** Decoder layers kept in bf16 at the start and at the end under FP8/FP4 (--first-last-layers-bf16). */
  bf16Layers: { start: number; end: number };
  /** Gradient buffer in fp32 under fp16 (--accumulate-allreduce-grads-in-fp32). */
  accumulateGradsInFp32: boolean;
  /** --use-precision-aware-optimizer with its dtypes in bytes (null: Megatron's ordinary mixed-precision Adam). */
  precisionAware: { mainParams: number; mainGrads: number; expAvg: number; expAvgSq: number } | null;
  /** --optimizer-cpu-offload (Megatron's HybridDeviceOptimizer). */
  optimizerCpuOffload: boolean;
  /** Share of the optimizer state on the GPU (1 − --optimizer-offload-fraction under --optimizer-cpu-offload). */
  optimizerGpuFraction: number;
  /** --optimizer: adam keeps two moments, sgd one momentum buffer. */
  optimizer: string;
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

/**
 * Routed experts per layer. DeepSpeed-MoE's list (Megatron-DeepSpeed transformer.py:1650-1662) marks a dense layer
 * with 1 expert (a layer with ≤ 1 expert builds a plain ParallelMLP, transformer.py:1065), so 1 becomes 0 here.
 */
function expertsPerLayerOf(config: RunConfig, moeLayers: readonly boolean[], numExperts: number): number[] {
  const perLayer = config.moeExpertsPerLayer;
  if (perLayer && perLayer.length === moeLayers.length) return perLayer.map((n) => (n > 1 ? n : 0));
  return moeLayers.map((m) => (m ? numExperts : 0));
}

/** See ModelShape.moeRoutedCopies. */
function routedCopiesOf(config: RunConfig, numExperts: number): number {
  const k = numExperts > 0 ? (pos(config.moeRouterTopk) ? config.moeRouterTopk : 2) : 0;
  const c = config.moeExpertCapacityFactor;
  if (!pos(c) || k === 0) return k;
  return config.moePadExpertInputToCapacity === true ? Math.min(k * c, numExperts) : k * Math.min(1, c);
}

/** MLA sizes with Megatron-LM's defaults (arguments.py at d98e8a64: kv-lora-rank 32, qk 128, rope 64, v 128). */
function mlaOf(config: RunConfig): MlaShape | null {
  if (config.multiLatentAttention !== true) return null;
  return {
    qLoraRank: pos(config.qLoraRank) ? config.qLoraRank : null,
    kvLoraRank: pos(config.kvLoraRank) ? config.kvLoraRank : 32,
    qkHeadDim: pos(config.qkHeadDim) ? config.qkHeadDim : 128,
    qkPosEmbHeadDim: nonNegative(config.qkPosEmbHeadDim) ? config.qkPosEmbHeadDim : 64,
    vHeadDim: pos(config.vHeadDim) ? config.vHeadDim : 128,
  };
}

/** FP8 / FP4 training as the flags select it (Megatron-LM arguments.py: --fp8-recipe defaults to delayed). */
function lowPrecisionOf(config: RunConfig): StorageShape['lowPrecision'] {
  if (config.fp4Format != null) return { format: 'fp4', recipe: 'nvfp4', paramGather: config.fp4ParamGather === true };
  if (config.fp8Format != null)
    return { format: 'fp8', recipe: config.fp8Recipe ?? 'delayed', paramGather: config.fp8ParamGather === true };
  return null;
}

function storageOf(config: RunConfig): StorageShape {
  const fraction = config.optimizerOffloadFraction ?? 1;
  const bf16Ends = config.firstLastLayersBf16 === true;
  return {
    zeroStage: nonNegative(config.zeroStage) ? config.zeroStage : null,
    fsdp: config.useMegatronFsdp === true ? 'megatron' : config.useTorchFsdp2 === true ? 'torch' : null,
    fsdpStrategy: config.dataParallelShardingStrategy ?? 'optim_grads_params',
    ddpBucketSize: pos(config.ddpBucketSize) ? config.ddpBucketSize : null,
    overlapGradReduce: config.overlapGradReduce === true,
    overlapParamGather: config.overlapParamGather === true,
    lowPrecision: lowPrecisionOf(config),
    bf16Layers: {
      start: bf16Ends ? (config.numLayersAtStartInBf16 ?? 1) : 0,
      end: bf16Ends ? (config.numLayersAtEndInBf16 ?? 1) : 0,
    },
    accumulateGradsInFp32: config.accumulateAllreduceGradsInFp32 === true,
    // The four dtypes default to fp32 (arguments.py) and matter only with the precision-aware optimizer.
    precisionAware:
      config.usePrecisionAwareOptimizer === true
        ? {
            mainParams: dtypeBytes(config.mainParamsDtype) ?? 4,
            mainGrads: dtypeBytes(config.mainGradsDtype) ?? 4,
            expAvg: dtypeBytes(config.expAvgDtype) ?? 4,
            expAvgSq: dtypeBytes(config.expAvgSqDtype) ?? 4,
          }
        : null,
    optimizerCpuOffload: config.optimizerCpuOffload === true,
    optimizerGpuFraction:
      config.optimizerCpuOffload === true && Number.isFinite(fraction) ? 1 - Math.min(1, Math.max(0, fraction)) : 1,
    optimizer: config.optimizerType ?? 'adam',
  };
}

/** Whether attention stores no s² scores, and whether it is the Seq1F1B repo's legacy local flash path. */
function attentionKind(config: RunConfig): {
  flashAttention: boolean;
  legacyFlashPath: boolean;
  localScoresBuffer: boolean;
} {
  const backend = (config.attentionBackend ?? '').toLowerCase();
  // TE (the default implementation) picks flash/fused unless the backend is forced to unfused/local; the local
  // implementation only avoids the s² scores with --use-flash-attn.
  const localImpl = (config.transformerImpl ?? 'transformer_engine') === 'local';
  const flashAttention =
    backend === 'unfused' || backend === 'local' ? false : localImpl ? config.useFlashAttn === true : true;
  return {
    flashAttention,
    legacyFlashPath: localImpl && flashAttention,
    localScoresBuffer: localImpl && !flashAttention,
  };
}

/** int(d · rotary_percent) when the percent is below 1 (Python's int() truncates), else d. */
function rotaryDimOf(config: RunConfig, headDim: number): number {
  const percent = config.rotaryPercent;
  return percent != null && percent > 0 && percent < 1 ? Math.trunc(headDim * percent) : headDim;
}

/**
 * Whether the embedding output behind the first layer's SP shard stays alive. The shard is a first-dimension slice
 * of a contiguous tensor, so `.contiguous()` returns the same storage (Megatron-Core core/tensor_parallel/mappings.py
 * :79 at d98e8a64; thunlp/Seq1F1B mappings.py:64). Megatron-Core clones it unless --no-clone-scatter-output-in-embedding
 * (language_model_embedding.py:148-152), and scatters at all only when the vocabulary embedding does not
 * reduce-scatter, i.e. with learned positions or token types (:51-56, :122; token types are BERT's, not read here);
 * the pre-2024 forks scatter and never clone (thunlp/Seq1F1B model/language_model.py:246-249, Megatron-DeepSpeed
 * :261). The view is kept only if the embedding's dropout returns it: torch's dropout at p = 0 hands back its input
 * (ATen native/Dropout.cpp `_dropout_impl`), at p > 0 it makes a new tensor and keeps only its mask.
 */
function embeddingKeepsFullSequence(config: RunConfig, tp: number): boolean {
  if (!(config.sequenceParallel ?? false) || tp <= 1 || (config.hiddenDropout ?? 0.1) !== 0) return false;
  if ((config.legacyModelCode ?? null) !== null) return true;
  const learned = (config.positionEmbeddingType ?? 'learned_absolute') === 'learned_absolute';
  return config.cloneScatterOutputInEmbedding === false && learned;
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
  const mla = mlaOf(config);
  const ffn = pos(config.ffnHiddenSize) ? config.ffnHiddenSize : glu ? Math.floor((8 * h) / 3 / 64) * 64 : 4 * h;
  const numExperts = pos(config.numExperts) ? config.numExperts : 0;
  const moeLayers = moeLayersOf(config, L, numExperts);
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
    moeLayers,
    expertsPerLayer: expertsPerLayerOf(config, moeLayers, numExperts),
    residualMoe: config.moeResidualMlp === true,
    routerBias: (config.addBiasLinear ?? true) && config.moeExpertsPerLayer == null,
    mla,
    mtpLayers: pos(config.mtpNumLayers) ? config.mtpNumLayers : 0,
    storage: storageOf(config),
    precision,
    distributedOptimizer: config.distributedOptimizer ?? false,
    gradReduceInBf16: config.gradReduceInBf16 ?? false,
    distOptInstances: pos(config.numDistributedOptimizerInstances) ? config.numDistributedOptimizerInstances : 1,
    // Megatron turns SP off when t == 1.
    sequenceParallel: (config.sequenceParallel ?? false) && par.tp > 1,
    ...attentionKind(config),
    ropeTablesPerLayer:
      config.legacyModelCode === 'seq1f1b' &&
      (config.transformerImpl ?? 'local') === 'local' &&
      config.positionEmbeddingType === 'rope',
    rotaryDim: rotaryDimOf(config, pos(config.kvChannels) ? config.kvChannels : h / a),
    qkLayernorm: (config.qkLayernorm ?? false) && config.legacyModelCode == null && mla === null,
    embeddingKeepsFullSequence: embeddingKeepsFullSequence(config, par.tp),
    // Megatron's defaults are 0.1 for both.
    hiddenDropout: config.hiddenDropout ?? 0.1,
    attentionDropout: config.attentionDropout ?? 0.1,
    recompute: config.recomputeGranularity,
    recomputeMethod: config.recomputeMethod,
    recomputeNumLayers: pos(config.recomputeNumLayers) ? config.recomputeNumLayers : 1,
    recomputeModules:
      config.recomputeModules && config.recomputeModules.length > 0 ? config.recomputeModules : ['core_attn'],
    distributeSavedActivations: config.distributeSavedActivations ?? false,
    moeRoutedCopies: routedCopiesOf(config, numExperts),
    // DeepSpeed-MoE (per-layer expert counts) dispatches with its own all-to-all.
    moeDispatcher: numExperts > 0 && config.moeExpertsPerLayer == null ? config.moeTokenDispatcherType : null,
    tpCommOverlap: config.tpCommOverlap === true && par.tp > 1,
    // One bool per (query, key) position of every sample: b·s² bytes (derived/dataloaderMask.ts).
    dataloaderMaskBytes:
      config.dataloaderAttentionMask === true ? (pos(config.microBatchSize) ? config.microBatchSize : 1) * s * s : 0,
    cpuOffloadLayers:
      config.cpuOffloading === true || pos(config.cpuOffloadingNumLayers)
        ? Math.max(0, config.cpuOffloadingNumLayers ?? 0)
        : 0,
    accountEmbedding: config.accountForEmbeddingInPipelineSplit ?? false,
    accountLoss: config.accountForLossInPipelineSplit ?? false,
    firstStageLayers: nonNegative(config.decoderFirstPipelineNumLayers) ? config.decoderFirstPipelineNumLayers : null,
    lastStageLayers: nonNegative(config.decoderLastPipelineNumLayers) ? config.decoderLastPipelineNumLayers : null,
    virtualStages: pos(config.virtualStages) ? config.virtualStages : 1,
    ...placementOf(config, L),
  };
  return { ok: true, shape, assumptions };
}
