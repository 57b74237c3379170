// Written by hand (not by scripts/extract-flags.mjs, which reads the fork's main branch): the arguments the Zero-Bubble
// fork's v-half-vocab branch adds to its parser, read from sail-sg/zero-bubble-pipeline-parallelism 92895b9a
// megatron/training/arguments.py:1249-1262 (Vocabulary Parallelism on V-Half; schedule/vocabVHalf.ts). Stored whole,
// in the generated sets' format (packed.ts: spelling without `--`, `:arity[type]`, no `:0` for a switch).
// Decoded: 6 tokens, FNV-1a f8ccd622 (packedSets.test.ts checks both).
import type { PackedSet } from './packed';

export const ZERO_BUBBLE_V_HALF_VOCAB_FLAGS: PackedSet = {
  base: null,
  keep: '',
  add: `enable-vocab-parallel disable-backward-fusion schedule-timer-start:1i schedule-timer-end:1i
enable-layer-redistribution final-stage-num-layers:1i`,
};
