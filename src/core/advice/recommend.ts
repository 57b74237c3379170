// The schedule recommendation: a coarse sweep over schedule × k × split strategy on the file's model and cluster,
// keeping the fastest one whose worst stage stays under warningFraction of the GPU's memory.
import { DEFAULT_CANDIDATE_SPLITS } from '../defaults';
import { GiB } from '../memory/overheads';
import { applyMemory, chunkLengths, computeStageMemory, worstStage, type MemorySettings } from '../memory/stageMemory';
import { layerLayout, layersPerRank, layerSplitProblem } from '../model/layout';
import type { ModelShape } from '../model/shape';
import { evaluateSchedule, stepTimeLowerBound, type EngineOptions, type ScheduleChoice } from '../schedule/engine';
import { scheduleNotApplicable } from '../schedule/programs';
import { isBidirectional } from '../schedule/placement';
import type { RunConfig, ScheduleEvaluation, ScheduleName, SplitStrategy, StageMemory } from '../types';

/**
 * What the sweep found against the configured run (issue 17: advice that is better or says there is none):
 * - `faster`: fits with margin and is faster than the configured schedule at the same global batch;
 * - `fits-slower`: the configured schedule does not fit with margin, this one does, at the step-time cost stated;
 * - `configured-is-fastest`: nothing that fits beats the configured schedule — no change is recommended;
 * - `none-fits`: nothing in the searched space fits; the candidate is the closest (least memory).
 */
export type RecommendationVerdict = 'faster' | 'fits-slower' | 'configured-is-fastest' | 'none-fits';

export interface Recommendation {
  verdict: RecommendationVerdict;
  /** The configured schedule's step time at the same global batch, when it was simulated. */
  configuredStepTimeMs: number | null;
  /** The space the sweep covered, in words (schedules, k values, split strategies, v). */
  searched: string;
  schedule: ScheduleName;
  splits: number;
  strategy: SplitStrategy;
  stepTimeMs: number;
  /** Worst stage's estimated reserved memory (what decides "fits"), GiB. */
  peakMemoryGiB: number;
  fits: boolean;
  reason: string;
  virtualStages: number;
}

export interface SweepOptions {
  engine: EngineOptions;
  settings: MemorySettings;
  capacityGiB: number;
  warningFraction: number;
  /** Skip a candidate whose timeline would have more ops than this (all stages together). */
  maxOps?: number | undefined;
  /** At most this many schedules are simulated. */
  maxEvaluations?: number | undefined;
}

export interface SweepCandidate {
  choice: ScheduleChoice;
  evaluation: ScheduleEvaluation;
  /**
   * Per stage, and its worst stage's reserved GiB. Exact for every candidate that fits and for the closest miss; a
   * candidate already over the limit without the allocator replay may keep that lower bound (sweepSchedules).
   */
  memory: StageMemory[];
  worstReservedGiB: number;
  fits: boolean;
}

const DEFAULT_MAX_OPS = 300_000;
/** Schedules with B and W split (3 ops per unit) that stock Megatron-LM and the Seq1F1B repo do not run. */
const ZERO_BUBBLE: ReadonlySet<ScheduleName> = new Set<ScheduleName>([
  'zb-h1',
  'seq1f1b-zb',
  'zb-h2',
  'zb-v',
  'v-half',
  'v-min',
  'dualpipev',
  'dualpipe',
  'group-interleaved',
]);

/**
 * The forks' whole-sequence schedules the sweep also searches (issue 18), each at k = 1 with its own chunk count: ZB-H2
 * as 1F1B's layout; ZB-V, V-Half, V-Min and DualPipeV as two chunks per rank in a V; the Zero-Bubble fork's
 * group-interleaved 1F1B with the file's v (0 here), else 2.
 */
