// The one place that turns "set flag X to V" (or "remove X") into text edits. Quick fixes, the memory
// recommendation and the webview's "Apply to file" all call planFlagEdit, so an edit always lands where the
// value is defined: the variable definition the flag reads (`TP=8` → `TP=4`), else the value token, else a new
// ` --flag value` after the last argument (continuation-line style when the command spans lines).
import type { FlagOccurrence, LaunchConfigRead, SourceRange, TextEdit } from '../types';
import { flagSpec, lookupFlag } from '../megatron/flags/lookup';
import { LineIndex } from '../text/lineIndex';
import { overlaps } from '../text/ranges';
import { planYamlInsertion } from './yamlInsertion';

function textAt(index: LineIndex, r: SourceRange): string {
  return index.text.slice(index.offset(r.line, r.column), index.offset(r.endLine, r.endColumn));
}

function unquote(s: string): { inner: string; offset: number } {
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0])
    return { inner: s.slice(1, -1), offset: 1 };
  return { inner: s, offset: 0 };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Shell-quotes a value only when it needs it. */
function shellValue(v: string): string {
  return /^[A-Za-z0-9_./:,+=@%-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/**
 * Finds where `value` is written for this occurrence, following variable definitions first. A definition that
 * other flags also read (`--seq-length $S --max-position-embeddings $S`) is left alone: changing it would change
 * them too, so the value token at the flag is rewritten instead.
 */
function valueTarget(index: LineIndex, occ: FlagOccurrence, all: FlagOccurrence[]): SourceRange | null {
  const value = occ.value;
  if (value === null) return null;
  const startOffset = (r: SourceRange): number => index.offset(r.line, r.column);
  const others = all.filter((o) => o.flag !== occ.flag);
  // Only flags that take the same value from the definition count: `GBS=$((MB*DP))` reading TP through
  // arithmetic should follow a TP change, `--max-position-embeddings $SEQ` next to `--seq-length $SEQ` should not.
  const shared = (r: SourceRange): boolean =>
    others.some(
      (o) =>
        o.value === value &&
        (o.origins.some((x) => overlaps(x.range, r)) || (o.valueRange !== undefined && overlaps(o.valueRange, r))),
    );
  // Follow the chain from the flag outwards while each step is a plain copy (`$TP`, `${TP:-8}`, an array
  // element); stop at arithmetic or concatenation, where a digit that happens to equal the value is not it.
  for (const { range: r } of occ.origins) {
    if (shared(r)) break;
    const raw = textAt(index, r);
    const { inner, offset } = unquote(raw);
    if (inner === value) return index.range(startOffset(r) + offset, startOffset(r) + offset + inner.length);
    // `${TP:-8}` / `${TP-8}` / `${TP:=8}`: rewrite the default.
    const dflt = /^\$\{\w+:?[-=]"?([^}"]*)"?\}$/.exec(inner);
    if (dflt && dflt[1] === value) {
      const at = inner.lastIndexOf(value);
      return index.range(startOffset(r) + offset + at, startOffset(r) + offset + at + value.length);
    }
    // The flag and its value written inside an options string or array: `"--tp 8 --pp 2"`.
    const m = new RegExp(`${escapeRegExp(occ.spelling)}(\\s+|=)["']?(${escapeRegExp(value)})(?=["'\\s)]|$)`).exec(raw);
    if (m) {
      // The second group matched `value` itself.
      const at = m.index + m[0].length - value.length;
      return index.range(startOffset(r) + at, startOffset(r) + at + value.length);
    }
    const plainCopy = /^\$(\w+|\{\w+(:?[-=][^}]*)?\})$/.test(inner) || /^\$\{\.*[\w.]+\}$/.test(inner);
    if (!plainCopy) break;
  }
  if (occ.valueRange) {
    const raw = textAt(index, occ.valueRange);
    const { inner, offset } = unquote(raw);
    if (inner === value) {
      const s = startOffset(occ.valueRange) + offset;
      return index.range(s, s + inner.length);
    }
    // `$GLOBAL_BATCH` computed by arithmetic: write the literal at the flag, unless the token also expands to
    // other arguments (`${ARGS[@]}`).
    const alone = !others.some(
      (o) => overlaps(o.range, occ.valueRange!) || (o.valueRange && overlaps(o.valueRange, occ.valueRange!)),
    );
    if (alone && !/\[[@*]\]|\s/.test(raw)) return occ.valueRange;
  }
  return null;
}

/** Where the occurrence's `--flag value` is literally written, or null when it came through an expansion we cannot map. */
function literalSpan(index: LineIndex, occ: FlagOccurrence): { start: number; end: number } | null {
  if (textAt(index, occ.range) === occ.spelling) {
    const start = index.offset(occ.range.line, occ.range.column);
    const endRange = occ.valueRange ?? occ.range;
    return { start, end: index.offset(endRange.endLine, endRange.endColumn) };
  }
  for (const o of occ.origins) {
    const raw = textAt(index, o.range);
    const valuePart = occ.value === null ? '' : `(?:\\s+|=)["']?${escapeRegExp(occ.value)}["']?`;
    const m = new RegExp(`(^|[\\s("'])(${escapeRegExp(occ.spelling)}${valuePart})(?=[\\s)"']|$)`).exec(raw);
    if (m) {
      const [, lead = '', written = ''] = m;
      const start = index.offset(o.range.line, o.range.column) + m.index + lead.length;
      return { start, end: start + written.length };
    }
  }
  return null;
}

