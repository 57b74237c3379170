// YAML launch configs → the same flag settings the bash path produces, so one resolver and one validator serve
// both. Three formats: NeMo/Hydra (`trainer:` + `model:`), Megatron `--yaml-cfg` (top-level training keys,
// `language_model:`, `model_parallel:`), and Megatron functional tests (`MODEL_ARGS:` mapping `--flag: value`).
// OmegaConf interpolations are resolved by our own small evaluator (entries.ts); nothing from the file is executed.
import { isMap, isPair, isSeq, parseAllDocuments, type Document, type Node, type YAMLMap } from 'yaml';
import type { CoreDiagnostic, SourceRange } from '../types';
import { flagSpec, lookupFlag } from '../megatron/flags/lookup';
import type { FlagSpec } from '../megatron/flags/table';
import { checkValue, closeChoice, type FlagSetting } from '../megatron/interpret';
import { ASSUMED_GPUS_PER_NODE, type ResolvedNumber } from '../megatron/world';
import { LineIndex } from '../text/lineIndex';
import { span } from '../text/ranges';
import { MAX_YAML_CHARS, MAX_YAML_DEPTH, tooDeep } from './limits';
import { flatten, makeResolver, scalarText, type Entry, type Resolved, type YamlKind } from './entries';

/** How a YAML key maps onto a Megatron flag; `transform` turns the scalar into a flag value or switch. */
interface YamlKeyMapping {
  path: string;
  flag: string;
  transform?: ((text: string) => { values?: string[]; bool?: boolean; skip?: boolean } | { error: string }) | undefined;
}

const boolOf = (t: string): boolean | null =>
  /^(true|True|TRUE|yes|on)$/.test(t) ? true : /^(false|False|FALSE|no|off|null|~)$/.test(t) ? false : null;
const asSwitch = (t: string): { bool: boolean } | { error: string } => {
  const b = boolOf(t);
  return b === null ? { error: `expected true or false, got '${t}'` } : { bool: b };
};
const invertedSwitch = (t: string): { bool: boolean } | { error: string } => {
  const b = boolOf(t);
  return b === null ? { error: `expected true or false, got '${t}'` } : { bool: !b };
};
const nullable = (t: string): { values: string[] } | { skip: true } =>
  /^(null|~|None)$/.test(t) ? { skip: true } : { values: [t] };
/**
 * NeMo builds a gated MLP (three matrices) for every activation whose name ends in `glu` — swiglu, geglu, reglu and
 * their `fast-` forms (NVIDIA/NeMo 8cfedd72 megatron_base_model.py:513-514); we read that as Megatron's --swiglu,
 * whose memory and FLOPs are the same gated shape.
 */
const activation = (t: string): { bool: boolean } => ({ bool: /glu$/i.test(t.trim()) });
const normalization = (t: string): { values: string[] } => ({
  values: [/^rms/i.test(t) ? 'RMSNorm' : /^layer/i.test(t) ? 'LayerNorm' : t],
});
const granularity = (t: string): { values: string[] } | { skip: true } => nullable(t);

