// The values of a YAML launch config, before any Megatron meaning: the document flattened into dotted-path entries,
// and each entry's scalar with its OmegaConf interpolations resolved (or the reason it cannot be, statically).
import { isMap, isPair, isScalar, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Origin, SourceRange } from '../types';
import type { LineIndex } from '../text/lineIndex';

/** The launch-config format (detectYamlKind in reader.ts): it decides what an unresolved `${X}` means. */
export type YamlKind = 'nemo' | 'megatron-yaml-cfg' | 'functional-test';

export interface Entry {
  path: string;
  pair: Pair;
  keyRange: SourceRange;
  valueRange: SourceRange | null;
  /** Raw scalar source text (null for collections). */
  text: string | null;
  node: Node | null;
}

const MAX_NODES = 50_000;
const MAX_DEPTH = 32;

export function scalarText(node: Node | null | undefined): string | null {
  if (!node || !isScalar(node)) return null;
  if (node.value === null) return 'null';
  // Plain scalars keep their source spelling so `1e-5`, `16`, `bf16-mixed` are read as written.
  const src = (node as { source?: string }).source;
  return typeof src === 'string' && node.type === 'PLAIN' ? src : String(node.value);
}

/** Flattens mappings into dotted paths (sequences are leaves). Bounded in node count and depth. */
export function flatten(doc: Document, index: LineIndex): Map<string, Entry> {
  const out = new Map<string, Entry>();
  let count = 0;
  const rangeOf = (n: { range?: [number, number, number] | null } | null | undefined): SourceRange | null =>
    n && n.range ? index.range(n.range[0], n.range[1]) : null;
  const walk = (map: YAMLMap, prefix: string, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    for (const pair of map.items) {
      if (++count > MAX_NODES) return;
      if (!isPair(pair)) continue;
      const keyText = scalarText(pair.key as Node);
      if (keyText === null) continue;
      const path = prefix ? `${prefix}.${keyText}` : keyText;
      const value = pair.value as Node | null;
      const keyRange = rangeOf(pair.key as Node) ?? { line: 0, column: 0, endLine: 0, endColumn: 0 };
      out.set(path, {
        path,
        pair,
        keyRange,
        valueRange: rangeOf(value),
        text: isScalar(value) ? scalarText(value) : null,
        node: value,
      });
      if (value && isMap(value)) walk(value, path, depth + 1);
    }
  };
  if (doc.contents && isMap(doc.contents)) walk(doc.contents, '', 0);
  return out;
}

export interface Resolved {
  text: string | null;
  reason?: string | undefined;
  origins: Origin[];
}

/**
 * OmegaConf interpolation: `${a.b}`, relative `${.x}` / `${..x}`, `${multiply:a,b}`, `${oc.env:VAR,default}`.
 * Megatron `--yaml-cfg` substitutes `${ENV}` from the environment instead; both are unknown when they
 * reach outside the file.
 */
