// The vocabulary size as the framework that runs the file gets it. Every expectation is derived here from the
// framework source cited next to it (mirrors at the commits named in src/core/megatron/flags/tokenizers.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';
import { entryDefaultTokenizer } from '../../../../src/core/megatron/flags/tokenizers';

const MODEL =
  '--num-layers 4 --hidden-size 256 --num-attention-heads 4 --seq-length 512 --max-position-embeddings 512 --micro-batch-size 1 --global-batch-size 8';

/** A one-launch script: `launch` is the command line before the flags. */
const read = (launch: string, flags: string) =>
  readLaunchConfig(`#!/bin/bash\n${launch} ${MODEL} ${flags}\n`, 'run.sh');

/** Megatron's padding (Megatron-LM d98e8a64 megatron/training/vocab_utils.py:58): up to a multiple of unit·TP. */
const pad = (v: number, unit: number, tp: number): number => Math.ceil(v / (unit * tp)) * unit * tp;

test('pretrain_gpt.py without --tokenizer-type: args_defaults give GPT2BPETokenizer, 50257 tokens padded to 128·TP', () => {
  // Megatron-LM pretrain_gpt.py:527 args_defaults={'tokenizer_type': 'GPT2BPETokenizer'}; arguments.py:657-666 fills
  // a default only where the command line left None. GPT-2 BPE: 50257 tokens (Megatron-DeepSpeed f4157bea
  // tools/convert_checkpoint/deepspeed_to_transformers.py:29).
  const r = read(
    'torchrun --nproc-per-node 8 pretrain_gpt.py',
    '--tensor-model-parallel-size 2 --vocab-file gpt2-vocab.json --merge-file gpt2-merges.txt',
  );
  assert.equal(r.dialect?.id, 'megatron-lm');
  assert.equal(r.config.tokenizerType, 'GPT2BPETokenizer');
  assert.equal(r.sources.tokenizerType?.status, 'derived');
  assert.match(r.sources.tokenizerType?.note ?? '', /args_defaults .*pretrain_gpt\.py:527/);
  assert.equal(r.config.vocabSize, 50257);
  // 50257 / 256 = 196.3 → 197 · 256.
  assert.equal(r.config.paddedVocabSize, 197 * 256);
  assert.equal(r.config.paddedVocabSize, pad(50257, 128, 2));
});

test('a --tokenizer-type on the command line wins over args_defaults (arguments.py:661 keeps a non-None value)', () => {
  const r = read(
    'torchrun --nproc-per-node 8 pretrain_gpt.py',
    '--tokenizer-type HuggingFaceTokenizer --tokenizer-model /ckpt/my-own-model',
  );
  assert.equal(r.config.tokenizerType, 'HuggingFaceTokenizer');
  assert.equal(r.sources.tokenizerType?.status, 'explicit');
  // Its size is only known after loading it: the analysis assumes a common size and says that it did.
  assert.equal(r.config.vocabSize, 128256);
  assert.deepEqual(r.sources.vocabSize?.assumptions, ['the tokenizer has about 128,256 tokens']);
  assert.match(r.sources.vocabSize?.note ?? '', /len\(tokenizer\), only known after loading it/);
});

test('pretrain_bert.py defaults to BertWordPieceLowerCase: 30522 is an assumption the user is told about', () => {
  // microsoft/Megatron-DeepSpeed pretrain_bert.py:165 args_defaults={'tokenizer_type': 'BertWordPieceLowerCase'};
  // the size is the line count of --vocab-file; bert-base-uncased has 30522 (NeMo 8cfedd72
  // examples/nlp/language_modeling/conf/bert_pretraining_from_text_config.yaml:44).
  const r = read('deepspeed pretrain_bert.py', '--deepspeed --vocab-file bert-large-uncased-vocab.txt');
  assert.equal(r.dialect?.id, 'megatron-deepspeed');
  assert.equal(r.config.tokenizerType, 'BertWordPieceLowerCase');
  assert.equal(r.config.vocabSize, 30522);
  assert.match(
    r.sources.vocabSize?.note ?? '',
    /assumed 30522 \(BERT uncased vocab\).*pass --vocab-size to make it exact/,
  );
  // 30522 / 128 = 238.45 → 239 · 128 at TP 1.
  assert.equal(r.config.paddedVocabSize, 239 * 128);
});

test('--vocab-size makes the BERT size exact (no assumption)', () => {
  const r = read('deepspeed pretrain_bert.py', '--deepspeed --vocab-size 28996');
  assert.equal(r.config.vocabSize, 28996);
  assert.equal(r.sources.vocabSize?.status, 'explicit');
});

