// The interlaced pipeline (Lin et al., "nnScaler", OSDI 2024), as the VocabularyParallelism fork runs it for
// comparison with `--use-interlaced-schedule` (sail-sg/VocabularyParallelism 6191c3bf megatron/core/pipeline_parallel/
// interlaced_schedule.py; selected in schedules.py:111-115). The vocabulary layers run tensor-parallel style on every
// pipeline device: per microbatch, the last stage's output is broadcast to all (a blocking broadcast,
// receive_lm_head_input :187-211), each device computes the output layer's forward and backward on its V/p of the
// vocabulary with synchronous all-reduces (lm_head_step_helper :306-355; gpt_model.py:146 sync_allreduce), and the
// input layer likewise (input_embedding_forward/backward_step_helper :359-460, fused :462-563). The transformer layers
// run 1F1B with a deeper warm-up, ⌊3p/2⌋ − r forwards on rank r (:108-111), so the first stage holds 1.5p microbatches
// (the fork's README "Comparison of Schedules"), and the output steps sit between them as the loops at :570-805 place
// them. Output steps block every device at once, so no all-reduce overlaps computation (README: "No").
// Sends follow the code too: the last warm-up forward's output leaves after the first output steps (:588-593, :652-656),
// a rank that runs B before F sends each forward's output one step later (:704-713), and the input gradient of a
// backward in the waiting phase after that phase's output step (:665-666), else at the start of the next step.
import type { ModelShape } from '../model/shape';
import { VOCAB_OP_B, VOCAB_OP_F, VOCAB_OP_IB, VOCAB_OP_IF, VOCAB_OP_S, type GpuProfile } from '../types';
import type { CostConstants } from './costModel';
import type { CostRunFlags } from './cost/afterFlush';
import { kernelRates, ringMs } from './cost/kernels';
import { EventProgram, HIDDEN_OP, type EventRun } from './vocabEvents';
import { transformerOnly } from './vocabParallel';

export interface InterlacedDurations {
  /** Transformer forward and backward per rank, ms (the output layer taken out of the last rank's). */
  forwardMs: Float64Array;
  backwardMs: Float64Array;
  p2pForwardMs: number;
  p2pBackwardMs: number;
  /** One output step's computation on each device: forward and backward of V/p of the output layer. */
  outputStepMs: number;
  /** Its collectives: the broadcast of the last stage's output, the loss statistics and the input gradient. */
  outputCommMs: number;
  inputForwardMs: number;
  inputBackwardMs: number;
  /** The input layer's output all-reduce and its gradient's broadcast. */
  reduceInputMs: number;
  broadcastInputGradMs: number;
}

/** Steps of one rank's program, in order. */
type Step =
  { op: 'IF' | 'F' | 'B' | 'S' | 'IB' | 'sendF' | 'sendB'; mb: number } | { op: 'IF+IB'; mb: number; back: number };

