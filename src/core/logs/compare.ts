// Predicted vs measured (issue 19): the steady step time of a Megatron log against the simulated step time of the
// file's own schedule, the measured peak memory of each pipeline stage against the estimate, and whether the log
// is of this configuration at all (Megatron prints every argument at start-up; those we read are compared).
import type { AnalysisResult } from '../analyze';
import type { ConfigKey } from '../types';
import type { IterationRecord, MegatronLog } from './megatronLog';

/**
 * Iterations whose time includes start-up: CUDA graph capture, allocator growth, the first data-loader fills and
 * NCCL communicator setup land in the first iterations. Megatron's own first log line includes them (it is printed
 * after the first iteration to "document initialization overhead", training.py:3558-3560), so the first line is
 * always warm-up, and any line within the first WARMUP_ITERATIONS iterations too.
 */
export const WARMUP_ITERATIONS = 10;
/** Fewer steady iterations than this are too few to compare with (one noisy interval decides everything). */
export const MIN_STEADY_ITERATIONS = 5;

export interface SteadyState {
  /** Mean elapsed time per iteration over the steady lines, weighted by the iterations each line averages. */
  stepTimeMs: number | null;
  steadyIterations: number;
  /** The log lines left out as warm-up (their last iteration), shown as such. */
  warmupLines: number[];
  /** Lines whose interval had skipped (NaN/overflow) iterations: kept, but said. */
  linesWithSkipped: number;
  /** Why there is no figure, when there is none. */
  reason: string | null;
}

export function steadyState(log: MegatronLog): SteadyState {
  const steady: IterationRecord[] = [];
  const warmupLines: number[] = [];
  log.iterations.forEach((r, i) => {
    if (i === 0 || r.iteration - r.intervalIterations < WARMUP_ITERATIONS) warmupLines.push(r.iteration);
    else steady.push(r);
  });
  let iterations = log.droppedIterations.iterations;
  let totalMs = log.droppedIterations.elapsedMsTotal;
  for (const r of steady) {
    iterations += r.intervalIterations;
    totalMs += r.elapsedMsPerIteration * r.intervalIterations;
  }
  const linesWithSkipped = steady.filter((r) => r.skippedIterations > 0).length;
  if (iterations < MIN_STEADY_ITERATIONS)
    return {
      stepTimeMs: null,
      steadyIterations: iterations,
      warmupLines,
      linesWithSkipped,
      reason: log.iterations.length
        ? `only ${iterations} iterations after the warm-up (the first log line and the first ${WARMUP_ITERATIONS} iterations); at least ${MIN_STEADY_ITERATIONS} are needed`
        : 'no training iteration lines in the log',
    };
  return {
    stepTimeMs: totalMs / iterations,
    steadyIterations: iterations,
    warmupLines,
    linesWithSkipped,
    reason: null,
  };
}

/** Printed argument name → the RunConfig field it sets, for the arguments that decide the step time and memory. */
const COMPARED_ARGS: readonly [string, ConfigKey][] = [
  ['num_layers', 'numLayers'],
  ['hidden_size', 'hiddenSize'],
  ['ffn_hidden_size', 'ffnHiddenSize'],
  ['num_attention_heads', 'numAttentionHeads'],
  ['seq_length', 'seqLength'],
  ['micro_batch_size', 'microBatchSize'],
  ['global_batch_size', 'globalBatchSize'],
  ['tensor_model_parallel_size', 'tensorParallel'],
  ['pipeline_model_parallel_size', 'pipelineParallel'],
  ['context_parallel_size', 'contextParallel'],
  ['expert_model_parallel_size', 'expertParallel'],
  ['num_experts', 'numExperts'],
  ['world_size', 'worldSize'],
  ['data_parallel_size', 'dataParallel'],
  ['padded_vocab_size', 'paddedVocabSize'],
  ['pipe_sp_splits', 'pipeSpSplits'],
];

export interface ArgDifference {
  name: string;
  log: string;
  file: string;
}

