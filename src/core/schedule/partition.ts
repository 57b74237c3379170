// Sequence partition of Seq1F1B (`--pipe-sp-strategy`, spec §2): `average` and the repo's FLOP-balanced
// `uniform_comp` solver, reproduced from its rules (split_solver.py) so our chunk lengths equal the run's.
import { missingModelValues, paddedVocab } from '../model/shape';
import type { RunConfig, SplitStrategy } from '../types';

/** The model sizes the repo's solver reads (spec §2.3). d = h/n and f defaults to 4h, exactly as the solver does. */
export interface SolverModel {
  numLayers: number;
  hiddenSize: number;
  ffnHiddenSize: number;
  numAttentionHeads: number;
  paddedVocabSize: number;
}

/** The sizes uniform_comp reads, or null while model/shape's required sizes (other than S) are unknown. */
export function solverModel(config: RunConfig): SolverModel | null {
  const { numLayers, hiddenSize, numAttentionHeads } = config;
  const vocab = paddedVocab(config);
  if (
    missingModelValues(config, { seqLength: false }).length > 0 ||
    numLayers == null ||
    hiddenSize == null ||
    numAttentionHeads == null ||
    vocab == null
  )
    return null;
  return {
    numLayers,
    hiddenSize,
    ffnHiddenSize: config.ffnHiddenSize ?? 4 * hiddenSize,
    numAttentionHeads,
    paddedVocabSize: vocab,
  };
}

/**
 * Forward FLOPs of a chunk of `x` tokens ending at prefix `prefix`, whole model, one sequence (spec §2.2):
 * 4xhV + L[8xh·nd + 4xhf + (4d+3)·n·(x·P − x²/2)], with nd = h. Summing over a contiguous partition gives T(S).
 */
export function solverChunkFlops(model: SolverModel, x: number, prefix: number): number {
  const { numLayers: L, hiddenSize: h, ffnHiddenSize: f, numAttentionHeads: n, paddedVocabSize: V } = model;
  const d = h / n;
  return 4 * x * h * V + L * (8 * x * h * n * d + 4 * x * h * f + (4 * d + 3) * n * (x * prefix - (x * x) / 2));
}

/** T(S): causal forward FLOPs of one whole sequence (spec §2.2), the FLOP count behind the repo's TFLOPS metric. */
export function sequenceFlops(model: SolverModel, seqLength: number): number {
  return solverChunkFlops(model, seqLength, seqLength);
}

/**
 * uniform_comp (spec §2.3): from the end of the sequence, each chunk takes the smaller root of
 * f(x;P) = T(S)/k, rounded down to `multiple`; the first chunk takes the remainder. Longest first.
 */
export function uniformCompSplit(model: SolverModel, seqLength: number, splits: number, multiple: number): number[] {
  const { numLayers: L, hiddenSize: h, ffnHiddenSize: f, numAttentionHeads: n, paddedVocabSize: V } = model;
  const d = h / n;
  const target = sequenceFlops(model, seqLength) / splits;
  const a = (L * (4 * d + 3) * n) / 2;
  const lengths = new Array<number>(splits);
  let prefix = seqLength;
  for (let c = splits - 1; c >= 1; c--) {
    const b = 4 * h * V + L * (8 * h * n * d + 4 * h * f + (4 * d + 3) * n * prefix);
    const disc = b * b - 4 * a * target;
    // The smaller root, in the cancellation-free form 2c/(b + √disc) (same value as (b − √disc)/2a).
    let x = disc >= 0 ? (2 * target) / (b + Math.sqrt(disc)) : prefix / (c + 1);
    x = Math.floor(x + 1e-9);
    x -= x % multiple;
    x = Math.max(0, Math.min(x, prefix));
    lengths[c] = x;
    prefix -= x;
  }
  lengths[0] = prefix;
  return lengths;
}

/** Near-equal cut: S/k each; when k ∤ S the first S mod k chunks take one token more so the lengths sum to S. */
export function averageSplit(seqLength: number, splits: number): number[] {
  const base = Math.floor(seqLength / splits);
  const extra = seqLength - base * splits;
  return Array.from({ length: splits }, (_, j) => base + (j < extra ? 1 : 0));
}

/** uniform_comp rounds to TP under sequence parallelism (every repo script sets it), else to 1 (spec §2.3). */
function splitMultiple(config: RunConfig): number {
  return config.sequenceParallel ? Math.max(1, config.tensorParallel ?? 1) : 1;
}

/**
 * Chunk lengths (tokens) of one sequence cut into k pieces, first chunk first; sums to seqLength.
 * `uniform_comp` falls back to `average` when the model sizes it needs are unknown (the engine reports them).
 */
export function partitionSequence(config: RunConfig, splits: number, strategy: SplitStrategy): number[] {
  const s = config.seqLength ?? 0;
  const k = Math.max(1, Math.floor(splits));
  if (k === 1) return [s];
  if (strategy === 'uniform_comp') {
    const model = solverModel(config);
    if (model) return uniformCompSplit(model, s, k, splitMultiple(config));
  }
  return averageSplit(s, k);
}
