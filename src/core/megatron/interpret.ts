// argv words → flag settings, the way Megatron's argparse parser would read them (megatron.md "How the parser
// behaves"): `--x v` and `--x=v`, store_true flags, `--no-`/`--disable-` negations, nargs lists, last occurrence
// wins. Each setting keeps where its name and value stand and which variables the value came through.
import type { ShellWord } from '../bash/types';
import type { CoreDiagnostic, DialectId, FlagOccurrence, Origin, SourceRange } from '../types';
import { dialectFlag, setFlagSpec, type Arity } from './flags/dialectSets';
import { forkChoice } from './forkChoice';
import { lookupFlag, suggestFlag } from './flags/lookup';
import { unknownFlagDiagnostic } from './flags/unknownFlag';
import type { FlagSpec } from './flags/table';
import { parsePyFloat, parsePyInt } from './pyNumbers';
import { overlaps, rangeKey, sameRange, span } from '../text/ranges';

/** One recognised flag occurrence with its value, format-independent (bash args and YAML keys both produce these). */
export interface FlagSetting {
  spec: FlagSpec;
  /** Spelling in the file (`--num_layers`, `model.num_layers`). */
  spelling: string;
  nameRange: SourceRange;
  /** Flag name through its last value. */
  range: SourceRange;
  valueRange?: SourceRange;
  /** store_true flags: true when given, false for a negation. Undefined for value flags. */
  bool?: boolean;
  /** Value texts (one per nargs value); null when unresolved or invalid. */
  values: string[] | null;
  /** Why values is null. */
  reason?: string;
  origins: Origin[];
  /** The value was given but cannot be parsed (already reported). */
  invalid?: boolean;
  /** A choice the file's own Megatron accepts and current Megatron-LM refuses, left out of the model (forkChoice.ts). */
  forkValue?: string;
  /** The value words were unresolved: their ranges, for deduplicating `unresolved-value`. */
  unresolvedRanges?: SourceRange[];
  /** What the flag or its values rest on that the file does not fix (set by the bash reader, read/bashLaunch.ts). */
  assumptions?: string[];
}

interface InterpretResult {
  /** Canonical flag name → last occurrence. */
  settings: Map<string, FlagSetting>;
  /** Every recognised occurrence in order. */
  occurrences: FlagSetting[];
  diagnostics: CoreDiagnostic[];
  /** Range of the last argument word (where new flags are appended). */
  lastArgRange: SourceRange | null;
}

const looksLikeNegativeNumber = (t: string): boolean => /^-\d+$|^-\d*\.\d+$/.test(t);
const isOptionWord = (t: string | null): boolean =>
  t !== null && t.startsWith('-') && t.length > 1 && !looksLikeNegativeNumber(t);

/** Checks a value text against the flag's type; returns an error message or null. */
export function checkValue(spec: FlagSpec, text: string): string | null {
  switch (spec.type) {
    case 'int':
      return parsePyInt(text) === null ? `${spec.name} expects an integer, got '${text}'` : null;
    case 'float':
      return parsePyFloat(text) === null ? `${spec.name} expects a number, got '${text}'` : null;
    case 'choice':
      return spec.choices && !spec.choices.includes(text)
        ? `${spec.name} must be one of ${spec.choices.join(', ')} (case-sensitive), got '${text}'`
        : null;
    default:
      return null;
  }
}

/** A choice value that is only wrong in letter case or dash/underscore, e.g. `rmsnorm` → `RMSNorm`. */
export function closeChoice(spec: FlagSpec, text: string): string | null {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');
  return spec.choices?.find((c) => norm(c) === norm(text)) ?? null;
}

function valueRangeAfterEquals(word: ShellWord, eq: number): SourceRange {
  const r = word.range;
  // A literal `--flag=value` word maps text offsets to columns one to one; through expansions we can only
  // point at the whole word.
  if (r.line === r.endLine && word.origins.length === 0 && r.endColumn - r.column === (word.text ?? '').length) {
    return { line: r.line, column: r.column + eq + 1, endLine: r.line, endColumn: r.endColumn };
  }
  return r;
}

function nameRangeOf(word: ShellWord, nameLength: number): SourceRange {
  const r = word.range;
  if (r.line === r.endLine && r.endColumn - r.column >= nameLength) {
    return { line: r.line, column: r.column, endLine: r.line, endColumn: r.column + nameLength };
  }
  return r;
}

