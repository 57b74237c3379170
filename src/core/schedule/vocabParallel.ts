// Vocabulary Parallelism (Yeung et al., "Balancing Pipeline Parallelism with Vocabulary Parallelism", MLSys 2025;
// code: sail-sg/VocabularyParallelism at 6191c3bf, megatron/core/pipeline_parallel/vocab_parallel_schedule.py).
// The output layer is split evenly over all p pipeline devices; every device runs, per microbatch, an S pass (logits
// of its vocabulary shard and the local softmax statistics) and a T pass (the output layer's backward), joined by
// all-reduce barriers over the pipeline group. It runs on 1F1B only (the fork asserts no VPP: arguments.py:305-320).
//
// Why this is its own event simulator and not a SCHEDULE_NAMES entry: its S/T passes run on every rank and wait for
// a collective of all ranks, an all-to-all dependency the packed F/B/W simulator (p2p edges only), the memory walk and
// the timeline do not represent. A schedule name would promise a timeline, a memory walk and a sweep slot that do not
// exist yet; this module gives step time, per-rank busy time and in-flight microbatches, which the imbalance advice
// reads (advice/vocabImbalance.ts).
import { resolveModelShape, type ModelShape } from '../model/shape';
import {
  VOCAB_OP_B,
  VOCAB_OP_F,
  VOCAB_OP_L,
  type GpuProfile,
  type RunConfig,
  type ScheduleEvaluation,
  type VocabRunDurations,
} from '../types';
import { buildStageCosts, costFlagsOf, outputLayerMs, type CostConstants } from './costModel';
import type { CostRunFlags } from './cost/afterFlush';
import { linkOf, ringMs } from './cost/kernels';
import { constantsOf, type EngineOptions, type EngineResult } from './engine';
import { chunkPlacement } from './placement';

/**
 * Algorithm 1 (`--disable-backward-fusion`): two barriers, C0 (softmax statistics after S) and C1 (the input gradient
 * after T); activations of p + 2 microbatches. Algorithm 2 (the fork's default): the input gradient is formed in S
 * and reduced with the statistics in one barrier; p + 1 microbatches (the paper's Figure 10; README table).
 */
export type VocabAlgorithm = 1 | 2;

/** The passes' and barriers' times (VocabRunDurations, what the panel reads) and the transformer's per rank. */
export interface VocabDurations extends VocabRunDurations {
  /** Transformer forward per rank, ms (the output layer taken out of the last rank's). */
  forwardMs: Float64Array;
  /** Transformer backward per rank, weight gradients included, ms. */
  backwardMs: Float64Array;
}

/** A simulated run, ops grouped by rank in execution order: rank r's are r·(3m+1) … (r+1)·(3m+1). */
export interface VocabRun {
  stages: number;
  microbatches: number;
  algorithm: VocabAlgorithm;
  kind: Uint8Array;
  microbatch: Int32Array;
  startMs: Float64Array;
  endMs: Float64Array;
  makespanMs: number;
  busyMs: Float64Array;
  /**
   * Most transformer microbatches forwarded and not yet backwarded on each rank (V-Half: model chunks forwarded and
   * not yet through their W, each half a rank's layers, so 2 is one microbatch).
   */
  peakInFlight: Int32Array;
  // ── C (issue 18): the same number of ops on every rank, kind.length / stages (3m + 1 on 1F1B) ──
  /** Which schedule: absent, 1F1B with Vocabulary Parallelism. */
  schedule?: 'v-half' | 'interlaced';
  /** Model chunk of each op on V-Half (0: virtual stage r, 1: 2p − 1 − r); absent: chunk 0. */
  chunk?: Uint8Array;
}

/** Largest run simulated (p · (3m + 1) ops); the scan is O(ops · p). */
export const VOCAB_MAX_OPS = 1 << 20;

/**
 * Forwards each rank runs before its first backward: 1F1B's p − r plus one microbatch for Algorithm 2 and two for
 * Algorithm 1 (vocab_parallel_schedule.py: num_warmup_microbatches = p − rank, then one forward before the steady
 * loop, and one more under --disable-backward-fusion), so rank 0 holds p + 1 or p + 2 microbatches.
 */