const FORK_SCHEDULES: readonly (readonly [ScheduleName, number])[] = [
  ['zb-h2', 1],
  ['zb-v', 2],
  ['v-half', 2],
  ['v-min', 2],
  ['dualpipev', 2],
  // DualPipe: two whole stages per rank (one per direction), so the layers need not halve (layout.ts).
  ['dualpipe', 2],
  ['group-interleaved', 0],
];
const chunksOf = (v: number, shape: ModelShape): number => (v > 0 ? v : Math.max(2, shape.virtualStages));

/** A fork schedule the sweep leaves out, with the one reason (its own rule, not one per candidate). */
export interface SweepExclusion {
  schedule: ScheduleName;
  reason: string;
}

/**
 * Why each fork schedule is not searched for this run, or nothing when it is. The fork refuses PP 1 for every
 * zero-bubble schedule (zbpp_utils.py:133-134 at 39f2c186) and splits each stage's layers evenly into the V's two
 * chunks (:109-116); the rest is each schedule's own rule on (p, m) (programs.ts scheduleNotApplicable).
 */
export function sweepExclusions(config: RunConfig, shape: ModelShape, engine: EngineOptions): SweepExclusion[] {
  const p = shape.pp;
  const m = engine.overrides?.microbatches ?? config.numMicrobatches ?? p;
  const out: SweepExclusion[] = [];
  const layers = layerSplitProblem(shape) == null ? layersPerRank(layerLayout(shape, 1), p) : null;
  for (const [schedule, chunks] of FORK_SCHEDULES) {
    const v = chunksOf(chunks, shape);
    const per = layers ? [...new Set(layers)].join('/') : 'uneven split';
    let reason: string | null;
    if (p < 2) reason = 'needs pipeline parallelism (PP ≥ 2)';
    else if (v > 1 && !isBidirectional(schedule) && !layers?.every((l) => l % v === 0))
      reason =
        chunks === 2
          ? `the V needs an even number of layers on every stage (${per})`
          : `${per} layers per stage do not split into v=${v} chunks`;
    else reason = scheduleNotApplicable({ schedule, stages: p, microbatches: m, splits: 1, virtualStages: v });
    if (reason) out.push({ schedule, reason });
  }
  return out;
}

