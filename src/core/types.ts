// The contract between the layers of the core: the launch-config reader (bash/YAML → RunConfig),
// the schedule engine (RunConfig → simulated timelines), the memory model (timelines → bytes per stage),
// and analyze(), which the CLI and the VS Code layer both call. Pure data: no vscode, no DOM, no fs.

import type { DialectRead, ScriptKindRead } from './dialectTypes';
import type { VocabParallelFigures } from './vocabTypes';

// The dialect and script-kind types live in dialectTypes.ts, the Vocabulary Parallelism run's in vocabTypes.ts
// (types.ts stays under the line limit); every importer reads them from here as before.
export * from './dialectTypes';
export * from './vocabTypes';

/** 0-based, end-exclusive columns, like VS Code's Range. */
export interface SourceRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** A minimal text edit against the analysed document. */
export interface TextEdit {
  range: SourceRange;
  newText: string;
}

/** A fix the core is certain about; the editor turns it into a quick fix. */
export interface CoreFix {
  title: string;
  edits: TextEdit[];
  /** The fix the user most likely wants (VS Code `isPreferred`). */
  preferred?: boolean;
}

export interface CoreDiagnostic {
  /** Stable kebab-case code, documented in README "Diagnostics". */
  code: string;
  severity: Severity;
  message: string;
  range: SourceRange;
  /** Other places that explain the problem (e.g. the variable the value came from). */
  related?: { message: string; range: SourceRange }[];
  fixes?: CoreFix[];
}

// ─── Values with provenance ─────────────────────────────────────────────────────────────────────

/** A variable definition a value passed through on its way to a flag. */
export interface Origin {
  /** Variable name (`TP`), or a YAML key path (`model.tensor_model_parallel_size`). */
  name: string;
  /** Range of the definition's value text (what a quick fix would rewrite). */
  range: SourceRange;
}

/** How a value of the run configuration came to be. */
export type ValueStatus = 'explicit' | 'default' | 'derived' | 'unresolved';

export interface ValueSource {
  status: ValueStatus;
  /** The flag or key occurrence that set it (the whole `--flag value` / `key: value`). */
  range?: SourceRange;
  /** Range of just the value token at the flag, when there is one. */
  valueRange?: SourceRange;
  /** Variables the value passed through, nearest the flag first. */
  origins?: Origin[];
  /** The flag spelling used (`--pipeline-model-parallel-size`, `model.tensor_model_parallel_size`). */
  flag?: string;
  /** For unresolved values: why it cannot be known statically. */
  reason?: string;
  /** For derived values: how (e.g. "world / (TP·PP·CP) = 64 / 8"). */
  note?: string;
  /**
   * What the value rests on that the file does not fix (an environment variable or script argument taken as unset, a
   * branch taken blindly, an assumed GPU count). Checks built on it are at most warnings that say so (issue 12 §3).
   */
  assumptions?: string[];
}

export type Precision = 'bf16' | 'fp16' | 'fp32';

/**
 * Who places the layers on pipeline stages: Megatron-LM's split; an explicit `--pipeline-model-parallel-layout`;
 * MindSpeed-LLM's `--num-layer-list`; the Zero-Bubble fork's `--allow-padding-num-layers`; DeepSpeed's pipeline
 * partition (Megatron-DeepSpeed with `--deepspeed`, partition_method 'type:transformer').
 */
// E (issue 18): 'vocab-parallel-fork', the Vocabulary Parallelism fork's split (any L, --enable-layer-redistribution).
export type LayerSplitMethod =
  'megatron' | 'layout' | 'num-layer-list' | 'zero-bubble-padding' | 'deepspeed-balanced' | 'vocab-parallel-fork';
export type SplitStrategy = 'average' | 'uniform_comp';

/**
 * The resolved run configuration. Every field is `null` when it is unknown or unresolved; Megatron's defaults
 * apply where the flag is absent. The first block is the CLI's `config` JSON contract (issue 2).
 */