/**
 * The compared arguments whose printed value is not the file's; arguments the file leaves unknown are skipped. A log
 * without Megatron's arguments block (NeMo prints none) is checked on the global batch size its step lines print —
 * the last one, as a batch-size ramp-up grows it at first.
 */
export function argDifferences(log: MegatronLog, result: AnalysisResult): ArgDifference[] {
  const out: ArgDifference[] = [];
  const lastBatch = log.iterations.at(-1)?.globalBatchSize ?? null;
  const gbs = result.config.globalBatchSize;
  if (!log.args.has('global_batch_size') && lastBatch !== null && gbs != null && lastBatch !== gbs)
    out.push({ name: 'global_batch_size', log: String(lastBatch), file: String(gbs) });
  for (const [name, key] of COMPARED_ARGS) {
    const printed = log.args.get(name);
    const ours = result.config[key];
    if (printed === undefined || ours === null || ours === undefined) continue;
    const logValue = printed === 'None' ? null : Number(printed);
    if (logValue === null || !Number.isFinite(logValue)) continue;
    if (typeof ours === 'number' && ours !== logValue) out.push({ name, log: printed, file: String(ours) });
  }
  return out;
}

export interface StageMemoryComparison {
  stage: number;
  /** Ranks whose reports fall on this stage (data-parallel rank 0 of each tensor/context group prints). */
  ranks: number[];
  /** Null when the log prints only the other kind (the Seq1F1B fork prints reserved, the Zero-Bubble fork allocated). */
  measuredMaxAllocatedGiB: number | null;
  measuredMaxReservedGiB: number | null;
  predictedAllocatedGiB: number | null;
  predictedReservedGiB: number | null;
}

/**
 * Which pipeline stage a global rank is on. Megatron builds its groups in the order tp-cp-ep-dp-pp by default, pp
 * outermost (parallel_state.py:617; initialize.py:395 swaps to tp-cp-ep-pp-dp with --use-tp-pp-dp-mapping), so the
 * stage is rank / (world / p) — or (rank / (t·c)) mod p with the swapped order.
 */
export function stageOf(rank: number, world: number, t: number, c: number, p: number, tpPpDp: boolean): number {
  return tpPpDp ? Math.floor(rank / (t * c)) % p : Math.floor(rank / (world / p));
}

/**
 * Whether the run ordered its ranks tp-cp-ep-pp-dp (`--use-tp-pp-dp-mapping`, a bool defaulting to False:
 * megatron/training/config/common_config.py:105, used at initialize.py:395): the log's printed arguments say so when it
 * has them; otherwise the file's flag does.
 */
export function usesTpPpDpMapping(result: AnalysisResult, log: MegatronLog | null): boolean {
  const printed = log?.args.get('use_tp_pp_dp_mapping');
  if (printed !== undefined) return printed === 'True';
  return result.flags.some((f) => f.flag === '--use-tp-pp-dp-mapping');
}

const GiB_PER_MiB = 1 / 1024;

const maxOf = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