export function vocabForwardsBeforeFirstBackward(p: number, r: number, m: number, algorithm: VocabAlgorithm): number {
  return Math.min(m, p - r + (algorithm === 1 ? 2 : 1));
}

/** Rank r's transformer ops, 1F1B with the deeper warm-up: kinds and microbatches interleaved. */
function transformerProgram(p: number, r: number, m: number, algorithm: VocabAlgorithm): Int32Array {
  const w = vocabForwardsBeforeFirstBackward(p, r, m, algorithm);
  const prog = new Int32Array(4 * m);
  let q = 0;
  const put = (kind: number, i: number): void => {
    prog[q++] = kind;
    prog[q++] = i;
  };
  for (let i = 0; i < w; i++) put(VOCAB_OP_F, i);
  for (let i = 0; i < m; i++) {
    put(VOCAB_OP_B, i);
    if (w + i < m) put(VOCAB_OP_F, w + i);
  }
  return prog;
}

/** Why a run cannot be simulated, or null. */
export function vocabParallelNotApplicable(p: number, m: number): string | null {
  if (!Number.isInteger(p) || p < 2) return `Vocabulary Parallelism needs pipeline parallelism (p=${p})`;
  if (!Number.isInteger(m) || m < 1) return `microbatches m must be a positive integer (got ${m})`;
  if (p * (3 * m + 1) > VOCAB_MAX_OPS) return `${p * (3 * m + 1)} ops exceed the ${VOCAB_MAX_OPS} simulated`;
  return null;
}

class VocabSim {
  readonly perRank: number;
  readonly fEnd: Float64Array;
  readonly bEnd: Float64Array;
  /** Per microbatch step i (0…m): how many ranks finished L(i), and when the last did. */
  readonly lCount: Int32Array;
  readonly lLast: Float64Array;
  readonly run: VocabRun;
  constructor(
    readonly p: number,
    readonly m: number,
    readonly algorithm: VocabAlgorithm,
    readonly d: VocabDurations,
  ) {
    this.perRank = 3 * m + 1;
    const n = p * this.perRank;
    this.fEnd = new Float64Array(p * m).fill(NaN);
    this.bEnd = new Float64Array(p * m).fill(NaN);
    this.lCount = new Int32Array(m + 1);
    this.lLast = new Float64Array(m + 1);
    this.run = {
      stages: p,
      microbatches: m,
      algorithm,
      kind: new Uint8Array(n),
      microbatch: new Int32Array(n),
      startMs: new Float64Array(n),
      endMs: new Float64Array(n),
      makespanMs: 0,
      busyMs: new Float64Array(p),
      peakInFlight: new Int32Array(p),
    };
  }

  /** End of barrier C0 of microbatch i (every rank's S(i) done), NaN while unknown. */
  c0(i: number): number {
    return this.lCount[i] === this.p ? this.lLast[i]! + this.d.c0Ms : NaN;
  }

  /** When step L(i) may start on any rank (NaN: an input is not produced yet). */
  lReady(i: number): number {
    const { m, d } = this;
    const fwd = i < m ? this.fEnd[(this.p - 1) * m + i]! : -Infinity;
    const prev = i > 0 ? this.c0(i - 1) : -Infinity;
    // Algorithm 2: the statistics of i − 1 are reduced on every device, the input arrives by broadcast. Algorithm 1:
    // the last stage turns C0 into the loss gradient and broadcasts it with the next input (broadcast_lm_head_input).
    return this.algorithm === 2
      ? Math.max(fwd + (i < m ? d.broadcastMs : 0), prev)
      : Math.max(fwd, prev) + d.broadcastMs;
  }

