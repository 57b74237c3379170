// The schedule engine: the file's model and cluster → one simulated timeline per pipeline schedule and the metrics
// the Seq1F1B repo prints (step time, tokens/s, TFLOP/s per GPU). Numbers only: the bubble hint that compares them
// lives in advice/bubbleHint.ts.
import { hybridNotModelled } from '../model/hybrid';
import { DEFAULT_CANDIDATE_SPLITS } from '../defaults';
import { layerLayout, layersPerRank, layerSplitProblem } from '../model/layout';
import { missingModelValues as missingShapeValues, type ModelShape } from '../model/shape';
import type {
  GpuProfile,
  LaunchConfigRead,
  NotApplicable,
  RunConfig,
  ScheduleEvaluation,
  ScheduleName,
  ScheduleSpec,
  SimResult,
  SplitStrategy,
} from '../types';
import { SCHEDULE_NAMES } from '../types';
import { stepTimeBreakdown } from './cost/breakdown';
import { buildStageCosts, costFlagsOf, DEFAULT_COST_CONSTANTS, type CostConstants, type StageCosts } from './costModel';
import { partitionSequence, sequenceFlops, solverModel } from './partition';
import { DEFAULT_MAX_OPS, interleavedWarmupOf, isZeroBubble, scheduleNotApplicable } from './programs';
import { chunkPlacement, isBidirectional, placementFlagsOf, placementTables } from './placement';
import { dualPipeFirstStartMs } from './dualPipe';
import { outOfRangeReasons } from '../megatron/bounds';
import { simulateSchedule, type SimCosts } from './simulator';
import { spendWork, unsampledWhatIf, type WorkBudget } from './workBudget';
import { opsOf, sampledOpsOf, simulatePeriodic, type PeriodicRun } from './periodic';

// The display names moved to their own module (engine.ts's 600-line limit); callers import them from here as before.
export { scheduleLabel } from './scheduleLabel';
import { memoShape, type AnalysisMemo } from './analysisMemo';

export interface EngineOptions {
  gpu: GpuProfile;
  /** Fraction of dense peak large GEMMs reach (the calibration knob); default: the GPU profile's gemmEfficiency. */
  efficiency?: number | undefined;
  /** k values tried when the file sets no --pipe-sp-splits (default DEFAULT_CANDIDATE_SPLITS; k = 1 is skipped). */
  candidateSplits?: number[] | undefined;
  overrides?:
    | {
        schedule?: ScheduleName | undefined;
        splits?: number | undefined;
        strategy?: SplitStrategy | undefined;
        microbatches?: number | undefined;
      }
    | undefined;
  /** Bubble hint threshold (fraction of the step; read by advice/bubbleHint); default DEFAULT_BUBBLE_HINT_FRACTION. */
  bubbleHintFraction?: number | undefined;
  /** Cost-model constants (see costModel.ts for their sources); `efficiency` above wins over costConstants.efficiency. */
  costConstants?: Partial<CostConstants> | undefined;
  /** Most ops one simulation may have (default 4,194,304); larger schedules are reported not-applicable. */
  maxOps?: number | undefined;
  /** Evaluate only the configured (or overridden) schedule: no what-if alternatives, no bubble hint. */
  onlySelected?: boolean | undefined;
  /** Leave out the step-time breakdown (the recommendation sweep reads only step times and memory; issue 16). */
  skipBreakdown?: boolean | undefined;
  /** The caller reads `sim` before its next transient evaluation and keeps none of it (simulator.ts `transient`). */
  transientTimeline?: boolean | undefined;
  /**
   * The analysis's shared work budget (analyze() makes one per analysis; absent = unbounded). Every simulation, the
   * engine's and the memory sweep's alike (it passes these options on), spends its op count from it; once a
   * simulation no longer fits, that schedule is "not simulated" with the reason. Order decides who is served: the
   * file's own schedule first, then the what-if schedules, then the recommendation sweep.
   */
  workBudget?: WorkBudget | undefined;
  /**
   * Issue 16: a schedule of more than `aboveOps` ops is simulated as periodic samples of at most `sampleOps` ops
   * together and extrapolated (periodic.ts; the evaluation says so in `extrapolated`). Absent: always in full.
   */
  aggregate?: { aboveOps: number; sampleOps: number } | undefined;
  /** What this analysis resolves once for all its evaluations (analysisMemo.ts; analyze() makes one). */
  memo?: AnalysisMemo | undefined;
}