export interface RunConfig {
  numLayers: number | null;
  // ── integrator (issue 12 §3, hybrid models): the layer types of a Mamba-hybrid model ──
  /**
   * The main decoder pattern of a hybrid (Mamba) model, one symbol per layer (`M` Mamba, `*` attention, `-` MLP,
   * `E` MoE, …; pipes removed), from --hybrid-layer-pattern / --hybrid-override-pattern or the older ratio flags.
   * Null for a transformer model. Cost and memory models know transformer layers only, so such a model is read and
   * checked but not simulated.
   */
  hybridLayerPattern: string | null;
  hiddenSize: number | null;
  ffnHiddenSize: number | null;
  numAttentionHeads: number | null;
  numQueryGroups: number | null;
  kvChannels: number | null;
  seqLength: number | null;
  maxPositionEmbeddings: number | null;
  microBatchSize: number | null;
  globalBatchSize: number | null;
  tensorParallel: number | null;
  pipelineParallel: number | null;
  virtualStages: number | null;
  contextParallel: number | null;
  expertParallel: number | null;
  numExperts: number | null;
  sequenceParallel: boolean | null;
  worldSize: number | null;
  dataParallel: number | null;
  numMicrobatches: number | null;
  paddedVocabSize: number | null;
  pipeSpSplits: number | null;
  pipeSpStrategy: SplitStrategy | null;
  /**
   * A zero-bubble schedule the file's flags select: `zb-h1` (Megatron-DeepSpeed --enable-zbh1-pipeline, or the
   * Zero-Bubble fork at a pending-backward limit of PP — its ZB-1p), or one we do not simulate (`zb-2p`, `zb-auto`,
   * `zb-v`), or MindSpeed's `--schedules-method dualpipev` (`dualpipev`: DualPipeV splits B and W too), or the fork's
   * V with --zero-bubble-v-schedule-mem-setup half / min (`v-half`, `v-min`), or the fork's runtime on a VPP model
   * (`group-interleaved`). Null: none.
   */
  zeroBubbleSchedule:
    'zb-h1' | 'zb-2p' | 'zb-auto' | 'zb-v' | 'dualpipev' | 'v-half' | 'v-min' | 'group-interleaved' | null;
  // ── F: the Zero-Bubble fork's group-interleaved 1F1B ──
  /** --interleave-group-size: the group of the fork's group-interleaved 1F1B (runtime.py:1448-1478); null: unset, 0. */
  interleaveGroupSize: number | null;
  // ── E: Vocabulary Parallelism (sail-sg/VocabularyParallelism, issue 18) ──
  /** --enable-vocab-parallel: `vocab-2` (one barrier), `vocab-1` (--disable-backward-fusion), `interlaced` (not simulated). */
  vocabParallelSchedule: 'vocab-1' | 'vocab-2' | 'interlaced' | null;
  // ── D: MindSpeed's DualPipeV cool-down (issue 18) ──
  /** --dualpipev-dw-detach under --schedules-method dualpipev (false: W inside each cool-down B); null: not DualPipeV. */
  dualpipevDwDetach: boolean | null;
  distributedOptimizer: boolean | null;
  precision: Precision | null;
  swiglu: boolean | null;
  recomputeGranularity: 'full' | 'selective' | null;