  /** When transformer op (kind, i) may start on rank r (NaN: an input is not produced yet). */
  opReady(kind: number, r: number, i: number): number {
    const { p, m, d } = this;
    if (kind === VOCAB_OP_F) return r === 0 ? 0 : this.fEnd[(r - 1) * m + i]! + d.p2pForwardMs;
    if (r < p - 1) return this.bEnd[(r + 1) * m + i]! + d.p2pBackwardMs;
    // The last stage's backward needs the input gradient: after C0(i) (Algorithm 2), or after C1(i), the all-reduce
    // that follows every device's T(i), which runs in step L(i + 1) (Algorithm 1).
    if (this.algorithm === 2) return this.c0(i);
    return this.lCount[i + 1] === p ? this.lLast[i + 1]! + d.c1Ms : NaN;
  }

  duration(kind: number, r: number, i: number): number {
    const { d, m } = this;
    if (kind === VOCAB_OP_F) return d.forwardMs[r]!;
    if (kind === VOCAB_OP_B) return d.backwardMs[r]!;
    return (i > 0 ? d.tPassMs : 0) + (i < m ? d.sPassMs : 0);
  }
}

/**
 * Which op runs when several could start at the same time: backward, then the output step, then forward — the fork's
 * steady-state order B, S, F (vocab_parallel_schedule.py: backward_step_helper, then lm_head_step_helper on a "BSF"
 * rank, then the next forward; the last rank is always BSF).
 */
const TIE_PRIORITY: Readonly<Record<number, number>> = { [VOCAB_OP_B]: 0, [VOCAB_OP_L]: 1, [VOCAB_OP_F]: 2 };

/**
 * Simulates 1F1B with Vocabulary Parallelism. Each rank runs its transformer ops in 1F1B order and its m + 1 output
 * steps in order; whenever both could run, the one that can start first does (ties: TIE_PRIORITY, then the lower
 * rank). The fork places S passes from measured F/B/C times with a state machine (offsets, is_bsf) so that the
 * barrier never waits; starting whichever op is ready is that placement's aim, computed from our durations instead.
 * Ops are committed in order of start time, so an op never starts before an input it waits for is produced. Returns
 * the reason when not applicable.
 */
export function simulateVocabParallel(
  p: number,
  m: number,
  algorithm: VocabAlgorithm,
  d: VocabDurations,
): VocabRun | string {
  const why = vocabParallelNotApplicable(p, m);
  if (why) return why;
  const sim = new VocabSim(p, m, algorithm, d);
  const progs = Array.from({ length: p }, (_, r) => transformerProgram(p, r, m, algorithm));
  const pi = new Int32Array(p); // next transformer op (pair index ×2)
  const li = new Int32Array(p); // next output step
  const clock = new Float64Array(p);
  const written = new Int32Array(p);
  const inFlight = new Int32Array(p);
  for (let left = p * sim.perRank; left > 0; left--) {
    let bestRank = -1;
    let bestStart = Infinity;
    let bestPriority = Infinity;
    let bestIsStep = false;
    for (let r = 0; r < p; r++) {
      if (li[r]! <= m) {
        const s = Math.max(clock[r]!, sim.lReady(li[r]!));
        if (s < bestStart || (s === bestStart && TIE_PRIORITY[VOCAB_OP_L]! < bestPriority))
          [bestRank, bestStart, bestPriority, bestIsStep] = [r, s, TIE_PRIORITY[VOCAB_OP_L]!, true];
      }
      if (pi[r]! < progs[r]!.length) {
        const kind = progs[r]![pi[r]!]!;
        const s = Math.max(clock[r]!, sim.opReady(kind, r, progs[r]![pi[r]! + 1]!));
        if (s < bestStart || (s === bestStart && TIE_PRIORITY[kind]! < bestPriority))
          [bestRank, bestStart, bestPriority, bestIsStep] = [r, s, TIE_PRIORITY[kind]!, false];
      }
    }
    if (bestRank < 0) return 'the vocabulary-parallel schedule deadlocked (no op can start)';
    const r = bestRank;
    const kind = bestIsStep ? VOCAB_OP_L : progs[r]![pi[r]!]!;
    const i = bestIsStep ? li[r]! : progs[r]![pi[r]! + 1]!;
    const end = bestStart + sim.duration(kind, r, i);
    if (bestIsStep) {
      li[r] = i + 1;
      sim.lCount[i] = sim.lCount[i]! + 1;
      sim.lLast[i] = Math.max(sim.lLast[i]!, end);
    } else {
      pi[r] = pi[r]! + 2;
      (kind === VOCAB_OP_F ? sim.fEnd : sim.bEnd)[r * m + i] = end;
      inFlight[r] = inFlight[r]! + (kind === VOCAB_OP_F ? 1 : -1);
      sim.run.peakInFlight[r] = Math.max(sim.run.peakInFlight[r]!, inFlight[r]!);
    }
    const q = r * sim.perRank + written[r]!;
    written[r] = written[r]! + 1;
    sim.run.kind[q] = kind;
    sim.run.microbatch[q] = i;
    sim.run.startMs[q] = bestStart;
    sim.run.endMs[q] = end;
    sim.run.busyMs[r] = sim.run.busyMs[r]! + (end - bestStart);
    clock[r] = end;
    sim.run.makespanMs = Math.max(sim.run.makespanMs, end);
  }
  return sim.run;
}

