// Megatron-LM's argument surface (megatron.md §1) plus the fork flags we tolerate (Seq1F1B, MindSpeed,
// Megatron-DeepSpeed, zero-bubble). The table is data: the interpreter decides arity from `type`, hovers show
// `doc`, the resolver takes `key` + `default` (see below). Flags that only matter for data/logging/checkpointing
// are listed so they are not reported as unknown.
import type { ConfigKey, RunConfig } from '../../types';

/** Which code base defines the flag; upstream Megatron-LM is 'megatron'. */
export type Dialect = 'megatron' | 'seq1f1b' | 'mindspeed' | 'deepspeed' | 'zero-bubble' | 'pai';

interface DeprecationInfo {
  severity: 'error' | 'warning' | 'information' | 'hint';
  /** What to use instead, shown in the message. */
  message: string;
  /** A flag the fix renames this one to, when the meaning is the same. */
  renameTo?: string;
}

/** RunConfig fields whose value type is exactly `T | null`: the fields a flag of that type can set as it is. */
type KeysOfType<T> = {
  [K in ConfigKey]-?: [RunConfig[K]] extends [T | null] ? ([T | null] extends [RunConfig[K]] ? K : never) : never;
}[ConfigKey];
export type NumberKey = KeysOfType<number>;
export type BoolKey = KeysOfType<boolean>;
export type TextKey = KeysOfType<string>;

interface SpecCommon {
  /** Canonical spelling, e.g. `--pipeline-model-parallel-size`. */
  name: string;
  aliases?: string[];
  choices?: string[];
  /** nargs flags: minimum number of values ('+' = 1, '*' = 0, N = N). */
  minValues?: number;
  /** nargs flags: exact count when fixed (e.g. `--rampup-batch-size` takes 3). */
  exactValues?: number;
  doc: string;
  /** Every RunConfig field the flag influences (hovers and what-if rows read this). */
  keys?: ConfigKey[];
  dialect?: Dialect;
  deprecated?: DeprecationInfo;
  /** With `key`: other spellings read, in order, when this flag is absent (`--decoder-num-layers` for `--num-layers`). */
  fallbacks?: string[];
  /** With `key` and a null default: Megatron requires the flag; why the field stays unknown without it. */
  requiredReason?: string;
}

// `default` is Megatron's argparse default (null = None; megatron/training/arguments.py, see
// test/unit/megatron.flagDefaults.test.ts). `key` is the RunConfig field this flag alone sets — its value when
// given, else `default` — which megatron/resolve/plain.ts fills for every such spec. Fields that depend on several
// flags are computed in megatron/resolve/derived/, which read their defaults from this table too.
export interface NumberSpec extends SpecCommon {
  type: 'int' | 'float';
  default?: number | null;
  key?: NumberKey;
}
export interface SwitchSpec extends SpecCommon {
  type: 'store_true' | 'store_false';
  default?: boolean;
  key?: BoolKey;
}
export interface TextSpec extends SpecCommon {
  type: 'str' | 'choice';
  default?: string | null;
  key?: TextKey;
}
export interface ListSpec extends SpecCommon {
  type: 'nargs';
  default?: readonly string[] | null;
}
export type FlagSpec = NumberSpec | SwitchSpec | TextSpec | ListSpec;

type Extra<S> = Omit<S, 'name' | 'type' | 'doc'>;
const specs: FlagSpec[] = [];
const int = (name: string, doc: string, extra: Extra<NumberSpec> = {}): void =>
  void specs.push({ name, type: 'int', doc, ...extra });
const flt = (name: string, doc: string, extra: Extra<NumberSpec> = {}): void =>
  void specs.push({ name, type: 'float', doc, ...extra });
const str = (name: string, doc: string, extra: Extra<TextSpec> = {}): void =>
  void specs.push({ name, type: 'str', doc, ...extra });
const on = (name: string, doc: string, extra: Extra<SwitchSpec> = {}): void =>
  void specs.push({ name, type: 'store_true', doc, ...extra });
const off = (name: string, doc: string, extra: Extra<SwitchSpec> = {}): void =>
  void specs.push({ name, type: 'store_false', doc, ...extra });
const choice = (name: string, choices: string[], doc: string, extra: Extra<TextSpec> = {}): void =>
  void specs.push({ name, type: 'choice', doc, choices, ...extra });
const list = (name: string, minValues: number, doc: string, extra: Extra<ListSpec> = {}): void =>
  void specs.push({ name, type: 'nargs', doc, minValues, ...extra });

