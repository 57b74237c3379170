// Test helpers: hand-built ShellWords and BashReadResults for literal commands, so the argument interpreter,
// resolver and validator can be tested independently of the bash reader.
import type { BashReadResult, LaunchInvocation, LauncherInfo, ShellWord } from '../../src/core/bash/types';
import type { Origin, SourceRange } from '../../src/core/types';

export function r(line: number, column: number, endColumn: number, endLine = line): SourceRange {
  return { line, column, endLine, endColumn };
}

/** Literal words of a text: whitespace-separated, quotes stripped, `\`-newline continuations followed. */
export function literalWords(text: string, fromLine = 0): ShellWord[] {
  const lines = text.split('\n');
  const words: ShellWord[] = [];
  for (let li = fromLine; li < lines.length; li++) {
    const line = lines[li];
    const re = /"[^"]*"|'[^']*'|[^\s]+/g;
    let m: RegExpExecArray | null;
    let continued = false;
    while ((m = re.exec(line))) {
      if (m[0] === '\\' && m.index + 1 === line.trimEnd().length) {
        continued = true;
        break;
      }
      const raw = m[0];
      const quoted = raw[0] === '"' || raw[0] === "'";
      words.push({ text: quoted ? raw.slice(1, -1) : raw, range: r(li, m.index, m.index + raw.length), origins: [] });
    }
    if (!continued) break;
  }
  return words;
}

export interface CommandOptions {
  launcher?: Partial<LauncherInfo> & { kind: LauncherInfo['kind'] };
  env?: Record<string, ShellWord>;
  diagnostics?: BashReadResult['diagnostics'];
  /** Replace words (by index in the literal word list) with hand-built ones. */
  patch?: (words: ShellWord[]) => void;
}

/**
 * A BashReadResult for a literal command: the words after the entry script (the first word ending in .py)
 * become args, the launcher is given by the caller.
 */
export function literalBash(text: string, opts: CommandOptions = {}): BashReadResult {
  const lines = text.split('\n');
  const startLine = lines.findIndex((l) => /\.py\b/.test(l) || /^\s*(torchrun|python|deepspeed|srun)\b/.test(l));
  const words = literalWords(text, startLine);
  opts.patch?.(words);
  const entryIndex = words.findIndex((w) => /\.py$/.test(w.text ?? ''));
  const last = words[words.length - 1];
  const pre = words.slice(0, entryIndex);
  const valueAfter = (...names: string[]): ShellWord | null => {
    for (let i = 0; i < pre.length; i++) {
      const t = pre[i].text ?? '';
      for (const n of names) {
        if (t === n) return pre[i + 1] ?? null;
        if (t.startsWith(n + '=')) {
          const eq = n.length + 1;
          return {
            text: t.slice(eq),
            range: r(pre[i].range.line, pre[i].range.column + eq, pre[i].range.endColumn),
            origins: [],
          };
        }
      }
    }
    return null;
  };
  let launchers: LauncherInfo[] = [];
  if (opts.launcher)
    launchers = [{ range: words[0].range, gpusPerNode: null, nodes: null, totalProcesses: null, ...opts.launcher }];
  else if (pre[0]?.text === 'torchrun')
    launchers = [
      {
        kind: 'torchrun',
        range: pre[0].range,
        gpusPerNode: valueAfter('--nproc_per_node', '--nproc-per-node'),
        nodes: valueAfter('--nnodes'),
        totalProcesses: null,
      },
    ];
  else if (pre[0]?.text === 'deepspeed')
    launchers = [
      {
        kind: 'deepspeed',
        range: pre[0].range,
        gpusPerNode: valueAfter('--num_gpus'),
        nodes: valueAfter('--num_nodes'),
        totalProcesses: null,
      },
    ];
  const inv: LaunchInvocation = {
    launchers,
    entry: words[entryIndex],
    args: words.slice(entryIndex + 1),
    range: {
      line: words[0].range.line,
      column: words[0].range.column,
      endLine: last.range.endLine,
      endColumn: last.range.endColumn,
    },
    conditional: false,
  };
  return {
    invocations: [inv],
    slurm: { nodes: null, ntasksPerNode: null, gpusPerNode: null },
    env: new Map(Object.entries(opts.env ?? {})),
    diagnostics: opts.diagnostics ?? [],
  };
}

export function word(text: string | null, range: SourceRange, origins: Origin[] = [], reason?: string): ShellWord {
  return reason === undefined ? { text, range, origins } : { text, range, origins, reason };
}
