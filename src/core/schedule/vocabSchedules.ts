// The file's figures when its flags run the vocabulary layers on a schedule other than Vocabulary Parallelism's 1F1B
// (vocabParallel.ts applyVocabParallel has that one):
//  - --enable-vocab-parallel on V-Half (the Zero-Bubble fork's v-half-vocab branch, vocabVHalf.ts): the file's own
//    V-Half, and — when the file enables Vocabulary Parallelism on another schedule — the V-Half what-if too, since
//    that branch runs the same flags on V-Half;
//  - --use-interlaced-schedule (the VocabularyParallelism fork's baseline, vocabInterlaced.ts): the file's own 1F1B.
// As on 1F1B: step time, bubble and throughput become the run's, the plain schedule's are kept in `vocabParallel`, the
// timeline stays the plain schedule's, and the memory model reads the in-flight counts (memory/vocabParallel.ts).
import { resolveModelShape } from '../model/shape';
import type { RunConfig, ScheduleEvaluation, VocabParallelFigures } from '../types';
import { costFlagsOf } from './costModel';
import { constantsOf, type EngineOptions, type EngineResult } from './engine';
import type { EventRun } from './vocabEvents';
import { interlacedDurations, interlacedNotApplicable, simulateInterlaced } from './vocabInterlaced';
import type { VocabAlgorithm, VocabRun } from './vocabParallel';
import { simulateVHalfVocab, vHalfVocabDurations, vHalfVocabNotApplicable } from './vocabVHalf';

/**
 * The most ops (shown and collective issues) one file's run may take: the event simulator commits each op once and
 * sweeps the ranks until it can go no further (CPU time at PP 8, 32 microbatches: ~4k ops in ~1 ms), so 2^16 keeps it
 * within a few ms next to the analysis's own budget. Longer runs keep the plain schedule's figures and say so.
 */
const VOCAB_EVENTS_MAX_OPS = 1 << 14;

/** Applies the vocabulary schedules the file's flags select (see the header); returns why one was not simulated. */
export function applyVocabSchedules(config: RunConfig, engine: EngineResult, options: EngineOptions): string | null {
  const vp = config.vocabParallelSchedule;
  if (vp === 'interlaced') return engine.selected === '1f1b' ? applyInterlaced(config, engine, options) : null;
  if (vp !== 'vocab-1' && vp !== 'vocab-2') return null;
  const e = engine.evaluations['v-half'];
  // The file's own V-Half (the branch asserts --zero-bubble-v-schedule-mem-setup half, arguments.py:327-331), or
  // the V-Half what-if of a file that enables Vocabulary Parallelism elsewhere.
  if (!e || (engine.selected === 'v-half') === e.whatIf) return null;
  return applyVHalf(config, e, vp === 'vocab-1' ? 1 : 2, options);
}

/** The evaluation's shape and microbatches when it can carry a vocabulary run, else null. */
function eligible(config: RunConfig, e: ScheduleEvaluation, v: number) {
  if (!e.applicable || e.stepTimeMs == null || !e.sim || e.virtualStages !== v || e.splits !== 1) return null;
  if (e.extrapolated) return null;
  const resolved = resolveModelShape(config);
  return resolved.ok ? { mdl: resolved.shape, m: e.sim.spec.microbatches } : null;
}

/** The budget check: a reason when `ops` may not be spent, else null (and the ops are spent). */
function spend(ops: number, options: EngineOptions): string | null {
  if (ops > VOCAB_EVENTS_MAX_OPS) return `${ops.toLocaleString('en-US')} ops are more than its simulator takes`;
  const budget = options.workBudget;
  if (budget && budget.opsLeft < ops)
    return `${ops.toLocaleString('en-US')} ops exceed the analysis budget left (${budget.opsLeft.toLocaleString('en-US')})`;
  if (budget) budget.opsLeft -= ops;
  return null;
}

function applyVHalf(
  config: RunConfig,
  e: ScheduleEvaluation,
  algorithm: VocabAlgorithm,
  options: EngineOptions,
): string | null {
  const ok = eligible(config, e, 2);
  if (!ok) return null;
  const { mdl, m } = ok;
  const what = `V-Half with Vocabulary Parallelism (algorithm ${algorithm}, the Zero-Bubble fork's v-half-vocab branch)`;
  const why = vHalfVocabNotApplicable(mdl.pp, m) ?? spend(mdl.pp * 16 * m, options);
  if (why) return note(e, `${what} not simulated (${why}): the figures are plain V-Half's`);
  const flags = costFlagsOf(config);
  const d = vHalfVocabDurations(mdl, algorithm, options.gpu, constantsOf(options), flags);
  const run = simulateVHalfVocab(mdl.pp, m, algorithm, d);
  if (typeof run === 'string') return note(e, `${what} not simulated (${run}): the figures are plain V-Half's`);
  const plainInFlight = plainChunksInFlight(e);
  const vocabRun: VocabRun = {
    ...shownRun(run, mdl.pp, m, algorithm),
    peakInFlight: run.peakChunksInFlight,
    schedule: 'v-half',
    chunk: run.chunk,
  };
  setFigures(e, run, d.afterFlushMsPerRank, {
    algorithm,
    schedule: 'v-half',
    plainStepTimeMs: e.stepTimeMs!,
    plainBubbleFraction: e.bubbleFraction,
    busyMsPerStage: Array.from(run.busyMs),
    // Chunks are half a rank's layers: microbatch-equivalents, as the memory model scales them.
    inFlightPerStage: Array.from(run.peakChunksInFlight, (c) => c / 2),
    ...(plainInFlight && { plainInFlightPerStage: plainInFlight }),
    run: vocabRun,
    durations: {
      sPassMs: d.sPassMs,
      tPassMs: d.tPassMs,
      p2pForwardMs: d.p2pForwardMs,
      p2pBackwardMs: d.p2pBackwardMs,
      broadcastMs: d.broadcastSMs,
      c0Ms: d.reduceSMs,
      c1Ms: d.reduceTMs,
    },
  });
  note(
    e,
    `${what} simulated on its own: step time, bubble and memory peaks are its run's; the timeline shows plain V-Half`,
  );
  return null;
}

