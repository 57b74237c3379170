// Choices of a flag that current Megatron-LM refuses but the file's own Megatron accepts: what the interpreter does
// with them instead of an argparse error (issue 12 §1: a rule only one version enforces is no error on another).
import type { CoreDiagnostic, SourceRange } from '../types';
import { dialectAddsChoice, dialectFlag, otherParserAccepting, SET_LABEL, type DialectFlag } from './flags/dialectSets';
import type { FlagSetting, InterpretOptions } from './interpret';

/**
 * A choice current Megatron-LM refuses but the file's own Megatron accepts (Pai's and BigScience's `alibi` position
 * embeddings, MindSpeed's `deepseek4`): not an error. Under the file's dialect it is information; when the dialect is
 * unknown and some Megatron we read accepts it, a warning that says which. True when it handled the value.
 */
export function forkChoice(
  setting: FlagSetting,
  text: string,
  range: SourceRange,
  diagnostics: CoreDiagnostic[],
  options: InterpretOptions,
): boolean {
  const spec = setting.spec;
  const accepts = (found: DialectFlag | null): boolean =>
    found !== null && (found.flag.choices === null ? found.flag.arity !== 0 : found.flag.choices.includes(text));
  const own = dialectFlag(spec.name, options.dialect);
  const added = dialectAddsChoice(options.dialect, spec.name, text);
  const byOwn = added || (own?.own === true && accepts(own));
  const other = byOwn ? null : otherParserAccepting(spec.name, text);
  // Pai-Megatron-Patch runs each example on the Megatron-LM its PYTHONPATH names (often a script argument, often an
  // older release than the one we read), and patches choices into it (megatron_patch/arguments.py:52-60): whether
  // that Megatron accepts the value is not certain either way.
  if (!byOwn && options.dialect === 'pai-megatron-patch') {
    diagnostics.push({
      code: 'invalid-flag-value',
      severity: 'warning',
      message: `${spec.name} '${text}' is refused by current Megatron-LM (choices ${(spec.choices ?? []).join(', ')}); Pai-Megatron-Patch runs the Megatron-LM its PYTHONPATH names, so this holds only if that release refuses it too`,
      range,
    });
    setting.values = null;
    setting.invalid = true;
    return true;
  }
  if (!byOwn && (other === null || options.dialect !== 'unknown')) return false;
  const dialectLabel = options.dialect === 'mindspeed-llm' ? 'MindSpeed-LLM' : '';
  const who = added ? dialectLabel : byOwn && own ? SET_LABEL[own.set] : (other ?? '');
  diagnostics.push({
    code: 'invalid-flag-value',
    severity: byOwn ? 'information' : 'warning',
    message: `${spec.name} '${text}' is accepted by ${who} but refused by current Megatron-LM (choices ${(spec.choices ?? []).join(', ')}); Schedule Inspector does not model it and leaves the setting out`,
    range,
  });
  setting.values = null;
  setting.invalid = true;
  // The dialect's own schedule choice may still read it (the Zero-Bubble fork's --recompute-method chunk).
  if (byOwn) setting.forkValue = text;
  return true;
}
