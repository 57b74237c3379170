// Puts static memory, the activation walk and the overheads together into StageMemory per pipeline rank, and writes
// the verdict fields of a ScheduleEvaluation.
import type {
  MemoryBreakdown,
  RunConfig,
  ScheduleEvaluation,
  ScheduleName,
  SimResult,
  SplitStrategy,
  StageMemory,
} from '../types';
import { partitionSequence } from '../schedule/partition';
import { chunkPlacement, isBidirectional } from '../schedule/placement';
import { buildUnitTables, type UnitTables } from './activations';
import { fragmentationBytes } from './fragmentation';
import { PEAKS_ONLY, walkLiveness } from './liveness';
import { DEFAULT_OVERHEADS, GiB, nonPyTorchOverheadBytes, reservedBytes, type OverheadConstants } from './overheads';
import type { VirtualStage } from '../model/layout';
import type { ModelShape } from '../model/shape';
import { staticMemoryPerRank, type StaticMemory } from './static';
import { layoutOf } from '../schedule/costModel';
import { vocabParallelMemory } from './vocabParallel';

export interface MemorySettings {
  constants?: Partial<OverheadConstants>;
  /** Replaces the whole non-PyTorch overhead per GPU (GiB). */
  overheadGiB?: number;
  /**
   * The GPU's memory (GiB): the allocator replay returns cached segments to the device when it runs out of room, as
   * PyTorch does (fragmentation.ts). Absent: no limit.
   */
  capacityGiB?: number;
  /**
   * G (issue 13): whether the heaviest stage's allocator replay is wanted, asked with its reserved estimate without
   * the replay (bytes) — the worst stage's, and a lower bound of the replayed figure, which only adds. Absent: always.
   * The recommendation sweep declines for a candidate already over its limit (fits either way) that cannot be the
   * closest miss; such a candidate's reserved figures are then that lower bound.
   */
  replayWhen?: (plainReservedBytes: number) => boolean;
}

/**
 * Static memory depends on the model and v only, and the recommendation sweep asks for the same one for every k and
 * split strategy (a 64-stage model: ~1 ms a call, a tenth of the sweep; issue 16). Keyed by the shape object, which
 * the sweep passes unchanged; the arrays are only read.
 */
const staticsByShape = new WeakMap<ModelShape, Map<number, StaticMemory[]>>();

function staticsOf(shape: ModelShape, v: number, vShape: boolean, bidirectional: boolean): StaticMemory[] {
  let byV = staticsByShape.get(shape);
  if (!byV) staticsByShape.set(shape, (byV = new Map()));
  // A V places the last chunk (output layer) on rank 0: its own entry (negative key); DualPipe's two whole stages per
  // rank (v = 2 always) key 0, which no v ≥ 1 uses.
  const key = bidirectional ? 0 : vShape ? -v : v;
  let statics = byV.get(key);
  if (!statics) byV.set(key, (statics = staticMemoryPerRank(shape, v, vShape, bidirectional)));
  return statics;
}

/**
 * Unit byte tables by layout (layoutOf: one object per shape and v) and chunk lengths: the file's schedules and the
 * sweep's candidates of one analysis share a handful of them. Only read by the walk.
 */
const unitTablesByLayout = new WeakMap<readonly VirtualStage[], Map<string, UnitTables>>();

function unitTablesOf(shape: ModelShape, stages: VirtualStage[], chunkTokens: number[]): UnitTables {
  let byChunks = unitTablesByLayout.get(stages);
  if (!byChunks) unitTablesByLayout.set(stages, (byChunks = new Map()));
  const key = chunkTokens.join(',');
  let tables = byChunks.get(key);
  // The layout is this shape's (layoutOf keys it by the shape object), so the key is the chunk lengths alone.
  if (!tables) byChunks.set(key, (tables = buildUnitTables(shape, stages, chunkTokens)));
  return tables;
}

/**
 * Memory of every pipeline rank for one simulated schedule. `chunkTokens` is the partition of one sequence (k chunks).
 * `peaksOnly`: no memory-over-time series (empty), for callers that read only the peaks (the recommendation sweep).
 */