export function memoryComparison(log: MegatronLog, result: AnalysisResult): StageMemoryComparison[] {
  const c = result.config;
  const p = c.pipelineParallel ?? 1;
  const world = c.worldSize ?? null;
  const own = result.selectedSchedule ? result.schedules[result.selectedSchedule] : undefined;
  const byStage = new Map<number, StageMemoryComparison>();
  const entryOf = (stage: number): StageMemoryComparison => {
    let entry = byStage.get(stage);
    if (!entry) {
      entry = {
        stage,
        ranks: [],
        measuredMaxAllocatedGiB: null,
        measuredMaxReservedGiB: null,
        predictedAllocatedGiB: own?.peakMemoryGiBPerStage?.[stage] ?? null,
        predictedReservedGiB: own?.peakReservedGiBPerStage?.[stage] ?? null,
      };
      byStage.set(stage, entry);
    }
    return entry;
  };
  const tpPpDp = usesTpPpDpMapping(result, log);
  if (world !== null && world % p === 0)
    for (const m of log.memory) {
      const entry = entryOf(stageOf(m.rank, world, c.tensorParallel ?? 1, c.contextParallel ?? 1, p, tpPpDp));
      if (!entry.ranks.includes(m.rank)) entry.ranks.push(m.rank);
      entry.measuredMaxAllocatedGiB = maxOf(entry.measuredMaxAllocatedGiB, m.maxAllocatedMiB * GiB_PER_MiB);
      entry.measuredMaxReservedGiB = maxOf(entry.measuredMaxReservedGiB, m.maxReservedMiB * GiB_PER_MiB);
    }
  // NeMo's MemoryProfileCallback prints by global rank, as Megatron's report does, but reserved only.
  if (world !== null && world % p === 0)
    for (const m of log.rankMemory) {
      const entry = entryOf(stageOf(m.rank, world, c.tensorParallel ?? 1, c.contextParallel ?? 1, p, tpPpDp));
      if (!entry.ranks.includes(m.rank)) entry.ranks.push(m.rank);
      entry.measuredMaxReservedGiB = maxOf(entry.measuredMaxReservedGiB, m.maxReservedGiB);
    }
  // The forks and NeMo print by stage already; a stage past the file's p is another run's (argDifferences says so).
  for (const m of log.stageMemory.values()) {
    if (m.stage >= p) continue;
    const entry = entryOf(m.stage);
    entry.measuredMaxAllocatedGiB = maxOf(entry.measuredMaxAllocatedGiB, m.maxAllocatedGiB);
    entry.measuredMaxReservedGiB = maxOf(entry.measuredMaxReservedGiB, m.maxReservedGiB);
  }
  return [...byStage.values()].sort((a, b) => a.stage - b.stage);
}

/**
 * Why the log's memory covers only some of the file's stages, or null when it covers them all (or has none). NeMo's
 * logger prints on global rank 0 only unless NEMO_TESTING=1 (nemo/utils/nemo_logging.py:86-103, NVIDIA/NeMo
 * 8cfedd72): its figures are stage 0's, and the other stages are said to be unmeasured rather than guessed.
 */
function memoryCoverageNote(log: MegatronLog, memory: readonly StageMemoryComparison[], p: number): string | null {
  const measured = memory
    .filter((m) => m.measuredMaxAllocatedGiB !== null || m.measuredMaxReservedGiB !== null)
    .map((m) => m.stage);
  if (!measured.length || measured.length >= p) return null;
  const which = `${measured.length === 1 ? 'stage' : 'stages'} ${measured.join(', ')} of ${p}`;
  if (log.formats.includes('nemo'))
    return `memory measured on ${which}: NeMo prints global rank 0 only (stage 0); with NEMO_TESTING=1 every rank prints, and MemoryProfileCallback's end-of-training line then gives each rank's max reserved`;
  return `memory measured on ${which}: the log has no report from the other stages' ranks`;
}

export interface LogComparison {
  steady: SteadyState;
  predictedStepTimeMs: number | null;
  /** (measured − predicted) / predicted, in percent; null when either is missing. */
  stepTimeDeltaPercent: number | null;
  memory: StageMemoryComparison[];
  /** Why some stages have no measured memory (memoryCoverageNote). */
  memoryNote: string | null;
  argDifferences: ArgDifference[];
  /** Timers of the last report (forward-backward, optimizer, …), max over ranks. */
  timers: { name: string; maxMs: number }[];
}

export function compareWithLog(result: AnalysisResult, log: MegatronLog): LogComparison {
  const steady = steadyState(log);
  const own = result.selectedSchedule ? result.schedules[result.selectedSchedule] : undefined;
  const predicted = own?.applicable ? own.stepTimeMs : null;
  const measured = steady.stepTimeMs;
  const memory = memoryComparison(log, result);
  return {
    steady,
    predictedStepTimeMs: predicted,
    stepTimeDeltaPercent:
      predicted !== null && measured !== null && predicted > 0 ? ((measured - predicted) / predicted) * 100 : null,
    memory,
    memoryNote: memoryCoverageNote(log, memory, result.config.pipelineParallel ?? 1),
    argDifferences: argDifferences(log, result),
    timers: [...log.timers.values()].map((t) => ({ name: t.name, maxMs: t.maxMs })),
  };
}