export interface InterpretOptions {
  /** Accept choice values that differ only in case (Megatron-DeepSpeed lower-cases `rmsnorm`). */
  lenientChoices?: boolean;
  /** Which Megatron parses the argv: decides the arity of flags outside the table and which unknown flags are certain. */
  dialect?: DialectId;
  /** The entry script as written: one that may add its own flags makes an unknown flag uncertain. */
  entry?: string | null;
}

/**
 * Words expanded from one `${ARGS[@]}` / `$OPTS` all carry the range of that expansion; the bash reader also
 * records where each element was written (its origins). Point each word at the first place that is its own,
 * so diagnostics and edits land on `--sequence-parallel` inside the array rather than on `$OPTS`.
 * The original expansion range stays available as `unresolvedRanges` for matching the reader's reports.
 */
/** Two ranges of one document that start at the same place are the same expansion or element here. */
const startKey = (r: SourceRange): number => r.line * 16777216 + r.column;

function locateWords(words: ShellWord[]): ShellWord[] {
  const own = new Map<number, number>();
  for (const w of words) {
    const k = startKey(w.range);
    own.set(k, (own.get(k) ?? 0) + 1);
  }
  // Only words that share their range need their origins examined.
  const originUses = new Map<number, number>();
  const sharedIdx: number[] = [];
  words.forEach((w, i) => {
    if (own.get(startKey(w.range)) === 1) return;
    sharedIdx.push(i);
    for (const o of w.origins) {
      const k = startKey(o.range);
      originUses.set(k, (originUses.get(k) ?? 0) + 1);
    }
  });
  if (!sharedIdx.length) return words;
  const out = words.slice();
  for (const i of sharedIdx) {
    const w = words[i];
    if (!w) continue;
    const mine = w.origins.find((o) => {
      const k = startKey(o.range);
      return originUses.get(k) === 1 && !own.has(k);
    });
    if (mine) {
      const located: LocatedWord = { ...w, range: mine.range, expansionRange: w.range };
      out[i] = located;
    }
  }
  return out;
}

/** Mutable state of one interpretation: the settings found so far and the diagnostics. */
interface Interpretation {
  words: ShellWord[];
  settings: Map<string, FlagSetting>;
  occurrences: FlagSetting[];
  diagnostics: CoreDiagnostic[];
  options: InterpretOptions;
}

export function interpretArgs(argv: ShellWord[], options: InterpretOptions = {}): InterpretResult {
  const st: Interpretation = {
    words: locateWords(argv),
    settings: new Map(),
    occurrences: [],
    diagnostics: [],
    options,
  };
  let i = 0;
  while (i < st.words.length) i = interpretWordAt(st, i);
  reportDuplicates(st.occurrences, st.diagnostics);
  // New flags go after the last word as it stands in the command, not inside the array it came from.
  const lastWord = argv[argv.length - 1];
  return {
    settings: st.settings,
    occurrences: st.occurrences,
    diagnostics: st.diagnostics,
    lastArgRange: lastWord ? lastWord.range : null,
  };
}

function record(st: Interpretation, s: FlagSetting): void {
  st.occurrences.push(s);
  st.settings.set(s.spec.name, s);
}

/** A word split into flag name and inline `=value`; null when the word is not a flag at all. */
interface FlagWord {
  flagText: string;
  /** undefined: no `=`; null: `=` with an unknown value. */
  inlineValue: string | null | undefined;
  inlineValueRange: SourceRange | undefined;
}

function splitFlagWord(word: ShellWord): FlagWord | 'unknown-word' | 'not-a-flag' {
  const text = word.text;
  if (text === null) {
    // `--data-path=$DATA` with DATA unknown: the flag is known, its value is not.
    const prefix = word.knownPrefix;
    if (prefix && prefix.startsWith('--') && prefix.includes('='))
      return { flagText: prefix.slice(0, prefix.indexOf('=')), inlineValue: null, inlineValueRange: word.range };
    // A whole unknown word (`$EXTRA_ARGS`): the bash reader reports it; it may hide any flags.
    return 'unknown-word';
  }
  if (text.startsWith('--') && text.includes('=')) {
    const eq = text.indexOf('=');
    return {
      flagText: text.slice(0, eq),
      inlineValue: text.slice(eq + 1),
      inlineValueRange: valueRangeAfterEquals(word, eq),
    };
  }
  if (!text.startsWith('--') || text === '--') return 'not-a-flag';
  return { flagText: text, inlineValue: undefined, inlineValueRange: undefined };
}