export interface PartitionInfo {
  strategy: SplitStrategy;
  lengths: number[];
}

export interface EngineResult {
  partition: PartitionInfo | null;
  evaluations: Partial<Record<ScheduleName, ScheduleEvaluation>>;
  selected: ScheduleName | null;
}

/** One schedule on the file's model and cluster (used by the memory model's recommendation sweep and the webview what-ifs). */
export interface ScheduleChoice {
  schedule: ScheduleName;
  splits: number;
  strategy: SplitStrategy;
  virtualStages: number;
  /** Overrides the file's number of microbatches (what-if). */
  microbatches?: number | undefined;
  /** Where k came from; default 'file' when it equals the file's --pipe-sp-splits, else 'fixed' (chosen by the caller). */
  splitsSource?: ScheduleEvaluation['splitsSource'];
}

const SEQ_SCHEDULES: ReadonlySet<ScheduleName> = new Set<ScheduleName>([
  'seq1f1b',
  'seq1f1b-interleaved',
  'seq1f1b-zb',
]);
const INTERLEAVED: ReadonlySet<ScheduleName> = new Set<ScheduleName>(['1f1b-interleaved', 'seq1f1b-interleaved']);

/** The schedule a Seq1F1B-repo launch runs: k>1 & v>1 → Seq1F1B-I, k>1 → Seq1F1B, v>1 → interleaved 1F1B, else 1F1B. */
export function configuredSchedule(config: RunConfig): ScheduleName {
  const k = config.pipeSpSplits ?? 1;
  const v = config.virtualStages ?? 1;
  if (config.zeroBubbleSchedule === 'zb-h1' && k === 1 && v === 1) return 'zb-h1';
  if (config.zeroBubbleSchedule === 'zb-2p' && k === 1 && v === 1) return 'zb-h2';
  // --zero-bubble-v-schedule sets v = 2 itself and refuses --num-layers-per-virtual-pipeline-stage (zbpp_utils.py:109-118).
  if (config.zeroBubbleSchedule === 'zb-v' && k === 1) return 'zb-v';
  // MindSpeed refuses dualpipev with a virtual pipeline (dualpipev_feature.py:37-39): its two chunks are the V.
  if (config.zeroBubbleSchedule === 'dualpipev' && k === 1) return 'dualpipev';
  // The fork's V with --zero-bubble-v-schedule-mem-setup half|min (vShape.ts), its VPP runtime (groupInterleaved.ts).
  const zb = config.zeroBubbleSchedule;
  if (k === 1 && (zb === 'v-half' || zb === 'v-min' || (zb === 'group-interleaved' && v > 1))) return zb;
  if (k > 1) return v > 1 ? 'seq1f1b-interleaved' : 'seq1f1b';
  return v > 1 ? '1f1b-interleaved' : '1f1b';
}

/** The cost constants a run uses: the defaults, then costConstants, then `efficiency`. */
export function constantsOf(options: EngineOptions): CostConstants {
  const c = { ...DEFAULT_COST_CONSTANTS, ...options.costConstants };
  if (options.efficiency !== undefined) c.efficiency = options.efficiency;
  return c;
}

/**
 * The data-parallel size the engine simulates with: the resolved one, else world / (TP·PP·CP) — only when that is a
 * whole number. Megatron refuses a world that TP·PP·CP does not divide (megatron/training/arguments.py:432, "world
 * size … is not divisible by total_model_size"; our `world-size-not-divisible` rule), so a fractional DP is never a run
 * to simulate (issue 16: TP 8 × PP 16 on 8 GPUs gave DP 1/16 and 16× the microbatches).
 */