/** NeMo keys, relative to `model.` unless they start with `trainer.`. */
const NEMO_MODEL_KEYS: [string, string, YamlKeyMapping['transform']?][] = [
  ['num_layers', '--num-layers'],
  ['hidden_size', '--hidden-size'],
  ['ffn_hidden_size', '--ffn-hidden-size', nullable],
  ['num_attention_heads', '--num-attention-heads'],
  // NeMo has no GQA switch: num_query_groups < heads turns it on, like Megatron-DeepSpeed's KV-head flag.
  ['num_query_groups', '--num-key-value-heads', nullable],
  ['kv_channels', '--kv-channels', nullable],
  ['encoder_seq_length', '--seq-length'],
  ['max_position_embeddings', '--max-position-embeddings'],
  ['micro_batch_size', '--micro-batch-size'],
  ['global_batch_size', '--global-batch-size'],
  ['tensor_model_parallel_size', '--tensor-model-parallel-size'],
  ['pipeline_model_parallel_size', '--pipeline-model-parallel-size'],
  ['virtual_pipeline_model_parallel_size', '--num-virtual-stages-per-pipeline-rank', nullable],
  ['context_parallel_size', '--context-parallel-size'],
  ['expert_model_parallel_size', '--expert-model-parallel-size'],
  ['expert_tensor_parallel_size', '--expert-tensor-parallel-size', nullable],
  ['num_moe_experts', '--num-experts', nullable],
  ['moe_router_topk', '--moe-router-topk'],
  ['moe_ffn_hidden_size', '--moe-ffn-hidden-size', nullable],
  ['sequence_parallel', '--sequence-parallel', asSwitch],
  ['activation', '--swiglu', activation],
  ['normalization', '--normalization', normalization],
  ['position_embedding_type', '--position-embedding-type'],
  ['share_embeddings_and_output_weights', '--untie-embeddings-and-output-weights', invertedSwitch],
  ['make_vocab_size_divisible_by', '--make-vocab-size-divisible-by'],
  ['hidden_dropout', '--hidden-dropout'],
  ['attention_dropout', '--attention-dropout'],
  ['bias', '--disable-bias-linear', invertedSwitch],
  ['activations_checkpoint_granularity', '--recompute-granularity', granularity],
  ['activations_checkpoint_method', '--recompute-method', nullable],
  ['activations_checkpoint_num_layers', '--recompute-num-layers', nullable],
  ['recompute_granularity', '--recompute-granularity', granularity],
  ['recompute_method', '--recompute-method', nullable],
  ['recompute_num_layers', '--recompute-num-layers', nullable],
  ['use_flash_attention', '--use-flash-attn', asSwitch],
  ['tokenizer.type', '--tokenizer-type'],
  ['tokenizer.model', '--tokenizer-model', nullable],
  ['optim.name', '--use-distributed-optimizer', (t) => ({ bool: /distributed/.test(t) })],
  ['fp8', '--fp8-format', (t) => (boolOf(t) ? { values: ['hybrid'] } : { skip: true })],
  // Only picks the format once `fp8` is on (NeMo megatron_gpt_model.py:2240-2247): alone it turns nothing on, and
  // NeMo-Framework-Launcher's configs set it beside `fp8: False`.
  ['fp8_hybrid', '--fp8-format', () => ({ skip: true })],
  // NeMo passes it as Megatron-Core's fp8_param_gather (megatron_gpt_model.py:612 at NeMo's mirrored HEAD).
  ['fp8_params', '--fp8-param-gather', asSwitch],
  ['transformer_engine', '--transformer-impl', (t) => ({ values: [boolOf(t) ? 'transformer_engine' : 'local'] })],
];

export const NEMO_KEYS: YamlKeyMapping[] = [
  ...NEMO_MODEL_KEYS.map(([k, flag, transform]) => ({ path: `model.${k}`, flag, transform })),
  { path: 'trainer.max_steps', flag: '--train-iters' },
];

/** `--yaml-cfg` keys whose name is not the flag name with dashes. */
const YAML_CFG_SPECIAL: Record<string, [string, YamlKeyMapping['transform']?]> = {
  activation_func: ['--swiglu', activation],
  num_moe_experts: ['--num-experts', nullable],
  num_query_groups: ['--num-key-value-heads', nullable],
  virtual_pipeline_model_parallel_size: ['--num-virtual-stages-per-pipeline-rank', nullable],
  sequence_parallel: ['--sequence-parallel', asSwitch],
  normalization: ['--normalization', normalization],
  encoder_seq_length: ['--seq-length'],
  share_embeddings_and_output_weights: ['--untie-embeddings-and-output-weights', invertedSwitch],
  add_bias_linear: ['--disable-bias-linear', invertedSwitch],
};

interface YamlReadResult {
  kind: YamlKind | null;
  settings: Map<string, FlagSetting>;
  occurrences: FlagSetting[];
  diagnostics: CoreDiagnostic[];
  /** NeMo trainer counts (null when not NeMo). */
  devices: ResolvedNumber | null;
  nodes: ResolvedNumber | null;
  /** `ENV_VARS` of a functional test. */
  env: Map<string, { value: string | null; range: SourceRange }>;
  /** Range of the first key (the code lens goes there). */
  documentRange: SourceRange | null;
}