// ── Model shape ──
int('--num-layers', 'Number of transformer layers L (required).', {
  keys: ['numLayers'],
  key: 'numLayers',
  default: null,
  fallbacks: ['--decoder-num-layers', '--encoder-num-layers'],
  requiredReason: '--num-layers is not given (Megatron requires it)',
});
int('--encoder-num-layers', 'Encoder layers; with a decoder-only model this is L.', { keys: ['numLayers'] });
int('--decoder-num-layers', 'Decoder layers.', { keys: ['numLayers'] });
int('--hidden-size', 'Hidden size h (required).', {
  keys: ['hiddenSize', 'kvChannels', 'ffnHiddenSize'],
  key: 'hiddenSize',
  default: null,
  requiredReason: '--hidden-size is not given (Megatron requires it)',
});
int('--ffn-hidden-size', 'MLP hidden size F; default 4h, or floor(8h/3/64)·64 with --swiglu.', {
  keys: ['ffnHiddenSize'],
  default: null,
});
int('--num-attention-heads', 'Attention heads a (required); a % TP must be 0.', {
  keys: ['numAttentionHeads', 'kvChannels'],
  key: 'numAttentionHeads',
  default: null,
  requiredReason: '--num-attention-heads is not given (Megatron requires it)',
});
int('--kv-channels', 'Head dimension d; default h/a.', { keys: ['kvChannels'], default: null });
on('--group-query-attention', 'Turns grouped-query attention on; without it --num-query-groups is ignored.', {
  keys: ['groupQueryAttention', 'numQueryGroups'],
  default: false,
});
int('--num-query-groups', 'Query groups g (KV heads) with --group-query-attention; default 1.', {
  keys: ['numQueryGroups'],
  default: 1,
});
int('--seq-length', 'Sequence length s.', {
  keys: ['seqLength'],
  key: 'seqLength',
  default: null,
  fallbacks: ['--encoder-seq-length'],
  requiredReason: '--seq-length is not given',
});
int('--encoder-seq-length', 'Sequence length s (encoder spelling).', { keys: ['seqLength'] });
int('--decoder-seq-length', 'Decoder sequence length (encoder-decoder models).');
int('--max-position-embeddings', 'Size of the position table; must be ≥ seq length.', {
  keys: ['maxPositionEmbeddings'],
  key: 'maxPositionEmbeddings',
  default: null,
  requiredReason: '--max-position-embeddings is not given',
});
int('--vocab-size', 'Vocabulary size before padding (NullTokenizer, TikTokenizer).', {
  keys: ['vocabSize', 'paddedVocabSize'],
});
int('--padded-vocab-size', 'Padded vocabulary size, used as is.', { keys: ['paddedVocabSize'] });
on('--no-pad-vocab-size', 'Do not pad the vocabulary.', { keys: ['paddedVocabSize'] });
int('--make-vocab-size-divisible-by', 'Padding unit: padded V = ceil(V / (unit·TP))·unit·TP.', {
  keys: ['makeVocabSizeDivisibleBy', 'paddedVocabSize'],
  default: 128,
  key: 'makeVocabSizeDivisibleBy',
});
str('--tokenizer-type', 'Tokenizer class; decides the vocabulary size.', {
  keys: ['tokenizerType', 'vocabSize', 'paddedVocabSize'],
});
str('--tokenizer-model', 'Tokenizer model path or Hugging Face name.', { keys: ['vocabSize'] });
str('--patch-tokenizer-type', 'Pai-Megatron tokenizer class.', { dialect: 'pai', keys: ['tokenizerType'] });
str('--vocab-file', 'Vocabulary file (GPT-2 BPE vocab.json).');
str('--merge-file', 'BPE merges file.');
int('--vocab-extra-ids', 'Extra sentinel tokens added to the vocabulary.');
choice('--normalization', ['LayerNorm', 'RMSNorm'], 'Norm type (case-sensitive).', {
  keys: ['normalization'],
  default: 'LayerNorm',
});
flt('--norm-epsilon', 'Norm epsilon.');
flt('--layernorm-epsilon', 'Norm epsilon (older spelling).');
on('--apply-layernorm-1p', 'Zero-centred LayerNorm gamma.');
choice(
  '--position-embedding-type',
  ['learned_absolute', 'rope', 'yarn', 'mrope', 'relative', 'none'],
  'Position embedding.',
  { keys: ['positionEmbeddingType'], default: 'learned_absolute' },
);
on('--use-rotary-position-embeddings', 'Same as --position-embedding-type rope.', { keys: ['positionEmbeddingType'] });
on('--no-position-embedding', 'No position embedding (needs rope).', { keys: ['positionEmbeddingType'] });
flt('--rotary-base', 'RoPE base.');
flt('--rotary-percent', 'Fraction of the head dimension rotated.');
flt('--rotary-seq-len-interpolation-factor', 'RoPE sequence interpolation factor.');
on('--use-rope-scaling', 'Llama-3.1 RoPE scaling.');
flt('--rope-scaling-factor', 'RoPE scaling factor.');
on('--swiglu', 'Gated SiLU MLP (fc1 is 2F wide).', {
  keys: ['swiglu', 'ffnHiddenSize'],
  key: 'swiglu',
  default: false,
});
on('--squared-relu', 'Squared-ReLU MLP.');
on('--quick-geglu', 'Quick-GeGLU MLP.');
on('--openai-gelu', 'OpenAI GeLU approximation.');
on('--untie-embeddings-and-output-weights', 'Separate output layer instead of reusing the embedding.', {
  keys: ['untieEmbeddingsAndOutputWeights'],
  key: 'untieEmbeddingsAndOutputWeights',
  default: false,
});
on('--disable-bias-linear', 'No biases in linear layers.', { keys: ['addBiasLinear'] });
on('--add-bias-linear', 'Biases in linear layers (older forks).', { keys: ['addBiasLinear'] });
on('--add-qkv-bias', 'Bias on the QKV projection only.');
on('--qk-layernorm', 'Norm on queries and keys.');
flt('--hidden-dropout', 'Hidden dropout rate.', { keys: ['hiddenDropout'], default: 0.1, key: 'hiddenDropout' });
flt('--attention-dropout', 'Attention dropout rate.', {
  keys: ['attentionDropout'],
  default: 0.1,
  key: 'attentionDropout',
});
flt('--init-method-std', 'Weight init standard deviation.');
on('--init-method-xavier-uniform', 'Xavier-uniform init.');
on('--use-flash-attn', 'Flash attention (local impl.); required by Seq1F1B with k > 1.', {
  keys: ['useFlashAttn'],
  default: false,
});
on('--use-flash-attn-v2', 'Flash attention 2 (Megatron-DeepSpeed).', { dialect: 'deepspeed', keys: ['useFlashAttn'] });
choice(
  '--attention-backend',
  ['auto', 'flash', 'fused', 'unfused', 'local'],
  'Transformer Engine attention backend; only unfused/local store s² scores.',
  { keys: ['attentionBackend'], default: 'auto', key: 'attentionBackend' },
);
choice(
  '--transformer-impl',
  ['transformer_engine', 'local', 'inference_optimized'],
  'Transformer layer implementation.',
  { keys: ['transformerImpl'], default: 'transformer_engine' },
);
on('--attention-softmax-in-fp32', 'Softmax in fp32.');
on('--apply-query-key-layer-scaling', 'Scale Q·K by layer number.');
on('--multi-latent-attention', 'DeepSeek multi-latent attention.');
int('--q-lora-rank', 'MLA query LoRA rank.');
int('--kv-lora-rank', 'MLA key/value LoRA rank.');
int('--qk-head-dim', 'MLA Q/K head dimension.');
int('--qk-pos-emb-head-dim', 'MLA positional head dimension.');
int('--v-head-dim', 'MLA value head dimension.');
int('--mtp-num-layers', 'Multi-token-prediction layers.');
str('--hybrid-layer-pattern', 'Hybrid (Mamba) layer pattern; overrides --num-layers.');
str('--spec', 'Layer spec module.');
on('--use-mcore-models', 'Megatron-Core models (default in newer releases).');
on('--use-legacy-models', 'Legacy models.', {
  deprecated: { severity: 'hint', message: 'removed from Megatron-LM on 2026-05-06; older releases accept it' },
});