  // ── Further fields the cost and memory models need (not part of the issue-2 JSON minimum) ──
  gpusPerNode: number | null;
  numNodes: number | null;
  vocabSize: number | null;
  tokenizerType: string | null;
  makeVocabSizeDivisibleBy: number | null;
  untieEmbeddingsAndOutputWeights: boolean | null;
  normalization: 'LayerNorm' | 'RMSNorm' | null;
  positionEmbeddingType: string | null;
  groupQueryAttention: boolean | null;
  useFlashAttn: boolean | null;
  /** TE attention backend (auto/flash/fused/unfused/local); only unfused/local store s² scores. */
  attentionBackend: string | null;
  transformerImpl: string | null;
  // ── F (issue 13): the fork whose pre-2024 megatron/model code builds the layers (memory/activations.ts) ──
  /** thunlp/Seq1F1B or Megatron-DeepSpeed, whose saved tensors differ from Megatron-Core's; null: Megatron-Core. */
  legacyModelCode: 'seq1f1b' | 'deepspeed' | null;
  // ── E (issue 13): what the rotary tables and the embedding's SP scatter keep ──
  /** --rotary-percent: the fraction of the head dimension rotated (Megatron default 1.0); sizes the rotary tables. */
  rotaryPercent: number | null;
  /** False under Megatron-Core's --no-clone-scatter-output-in-embedding: the SP shard stays a view of the whole output. */
  cloneScatterOutputInEmbedding: boolean | null;
  // ── A (issue 13, session 10): normalised queries and keys ──
  /** --qk-layernorm: a norm over each head of Q and K, which keeps its own input for backward (memory/activations.ts). */
  qkLayernorm: boolean | null;
  hiddenDropout: number | null;
  attentionDropout: number | null;
  addBiasLinear: boolean | null;
  recomputeMethod: 'uniform' | 'block' | null;
  recomputeNumLayers: number | null;
  recomputeModules: string[] | null;
  distributeSavedActivations: boolean | null;
  expertTensorParallel: number | null;
  moeRouterTopk: number | null;
  moeFfnHiddenSize: number | null;
  moeSharedExpertIntermediateSize: number | null;
  /** Per-layer MoE flags (length numLayers) when `--moe-layer-freq` could be evaluated. */
  moeLayerPattern: number[] | null;
  gradReduceInBf16: boolean | null;
  numDistributedOptimizerInstances: number | null;
  numLayersPerVirtualStage: number | null;
  decoderFirstPipelineNumLayers: number | null;
  decoderLastPipelineNumLayers: number | null;
  accountForEmbeddingInPipelineSplit: boolean | null;
  accountForLossInPipelineSplit: boolean | null;
  /**
   * How the file's Megatron places decoder layers on pipeline stages: `megatron` is Megatron-LM's own split (L/p, the
   * first/last-stage counts, the account-for slots); the others are explicit per-stage counts (layersPerStage).
   */
  layerSplitMethod: LayerSplitMethod | null;
  /**
   * Decoder layer slots per (virtual) stage, indexed vs = modelChunk·p + rank, when layerSplitMethod is not
   * `megatron`; null when the file's Megatron would refuse the placement or a value it needs is unknown.
   */
  layersPerStage: number[] | null;
  /** MindSpeed `--noop-layers`: 0-based indices of layers built as identities (counted in numLayers). */
  noopLayers: number[] | null;
  /**
   * Smallest pipeline-parallel size the file's Megatron runs the interleaved schedule with: 2, or 3 where it
   * forbids several p2p sends and receives between the same two ranks (no p2p overlap, older forks).
   */
  interleavedMinPipeline: number | null;
  // ── A (issue 13, static memory): DeepSpeed-MoE, sharding, precision, MLA/MTP parameters ──
  /**
   * DeepSpeed-MoE (Megatron-DeepSpeed only): experts of each decoder layer, 1 for a dense layer, from the
   * --num-experts list and --expert-interval (transformer.py get_num_experts_per_layer). Null elsewhere.
   */
  moeExpertsPerLayer: number[] | null;
  /** DeepSpeed-MoE `--mlp-type residual` (PR-MoE): each MoE layer also keeps a dense MLP and a 2-way coefficient. */
  moeResidualMlp: boolean | null;
  /** DeepSpeed ZeRO stage (0–3) from Megatron-DeepSpeed's --zero-stage; null when the run is not DeepSpeed. */
  zeroStage: number | null;
  useMegatronFsdp: boolean | null;
  /** Megatron-FSDP: no_shard | optim | optim_grads | optim_grads_params. */
  dataParallelShardingStrategy: string | null;
  useTorchFsdp2: boolean | null;
  /** Elements per DDP gradient bucket; null = Megatron's max(40M, 1M·dp) rule. */
  ddpBucketSize: number | null;
  overlapGradReduce: boolean | null;
  overlapParamGather: boolean | null;
  fp8Recipe: string | null;
  fp8ParamGather: boolean | null;
  firstLastLayersBf16: boolean | null;
  numLayersAtStartInBf16: number | null;
  numLayersAtEndInBf16: number | null;
  fp4Format: string | null;
  fp4ParamGather: boolean | null;
  accumulateAllreduceGradsInFp32: boolean | null;
  usePrecisionAwareOptimizer: boolean | null;
  mainGradsDtype: string | null;
  mainParamsDtype: string | null;
  expAvgDtype: string | null;
  expAvgSqDtype: string | null;
  optimizerCpuOffload: boolean | null;
  /** Share of the optimizer state kept on the CPU (0–1) under --optimizer-cpu-offload. */
  optimizerOffloadFraction: number | null;
  optimizerType: string | null;
  multiLatentAttention: boolean | null;
  qLoraRank: number | null;
  kvLoraRank: number | null;
  qkHeadDim: number | null;
  qkPosEmbHeadDim: number | null;
  vHeadDim: number | null;
  mtpNumLayers: number | null;
  fp8Format: string | null;
  // ── B, memory: activations, offload, interleaved warm-up by version (issue 13) ──
  /**
   * Which warm-up the file's Megatron gives the interleaved schedule (cost-model.md §3): `grouped` = Megatron-Core
   * ≥ 0.10, 2(p−r−1) + (v−1)·G chunks in microbatch groups of G; `legacy` = older Megatron and the forks, all forwards
   * first when m = p. Null: unknown (the simulator then keeps the legacy rule its golden tests pin).
   */
  interleavedWarmup: 'grouped' | 'legacy' | null;
  /** G: `--microbatch-group-size-per-virtual-pipeline-stage` (Megatron-Core fills in p when absent; null here then). */
  microbatchGroupSize: number | null;
  /** `--cpu-offloading`: Megatron-Core moves saved activations of offloaded layers to the host. */
  cpuOffloading: boolean | null;
  /** `--cpu-offloading-num-layers` (Megatron default 0). */
  cpuOffloadingNumLayers: number | null;
  /** `--moe-expert-capacity-factor`: tokens beyond ⌈N·k/E·c⌉ per expert are dropped (null: dropless, the default). */
  moeExpertCapacityFactor: number | null;
  /** `--moe-pad-expert-input-to-capacity`: every expert's input is padded up to its capacity. */
  moePadExpertInputToCapacity: boolean | null;
  /**
   * The data loader builds a b×s×s boolean causal mask per microbatch that reaches the GPU of the first and last
   * stage (Megatron-LM's GPT dataset, unless `--no-create-attention-mask-in-dataloader`); null: not known.
   */
  dataloaderAttentionMask: boolean | null;
  /** `--overlap-moe-expert-parallel-comm`: the interleaved schedule warms up one microbatch-chunk more. */
  overlapMoeExpertParallelComm: boolean | null;
  // ── G, memory: MoE token dispatch buffers (issue 13) ──
  /**
   * `--moe-token-dispatcher-type` (Megatron-Core's default `allgather`, transformer_config.py:891 at d98e8a64):
   * the allgather dispatcher gathers every token of the expert TP×EP group into a global buffer (memory/activations.ts).
   */
  moeTokenDispatcherType: string | null;
  // ── C (cost model, issue 14): overlap flags the step time depends on ──
  /** --tp-comm-overlap: Transformer Engine overlaps the TP all-gathers / reduce-scatters with the GEMMs (needs SP). */
  tpCommOverlap: boolean | null;
  trainIters: number | null;
}

