// Which Megatron reads this file (issue 12 §1): evidence from the entry script and its path, the launcher, flags
// only one code base defines, YAML structure and mentions of a repository, each with its range and a weight. The
// weighing is a plain sum per dialect so that the same file always gets the same answer and the deciding piece can
// be named. Facts only: no rule or resolution changes with the dialect yet (a later step reads `read.dialect`).
import type { LaunchInvocation } from '../bash/types';
import { forksDefining } from '../megatron/flags/dialectSets';
import { lookupFlag } from '../megatron/flags/lookup';
import type { Dialect } from '../megatron/flags/table';
import {
  DIALECT_IDS,
  type CoreDiagnostic,
  type DialectEvidence,
  type DialectId,
  type DialectRead,
  type LaunchConfigRead,
  type SourceRange,
} from '../types';
import { sortDiagnostics } from './finishRead';

/** Only one code base defines it. */
const DECISIVE = 3;
/** Says a lot but not everything (a launcher others can use, a flag the table tags as a fork's). */
const STRONG = 2;
/** A hint: an entry name every fork inherits, or a repository named in a comment or path. */
const HINT = 1;

/**
 * Flags that exactly one of the fetched parsers defines (checked against every other one: Megatron-LM d98e8a64,
 * Megatron-DeepSpeed Microsoft f4157bea and BigScience 8387ae17, Seq1F1B 68934661, zero-bubble 39f2c186,
 * MindSpeed-LLM c77308a1, Pai-Megatron-Patch a098ca5a, slime 624b824a). Underscores are read as dashes.
 */
const UNIQUE_FLAGS: ReadonlyMap<string, { dialect: DialectId; variant?: string }> = new Map([
  // DeepSpeed's own config arguments (deepspeed.add_config_arguments), which Megatron-DeepSpeed's parser adds.
  ['--deepspeed', { dialect: 'megatron-deepspeed' }],
  ['--deepspeed-config', { dialect: 'megatron-deepspeed' }],
  // microsoft/Megatron-DeepSpeed megatron/arguments.py:1487, 974, 1524, 954, 856.
  ['--zero-stage', { dialect: 'megatron-deepspeed' }],
  ['--ds-sequence-parallel-size', { dialect: 'megatron-deepspeed' }],
  ['--deepspeed-activation-checkpointing', { dialect: 'megatron-deepspeed' }],
  ['--no-pipeline-parallel', { dialect: 'megatron-deepspeed' }],
  ['--enable-zbh1-pipeline', { dialect: 'megatron-deepspeed' }],
  // bigscience-workshop/Megatron-DeepSpeed megatron/arguments.py:378, 386, 566, 578 (not in Microsoft's).
  ['--sync-tp-duplicated-parameters', { dialect: 'megatron-deepspeed', variant: 'bigscience' }],
  ['--embed-layernorm', { dialect: 'megatron-deepspeed', variant: 'bigscience' }],
  ['--codecarbon-dir', { dialect: 'megatron-deepspeed', variant: 'bigscience' }],
  ['--pp-partition-method', { dialect: 'megatron-deepspeed', variant: 'bigscience' }],
  // thunlp/Seq1F1B megatron/arguments.py:732, 734.
  ['--pipe-sp-splits', { dialect: 'seq1f1b' }],
  ['--pipe-sp-strategy', { dialect: 'seq1f1b' }],
  // sail-sg/zero-bubble-pipeline-parallelism megatron/core/zbpp_utils.py:15, 27, 41, 44, 50, 53.
  ['--enable-zb-runtime', { dialect: 'zero-bubble' }],
  ['--zero-bubble-max-pending-backward', { dialect: 'zero-bubble' }],
  ['--enable-zero-bubble', { dialect: 'zero-bubble' }],
  ['--zero-bubble-v-schedule', { dialect: 'zero-bubble' }],
  ['--enable-1f1b-v', { dialect: 'zero-bubble' }],
  ['--allow-padding-num-layers', { dialect: 'zero-bubble' }],
  // sail-sg/VocabularyParallelism megatron/training/arguments.py:1507 (the interlaced baseline). Its other flags
  // (--enable-vocab-parallel, --disable-backward-fusion, layer redistribution) are also on the Zero-Bubble fork's
  // v-half-vocab branch (92895b9a arguments.py:1249-1261), so they count as strong, through the flag table's tag.
  ['--use-interlaced-schedule', { dialect: 'vocab-parallel' }],
  // Ascend/MindSpeed-LLM mindspeed_llm/features_manager/dataset/data_preprocess.py:14,
  // pipeline_parallel/num_layer_list.py:14, convert_checkpoint/convert_checkpoint.py:79.
  ['--handler-name', { dialect: 'mindspeed-llm' }],
  ['--num-layer-list', { dialect: 'mindspeed-llm' }],
  ['--enable-hf2mg-convert', { dialect: 'mindspeed-llm' }],
  // alibaba/Pai-Megatron-Patch megatron_patch/arguments.py:132, 156.
  ['--extra-vocab-size', { dialect: 'pai-megatron-patch' }],
  ['--patch-tokenizer-type', { dialect: 'pai-megatron-patch' }],
  // THUDM/slime slime/utils/arguments.py:39, 41, 307, 691.
  ['--actor-num-nodes', { dialect: 'slime' }],
  ['--actor-num-gpus-per-node', { dialect: 'slime' }],
  ['--hf-checkpoint', { dialect: 'slime' }],
  ['--rollout-batch-size', { dialect: 'slime' }],
]);

