// Memory of the file's 1F1B run with Vocabulary Parallelism (Yeung et al., "Balancing Pipeline Parallelism with
// Vocabulary Parallelism", MLSys 2025; sail-sg/VocabularyParallelism 6191c3bf), from the plain 1F1B estimate of the
// same model, term by term, as the method moves each one:
// - parameters (weights, gradients, optimizer state): the input embedding and the output layer are split evenly over
//   all p devices (training.py:395-430 builds a split-vocabulary embedding chunk and an output-layer chunk on every
//   rank; gpt_model.py:72-76, 133-147), so rank 0 and rank p − 1 give up their V·h/t copies and every rank holds
//   2·V·h/(t·p); the transformer layers stay where they were;
// - activations: rank r holds the transformer activations of p − r + 1 microbatches (Algorithm 2) or p − r + 2
//   (Algorithm 1) instead of 1F1B's p − r (the paper's Figure 10; the README's "Comparison of Schedules") — the
//   simulated run's in-flight counts, scaled per microbatch from the plain walk;
// - logits: the last stage's fp32 logits over V/t entries per token become a V/(t·p) shard on every device, held from
//   the S pass of a microbatch to its T pass one output step later, while the next S pass allocates its own: two
//   shards at most (vocab_parallel_schedule.py runs T(i) and S(i + 1) in one lm_head_step_helper).
// Buffers sized by the largest layer or bucket, the KV cache and the non-PyTorch overhead are unchanged. The memory
// over time (series) stays the plain run's, as the timeline does.
import type { StageMemory, VocabParallelFigures } from '../types';
import type { ModelShape } from '../model/shape';
import type { OverheadConstants } from './overheads';
import { staticMemoryPerRank } from './static';

/** Logit shards a device holds at once: the one between its S and T passes and the next S pass's. */
export const VOCAB_LOGIT_SHARDS_HELD = 2;

/** Per-rank memory with Vocabulary Parallelism, from plain 1F1B's `plain` (see the header for each term). */
export function vocabParallelMemory(
  shape: ModelShape,
  plain: readonly StageMemory[],
  figures: Pick<VocabParallelFigures, 'inFlightPerStage' | 'schedule' | 'plainInFlightPerStage'>,
  microbatches: number,
  constants: OverheadConstants,
): StageMemory[] {
  const p = plain.length;
  // C (issue 18): on V-Half the output layer is rank 0's (its last virtual stage), with the input layer.
  const vHalf = figures.schedule === 'v-half';
  const statics = vHalf ? staticMemoryPerRank(shape, 2, true) : staticMemoryPerRank(shape, 1);
  const vocabParams = (shape.vocabPadded * shape.hidden) / shape.tp;
  const lastLogits = plain[vHalf ? 0 : p - 1]?.breakdownBytes.logits ?? 0;
  const frag = 1 + constants.fragmentationFraction;
  return plain.map((stage, r) => {
    const s = statics[r];
    const own = s ? s.denseParams + s.expertParams : 0;
    const held = (r === 0 ? vocabParams : 0) + (r === (vHalf ? 0 : p - 1) ? vocabParams : 0);
    const ratio = own > 0 ? Math.max(0, own - held + (2 * vocabParams) / p) / own : 1;
    const plainInFlight = figures.plainInFlightPerStage?.[r] ?? Math.min(microbatches, p - r);
    const actRatio = plainInFlight > 0 ? (figures.inFlightPerStage[r] ?? plainInFlight) / plainInFlight : 1;
    const b = stage.breakdownBytes;
    const parts = {
      weights: b.weights * ratio,
      grads: b.grads * ratio,
      paramGather: b.paramGather,
      gradBuckets: b.gradBuckets,
      optimizer: b.optimizer * ratio,
      activations: b.activations * actRatio,
      kvCache: b.kvCache,
      // The interlaced step runs S and its backward at once: one shard (vocabInterlaced.ts).
      logits: (lastLogits * (figures.schedule === 'interlaced' ? 1 : VOCAB_LOGIT_SHARDS_HELD)) / p,
    };
    const peakBytes = Object.values(parts).reduce((a, x) => a + x, 0);
    // What the plain estimate adds beyond allocated·(1 + fragmentation): the non-PyTorch overhead, unchanged.
    const overheadBytes = stage.peakReservedBytes - stage.peakBytes * frag;
    const peakReservedBytes = peakBytes * frag + overheadBytes;
    // F (issue 13): the non-PyTorch term stays the plain run's; the allocator's cache is the rest of reserved − allocated.
    return {
      ...stage,
      peakBytes,
      peakReservedBytes,
      breakdownBytes: { ...parts, fragmentation: peakReservedBytes - peakBytes - b.overhead, overhead: b.overhead },
    };
  });
}

