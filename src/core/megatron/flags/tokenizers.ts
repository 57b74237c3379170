// Facts about tokenizers that decide the vocabulary size statically: which tokenizer an entry script defaults to
// (args_defaults), how many tokens the fixed tokenizers have, what Pai-Megatron-Patch's patch tokenizers set, and
// the Hugging Face model families whose token count a Megatron-family repository states. Each number names its
// source; anything not here stays unknown (resolve/derived/vocab.ts says why).
import type { DialectId } from '../../types';

/** A tokenizer class an entry script passes as `args_defaults={'tokenizer_type': …}` to pretrain(). */
interface EntryDefault {
  tokenizer: string;
  /** repo path:line of the args_defaults, at the mirror's pinned commit. */
  where: string;
}

const GPT2 = 'GPT2BPETokenizer';
const BERT = 'BertWordPieceLowerCase';

/**
 * Entry script basename → its args_defaults tokenizer, per code base. Megatron fills an args_defaults key only when
 * the command line left it None (Megatron-LM d98e8a64 megatron/training/arguments.py:657-666), so this applies only
 * without --tokenizer-type. MindSpeed-LLM's pretrain_gpt.py passes no args_defaults (c77308a1 pretrain_gpt.py:302),
 * and Pai-Megatron-Patch reads --patch-tokenizer-type instead, so neither has an entry for pretrain_gpt.py.
 */