function dataParallelOf(config: RunConfig): { dp: number | null; problem: string | null } {
  if (config.dataParallel != null) return { dp: config.dataParallel, problem: null };
  if (config.worldSize == null || config.pipelineParallel == null) return { dp: null, problem: null };
  const modelGpus = (config.tensorParallel ?? 1) * config.pipelineParallel * (config.contextParallel ?? 1);
  const dp = config.worldSize / modelGpus;
  if (Number.isInteger(dp) && dp >= 1) return { dp, problem: null };
  return {
    dp: null,
    problem: `data-parallel size (world size ${config.worldSize} is not divisible by TP·PP·CP = ${modelGpus})`,
  };
}

/** m: the file's value, else global batch / (micro batch · DP) as Megatron derives it (DP a whole number). */
function microbatchesOf(config: RunConfig): number | null {
  if (config.numMicrobatches != null) return config.numMicrobatches;
  const gbs = config.globalBatchSize;
  const mbs = config.microBatchSize ?? 1;
  const { dp } = dataParallelOf(config);
  if (gbs == null || dp == null) return null;
  const m = gbs / (mbs * dp);
  return Number.isInteger(m) && m >= 1 ? m : null;
}

function notApplicable(
  choice: ScheduleChoice,
  reason: string,
  whatIf: boolean,
  splitsSource: ScheduleEvaluation['splitsSource'],
): ScheduleEvaluation {
  return {
    schedule: choice.schedule,
    applicable: false,
    reason,
    splits: choice.splits,
    virtualStages: choice.virtualStages,
    whatIf,
    splitsSource,
    stepTimeMs: null,
    bubbleFraction: null,
    tokensPerSecond: null,
    tflopsPerGpu: null,
    peakMemoryGiBPerStage: null,
    peakReservedGiBPerStage: null,
    oom: null,
    memoryBreakdownGiB: null,
  };
}

const MICROBATCHES_UNKNOWN = 'number of microbatches (global-batch-size / (micro-batch-size · DP))';

/** Names of the values the engine needs but the file leaves unknown. */
export function missingModelValues(config: RunConfig): string[] {
  const missing: string[] = [];
  if (config.pipelineParallel == null) missing.push('pipeline-model-parallel-size');
  if (microbatchesOf(config) == null)
    missing.push(
      config.numMicrobatches == null ? (dataParallelOf(config).problem ?? MICROBATCHES_UNKNOWN) : MICROBATCHES_UNKNOWN,
    );
  missing.push(...missingShapeValues(config));
  return missing;
}

