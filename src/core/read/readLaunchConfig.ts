// Entry point of the config reader (issue 2): text → LaunchConfigRead. Detects the format, reads bash through
// the bash reader (static evaluation, never execution) or YAML through our YAML reader, and leaves files that
// are not Megatron-style launches alone: no config, no diagnostics.
import { readBashScript } from './scriptArgs';
import type { DialectId, LaunchConfigRead } from '../types';
import { detectedDialect, dialectOverride, settleDialect } from './dialect';
import { notALaunch } from './finishRead';
import { readYamlLaunch } from './yamlLaunch';
import { settleScriptKind } from './scriptKind';

/** Launch configs are kilobytes; anything far larger is not one, and reading it would cost the editor. */
const MAX_TEXT_CHARS = 4 * 1024 * 1024;

/** A line that can only be shell: an export, a launcher, an assignment (`[A-Za-z_]\w*=`). Anchored, so linear. */
const SHELL_LINE_START = /^(export\s|torchrun\b|python3?\b|srun\b|deepspeed\b|[A-Za-z_]\w*=)/;
/** A top-level YAML key (`key:` then a space or the end of the line). Anchored, so linear. */
const YAML_TOP_KEY = /^[A-Za-z_][\w.-]*:(\s|$)/;
/** JavaScript's line terminators: the ones the multiline `^`/`$` this replaced stopped at. */
const LINE_BREAK = /\r\n?|[\n\u2028\u2029]/;

/**
 * bash or YAML, by extension first, then by content: YAML when some line is a top-level `key:` and no line looks like
 * shell. One pass over the lines with anchored patterns (issue 15: the multiline regex this replaced backtracked
 * quadratically over blank lines — 100k blank lines took 36 s).
 */
export function detectFormat(text: string, fileName?: string): 'bash' | 'yaml' {
  if (fileName) {
    if (/\.ya?ml$/i.test(fileName)) return 'yaml';
    if (/\.(sh|bash|zsh|slurm|sbatch|job)$/i.test(fileName)) return 'bash';
  }
  if (text.startsWith('#!')) return 'bash';
  let yamlKeys = 0;
  for (const line of text.split(LINE_BREAK)) {
    const body = line.trimStart();
    // A blank line can match neither pattern; skipping it spares two regex runs a line (issue 15: 100,000 blank
    // lines took ~30 ms here, half of that input's analysis).
    if (body.length === 0) continue;
    if (SHELL_LINE_START.test(body) || body.endsWith('\\')) return 'bash';
    if (YAML_TOP_KEY.test(line)) yamlKeys++;
  }
  return yamlKeys > 0 ? 'yaml' : 'bash';
}

/**
 * `dialect`: the `scheduleInspector.dialect` setting or `--dialect` (`auto` or absent: detect); a directive comment
 * in the file beats it.
 */
export function readLaunchConfig(text: string, fileName?: string, dialect?: DialectId | 'auto'): LaunchConfigRead {
  if (text.length > MAX_TEXT_CHARS) {
    // Say why nothing was read, rather than "no launch found": the user may well have pointed us at one.
    const read = notALaunch(fileName && /\.ya?ml$/i.test(fileName) ? 'yaml' : 'bash');
    read.diagnostics.push({
      code: 'file-too-large',
      severity: 'information',
      message: `This file has ${text.length.toLocaleString('en-US')} characters; launch configs over ${MAX_TEXT_CHARS.toLocaleString('en-US')} are not analysed.`,
      range: { line: 0, column: 0, endLine: 0, endColumn: 0 },
    });
    read.dialect = detectedDialect({ evidence: [] }, null);
    return read;
  }
  const format = detectFormat(text, fileName);
  const read =
    format === 'yaml' ? readYamlLaunch(text, fileName) : readBashScript(text, fileName, dialectOverride(text, dialect));
  settleDialect(text, read, dialect);
  // After the dialect: the entry script is found through the dialect's anchor.
  settleScriptKind(text, read, fileName);
  return read;
}