// ── Parallelism ──
int('--tensor-model-parallel-size', 'Tensor parallel size t.', {
  keys: ['tensorParallel'],
  default: 1,
  key: 'tensorParallel',
});
int('--model-parallel-size', 'Removed.', {
  deprecated: {
    severity: 'error',
    message: 'removed; use --tensor-model-parallel-size',
    renameTo: '--tensor-model-parallel-size',
  },
});
int('--pipeline-model-parallel-size', 'Pipeline parallel size p.', {
  keys: ['pipelineParallel'],
  default: 1,
  key: 'pipelineParallel',
});
int('--num-layers-per-virtual-pipeline-stage', 'Layers per model chunk n; v = (L/p)/n.', {
  keys: ['virtualStages', 'numLayersPerVirtualStage'],
});
int('--num-virtual-stages-per-pipeline-rank', 'Virtual pipeline stages v per rank.', { keys: ['virtualStages'] });
str('--pipeline-model-parallel-layout', 'Explicit stage layout, e.g. "E|(t|)*3,m|m||L".', { keys: ['virtualStages'] });
int('--decoder-first-pipeline-num-layers', 'Layers on the first pipeline stage (uneven PP).', {
  keys: ['decoderFirstPipelineNumLayers'],
  key: 'decoderFirstPipelineNumLayers',
  default: null,
});
int('--decoder-last-pipeline-num-layers', 'Layers on the last pipeline stage (uneven PP).', {
  keys: ['decoderLastPipelineNumLayers'],
  key: 'decoderLastPipelineNumLayers',
  default: null,
});
on('--account-for-embedding-in-pipeline-split', 'Count the embedding as one layer when splitting.', {
  keys: ['accountForEmbeddingInPipelineSplit'],
  key: 'accountForEmbeddingInPipelineSplit',
  default: false,
});
on('--account-for-loss-in-pipeline-split', 'Count the loss as one layer when splitting.', {
  keys: ['accountForLossInPipelineSplit'],
  key: 'accountForLossInPipelineSplit',
  default: false,
});
on('--standalone-embedding-stage', 'Embedding on its own stage.', {
  deprecated: {
    severity: 'warning',
    message: 'removed in 2025; use --account-for-embedding-in-pipeline-split',
    renameTo: '--account-for-embedding-in-pipeline-split',
  },
});
int('--context-parallel-size', 'Context parallel size c; s % 2c must be 0.', {
  keys: ['contextParallel'],
  default: 1,
  key: 'contextParallel',
});
list('--hierarchical-context-parallel-sizes', 1, 'Hierarchical CP group sizes; must multiply to c.');
list('--cp-comm-type', 1, 'CP communication: p2p, a2a, allgather, a2a+p2p.');
on('--sequence-parallel', 'Sequence parallelism (ignored when t = 1).', { keys: ['sequenceParallel'], default: false });
int('--expert-model-parallel-size', 'Expert parallel size e; E % e must be 0.', {
  keys: ['expertParallel'],
  default: 1,
  key: 'expertParallel',
});
int('--expert-tensor-parallel-size', 'Expert tensor parallel size; default t.', {
  keys: ['expertTensorParallel'],
  default: null,
});
int('--microbatch-group-size-per-virtual-pipeline-stage', 'Interleaved schedule group size; default p.');
off('--no-overlap-p2p-communication', 'Disable overlapping pipeline p2p communication.');
on('--overlap-p2p-communication', 'Overlap pipeline p2p (opt-in before 2023-10; default since).');
on('--tp-comm-overlap', 'Overlap TP communication with GEMMs (needs SP).');
choice('--distributed-backend', ['nccl', 'gloo'], 'torch.distributed backend.');
int('--distributed-timeout-minutes', 'Collective timeout.');
on('--use-distributed-optimizer', 'Shard optimizer state over the data-parallel group (ZeRO-1-like).', {
  keys: ['distributedOptimizer'],
  default: false,
});
int('--num-distributed-optimizer-instances', 'Partial distributed optimizer replicas.', {
  keys: ['numDistributedOptimizerInstances'],
  default: 1,
  key: 'numDistributedOptimizerInstances',
});
on('--overlap-grad-reduce', 'Overlap the data-parallel gradient reduce.');
on(
  '--overlap-param-gather',
  'Overlap the parameter all-gather (needs the distributed optimizer and --overlap-grad-reduce).',
);
on('--overlap-param-gather-with-optimizer-step', 'Overlap param gather with the optimizer step.');
on('--defer-embedding-wgrad-compute', 'Defer the embedding weight-gradient GEMM.');
on('--use-torch-fsdp2', 'Torch FSDP2 instead of DDP.');
on('--use-megatron-fsdp', 'Megatron-FSDP.');
str('--data-parallel-sharding-strategy', 'Megatron-FSDP sharding strategy.');
int('--tensor-parallel-num-weight-shards', 'Weight remat shards r (total model size t·p·c·r).');
int('--ddp-bucket-size', 'DDP bucket size.');
on('--ddp-average-in-collective', 'Average in the collective.');
on('--use-cpu-initialization', 'Initialise weights on the CPU.');
on('--cpu-offloading', 'Offload activations to the CPU.');
int('--cpu-offloading-num-layers', 'Layers whose activations are offloaded.');
on('--fake-process-group', 'Profile a large world on one GPU.');