/** Simulates one schedule with real durations; `sim` is attached, memory fields are null (the memory model fills them). */
export function evaluateSchedule(
  config: RunConfig,
  choice: ScheduleChoice,
  options: EngineOptions,
): ScheduleEvaluation {
  const constants = constantsOf(options);
  const isSeq = SEQ_SCHEDULES.has(choice.schedule);
  const splitsSource =
    choice.splitsSource ?? (!isSeq ? 'fixed' : choice.splits === config.pipeSpSplits ? 'file' : 'fixed');
  const m = choice.microbatches ?? microbatchesOf(config);
  const fileSchedule = configuredSchedule(config);
  const whatIf =
    choice.schedule !== fileSchedule ||
    (isSeq && choice.splits !== (config.pipeSpSplits ?? 1)) ||
    (INTERLEAVED.has(choice.schedule) && choice.virtualStages !== (config.virtualStages ?? 1)) ||
    (choice.microbatches !== undefined && choice.microbatches !== microbatchesOf(config)) ||
    (isSeq && choice.strategy !== (config.pipeSpStrategy ?? 'average'));

  const missing = missingModelValues(config).filter(
    (x) => !(choice.microbatches !== undefined && x.startsWith('number of microbatches')),
  );
  if (missing.length)
    return notApplicable(choice, `cannot simulate: unknown ${missing.join(', ')}`, whatIf, splitsSource);
  const hybrid = hybridNotModelled(config);
  if (hybrid) return notApplicable(choice, hybrid, whatIf, splitsSource);
  const resolved = memoShape(config, options.memo);
  if (!resolved.ok)
    return notApplicable(choice, `cannot simulate: unknown ${resolved.missing.join(', ')}`, whatIf, splitsSource);
  const mdl = resolved.shape;
  const p = mdl.pp;
  const splitProblem = layerSplitProblem(mdl);
  if (splitProblem != null) return notApplicable(choice, splitProblem, whatIf, splitsSource);
  if (m == null) return notApplicable(choice, 'cannot simulate: unknown number of microbatches', whatIf, splitsSource);

  const spec = {
    schedule: choice.schedule,
    stages: p,
    microbatches: m,
    splits: choice.splits,
    virtualStages: choice.virtualStages,
    ...interleavedWarmupOf(config, choice.schedule),
  };
  const maxOps = options.maxOps ?? DEFAULT_MAX_OPS;
  // A long periodic schedule is sampled instead of refused for its length (the samples are bounded instead).
  const sampleOps = sampleOpsFor(spec, options);
  const sampled = sampleOps !== null;
  const reason =
    scheduleNotApplicable(spec, sampled ? Number.MAX_SAFE_INTEGER : maxOps) ?? layoutNotApplicable(mdl, config, choice);
  if (reason) return notApplicable(choice, reason, whatIf, splitsSource);

  const lengths = isSeq ? partitionSequence(config, choice.splits, choice.strategy) : [mdl.seqLength];
  if (lengths.some((x) => x <= 0))
    return notApplicable(
      choice,
      `the ${choice.strategy} split of ${mdl.seqLength} tokens into ${choice.splits} chunks leaves an empty chunk`,
      whatIf,
      splitsSource,
    );
  const overBudget =
    unsampledWhatIf(whatIf, sampled, opsOf(spec), options.aggregate) ??
    spendWork(options.workBudget, whatIf, sampleOps ?? opsOf(spec));
  if (overBudget) return notApplicable(choice, overBudget, whatIf, splitsSource);

  const stage = buildStageCosts(
    mdl,
    choice.virtualStages,
    lengths,
    isZeroBubble(choice.schedule),
    options.gpu,
    constants,
    { ...costFlagsOf(config), ...placementFlagsOf(choice.schedule) },
  );
  const run = simulateRun(spec, stage.costs, options, whatIf, sampled);
  if ('applicable' in run) return notApplicable(choice, run.reason, whatIf, splitsSource);
  const { sim, stepTimeMs, bubbleFraction } = figuresOf(run, stage.afterFlushMsPerRank);
  const gbs = mdl.microBatch * m * mdl.dp;
  const world = mdl.tp * p * mdl.cp * mdl.dp;
  const model = solverModel(config);
  const flopsPerSequence = model == null ? null : sequenceFlops(model, mdl.seqLength);
  const seconds = stepTimeMs / 1e3;
  const notes = [
    ...('sampleMicrobatches' in run ? [sampledNote(run)] : []),
    ...(isSeq ? splitNotes(choice, splitsSource, lengths) : []),
  ];
  return {
    schedule: choice.schedule,
    applicable: true,
    reason: notes.length ? notes.join('; ') : null,
    splits: choice.splits,
    virtualStages: choice.virtualStages,
    whatIf,
    splitsSource,
    stepTimeMs,
    bubbleFraction,
    tokensPerSecond: (gbs * mdl.seqLength) / seconds,
    // Spec §4: the repo's TFLOPS = 3 · GBS · T(S) / t_iter / world, T(S) the causal forward FLOPs of §2.2.
    tflopsPerGpu: flopsPerSequence == null ? null : (3 * gbs * flopsPerSequence) / seconds / world / 1e12,
    peakMemoryGiBPerStage: null,
    peakReservedGiBPerStage: null,
    oom: null,
    memoryBreakdownGiB: null,
    ...sampledOrBreakdown(run, sim, stage, options),
    sim,
  };
}

/** A sampled run says so; a full one has its breakdown (of the timeline: a sample's would mislead) unless skipped. */
function sampledOrBreakdown(run: SimResult | PeriodicRun, sim: SimResult, stage: StageCosts, options: EngineOptions) {
  if (!('sampleMicrobatches' in run))
    return options.skipBreakdown ? {} : { stepTimeBreakdown: stepTimeBreakdown(sim, stage) };
  return { extrapolated: { sampleMicrobatches: run.sampleMicrobatches, periodMicrobatches: run.periodMicrobatches } };
}

