// Vocabulary size (from --vocab-size or a tokenizer we know) and Megatron's padding to a multiple of unit·TP.
import { numberSpec, textSpec, type ResolveContext } from '../context';

/** Vocabulary sizes before padding, per tokenizer (megatron.md "Vocab"). */
const TOKENIZER_VOCAB: Readonly<Record<string, number>> = {
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

export function resolveVocab(ctx: ResolveContext): void {
  const { settings } = ctx;
  const tokenizer = ctx.text(
    'tokenizerType',
    textSpec(settings.has('--tokenizer-type') ? '--tokenizer-type' : '--patch-tokenizer-type'),
  );
  const model = settings.get('--tokenizer-model')?.values?.[0] ?? null;
  const known = tokenizer === null ? undefined : TOKENIZER_VOCAB[tokenizer];
  const hf = tokenizer !== null && model !== null ? KNOWN_HF_VOCABS.find(([re]) => re.test(model)) : undefined;
  let v0: number | null = null;
  let v0Note = '';
  if (settings.has('--vocab-size')) {
    v0 = ctx.number('vocabSize', numberSpec('--vocab-size'));
    v0Note = `--vocab-size ${v0}`;
  } else if (known !== undefined) {
    v0 = known;
    v0Note = `${tokenizer} has ${v0} tokens`;
    ctx.derived('vocabSize', v0, v0Note);
  } else if (hf) {
    const [, n, label] = hf;
    v0 = n;
    v0Note = `${label} tokenizer '${model}' has ${n} tokens`;
    ctx.derived('vocabSize', v0, v0Note);
  } else {
    ctx.blocked(
      'vocabSize',
      tokenizer === null
        ? 'no --tokenizer-type or --vocab-size'
        : `${tokenizer}${model ? ` '${model}'` : ''}: the size is len(tokenizer), only known after loading it; pass --vocab-size or use a known tokenizer`,
    );
  }
  resolvePadded(ctx, v0, v0Note);
}

function resolvePadded(ctx: ResolveContext, v0: number | null, v0Note: string): void {
  const { makeVocabSizeDivisibleBy: unit, tensorParallel: t } = ctx.config;
  if (ctx.settings.has('--padded-vocab-size')) {
    ctx.number('paddedVocabSize', numberSpec('--padded-vocab-size'));
    return;
  }
  if (v0 === null) {
    ctx.blocked('paddedVocabSize', `the vocabulary size is unknown (${ctx.sources.vocabSize?.reason ?? ''})`);
    return;
  }
  if (ctx.settings.get('--no-pad-vocab-size')?.bool) {
    ctx.derived('paddedVocabSize', v0, `${v0Note}; --no-pad-vocab-size keeps it unpadded`);
    return;
  }
  if (unit === null || t === null || unit <= 0 || t <= 0) {
    ctx.blocked('paddedVocabSize', 'the padding unit or TP size is unknown');
    return;
  }
  const multiple = unit * t;
  const pv = Math.ceil(v0 / multiple) * multiple;
  ctx.derived('paddedVocabSize', pv, `${v0Note}; ceil(${v0} / (${unit}·${t}))·(${unit}·${t}) = ${pv}`);
}