/** 43.2 s, 812 ms, 9.5 ms. */
export const stepTimeText = (ms: number): string =>
  ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`;
const DEFAULT_MAX_EVALUATIONS = 40;

/** The schedules worth simulating for this config; cheap to compute, no simulation. */
export function candidateChoices(
  config: RunConfig,
  shape: ModelShape,
  engine: EngineOptions,
  maxOps = DEFAULT_MAX_OPS,
): ScheduleChoice[] {
  const p = shape.pp;
  const m = engine.overrides?.microbatches ?? config.numMicrobatches ?? p;
  const s = shape.seqLength;
  const splits = (engine.candidateSplits ?? DEFAULT_CANDIDATE_SPLITS).filter(
    (k) => Number.isInteger(k) && k > 1 && k <= s,
  );
  // Interleaving needs p > 2, m % p == 0 and whole layers per model chunk on every rank; prefer the file's v.
  let v = shape.virtualStages > 1 ? shape.virtualStages : 2;
  const wholeChunks =
    layerSplitProblem(shape) == null && layersPerRank(layerLayout(shape, 1), p).every((l) => l % v === 0);
  if (!(p > 2 && m % p === 0 && wholeChunks)) v = 0;
  const choices: ScheduleChoice[] = [];
  const microbatches = engine.overrides?.microbatches;
  const push = (schedule: ScheduleName, k: number, strategy: SplitStrategy, vs: number): void => {
    choices.push(
      microbatches !== undefined
        ? { schedule, splits: k, strategy, virtualStages: vs, microbatches }
        : { schedule, splits: k, strategy, virtualStages: vs },
    );
  };
  push('1f1b', 1, 'average', 1);
  if (v > 1) push('1f1b-interleaved', 1, 'average', v);
  push('zb-h1', 1, 'average', 1);
  const excluded = new Set(sweepExclusions(config, shape, engine).map((x) => x.schedule));
  for (const [schedule, vs] of FORK_SCHEDULES)
    if (!excluded.has(schedule)) push(schedule, 1, 'average', chunksOf(vs, shape));
  for (const k of splits) {
    for (const strategy of ['average', 'uniform_comp'] as SplitStrategy[]) {
      // `average` needs k | S; the repo's interleaved variant needs k | p.
      if (strategy === 'average' && s % k !== 0) continue;
      push('seq1f1b', k, strategy, 1);
      if (v > 1 && p % k === 0) push('seq1f1b-interleaved', k, strategy, v);
      push('seq1f1b-zb', k, strategy, 1);
    }
  }
  // Bounded work: drop what would be too long to simulate (ops ≈ p·m·k·v·3 with B/W split).
  return choices.filter((c) => p * m * c.splits * c.virtualStages * 3 <= maxOps);
}

/**
 * Simulates every candidate and attaches its memory. `known` are evaluations already simulated with `knownStrategy`
 * (the engine's per-schedule results); a candidate with the same schedule, k and v reuses them.
 *
 * Pruning (issue 16): a long candidate whose step-time lower bound (engine.stepTimeLowerBound: cost tables, no
 * simulation) is above the fastest fitting step found so far is not simulated — it could neither be recommended nor
 * tie. Short ones are simulated outright (the bound costs about as much as simulating them). Two bests are kept,
 * because the recommendation also names the fastest schedule that runs with flags alone (not zero-bubble), and so
 * does the oom-risk lever. The candidates keep their order, the one in which the shared work budget serves them and
 * ties are broken, so only what could not win is left out.
 */
export function sweepSchedules(
  config: RunConfig,
  shape: ModelShape,
  options: SweepOptions,
  known: ScheduleEvaluation[] = [],
  knownStrategy: SplitStrategy = 'average',
): SweepCandidate[] {
  const maxOps = options.maxOps ?? DEFAULT_MAX_OPS;
  const maxEvaluations = options.maxEvaluations ?? DEFAULT_MAX_EVALUATIONS;
  const choices = candidateChoices(config, shape, options.engine, maxOps).slice(0, maxEvaluations);
  const m = options.engine.overrides?.microbatches ?? config.numMicrobatches ?? shape.pp;
  const ops = choices.map((c) => shape.pp * m * c.splits * c.virtualStages * (ZERO_BUBBLE.has(c.schedule) ? 3 : 2));
  const found: SweepCandidate[] = [];
  let bestAny = Infinity;
  let bestRunnable = Infinity;
  // The allocator replay (memory/fragmentation.ts) is most of a Seq1F1B candidate's cost and only adds to its reserved
  // figure. A candidate whose figure without it is already over the limit does not fit either way, and its figure
  // matters only as the closest miss when nothing fits: it is replayed only while nothing fits and it could still be
  // that closest one (not above the least replayed figure so far, so every candidate left below is exact and ties
  // fall as before). What the recommendation reads — fits, the pick's and the closest miss's memory, how many fit —
  // is the same as with every candidate replayed (recommendSweepReplay.test.ts).
  const limitGiB = options.warningFraction * options.capacityGiB;
  let closestGiB = Infinity;
  let anyFits = false;
  // `!` reads: i indexes choices and ops, which have the same length.
  for (let i = 0; i < choices.length; i++) {
    const choice = choices[i]!;
    const zeroBubble = ZERO_BUBBLE.has(choice.schedule);
    const best = zeroBubble ? bestAny : bestRunnable;
    if (best < Infinity && ops[i]! >= BOUND_WORTH_OPS && lowerBound(config, choice, options, shape) > best * (1 + 1e-9))
      continue;
    let exact = true;
    const replayWhen = (plainBytes: number): boolean =>
      (exact = plainBytes / GiB <= limitGiB || (!anyFits && plainBytes / GiB <= closestGiB));
    const candidate = simulateCandidate(config, shape, options, choice, known, knownStrategy, maxOps, replayWhen);
    if (!candidate) continue;
    found.push(candidate);
    if (exact) closestGiB = Math.min(closestGiB, candidate.worstReservedGiB);
    if (candidate.fits) {
      anyFits = true;
      const step = candidate.evaluation.stepTimeMs!;
      bestAny = Math.min(bestAny, step);
      if (!zeroBubble) bestRunnable = Math.min(bestRunnable, step);
    }
  }
  return found;
}

/** Below this many ops a candidate is simulated rather than bounded: building its cost tables costs about as much. */
const BOUND_WORTH_OPS = 1 << 14;

function lowerBound(config: RunConfig, choice: ScheduleChoice, options: SweepOptions, shape: ModelShape): number {
  try {
    return stepTimeLowerBound(config, choice, options.engine, shape) ?? 0;
  } catch {
    return 0; // no bound: the candidate is simulated
  }
}

/** One candidate simulated (or reused from `known`) with its memory; null when it does not apply. */
function simulateCandidate(
  config: RunConfig,
  shape: ModelShape,
  options: SweepOptions,
  choice: ScheduleChoice,
  known: ScheduleEvaluation[],
  knownStrategy: SplitStrategy,
  maxOps: number,
  replayWhen?: (plainReservedBytes: number) => boolean,
): SweepCandidate | null {
  const reuse = known.find(
    (e) =>
      e.schedule === choice.schedule &&
      e.splits === choice.splits &&
      e.virtualStages === choice.virtualStages &&
      e.memory &&
      e.sim &&
      !e.extrapolated &&
      (choice.splits === 1 || choice.strategy === knownStrategy),
  );
  let evaluation: ScheduleEvaluation;
  if (reuse) evaluation = reuse;
  else {
    try {
      // Its timeline is read below and then dropped (transientTimeline): the next candidate's run reuses its arrays.
      evaluation = evaluateSchedule(config, choice, {
        ...options.engine,
        skipBreakdown: true,
        transientTimeline: true,
      });
    } catch {
      return null; // a schedule the engine rejects is simply not a candidate
    }
  }
  const sim = evaluation.sim;
  if (!evaluation.applicable || !sim || evaluation.stepTimeMs == null || sim.opCount > maxOps) return null;
  const memory =
    reuse?.memory ??
    computeStageMemory(
      shape,
      sim,
      chunkLengths(config, shape.seqLength, choice.splits, choice.strategy),
      replayWhen ? { ...options.settings, replayWhen } : options.settings,
      // A candidate's worst stage is all the sweep reads; its series would be walked and reduced for nothing.
      true,
    );
  if (!reuse) {
    applyMemory(evaluation, memory, options.capacityGiB);
    // Its timeline was transient (above): keep none of it past this point. Nothing reads a candidate's sim later.
    delete evaluation.sim;
  }
  const worstReservedGiB = worstStage(memory).peakReservedBytes / GiB;
  return {
    choice,
    evaluation,
    memory,
    worstReservedGiB,
    fits: worstReservedGiB <= options.warningFraction * options.capacityGiB,
  };
}

export function describeChoice(choice: {
  schedule: ScheduleName;
  splits: number;
  strategy: SplitStrategy;
  virtualStages: number;
}): string {
  // Partial: a schedule added to the engine before it has a display name shows under its id.
  const names: Partial<Record<ScheduleName, string>> = {
    gpipe: 'GPipe',
    '1f1b': '1F1B',
    '1f1b-interleaved': 'interleaved 1F1B',
    seq1f1b: 'Seq1F1B',
    'seq1f1b-interleaved': 'interleaved Seq1F1B',
    'zb-h1': 'ZB-H1',
    'seq1f1b-zb': 'Seq1F1B-ZB',
    'zb-h2': 'ZB-H2',
    'zb-v': 'ZB-V',
    dualpipev: 'DualPipeV',
    dualpipe: 'DualPipe',
    'v-half': 'V-Half',
    'v-min': 'V-Min',
    'group-interleaved': 'group-interleaved 1F1B',
  };
  const parts: string[] = [];
  if (choice.splits > 1) parts.push(`k = ${choice.splits}`, choice.strategy);
  if (choice.virtualStages > 1) parts.push(`v = ${choice.virtualStages}`);
  const name = names[choice.schedule] ?? choice.schedule;
  return parts.length > 0 ? `${name} (${parts.join(', ')})` : name;
}

/**
 * A faster candidate must beat the configured step time by more than this fraction to be recommended: below it the
 * difference is inside the cost model's own error (mean 1.4–3.2 % on the published tables, docs/cost-model.md), so
 * "switch schedules" would be advice the numbers cannot support.
 */
const MIN_RECOMMENDED_GAIN = 0.02;

const fastest = (cs: SweepCandidate[]): SweepCandidate =>
  cs.reduce((a, b) => (b.evaluation.stepTimeMs! < a.evaluation.stepTimeMs! ? b : a));

const capitalised = (s: string): string => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;

/** `19 schedules: 1F1B, interleaved 1F1B (v = 2), ZB-H1, Seq1F1B … with k ∈ {2, 4, 8}, average / uniform_comp`. */
function searchedSpace(candidates: readonly SweepCandidate[], excluded: readonly SweepExclusion[]): string {
  const kinds = [...new Set(candidates.map((c) => describeChoice({ ...c.choice, splits: 1 })))];
  const ks = [...new Set(candidates.map((c) => c.choice.splits).filter((k) => k > 1))].sort((a, b) => a - b);
  const strategies = [...new Set(candidates.filter((c) => c.choice.splits > 1).map((c) => c.choice.strategy))];
  const seq = ks.length
    ? ` with k ∈ {${ks.join(', ')}}${strategies.length ? `, ${strategies.join(' / ')} split` : ''}`
    : '';
  // One line per reason: the schedules it keeps out, named together.
  const byReason = new Map<string, string[]>();
  for (const x of excluded)
    byReason.set(x.reason, [
      ...(byReason.get(x.reason) ?? []),
      describeChoice({ ...x, splits: 1, strategy: 'average', virtualStages: 1 }),
    ]);
  const out = [...byReason].map(([reason, names]) => `${names.join(', ')}: ${reason}`);
  return `${candidates.length} simulated schedule${candidates.length === 1 ? '' : 's'} at the file's global batch: ${kinds.join(', ')}${seq}${out.length ? `; not searched — ${out.join('; ')}` : ''}`;
}