/**
 * A lower bound on a choice's step time from its cost tables alone, no simulation (the recommendation sweep skips a
 * candidate whose bound is above the best step it has): rank r cannot start before microbatch 0's first chunk has
 * been forwarded through ranks 0…r−1 (the first op of every program is that forward), is then busy for the sum of
 * its ops' durations, and ends with what follows the flush — for the 1F1B closed form (m + p − 1)(f + b) exactly. DualPipe's
 * direction 1 starts at rank p − 1, so there the start is the nearer end's (dualPipeFirstStartMs). Null when the choice cannot be costed. `shape`: the
 * config's resolved model when the caller has it.
 */
export function stepTimeLowerBound(
  config: RunConfig,
  choice: ScheduleChoice,
  options: EngineOptions,
  shape?: ModelShape,
): number | null {
  const m = choice.microbatches ?? microbatchesOf(config);
  const resolved = shape ? { ok: true as const, shape } : memoShape(config, options.memo);
  if (m == null || !resolved.ok || layerSplitProblem(resolved.shape) != null) return null;
  const mdl = resolved.shape;
  const isSeq = SEQ_SCHEDULES.has(choice.schedule);
  const lengths = isSeq ? partitionSequence(config, choice.splits, choice.strategy) : [mdl.seqLength];
  if (lengths.some((x) => x <= 0)) return null;
  const zb = isZeroBubble(choice.schedule);
  const stage = buildStageCosts(mdl, choice.virtualStages, lengths, zb, options.gpu, constantsOf(options), {
    ...costFlagsOf(config),
    ...placementFlagsOf(choice.schedule),
  });
  const { forward, backward, weight, p2pForward, p2pForwardByRank, p2pBackward, p2pBackwardByRank } = stage.costs;
  const p = mdl.pp;
  const k = choice.splits;
  const after = stage.afterFlushMsPerRank;
  let bound = 0;
  let head = 0;
  let tail = 0;
  // `!` reads: cost slots s·k + j < p·v·k, p2p slots < p·k and afterFlush has p entries (buildStageCosts' layout).
  const { stageOf } = placementTables({ schedule: choice.schedule, stages: p, virtualStages: choice.virtualStages });
  // DualPipe: m/2 microbatches on each chunk; the first op waits for the nearer end's first microbatch (dualPipe.ts).
  const dualHead = isBidirectional(choice.schedule) ? dualPipeFirstStartMs(stage.costs, p) : null;
  for (let r = 0; r < p; r++) {
    let perMicrobatch = 0;
    for (let c = 0; c < choice.virtualStages; c++)
      for (let j = 0, s = stageOf[c * p + r]!; j < k; j++)
        perMicrobatch += forward[s * k + j]! + backward[s * k + j]! + (zb ? weight[s * k + j]! : 0);
    const busy = dualHead ? dualHead[r]! + (m / 2) * perMicrobatch : head + m * perMicrobatch;
    bound = Math.max(bound, busy + after[r]!);
    // Without W ops every rank's program ends with the backward of the last microbatch's first chunk on model chunk 0
    // (programs.ts), which then still has to pass down ranks r−1…0 before rank 0 can finish.
    if (!zb) bound = Math.max(bound, busy + tail + after[0]!);
    head += forward[r * k]! + (p2pForwardByRank ? p2pForwardByRank[r * k]! : p2pForward[0]!);
    tail += backward[r * k]! + (p2pBackwardByRank ? p2pBackwardByRank[((r + 1) % p) * k]! : p2pBackward[0]!);
  }
  return bound;
}

/** Where k came from and how the sequence is split, for a Seq1F1B variant's reason line. */
function splitNotes(
  choice: ScheduleChoice,
  splitsSource: ScheduleEvaluation['splitsSource'],
  lengths: number[],
): string[] {
  return [
    splitsSource === 'file'
      ? `k=${choice.splits} from --pipe-sp-splits`
      : splitsSource === 'recommended'
        ? `k=${choice.splits} recommended (fastest of the candidates; the file sets no --pipe-sp-splits)`
        : `k=${choice.splits} chosen for this what-if`,
    `${choice.strategy} split [${lengths.join(', ')}] tokens`,
  ];
}

