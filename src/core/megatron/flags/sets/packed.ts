// How the dialect sets are stored (written by scripts/extract-flags.mjs, decoded by ../dialectSets.ts). The forks'
// parsers share most of their flags, and the core ships in two bundles (dist/core.js and the web extension), so each
// set is kept as a delta against the set closest to it instead of whole: the VSIX budget (issue 16) is what pays for
// every repeated spelling.

/** The extracted parsers (one file each in this folder). */
export type SetName =
  | 'megatron-lm'
  | 'megatron-lm-releases'
  | 'megatron-deepspeed'
  | 'megatron-deepspeed-bigscience'
  | 'seq1f1b'
  | 'zero-bubble'
  | 'zero-bubble-v-half-vocab'
  | 'vocab-parallel'
  | 'mindspeed-llm'
  | 'mindspeed'
  | 'pai';

/**
 * A set's tokens (`--spelling:arity[i|f][{a|b}]`, one per spelling) as the generator stores them. A token is written
 * without its leading `--` and without a `:0` spec (a switch); a token that had no spec at all keeps a bare `:` so
 * that it reads back as it was. Decoded, the set is the base's tokens that `keep` selects plus the tokens of `add`.
 */
export interface PackedSet {
  /** The set this one is a delta against (never a cycle: the generator builds a tree), or null: `add` is all of it. */
  readonly base: SetName | null;
  /**
   * Which of the base's decoded tokens, in sorted order, this set keeps: whitespace-separated run lengths in base 36,
   * alternately kept and dropped, starting with a kept run (possibly 0). Empty when there is no base.
   */
  readonly keep: string;
  /** The tokens the base does not give, whitespace-separated. */
  readonly add: string;
}
