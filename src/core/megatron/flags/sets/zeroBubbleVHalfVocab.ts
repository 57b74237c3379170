// Written by hand (not by scripts/extract-flags.mjs, which reads the fork's main branch): the arguments the Zero-Bubble
// fork's v-half-vocab branch adds to its parser, read from sail-sg/zero-bubble-pipeline-parallelism 92895b9a
// megatron/training/arguments.py:1249-1262 (Vocabulary Parallelism on V-Half; schedule/vocabVHalf.ts). Same format as
// the generated sets (spelling:arity[type]).
export const ZERO_BUBBLE_V_HALF_VOCAB_FLAGS: readonly string[] = [
  '--enable-vocab-parallel:0 --disable-backward-fusion:0 --schedule-timer-start:1i --schedule-timer-end:1i',
  '--enable-layer-redistribution:0 --final-stage-num-layers:1i',
];