/** Ops of the periodic samples when the schedule is long enough to be sampled (EngineOptions.aggregate), else null. */
function sampleOpsFor(spec: ScheduleSpec, options: EngineOptions): number | null {
  const { aggregate } = options;
  // GPipe holds every microbatch before its first backward: its memory grows with m, so no sample stands for it.
  // ZB-H2, ZB-V: sampled past 4p (periodic.ts settlesAfter). DualPipeV's samples are not checked against its full
  // runs yet, so it too is simulated in full; nor are DualPipe's, V-Half's, V-Min's and group-interleaved's (vShape.ts…).
  if (
    !aggregate ||
    spec.schedule === 'gpipe' ||
    spec.schedule === 'dualpipev' ||
    ['dualpipe', 'v-half', 'v-min', 'group-interleaved'].includes(spec.schedule) ||
    opsOf(spec) <= aggregate.aboveOps
  )
    return null;
  return sampledOpsOf(spec, aggregate.sampleOps);
}

/** The timeline drawn, step time and bubble of a run: a sampled run's are extrapolated (sampledStepTime). */
function figuresOf(
  run: SimResult | PeriodicRun,
  afterFlushMsPerRank: Float64Array,
): { sim: SimResult; stepTimeMs: number; bubbleFraction: number } {
  if ('sampleMicrobatches' in run)
    return {
      sim: run.sim,
      stepTimeMs: sampledStepTime(run, afterFlushMsPerRank),
      bubbleFraction: run.bubbleFraction,
    };
  return { sim: run, stepTimeMs: stepTime(run, afterFlushMsPerRank), bubbleFraction: run.bubbleFraction };
}

/** The periodic samples of a long schedule (`sampled`), else — or when they do not repeat yet — the full run. */
function simulateRun(
  spec: ScheduleSpec,
  costs: SimCosts,
  options: EngineOptions,
  whatIf: boolean,
  sampled: boolean,
): SimResult | PeriodicRun | NotApplicable {
  const maxOps = options.maxOps ?? DEFAULT_MAX_OPS;
  const periodic = sampled ? simulatePeriodic(spec, costs, options.aggregate?.sampleOps ?? 0) : null;
  if (periodic && !('applicable' in periodic)) return periodic;
  if (opsOf(spec) > maxOps) return { applicable: false, reason: periodicRefusal(spec, maxOps, periodic) };
  // Samples that do not repeat yet: the full run, if the budget still has room for it.
  const fullOver = sampled ? spendWork(options.workBudget, whatIf, opsOf(spec)) : null;
  return fullOver
    ? { applicable: false, reason: fullOver }
    : simulateSchedule(spec, costs, maxOps, options.transientTimeline === true);
}

/** Why a long schedule is not simulated: too long for the simulator, and (when sampling was tried) not periodic. */
function periodicRefusal(spec: ScheduleSpec, maxOps: number, periodic: PeriodicRun | NotApplicable | null): string {
  const length = `${opsOf(spec).toLocaleString('en-US')} ops exceed the simulator's budget of ${maxOps.toLocaleString('en-US')}`;
  return periodic && 'reason' in periodic
    ? `${length}, and its periodic samples do not apply: ${periodic.reason}`
    : length;
}

/** The step of a sampled run: the slowest rank's extrapolated last op plus what follows the flush on it. */
function sampledStepTime(run: PeriodicRun, afterFlushMsPerRank: Float64Array): number {
  let worst = 0;
  // Both arrays have one entry per pipeline rank.
  for (let r = 0; r < run.lastEndByStage.length; r++)
    worst = Math.max(worst, run.lastEndByStage[r]! + afterFlushMsPerRank[r]!);
  return worst;
}

function sampledNote(run: PeriodicRun): string {
  return `extrapolated: ${run.sampleMicrobatches.toLocaleString('en-US')} of ${run.microbatches.toLocaleString('en-US')} microbatches simulated (the timeline shows them); the steady state repeats every ${run.periodMicrobatches} microbatches, so step time and bubble follow from the sample's last periods`;
}

