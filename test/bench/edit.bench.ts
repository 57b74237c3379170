// Issue 16 acceptance: per-edit re-analysis over the fixtures, the examples and the real launch files of the corpus
// (BENCH_CORPUS, default /work/corpus; skipped when absent), in a warm process, after a one-character value edit
// (the last digit of the file's first numeric flag or YAML value, else a space at the end of the first line).
// `edit`: analyze() with scope 'edit', what the editor runs on a keystroke (target p95 ≤ 15 ms, max ≤ 100 ms).
// `deferred`: scope 'full' on the same edited text, what runs once the user pauses (target ≤ 1 s for the slowest).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { BenchCorpus } from './bench';
import { analyze } from '../../src/core/analyze';
import { repoPath } from '../support/paths';

interface Input {
  name: string;
  fileName: string;
  text: string;
}

function filesUnder(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) filesUnder(path, out);
    else if (/\.(sh|bash|ya?ml)$/i.test(entry)) out.push(path);
  }
  return out;
}

/** The text after a one-character edit of a value. */
function edited(text: string): string {
  const m = /(--[\w-]+[ =]+|^\s*[\w.-]+:[ \t]+)(\d+)\b/m.exec(text);
  if (m) {
    const at = m.index + m[0].length - 1; // the value's last digit
    const digit = text.charCodeAt(at) - 48;
    return `${text.slice(0, at)}${(digit + 1) % 10}${text.slice(at + 1)}`;
  }
  const eol = text.indexOf('\n');
  return eol < 0 ? `${text} ` : `${text.slice(0, eol)} ${text.slice(eol)}`;
}

function inputs(): Input[] {
  const corpus = process.env['BENCH_CORPUS'] ?? '/work/corpus';
  const files = [
    ...filesUnder(repoPath('test/fixtures')),
    ...filesUnder(repoPath('test/integration/fixtures')),
    ...filesUnder(repoPath('media/examples')),
    ...filesUnder(corpus),
  ];
  return files.map((path) => {
    const text = readFileSync(path, 'utf8');
    const fileName = path.split('/').pop() ?? path;
    const name = path.startsWith(corpus) ? relative(corpus, path) : relative(repoPath(), path);
    return { name, fileName, text: edited(text) };
  });
}

export function corpora(): BenchCorpus<Input>[] {
  const all = inputs();
  const warmUp = (scope: 'edit' | 'full') => (): void => {
    // Compile the hot paths and analyse each file once before its edit is timed (a warm editor has seen the file).
    for (const input of all) analyze(input.text.replace(/\d\b/, ' '), { fileName: input.fileName, scope });
  };
  return [
    {
      name: 'per edit: analyze(scope edit) after a one-character value edit',
      inputs: all,
      run: (input) => analyze(input.text, { fileName: input.fileName, scope: 'edit' }),
      warmUp: warmUp('edit'),
      bestOf: 3,
      label: (input) => input.name,
      target: 'p95 ≤ 15 ms, max ≤ 100 ms',
    },
    {
      name: 'deferred: analyze(scope full) of the same edit, once the user pauses',
      inputs: all,
      run: (input) => analyze(input.text, { fileName: input.fileName }),
      warmUp: warmUp('full'),
      bestOf: 1,
      label: (input) => input.name,
      target: 'slowest ≤ 1 s',
    },
  ];
}