/** Interprets the word at `i` (and the values it takes); returns the index of the next word to read. */
function interpretWordAt(st: Interpretation, i: number): number {
  const word = st.words[i];
  if (!word) return i + 1;
  const split = splitFlagWord(word);
  if (split === 'unknown-word') return i + 1;
  if (split === 'not-a-flag') return reportUnexpected(st, i);
  const { flagText } = split;
  const found = lookupFlag(flagText);
  const nameRange = nameRangeOf(word, flagText.length);
  if (!found) return reportUnknown(st, i, flagText, nameRange, split.inlineValue);
  reportSpelling(st, found, flagText, nameRange);
  const spec = found.spec;
  // Plain object literals instead of spreads: this runs per argv word on every keystroke.
  const make = (range: SourceRange, values: string[] | null, origins: Origin[] = word.origins): FlagSetting => {
    const s: FlagSetting = { spec, spelling: flagText, nameRange, range, values, origins };
    if (word.assumptions) s.assumptions = word.assumptions;
    return s;
  };
  if (spec.type === 'store_true' || spec.type === 'store_false') {
    if (split.inlineValue !== undefined) {
      st.diagnostics.push({
        code: 'invalid-flag-value',
        severity: 'error',
        message: `${flagText} takes no value; argparse stops with "ignored explicit argument '${split.inlineValue ?? '…'}'"`,
        range: split.inlineValueRange ?? word.range,
      });
    }
    const sw = make(word.range, []);
    sw.bool = !found.negated;
    record(st, sw);
    return i + 1;
  }
  if (split.inlineValue !== undefined) {
    const setting = make(word.range, null);
    if (split.inlineValueRange) setting.valueRange = split.inlineValueRange;
    if (split.inlineValue === null) {
      setting.reason = word.reason ?? 'the value is only known at run time';
      setting.unresolvedRanges = [word.range, ...expansionOf(word)];
    } else {
      setting.values = [split.inlineValue];
      validateValues(setting, [split.inlineValue], st.diagnostics, st.options);
    }
    record(st, setting);
    return i + 1;
  }
  return takeValues(st, i, spec, flagText, nameRange, make);
}

/** A template's stand-in for a value the user writes in: `your data path`, `<path to ckpt>`, `path/to/your model`. */
const PLACEHOLDER_VALUE = /^(your|<)\b|^<|\byour (model|data|tokenizer|vocab|save|ckpt|checkpoint|output|log)\b/i;

/**
 * A word no flag takes: argparse stops on it. The words of one unquoted expansion whose value split into several
 * (`--load $DIR` with DIR="your ckpt path") are one report: the first word went to the flag, the rest did not.
 */