// ── MoE ──
int('--num-experts', 'Routed experts E (MoE).', { keys: ['numExperts'], key: 'numExperts', default: null });
int('--moe-router-topk', 'Experts per token k.', { keys: ['moeRouterTopk'], default: 2 });
int('--moe-ffn-hidden-size', 'Per-expert FFN size; default F.', { keys: ['moeFfnHiddenSize'] });
int('--moe-shared-expert-intermediate-size', 'Total shared-expert FFN size.', {
  keys: ['moeSharedExpertIntermediateSize'],
  key: 'moeSharedExpertIntermediateSize',
  default: null,
});
str('--moe-layer-freq', 'MoE layer frequency: N (every N-th layer) or a list expression like "[0]*3+[1]*58".', {
  keys: ['moeLayerPattern'],
  default: '1',
});
on('--moe-grouped-gemm', 'Grouped GEMM for experts.');
str('--moe-router-load-balancing-type', 'Load balancing loss type.');
flt('--moe-aux-loss-coeff', 'Aux loss coefficient.');
flt('--moe-z-loss-coeff', 'Z-loss coefficient.');
flt('--moe-input-jitter-eps', 'Router input jitter.');
str('--moe-token-dispatcher-type', 'Token dispatcher (allgather, alltoall, flex).');
flt('--moe-expert-capacity-factor', 'Expert capacity factor (token dropping).');
on('--moe-pad-expert-input-to-capacity', 'Pad expert inputs to capacity.');
str('--moe-token-drop-policy', 'Token drop policy.');
on('--moe-router-pre-softmax', 'Softmax before top-k.');
str('--moe-router-score-function', 'Router score function.');
on('--moe-router-enable-expert-bias', 'Aux-loss-free expert bias.');
flt('--moe-router-bias-update-rate', 'Expert bias update rate.');
str('--moe-router-dtype', 'Router dtype.');
int('--moe-router-num-groups', 'Router groups.');
int('--moe-router-group-topk', 'Router groups picked.');
flt('--moe-router-topk-scaling-factor', 'Top-k scaling factor.');
on('--moe-permute-fusion', 'Fused token permutation.');
on('--moe-shared-expert-overlap', 'Overlap the shared expert.');
int('--moe-latent-size', 'MoE latent projection size.');
on('--moe-layer-recompute', 'Recompute MoE layers.', {
  deprecated: { severity: 'warning', message: 'deprecated; use --recompute-modules moe' },
});