// ── C (cost model, issue 14): what the step time is spent on ──
/**
 * The step time of the rank that finishes last, by what it spends it on (ms); the parts add up to stepTimeMs.
 * Inside its ops: compute (GEMMs, attention, output layer), nonGemm (memory-bound kernels), comm (exposed TP / EP /
 * CP collectives), recompute, overhead (per-op fixed cost, launch-bound layers); between them: idle (pipeline bubble
 * and p2p waits); after the flush: dp (exposed gradient reduction / parameter all-gather) and optimizer.
 */
export interface StepTimeBreakdown {
  rank: number;
  computeMs: number;
  nonGemmMs: number;
  commMs: number;
  recomputeMs: number;
  overheadMs: number;
  idleMs: number;
  /** p2p transfer time of the messages this rank receives: not a part of the sum (it is inside idleMs or hidden). */
  p2pMs: number;
  dpMs: number;
  optimizerMs: number;
}

export type ConfigKey = keyof RunConfig;
export type ConfigSources = Partial<Record<ConfigKey, ValueSource>>;

/** One recognised flag or YAML key occurrence, for hovers. */
export interface FlagOccurrence {
  /** Canonical flag name, e.g. `--pipeline-model-parallel-size`. */
  flag: string;
  /** Spelling in the file (`--pipeline_model_parallel_size`, `trainer.devices`). */
  spelling: string;
  /** Range of the flag/key name. */
  range: SourceRange;
  /** Range of the value token(s), if any. */
  valueRange?: SourceRange;
  /** Value as resolved, or null when unresolved / a store_true flag. */
  value: string | null;
  origins: Origin[];
  /** The RunConfig fields this flag sets. */
  keys: ConfigKey[];
  /** One-line meaning from the flag table. */
  doc: string;
}