function reportUnexpected(st: Interpretation, i: number): number {
  const word = st.words[i];
  const text = word?.text;
  if (!word || !text) return i + 1;
  const prev: LocatedWord | undefined = st.words[i - 1];
  // locateWords pointed each word at its own text in the variable's value; the expansion they share stays here.
  const expansion = (w: LocatedWord): SourceRange => w.expansionRange ?? w.range;
  const splitFrom =
    prev?.text && word.origins.length > 0 && sameRange(expansion(prev), expansion(word)) ? prev.text : null;
  if (splitFrom === null) {
    st.diagnostics.push({
      code: 'unexpected-argument',
      severity: 'warning',
      message: text.startsWith('#')
        ? `'${text}' reaches Megatron as an argument (a '#' inside a continued or quoted option string is not a comment); argparse stops with "unrecognized arguments"`
        : `'${text}' is not a value of any flag; Megatron's argparse stops with "unrecognized arguments: ${text}"`,
      range: word.range,
    });
    return i + 1;
  }
  // The word at i is reported whatever it looks like (so the reader always moves on), then its split siblings.
  const rest: string[] = [text];
  let j = i + 1;
  let lastWord: ShellWord = word;
  for (
    let w: LocatedWord | undefined = st.words[j];
    w?.text && !isOptionWord(w.text) && sameRange(expansion(w), expansion(word));
    w = st.words[++j]
  ) {
    rest.push(w.text);
    lastWord = w;
  }
  // The variable whose value holds the words (origins run from the flag outwards): where the user fixes it.
  const variable = word.origins[word.origins.length - 1]?.name;
  const value = [splitFrom, ...rest].join(' ');
  if (PLACEHOLDER_VALUE.test(value)) {
    // A template's placeholder (MindSpeed-LLM's examples assign CKPT_LOAD_DIR="your model ckpt path" and friends in
    // ~300 scripts): the split is real as written, but it goes away with the path the user writes in.
    st.diagnostics.push({
      code: 'unexpected-argument',
      severity: 'hint',
      message: `${variable ? `$${variable}` : 'This value'} still holds the placeholder '${value}'; as written its words would reach Megatron as ${rest.length + 1} arguments (argparse stops), so write a path without spaces there`,
      range: word.range.line === lastWord.range.endLine ? span(word.range, lastWord.range) : expansion(word),
    });
    return j;
  }
  st.diagnostics.push({
    code: 'unexpected-argument',
    severity: 'warning',
    message: `'${rest.join(' ')}' reaches Megatron as ${rest.length === 1 ? 'an argument' : `${rest.length} arguments`}: the value of ${variable ? `$${variable}` : 'the expansion'} is split into words by an unquoted expansion, so only '${splitFrom}' is taken as a value; argparse stops with "unrecognized arguments"`,
    // The split words where the value is written, when they stand on one line; else the expansion.
    range: word.range.line === lastWord.range.endLine ? span(word.range, lastWord.range) : expansion(word),
  });
  return j;
}

/** Hints and deprecation notes about how a known flag is spelled. */
function reportSpelling(
  st: Interpretation,
  found: NonNullable<ReturnType<typeof lookupFlag>>,
  flagText: string,
  nameRange: SourceRange,
): void {
  const { spec, negated, underscored } = found;
  if (underscored && spec.dialect !== 'deepspeed') {
    const canonical = negated ? flagText.replace(/_/g, '-') : spec.name;
    st.diagnostics.push({
      code: 'underscore-flag',
      severity: 'hint',
      message: `Megatron-LM only registers '${canonical}'; '${flagText}' works only in forks that add underscore spellings`,
      range: nameRange,
      fixes: [{ title: `Rename to ${canonical}`, edits: [{ range: nameRange, newText: canonical }], preferred: true }],
    });
  }
  if (spec.deprecated) {
    const d = spec.deprecated;
    const diagnostic: CoreDiagnostic = {
      code: 'deprecated-flag',
      severity: d.severity,
      message: `${flagText}: ${d.message}`,
      range: nameRange,
    };
    if (d.renameTo)
      diagnostic.fixes = [
        { title: `Rename to ${d.renameTo}`, edits: [{ range: nameRange, newText: d.renameTo }], preferred: true },
      ];
    st.diagnostics.push(diagnostic);
  }
}