/**
 * Durations for the file's model on p ranks (v = 1, whole sequences): the cost model's per-rank F and B with the
 * output layer taken off the last rank and spread as S and T passes over all p (each device holds V/p of the
 * vocabulary: vocab_parallel_schedule.py lm_head_step_helper). Barriers move fp32 tensors (the fork casts the
 * broadcast to float32): the broadcast and the input-gradient all-reduce move tokens·h·4 bytes, the statistics
 * (max, sum of exponentials, target logit) 3 floats per token. The input layer's share (a gather) is left out.
 */
export function vocabParallelDurations(
  mdl: ModelShape,
  algorithm: VocabAlgorithm,
  gpu: GpuProfile,
  constants: CostConstants,
  flags: CostRunFlags,
): VocabDurations & { afterFlushMsPerRank: Float64Array } {
  const p = mdl.pp;
  const { stage, out, forwardMs, backwardMs, tokens, link } = transformerOnly(mdl, gpu, constants, flags);
  const hiddenBytes = tokens * mdl.hidden * 4;
  const statsBytes = tokens * 3 * 4;
  return {
    forwardMs,
    backwardMs,
    sPassMs: (algorithm === 2 ? out.forwardMs + out.inputGradMs : out.forwardMs) / p,
    tPassMs: (algorithm === 2 ? out.weightGradMs : out.inputGradMs + out.weightGradMs) / p,
    p2pForwardMs: stage.costs.p2pForward[0]!,
    p2pBackwardMs: stage.costs.p2pBackward[0]!,
    broadcastMs: ringMs(hiddenBytes, p, 'half', link),
    c0Ms: ringMs(algorithm === 2 ? hiddenBytes + statsBytes : statsBytes, p, 'all-reduce', link),
    c1Ms: algorithm === 1 ? ringMs(hiddenBytes, p, 'all-reduce', link) : 0,
    afterFlushMsPerRank: stage.afterFlushMsPerRank,
  };
}

/**
 * Plain 1F1B's stage costs (one chunk per rank, whole sequence) with the output layer and loss taken out of the last
 * rank's forward and backward — they run as vocabulary passes instead — and what the barriers' times need: tokens per
 * microbatch and the pipeline group's link. `stageFlags` place the stages (the interlaced pipeline passes its own).
 */