export function detectYamlKind(keys: Set<string>): YamlKind | null {
  if (keys.has('MODEL_ARGS')) return 'functional-test';
  const nemoModel = [
    'model.tensor_model_parallel_size',
    'model.num_layers',
    'model.encoder_seq_length',
    'model.pipeline_model_parallel_size',
    'model.micro_batch_size',
  ];
  if (nemoModel.some((k) => keys.has(k))) return 'nemo';
  if (keys.has('language_model') || keys.has('model_parallel')) return 'megatron-yaml-cfg';
  return null;
}

/**
 * Text every key `detectYamlKind` looks for contains (model_parallel covers tensor_/pipeline_model_parallel_size).
 * A file with none of them — and no escape that could spell one inside a quoted key — is not a launch config, and its
 * syntax errors are not ours to report, so it is not parsed: the parser spent ~80 ms on 65 KB of junk (issue 15).
 */
const KIND_KEY_TEXTS = [
  'MODEL_ARGS',
  'num_layers',
  'encoder_seq_length',
  'model_parallel',
  'micro_batch_size',
  'language_model',
];

function mayBeLaunchConfig(text: string): boolean {
  return text.includes('\\') || KIND_KEY_TEXTS.some((key) => text.includes(key));
}

export function readYaml(text: string): YamlReadResult {
  const index = new LineIndex(text);
  const diagnostics: CoreDiagnostic[] = [];
  const result: YamlReadResult = {
    kind: null,
    settings: new Map(),
    occurrences: [],
    diagnostics,
    devices: null,
    nodes: null,
    env: new Map(),
    documentRange: null,
  };
  if (text.length > MAX_YAML_CHARS) {
    diagnostics.push({
      code: 'yaml-syntax',
      severity: 'warning',
      message: `YAML of ${text.length.toLocaleString('en-US')} characters is not read (launch configs are a few KB; the limit is ${MAX_YAML_CHARS.toLocaleString('en-US')})`,
      range: { line: 0, column: 0, endLine: 0, endColumn: 1 },
    });
    return result;
  }
  const deep = tooDeep(text);
  if (deep) {
    // Not a syntax error, but the text cannot be read: the parser would recurse once per level (issue 15).
    diagnostics.push({
      code: 'yaml-syntax',
      severity: 'warning',
      message: `YAML nested more than ${MAX_YAML_DEPTH} levels deep (launch configs nest a few); the file is not read`,
      range: index.range(deep.offset, deep.offset + 1),
    });
    return result;
  }
  if (!mayBeLaunchConfig(text)) return result;
  let docs: Document[];
  // The parser builds an Error per syntax problem; junk text has thousands, and capturing a stack for each one was
  // most of a 65 KB junk file's analysis (issue 15 fuzz). We use only their codes and offsets. (A V8 knob, absent
  // from the pure core's types; other engines ignore it.)
  const errorCtor = Error as { stackTraceLimit?: number | undefined };
  const stackTraceLimit = errorCtor.stackTraceLimit;
  errorCtor.stackTraceLimit = 0;
  try {
    docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: false }) as unknown as Document[];
    if (!Array.isArray(docs)) docs = [];
  } catch (err) {
    diagnostics.push({
      code: 'yaml-syntax',
      severity: 'error',
      message: `YAML could not be parsed: ${(err as Error).message}`,
      range: { line: 0, column: 0, endLine: 0, endColumn: 1 },
    });
    return result;
  } finally {
    errorCtor.stackTraceLimit = stackTraceLimit;
  }
  const syntax = syntaxDiagnostics(docs, index);
  const doc = docs.find((d) => d.contents && isMap(d.contents));
  if (!doc) {
    result.diagnostics.push(...syntax);
    return result;
  }
  const entries = flatten(doc, index);
  const kind = detectYamlKind(new Set(entries.keys()));
  result.kind = kind;
  // Syntax errors in a YAML file that is not a launch config are not ours to report.
  if (!kind) return result;
  diagnostics.push(...syntax);
  const first = (doc.contents as YAMLMap).items[0];
  if (first && isPair(first) && (first.key as Node)?.range)
    result.documentRange = index.range((first.key as Node).range![0], (first.key as Node).range![1]);
  const rd: YamlReading = { result, entries, resolve: makeResolver(entries, kind) };
  if (kind === 'nemo') readNemo(rd);
  else if (kind === 'megatron-yaml-cfg') readYamlCfg(rd);
  else readFunctionalTest(rd);
  return result;
}