/** A value flag written `--flag v1 v2 …`: takes the following words argparse would take as its values. */
function takeValues(
  st: Interpretation,
  i: number,
  spec: FlagSpec,
  flagText: string,
  nameRange: SourceRange,
  make: (range: SourceRange, values: string[] | null, origins?: Origin[]) => FlagSetting,
): number {
  const { words } = st;
  const word = words[i];
  if (!word) return i + 1;
  const valueWords: ShellWord[] = [];
  let j = i + 1;
  // A flag the dialect's own parser takes as a list (Megatron-DeepSpeed's `--num-experts 64 64`) takes a list here too.
  const own = spec.type === 'nargs' ? undefined : dialectFlag(flagText, st.options.dialect);
  const listArity = own?.own && own.flag.arity !== 1 && own.flag.arity !== 0 ? own.flag.arity : undefined;
  const max = spec.type === 'nargs' ? (spec.exactValues ?? Infinity) : listArity !== undefined ? maxOf(listArity) : 1;
  for (let w = words[j]; w && valueWords.length < max; w = words[++j]) {
    if (isOptionWord(w.text)) break;
    // An unknown word after a list flag could be anything (e.g. `$MORE_ARGS`); take it only as the first value.
    if (w.text === null && spec.type === 'nargs' && valueWords.length > 0) break;
    if (w.text === null && w.knownPrefix?.startsWith('--')) break;
    valueWords.push(w);
  }
  const first = valueWords[0];
  const last = valueWords[valueWords.length - 1];
  const minValues =
    spec.type === 'nargs' ? (spec.exactValues ?? spec.minValues ?? 0) : listArity !== undefined ? minOf(listArity) : 1;
  if (valueWords.length < minValues) {
    const next = words[j];
    st.diagnostics.push({
      code: 'invalid-flag-value',
      severity: 'error',
      message:
        minValues === 1
          ? `${flagText} expects a value but ${next?.text ? `is followed by '${next.text}'` : 'is the last argument'}; argparse stops with "expected one argument"`
          : `${flagText} expects ${minValues} values, got ${valueWords.length}`,
      range: last ? span(nameRange, last.range) : nameRange,
    });
    const bad = make(last ? span(word.range, last.range) : word.range, null);
    bad.invalid = true;
    record(st, bad);
    return j;
  }
  const setting = make(
    last ? span(word.range, last.range) : word.range,
    null,
    valueWords.length === 1 && first ? first.origins : valueWords.flatMap((w) => w.origins),
  );
  if (first && last) setting.valueRange = span(first.range, last.range);
  // What the values rest on (an environment default, a blind branch) joins what the flag word rests on.
  if (valueWords.some((w) => w.assumptions))
    setting.assumptions = [...new Set([word, ...valueWords].flatMap((w) => w.assumptions ?? []))];
  const unresolved = valueWords.filter((w) => w.text === null);
  const firstUnresolved = unresolved[0];
  if (firstUnresolved) {
    setting.reason = firstUnresolved.reason ?? 'the value is only known at run time';
    setting.unresolvedRanges = unresolved.flatMap((w) => [w.range, ...expansionOf(w)]);
  } else {
    const texts = valueWords.map((w) => w.text ?? '');
    setting.values = texts;
    validateValues(setting, texts, st.diagnostics, st.options);
  }
  record(st, setting);
  return j;
}

type LocatedWord = ShellWord & { expansionRange?: SourceRange };
const expansionOf = (w: LocatedWord): SourceRange[] => (w.expansionRange ? [w.expansionRange] : []);

function validateValues(
  setting: FlagSetting,
  texts: string[],
  diagnostics: CoreDiagnostic[],
  options: InterpretOptions,
): void {
  const spec = setting.spec;
  const text = texts[0];
  if (spec.type === 'nargs' || text === undefined) return;
  const message = checkValue(spec, text);
  if (!message) return;
  const range = setting.valueRange ?? setting.range;
  const suggestion = spec.type === 'choice' ? closeChoice(spec, text) : null;
  if (suggestion && options.lenientChoices) {
    setting.values = [suggestion];
    return;
  }
  if (spec.type === 'choice' && forkChoice(setting, text, range, diagnostics, options)) return;
  const diagnostic: CoreDiagnostic = {
    code: 'invalid-flag-value',
    severity: 'error',
    message: suggestion ? `${message}; did you mean '${suggestion}'?` : message,
    range,
  };
  // A literal value can be rewritten in place; one that came through a variable is fixed at its definition.
  if (suggestion && setting.origins.length === 0)
    diagnostic.fixes = [{ title: `Use '${suggestion}'`, edits: [{ range, newText: suggestion }], preferred: true }];
  diagnostics.push(diagnostic);
  setting.values = null;
  setting.invalid = true;
}

const maxOf = (a: Arity): number => (typeof a === 'number' ? a : a === '?' ? 1 : Infinity);
const minOf = (a: Arity): number => (typeof a === 'number' ? a : a === '+' ? 1 : 0);

/**
 * A flag outside the table: reported by what the file's dialect makes of it (flags/unknownFlag.ts), and its values
 * taken with the arity of the parser that defines it — or, defined nowhere we know, every following non-option word
 * so that they are not reported too.
 */