/** `−7.3 %` / `+12.0 %` of the configured step time. */
const relative = (ms: number, configuredMs: number): string => {
  const d = (ms / configuredMs - 1) * 100;
  return `${d < 0 ? '−' : '+'}${Math.abs(d).toFixed(1)} %`;
};

/**
 * The recommendation against the configured run (`configured`, the file's own schedule; every candidate has the
 * file's global batch, so step times compare equal work). Offered as a change only when it fits with margin and is
 * faster (`faster`), or when the configured schedule does not fit and it does (`fits-slower`, cost stated); otherwise
 * it says that the configured schedule is already the fastest that fits, or that nothing searched fits and which
 * candidate comes closest.
 */
export function pickRecommendation(
  candidates: SweepCandidate[],
  capacityGiB: number,
  warningFraction: number,
  configured?: { evaluation: ScheduleEvaluation; strategy: SplitStrategy } | null,
  excluded: readonly SweepExclusion[] = [],
): Recommendation | null {
  if (candidates.length === 0) return null;
  const fitting = candidates.filter((c) => c.fits);
  const limitGiB = warningFraction * capacityGiB;
  const searched = searchedSpace(candidates, excluded);
  const limit = `${limitGiB.toFixed(1)} GiB (${Math.round(warningFraction * 100)} % of ${capacityGiB.toFixed(1)} GiB)`;
  const own = configured?.evaluation;
  const configuredMs = own?.applicable && own.stepTimeMs != null ? own.stepTimeMs : null;
  const configuredReserved = own?.peakReservedGiBPerStage ? Math.max(...own.peakReservedGiBPerStage) : null;
  const configuredFits = configuredReserved != null && configuredReserved <= limitGiB;
  const configuredName = own && configured ? describeChoice({ ...own, strategy: configured.strategy }) : 'schedule';
  let best: SweepCandidate;
  let reason: string;
  let verdict: RecommendationVerdict;
  if (fitting.length > 0) {
    best = fastest(fitting);
    const step = best.evaluation.stepTimeMs!;
    const name = describeChoice(best.choice);
    const figures = `${stepTimeText(step)} per step, ${best.worstReservedGiB.toFixed(1)} GiB reserved on stage ${worstStage(best.memory).stage}`;
    if (configuredMs == null || step < configuredMs * (1 - MIN_RECOMMENDED_GAIN)) {
      verdict = 'faster';
      const vs =
        configuredMs != null
          ? ` — ${relative(step, configuredMs)} against the configured ${configuredName} (${stepTimeText(configuredMs)})`
          : '';
      reason = `${capitalised(name)} is the fastest schedule whose worst stage stays under ${limit} (${fitting.length} of ${candidates.length} do): ${figures}${vs}. Searched: ${searched}.`;
    } else if (!configuredFits) {
      verdict = 'fits-slower';
      reason = `The configured ${configuredName} does not fit under ${limit}${configuredReserved != null ? ` (${configuredReserved.toFixed(1)} GiB reserved)` : ''}; ${name} is the fastest that does (${fitting.length} of ${candidates.length}): ${figures}, ${relative(step, configuredMs)} step time. Searched: ${searched}.`;
    } else {
      verdict = 'configured-is-fastest';
      reason = `No change recommended: the configured ${configuredName} (${stepTimeText(configuredMs)} per step) fits under ${limit} and nothing that fits is more than ${Math.round(MIN_RECOMMENDED_GAIN * 100)} % faster (${Math.abs(step / configuredMs - 1) < 1e-3 ? 'it is the fastest searched' : `the fastest, ${name}: ${stepTimeText(step)}, ${relative(step, configuredMs)}`}). Searched: ${searched}.`;
    }
    if (verdict !== 'configured-is-fastest' && ZERO_BUBBLE.has(best.choice.schedule)) {
      const runnable = fitting.filter((c) => !ZERO_BUBBLE.has(c.choice.schedule));
      if (runnable.length > 0) {
        const alt = fastest(runnable);
        reason += ` Zero-bubble schedules have no implementation in Megatron-LM or the Seq1F1B repo; the fastest that runs with flags alone is ${describeChoice(alt.choice)} (${stepTimeText(alt.evaluation.stepTimeMs!)} per step, ${alt.worstReservedGiB.toFixed(1)} GiB).`;
      }
    }
  } else {
    verdict = 'none-fits';
    best = candidates.reduce((a, b) => (b.worstReservedGiB < a.worstReservedGiB ? b : a));
    reason = `No configuration in the searched space fits under ${limit} (searched: ${searched}); the closest is ${describeChoice(best.choice)} at ${best.worstReservedGiB.toFixed(1)} GiB reserved on stage ${worstStage(best.memory).stage}, ${(best.worstReservedGiB - limitGiB).toFixed(1)} GiB over. Reduce the model per GPU (more TP/PP), use recompute, a smaller micro-batch, or a GPU with more memory.`;
  }
  return {
    verdict,
    configuredStepTimeMs: configuredMs,
    searched,
    schedule: best.choice.schedule,
    splits: best.choice.splits,
    strategy: best.choice.strategy,
    virtualStages: best.choice.virtualStages,
    stepTimeMs: best.evaluation.stepTimeMs!,
    peakMemoryGiB: best.worstReservedGiB,
    fits: best.fits,
    reason,
  };
}