/** What the launch-config reader hands to the rest of the core. */
export interface LaunchConfigRead {
  format: 'bash' | 'yaml';
  /** False when the file is not a Megatron-style launch (the editor then stays silent). */
  isLaunchConfig: boolean;
  /** Range of the launch command (for the code lens), or the YAML document start. */
  commandRange: SourceRange | null;
  config: RunConfig;
  sources: ConfigSources;
  flags: FlagOccurrence[];
  /** Parse and validation diagnostics (not yet memory/schedule ones). */
  diagnostics: CoreDiagnostic[];
  /** Where planFlagEdit puts a flag the file does not have yet; reads built elsewhere fall back to the command's end. */
  editContext?: EditContext;
  /** Which Megatron reads this file; readLaunchConfig always sets it, hand-built reads (tests) may leave it out. */
  dialect?: DialectRead;
  /** What the launch runs; readLaunchConfig sets it for every launch, hand-built reads may leave it out (= training). */
  scriptKind?: ScriptKindRead;
}

/** What the edit planner needs beyond the flags, recorded by the reader (explicit data, so copies keep it). */
export interface EditContext {
  /** Range of the last argv word of the chosen invocation (bash), where new flags are appended. */
  lastArgRange: SourceRange | null;
}

// ─── Schedules ───────────────────────────────────────────────────────────────────────────────────

export const SCHEDULE_NAMES = [
  'gpipe',
  '1f1b',
  '1f1b-interleaved',
  'seq1f1b',
  'seq1f1b-interleaved',
  'zb-h1',
  'seq1f1b-zb',
  'zb-h2',
  'zb-v',
  'dualpipev',
  'dualpipe',
  'v-half',
  'v-min',
  'group-interleaved',
] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

