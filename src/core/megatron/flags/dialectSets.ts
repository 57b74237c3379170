// Each dialect's whole argument surface (generated from its own parser by scripts/extract-flags.mjs into sets/, each
// stored as a delta against another set: sets/packed.ts): which spellings its argparse accepts and how many values
// each takes. The flag table (table.ts) models the flags that matter for the analysis; these sets decide the rest — a
// flag the file's dialect defines is consumed with its own arity and is not reported, a flag it does not define is.
import type { DialectId } from '../../types';
import type { FlagSpec } from './spec';
import type { PackedSet, SetName } from './sets/packed';
import { MEGATRON_DEEPSPEED_FLAGS } from './sets/megatronDeepspeed';
import { MEGATRON_DEEPSPEED_BIGSCIENCE_FLAGS } from './sets/megatronDeepspeedBigscience';
import { MEGATRON_LM_FLAGS } from './sets/megatronLm';
import { MEGATRON_LM_RELEASE_FLAGS } from './sets/megatronLmReleases';
import { MINDSPEED_FLAGS } from './sets/mindspeed';
import { MINDSPEED_LLM_FLAGS } from './sets/mindspeedLlm';
import { PAI_FLAGS } from './sets/pai';
import { SEQ1F1B_FLAGS } from './sets/seq1f1b';
import { ZERO_BUBBLE_FLAGS } from './sets/zeroBubble';
import { ZERO_BUBBLE_V_HALF_VOCAB_FLAGS } from './sets/zeroBubbleVHalfVocab';
import { VOCAB_PARALLEL_FLAGS } from './sets/vocabParallel';

/** How argparse takes a flag's values: 0 (a switch), exactly N, or `?` / `*` / `+`. */
export type Arity = number | '?' | '*' | '+';

interface SetFlag {
  arity: Arity;
  choices: readonly string[] | null;
}

const PACKED: Readonly<Record<SetName, PackedSet>> = {
  'megatron-lm': MEGATRON_LM_FLAGS,
  'megatron-lm-releases': MEGATRON_LM_RELEASE_FLAGS,
  'megatron-deepspeed': MEGATRON_DEEPSPEED_FLAGS,
  'megatron-deepspeed-bigscience': MEGATRON_DEEPSPEED_BIGSCIENCE_FLAGS,
  seq1f1b: SEQ1F1B_FLAGS,
  'zero-bubble': ZERO_BUBBLE_FLAGS,
  'zero-bubble-v-half-vocab': ZERO_BUBBLE_V_HALF_VOCAB_FLAGS,
  'vocab-parallel': VOCAB_PARALLEL_FLAGS,
  'mindspeed-llm': MINDSPEED_LLM_FLAGS,
  mindspeed: MINDSPEED_FLAGS,
  pai: PAI_FLAGS,
};

/** Who defines a set's flags, for messages. */
export const SET_LABEL: Readonly<Record<SetName, string>> = {
  'megatron-lm': 'Megatron-LM (d98e8a64)',
  'megatron-lm-releases': 'Megatron-LM releases core_r0.4–0.16',
  'megatron-deepspeed': 'Megatron-DeepSpeed (f4157bea)',
  'megatron-deepspeed-bigscience': "BigScience's Megatron-DeepSpeed (8387ae17)",
  seq1f1b: 'Seq1F1B (68934661)',
  'zero-bubble': 'the Zero-Bubble fork (39f2c186)',
  'zero-bubble-v-half-vocab': "the Zero-Bubble fork's v-half-vocab branch (92895b9a)",
  'vocab-parallel': 'the Vocabulary Parallelism fork (6191c3bf)',
  'mindspeed-llm': 'MindSpeed-LLM (c77308a1)',
  mindspeed: 'MindSpeed (028de58c)',
  pai: 'Pai-Megatron-Patch (a098ca5a)',
};

/**
 * The parsers a dialect's launch goes through. MindSpeed-LLM runs MindSpeed's and Megatron-LM's parsers with its own
 * additions and Pai adds its arguments to Megatron-LM's; both pin a Megatron-LM release, so flags of recent releases
 * count as theirs too. Dialects not listed (NeMo, slime, unknown) have no set: nothing is certain there.
 */
