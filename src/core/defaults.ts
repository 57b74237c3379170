/**
 * The one copy of every user-facing default. The extension's settings, the CLI, the analysis options and the hover
 * tables all read these; a unit test checks that package.json's `contributes.configuration` says the same.
 */

/** GPU the cost and memory models assume: the A100-80GB, the card the Seq1F1B paper measured on. */
export const DEFAULT_GPU_ID = 'a100-80gb';

/** Warn when a stage's estimated reserved memory exceeds this fraction of capacity: 10 % headroom for fragmentation. */
export const DEFAULT_MEMORY_WARNING_FRACTION = 0.9;

/** Sequence splits k tried for Seq1F1B what-ifs (k = 1 is the base schedule). */
export const DEFAULT_CANDIDATE_SPLITS: readonly number[] = [1, 2, 4, 8];

/** Show the bubble hint when the configured schedule idles more than this fraction of the step. */
export const DEFAULT_BUBBLE_HINT_FRACTION = 0.15;

/** Inlay hints on by default (they also follow editor.inlayHints.enabled). */
export const DEFAULT_INLAY_HINTS_ENABLED = true;

/** Memory outside PyTorch's allocator, GiB; null: the memory model's own estimate. */
export const DEFAULT_OVERHEAD_GIB: number | null = null;

/** Fraction of dense peak that large GEMMs reach (the cost model's calibration knob); null: the GPU profile's figure. */
export const DEFAULT_EFFICIENCY: number | null = null;

/** Which Megatron reads the file: `auto` detects it from the file's own evidence (read/dialect.ts). */
export const DEFAULT_DIALECT = 'auto';
