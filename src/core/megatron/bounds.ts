// The range of every number the analysis sizes work or memory by, with its reason (issue 15: "validate before
// allocating"). A value outside its range is not used: the resolver stores it as unknown with a reason, puts a
// `value-out-of-range` warning on the flag, and everything that needed it — derived values, checks, the simulation —
// is skipped the way it is for any unknown value, before a single array is sized from it. The bash reader's bounds
// live in bash/limits.ts; these are the model's.
//
// The upper bounds are generous: tens of times the largest real runs (Megatron's largest published configurations:
// 128 layers, PP 64, 256 experts, 1M-token sequences), far below the sizes that made one analysis allocate
// gigabytes or run for minutes (issue 15: `--num-layers 1000000000` built per-layer MoE patterns until the process
// died; `--pipeline-model-parallel-size 1000000000` ran for tens of seconds). The lower bounds are where the model
// divides by the value (a zero or negative parallel size, batch or padding unit turns every step time into NaN).
import type { ConfigKey, RunConfig } from '../types';

/** Layers (and per-layer lists: MoE patterns, layer placement, recompute counts are arrays of this length). */
export const MAX_LAYERS = 10_000;
/** Pipeline stages: every op program and the simulator allocate per stage. */
export const MAX_PIPELINE_STAGES = 4096;
/** Virtual stages per pipeline rank (op chunks are numbered in 16 bits, v · p stays far below). */
export const MAX_VIRTUAL_STAGES = 1024;
/** Seq1F1B sequence splits k: per-split costs and op chunk numbers (16 bits). */
export const MAX_SEQUENCE_SPLITS = 4096;
/** Tensor, context, expert and expert-tensor parallel sizes. */
export const MAX_PARALLEL_SIZE = 65_536;
/** GPUs in the world, data-parallel replicas, nodes (the rules list divisors of these). */
export const MAX_GPUS = 1 << 20;
/** GPUs of one node. */
export const MAX_GPUS_PER_NODE = 4096;
/** Sequences per global batch and microbatches per step (ops = microbatches · splits · stages, see maxOps). */
export const MAX_BATCH = 1 << 24;
/** Tokens per sequence (positions, and the Seq1F1B partition of a sequence). */
export const MAX_SEQUENCE_TOKENS = 1 << 24;
/** Hidden, FFN and head widths; heads and query groups. */
export const MAX_WIDTH = 1 << 24;
export const MAX_HEADS = 65_536;
/** Experts (MoE parameter and memory figures scale with them). */
export const MAX_EXPERTS = 65_536;
/** Vocabulary entries and the padding unit. */
export const MAX_VOCAB = 1 << 30;

interface Bound {
  min: number;
  max: number;
  /** What the maximum counts, for the message ("10,000 layers"). */
  unit: string;
  /** Megatron itself stops on a value below `min`: an `invalid-flag-value` error, not a warning. */
  fatalBelowMin?: true;
}

const at = (min: number, max: number, unit: string): Bound => ({ min, max, unit });
/** A size Megatron refuses below 1 (argparse takes 0 and negatives; initialisation or validation then fails). */
const positive = (max: number, unit: string): Bound => ({ min: 1, max, unit, fatalBelowMin: true });

/**
 * Keys that size or divide; other number keys are only required to be finite. Sizes below 1 that Megatron refuses
 * (`positive`): the parallel sizes and micro-batch size (rules/parallel.ts says why), and the vocabulary size and
 * its padding unit (megatron/training/vocab_utils.py:51-54 at d98e8a64 raises ValueError for either ≤ 0).
 */