const DIALECT_SETS: Partial<Record<DialectId, readonly SetName[]>> = {
  'megatron-lm': ['megatron-lm'],
  'megatron-deepspeed': ['megatron-deepspeed', 'megatron-deepspeed-bigscience'],
  seq1f1b: ['seq1f1b'],
  'zero-bubble': ['zero-bubble', 'zero-bubble-v-half-vocab'],
  'vocab-parallel': ['vocab-parallel'],
  'mindspeed-llm': ['mindspeed-llm', 'mindspeed', 'megatron-lm', 'megatron-lm-releases'],
  'pai-megatron-patch': ['pai', 'megatron-lm', 'megatron-lm-releases'],
};

/** Every set, for a flag under a dialect without one: the first that defines it gives its arity. */
const ALL_SETS = Object.keys(PACKED) as SetName[];

const dashed = (s: string): string => '--' + s.slice(2).replace(/_/g, '-');

/** A stored token (packed.ts: no `--`, no `:0`, a bare `:` for a token without a spec) as the parser wrote it. */
function unstored(t: string): string {
  if (!t.includes(':')) return `--${t}:0`;
  return t.endsWith(':') ? `--${t.slice(0, -1)}` : `--${t}`;
}

/**
 * Each set's tokens, sorted, decoded on first use (a delta needs its base's first: the generator makes no cycles).
 * Exported for the test that compares them with the count and checksum in each set file's header.
 */
const decoded = new Map<SetName, readonly string[]>();
export function setTokens(name: SetName): readonly string[] {
  const known = decoded.get(name);
  if (known) return known;
  const { base, keep, add } = PACKED[name];
  const tokens = add.split(/\s+/).filter(Boolean).map(unstored);
  if (base !== null) {
    const from = setTokens(base);
    let at = 0;
    let keeping = true;
    for (const run of keep.split(/\s+/).filter(Boolean)) {
      const n = parseInt(run, 36);
      if (keeping) tokens.push(...from.slice(at, at + n));
      at += n;
      keeping = !keeping;
    }
  }
  tokens.sort();
  decoded.set(name, tokens);
  return tokens;
}

/** `--name:arity[i|f][{a|b}]` tokens → spelling (dashes for underscores) → flag. Parsed on first use. */
const parsed = new Map<SetName, Map<string, SetFlag>>();
function setOf(name: SetName): Map<string, SetFlag> {
  let m = parsed.get(name);
  if (m) return m;
  m = new Map();
  for (const entry of setTokens(name)) {
    const x = /^(--[^:]+):([0-9]+|[?*+])[if]?(?:\{(.*)\})?$/.exec(entry);
    if (!x?.[1] || !x[2]) continue;
    const arity: Arity = /^\d+$/.test(x[2]) ? Number(x[2]) : (x[2] as Arity);
    m.set(dashed(x[1]), { arity, choices: x[3] ? x[3].split('|') : null });
  }
  parsed.set(name, m);
  return m;
}

export interface DialectFlag {
  flag: SetFlag;
  /** The set that defines it. */
  set: SetName;
  /** True when the set belongs to the file's dialect (false: another dialect's, or a dialect without a set). */
  own: boolean;
}

/** Whether the dialect has a parser we extracted (so a flag outside it is certainly unknown to that parser). */
export function dialectHasSet(dialect: DialectId | undefined): boolean {
  return dialect !== undefined && DIALECT_SETS[dialect] !== undefined;
}

/**
 * A flag spelling looked up in the dialect's own sets first, then in every other set (a flag of another dialect
 * still takes its values the way that parser would). Underscores are read as dashes, as the table does.
 */
export function dialectFlag(spelling: string, dialect: DialectId | undefined): DialectFlag | null {
  const name = dashed(spelling);
  const own = (dialect && DIALECT_SETS[dialect]) || [];
  for (const set of own) {
    const flag = setOf(set).get(name);
    if (flag) return { flag, set, own: true };
  }
  for (const set of ALL_SETS) {
    if (own.includes(set)) continue;
    const flag = setOf(set).get(name);
    if (flag) return { flag, set, own: false };
  }
  return null;
}

const synthesized = new Map<string, FlagSpec>();

/**
 * A flag-table row for a flag only a dialect set knows: recognised (hovers name who defines it, the script kind sees
 * it) with no RunConfig key and no default, so the resolver reads nothing from it.
 */
export function setFlagSpec(spelling: string, found: DialectFlag): FlagSpec {
  const name = dashed(spelling);
  const key = `${found.set} ${name}`;
  const known = synthesized.get(key);
  if (known) return known;
  const doc = `Defined by ${SET_LABEL[found.set]}; not modelled by Schedule Inspector.`;
  const { arity } = found.flag;
  const spec: FlagSpec =
    arity === 0
      ? { name, type: 'store_true', doc }
      : arity === 1 || arity === '?'
        ? { name, type: 'str', doc }
        : { name, type: 'nargs', doc, minValues: arity === '+' ? 1 : arity === '*' ? 0 : arity };
  synthesized.set(key, spec);
  return spec;
}