interface YamlReading {
  result: YamlReadResult;
  entries: Map<string, Entry>;
  resolve: (entry: Entry) => Resolved;
}

function recordSetting(result: YamlReadResult, s: FlagSetting): void {
  result.occurrences.push(s);
  result.settings.set(s.spec.name, s);
}

function addSetting(
  rd: YamlReading,
  entry: Entry,
  spec: FlagSpec,
  transform: YamlKeyMapping['transform'],
  spelling: string,
): void {
  const valueRange = entry.valueRange ?? undefined;
  const setting: FlagSetting = {
    spec,
    spelling,
    nameRange: entry.keyRange,
    range: valueRange ? span(entry.keyRange, valueRange) : entry.keyRange,
    values: null,
    origins: [],
  };
  if (valueRange) setting.valueRange = valueRange;
  if (entry.node && isSeq(entry.node) && spec.type === 'nargs') {
    setting.values = entry.node.items.map((it) => scalarText(it as Node) ?? '');
    recordSetting(rd.result, setting);
    return;
  }
  const r = rd.resolve(entry);
  setting.origins = r.origins;
  if (r.text === null) {
    if (r.reason !== undefined) setting.reason = r.reason;
    setting.unresolvedRanges = valueRange ? [valueRange] : [];
    // A switch we cannot read is still "mentioned": keep it unknown rather than on or off.
    recordSetting(rd.result, setting);
    return;
  }
  let out: { values?: string[]; bool?: boolean; skip?: boolean } | { error: string };
  if (transform) out = transform(r.text);
  else if (spec.type === 'store_true' || spec.type === 'store_false') out = asSwitch(r.text);
  else if (spec.type === 'nargs') out = { values: r.text.split(/\s+/).filter(Boolean) };
  else out = nullable(r.text);
  if ('error' in out) {
    rd.result.diagnostics.push({
      code: 'invalid-flag-value',
      severity: 'error',
      message: `${spelling}: ${out.error}`,
      range: valueRange ?? entry.keyRange,
    });
    setting.invalid = true;
    recordSetting(rd.result, setting);
    return;
  }
  if (out.skip) return;
  if (out.bool !== undefined) {
    setting.bool = out.bool;
    setting.values = [];
    // `false` for a switch is the same as leaving it out, but the hover still shows it.
  } else if (out.values) {
    const value = out.values[0] ?? '';
    const message = spec.type === 'nargs' ? null : checkValue(spec, value);
    // NeMo hands `model.*` values to its own model code, not to Megatron's argparse: a value outside the flag's
    // choices is not refused there (NeMo also has e.g. alibi/kerple/xpos position embeddings), so it is only noted.
    const nemoChoice = rd.result.kind === 'nemo' && spec.type === 'choice';
    if (message && nemoChoice) {
      rd.result.diagnostics.push({
        code: 'invalid-flag-value',
        severity: 'information',
        message: `${spelling}: '${value}' is not one of Megatron-LM's ${spec.name} choices (${(spec.choices ?? []).join(', ')}); NeMo passes it to its own model code without argparse's check, so it is left out here`,
        range: valueRange ?? entry.keyRange,
      });
      setting.invalid = true;
    } else if (message) {
      const suggestion = spec.type === 'choice' ? closeChoice(spec, value) : null;
      rd.result.diagnostics.push({
        code: 'invalid-flag-value',
        severity: 'error',
        message: `${spelling}: ${message}${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
        range: valueRange ?? entry.keyRange,
      });
      setting.invalid = true;
    } else setting.values = out.values;
  }
  recordSetting(rd.result, setting);
}

/** NeMo: `model.*` keys, the tokenizer library, `trainer.precision` and the trainer's device and node counts. */
function readNemo(rd: YamlReading): void {
  for (const m of NEMO_KEYS) {
    const entry = rd.entries.get(m.path);
    const spec = flagSpec(m.flag);
    if (entry && spec) addSetting(rd, entry, spec, m.transform, m.path);
  }
  // NeMo names Hugging Face tokenizers by model id in `type`; Megatron calls that HuggingFaceTokenizer.
  const library = rd.entries.get('model.tokenizer.library');
  const tokType = rd.result.settings.get('--tokenizer-type');
  if (library?.text === 'huggingface' && tokType?.values) {
    if (!rd.result.settings.has('--tokenizer-model')) {
      const model: FlagSetting = { ...tokType, spec: flagSpec('--tokenizer-model')!, values: [...tokType.values] };
      rd.result.settings.set('--tokenizer-model', model);
    }
    tokType.values = ['HuggingFaceTokenizer'];
  }
  const precision = rd.entries.get('trainer.precision');
  if (precision) {
    const r = rd.resolve(precision);
    const t = r.text;
    const flag =
      t === null
        ? null
        : /^(bf16|bf16-mixed|bf16-true)$/.test(t)
          ? '--bf16'
          : /^(16|16-mixed|fp16)$/.test(t)
            ? '--fp16'
            : /^(32|32-true|fp32|64)$/.test(t)
              ? ''
              : null;
    if (flag === null && t !== null) {
      rd.result.diagnostics.push({
        code: 'invalid-flag-value',
        severity: 'error',
        message: `trainer.precision must be 16, 32, bf16, bf16-mixed or 16-mixed, got '${t}'`,
        range: precision.valueRange ?? precision.keyRange,
      });
    } else if (flag)
      addSetting(rd, { ...precision, text: 'true' }, flagSpec(flag)!, () => ({ bool: true }), 'trainer.precision');
  }
  rd.result.devices = trainerCount(
    rd.entries.get('trainer.devices'),
    rd.resolve,
    'trainer.devices',
    rd.result.diagnostics,
    true,
  );
  rd.result.nodes = trainerCount(
    rd.entries.get('trainer.num_nodes'),
    rd.resolve,
    'trainer.num_nodes',
    rd.result.diagnostics,
    false,
  );
}

/** Megatron --yaml-cfg: top-level keys and the `language_model:` / `model_parallel:` sections are flag names. */
function readYamlCfg(rd: YamlReading): void {
  for (const [path, entry] of rd.entries) {
    const parts = path.split('.');
    const leaf = parts[parts.length - 1] ?? path;
    const inSection =
      parts.length === 1 || (parts.length === 2 && (parts[0] === 'language_model' || parts[0] === 'model_parallel'));
    if (!inSection || (entry.node && isMap(entry.node))) continue;
    const special = YAML_CFG_SPECIAL[leaf];
    const spec = special ? flagSpec(special[0]) : lookupFlag('--' + leaf)?.spec;
    if (spec) addSetting(rd, entry, spec, special?.[1], path);
  }
}

/** Functional tests: `MODEL_ARGS:` maps `--flag: value`, `ENV_VARS:` the environment. */
function readFunctionalTest(rd: YamlReading): void {
  const args = rd.entries.get('MODEL_ARGS');
  if (args?.node && isMap(args.node)) {
    for (const pair of args.node.items) {
      const key = scalarText(pair.key as Node);
      if (!key) continue;
      const entry = rd.entries.get(`MODEL_ARGS.${key}`);
      if (!entry) continue;
      const found = lookupFlag(key);
      if (!found) {
        if (key.startsWith('--'))
          rd.result.diagnostics.push({
            code: 'unknown-flag',
            severity: 'information',
            message: `${key} is not a Megatron-LM flag Schedule Inspector knows; upstream Megatron rejects unknown flags, but forks add their own, so it is ignored here`,
            range: entry.keyRange,
          });
        continue;
      }
      addSetting(
        rd,
        entry,
        found.spec,
        found.negated
          ? (t) => {
              const b = asSwitch(t);
              return 'bool' in b ? { bool: !b.bool } : b;
            }
          : undefined,
        key,
      );
    }
  }
  const env = rd.entries.get('ENV_VARS');
  if (env?.node && isMap(env.node)) {
    for (const pair of env.node.items) {
      const key = scalarText(pair.key as Node);
      const entry = key ? rd.entries.get(`ENV_VARS.${key}`) : undefined;
      if (key && entry) rd.result.env.set(key, { value: entry.text, range: entry.valueRange ?? entry.keyRange });
    }
  }
}

/** The parser's errors, each pointed at the line a user would fix. */
function syntaxDiagnostics(docs: Document[], index: LineIndex): CoreDiagnostic[] {
  const syntax: CoreDiagnostic[] = [];
  for (const doc of docs) {
    for (const err of doc.errors) {
      const [s, e] = err.pos;
      let range = index.range(s, Math.max(e, s + 1));
      // The parser notices an unclosed flow collection only where it ends; point at the line that opened it.
      if (/flow/i.test(err.message)) {
        for (let line = range.line, seen = 0; line >= 0 && seen < 50; line--, seen++) {
          const lt = index.lineText(line);
          const open =
            lt.lastIndexOf('[') > lt.lastIndexOf(']')
              ? lt.lastIndexOf('[')
              : lt.lastIndexOf('{') > lt.lastIndexOf('}')
                ? lt.lastIndexOf('{')
                : -1;
          if (open >= 0) {
            range = { line, column: open, endLine: line, endColumn: lt.length };
            break;
          }
        }
      }
      syntax.push({
        code: 'yaml-syntax',
        severity: 'error',
        message: `YAML syntax error: ${err.message.split('\n')[0]}`,
        range,
      });
    }
  }
  return syntax;
}

function trainerCount(
  entry: Entry | undefined,
  resolve: (e: Entry) => Resolved,
  what: string,
  diagnostics: CoreDiagnostic[],
  isDevices: boolean,
): ResolvedNumber {
  if (!entry) {
    return isDevices
      ? { value: null, source: { status: 'unresolved', reason: `${what} is not set` } }
      : { value: 1, source: { status: 'default', note: `${what} defaults to 1` } };
  }
  const r = resolve(entry);
  const base = {
    range: entry.valueRange ? span(entry.keyRange, entry.valueRange) : entry.keyRange,
    ...(entry.valueRange && { valueRange: entry.valueRange }),
    origins: r.origins,
    flag: what,
  };
  if (r.text !== null && /^\d+$/.test(r.text) && Number(r.text) > 0)
    return { value: Number(r.text), source: { status: 'explicit', ...base } };
  if (isDevices && r.text !== null && /^(-1|auto)$/.test(r.text)) {
    diagnostics.push({
      code: 'unresolved-value',
      severity: 'information',
      message: `${what}: ${r.text} means "every GPU of the node", only known at run time; assuming ${ASSUMED_GPUS_PER_NODE} GPUs per node. Write the number to make the analysis exact`,
      range: entry.valueRange ?? entry.keyRange,
    });
    return {
      value: ASSUMED_GPUS_PER_NODE,
      source: { status: 'derived', ...base, note: `assumed ${ASSUMED_GPUS_PER_NODE} (${what}: ${r.text})` },
    };
  }
  if (r.text === null) {
    diagnostics.push({
      code: 'unresolved-value',
      severity: 'warning',
      message: `${what} cannot be resolved statically (${r.reason}); the world size is unknown`,
      range: entry.valueRange ?? entry.keyRange,
    });
  } else {
    diagnostics.push({
      code: 'invalid-flag-value',
      severity: 'error',
      message: `${what} must be a positive integer, got '${r.text}'`,
      range: entry.valueRange ?? entry.keyRange,
    });
  }
  return {
    value: null,
    source: {
      status: 'unresolved',
      ...base,
      reason: r.text === null ? (r.reason ?? 'unknown') : `'${r.text}' is not a count`,
    },
  };
}