function applyInterlaced(config: RunConfig, engine: EngineResult, options: EngineOptions): string | null {
  const e = engine.evaluations['1f1b'];
  if (!e || e.whatIf) return null;
  const ok = eligible(config, e, 1);
  if (!ok) return null;
  const { mdl, m } = ok;
  const what = 'The interlaced pipeline (--use-interlaced-schedule)';
  const why = interlacedNotApplicable(mdl.pp, m) ?? spend(mdl.pp * 7 * m, options);
  if (why) return note(e, `${what} not simulated (${why}): the figures are plain 1F1B's`);
  const d = interlacedDurations(mdl, options.gpu, constantsOf(options), costFlagsOf(config));
  const run = simulateInterlaced(mdl.pp, m, d);
  if (typeof run === 'string') return note(e, `${what} not simulated (${run}): the figures are plain 1F1B's`);
  const vocabRun: VocabRun = {
    ...shownRun(run, mdl.pp, m, 2),
    peakInFlight: run.peakInFlight,
    schedule: 'interlaced',
  };
  setFigures(e, run, d.afterFlushMsPerRank, {
    algorithm: 2,
    schedule: 'interlaced',
    plainStepTimeMs: e.stepTimeMs!,
    plainBubbleFraction: e.bubbleFraction,
    busyMsPerStage: Array.from(run.busyMs),
    inFlightPerStage: Array.from(run.peakInFlight),
    run: vocabRun,
    durations: {
      sPassMs: d.outputStepMs,
      tPassMs: 0,
      p2pForwardMs: d.p2pForwardMs,
      p2pBackwardMs: d.p2pBackwardMs,
      broadcastMs: 0,
      c0Ms: d.outputCommMs,
      c1Ms: 0,
    },
  });
  note(
    e,
    `${what} simulated on its own: step time, bubble and memory peaks are its run's; the timeline shows plain 1F1B`,
  );
  return null;
}

/** The fields of a VocabRun an event run fills (peakInFlight and the schedule's own fields set by the caller). */
function shownRun(run: EventRun, p: number, m: number, algorithm: VocabAlgorithm) {
  return {
    stages: p,
    microbatches: m,
    algorithm,
    kind: run.kind,
    microbatch: run.microbatch,
    startMs: run.startMs,
    endMs: run.endMs,
    makespanMs: run.makespanMs,
    busyMs: run.busyMs,
  };
}

/** The plain V-Half timeline's most chunks in flight per rank, in microbatches (forwarded, W not yet run). */
function plainChunksInFlight(e: ScheduleEvaluation): number[] | null {
  const sim = e.sim;
  if (!sim) return null;
  const { stageOffsets, kind } = sim;
  const out: number[] = [];
  for (let r = 0; r < sim.spec.stages; r++) {
    let cur = 0;
    let peak = 0;
    for (let q = stageOffsets[r]!; q < stageOffsets[r + 1]!; q++) {
      if (kind[q] === 0) cur++;
      else if (kind[q] === 2) cur--;
      peak = Math.max(peak, cur);
    }
    out.push(peak / 2);
  }
  return out;
}

/** Puts a run's step, bubble and throughput on the evaluation, keeping the plain figures in `figures`. */
function setFigures(
  e: ScheduleEvaluation,
  run: EventRun,
  afterFlushMsPerRank: Float64Array,
  figures: VocabParallelFigures,
): void {
  const p = run.busyMs.length;
  let step = 0;
  let busy = 0;
  for (let r = 0; r < p; r++) {
    let last = 0;
    for (let q = run.rankStart[r]!; q < run.rankStart[r + 1]!; q++) last = Math.max(last, run.endMs[q]!);
    step = Math.max(step, last + (afterFlushMsPerRank[r] ?? 0));
    busy += run.busyMs[r]!;
  }
  e.vocabParallel = figures;
  // The same tokens and FLOPs in a different time.
  const speedup = e.stepTimeMs! / step;
  if (e.tokensPerSecond != null) e.tokensPerSecond *= speedup;
  if (e.tflopsPerGpu != null) e.tflopsPerGpu *= speedup;
  e.stepTimeMs = step;
  e.bubbleFraction = run.makespanMs > 0 ? 1 - busy / (p * run.makespanMs) : 0;
  // The breakdown is of the plain timeline: it would not add up to this step.
  delete e.stepTimeBreakdown;
}

/** Adds a sentence to the evaluation's notes; returns it. */
function note(e: ScheduleEvaluation, text: string): string {
  e.reason = e.reason ? `${e.reason}; ${text}` : text;
  return text;
}