/** Rank r's program, transcribed from forward_backward_pipelining_with_interlaced_schedule (line numbers there). */
export function interlacedSteps(p: number, r: number, m: number): Step[] {
  const out: Step[] = [];
  const w0 = Math.min(Math.floor((3 * p) / 2), m);
  const w = Math.min(Math.floor((3 * p) / 2) - r, m); // :108-112
  const c0 = Math.min(p, m);
  const c = Math.min(p - r, m); // :117-121
  const waiting = Math.max(0, w - c - Math.floor((p - r - 1) / 2)); // :126-134
  const remaining = m - w;
  const isFbs = r % 2 === p % 2; // :639-642
  const firstIsFbs = p % 2 === 0;
  let nextIf = 0;
  let nextIb = 0;
  const inputForward = (): void => {
    if (nextIf < m) out.push({ op: 'IF', mb: nextIf++ });
  };
  const inputBackward = (): void => {
    if (nextIb < m) out.push({ op: 'IB', mb: nextIb++ });
  };
  // execute_embedding_passes (:595-628).
  const embedding = (i: number): void => {
    const fwd = i >= c0 - 1 && nextIf < m;
    const bwd = i >= c0 + 1 || (!firstIsFbs && i === c0);
    if (fwd && bwd && nextIb < m) out.push({ op: 'IF+IB', mb: nextIf++, back: nextIb++ });
    else if (fwd) inputForward();
    else if (bwd) inputBackward();
  };
  let deferredF = -1;
  let deferredB = -1;
  const sendF = (): void => {
    if (deferredF >= 0 && r < p - 1) out.push({ op: 'sendF', mb: deferredF });
    deferredF = -1;
  };
  const sendB = (): void => {
    if (deferredB >= 0 && r > 0) out.push({ op: 'sendB', mb: deferredB });
    deferredB = -1;
  };
  for (let i = 0; i < w0 - w + 1; i++) inputForward(); // :570-572
  for (let i = 0; i < w; i++) {
    inputForward();
    out.push({ op: 'F', mb: i });
    deferredF = i;
    if (i < w - 1) sendF(); // :588-593: the last warm-up output waits
  }
  for (let i = 0; i < c; i++) {
    out.push({ op: 'S', mb: i });
    if (i >= c0 - 1) inputForward(); // :630-637
  }
  for (let i = 0; i < waiting; i++) {
    if (i === waiting - 1 && isFbs) sendF(); // :652-656
    out.push({ op: 'B', mb: i });
    deferredB = i;
    out.push({ op: 'S', mb: i + c });
    embedding(i + c);
    if (i < waiting - 1) sendB(); // :665-666
  }
  for (let i = 0; i < remaining; i++) {
    sendB(); // :673-675 / :706
    if (isFbs) {
      out.push({ op: 'F', mb: i + w });
      deferredF = i + w;
      sendF(); // :682
      out.push({ op: 'B', mb: i + waiting });
    } else {
      sendF(); // :708-710: the previous forward's output, with the gradient's receive
      out.push({ op: 'B', mb: i + waiting });
      out.push({ op: 'F', mb: i + w });
      deferredF = i + w;
    }
    deferredB = i + waiting;
    out.push({ op: 'S', mb: i + c + waiting });
    embedding(i + c + waiting);
  }
  for (let i = 0; i < w - c - waiting; i++) {
    sendB();
    sendF(); // :745-752 (already sent on an F-B-S rank)
    // The fork labels it i + waiting (:757), but backward_step_helper pops the oldest forward (:288-289).
    out.push({ op: 'B', mb: i + waiting + remaining });
    deferredB = i + waiting + remaining;
    out.push({ op: 'S', mb: i + c + waiting + remaining });
    inputBackward(); // :764-768
  }
  for (let i = 0; i < c; i++) {
    sendB();
    sendF(); // :778-785
    out.push({ op: 'B', mb: i + m - c });
    deferredB = i + m - c;
    inputBackward(); // :793-797
  }
  sendB(); // :799
  while (nextIb < m) inputBackward(); // :801-805
  return out;
}

/** A simulated interlaced run: the shown ops and the most microbatches in flight per rank. */
export interface InterlacedRun extends EventRun {
  peakInFlight: Int32Array;
}

/** Largest run simulated: 5m shown ops and up to 2m sends per rank. */
export const INTERLACED_MAX_OPS = 1 << 18;

/**
 * Why a run cannot be simulated, or null. The warm-up runs ⌊3p/2⌋ + 1 input-layer forwards on the first rank before
 * anything else (:570-582), one per microbatch: with fewer microbatches the fork would read past the data.
 */
export function interlacedNotApplicable(p: number, m: number): string | null {
  if (!Number.isInteger(p) || p < 2) return `the interlaced pipeline needs pipeline parallelism (p=${p})`;
  if (!Number.isInteger(m) || m <= Math.floor((3 * p) / 2))
    return `the interlaced pipeline needs more than ⌊3p/2⌋ = ${Math.floor((3 * p) / 2)} microbatches (got ${m})`;
  if (p * 7 * m > INTERLACED_MAX_OPS) return `${p * 7 * m} ops exceed the ${INTERLACED_MAX_OPS} simulated`;
  return null;
}