/** The first parser other than current Megatron-LM's whose choices for `name` include `value` (its label), or null. */
export function otherParserAccepting(name: string, value: string): string | null {
  for (const set of ALL_SETS) {
    if (set === 'megatron-lm') continue;
    const flag = setOf(set).get(dashed(name));
    if (flag && (flag.choices === null ? flag.arity !== 0 : flag.choices.includes(value))) return SET_LABEL[set];
  }
  return null;
}

/**
 * Choices a dialect adds at run time to a flag it inherits from Megatron-LM — MindSpeed's features call
 * `add_parser_argument_choices_value(parser, flag, value)` when they register their arguments, which the extracted
 * sets do not see. MindSpeed-LLM c77308a1 mindspeed_llm/features_manager/: megatron_basic/transformer_engine_basic.py:
 * 16-20, moe/moe_router.py:11-15, tokenizer/build_tokenizer.py:15-16, transformer/flash_attention/alibi_feature.py:23,
 * transformer/multi_latent_attention/csa_feature.py:11, context_parallel/mamba_context_parallel.py:15-17; MindSpeed
 * 028de58c mindspeed/arguments.py:940, mindspeed/features_manager/context_parallel/{adaptive,ulysses}_context_parallel.py
 * :14-17/:15-18.
 */
const ADDED_CHOICES: Partial<Record<DialectId, Readonly<Record<string, readonly string[]>>>> = {
  'mindspeed-llm': {
    '--fp8-format': ['hif8'],
    '--fp8-recipe': ['groupwise', 'blockwise', 'mxfp8-32x32'],
    '--moe-router-dtype': ['fp8'],
    '--moe-router-score-function': ['sqrtsoftplus'],
    '--moe-router-load-balancing-type': [
      'group_limited_greedy',
      'softmax_topk',
      'pai_megatron_aux_loss',
      'sparsemixer_topk',
    ],
    '--tokenizer-type': ['PretrainedFromHF', 'MagistralTokenizer'],
    '--position-embedding-type': ['alibi', 'deepseek4'],
    '--context-parallel-algo': ['mamba_cp_algo', 'adaptive_cp_algo', 'ulysses_cp_algo'],
  },
};

/** Whether the dialect adds `value` to the flag's choices at run time (see ADDED_CHOICES). */
export function dialectAddsChoice(dialect: DialectId | undefined, name: string, value: string): boolean {
  return (dialect && ADDED_CHOICES[dialect]?.[dashed(name)]?.includes(value)) === true;
}

/**
 * The dialect each fork's set belongs to, for evidence. Megatron-LM's own sets name no fork, and neither does Pai's:
 * its parser re-adds generic flags other code bases define in their entry scripts (tasks/main.py's --train-data,
 * --valid-data, --epochs), so a Pai-only flag says little. A set without an entry here blocks the evidence.
 */
const SET_DIALECT: Readonly<Partial<Record<SetName, DialectId>>> = {
  'megatron-deepspeed': 'megatron-deepspeed',
  'megatron-deepspeed-bigscience': 'megatron-deepspeed',
  seq1f1b: 'seq1f1b',
  'zero-bubble': 'zero-bubble',
  'zero-bubble-v-half-vocab': 'zero-bubble',
  'vocab-parallel': 'vocab-parallel',
  'mindspeed-llm': 'mindspeed-llm',
  mindspeed: 'mindspeed-llm',
};

/**
 * The forks whose parsers alone define this flag (no Megatron-LM release has it), or none: evidence of which Megatron
 * reads a file (read/dialect.ts). A flag two forks share (the Vocabulary Parallelism fork's timer flags are also on
 * the Zero-Bubble fork's v-half-vocab branch) still says the file is not for Megatron-LM, so it counts for each.
 */
export function forksDefining(spelling: string): readonly DialectId[] {
  const name = dashed(spelling);
  const found: DialectId[] = [];
  for (const set of ALL_SETS) {
    if (!setOf(set).has(name)) continue;
    const dialect = SET_DIALECT[set];
    if (dialect === undefined) return []; // Megatron-LM (a release or HEAD) defines it
    if (!found.includes(dialect)) found.push(dialect);
  }
  return found;
}