export function transformerOnly(
  mdl: ModelShape,
  gpu: GpuProfile,
  constants: CostConstants,
  flags: CostRunFlags,
  stageFlags: CostRunFlags = flags,
): {
  stage: ReturnType<typeof buildStageCosts>;
  out: ReturnType<typeof outputLayerMs>;
  forwardMs: Float64Array;
  backwardMs: Float64Array;
  tokens: number;
  link: ReturnType<typeof linkOf>;
} {
  const p = mdl.pp;
  const stage = buildStageCosts(mdl, 1, [mdl.seqLength], false, gpu, constants, stageFlags);
  const out = outputLayerMs(mdl, gpu, constants, flags);
  const forwardMs = Float64Array.from(stage.costs.forward);
  const backwardMs = Float64Array.from(stage.costs.backward);
  forwardMs[p - 1] = forwardMs[p - 1]! - out.forwardMs;
  backwardMs[p - 1] = backwardMs[p - 1]! - out.inputGradMs - out.weightGradMs;
  const tokens = (mdl.seqLength * mdl.microBatch) / mdl.cp;
  const link = linkOf(gpu, constants, stage.hopInterNode.some(Boolean));
  return { stage, out, forwardMs, backwardMs, tokens, link };
}

/** The step of a simulated run: each rank's last op plus what follows its flush (DP reduction, optimizer, overhead). */
export function vocabStepTimeMs(run: VocabRun, afterFlushMsPerRank: ArrayLike<number>): number {
  let step = 0;
  const perRank = run.kind.length / run.stages;
  for (let r = 0; r < run.stages; r++) {
    let last = 0;
    for (let q = r * perRank; q < (r + 1) * perRank; q++) last = Math.max(last, run.endMs[q]!);
    step = Math.max(step, last + (afterFlushMsPerRank[r] ?? 0));
  }
  return step;
}

/** How far ahead of the others a stage holding vocabulary work is. */
export interface VocabCriticalStage {
  rank: number;
  busyMs: number;
  /** Busy time of the busiest other rank. */
  nextBusiestMs: number;
  /** The vocabulary layers' share of the critical rank's busy time, ms. */
  vocabMs: number;
}

/**
 * A stage must be at least this much busier than every other before its vocabulary work is called the bottleneck. In
 * steady 1F1B every stage runs at the pace of the busiest, so the lead is roughly the share of the step lost; at 10 %
 * a quarter of the test fixtures (GPT-2's 50k vocabulary on few layers a stage) drew the hint, at 25 % those with a
 * 128k–256k vocabulary or a last stage heavy for other reasons as well.
 */
export const VOCAB_CRITICAL_MARGIN = 0.25;

/**
 * The rank whose busy time leads every other by more than `margin` (a fraction) when vocabulary work is at least half
 * of that lead (without it the stage would not stand out as much), or null. Numbers only: advice/ words it.
 */
export function vocabCriticalStage(
  busyMs: ArrayLike<number>,
  vocabMsPerRank: ArrayLike<number>,
  margin = VOCAB_CRITICAL_MARGIN,
): VocabCriticalStage | null {
  let rank = -1;
  for (let r = 0; r < busyMs.length; r++) if (rank < 0 || busyMs[r]! > busyMs[rank]!) rank = r;
  if (rank < 0 || busyMs.length < 2) return null;
  let next = 0;
  for (let r = 0; r < busyMs.length; r++) if (r !== rank) next = Math.max(next, busyMs[r]!);
  const busy = busyMs[rank]!;
  const vocab = vocabMsPerRank[rank] ?? 0;
  const lead = busy - next;
  if (!(next > 0) || lead <= margin * next || vocab < 0.5 * lead) return null;
  return { rank, busyMs: busy, nextBusiestMs: next, vocabMs: vocab };
}

/**
 * The most rank-steps one file's vocabulary-parallel run may take: the event loop scans every rank per op, p²(3m+1)
 * steps in all, measured at 30–60 ns each (CPU time, p = 8…64: 786k steps in 29 ms, 7.9M in 130 ms), so 2^19 keeps it
 * under ~20 ms next to the analysis's own budget — PP 8 up to ~2,700 microbatches, PP 16 ~680, PP 32 ~170, PP 64 ~40.
 * Longer runs keep plain 1F1B's figures and say so.
 */
const VOCAB_FILE_MAX_SCAN = 1 << 19;