/** Simulates the interlaced pipeline at the given durations; returns why not when it cannot. */
export function simulateInterlaced(p: number, m: number, d: InterlacedDurations): InterlacedRun | string {
  const why = interlacedNotApplicable(p, m);
  if (why) return why;
  const prog = new EventProgram(p);
  const steps = Array.from({ length: p }, (_, r) => interlacedSteps(p, r, m));
  // Transformer ops and send points first, so a dependency can name an op of a later rank.
  const f = Array.from({ length: p }, (_, r) =>
    Int32Array.from({ length: m }, (_, i) => prog.op(r, VOCAB_OP_F, i, 0, d.forwardMs[r]!)),
  );
  const b = Array.from({ length: p }, (_, r) =>
    Int32Array.from({ length: m }, (_, i) => prog.op(r, VOCAB_OP_B, i, 0, d.backwardMs[r]!)),
  );
  const sentF = Array.from({ length: p }, (_, r) =>
    Int32Array.from({ length: m }, (_, i) => prog.op(r, HIDDEN_OP, i, 0, 0)),
  );
  const sentB = Array.from({ length: p }, (_, r) =>
    Int32Array.from({ length: m }, (_, i) => prog.op(r, HIDDEN_OP, i, 0, 0)),
  );
  for (let r = 0; r < p; r++)
    for (let i = 0; i < m; i++) {
      if (r > 0) prog.setWaits(f[r]![i]!, { dep: sentF[r - 1]![i]!, depLatencyMs: d.p2pForwardMs });
      if (r < p - 1) prog.setWaits(b[r]![i]!, { dep: sentB[r + 1]![i]!, depLatencyMs: d.p2pBackwardMs });
      // A send leaves after the op that produced it.
      prog.setWaits(sentF[r]![i]!, { dep: f[r]![i]! });
      prog.setWaits(sentB[r]![i]!, { dep: b[r]![i]! });
    }
  // The collectives of one microbatch, keyed the same on every rank: output step i, input all-reduce m + i, input
  // gradient broadcast 2m + i.
  const sColl = (i: number): number => prog.collective(i, d.outputCommMs, false, f[p - 1]![i]!);
  const ifColl = (i: number): number => prog.collective(m + i, d.reduceInputMs);
  const ibColl = (i: number): number => prog.collective(2 * m + i, d.broadcastInputGradMs, false, b[0]![i]!);
  for (let r = 0; r < p; r++)
    for (const s of steps[r]!) {
      switch (s.op) {
        case 'F':
          prog.place(f[r]![s.mb]!);
          break;
        case 'B':
          prog.place(b[r]![s.mb]!);
          break;
        case 'sendF':
          prog.place(sentF[r]![s.mb]!);
          break;
        case 'sendB':
          prog.place(sentB[r]![s.mb]!);
          break;
        case 'S':
          prog.sync(r, VOCAB_OP_S, s.mb, sColl(s.mb), d.outputStepMs);
          break;
        case 'IF':
          // Compute, then the blocking all-reduce of the shards' outputs (:402-412).
          prog.place(prog.op(r, VOCAB_OP_IF, s.mb, 0, d.inputForwardMs));
          prog.sync(r, HIDDEN_OP, s.mb, ifColl(s.mb), 0);
          break;
        case 'IB':
          // The blocking broadcast of the first stage's input gradient, then the backward (:438-454).
          prog.sync(r, VOCAB_OP_IB, s.mb, ibColl(s.mb), d.inputBackwardMs);
          break;
        default:
          // Fused (:462-563): the gradient's broadcast overlaps the forward, the all-reduce the backward.
          prog.sync(r, VOCAB_OP_IF, s.mb, ibColl(s.back), d.inputForwardMs);
          prog.sync(r, VOCAB_OP_IB, s.back, ifColl(s.mb), d.inputBackwardMs);
      }
    }
  const run = prog.simulate();
  if (typeof run === 'string') return run;
  const peakInFlight = new Int32Array(p);
  for (let r = 0; r < p; r++) {
    let cur = 0;
    for (let q = run.rankStart[r]!; q < run.rankStart[r + 1]!; q++) {
      if (run.kind[q] === VOCAB_OP_F) cur++;
      else if (run.kind[q] === VOCAB_OP_B) cur--;
      peakInFlight[r] = Math.max(peakInFlight[r]!, cur);
    }
  }
  return { ...run, peakInFlight };
}

/**
 * Durations for the file's model (1F1B stages, whole sequences): the output layer taken off the last rank and run as
 * p shards of its forward and backward; the broadcast and the input gradient move the hidden states in the pipeline
 * dtype, the statistics three fp32 per token (max, sum of exponentials, target logit).
 */
export function interlacedDurations(
  mdl: ModelShape,
  gpu: GpuProfile,
  constants: CostConstants,
  flags: CostRunFlags,
): InterlacedDurations & { afterFlushMsPerRank: Float64Array } {
  const p = mdl.pp;
  const { stage, out, forwardMs, backwardMs, tokens, link } = transformerOnly(mdl, gpu, constants, flags, {
    ...flags,
    chunkPlacement: 'interleaved',
  });
  const hidden = tokens * mdl.hidden * constants.activationBytes;
  const hbm = kernelRates(gpu, constants, false).hbmBytesPerMs;
  return {
    forwardMs,
    backwardMs,
    p2pForwardMs: stage.costs.p2pForward[0]!,
    p2pBackwardMs: stage.costs.p2pBackward[0]!,
    outputStepMs: (out.forwardMs + out.inputGradMs + out.weightGradMs) / p,
    outputCommMs:
      ringMs(hidden, p, 'half', link) +
      3 * ringMs(tokens * 4, p, 'all-reduce', link) +
      ringMs(hidden, p, 'all-reduce', link),
    inputForwardMs: (2 * hidden) / hbm,
    inputBackwardMs: (hidden + 8 * tokens * mdl.hidden) / hbm,
    reduceInputMs: ringMs(hidden, p, 'all-reduce', link),
    broadcastInputGradMs: ringMs(hidden, p, 'half', link),
    afterFlushMsPerRank: stage.afterFlushMsPerRank,
  };
}