/** Deletes a span, and its line when nothing but whitespace and a continuation backslash would remain. */
function deletion(index: LineIndex, start: number, end: number, yamlLine: boolean): TextEdit {
  const a = index.position(start);
  const b = index.position(end);
  const before = index.lineText(a.line).slice(0, a.column);
  const after = index.lineText(b.line).slice(b.column);
  if (yamlLine || (before.trim() === '' && /^\s*\\?\s*$/.test(after))) {
    // Whole line(s) go, newline included.
    const lineStart = index.offset(a.line, 0);
    const nextLineStart = index.lineStart(b.line + 1);
    if (!yamlLine && after.trim() === '' && /\\\s*$/.test(before + after) === false) {
      // The removed flag ended the command: keep the previous line's continuation from dangling.
      const prev = a.line > 0 ? index.lineText(a.line - 1) : '';
      const m = /\s*\\\s*$/.exec(prev);
      if (m && a.line > 0) {
        const prevEnd = index.offset(a.line - 1, prev.length);
        return {
          range: index.range(prevEnd - m[0].length, index.offset(b.line, index.lineText(b.line).length)),
          newText: '',
        };
      }
    }
    return { range: index.range(lineStart, nextLineStart), newText: '' };
  }
  // Take one run of preceding spaces with it so no double space is left.
  let s = start;
  while (s > 0 && (index.text[s - 1] === ' ' || index.text[s - 1] === '\t')) s--;
  if (s === index.offset(a.line, 0)) s = start;
  return { range: index.range(s, end), newText: '' };
}

/**
 * Edits that set `flag` to `value` (a store_true flag: any non-null value other than "false" means present),
 * or remove it when value is null. `flag` may be any accepted spelling. Returns [] when nothing needs to change
 * or the file gives no place to put it.
 */
export function planFlagEdit(text: string, read: LaunchConfigRead, flag: string, value: string | null): TextEdit[] {
  const index = new LineIndex(text);
  const spec = lookupFlag(flag)?.spec ?? flagSpec(flag);
  const canonical = spec?.name ?? flag;
  const isSwitch = spec?.type === 'store_true' || spec?.type === 'store_false';
  const occurrences = read.flags.filter((o) => o.flag === canonical);
  const yaml = read.format === 'yaml';
  const removing = value === null || (isSwitch && value === 'false');

  if (removing) {
    const edits: TextEdit[] = [];
    for (const occ of occurrences) {
      if (yaml) {
        // YAML occurrences point at the key itself; the key's whole line (and a multi-line value) goes.
        const a = { line: occ.range.line };
        const endRange = occ.valueRange ?? occ.range;
        edits.push(
          deletion(
            index,
            index.offset(a.line, 0),
            index.offset(endRange.endLine, index.lineText(endRange.endLine).length),
            true,
          ),
        );
        continue;
      }
      const sp = literalSpan(index, occ);
      if (sp) edits.push(deletion(index, sp.start, sp.end, false));
    }
    return dedupeEdits(edits);
  }

  const last = occurrences[occurrences.length - 1];
  if (last) {
    if (isSwitch) {
      // `--no-x` present: turn it into `--x`; `--x` present: nothing to do.
      if (last.spelling !== canonical && !yaml && lookupFlag(last.spelling)?.negated)
        return [{ range: last.range, newText: canonical }];
      if (yaml && last.valueRange && /^(false|False|no)$/.test(textAt(index, last.valueRange)))
        return [{ range: last.valueRange, newText: 'true' }];
      return [];
    }
    if (last.value === value) return [];
    const target = valueTarget(index, last, read.flags);
    if (target) return [{ range: target, newText: yaml ? value : shellValue(value) }];
  }

  if (yaml) {
    const edit = planYamlInsertion(text, canonical, isSwitch ? 'true' : value);
    return edit ? [edit] : [];
  }
  // Append: argparse keeps the last occurrence, so a trailing flag wins over any earlier one.
  let anchor = read.editContext?.lastArgRange ?? null;
  if (!anchor && read.commandRange) {
    const c = read.commandRange;
    anchor = { line: c.endLine, column: c.endColumn, endLine: c.endLine, endColumn: c.endColumn };
  }
  if (!anchor) {
    for (const o of read.flags) {
      const r = o.valueRange ?? o.range;
      if (!anchor || r.endLine > anchor.endLine || (r.endLine === anchor.endLine && r.endColumn > anchor.endColumn))
        anchor = r;
    }
  }
  if (!anchor) return [];
  const lineText = index.lineText(anchor.endLine);
  const rest = lineText.slice(anchor.endColumn);
  const newFlag = isSwitch ? canonical : `${canonical} ${shellValue(value)}`;
  const at = { line: anchor.endLine, column: anchor.endColumn, endLine: anchor.endLine, endColumn: anchor.endColumn };
  const multiLine = read.commandRange !== null && read.commandRange.line !== read.commandRange.endLine;
  if (multiLine && !/^\s*\\\s*$/.test(rest)) {
    const prevLine = anchor.endLine > 0 ? index.lineText(anchor.endLine - 1) : '';
    const indentSource = /\\\s*$/.test(prevLine) ? lineText : prevLine;
    const indent = /^\s*/.exec(indentSource)![0] || '  ';
    return [{ range: at, newText: ` \\\n${indent}${newFlag}` }];
  }
  return [{ range: at, newText: ` ${newFlag}` }];
}

function dedupeEdits(edits: TextEdit[]): TextEdit[] {
  const seen = new Set<string>();
  return edits.filter((e) => {
    const k = `${e.range.line}:${e.range.column}:${e.range.endLine}:${e.range.endColumn}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Applies non-overlapping edits to a text (tests, CLI previews). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const index = new LineIndex(text);
  const withOffsets = edits
    .map((e) => ({
      start: index.offset(e.range.line, e.range.column),
      end: index.offset(e.range.endLine, e.range.endColumn),
      text: e.newText,
    }))
    .sort((x, y) => y.start - x.start);
  let out = text;
  for (const e of withOffsets) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