// ── Recompute ──
choice('--recompute-granularity', ['full', 'selective'], 'Activation recompute mode.', {
  keys: ['recomputeGranularity'],
  default: null,
});
choice('--recompute-method', ['uniform', 'block'], 'Full recompute: uniform chunks or the first N layers per stage.', {
  keys: ['recomputeMethod'],
  default: null,
});
int('--recompute-num-layers', 'Layers per recompute chunk (uniform) or recomputed layers per stage (block).', {
  keys: ['recomputeNumLayers'],
  default: null,
});
on('--recompute-activations', 'Same as --recompute-granularity selective.', { keys: ['recomputeGranularity'] });
list('--recompute-modules', 0, 'What selective recompute covers (core_attn, mlp, moe, moe_act, layernorm, …).', {
  keys: ['recomputeModules'],
  default: ['core_attn'],
});
on('--distribute-saved-activations', 'Split checkpointed inputs across TP.', {
  keys: ['distributeSavedActivations'],
  key: 'distributeSavedActivations',
  default: false,
});
choice('--activations-checkpoint-method', ['uniform', 'block'], 'Old name of --recompute-method.', {
  keys: ['recomputeMethod'],
  deprecated: { severity: 'warning', message: 'renamed to --recompute-method in 2022', renameTo: '--recompute-method' },
});
// Megatron-LM exits on this flag; Megatron-DeepSpeed uses it for full recompute. The resolver picks by dialect.
on('--checkpoint-activations', 'Full activation checkpointing (Megatron-DeepSpeed); Megatron-LM exits on it.', {
  keys: ['recomputeGranularity'],
});
int('--checkpoint-num-layers', 'Layers per checkpoint chunk (Megatron-DeepSpeed).', {
  keys: ['recomputeNumLayers'],
  default: 1,
});

