// Vocabulary size the way the framework that runs the file gets it: --vocab-size, the tokenizer class (given, or
// the entry script's args_defaults), Pai-Megatron-Patch's patch tokenizers, a Hugging Face family we can cite —
// then Megatron's padding to a multiple of unit·TP. Anything else stays unknown with the reason.
import {
  BERT_UNCASED_ASSUMED,
  KNOWN_HF_VOCABS,
  PAI_FIXED_PADDED,
  TOKENIZER_VOCAB,
  entryDefaultTokenizer,
} from '../../flags/tokenizers';
import { numberSpec, textSpec, type ResolveContext } from '../context';

/** The tokenizer class Megatron ends up with, or null; sets `tokenizerType` with its source. */
function tokenizerOf(ctx: ResolveContext): string | null {
  const { settings } = ctx;
  if (settings.has('--tokenizer-type')) return ctx.text('tokenizerType', textSpec('--tokenizer-type'));
  // Pai builds its tokenizer from --patch-tokenizer-type (megatron_patch/tokenizer/__init__.py build_tokenizer).
  if (settings.has('--patch-tokenizer-type')) return ctx.text('tokenizerType', textSpec('--patch-tokenizer-type'));
  // args_defaults fill tokenizer_type only because the command line left it None (Megatron-LM d98e8a64
  // megatron/training/arguments.py:657-666).
  const dflt = entryDefaultTokenizer(ctx.input.entry, ctx.input.dialect);
  if (!dflt) {
    ctx.text('tokenizerType', textSpec('--tokenizer-type'));
    return null;
  }
  const how = dflt.agreed ? '; the dialect is unknown, and every Megatron-LM fork that ships this script agrees' : '';
  ctx.derived(
    'tokenizerType',
    dflt.tokenizer,
    `no --tokenizer-type: the entry script's args_defaults give ${dflt.tokenizer} (${dflt.where})${how}`,
  );
  return dflt.tokenizer;
}

/** Pai's fixed sizes: the patch tokenizer sets padded_vocab_size itself, so no padding follows. */
function paiFixed(ctx: ResolveContext, tokenizer: string): boolean {
  if (ctx.settings.has('--tokenizer-type') || !ctx.settings.has('--patch-tokenizer-type')) return false;
  const fixed = PAI_FIXED_PADDED[tokenizer];
  if (!fixed) return false;
  const note = `Pai-Megatron-Patch's ${tokenizer} sets padded_vocab_size = ${fixed.padded} (megatron_patch/tokenizer/__init__.py:${fixed.line}); no further padding`;
  ctx.derived('vocabSize', fixed.padded, note);
  if (ctx.settings.has('--padded-vocab-size')) ctx.number('paddedVocabSize', numberSpec('--padded-vocab-size'));
  else ctx.derived('paddedVocabSize', fixed.padded, note);
  return true;
}

/** Why the size stays unknown, for a tokenizer we have no count for. */
function unknownReason(ctx: ResolveContext, tokenizer: string | null, model: string | null): string {
  if (tokenizer === null) return 'no --tokenizer-type or --vocab-size, and the entry script sets no tokenizer default';
  if (ctx.settings.has('--patch-tokenizer-type') && !ctx.settings.has('--tokenizer-type'))
    return `Pai-Megatron-Patch's ${tokenizer} sets padded_vocab_size from the Hugging Face tokenizer it loads (plus --extra-vocab-size), only known at run time; pass --padded-vocab-size where Pai honours it or read the size off the checkpoint`;
  if (tokenizer === 'BertWordPieceCase')
    return 'BertWordPieceCase counts the lines of --vocab-file, only known at run time; pass --vocab-size';
  return `${tokenizer}${model ? ` '${model}'` : ''}: the size is len(tokenizer), only known after loading it; pass --vocab-size or use a known tokenizer`;
}

/**
 * A named tokenizer whose size is only known after loading it (a Hugging Face or SentencePiece model, Pai's patch
 * tokenizers): rather than no analysis at all, the analysis assumes a common modern size and says so — the value
 * rests on it (so no check built on it is an error) and an information diagnostic on the tokenizer says how to make it
 * exact. 128,256 is Llama-3's (Megatron-LM d98e8a64 examples/llama/train_llama3_8b_h100_fp8.sh:139); the size only
 * moves the embedding and output layer of the first and last stage.
 */