/** A stage whose vocabulary terms make it hold the most memory. */
export interface VocabMemoryCriticalStage {
  rank: number;
  peakBytes: number;
  /** The highest peak of the other stages, and where. */
  nextRank: number;
  nextPeakBytes: number;
  /** The vocabulary's bytes at that stage's peak: embedding / output-layer parameter state and the logits. */
  vocabBytes: number;
  logitsBytes: number;
  /** Which vocabulary layers the stage holds. */
  holds: { embedding: boolean; outputLayer: boolean };
}

/**
 * A stage must hold this much more than every other (allocated peak) to be called memory-critical: the memory model's
 * target accuracy (docs/memory.md; oom-risk treats a 10 % excess the same way), so a smaller lead may be the model's.
 */
export const VOCAB_MEMORY_MARGIN = 0.1;

/**
 * The stage with the highest allocated peak when it holds a vocabulary layer (the input embedding on rank 0, the output
 * layer and loss on `lossRank`), leads every other by more than VOCAB_MEMORY_MARGIN, and its vocabulary bytes are at
 * least that lead (without them it would not lead) — or null. Parameter state is apportioned by parameter count.
 */
export function vocabMemoryCriticalStage(
  shape: ModelShape,
  memory: readonly StageMemory[],
  virtualStages: number,
  vShape: boolean,
  lossRank: number,
): VocabMemoryCriticalStage | null {
  const p = memory.length;
  if (p < 2) return null;
  let rank = 0;
  for (let r = 1; r < p; r++) if (memory[r]!.peakBytes > memory[rank]!.peakBytes) rank = r;
  let nextRank = rank === 0 ? 1 : 0;
  for (let r = 0; r < p; r++) if (r !== rank && memory[r]!.peakBytes > memory[nextRank]!.peakBytes) nextRank = r;
  const holds = { embedding: rank === 0, outputLayer: rank === lossRank };
  if (!holds.embedding && !holds.outputLayer) return null;
  const stage = memory[rank]!;
  const s = staticMemoryPerRank(shape, virtualStages, vShape)[rank];
  const own = s ? s.denseParams + s.expertParams : 0;
  const copies = (holds.embedding ? 1 : 0) + (holds.outputLayer ? 1 : 0);
  const vocabParams = Math.min(own, (copies * shape.vocabPadded * shape.hidden) / shape.tp);
  const b = stage.breakdownBytes;
  const paramState = own > 0 ? ((b.weights + b.grads + b.optimizer) * vocabParams) / own : 0;
  const logitsBytes = holds.outputLayer ? b.logits : 0;
  const vocabBytes = paramState + logitsBytes;
  const next = memory[nextRank]!.peakBytes;
  const lead = stage.peakBytes - next;
  if (!(next > 0) || lead <= VOCAB_MEMORY_MARGIN * next || vocabBytes < lead) return null;
  return { rank, peakBytes: stage.peakBytes, nextRank, nextPeakBytes: next, vocabBytes, logitsBytes, holds };
}
