// Where a flag that a YAML launch config does not mention yet is added: as a new key in the section the
// format keeps it in (NeMo `model:`, `--yaml-cfg` `model_parallel:` / `language_model:` / top level,
// functional-test `MODEL_ARGS:`), inserted before the section's first key with the same indentation.
import { isMap, isPair, parseDocument, type Node, type YAMLMap } from 'yaml';
import type { TextEdit } from '../types';
import { LineIndex } from '../text/lineIndex';
import { detectYamlKind, NEMO_KEYS } from '../yaml/reader';

const YAML_CFG_PARALLEL = new Set([
  'tensor_model_parallel_size',
  'pipeline_model_parallel_size',
  'context_parallel_size',
  'sequence_parallel',
  'expert_model_parallel_size',
  'bf16',
  'fp16',
]);
const YAML_CFG_MODEL = new Set([
  'num_layers',
  'hidden_size',
  'ffn_hidden_size',
  'num_attention_heads',
  'kv_channels',
  'num_query_groups',
  'normalization',
  'hidden_dropout',
  'attention_dropout',
  'recompute_granularity',
  'recompute_method',
  'recompute_num_layers',
  'num_moe_experts',
  'moe_router_topk',
]);

function keysOf(map: YAMLMap, prefix: string, out: Set<string>, depth: number): void {
  if (depth > 4) return;
  for (const pair of map.items) {
    if (!isPair(pair)) continue;
    const k = (pair.key as { value?: unknown })?.value;
    if (typeof k !== 'string') continue;
    const path = prefix ? `${prefix}.${k}` : k;
    out.add(path);
    if (isMap(pair.value)) keysOf(pair.value, path, out, depth + 1);
  }
}

function mapAt(root: YAMLMap, path: string[]): YAMLMap | null {
  let cur: YAMLMap = root;
  for (const p of path) {
    const next = cur.get(p, true) as Node | undefined;
    if (!next || !isMap(next)) return null;
    cur = next;
  }
  return cur;
}

/**
 * The `model.<key>` NeMo reads as `canonical`, when writing `value` there means that value: a key without a
 * transform, or one whose transform passes the value through unchanged (`activations_checkpoint_granularity:
 * selective` is read as `--recompute-granularity selective`). Keys that turn the value into something else
 * (`model.activation` → `--swiglu`) are left alone: the text written would not say what the flag says.
 */
export function nemoKeyFor(canonical: string, value: string): { path: string } | null {
  for (const k of NEMO_KEYS) {
    if (k.flag !== canonical || !k.path.startsWith('model.') || k.path.split('.').length !== 2) continue;
    if (!k.transform) return k;
    const read = k.transform(value);
    if ('values' in read && read.values?.length === 1 && read.values[0] === value) return k;
  }
  return null;
}

export function planYamlInsertion(text: string, canonical: string, value: string): TextEdit | null {
  const doc = parseDocument(text);
  if (!doc.contents || !isMap(doc.contents)) return null;
  const root = doc.contents;
  const keys = new Set<string>();
  keysOf(root, '', keys, 0);
  const kind = detectYamlKind(keys);
  let section: YAMLMap | null = null;
  let key: string | null = null;
  const yamlValue = value === '' ? 'true' : value;
  if (kind === 'functional-test') {
    section = mapAt(root, ['MODEL_ARGS']);
    key = canonical;
  } else if (kind === 'nemo') {
    const m = nemoKeyFor(canonical, yamlValue);
    if (!m) return null;
    section = mapAt(root, ['model']);
    key = m.path.slice('model.'.length);
  } else if (kind === 'megatron-yaml-cfg') {
    key = canonical.slice(2).replace(/-/g, '_');
    section = YAML_CFG_PARALLEL.has(key)
      ? mapAt(root, ['model_parallel'])
      : YAML_CFG_MODEL.has(key)
        ? mapAt(root, ['language_model'])
        : root;
  }
  if (!section || !key) return null;
  const firstPair = section.items.find((p) => isPair(p) && (p.key as Node)?.range);
  if (!firstPair) return null;
  const index = new LineIndex(text);
  const keyStart = (firstPair.key as Node).range![0];
  const pos = index.position(keyStart);
  const lineText = index.lineText(pos.line);
  // Block mappings only: a flow mapping `{a: 1}` has no line of its own to copy.
  if (lineText.slice(0, pos.column).trim() !== '') return null;
  const indent = lineText.slice(0, pos.column);
  return {
    range: { line: pos.line, column: 0, endLine: pos.line, endColumn: 0 },
    newText: `${indent}${key}: ${yamlValue}\n`,
  };
}