// ── Precision ──
on('--bf16', 'bfloat16 parameters (fp32 grad accumulation unless --grad-reduce-in-bf16).', { keys: ['precision'] });
on('--fp16', 'fp16 parameters with loss scaling.', { keys: ['precision'] });
choice('--fp8-format', ['e4m3', 'hybrid'], 'Transformer Engine FP8 format.', { keys: ['fp8Format'], default: null });
str('--fp8-recipe', 'FP8 recipe (delayed, tensorwise, mxfp8, blockwise, custom).');
on('--fp8-param-gather', 'Keep FP8 parameters for the all-gather (needs the distributed optimizer).');
int('--fp8-amax-history-len', 'FP8 amax history length.');
str('--fp8-amax-compute-algo', 'FP8 amax algorithm.');
int('--fp8-margin', 'FP8 margin.');
int('--fp8-interval', 'FP8 scaling update interval.');
on('--fp8-e4m3', 'Old spelling of --fp8-format e4m3.', {
  keys: ['fp8Format'],
  deprecated: { severity: 'hint', message: 'replaced by --fp8-format e4m3 in 2023-08 (Pai-Megatron still accepts it)' },
});
on('--fp8-hybrid', 'Old spelling of --fp8-format hybrid.', {
  keys: ['fp8Format'],
  deprecated: {
    severity: 'hint',
    message: 'replaced by --fp8-format hybrid in 2023-08 (Pai-Megatron still accepts it)',
  },
});
str('--fp4-format', 'FP4 format.');
on('--grad-reduce-in-bf16', 'Reduce gradients in bf16 (2-byte grads).', {
  keys: ['gradReduceInBf16'],
  key: 'gradReduceInBf16',
  default: false,
});
on('--fp16-lm-cross-entropy', 'Cross entropy in fp16.');
on('--fp32-residual-connection', 'fp32 residual stream.');
on('--accumulate-allreduce-grads-in-fp32', 'fp32 gradient accumulation.');
flt('--loss-scale', 'Static loss scale.');
flt('--initial-loss-scale', 'Initial dynamic loss scale.');
flt('--min-loss-scale', 'Minimum dynamic loss scale.');
int('--loss-scale-window', 'Loss scale window.');
int('--hysteresis', 'Loss scale hysteresis.');
on('--use-precision-aware-optimizer', 'Precision-aware optimizer state.');
str('--main-params-dtype', 'Main parameter dtype.');
str('--main-grads-dtype', 'Main gradient dtype.');
str('--exp-avg-dtype', 'Adam first-moment dtype.');
str('--exp-avg-sq-dtype', 'Adam second-moment dtype.');

// ── Batch and training length ──
int('--micro-batch-size', 'Micro-batch size b (required).', {
  keys: ['microBatchSize'],
  key: 'microBatchSize',
  default: null,
  requiredReason: '--micro-batch-size is not given (Megatron requires it)',
});
int('--global-batch-size', 'Global batch size; default b·dp. Must be divisible by b·dp.', {
  keys: ['globalBatchSize', 'numMicrobatches'],
});
int('--batch-size', 'Removed.', {
  deprecated: {
    severity: 'error',
    message: 'removed; use --micro-batch-size (and --global-batch-size)',
    renameTo: '--micro-batch-size',
  },
});
list('--rampup-batch-size', 3, 'Batch ramp-up: start increment samples.', { exactValues: 3 });
str('--step-batch-size-schedule', 'Step batch-size schedule "THR:BS …" (HEAD); conflicts with --global-batch-size.');
on('--decrease-batch-size-if-needed', 'Round the global batch down to a multiple of b·dp.');
int('--train-iters', 'Training iterations.', { keys: ['trainIters'], key: 'trainIters', default: null });
int('--train-samples', 'Training samples.');
int('--eval-iters', 'Evaluation iterations.');
int('--eval-interval', 'Evaluation interval.');
int('--log-interval', 'Logging interval.');
int('--save-interval', 'Checkpoint interval.');
int('--exit-interval', 'Exit after this many iterations.');
int('--exit-duration-in-mins', 'Exit after this many minutes.');
on('--exit-signal-handler', 'Save and exit on SIGTERM.');
flt('--lr', 'Learning rate.');
flt('--min-lr', 'Minimum learning rate.');
str('--lr-decay-style', 'LR decay style.');
int('--lr-decay-iters', 'LR decay iterations.');
int('--lr-decay-samples', 'LR decay samples.');
int('--lr-warmup-iters', 'LR warmup iterations.');
int('--lr-warmup-samples', 'LR warmup samples.');
flt('--lr-warmup-fraction', 'LR warmup fraction.');
flt('--lr-warmup-init', 'Initial warmup LR.');
flt('--warmup', 'Removed.', {
  deprecated: { severity: 'error', message: 'removed; use --lr-warmup-fraction', renameTo: '--lr-warmup-fraction' },
});
flt('--weight-decay', 'Weight decay.');
flt('--start-weight-decay', 'Initial weight decay.');
flt('--end-weight-decay', 'Final weight decay.');
str('--weight-decay-incr-style', 'Weight decay schedule.');
flt('--clip-grad', 'Gradient clipping.');
flt('--adam-beta1', 'Adam beta1.');
flt('--adam-beta2', 'Adam beta2.');
flt('--adam-eps', 'Adam epsilon.');
flt('--sgd-momentum', 'SGD momentum.');
str('--optimizer', 'Optimizer (adam, sgd, …).');
int('--seed', 'Random seed.');
on('--override-opt_param-scheduler', 'Use the command-line LR schedule over the checkpoint.');
on('--use-checkpoint-opt_param-scheduler', 'Use the checkpoint LR schedule.');
on('--use-checkpoint-args', 'Take model arguments from the checkpoint.');
on('--calculate-per-token-loss', 'Per-token loss.');
on('--cross-entropy-loss-fusion', 'Fused cross entropy.');
str('--cross-entropy-fusion-impl', 'Cross entropy fusion implementation.');
int('--empty-unused-memory-level', 'Empty the CUDA cache between steps.');
on('--check-for-nan-in-loss-and-grad', 'NaN checks.');
str('--rerun-mode', 'Rerun state machine mode.');
on('--deterministic-mode', 'Deterministic kernels.');
on('--manual-gc', 'Manual garbage collection.');
int('--manual-gc-interval', 'GC interval.');

