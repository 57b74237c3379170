// The script's own arguments, when the file says what they are. Many launch scripts take their sizes as positional
// arguments (`TP=$10`, `MODEL_SIZE=$4`) and show how to call them in a comment at the top — Pai-Megatron-Patch's
// examples start with `# sh run_evaluate_megatron_baichuan.sh dsw /root/Megatron-LM-230512/ … 13B 1 2048 …`. Without
// arguments nothing can be simulated; with the usage example the file gets an analysis whose every value says it
// assumes that call. A directive (`# schedule-inspector: args=dsw 0.5B 1 8`) states the call outright.
// Both are read in one linear pass over at most the first MAX_HEADER_CHARS characters (directive: whole file).
import { readBash } from '../bash/reader';
import { LineIndex } from '../text/lineIndex';
import type { ScriptArgs, ScriptArgWord } from '../bash/types';
import type { DialectId, LaunchConfigRead } from '../types';
import { readBashLaunch } from './bashLaunch';

const DIRECTIVE = '# schedule-inspector: args=';
/** The usage example is looked for in the file's head only: that is where scripts document their call. */
const MAX_HEADER_CHARS = 8192;
/** Shell words that end the example's argument list (a pipe, a redirection, a command separator). */
const STOPS = new Set(['|', '||', '&&', ';', '&', '>', '>>', '<', '2>&1']);
const MAX_ARGS = 64;

/**
 * A bash launch read with the arguments the file states. A usage example is only taken when it fits: examples drift
 * from the script they document (a size that moved to another position, a model name no branch knows), and an
 * example whose call makes Megatron refuse more than the unknown call does is not how the script is run — the
 * file is then read without arguments, and an information diagnostic on the example says why.
 */
export function readBashScript(
  text: string,
  fileName: string | undefined,
  override: DialectId | null,
): LaunchConfigRead {
  const args = scriptArgsOf(text, fileName);
  const read = readBashLaunch(text, readBash(text, args), override);
  if (args?.source !== 'usage') return read;
  const plain = readBashLaunch(text, readBash(text), override);
  // Findings the example's values cause are warnings that name the example (the rules lower them): count them too.
  const mark = `usage example on line ${args.line + 1}`;
  const errors = (r: LaunchConfigRead): number =>
    r.diagnostics.filter((d) => d.severity === 'error' || (d.severity === 'warning' && d.message.includes(mark)))
      .length;
  if (errors(read) <= errors(plain)) return read;
  plain.diagnostics.push({
    code: 'unresolved-value',
    severity: 'information',
    message: `The usage example on line ${args.line + 1} does not fit this script (with its arguments Megatron would refuse ${errors(read) - errors(plain)} more setting${errors(read) - errors(plain) === 1 ? '' : 's'}), so the script's arguments stay unknown; add \`# schedule-inspector: args=…\` to analyse a call`,
    range: { line: args.line, column: 0, endLine: args.line, endColumn: 1 },
  });
  return plain;
}

/** The arguments a directive or the usage example gives, or null. */
function scriptArgsOf(text: string, fileName: string | undefined): ScriptArgs | null {
  const directive = findDirective(text);
  if (directive) return directive;
  const base = fileName ? fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1) : '';
  if (!base.endsWith('.sh')) return null;
  const example = findUsageExample(text, base);
  if (!example) return null;
  // An example with fewer arguments than the script reads would turn the rest into empty strings: not the call.
  return example.words.length >= highestPositional(text) ? example : null;
}

/** 0-based line of offset `at` (once per file: the directive or the example). */
const lineOf = (text: string, at: number): number => new LineIndex(text).position(at).line;

function findDirective(text: string): ScriptArgs | null {
  const at = text.indexOf(DIRECTIVE);
  if (at < 0 || (at > 0 && text.charCodeAt(at - 1) !== 10)) return null;
  const from = at + DIRECTIVE.length;
  const end = text.indexOf('\n', from);
  const words = splitWords(text, from, end < 0 ? text.length : end);
  return { words, line: lineOf(text, at), source: 'directive' };
}

/** `# sh run_x.sh a b c`, `#   bash examples/run_x.sh a b`, `# ./run_x.sh a`: a comment that calls this very file. */
function findUsageExample(text: string, base: string): ScriptArgs | null {
  const limit = Math.min(text.length, MAX_HEADER_CHARS);
  let start = 0;
  while (start < limit) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 || nl > limit ? limit : nl;
    if (text.charCodeAt(start) === 35 /* # */) {
      const words = splitWords(text, start + 1, end);
      const call = words.findIndex((w) => w.text === base || w.text.endsWith(`/${base}`));
      const prefix = words.slice(0, Math.max(0, call));
      if (call >= 0 && prefix.every((w) => /^(sh|bash|source|\.|nohup|time)$/.test(w.text)))
        return { words: words.slice(call + 1), line: lineOf(text, start), source: 'usage' };
    }
    start = end + 1;
  }
  return null;
}

/** Blank-separated words of text[from, to); '…' and "…" group (without escapes); stops at a pipe or redirection. */
function splitWords(text: string, from: number, to: number): ScriptArgWord[] {
  const words: ScriptArgWord[] = [];
  let k = from;
  while (k < to && words.length < MAX_ARGS) {
    while (k < to && (text[k] === ' ' || text[k] === '\t' || text[k] === '\r')) k++;
    if (k >= to) break;
    const quote = text[k] === '"' || text[k] === "'" ? text[k] : null;
    const s0 = k;
    let value: string;
    if (quote) {
      const close = text.indexOf(quote, k + 1);
      const stop = close < 0 || close >= to ? to : close;
      value = text.slice(k + 1, stop);
      k = stop + 1;
    } else {
      while (k < to && text[k] !== ' ' && text[k] !== '\t' && text[k] !== '\r') k++;
      value = text.slice(s0, k);
    }
    if (!quote && (STOPS.has(value) || value.startsWith('#'))) break;
    words.push({ text: value, s0, s1: Math.min(k, to) });
  }
  return words;
}

/** The largest N of `$N` / `${N}` / `${N:-…}` the script reads (1–99). */
function highestPositional(text: string): number {
  let max = 0;
  for (let k = text.indexOf('$'); k >= 0; k = text.indexOf('$', k + 1)) {
    let j = k + 1;
    if (text[j] === '{') j++;
    let n = 0;
    let digits = 0;
    while (digits < 2 && j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) {
      n = n * 10 + (text.charCodeAt(j) - 48);
      j++;
      digits++;
    }
    // `$10` is `${1}0` in bash: only a braced parameter has two digits.
    if (digits === 2 && text[k + 1] !== '{') n = Math.floor(n / 10);
    if (n > max) max = n;
  }
  return max;
}
