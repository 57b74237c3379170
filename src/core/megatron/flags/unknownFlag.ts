// What to say about a flag the flag table does not model, given the file's dialect: nothing when the dialect's own
// parser defines it; a warning when the dialect is known, no parser we know defines it and the entry script adds
// nothing of its own (argparse stops with "unrecognized arguments"); information when that is not certain.
import type { CoreDiagnostic, DialectId, SourceRange } from '../../types';
import { SET_LABEL, dialectHasSet, type DialectFlag } from './dialectSets';
import type { FlagSpec } from './table';

/**
 * Entry scripts whose parser is the dialect's own plus nothing we have not extracted: Megatron's pretrain_*.py pass
 * no extra_args_provider of their own beyond the ones in the sets (Megatron-LM pretrain_gpt.py:525-528 adds
 * ModelOpt's, extracted), MindSpeed-LLM's posttrain_gpt.py, Pai's pretrain_*.py pass get_patch_args
 * (megatron_patch/arguments.py, extracted). Any other entry may add flags, so an unknown flag there is information.
 */
const STANDARD_ENTRY = /(^|\/)(pretrain_\w+|posttrain_gpt)\.py$/;

interface UnknownContext {
  dialect: DialectId | undefined;
  entry: string | null | undefined;
  /** The modelled flag a typo most likely meant (lookup.ts suggestFlag), or null. */
  suggestion: FlagSpec | null;
}

/** The diagnostic for a flag outside the flag table, or null when the file's own parser defines it. */
export function unknownFlagDiagnostic(
  flagText: string,
  range: SourceRange,
  found: DialectFlag | null,
  { dialect, entry, suggestion }: UnknownContext,
): CoreDiagnostic | null {
  if (found?.own) return null;
  const certain = dialectHasSet(dialect) && STANDARD_ENTRY.test(entry ?? '');
  if (found) {
    if (!dialectHasSet(dialect)) return null;
    // Another code base defines it: the file may well run there (dialect detection weighs evidence, it does not
    // know), and a flag Megatron-LM dropped runs on the release the file was written for — information only.
    const dropped = found.set === 'megatron-lm-releases' && dialect === 'megatron-lm';
    return {
      code: 'unknown-flag',
      severity: 'information',
      message: dropped
        ? `${flagText} is rejected by current Megatron-LM (d98e8a64); ${SET_LABEL[found.set]} accept it`
        : `${flagText} is defined by ${SET_LABEL[found.set]}, not by the parser of this file's dialect (${dialect ?? 'unknown'}); if the file runs there, set the dialect (a '# schedule-inspector: dialect=…' comment)`,
      range,
    };
  }
  if (suggestion) {
    return {
      code: 'unknown-flag',
      severity: 'warning',
      message: `Unknown flag ${flagText}; did you mean ${suggestion.name}? Megatron-LM stops with "unrecognized arguments" on it`,
      range,
      fixes: [{ title: `Rename to ${suggestion.name}`, edits: [{ range, newText: suggestion.name }], preferred: true }],
    };
  }
  if (certain)
    return {
      code: 'unknown-flag',
      severity: 'warning',
      message: `${flagText} is not a flag of this file's dialect (${dialect ?? 'unknown'}) nor of any Megatron parser Schedule Inspector knows; argparse stops with "unrecognized arguments"`,
      range,
    };
  return {
    code: 'unknown-flag',
    severity: 'information',
    message: dialectHasSet(dialect)
      ? `${flagText} is not a flag of this file's dialect (${dialect ?? 'unknown'}); the entry script may add it itself, so it is ignored here`
      : !dialect || dialect === 'unknown'
        ? `${flagText} is not a flag of any Megatron parser Schedule Inspector knows; the file's dialect is not known, so it is ignored here`
        : `${flagText} is not a flag of any Megatron parser Schedule Inspector knows; the parser of this file's dialect (${dialect}) has not been read, so it is ignored here`,
    range,
  };
}