test("MindSpeed-LLM's pretrain_gpt.py passes no args_defaults: no tokenizer, the size stays unknown with the reason", () => {
  // Ascend/MindSpeed-LLM c77308a1 pretrain_gpt.py:302-305 calls pretrain() without args_defaults.
  const r = read('msrun --worker_num 8 pretrain_gpt.py', '--num-layer-list 2,2 --pipeline-model-parallel-size 2');
  assert.equal(r.dialect?.id, 'mindspeed-llm');
  assert.equal(r.config.tokenizerType, null);
  assert.equal(r.config.paddedVocabSize, null);
  assert.match(r.sources.vocabSize?.reason ?? '', /entry script sets no tokenizer default/);
});

test('MindSpeed-LLM PretrainedFromHF: a Llama-3 tokenizer directory has 128256 tokens, padded as Megatron pads', () => {
  // mindspeed_llm/training/tokenizer/tokenizer.py:30-58: PretrainedFromHF loads --tokenizer-name-or-path and pads
  // len(tokenizer) (:149-150) with Megatron's _vocab_size_with_padding. Llama-3: 128256 (Megatron-LM d98e8a64
  // examples/llama/train_llama3_8b_h100_fp8.sh:139 --vocab-size 128256).
  const r = read(
    'msrun --worker_num 8 pretrain_gpt.py',
    '--tokenizer-type PretrainedFromHF --tokenizer-name-or-path /models/Meta-Llama-3-8B/ --tensor-model-parallel-size 8',
  );
  assert.equal(r.config.vocabSize, 128256);
  assert.equal(r.config.paddedVocabSize, pad(128256, 128, 8)); // 128256 = 125.25 · 1024 → 126 · 1024 = 129024
  assert.equal(r.config.paddedVocabSize, 129024);
  const unknown = read(
    'msrun --worker_num 8 pretrain_gpt.py',
    '--tokenizer-type PretrainedFromHF --tokenizer-name-or-path /models/my-model/',
  );
  assert.equal(unknown.sources.vocabSize?.assumptions?.length, 1);
  assert.match(unknown.sources.vocabSize?.note ?? '', /PretrainedFromHF '\/models\/my-model\/'/);
});

test("Pai-Megatron-Patch: ChatGLM's patch tokenizer sets padded_vocab_size = 130528 itself — no padding after it", () => {
  // alibaba/Pai-Megatron-Patch a098ca5a megatron_patch/tokenizer/__init__.py:62-65.
  const r = read(
    'torchrun --nproc_per_node 8 pretrain_megatron_chatglm.py',
    '--patch-tokenizer-type ChatGLMTokenizerFromHF --tensor-model-parallel-size 4',
  );
  assert.equal(r.dialect?.id, 'pai-megatron-patch');
  assert.equal(r.config.paddedVocabSize, 130528); // Megatron's padding at TP 4 would give 131072
  assert.match(r.sources.paddedVocabSize?.note ?? '', /__init__\.py:65/);
});

test("Pai-Megatron-Patch: LLamaTokenizer's size comes from the tokenizer it loads — assumed, and the reason says so", () => {
  // megatron_patch/tokenizer/__init__.py:98-111: padded_vocab_size = tokenizer.vocab_size + args.extra_vocab_size.
  const r = read(
    'torchrun --nproc_per_node 8 pretrain_megatron_llama.py',
    '--patch-tokenizer-type LLamaTokenizer --extra-vocab-size 0',
  );
  assert.equal(r.config.vocabSize, 128256);
  assert.match(r.sources.vocabSize?.note ?? '', /Pai-Megatron-Patch's LLamaTokenizer .*only known at run time/);
  // The information diagnostic sits on the tokenizer flag and says how to make it exact.
  const note = r.diagnostics.find((d) => d.code === 'vocab-size-assumed');
  assert.equal(note?.severity, 'information');
  assert.match(note.message, /assumes 128,256 tokens .*pass --vocab-size or --padded-vocab-size/);
});

test('entry defaults by dialect, and under an unknown dialect only where the Megatron-LM forks agree', () => {
  // Seq1F1B 68934661 pretrain_t5.py:161 and zero-bubble 39f2c186 pretrain_t5.py:284: BertWordPieceLowerCase.
  assert.equal(entryDefaultTokenizer('/x/Seq1F1B/pretrain_t5.py', 'seq1f1b')?.tokenizer, 'BertWordPieceLowerCase');
  assert.equal(entryDefaultTokenizer('pretrain_t5.py', 'zero-bubble')?.tokenizer, 'BertWordPieceLowerCase');
  const unknown = entryDefaultTokenizer('$DIR/pretrain_gpt.py', 'unknown');
  assert.deepEqual([unknown?.tokenizer, unknown?.agreed], ['GPT2BPETokenizer', true]);
  // MindSpeed-LLM's pretrain_gpt.py has no default; a script name no fork ships has none either.
  assert.equal(entryDefaultTokenizer('pretrain_gpt.py', 'mindspeed-llm'), null);
  assert.equal(entryDefaultTokenizer('train.py', 'unknown'), null);
});