/** The step ends when the slowest rank has finished its last op, its gradient reduction and its optimizer step. */
function stepTime(sim: SimResult, afterFlushMsPerRank: Float64Array): number {
  const { stageOffsets, end } = sim;
  let worst = 0;
  for (let r = 0; r < sim.spec.stages; r++) {
    let last = 0;
    // stageOffsets has p + 1 entries and every op index is < end.length (the simulator's layout).
    for (let q = stageOffsets[r]!; q < stageOffsets[r + 1]!; q++) if (end[q]! > last) last = end[q]!;
    worst = Math.max(worst, last + afterFlushMsPerRank[r]!);
  }
  return worst;
}

/**
 * The smallest PP the file's Megatron runs the interleaved schedule with (RunConfig.interleavedMinPipeline: 2 with
 * p2p overlap in current Megatron-LM and MindSpeed-LLM, 3 in the older forks); the op programs allow any p ≥ 2.
 */
function interleavedNotApplicable(config: RunConfig, choice: ScheduleChoice, p: number): string | null {
  const least = config.interleavedMinPipeline ?? 3;
  if (choice.schedule !== '1f1b-interleaved' || p >= least) return null;
  return `this Megatron runs the interleaved schedule only with more than ${least - 1} pipeline stages (p=${p}): without p2p overlap, and in the older forks, two sends and receives between the same 2 ranks would share a batch`;
}

/** Layout constraints of the file's Megatron / the Seq1F1B repo that the op programs do not see. */
function layoutNotApplicable(shape: ModelShape, config: RunConfig, choice: ScheduleChoice): string | null {
  const { seqLength, tp, cp, sequenceParallel: sp } = shape;
  const v = choice.virtualStages;
  const interleaved = interleavedNotApplicable(config, choice, shape.pp);
  if (interleaved) return interleaved;
  // Chunks split layer slots: MindSpeed's no-op layers count here (they are built, as identities).
  const layers = layersPerRank(layerLayout({ ...shape, noopLayers: [] }, 1), shape.pp);
  // A dialect's own placement for v chunks per rank may be uneven across chunks (a layout string).
  const stated = shape.stageLayers?.length === shape.pp * v;
  // DualPipe's two chunks are whole stages (layout.ts bidirectionalLayout): nothing to halve.
  if (v > 1 && !stated && !isBidirectional(choice.schedule) && layers.some((l) => l % v !== 0)) {
    // The Zero-Bubble fork's V halves each stage itself and asserts an even count (zbpp_utils.py:109-116).
    if (chunkPlacement(choice.schedule) === 'v-shape') return `the V needs an even number of layers on every stage`;
    return `the layers per stage (${[...new Set(layers)].join('/')}) are not divisible by v=${v} virtual stages (--num-layers-per-virtual-pipeline-stage)`;
  }
  if (!SEQ_SCHEDULES.has(choice.schedule)) return null;
  const k = choice.splits;
  if (cp > 1)
    return 'the Seq1F1B repo predates context parallelism; it cannot split sequences with --context-parallel-size > 1';
  if (choice.strategy === 'average' && seqLength % k !== 0)
    return `the repo's average split needs k to divide the sequence length (S=${seqLength}, k=${k}); its p2p shapes would mismatch`;
  if (sp && tp > 1 && choice.strategy === 'average' && (seqLength / k) % tp !== 0)
    return `under sequence parallelism each chunk (S/k = ${seqLength / k}) must be divisible by TP=${tp}`;
  return null;
}