const ASSUMED_TOKENIZER_VOCAB = 128256;

function assumeTokenizerSize(ctx: ResolveContext, reason: string): number {
  const v = ASSUMED_TOKENIZER_VOCAB;
  // The reasons end in advice ("; pass --vocab-size …") that the message below gives once.
  const cut = reason.indexOf('; pass');
  const why = cut < 0 ? reason : reason.slice(0, cut);
  const at = ctx.settings.get('--tokenizer-type') ?? ctx.settings.get('--patch-tokenizer-type');
  ctx.set('vocabSize', v, {
    status: 'derived',
    note: `assumed ${v} tokens (${why})`,
    assumptions: [`the tokenizer has about ${v.toLocaleString('en-US')} tokens`],
  });
  if (at)
    ctx.diagnostics.push({
      code: 'vocab-size-assumed',
      severity: 'information',
      message: `Vocabulary size unknown — ${why}. The analysis assumes ${v.toLocaleString('en-US')} tokens (the first and last stages' memory depends on it); pass --vocab-size or --padded-vocab-size to make it exact`,
      range: at.valueRange ?? at.range,
    });
  return v;
}

export function resolveVocab(ctx: ResolveContext): void {
  const { settings } = ctx;
  const tokenizer = tokenizerOf(ctx);
  if (tokenizer !== null && !settings.has('--vocab-size') && paiFixed(ctx, tokenizer)) return;
  // MindSpeed-LLM's PretrainedFromHF loads --tokenizer-name-or-path (mindspeed_llm/training/tokenizer/
  // tokenizer.py:30-58); Megatron-LM's HuggingFaceTokenizer loads --tokenizer-model.
  const model =
    settings.get('--tokenizer-model')?.values?.[0] ?? settings.get('--tokenizer-name-or-path')?.values?.[0] ?? null;
  const known = tokenizer === null ? undefined : TOKENIZER_VOCAB[tokenizer];
  const hf = tokenizer !== null && model !== null ? KNOWN_HF_VOCABS.find((f) => f.pattern.test(model)) : undefined;
  let v0: number | null = null;
  let v0Note = '';
  if (settings.has('--vocab-size')) {
    v0 = ctx.number('vocabSize', numberSpec('--vocab-size'));
    v0Note = `--vocab-size ${v0}`;
  } else if (known !== undefined) {
    v0 = known.tokens;
    v0Note = `${tokenizer} — ${known.why}`;
    ctx.derived('vocabSize', v0, v0Note);
  } else if (tokenizer === 'BertWordPieceLowerCase') {
    v0 = BERT_UNCASED_ASSUMED;
    v0Note = `assumed ${v0} (BERT uncased vocab): BertWordPieceLowerCase counts the lines of --vocab-file; pass --vocab-size to make it exact`;
    ctx.set('vocabSize', v0, {
      status: 'derived',
      note: v0Note,
      assumptions: [`the --vocab-file is BERT's uncased vocabulary (${v0} entries)`],
    });
  } else if (hf) {
    v0 = hf.tokens;
    v0Note = `${hf.family} tokenizer '${model}' has ${v0} tokens (${hf.source})`;
    ctx.derived('vocabSize', v0, v0Note);
  } else if (tokenizer !== null) {
    v0 = assumeTokenizerSize(ctx, unknownReason(ctx, tokenizer, model));
    v0Note = `assumed ${v0} tokens`;
  } else {
    ctx.blocked('vocabSize', unknownReason(ctx, tokenizer, model));
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
    ctx.derived('paddedVocabSize', v0, `${v0Note}; --no-pad-vocab-size keeps it unpadded`, ['vocabSize']);
    return;
  }
  if (unit === null || t === null || unit <= 0 || t <= 0) {
    ctx.blocked('paddedVocabSize', 'the padding unit or TP size is unknown');
    return;
  }
  const multiple = unit * t;
  const pv = Math.ceil(v0 / multiple) * multiple;
  ctx.derived('paddedVocabSize', pv, `${v0Note}; ceil(${v0} / (${unit}·${t}))·(${unit}·${t}) = ${pv}`, [
    'vocabSize',
    'makeVocabSizeDivisibleBy',
    'tensorParallel',
  ]);
}