// ── Data ──
list('--data-path', 1, 'Training data prefixes (with optional weights).');
list('--train-data-path', 1, 'Training data.');
list('--valid-data-path', 1, 'Validation data.');
list('--test-data-path', 1, 'Test data.');
str('--data-cache-path', 'Dataset index cache.');
str('--split', 'Train/valid/test split, e.g. 99,1,0.');
on('--mock-data', 'Synthetic data.');
int('--num-workers', 'Data loader workers.');
str('--dataloader-type', 'single or cyclic.');
str('--data-impl', 'Dataset implementation (older Megatron).');
on('--no-mmap-bin-files', 'Do not mmap dataset files.');
on('--reset-position-ids', 'Reset position ids at EOD.');
on('--reset-attention-mask', 'Reset attention mask at EOD.');
on('--eod-mask-loss', 'Mask loss at EOD.');
on('--create-attention-mask-in-dataloader', 'Build attention masks in the data loader.');
on('--no-create-attention-mask-in-dataloader', 'Do not build attention masks in the data loader.');
int('--num-dataset-builder-threads', 'Dataset builder threads.');

// ── Checkpoint, logging, profiling ──
str('--save', 'Checkpoint output directory.');
str('--load', 'Checkpoint to load.');
str('--pretrained-checkpoint', 'Pretrained checkpoint.');
on('--no-load-optim', 'Do not load optimizer state.');
on('--no-load-rng', 'Do not load RNG state.');
on('--no-save-optim', 'Do not save optimizer state.');
on('--no-save-rng', 'Do not save RNG state.');
on('--finetune', 'Start from iteration 0.');
str('--ckpt-format', 'Checkpoint format.');
on('--use-dist-ckpt', 'Distributed checkpoint.');
on('--auto-detect-ckpt-format', 'Detect the checkpoint format.');
str('--dist-ckpt-format', 'Distributed checkpoint format.');
on('--async-save', 'Asynchronous checkpoint save.');
int('--ckpt-step', 'Checkpoint step to load.');
str('--tensorboard-dir', 'TensorBoard directory.');
int('--tensorboard-log-interval', 'TensorBoard interval.');
int('--tensorboard-queue-size', 'TensorBoard queue size.');
on('--log-params-norm', 'Log parameter norm.');
on('--log-num-zeros-in-grad', 'Log zero gradients.');
on('--log-throughput', 'Log throughput.');
on('--log-timers-to-tensorboard', 'Timers to TensorBoard.');
on('--log-validation-ppl-to-tensorboard', 'Validation perplexity to TensorBoard.');
on('--log-memory-to-tensorboard', 'Memory to TensorBoard.');
on('--log-batch-size-to-tensorboard', 'Batch size to TensorBoard.');
on('--log-world-size-to-tensorboard', 'World size to TensorBoard.');
on('--log-loss-scale-to-tensorboard', 'Loss scale to TensorBoard.');
on('--log-device-memory-used', 'Log device memory.');
on('--log-optimizer-states-to-tensorboard', 'Optimizer states to TensorBoard (Megatron-DeepSpeed).', {
  dialect: 'deepspeed',
});
int('--timing-log-level', 'Timer detail level.');
str('--timing-log-option', 'Timer aggregation.');
str('--wandb-project', 'Weights & Biases project.');
str('--wandb-exp-name', 'Weights & Biases run name.');
str('--wandb-save-dir', 'Weights & Biases directory.');
int('--logging-level', 'Python logging level.');
on('--profile', 'Profile with nsys / PyTorch.');
int('--profile-step-start', 'First profiled step.');
int('--profile-step-end', 'Last profiled step.');
list('--profile-ranks', 1, 'Profiled ranks.');
on('--use-pytorch-profiler', 'PyTorch profiler.');
on('--record-memory-history', 'Record CUDA memory history.');
str('--yaml-cfg', 'Experimental YAML config; all other command-line arguments are then ignored.');