export function makeResolver(entries: Map<string, Entry>, kind: YamlKind | null): (entry: Entry) => Resolved {
  const memo = new Map<string, Resolved>();
  const resolveEntry = (entry: Entry, depth: number): Resolved => {
    const cached = memo.get(entry.path);
    if (cached) return cached;
    if (depth > 16)
      return { text: null, reason: `interpolation of ${entry.path} is nested too deeply or cyclic`, origins: [] };
    const text = entry.text;
    let result: Resolved;
    if (text === null) result = { text: null, reason: `${entry.path} is not a scalar`, origins: [] };
    else if (text === '???')
      result = { text: null, reason: `${entry.path} is '???' (mandatory, set on the command line)`, origins: [] };
    else if (!text.includes('${')) result = { text, origins: [] };
    else result = interpolate(text, entry.path, depth);
    memo.set(entry.path, result);
    return result;
  };
  const lookup = (ref: string, from: string): Entry | undefined => {
    if (ref.startsWith('.')) {
      const ups = /^\.+/.exec(ref)![0].length;
      const parts = from.split('.');
      const base = parts.slice(0, Math.max(0, parts.length - ups)).join('.');
      const rest = ref.slice(ups);
      return entries.get(base ? `${base}.${rest}` : rest);
    }
    return entries.get(ref);
  };
  const evalExpr = (expr: string, from: string, depth: number): Resolved => {
    const e = expr.trim();
    const resolver = /^([A-Za-z_][\w.]*):(.*)$/s.exec(e);
    if (resolver && !/^[\w.]+$/.test(e)) {
      const [, name = '', argText = ''] = resolver;
      const args = splitArgs(argText).map((a) =>
        a.trim().startsWith('${')
          ? interpolate(a.trim(), from, depth + 1)
          : { text: a.trim(), origins: [] as Origin[] },
      );
      if (name === 'oc.env') {
        const fallback = args[1];
        return fallback
          ? { text: fallback.text, origins: [] }
          : { text: null, reason: `\${oc.env:${args[0]?.text ?? ''}} reads the environment at run time`, origins: [] };
      }
      return applyResolver(name, args);
    }
    if (kind === 'megatron-yaml-cfg' || kind === 'functional-test') {
      return { text: null, reason: `\${${e}} is substituted from the environment at run time`, origins: [] };
    }
    const target = lookup(e, from);
    if (!target)
      return {
        text: null,
        reason: `\${${e}} does not name a key in this file (set by Hydra defaults or the command line)`,
        origins: [],
      };
    const r = resolveEntry(target, depth + 1);
    const origin: Origin = { name: target.path, range: target.valueRange ?? target.keyRange };
    return { text: r.text, reason: r.reason, origins: [origin, ...r.origins] };
  };
  const interpolate = (text: string, from: string, depth: number): Resolved => {
    // Whole-value interpolation keeps the type; embedded ones are string concatenation.
    const pieces: string[] = [];
    const origins: Origin[] = [];
    let i = 0;
    while (i < text.length) {
      const start = text.indexOf('${', i);
      if (start < 0) {
        pieces.push(text.slice(i));
        break;
      }
      pieces.push(text.slice(i, start));
      let level = 0;
      let end = -1;
      for (let k = start; k < text.length; k++) {
        if (text.startsWith('${', k)) {
          level++;
          k++;
        } else if (text[k] === '}') {
          level--;
          if (level === 0) {
            end = k;
            break;
          }
        }
      }
      if (end < 0) return { text: null, reason: `unterminated interpolation in '${text}'`, origins };
      const r = evalExpr(text.slice(start + 2, end), from, depth);
      origins.push(...r.origins);
      if (r.text === null) return { text: null, reason: r.reason, origins };
      pieces.push(r.text);
      i = end + 1;
    }
    return { text: pieces.join(''), origins };
  };
  return (entry) => resolveEntry(entry, 0);
}

/** OmegaConf's arithmetic resolvers (`${multiply:a,b}` …) over already-interpolated arguments. */
function applyResolver(name: string, args: Resolved[]): Resolved {
  const bad = args.find((a) => a.text === null);
  if (bad) return bad;
  const nums = args.map((a) => Number(a.text));
  // A missing second operand reads as 0 (division by it is reported).
  const [x = 0, y = 0] = nums;
  const origins = args.flatMap((a) => a.origins);
  if (nums.some((n) => !Number.isFinite(n)))
    return { text: null, reason: `resolver ${name} got a non-number`, origins };
  switch (name) {
    case 'multiply':
      return { text: String(nums.reduce((acc, n) => acc * n, 1)), origins };
    case 'add':
    case 'sum':
      return { text: String(nums.reduce((acc, n) => acc + n, 0)), origins };
    case 'subtract':
      return { text: String(x - y), origins };
    case 'divide':
    case 'floor_divide':
    case 'int_div':
      return y
        ? { text: String(name === 'divide' ? x / y : Math.floor(x / y)), origins }
        : { text: null, reason: 'division by zero', origins };
    default:
      return { text: null, reason: `resolver \${${name}:…} is not known to Schedule Inspector`, origins };
  }
}

function splitArgs(s: string): string[] {
  const out: string[] = [];
  let level = 0;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (s.startsWith('${', i)) level++;
    else if (ch === '}') level--;
    if (ch === ',' && level === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