export interface ScheduleSpec {
  schedule: ScheduleName;
  /** p */
  stages: number;
  /** m */
  microbatches: number;
  /** k (1 for non-Seq1F1B schedules) */
  splits: number;
  /** v (1 for non-interleaved schedules) */
  virtualStages: number;
  /** Interleaved 1F1B only: Megatron-Core ≥ 0.10's grouped warm-up; absent = the legacy rule (RunConfig.interleavedWarmup). */
  interleavedWarmup?: 'grouped';
  /** G of the grouped warm-up (absent = p); group-interleaved: --interleave-group-size (absent = ⌈p/2⌉). */
  microbatchGroupSize?: number;
  /** Grouped warm-up only: one chunk more, for --overlap-moe-expert-parallel-comm (schedules.py:966-970 at d98e8a64). */
  moeOverlapWarmup?: true;
  /** DualPipeV: MindSpeed's cool-down without --dualpipev-dw-detach, W inside each B (dualPipeV.ts); absent: DeepSeek's. */
  dualPipeVWholeCooldown?: true;
}

/** Op kinds, as stored in SimResult.kind. */
export const OP_F = 0;
export const OP_B = 1;
export const OP_W = 2;

/**
 * Durations for one simulation, in one time unit (ms from the cost model; abstract units from the CLI).
 * Costs depend only on the virtual stage and the sequence chunk: every microbatch is alike.
 * Index = virtualStage * splits + chunk, virtualStage = modelChunk * p + rank.
 */
export interface CostTable {
  forward: Float64Array;
  /** Backward; for zero-bubble schedules the input-gradient part only. */
  backward: Float64Array;
  /** Weight-gradient part for zero-bubble schedules (zeros otherwise). */
  weight: Float64Array;
  /** Activation transfer of chunk j from one stage to the next (index = chunk). */
  p2pForward: Float64Array;
  /** Gradient transfer of chunk j from one stage to the previous (index = chunk). */
  p2pBackward: Float64Array;
}

/**
 * A simulated timeline, packed: ops grouped by stage, each stage's ops in execution order
 * (stageOffsets[r] .. stageOffsets[r+1]). A unit (microbatch, chunk, modelChunk) is live on its stage from
 * the start of its F to the end of its last backward op (B, or W for zero-bubble schedules).
 */
/** Ops packed column-wise, grouped by stage: the simulator's output and the webview's wire format share it. */
export interface PackedOps {
  opCount: number;
  stageOffsets: Int32Array;
  kind: Uint8Array;
  microbatch: Int32Array;
  chunk: Uint16Array;
  modelChunk: Uint16Array;
  start: Float64Array;
  end: Float64Array;
  /** When the op's cross-stage input started/finished moving (NaN if it had none). */
  p2pStart: Float64Array;
  p2pEnd: Float64Array;
}

export interface SimResult extends PackedOps {
  spec: ScheduleSpec;
  makespan: number;
  /** Busy time per stage. */
  busy: Float64Array;
  /** 1 − Σbusy / (p · makespan). */
  bubbleFraction: number;
  /** Most units forwarded but not yet fully backwarded on each stage at any time. */
  peakUnits: Int32Array;
}

export interface NotApplicable {
  applicable: false;
  reason: string;
}

// ─── Hardware ────────────────────────────────────────────────────────────────────────────────────

export interface GpuProfile {
  id: string;
  name: string;
  /** Usable device memory as nvidia-smi reports it, in GiB (2^30 bytes). */
  memoryGiB: number;
  /** Dense peak for bf16/fp16 tensor-core math, TFLOP/s. */
  peakTflops16: number;
  /** Dense peak for fp32 (non-tensor-core) math, TFLOP/s. */
  peakTflops32: number;
  /** Per-GPU, per-direction NVLink bandwidth, GB/s (1e9 bytes). */
  intraNodeGBps: number;
  /** Per-GPU network bandwidth, GB/s (1e9 bytes). */
  interNodeGBps: number;
  /** One-way small-message latency, microseconds. */
  intraNodeLatencyUs: number;
  interNodeLatencyUs: number;
  // ── C (cost model, issue 14): what the memory-bound and FP8 terms need ──
  /** HBM bandwidth, GB/s (1e9 bytes); absent: scaled from the dense peak at the A100-80GB's bytes per FLOP. */
  hbmGBps?: number;
  /** Dense FP8 tensor-core peak, TFLOP/s; absent where the GPU has no FP8 tensor cores. */
  peakTflops8?: number;
  /** Fraction of dense peak that large GEMMs of a Megatron layer reach (the cost model's default ceiling). */
  gemmEfficiency?: number;
  /** Where these figures come from. */
  source: string;
}