export function computeStageMemory(
  model: ModelShape,
  sim: SimResult,
  chunkTokens: number[],
  settings: MemorySettings = {},
  peaksOnly = false,
): StageMemory[] {
  // The timeline decides how many stages there are (a what-if may simulate another p than the file's).
  const shape = sim.spec.stages === model.pp ? model : { ...model, pp: sim.spec.stages };
  const constants = { ...DEFAULT_OVERHEADS, ...settings.constants };
  const v = Math.max(1, sim.spec.virtualStages);
  const vShape = chunkPlacement(sim.spec.schedule) === 'v-shape';
  const dual = isBidirectional(sim.spec.schedule);
  const stages = layoutOf(shape, v, vShape, dual);
  const statics = staticsOf(shape, v, vShape, dual);
  const staticBytes = statics.map((s) => s.weightsBytes + s.gradsBytes + s.optimizerBytes);
  const tables = unitTablesOf(shape, stages, chunkTokens);
  const traces = peaksOnly
    ? walkLiveness(sim, tables, staticBytes, PEAKS_ONLY)
    : walkLiveness(sim, tables, staticBytes);
  const overhead = nonPyTorchOverheadBytes(shape, constants, settings.overheadGiB);
  // Seq1F1B's chunks of different lengths leave the caching allocator holding more than the 7 % it holds under 1F1B
  // (fragmentation.ts). Bounded work: replayed on the heaviest stage only, the one that decides the verdict (the other
  // stages keep the plain estimate).
  const heaviest = traces.reduce((best, trace, r) => (trace.peakBytes > (traces[best]?.peakBytes ?? -1) ? r : best), 0);
  const room = settings.capacityGiB != null ? settings.capacityGiB * GiB - overhead : Infinity;
  const replay = settings.replayWhen?.(reservedBytes(traces[heaviest]?.peakBytes ?? 0, overhead, constants)) ?? true;
  const fragmented = (r: number): number =>
    r === heaviest && replay ? fragmentationBytes(shape, stages, tables, sim, r, staticBytes[r] ?? 0, room) : 0;
  return traces.map((trace, r) => {
    const reserved = reservedBytes(trace.peakBytes, overhead, constants) + fragmented(r);
    const stat = statics[r];
    if (!stat) throw new Error(`no static memory for rank ${r} of ${statics.length}`);
    return {
      stage: r,
      peakBytes: trace.peakBytes,
      peakReservedBytes: reserved,
      peakTimeMs: trace.peakTime,
      breakdownBytes: {
        // The sharding buffers are their own terms (issue 13): weights and grads here are what stays all step.
        weights: stat.weightsBytes - stat.paramGatherBytes,
        grads: stat.gradsBytes - stat.gradBucketBytes,
        paramGather: stat.paramGatherBytes,
        gradBuckets: stat.gradBucketBytes,
        optimizer: stat.optimizerBytes,
        activations: trace.peak.activations,
        kvCache: trace.peak.kvCache,
        logits: trace.peak.logits,
        // F (issue 13): reserved − allocated split in two, so the parts still sum to reserved. The allocator's cache
        // is allocated × the fragmentation fraction plus the replay's excess (Seq1F1B's heaviest stage), i.e. all of
        // reserved − allocated that is not outside PyTorch; `overhead` is the non-PyTorch memory alone.
        fragmentation: reserved - trace.peakBytes - overhead,
        overhead,
      },
      series: trace.series,
    };
  });
}

/** The stage with the highest reserved estimate. */
export function worstStage(memory: StageMemory[]): StageMemory {
  return memory.reduce((a, b) => (b.peakReservedBytes > a.peakReservedBytes ? b : a));
}

export function breakdownGiB(stage: StageMemory): MemoryBreakdown {
  const b = stage.breakdownBytes;
  return {
    weights: b.weights / GiB,
    grads: b.grads / GiB,
    paramGather: b.paramGather / GiB,
    gradBuckets: b.gradBuckets / GiB,
    optimizer: b.optimizer / GiB,
    activations: b.activations / GiB,
    kvCache: b.kvCache / GiB,
    logits: b.logits / GiB,
    fragmentation: b.fragmentation / GiB,
    overhead: b.overhead / GiB,
  };
}

/** Writes the memory verdict of one evaluation (OOM when reserved exceeds the GPU's capacity). */
export function applyMemory(evaluation: ScheduleEvaluation, memory: StageMemory[], capacityGiB: number): void {
  evaluation.memory = memory;
  evaluation.peakMemoryGiBPerStage = memory.map((m) => m.peakBytes / GiB);
  evaluation.peakReservedGiBPerStage = memory.map((m) => m.peakReservedBytes / GiB);
  const worst = worstStage(memory);
  evaluation.oom = worst.peakReservedBytes > capacityGiB * GiB;
  evaluation.memoryBreakdownGiB = breakdownGiB(worst);
}

/** Chunk lengths for k splits, falling back to an even cut when the partitioner cannot help. */
export function chunkLengths(config: RunConfig, seqLength: number, splits: number, strategy: SplitStrategy): number[] {
  if (splits <= 1) return [seqLength];
  try {
    const lengths = partitionSequence(config, splits, strategy);
    if (lengths.length === splits && lengths.every((x) => x > 0) && lengths.reduce((a, b) => a + b, 0) === seqLength)
      return lengths;
  } catch {
    // An invalid partition is the engine's diagnostic to report; memory falls back to an even cut.
  }
  const base = Math.floor(seqLength / splits);
  return Array.from({ length: splits }, (_, j) => base + (j < seqLength - base * splits ? 1 : 0));
}

/** Fills the memory fields of every simulated evaluation (the split strategy is the override's or the file's). */
export function fillStageMemory(
  config: RunConfig,
  shape: ModelShape,
  evaluations: Partial<Record<ScheduleName, ScheduleEvaluation>>,
  strategy: SplitStrategy,
  settings: MemorySettings,
  capacityGiB: number,
): void {
  for (const evaluation of Object.values(evaluations)) {
    if (!evaluation || !evaluation.applicable || !evaluation.sim) continue;
    const lengths = chunkLengths(config, shape.seqLength, evaluation.sim.spec.splits, strategy);
    const memory = computeStageMemory(shape, evaluation.sim, lengths, settings);
    // E (issue 18): a vocabulary-parallel 1F1B moves the vocabulary terms and activations (memory/vocabParallel.ts).
    const vp = evaluation.vocabParallel;
    const constants = { ...DEFAULT_OVERHEADS, ...settings.constants };
    const spec = evaluation.sim.spec;
    applyMemory(
      evaluation,
      vp ? vocabParallelMemory(shape, memory, vp, spec.microbatches, constants) : memory,
      capacityGiB,
    );
  }
}