const BOUNDS: Partial<Record<ConfigKey, Bound>> = {
  numLayers: at(0, MAX_LAYERS, 'layers'),
  recomputeNumLayers: at(0, MAX_LAYERS, 'layers'),
  numLayersPerVirtualStage: at(1, MAX_LAYERS, 'layers'),
  decoderFirstPipelineNumLayers: at(0, MAX_LAYERS, 'layers'),
  decoderLastPipelineNumLayers: at(0, MAX_LAYERS, 'layers'),
  pipelineParallel: positive(MAX_PIPELINE_STAGES, 'pipeline stages'),
  virtualStages: at(1, MAX_VIRTUAL_STAGES, 'virtual stages'),
  pipeSpSplits: at(1, MAX_SEQUENCE_SPLITS, 'sequence splits'),
  tensorParallel: positive(MAX_PARALLEL_SIZE, 'GPUs'),
  contextParallel: positive(MAX_PARALLEL_SIZE, 'GPUs'),
  expertParallel: positive(MAX_PARALLEL_SIZE, 'GPUs'),
  expertTensorParallel: at(1, MAX_PARALLEL_SIZE, 'GPUs'),
  worldSize: at(1, MAX_GPUS, 'GPUs'),
  dataParallel: at(1, MAX_GPUS, 'replicas'),
  numNodes: at(1, MAX_GPUS, 'nodes'),
  gpusPerNode: at(1, MAX_GPUS_PER_NODE, 'GPUs'),
  numDistributedOptimizerInstances: at(1, MAX_GPUS, 'instances'),
  microBatchSize: positive(MAX_BATCH, 'sequences'),
  globalBatchSize: at(1, MAX_BATCH, 'sequences'),
  numMicrobatches: at(1, MAX_BATCH, 'microbatches'),
  seqLength: at(1, MAX_SEQUENCE_TOKENS, 'tokens'),
  maxPositionEmbeddings: at(0, MAX_SEQUENCE_TOKENS, 'positions'),
  hiddenSize: at(1, MAX_WIDTH, 'channels'),
  ffnHiddenSize: at(0, MAX_WIDTH, 'channels'),
  moeFfnHiddenSize: at(0, MAX_WIDTH, 'channels'),
  moeSharedExpertIntermediateSize: at(0, MAX_WIDTH, 'channels'),
  kvChannels: at(1, MAX_WIDTH, 'channels'),
  numAttentionHeads: at(1, MAX_HEADS, 'heads'),
  numQueryGroups: at(1, MAX_HEADS, 'query groups'),
  numExperts: at(0, MAX_EXPERTS, 'experts'),
  moeRouterTopk: at(0, MAX_EXPERTS, 'experts'),
  vocabSize: positive(MAX_VOCAB, 'tokens'),
  paddedVocabSize: at(1, MAX_VOCAB, 'tokens'),
  makeVocabSizeDivisibleBy: positive(MAX_VOCAB, 'tokens'),
  // Issue 13's counts: MTP depths and offloaded / bf16-kept layers are per-layer work; MLA ranks and head widths
  // size weights; the warm-up group sizes a schedule table (fuzz: `--mtp-num-layers 2147483648` ran for minutes).
  mtpNumLayers: at(0, MAX_LAYERS, 'layers'),
  cpuOffloadingNumLayers: at(0, MAX_LAYERS, 'layers'),
  numLayersAtStartInBf16: at(0, MAX_LAYERS, 'layers'),
  numLayersAtEndInBf16: at(0, MAX_LAYERS, 'layers'),
  qLoraRank: at(0, MAX_WIDTH, 'channels'),
  kvLoraRank: at(0, MAX_WIDTH, 'channels'),
  qkHeadDim: at(0, MAX_WIDTH, 'channels'),
  qkPosEmbHeadDim: at(0, MAX_WIDTH, 'channels'),
  vHeadDim: at(0, MAX_WIDTH, 'channels'),
  microbatchGroupSize: at(1, MAX_BATCH, 'microbatches'),
  moeExpertCapacityFactor: at(0, MAX_EXPERTS, 'experts'),
  zeroStage: at(0, 3, 'stages'),
  optimizerOffloadFraction: at(0, 1, ''),
};

/** Starts the `reason` of every value refused here, so the engine can say why it did not simulate. */
export const OUT_OF_RANGE = 'outside the analysed range: ';

export interface RangeProblem {
  message: string;
  /**
   * How the file hears of it: 'error' when Megatron stops on the value; 'warning' when only the analysis cannot use
   * it (past a bound, not finite); 'none' for a non-positive shape value, which scripts pass on purpose as a
   * placeholder that a checkpoint overrides ("dummy arguments to make megatron happy": `--num-layers -1` in
   * bigscience-workshop/Megatron-DeepSpeed examples/run_evalharness.sh:10-17) — the engine's "not simulated" line
   * still says why.
   */
  report: 'error' | 'warning' | 'none';
}

/**
 * Why `value` cannot be used for `key` (null when it can): not a finite number, below the smallest value the model
 * can divide by, or past the bound that keeps one analysis small. `name` is the flag or key as the file spells it
 * (the field name for a derived value).
 */
export function rangeProblem(key: ConfigKey, value: RunConfig[ConfigKey], name: string): RangeProblem | null {
  if (typeof value !== 'number') return null;
  // Spelled only for a problem: every number of every read passes here, and toLocaleString costs microseconds
  // (it was the largest single cost of reading a short script: ~0.1 s over a fuzz worker's inputs).
  const spelling = (): string =>
    `${name} ${Number.isSafeInteger(value) ? value.toLocaleString('en-US') : String(value)}`;
  if (!Number.isFinite(value)) return { message: `${spelling()} is not a finite number`, report: 'warning' };
  const bound = BOUNDS[key];
  if (!bound) return null;
  if (value < bound.min)
    return bound.fatalBelowMin
      ? { message: `${name} must be at least ${bound.min}, got ${value}`, report: 'error' }
      : { message: `${spelling()} is below ${bound.min}, which the model divides by or counts with`, report: 'none' };
  if (value > bound.max)
    return {
      message: `${spelling()} is more than the ${bound.max.toLocaleString('en-US')} ${bound.unit} Schedule Inspector analyses`,
      report: 'warning',
    };
  return null;
}

/** The refused values among `sources`, each as its reason (for the engine's "not simulated" line). */
export function outOfRangeReasons(sources: Partial<Record<ConfigKey, { reason?: string }>>): string[] {
  const out: string[] = [];
  for (const s of Object.values(sources)) {
    if (s?.reason?.startsWith(OUT_OF_RANGE)) out.push(s.reason.slice(OUT_OF_RANGE.length));
  }
  return out;
}
