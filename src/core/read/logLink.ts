// Where a launch file's training log is (issue 19): a `# schedule-inspector: log=PATH` directive, or the file the
// launch tees its output to (`… | tee logs/run.log`, `| tee -a "$LOG_DIR/train.log"` with the variable known). The
// path is returned as written (relative paths are the caller's to resolve against the file's folder); nothing is
// opened here. Profiler traces to overlay on the timeline have their own directive, `trace=` (findTraceLinks).
import type { SourceRange } from '../types';

export interface LogLink {
  path: string;
  range: SourceRange;
  how: 'directive' | 'tee';
}

const DIRECTIVE = /#\s*schedule-inspector:\s*log\s*=\s*("[^"]+"|'[^']+'|\S+)/i;
/** `| tee [-a|--append|-i|-p] PATH` — the first non-option word after tee. */
const TEE = /\|\s*tee((?:\s+-{1,2}[a-z-]+)*)\s+("[^"]*"|'[^']*'|[^\s|;&>)]+)/g;
/** Lines scanned: longer files are not launch scripts anyone tees from. */
const MAX_LINES = 20_000;

const unquote = (s: string): string => (/^(["']).*\1$/.test(s) ? s.slice(1, -1) : s);

/**
 * The links in the order found: a directive first (it is the user's word), then tee targets. `resolveVar` expands
 * `$NAME` / `${NAME}` in a tee target when the caller knows the variable; a target it cannot expand is skipped.
 */
export function findLogLinks(
  text: string,
  resolveVar: (name: string) => string | null = literalAssignments(text),
): LogLink[] {
  const directives: LogLink[] = [];
  const tees: LogLink[] = [];
  const lines = text.split('\n', MAX_LINES);
  lines.forEach((line, i) => {
    const d = DIRECTIVE.exec(line);
    if (d) {
      const word = d[1] as string;
      const column = d.index + d[0].length - word.length;
      directives.push({
        path: unquote(word),
        range: { line: i, column, endLine: i, endColumn: column + word.length },
        how: 'directive',
      });
      return;
    }
    const comment = line.indexOf('#');
    for (const m of line.matchAll(TEE)) {
      if (comment >= 0 && m.index >= comment) break;
      const word = m[2] as string;
      const path = expand(unquote(word), resolveVar);
      if (path === null || path === '' || path === '/dev/null' || path.startsWith('/dev/')) continue;
      const column = m.index + m[0].length - word.length;
      tees.push({ path, range: { line: i, column, endLine: i, endColumn: column + word.length }, how: 'tee' });
    }
  });
  return [...directives, ...tees];
}

function expand(path: string, resolveVar: (name: string) => string | null): string | null {
  let unknown = false;
  const out = path.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, braced: string | undefined, bare: string | undefined) => {
    const v = resolveVar((braced ?? bare) as string);
    if (v === null) unknown = true;
    return v ?? '';
  });
  return unknown || /[`$(]/.test(out) ? null : out;
}

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_]\w*)=("[^"$`]*"|'[^']*'|[^\s"'$`;&|]*)\s*(?:#.*)?$/;

/**
 * Variables assigned one literal value in the file (`LOG_DIR=logs`); assigned twice with different values, or from
 * anything but a literal, they are unknown — a tee target built from them is then not followed.
 */
export function literalAssignments(text: string): (name: string) => string | null {
  const values = new Map<string, string | null>();
  for (const line of text.split('\n', MAX_LINES)) {
    const m = ASSIGNMENT.exec(line);
    const name = m?.[1] ?? /^\s*(?:export\s+)?([A-Za-z_]\w*)=/.exec(line)?.[1];
    if (!name) continue;
    const value = m ? unquote(m[2] as string) : null;
    values.set(name, values.has(name) && values.get(name) !== value ? null : value);
  }
  return (name) => values.get(name) ?? null;
}

const TRACE_DIRECTIVE = /#\s*schedule-inspector:\s*trace\s*=\s*("[^"]+"|'[^']+'|\S+)/i;

/**
 * Profiler traces named by `# schedule-inspector: trace=PATH[,PATH…]` (one Chrome-trace JSON per rank, as
 * torch.profiler's tensorboard_trace_handler writes them), in the order written; paths as written, like log=.
 */
export function findTraceLinks(text: string): LogLink[] {
  const out: LogLink[] = [];
  text.split('\n', MAX_LINES).forEach((line, i) => {
    const d = TRACE_DIRECTIVE.exec(line);
    if (!d) return;
    const word = d[1] as string;
    // Column of the path list's first character (past an opening quote).
    let column = d.index + d[0].length - word.length + (/^["']/.test(word) ? 1 : 0);
    for (const part of unquote(word).split(',')) {
      const start = column;
      column += part.length + 1;
      if (part.trim() === '') continue;
      out.push({
        path: part.trim(),
        range: { line: i, column: start, endLine: i, endColumn: start + part.length },
        how: 'directive',
      });
    }
  });
  return out;
}