/** Every schedule on the file's model and cluster, the one the file configures marked `selected`. */
export function evaluateAllSchedules(read: LaunchConfigRead, options: EngineOptions): EngineResult {
  const config = read.config;
  const ov = options.overrides ?? {};
  const fileK = config.pipeSpSplits ?? 1;
  const fileV = config.virtualStages ?? 1;
  const strategy: SplitStrategy = ov.strategy ?? config.pipeSpStrategy ?? 'average';
  const selected: ScheduleName = ov.schedule ?? configuredSchedule(config);
  const candidates = (options.candidateSplits ?? DEFAULT_CANDIDATE_SPLITS).filter((k) => Number.isInteger(k) && k > 1);
  const evaluations: Partial<Record<ScheduleName, ScheduleEvaluation>> = {};

  const missing = missingModelValues(config).filter(
    (x) => !(ov.microbatches !== undefined && x.startsWith('number of microbatches')),
  );
  // A value refused by megatron/bounds.ts is unknown to the engine; say why rather than just "unknown".
  const refused = outOfRangeReasons(read.sources);
  const evaluate = (name: ScheduleName): ScheduleEvaluation => {
    const chunked = INTERLEAVED.has(name) || name === 'group-interleaved';
    const v = chunkPlacement(name) === 'v-shape' ? 2 : chunked ? (fileV > 1 ? fileV : 2) : 1;
    const base = { schedule: name, strategy, virtualStages: v, microbatches: ov.microbatches };
    let e: ScheduleEvaluation;
    if (!SEQ_SCHEDULES.has(name)) {
      e = evaluateSchedule(config, { ...base, splits: 1, splitsSource: 'fixed' }, options);
    } else if (ov.splits !== undefined && ov.splits > 1) {
      e = evaluateSchedule(config, { ...base, splits: ov.splits, splitsSource: 'fixed' }, options);
    } else if (fileK > 1) {
      e = evaluateSchedule(config, { ...base, splits: fileK, splitsSource: 'file' }, options);
    } else {
      const [first, ...rest] = candidates;
      e =
        missing.length > 0 || first === undefined
          ? evaluateSchedule(config, { ...base, splits: first ?? 2, splitsSource: 'recommended' }, options)
          : recommendSplits(config, base, [first, ...rest], options);
    }
    if (!e.applicable && refused.length > 0 && e.reason?.startsWith('cannot simulate: unknown'))
      e.reason = `not simulated: ${refused.join('; ')}`;
    return e;
  };
  // The file's own schedule first, so a shared work budget serves it before any what-if (the record keeps
  // SCHEDULE_NAMES order, which the front ends and the JSON output show).
  const own = SCHEDULE_NAMES.includes(selected) ? evaluate(selected) : null;
  for (const name of SCHEDULE_NAMES) {
    if (options.onlySelected && name !== selected) continue;
    evaluations[name] = name === selected && own ? own : evaluate(name);
  }

  const sel = evaluations[selected];
  const partition: PartitionInfo | null =
    config.seqLength == null || !sel
      ? null
      : SEQ_SCHEDULES.has(selected)
        ? { strategy, lengths: partitionSequence(config, sel.splits, strategy) }
        : { strategy: 'average', lengths: [config.seqLength] };

  return { partition, evaluations, selected };
}

/** The fastest applicable k among the candidates (ties → the smaller k: fewer, larger p2p messages). */
function recommendSplits(
  config: RunConfig,
  base: Omit<ScheduleChoice, 'splits'>,
  candidates: readonly [number, ...number[]],
  options: EngineOptions,
): ScheduleEvaluation {
  let best: { evaluation: ScheduleEvaluation; stepTimeMs: number } | null = null;
  const reasons: string[] = [];
  for (const k of [...new Set(candidates)].sort((a, b) => a - b)) {
    const e = evaluateSchedule(config, { ...base, splits: k, splitsSource: 'recommended' }, options);
    if (!e.applicable || e.stepTimeMs == null) reasons.push(`k=${k}: ${e.reason}`);
    else if (!best || e.stepTimeMs < best.stepTimeMs * (1 - 1e-9)) best = { evaluation: e, stepTimeMs: e.stepTimeMs };
  }
  if (best) return best.evaluation;
  // Most refusals do not depend on k (p ≤ 2, m % p ≠ 0, unknown sizes): say them once.
  const distinct = [...new Set(reasons.map((r) => r.replace(/^k=\d+: /, '')))];
  const [only] = distinct;
  const reason = distinct.length === 1 && only !== undefined ? only : `no candidate k applies (${reasons.join('; ')})`;
  return notApplicable({ ...base, splits: candidates[0] }, reason, true, 'recommended');
}