const ENTRY_DEFAULTS: Partial<Record<DialectId, Readonly<Record<string, EntryDefault>>>> = {
  // NVIDIA/Megatron-LM d98e8a64.
  'megatron-lm': {
    'pretrain_gpt.py': { tokenizer: GPT2, where: 'Megatron-LM pretrain_gpt.py:527' },
    'pretrain_hybrid.py': { tokenizer: GPT2, where: 'Megatron-LM pretrain_hybrid.py:544' },
    'pretrain_vlm.py': { tokenizer: GPT2, where: 'Megatron-LM pretrain_vlm.py:498' },
    'pretrain_bert.py': { tokenizer: BERT, where: 'Megatron-LM examples/bert/pretrain_bert.py:185' },
    'pretrain_t5.py': { tokenizer: BERT, where: 'Megatron-LM examples/t5/pretrain_t5.py:273' },
  },
  // microsoft/Megatron-DeepSpeed f4157bea (BigScience's 8387ae17 agrees: pretrain_gpt.py:232, pretrain_bert.py:147,
  // pretrain_t5.py:134, pretrain_ict.py:167, pretrain_prefix_lm.py:265).
  'megatron-deepspeed': {
    'pretrain_gpt.py': { tokenizer: GPT2, where: 'Megatron-DeepSpeed pretrain_gpt.py:364' },
    'pretrain_gpt_core.py': { tokenizer: GPT2, where: 'Megatron-DeepSpeed pretrain_gpt_core.py:126' },
    'pretrain_retro.py': { tokenizer: GPT2, where: 'Megatron-DeepSpeed pretrain_retro.py:122' },
    'pretrain_prefix_lm.py': { tokenizer: GPT2, where: 'BigScience Megatron-DeepSpeed pretrain_prefix_lm.py:265' },
    'pretrain_bert.py': { tokenizer: BERT, where: 'Megatron-DeepSpeed pretrain_bert.py:165' },
    'pretrain_t5.py': { tokenizer: BERT, where: 'Megatron-DeepSpeed pretrain_t5.py:163' },
    'pretrain_ict.py': { tokenizer: BERT, where: 'Megatron-DeepSpeed pretrain_ict.py:167' },
    'test_sampling.py': {
      tokenizer: GPT2,
      where: 'BigScience Megatron-DeepSpeed scripts/test_multiple_dataset_sampling/test_sampling.py:240',
    },
  },
  // thunlp/Seq1F1B 68934661.
  seq1f1b: {
    'pretrain_gpt.py': { tokenizer: GPT2, where: 'Seq1F1B pretrain_gpt.py:183' },
    'pretrain_gpt_core.py': { tokenizer: GPT2, where: 'Seq1F1B pretrain_gpt_core.py:128' },
    'pretrain_retro.py': { tokenizer: GPT2, where: 'Seq1F1B pretrain_retro.py:122' },
    'pretrain_bert.py': { tokenizer: BERT, where: 'Seq1F1B pretrain_bert.py:137' },
    'pretrain_t5.py': { tokenizer: BERT, where: 'Seq1F1B pretrain_t5.py:161' },
    'pretrain_ict.py': { tokenizer: BERT, where: 'Seq1F1B pretrain_ict.py:167' },
  },
  // sail-sg/zero-bubble-pipeline-parallelism 39f2c186.
  'zero-bubble': {
    'pretrain_gpt.py': { tokenizer: GPT2, where: 'zero-bubble pretrain_gpt.py:318' },
    'pretrain_mamba.py': { tokenizer: GPT2, where: 'zero-bubble pretrain_mamba.py:239' },
    'pretrain_retro.py': { tokenizer: GPT2, where: 'zero-bubble pretrain_retro.py:244' },
    'pretrain_vlm.py': { tokenizer: GPT2, where: 'zero-bubble pretrain_vlm.py:278' },
    'pretrain_bert.py': { tokenizer: BERT, where: 'zero-bubble pretrain_bert.py:192' },
    'pretrain_t5.py': { tokenizer: BERT, where: 'zero-bubble pretrain_t5.py:284' },
    'pretrain_ict.py': { tokenizer: BERT, where: 'zero-bubble pretrain_ict.py:166' },
  },
  // sail-sg/VocabularyParallelism 6191c3bf.
  'vocab-parallel': {
    'pretrain_gpt.py': { tokenizer: GPT2, where: 'VocabularyParallelism pretrain_gpt.py:267' },
    'pretrain_mamba.py': { tokenizer: GPT2, where: 'VocabularyParallelism pretrain_mamba.py:239' },
    'pretrain_retro.py': { tokenizer: GPT2, where: 'VocabularyParallelism pretrain_retro.py:244' },
    'pretrain_vlm.py': { tokenizer: GPT2, where: 'VocabularyParallelism pretrain_vlm.py:278' },
    'pretrain_bert.py': { tokenizer: BERT, where: 'VocabularyParallelism pretrain_bert.py:192' },
    'pretrain_t5.py': { tokenizer: BERT, where: 'VocabularyParallelism pretrain_t5.py:284' },
    'pretrain_ict.py': { tokenizer: BERT, where: 'VocabularyParallelism pretrain_ict.py:166' },
  },
  // Ascend/MindSpeed-LLM c77308a1: only pretrain_mamba.py passes a tokenizer default.
  'mindspeed-llm': {
    'pretrain_mamba.py': { tokenizer: GPT2, where: 'MindSpeed-LLM pretrain_mamba.py:243' },
  },
  // alibaba/Pai-Megatron-Patch a098ca5a: the Qwen VL entries default to Qwen2VLTokenizer, whose size comes from
  // the checkpoint's tokenizer (unknown statically), and megatron_patch/training.py:57 to GPT-2.
  'pai-megatron-patch': {
    'pretrain_llava.py': { tokenizer: GPT2, where: 'Pai-Megatron-Patch examples/llava_mcore/pretrain_llava.py:505' },
    'pretrain_qwen.py': {
      tokenizer: 'Qwen2VLTokenizer',
      where: 'Pai-Megatron-Patch examples/qwen2_vl/pretrain_qwen.py:578',
    },
  },
};

/** Code bases read when the file's dialect is unknown: their entry defaults must agree to be used. */
const FAMILY: readonly DialectId[] = ['megatron-lm', 'megatron-deepspeed', 'seq1f1b', 'zero-bubble'];

