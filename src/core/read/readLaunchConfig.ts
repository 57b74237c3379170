// Entry point of the config reader (issue 2): text → LaunchConfigRead. Detects the format, reads bash through
// the bash reader (static evaluation, never execution) or YAML through our YAML reader, and leaves files that
// are not Megatron-style launches alone: no config, no diagnostics.
import type { DialectId, LaunchConfigRead } from '../types';
import { readBash } from '../bash/reader';
import { readBashLaunch } from './bashLaunch';
import { detectedDialect, settleDialect } from './dialect';
import { notALaunch } from './finishRead';
import { readYamlLaunch } from './yamlLaunch';
import { settleScriptKind } from './scriptKind';

/** Launch configs are kilobytes; anything far larger is not one, and reading it would cost the editor. */
const MAX_TEXT_CHARS = 4 * 1024 * 1024;

function detectFormat(text: string, fileName?: string): 'bash' | 'yaml' {
  if (fileName) {
    if (/\.ya?ml$/i.test(fileName)) return 'yaml';
    if (/\.(sh|bash|zsh|slurm|sbatch|job)$/i.test(fileName)) return 'bash';
  }
  if (/^#!/.test(text)) return 'bash';
  // YAML: top-level `key:` lines and no shell commands or continuations.
  const yamlKeys = (text.match(/^[A-Za-z_][\w.-]*:(\s|$)/gm) ?? []).length;
  const shellish = /^\s*(export\s|torchrun\b|python3?\b|srun\b|deepspeed\b|[A-Za-z_]\w*=|.*\\$)/m.test(text);
  return yamlKeys > 0 && !shellish ? 'yaml' : 'bash';
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
  const read = format === 'yaml' ? readYamlLaunch(text) : readBashLaunch(text, readBash(text));
  settleDialect(text, read, dialect);
  // After the dialect: the entry script is found through the dialect's anchor.
  settleScriptKind(text, read, fileName);
  return read;
}
