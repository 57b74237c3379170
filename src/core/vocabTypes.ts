// The figures and run of Vocabulary Parallelism (issue 18) that the core hands to the report and the panel,
// re-exported by types.ts. Pure data and constants: the host bundle loads this eagerly (it is reached through
// types.ts), so nothing here may import the rest of the core.

/** Vocabulary Parallelism on the file's schedule (Yeung et al., MLSys 2025); `plain…`: the plain schedule's figures. */
export interface VocabParallelFigures {
  /** 1: two all-reduce barriers (--disable-backward-fusion); 2: one (the fork's default). */
  algorithm: 1 | 2;
  // ── C (issue 18): which schedule ran the vocabulary layers ──
  /**
   * Absent: Vocabulary Parallelism on 1F1B. `v-half`: on V-Half (the Zero-Bubble fork's v-half-vocab branch;
   * inFlightPerStage in microbatches, a chunk being half of one). `interlaced`: the interlaced pipeline on 1F1B
   * (--use-interlaced-schedule; no barrier algorithm, `algorithm` stays 2).
   */
  schedule?: 'v-half' | 'interlaced';
  /** The plain schedule's own most microbatches in flight per rank, where it is not 1F1B's p − r (V-Half). */
  plainInFlightPerStage?: number[];
  plainStepTimeMs: number;
  plainBubbleFraction: number | null;
  busyMsPerStage: number[];
  /** Microbatches whose activations each rank holds at most: p − r + 1 (Algorithm 2) or + 2 (1); 1F1B p − r. */
  inFlightPerStage: number[];
  // ── D (issue 18): the run itself for the panel's timeline; not serialised to JSON (report/json.ts drops both) ──
  run?: VocabRunOps;
  durations?: VocabRunDurations;
}

/**
 * Op kinds of a vocabulary-parallel run (schedule/vocabParallel.ts and the V-Half / interlaced simulators). Here, not
 * there, because the panel's packing reads them on the host, which must not load the core at activation.
 */
export const VOCAB_OP_F = 0;
export const VOCAB_OP_B = 1;
/** One output-layer step: T of microbatch i − 1 then S of microbatch i, fused as the fork's lm_head_step_helper does. */
export const VOCAB_OP_L = 2;
// C (issue 18): the kinds of V-Half with Vocabulary Parallelism (vocabVHalf.ts) and of the interlaced pipeline
// (vocabInterlaced.ts), whose passes run separately.
/** A weight-gradient pass (V-Half splits B and W). */
export const VOCAB_OP_W = 3;
/** An S pass alone (V-Half); in the interlaced pipeline, its synchronous output-layer step (forward and backward). */
export const VOCAB_OP_S = 4;
/** A T pass alone (V-Half). */
export const VOCAB_OP_T = 5;
/** The input layer's forward on the device's vocabulary shard. */
export const VOCAB_OP_IF = 6;
/** The input layer's backward on the device's vocabulary shard. */
export const VOCAB_OP_IB = 7;

/**
 * D (issue 18): a vocabulary-parallel run as its simulator leaves it (schedule/vocabParallel.ts VocabRun fits it), for
 * the panel: ops grouped by rank in execution order, the same count on every rank; `kind` holds the run's own kinds
 * (VOCAB_OP_F, VOCAB_OP_B, VOCAB_OP_L), which protocol/vocabTimeline.ts turns into drawn ops.
 */
export interface VocabRunOps {
  stages: number;
  microbatches: number;
  kind: Uint8Array;
  microbatch: Int32Array;
  startMs: Float64Array;
  endMs: Float64Array;
  busyMs: Float64Array;
  peakInFlight: Int32Array;
  /** Model chunk of each op, where a run has more than one per rank (a V placement); absent: chunk 0. */
  chunk?: ArrayLike<number>;
}

/** The durations of that run the timeline needs to place passes and collectives, ms (VocabDurations fits it). */
export interface VocabRunDurations {
  sPassMs: number;
  tPassMs: number;
  p2pForwardMs: number;
  p2pBackwardMs: number;
  broadcastMs: number;
  c0Ms: number;
  c1Ms: number;
}