// ── Kernel fusions (bool-True fields; their --no- forms are the usual spelling) ──
on('--no-masked-softmax-fusion', 'Disable masked softmax fusion.');
on('--no-bias-gelu-fusion', 'Disable bias-GeLU fusion.');
on('--no-bias-swiglu-fusion', 'Disable bias-SwiGLU fusion.');
on('--no-bias-dropout-fusion', 'Disable bias-dropout fusion.');
on('--no-rope-fusion', 'Disable RoPE fusion.');
on('--no-persist-layer-norm', 'Disable persistent LayerNorm.');
on('--no-gradient-accumulation-fusion', 'Disable gradient accumulation fusion.');
on('--no-async-tensor-model-parallel-allreduce', 'Disable async TP all-reduce.', {
  deprecated: {
    severity: 'hint',
    message: 'removed from Megatron-LM on 2026-01-29; older releases and forks (Seq1F1B) accept it',
  },
});

// ── Seq1F1B (thunlp/Seq1F1B) ──
int('--pipe-sp-splits', 'Seq1F1B: sequence chunks per microbatch k (1 = plain 1F1B).', {
  keys: ['pipeSpSplits'],
  dialect: 'seq1f1b',
  default: 1,
});
choice(
  '--pipe-sp-strategy',
  ['average', 'uniform_comp'],
  'Seq1F1B: how to cut the sequence (uniform_comp balances FLOPs).',
  { keys: ['pipeSpStrategy'], dialect: 'seq1f1b', default: 'average' },
);
// ── MindSpeed's Seq1F1B reimplementation ──
on('--enable-seq1f1b', 'MindSpeed: turn Seq1F1B on.', { keys: ['pipeSpSplits'], dialect: 'mindspeed' });
int('--seq1f1b-splits', 'MindSpeed: sequence chunks per microbatch k (default 4).', {
  keys: ['pipeSpSplits'],
  dialect: 'mindspeed',
  default: 4,
});
choice('--seq1f1b-balance-method', ['average', 'uniform_comp'], 'MindSpeed: how to cut the sequence.', {
  keys: ['pipeSpStrategy'],
  dialect: 'mindspeed',
  default: 'average',
});
// ── Zero bubble (sail-sg/zero-bubble-pipeline-parallelism) ──
on('--enable-zero-bubble', 'Zero-bubble pipeline schedule (ZB-H1/ZB-2P fork).', { dialect: 'zero-bubble' });
on('--zero-bubble-v-schedule', 'Zero-bubble V schedule.', { dialect: 'zero-bubble' });
int('--zero-bubble-max-pending-backward', 'Zero-bubble pending backward limit.', { dialect: 'zero-bubble' });
on('--enable-optimizer-post-validation', 'Zero-bubble optimizer post-validation.', { dialect: 'zero-bubble' });
on('--allow-padding-num-layers', 'Zero-bubble: allow padded layer counts.', { dialect: 'zero-bubble' });
// ── Megatron-DeepSpeed ──
on('--deepspeed', 'Run under DeepSpeed.', { dialect: 'deepspeed' });
str('--deepspeed_config', 'DeepSpeed JSON config.', { dialect: 'deepspeed', aliases: ['--deepspeed-config'] });
int('--zero-stage', 'DeepSpeed ZeRO stage (≥ 1 shards optimizer state).', {
  dialect: 'deepspeed',
  keys: ['distributedOptimizer'],
  aliases: ['--zero_stage'],
});
int('--num-key-value-heads', 'Megatron-DeepSpeed spelling of the KV head count (GQA when < heads).', {
  dialect: 'deepspeed',
  keys: ['numQueryGroups', 'groupQueryAttention'],
});
on('--deepspeed-activation-checkpointing', 'DeepSpeed activation checkpointing.', { dialect: 'deepspeed' });
on('--partition-activations', 'Partition checkpointed activations (DeepSpeed).', { dialect: 'deepspeed' });
on('--no-pipeline-parallel', 'Disable DeepSpeed pipeline engine.', { dialect: 'deepspeed' });
int('--ds-sequence-parallel-size', 'DeepSpeed-Ulysses sequence parallel size.', { dialect: 'deepspeed' });

export const FLAG_SPECS: readonly FlagSpec[] = specs;
