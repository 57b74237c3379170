// Flags that decide the model itself: layer count and widths, attention, vocabulary, norms, position embeddings,
// MLP activation. Rows of FLAG_SPECS (table.ts).
import { rowBuilders, type FlagSpec } from './spec';

const rows: FlagSpec[] = [];
const { int, flt, str, on, off, choice, list } = rowBuilders(rows);

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
// MindSpeed-LLM (mindspeed_llm/training/arguments.py) and BigScience's Megatron-DeepSpeed: PretrainedFromHF loads it.
str('--tokenizer-name-or-path', 'Hugging Face tokenizer directory or name (PretrainedFromHF).', {
  keys: ['vocabSize'],
});
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
flt('--rotary-percent', 'Fraction of the head dimension rotated.', {
  keys: ['rotaryPercent'],
  key: 'rotaryPercent',
  default: 1.0,
});
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
off(
  '--no-clone-scatter-output-in-embedding',
  "Keep the embedding's sequence-parallel shard as a view (the whole output stays alive) instead of a clone.",
  { aliases: ['--disable-clone-scatter-output-in-embedding'], keys: ['cloneScatterOutputInEmbedding'] },
);
on('--disable-bias-linear', 'No biases in linear layers.', { keys: ['addBiasLinear'] });
on('--add-bias-linear', 'Biases in linear layers (older forks).', { keys: ['addBiasLinear'] });
on('--add-qkv-bias', 'Bias on the QKV projection only.');
on('--qk-layernorm', 'Norm on queries and keys (each keeps its input for backward).', {
  keys: ['qkLayernorm'],
  key: 'qkLayernorm',
  default: false,
});
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
on('--multi-latent-attention', 'DeepSeek multi-latent attention.', {
  keys: ['multiLatentAttention'],
  key: 'multiLatentAttention',
  default: false,
});
int('--q-lora-rank', 'MLA query LoRA rank.', { keys: ['qLoraRank'], key: 'qLoraRank', default: null });
int('--kv-lora-rank', 'MLA key/value LoRA rank.', { keys: ['kvLoraRank'], key: 'kvLoraRank', default: 32 });
int('--qk-head-dim', 'MLA Q/K head dimension.', { keys: ['qkHeadDim'], key: 'qkHeadDim', default: 128 });
int('--qk-pos-emb-head-dim', 'MLA positional head dimension.', {
  keys: ['qkPosEmbHeadDim'],
  key: 'qkPosEmbHeadDim',
  default: 64,
});
int('--v-head-dim', 'MLA value head dimension.', { keys: ['vHeadDim'], key: 'vHeadDim', default: 128 });
int('--mtp-num-layers', 'Multi-token-prediction layers.', {
  keys: ['mtpNumLayers'],
  key: 'mtpNumLayers',
  default: null,
});
str('--hybrid-layer-pattern', 'Hybrid (Mamba) layer pattern; overrides --num-layers.', {
  keys: ['hybridLayerPattern', 'numLayers'],
});
// Current Megatron-LM reads it as --hybrid-layer-pattern and warns (arguments.py:744-755 at d98e8a64); releases up to
// core_r0.16 require it to have --num-layers symbols. No rename fix: older releases lack the new spelling.
str('--hybrid-override-pattern', 'Hybrid (Mamba) layer pattern (older spelling of --hybrid-layer-pattern).', {
  keys: ['hybridLayerPattern', 'numLayers'],
});
flt(
  '--hybrid-attention-ratio',
  'Share of attention layers in a hybrid (Mamba) model (Megatron-Core up to core_r0.16).',
  {
    keys: ['hybridLayerPattern'],
    deprecated: {
      severity: 'hint',
      message: 'removed from Megatron-LM after core_r0.16; use --hybrid-layer-pattern (older releases accept it)',
    },
  },
);
flt('--hybrid-mlp-ratio', 'Share of MLP layers in a hybrid (Mamba) model (Megatron-Core up to core_r0.16).', {
  keys: ['hybridLayerPattern'],
  deprecated: {
    severity: 'hint',
    message: 'removed from Megatron-LM after core_r0.16; use --hybrid-layer-pattern (older releases accept it)',
  },
});
// nargs='*': a module path and the spec's name (Megatron-LM arguments.py, megatron-lm-head.tsv).
list('--spec', 0, 'Layer spec module and name, e.g. mindspeed_llm.…deepseek_spec layer_spec.');
on('--use-mcore-models', 'Megatron-Core models (default in newer releases).');
on('--use-legacy-models', 'Legacy models.', {
  deprecated: { severity: 'hint', message: 'removed from Megatron-LM on 2026-05-06; older releases accept it' },
});

export const MODEL_SHAPE_FLAGS: readonly FlagSpec[] = rows;