/**
 * The file's own 1F1B as Vocabulary Parallelism runs it when its flags enable it (RunConfig.vocabParallelSchedule,
 * resolve/derived/vocabParallel.ts): step time, bubble and throughput become the vocabulary-parallel run's (Algorithm
 * 1 or 2 as the flags choose), `vocabParallel` keeps plain 1F1B's figures, and the run itself goes to the panel's
 * timeline (protocol/vocabTimeline.ts). The fork runs it on non-interleaved 1F1B only (schedules.py:107-121), so other
 * schedules are left alone. Spends p·(3m+1) ops of the work budget. Returns why it was not simulated when the flags
 * ask for it, else null.
 */
export function applyVocabParallel(config: RunConfig, engine: EngineResult, options: EngineOptions): string | null {
  const vp = config.vocabParallelSchedule;
  const e = engine.evaluations['1f1b'];
  if ((vp !== 'vocab-1' && vp !== 'vocab-2') || engine.selected !== '1f1b' || !e || e.whatIf) return null;
  if (!e.applicable || e.stepTimeMs == null || !e.sim || e.virtualStages !== 1 || e.splits !== 1) return null;
  const resolved = resolveModelShape(config);
  if (!resolved.ok) return null;
  const mdl = resolved.shape;
  const p = mdl.pp;
  const m = e.sim.spec.microbatches;
  const why = vocabParallelNotApplicable(p, m);
  const ops = p * (3 * m + 1);
  const budget = options.workBudget;
  const reason =
    why ??
    (ops * p > VOCAB_FILE_MAX_SCAN
      ? `${ops.toLocaleString('en-US')} ops on ${p} ranks are more than its simulator takes`
      : budget && budget.opsLeft < ops
        ? `${ops.toLocaleString('en-US')} ops exceed the analysis budget left (${budget.opsLeft.toLocaleString('en-US')})`
        : null);
  if (reason) return note(e, `Vocabulary Parallelism not simulated (${reason}): the figures are plain 1F1B's`);
  if (budget) budget.opsLeft -= ops;
  const algorithm = vp === 'vocab-1' ? 1 : 2;
  const flags = { ...costFlagsOf(config), chunkPlacement: chunkPlacement('1f1b') };
  const d = vocabParallelDurations(mdl, algorithm, options.gpu, constantsOf(options), flags);
  const run = simulateVocabParallel(p, m, algorithm, d);
  if (typeof run === 'string')
    return note(e, `Vocabulary Parallelism not simulated (${run}): the figures are plain 1F1B's`);
  const stepTimeMs = vocabStepTimeMs(run, d.afterFlushMsPerRank);
  let busyTotal = 0;
  for (let r = 0; r < p; r++) busyTotal += run.busyMs[r]!;
  e.vocabParallel = {
    algorithm,
    plainStepTimeMs: e.stepTimeMs,
    plainBubbleFraction: e.bubbleFraction,
    busyMsPerStage: Array.from(run.busyMs),
    inFlightPerStage: Array.from(run.peakInFlight),
    run, // D (issue 18): the run and its durations, kept for the panel's timeline (protocol/vocabTimeline.ts)
    durations: d,
  };
  // The same tokens and FLOPs in a different time.
  const speedup = e.stepTimeMs / stepTimeMs;
  if (e.tokensPerSecond != null) e.tokensPerSecond *= speedup;
  if (e.tflopsPerGpu != null) e.tflopsPerGpu *= speedup;
  e.stepTimeMs = stepTimeMs;
  e.bubbleFraction = run.makespanMs > 0 ? 1 - busyTotal / (p * run.makespanMs) : 0;
  // The breakdown is of the plain 1F1B timeline: it would not add up to this step.
  delete e.stepTimeBreakdown;
  note(
    e,
    `Vocabulary Parallelism (Algorithm ${algorithm}) simulated on its own: step time, bubble and memory peaks are its run's, and the panel's timeline draws it (plain 1F1B: ${e.vocabParallel.plainStepTimeMs.toFixed(0)} ms)`,
  );
  return null;
}

/** Adds a sentence to the evaluation's notes; returns it. */
function note(e: ScheduleEvaluation, text: string): string {
  e.reason = e.reason ? `${e.reason}; ${text}` : text;
  return text;
}