/**
 * The tokenizer the entry script defaults to under `dialect`, or null. Under an unknown dialect only when every
 * Megatron-LM-family code base that ships that script name agrees (MindSpeed-LLM and Pai are recognised by
 * their own evidence, so an undetected file is read as the family would).
 */
export function entryDefaultTokenizer(
  entry: string | null | undefined,
  dialect: DialectId | undefined,
): (EntryDefault & { agreed?: true }) | null {
  if (!entry) return null;
  const base = entry.slice(entry.lastIndexOf('/') + 1);
  if (dialect && dialect !== 'unknown') return ENTRY_DEFAULTS[dialect]?.[base] ?? null;
  const found = FAMILY.map((d) => ENTRY_DEFAULTS[d]?.[base]).filter((x): x is EntryDefault => x !== undefined);
  const first = found[0];
  if (!first || found.some((f) => f.tokenizer !== first.tokenizer)) return null;
  return { ...first, agreed: true };
}

/** Token counts of tokenizers whose size is fixed by the tokenizer class itself. */
export const TOKENIZER_VOCAB: Readonly<Record<string, { tokens: number; why: string }>> = {
  // The GPT-2 BPE vocabulary (gpt2-vocab.json) has 50257 tokens: microsoft/Megatron-DeepSpeed f4157bea
  // tools/convert_checkpoint/deepspeed_to_transformers.py:29 (GPT2Config(vocab_size=50257) for a Megatron GPT).
  GPT2BPETokenizer: { tokens: 50257, why: 'GPT-2 BPE has 50257 tokens' },
  Llama2Tokenizer: { tokens: 32000, why: 'the Llama-2 SentencePiece model has 32000 tokens' },
  TikTokenizer: { tokens: 131072, why: 'TikTokenizer defaults to 131072 tokens' },
};

/**
 * BertWordPieceLowerCase reads its vocabulary from --vocab-file: the size is the file's line count, unknown
 * statically. The standard BERT uncased vocabulary has 30522 entries (NVIDIA/NeMo 8cfedd72
 * examples/nlp/language_modeling/conf/bert_pretraining_from_text_config.yaml:44), so that is assumed and said.
 */
export const BERT_UNCASED_ASSUMED = 30522;

/**
 * Pai-Megatron-Patch (a098ca5a megatron_patch/tokenizer/__init__.py): tokenizer types that set
 * args.padded_vocab_size to a constant — used as is, Megatron's padding is not applied after it.
 */
export const PAI_FIXED_PADDED: Readonly<Record<string, { padded: number; line: number }>> = {
  BloomTokenizerFromHF: { padded: 250880, line: 61 },
  ChatGLMTokenizerFromHF: { padded: 130528, line: 65 },
  GLM10BZHTokenizerFromHF: { padded: 50048, line: 69 },
  IcetkGLM130BTokenizer: { padded: 150528, line: 73 },
  StarcoderTokenizerFromHF: { padded: 49152, line: 551 },
  VicunaTokenizerFromHF: { padded: 32000, line: 700 },
};

/**
 * Hugging Face model families whose tokenizer length a Megatron-family repository states, matched against the
 * tokenizer path or name (--tokenizer-model, --tokenizer-name-or-path). Only families with such a source.
 */
export const KNOWN_HF_VOCABS: readonly { pattern: RegExp; tokens: number; family: string; source: string }[] = [
  {
    pattern: /llama-?3|meta-llama-3/i,
    tokens: 128256,
    family: 'Llama-3',
    source: 'Megatron-LM examples/llama/train_llama3_8b_h100_fp8.sh:139',
  },
  {
    pattern: /llama-?2/i,
    tokens: 32000,
    family: 'Llama-2',
    source: 'MindSpeed-LLM examples/mindspore/llama2/tune_llama2_7b_lora_ms.sh:86',
  },
  { pattern: /(^|[/_-])gpt2($|[/_-])/i, tokens: 50257, family: 'GPT-2', source: 'the GPT-2 BPE vocabulary' },
];