/** The flag table's fork tags (megatron/flags/spec.ts), as dialects. */
const FROM_TABLE_TAG: Readonly<Record<Dialect, DialectId>> = {
  megatron: 'megatron-lm',
  seq1f1b: 'seq1f1b',
  mindspeed: 'mindspeed-llm',
  deepspeed: 'megatron-deepspeed',
  'zero-bubble': 'zero-bubble',
  pai: 'pai-megatron-patch',
  'vocab-parallel': 'vocab-parallel',
};

/** A repository's directory in a path (the entry script's, or any path or comment in the file). */
const REPO_NAMES: readonly { dialect: DialectId; pattern: RegExp }[] = [
  { dialect: 'megatron-deepspeed', pattern: /Megatron-DeepSpeed/i },
  { dialect: 'mindspeed-llm', pattern: /MindSpeed-LLM|mindspeed_llm|MindSpeed/i },
  { dialect: 'pai-megatron-patch', pattern: /Pai-Megatron-Patch|megatron_patch|MEGATRON_PATCH/i },
  { dialect: 'seq1f1b', pattern: /Seq1F1B/i },
  { dialect: 'zero-bubble', pattern: /zero-bubble-pipeline-parallelism/i },
  { dialect: 'vocab-parallel', pattern: /VocabularyParallelism/i },
  { dialect: 'slime', pattern: /(^|[/\s"'])slime([/\s"']|$)/ },
  { dialect: 'megatron-lm', pattern: /Megatron-LM/i },
];

/** Megatron-LM's own entry scripts (the repository root at d98e8a64); every fork inherits them, hence a hint. */
const MEGATRON_ENTRY = /(^|\/)pretrain_(gpt|bert|t5|mamba|retro|vlm|ict|vision_\w+)\.py$/;
/**
 * Entry scripts only current Megatron-LM ships (added after every fork's base): pretrain_hybrid.py (2026-08, commit
 * dd8c825b); no mirrored fork (MindSpeed-LLM, Pai, Megatron-DeepSpeed, Seq1F1B, Zero-Bubble, slime) has it.
 */
const CURRENT_MEGATRON_ENTRY = /(^|\/)pretrain_hybrid\.py$/;

/** Pai pins a Megatron-LM per model family: `backends/megatron/Megatron-LM-250328` on PYTHONPATH. */
const PAI_BACKEND = /backends\/megatron\/(Megatron-LM-[\w.-]+)/;

const DIRECTIVE = /#\s*schedule-inspector:\s*dialect\s*=\s*([^\s#]*)/i;
/** Every directive contains this; a linear scan that rules most files out before any split. */
const DIRECTIVE_HINT = /schedule-inspector:/i;

interface Lines {
  lines: string[];
  rangeOf(line: number, start: number, length: number): SourceRange;
}

function splitLines(text: string): Lines {
  return {
    lines: text.split(/\r?\n/),
    rangeOf: (line, start, length) => ({ line, column: start, endLine: line, endColumn: start + length }),
  };
}

/** Repository names anywhere in the text (comments, paths, variables): the first of each, as a hint. */
function mentions(ls: Lines, out: DialectEvidence[]): { version?: string } {
  const seen = new Set<DialectId>();
  let version: string | undefined;
  ls.lines.forEach((line, i) => {
    if (DIRECTIVE.test(line)) return;
    const pinned = PAI_BACKEND.exec(line);
    if (pinned && version === undefined) {
      version = pinned[1];
      out.push({
        dialect: 'pai-megatron-patch',
        what: `Pai-Megatron-Patch backend path ${pinned[0]}`,
        range: ls.rangeOf(i, pinned.index, pinned[0].length),
        weight: STRONG,
      });
    }
    for (const { dialect, pattern } of REPO_NAMES) {
      if (seen.has(dialect)) continue;
      const m = pattern.exec(line);
      if (!m) continue;
      seen.add(dialect);
      const found = m[0].trim().replace(/^[/"']|[/"']$/g, '');
      out.push({
        dialect,
        what: `'${found}' named in the file`,
        range: ls.rangeOf(i, m.index, m[0].length),
        weight: HINT,
      });
    }
  });
  return version === undefined ? {} : { version };
}

/** Entry script, launcher and fork-only flags of the launch we analyse. */
function invocationEvidence(text: Lines, inv: LaunchInvocation, out: DialectEvidence[]): { variant?: string } {
  const entry = inv.entry.text ?? inv.entry.knownSuffix ?? '';
  const repo = REPO_NAMES.find((r) => r.pattern.test(entry));
  // A fork's directory in the entry's path decides; `Megatron-LM` there is strong only, since forks are often
  // cloned into a directory of that name.
  if (repo) {
    const weight = repo.dialect === 'megatron-lm' ? STRONG : DECISIVE;
    out.push({ dialect: repo.dialect, what: `entry script ${entry}`, range: inv.entry.range, weight });
  } else if (CURRENT_MEGATRON_ENTRY.test(entry))
    out.push({
      dialect: 'megatron-lm',
      what: `entry script ${entry} (current Megatron-LM only)`,
      range: inv.entry.range,
      weight: STRONG,
    });
  else if (MEGATRON_ENTRY.test(entry))
    out.push({ dialect: 'megatron-lm', what: `entry script ${entry}`, range: inv.entry.range, weight: HINT });
  for (const l of inv.launchers) {
    const word = (text.lines[l.range.line] ?? '').slice(l.range.column).split(/\s/)[0] ?? '';
    // MindSpore's launcher: MindSpeed-LLM's examples/mindspore/*/pretrain_*.sh start `msrun … pretrain_gpt.py`.
    if (/(^|\/)msrun$/.test(word))
      out.push({ dialect: 'mindspeed-llm', what: 'launcher msrun', range: l.range, weight: DECISIVE });
    else if (l.kind === 'deepspeed')
      out.push({ dialect: 'megatron-deepspeed', what: 'launcher deepspeed', range: l.range, weight: STRONG });
  }
  let variant: string | undefined;
  const seen = new Set<string>();
  const forkOnly: DialectEvidence[] = [];
  for (const w of inv.args) {
    const raw = w.text ?? w.knownPrefix ?? '';
    if (!raw.startsWith('--')) continue;
    const spelled = raw.includes('=') ? raw.slice(0, raw.indexOf('=')) : raw;
    const name = spelled.replace(/_/g, '-');
    if (seen.has(name)) continue;
    seen.add(name);
    const unique = UNIQUE_FLAGS.get(name);
    if (unique) {
      out.push({ dialect: unique.dialect, what: `flag ${spelled}`, range: w.range, weight: DECISIVE });
      variant ??= unique.variant;
      continue;
    }
    const found = lookupFlag(spelled);
    const tag = found?.spec.dialect;
    if (tag && tag !== 'megatron')
      out.push({ dialect: FROM_TABLE_TAG[tag], what: `flag ${spelled}`, range: w.range, weight: STRONG });
    else if (!found) {
      // Outside our table: a flag only forks' own parsers define (scripts/extract-flags.mjs) points at those forks.
      for (const fork of forksDefining(spelled))
        forkOnly.push({ dialect: fork, what: `flag ${spelled}`, range: w.range, weight: HINT });
    }
  }
  // One such flag proves nothing: entry scripts add flags of their own (tasks/main.py's --task) that only a fork's
  // parser happens to list. Two or more for the same fork are strong evidence.
  for (const e of forkOnly)
    if (forkOnly.filter((x) => x.dialect === e.dialect).length >= 2) out.push({ ...e, weight: STRONG });
  return variant === undefined ? {} : { variant };
}

export function bashDialectEvidence(
  text: string,
  inv: LaunchInvocation,
): { evidence: DialectEvidence[]; version?: string } {
  const ls = splitLines(text);
  const evidence: DialectEvidence[] = [];
  const { variant } = invocationEvidence(ls, inv, evidence);
  const { version } = mentions(ls, evidence);
  const v = variant ?? version;
  return v === undefined ? { evidence } : { evidence, version: v };
}

/** Top-level YAML keys with their ranges (column 0, `key:`): the structure that tells the config formats apart. */
function topLevelKeys(ls: Lines): Map<string, SourceRange> {
  const keys = new Map<string, SourceRange>();
  ls.lines.forEach((line, i) => {
    const m = /^([A-Za-z_][\w-]*):(\s|$)/.exec(line);
    if (m && m[1] && !keys.has(m[1])) keys.set(m[1], ls.rangeOf(i, 0, m[1].length));
  });
  return keys;
}

/** What a NeMo 2 or Megatron-Bridge recipe YAML gives us, said where the dialect is shown. */
const RECIPE_NOTES: Partial<Record<DialectId, string>> = {
  'nemo-2':
    'NeMo 2 recipe (NeMo-Run `_target_` objects): not read as a launch yet — neither the strategy’s parallel sizes nor model.config; only keys at NeMo 1.x paths (model.num_layers, …) would be.',
  'megatron-bridge':
    'Megatron-Bridge ConfigContainer: model.* keys are read under their NeMo 1.x names; train.micro_batch_size, train.global_batch_size and the dist/ddp sections are not read yet.',
};

export function yamlDialectEvidence(text: string): { evidence: DialectEvidence[]; version?: string; note?: string } {
  const ls = splitLines(text);
  const keys = topLevelKeys(ls);
  const evidence: DialectEvidence[] = [];
  const at = (key: string): SourceRange | null => keys.get(key) ?? null;
  // NeMo 2: NeMo-Run serialises recipes as `_target_:` class paths, e.g. nemo.lightning.pytorch.strategies.
  // megatron_strategy.MegatronStrategy (NVIDIA/NeMo nemo/lightning/pytorch/strategies/megatron_strategy.py:137).
  const target = ls.lines.findIndex((l) => /^\s*_target_:\s*['"]?nemo\./.test(l));
  if (target >= 0) {
    const line = ls.lines[target] ?? '';
    const start = line.indexOf('_target_');
    evidence.push({
      dialect: 'nemo-2',
      what: `NeMo 2 recipe object ${line.trim()}`,
      range: ls.rangeOf(target, start, line.length - start),
      weight: DECISIVE,
    });
  } else if (keys.has('trainer') && keys.has('model')) {
    // NeMo 1.x Hydra configs: examples/nlp/language_modeling/conf/megatron_gpt_config.yaml:7 trainer, :36
    // exp_manager, :68 model.
    evidence.push({ dialect: 'nemo', what: 'top-level trainer: and model:', range: at('trainer'), weight: DECISIVE });
    if (keys.has('exp_manager'))
      evidence.push({ dialect: 'nemo', what: 'top-level exp_manager:', range: at('exp_manager'), weight: HINT });
  } else if (keys.has('model') && keys.has('train')) {
    // Megatron-Bridge's ConfigContainer: train, model, optimizer, ddp, dist … (src/megatron/bridge/training/
    // config.py:962-1001); NeMo 1.x has no top-level `train:`.
    evidence.push({
      dialect: 'megatron-bridge',
      what: 'top-level model: and train: (a ConfigContainer)',
      range: at('train'),
      weight: DECISIVE,
    });
  }
  if (keys.has('MODEL_ARGS'))
    // Megatron-LM's functional tests: tests/functional_tests/test_cases/*/*/model_config.yaml.
    evidence.push({
      dialect: 'megatron-lm',
      what: 'functional-test MODEL_ARGS:',
      range: at('MODEL_ARGS'),
      weight: DECISIVE,
    });
  else if (keys.has('language_model') || keys.has('model_parallel'))
    // Megatron-LM's --yaml-cfg (megatron/training/yaml_arguments.py) groups keys under these sections.
    evidence.push({
      dialect: 'megatron-lm',
      what: '--yaml-cfg sections language_model:/model_parallel:',
      range: at('language_model') ?? at('model_parallel'),
      weight: STRONG,
    });
  const { version } = mentions(ls, evidence);
  const decided = decide(evidence).id;
  const note = RECIPE_NOTES[decided];
  return { evidence, ...(version === undefined ? {} : { version }), ...(note === undefined ? {} : { note }) };
}

/**
 * The sum of weights per dialect decides. Forks run Megatron-LM's entry scripts and mention its name, so on a tie
 * between Megatron-LM and a fork the fork wins — if the fork has more than a hint for it: a comment that only names a
 * fork ("the baseline to compare Seq1F1B against") is no reason to read the file as that fork. A tie between two
 * forks is ambiguous and stays `unknown`.
 */
export function decide(evidence: readonly DialectEvidence[]): { id: DialectId; decidedBy: number | null } {
  const totals = new Map<DialectId, number>();
  const heaviest = new Map<DialectId, number>();
  for (const e of evidence) {
    totals.set(e.dialect, (totals.get(e.dialect) ?? 0) + e.weight);
    heaviest.set(e.dialect, Math.max(heaviest.get(e.dialect) ?? 0, e.weight));
  }
  // -1: a before b. Between Megatron-LM and a fork of equal total, the fork first only with a strong piece.
  const tieBreak = (a: DialectId, b: DialectId): number => {
    if (a === 'megatron-lm') return (heaviest.get(b) ?? 0) > HINT ? 1 : -1;
    if (b === 'megatron-lm') return (heaviest.get(a) ?? 0) > HINT ? -1 : 1;
    return 0;
  };
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1] || tieBreak(a[0], b[0]));
  const [first, second] = ranked;
  if (!first) return { id: 'unknown', decidedBy: null };
  if (second && second[1] === first[1] && first[0] !== 'megatron-lm' && second[0] !== 'megatron-lm')
    return { id: 'unknown', decidedBy: null };
  const id = first[0];
  // The heaviest piece for the winner decided; the first one on equal weight.
  let decidedBy: number | null = null;
  evidence.forEach((e, i) => {
    if (e.dialect !== id) return;
    if (decidedBy === null || e.weight > (evidence[decidedBy]?.weight ?? 0)) decidedBy = i;
  });
  return { id, decidedBy };
}

/** A detected dialect, before overrides. */
export function detectedDialect(
  found: { evidence: DialectEvidence[]; version?: string; note?: string },
  anchor: SourceRange | null,
): DialectRead {
  const { id, decidedBy } = decide(found.evidence);
  const read: DialectRead = { id, source: 'detected', evidence: found.evidence, decidedBy, anchor };
  if (found.version !== undefined && id !== 'unknown') read.version = found.version;
  if (found.note !== undefined) read.note = found.note;
  else if (id === 'unknown' && found.evidence.length) read.note = 'the evidence points to more than one code base';
  return read;
}

/** An override outweighs every piece of evidence in the file. */
const OVERRIDE = 10;

const isDialectId = (x: string): x is DialectId => (DIALECT_IDS as readonly string[]).includes(x);

/** What the `scheduleInspector.dialect` setting or `--dialect` may say: `auto` or a dialect id. */
export function parseDialectSetting(value: string): DialectId | 'auto' | null {
  const v = value.trim().toLowerCase();
  return v === 'auto' || isDialectId(v) ? v : null;
}

/**
 * Applies the overrides to a finished read: the first valid `# schedule-inspector: dialect=<id>` comment beats the
 * setting, which beats detection; a directive naming no known dialect gets a diagnostic on its id and is ignored.
 */
/**
 * The dialect the user fixed — the first valid directive comment, else the setting — or null for detection. The
 * readers need it before interpreting (the dialect's parser decides arity, unknown flags and tokenizer defaults);
 * settleDialect later records it with its evidence and reports invalid directives.
 */
export function dialectOverride(text: string, setting: DialectId | 'auto' | undefined): DialectId | null {
  if (DIRECTIVE_HINT.test(text)) {
    for (const line of text.split(/\r?\n/)) {
      const id = parseDialectSetting(DIRECTIVE.exec(line)?.[1] ?? '');
      if (id !== null && id !== 'auto') return id;
    }
  }
  return setting && setting !== 'auto' ? setting : null;
}

export function settleDialect(text: string, read: LaunchConfigRead, setting: DialectId | 'auto' | undefined): void {
  const detected = read.dialect ?? detectedDialect({ evidence: [] }, read.commandRange);
  const diagnostics: CoreDiagnostic[] = [];
  let directive: DialectEvidence | null = null;
  // This runs on every edit: split the text into lines only when a directive can be there at all.
  const lines = DIRECTIVE_HINT.test(text) ? text.split(/\r?\n/) : [];
  for (const [i, line] of lines.entries()) {
    const m = DIRECTIVE.exec(line);
    if (!m) continue;
    const raw = m[1] ?? '';
    const start = m.index + m[0].length - raw.length;
    const range: SourceRange = { line: i, column: start, endLine: i, endColumn: start + Math.max(raw.length, 1) };
    const id = parseDialectSetting(raw);
    if (id === null) {
      diagnostics.push({
        code: 'unknown-dialect',
        severity: 'warning',
        message: `'${raw}' is not a dialect Schedule Inspector knows; use auto or one of ${DIALECT_IDS.join(', ')}. The directive is ignored.`,
        range,
      });
    } else if (!directive && id !== 'auto') {
      directive = { dialect: id, what: `comment directive dialect=${id}`, range, weight: OVERRIDE };
    }
  }
  const override: DialectEvidence | null =
    directive ??
    (setting && setting !== 'auto'
      ? { dialect: setting, what: `setting dialect=${setting}`, range: null, weight: OVERRIDE }
      : null);
  if (override) {
    const settled: DialectRead = {
      id: override.dialect,
      source: override.range ? 'directive' : 'setting',
      evidence: [override, ...detected.evidence],
      decidedBy: 0,
      anchor: detected.anchor,
    };
    // A version or reading note belongs to the code base it was found for.
    if (detected.id === override.dialect && detected.version !== undefined) settled.version = detected.version;
    if (detected.id === override.dialect && detected.note !== undefined) settled.note = detected.note;
    read.dialect = settled;
  } else read.dialect = detected;
  if (diagnostics.length) read.diagnostics = sortDiagnostics([...read.diagnostics, ...diagnostics]);
}