function reportUnknown(
  st: Interpretation,
  i: number,
  flagText: string,
  nameRange: SourceRange,
  inline: string | null | undefined,
): number {
  const { words } = st;
  const word = words[i];
  const found = dialectFlag(flagText, st.options.dialect);
  const context = {
    dialect: st.options.dialect,
    entry: st.options.entry,
    suggestion: found ? null : suggestFlag(flagText),
  };
  const diagnostic = unknownFlagDiagnostic(flagText, nameRange, found, context);
  if (diagnostic) st.diagnostics.push(diagnostic);
  let j = i + 1;
  const taken: ShellWord[] = [];
  const max = inline !== undefined ? 0 : found ? maxOf(found.flag.arity) : Infinity;
  for (
    let w = words[j];
    w && taken.length < max && !isOptionWord(w.text) && !(w.text === null && w.knownPrefix?.startsWith('--'));
    w = words[++j]
  ) {
    // An unknown word after a list value could be anything (e.g. `$MORE_ARGS`); take it only as the first value.
    if (found && w.text === null && taken.length > 0) break;
    taken.push(w);
  }
  // A flag of a parser we know is recognised (hovers, script kind), though nothing is read from it.
  if (found && word) {
    const texts = inline !== undefined ? [inline] : taken.map((w) => w.text);
    const values = texts.every((t): t is string => t !== null) ? texts : null;
    const last = taken[taken.length - 1];
    const setting: FlagSetting = {
      spec: setFlagSpec(flagText, found),
      spelling: flagText,
      nameRange,
      range: last ? span(word.range, last.range) : word.range,
      values,
      origins: taken.flatMap((w) => w.origins),
    };
    if (found.flag.arity === 0) setting.bool = true;
    if (!values) setting.reason = 'the value is only known at run time';
    record(st, setting);
  }
  return j;
}

/** Reported on the earlier occurrences; at most one hint per flag and a bounded total, however long the argv. */
const MAX_DUPLICATE_HINTS = 50;

function reportDuplicates(occurrences: FlagSetting[], diagnostics: CoreDiagnostic[]): void {
  const lastIndex = new Map<string, number>();
  occurrences.forEach((o, idx) => lastIndex.set(o.spec.name, idx));
  const reported = new Set<string>();
  for (const [idx, o] of occurrences.entries()) {
    if (reported.size >= MAX_DUPLICATE_HINTS) break;
    const li = lastIndex.get(o.spec.name) ?? idx;
    const winner = occurrences[li];
    if (li === idx || !winner || o.spec.type === 'nargs' || reported.has(o.spec.name)) continue;
    reported.add(o.spec.name);
    const shown =
      winner.bool !== undefined ? (winner.bool ? 'on' : 'off') : (winner.values?.join(' ') ?? 'an unresolved value');
    diagnostics.push({
      code: 'duplicate-flag',
      severity: 'hint',
      message: `${o.spelling} is given again on line ${winner.nameRange.line + 1}; argparse keeps the last occurrence (${shown})`,
      range: o.range,
      related: [{ message: 'the occurrence that wins', range: winner.range }],
    });
  }
}

/** Hover data for each recognised occurrence. */
export function toFlagOccurrences(occurrences: FlagSetting[]): FlagOccurrence[] {
  return occurrences.map((o) => ({
    flag: o.spec.name,
    spelling: o.spelling,
    range: o.nameRange,
    ...(o.valueRange && { valueRange: o.valueRange }),
    value: o.bool !== undefined ? null : o.values ? o.values.join(' ') : null,
    origins: o.origins,
    keys: o.spec.keys ?? [],
    doc: o.spec.doc,
  }));
}

/** Ranges already covered by the bash reader's own `unresolved-value` diagnostics (one report per root cause). */
export function unresolvedAlreadyReported(
  setting: FlagSetting,
  upstream: CoreDiagnostic[],
  seen: Set<string>,
): boolean {
  const roots = [...(setting.unresolvedRanges ?? []), ...setting.origins.map((o) => o.range)];
  // The variable the value came from, else the unknown word itself.
  const root = setting.origins[setting.origins.length - 1]?.range ?? setting.unresolvedRanges?.[0] ?? setting.range;
  const rootKey = rangeKey(root);
  if (seen.has(rootKey)) return true;
  seen.add(rootKey);
  return upstream.some((d) => d.code === 'unresolved-value' && roots.some((r) => overlaps(r, d.range)));
}