// ─── Analysis (what the CLI prints and the editor reads) ─────────────────────────────────────────

/** Memory per category; the unit is in the name of the field that holds it (`breakdownBytes`, `breakdownGiB`). */
export interface MemoryBreakdown {
  /** Weights held for the whole step (sharded where the scheme shards them), FP8/FP4 copies included. */
  weights: number;
  /** Gradient buffer (sharded where the scheme shards it). */
  grads: number;
  /** Sharding buffers at the peak: parameters all-gathered for compute and prefetch (FSDP, ZeRO-3). */
  paramGather: number;
  /** Sharding buffers at the peak: gradient buckets outside the gradient buffer (ZeRO-2/3 IPG, FSDP unsharded). */
  gradBuckets: number;
  optimizer: number;
  activations: number;
  kvCache: number;
  logits: number;
  // ── F (issue 13): reserved − allocated as two terms, the allocator's cache and memory outside PyTorch ──
  /**
   * What PyTorch's caching allocator holds beyond the allocated tensors: allocated × the fragmentation fraction
   * (memory/overheads.ts), plus under Seq1F1B the allocator replay's reserved − allocated (memory/fragmentation.ts).
   */
  fragmentation: number;
  /** Memory outside PyTorch's allocator: CUDA context and workspaces, NCCL buffers, TE userbuffers (overheads.ts). */
  overhead: number;
}

export interface StageMemory {
  stage: number;
  /** Peak allocated bytes (PyTorch max_memory_allocated analogue). */
  peakBytes: number;
  /** Estimated reserved bytes (allocated × fragmentation + non-PyTorch overhead). */
  peakReservedBytes: number;
  /** Simulated time of the peak (ms). */
  peakTimeMs: number;
  breakdownBytes: MemoryBreakdown;
  /** Memory over time: step series (timeMs[i], bytes[i]) holds until timeMs[i+1]. */
  series: { timeMs: Float64Array; bytes: Float64Array };
}

export interface ScheduleEvaluation {
  schedule: ScheduleName;
  applicable: boolean;
  reason: string | null;
  splits: number;
  virtualStages: number;
  /** True when the file does not configure this schedule (a what-if on the same model and cluster). */
  whatIf: boolean;
  /** Where k came from for Seq1F1B variants. */
  splitsSource: 'file' | 'recommended' | 'fixed';
  stepTimeMs: number | null;
  bubbleFraction: number | null;
  tokensPerSecond: number | null;
  tflopsPerGpu: number | null;
  peakMemoryGiBPerStage: number[] | null;
  peakReservedGiBPerStage: number[] | null;
  oom: boolean | null;
  memoryBreakdownGiB: MemoryBreakdown | null;
  /** C (issue 14): what the step time is spent on; absent when the schedule is not simulated. */
  stepTimeBreakdown?: StepTimeBreakdown;
  // ── D (issue 16): a long schedule simulated as periodic samples ──
  /** Set when step time and bubble are extrapolated from the last periods of a shorter sample (the timeline is it). */
  extrapolated?: { sampleMicrobatches: number; periodMicrobatches: number };
  /** E (issue 18): the file's 1F1B ran with Vocabulary Parallelism; figures are its run's, `sim` stays plain 1F1B. */
  vocabParallel?: VocabParallelFigures;
  /** Not serialised to JSON: the timeline and memory series, for the webview. */
  sim?: SimResult;
  memory?: StageMemory[];
}
