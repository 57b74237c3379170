// Exact aggregation of a long schedule (issue 16): every schedule here repeats the same block of ops once its warm-up
// is over (a block of p microbatches, see periodOf) and every microbatch costs the same, so past the warm-up each stage's finish time and busy time grow
// by a constant per block (a max-plus linear system in its periodic regime). Instead of simulating m microbatches we
// simulate three samples m1 < m2 < m3 one period apart, check that both differences agree on every stage, and
// extrapolate. The figures are those of the full simulation up to floating-point rounding (test/unit/core/schedule/
// periodic.test.ts compares them over many small configurations); the timeline drawn is the m3 sample's.
import type { NotApplicable, ScheduleSpec, SimResult } from '../types';
import { isZeroBubble } from './programs';
import { isSimResult, simulateSchedule, type SimCosts } from './simulator';

export interface PeriodicRun {
  /** The largest sample's timeline (what the timeline and the memory walk see). */
  sim: SimResult;
  microbatches: number;
  sampleMicrobatches: number;
  /** Microbatches per repeating block. */
  periodMicrobatches: number;
  /** Extrapolated end of each stage's last op, and its busy time, for the full m. */
  lastEndByStage: Float64Array;
  busyByStage: Float64Array;
  makespan: number;
  bubbleFraction: number;
  /** Ops the three samples simulated together. */
  simulatedOps: number;
}

/**
 * Microbatches of one repeating block. Not one: with p2p delays the 1F1B-family finish times repeat only every p
 * microbatches (on p = 4 the increments go 3.1, 3.1, 3.1, 3.0, …: the critical cycle runs through all p stages), and
 * the interleaved programs go round in groups of p — or of G with Megatron-Core's grouped warm-up, so lcm(p, G).
 */
export function periodOf(spec: ScheduleSpec): number {
  const p = spec.stages;
  if (spec.schedule !== '1f1b-interleaved' || spec.interleavedWarmup !== 'grouped') return p;
  const g = spec.microbatchGroupSize ?? p;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return (p / gcd(p, g)) * g;
}

/** Ops of a schedule with m microbatches: F and B (and W for zero-bubble) per unit, as programs.ts builds them. */
export function opsOf(spec: ScheduleSpec, m = spec.microbatches): number {
  const perUnit = isZeroBubble(spec.schedule) ? 3 : 2;
  // DualPipe runs each microbatch on one of a rank's two chunks only (its direction's: dualPipe.ts).
  const chunks = spec.schedule === 'dualpipe' ? 1 : spec.virtualStages;
  return spec.stages * m * spec.splits * chunks * perUnit;
}

/**
 * The sample sizes: m3 ≡ m (mod period) so the full run is a whole number of blocks past it, m1 = m3 − 2·period,
 * m1 at least 2p (the warm-up and cool-down of every stage separated by a steady state) and the three samples within
 * `sampleOps` when the period allows. Null when the samples would not be smaller than m itself.
 */
function sampleSizes(spec: ScheduleSpec, sampleOps: number): number[] | null {
  const d = periodOf(spec);
  const m = spec.microbatches;
  const least = Math.max(settlesAfter(spec), 2 * d, 4);
  // The smallest m1 ≥ least with m1 ≡ m (mod d); grow it while the three samples stay within the op budget.
  let m1 = least + ((((m - least) % d) + d) % d);
  const sizes = (x: number): number[] => Array.from({ length: SAMPLES }, (_, i) => x + i * d);
  const opsOfAll = (x: number): number => sizes(x).reduce((sum, mi) => sum + opsOf(spec, mi), 0);
  // Doubling (in whole periods) while the samples fit the budget and stay shorter than the run.
  const grown = (x: number): number => x + Math.max(d, Math.floor(x / d) * d);
  while (opsOfAll(grown(m1)) <= sampleOps && grown(m1) + (SAMPLES - 1) * d < m) m1 = grown(m1);
  return m1 + (SAMPLES - 1) * d < m ? sizes(m1) : null;
}

/**
 * Microbatches after which a schedule's order repeats: 2p for the 1F1B family (its warm-up and cool-down on every
 * stage are separated by a steady state). The zero-bubble list schedules (ZB-H2's and ZB-V's constructions) settle
 * into their repeating F B W order only some 2p microbatches past their warm-up (zeroBubbleH2.ts), so 4p. On the
 * smallest samples of random model-shaped configurations, at 4p about 2 % are off by up to 0.8 % and 7 % refused
 * (test/unit/core/schedule/periodicZeroBubble.test.ts); at 2p ZB-V was up to 1.8 % off. Refused samples fall back to
 * the full run; the engine's samples are larger (FULL_SAMPLE_OPS) and a sampled evaluation says `extrapolated`.
 */
function settlesAfter(spec: ScheduleSpec): number {
  return (spec.schedule === 'zb-h2' || spec.schedule === 'zb-v' ? 4 : 2) * spec.stages;
}

/** Samples one period apart, so two increments are compared (a fourth sample catches few more slow transients). */
const SAMPLES = 3;

/**
 * Ops the samples of a run will simulate together, or null: the run is not longer than its samples, or they would
 * save less than half its ops (issue 15: then the exact run costs little more, and a what-if's three samples of 32,
 * 48 and 64 microbatches standing for 96 took the what-if share that GPT-3 175B's Seq1F1B-ZB row needed).
 */
export function sampledOpsOf(spec: ScheduleSpec, sampleOps: number): number | null {
  const sizes = sampleSizes(spec, sampleOps);
  const ops = sizes ? sizes.reduce((sum, mi) => sum + opsOf(spec, mi), 0) : null;
  return ops !== null && 2 * ops <= opsOf(spec) ? ops : null;
}

/** What simulatePeriodic reads of each sample's run. */
interface SampleFigures {
  busy: Float64Array;
  peakUnits: Int32Array;
  opCount: number;
}

/** Latest end on each stage (a stage's ops never overlap, so its last op's end). */
function lastEnds(sim: SimResult): Float64Array {
  const out = new Float64Array(sim.spec.stages);
  // Locals, not `sim.x` in the loop: a SimResult's lazy getters make its property reads dictionary lookups.
  const { stageOffsets, end } = sim;
  for (let r = 0; r < sim.spec.stages; r++) {
    // `!` reads: stageOffsets has p + 1 entries; op indices are < end.length.
    let last = 0;
    for (let q = stageOffsets[r]!; q < stageOffsets[r + 1]!; q++) if (end[q]! > last) last = end[q]!;
    out[r] = last;
  }
  return out;
}

/** Two per-block increments agree when they differ by no more than rounding of the larger sums (relative 1e-9). */
const agree = (d1: number, d2: number, scale: number): boolean => Math.abs(d1 - d2) <= 1e-9 * Math.max(1, scale);

/**
 * The full run's figures from three samples, or why they cannot be had: samples not smaller than the run, a sample
 * the simulator refuses, or increments that differ (the run is not yet periodic at the sample size; the caller then
 * simulates it in full or reports it too large).
 */
export function simulatePeriodic(spec: ScheduleSpec, costs: SimCosts, sampleOps: number): PeriodicRun | NotApplicable {
  const sizes = sampleSizes(spec, sampleOps);
  if (!sizes) return { applicable: false, reason: 'the schedule is not longer than its periodic samples' };
  // Only the largest sample's timeline is kept (drawn and walked for memory); the smaller ones are simulated into the
  // simulator's transient arrays (no 16 bytes an op allocated for them) and read at once, before the next run reuses
  // those arrays: their per-stage last ends, busy times and peak units, copied.
  const sims: SampleFigures[] = [];
  const ends: Float64Array[] = [];
  let c: SimResult | null = null;
  for (const [i, mi] of sizes.entries()) {
    const last = i === sizes.length - 1;
    const sim = simulateSchedule({ ...spec, microbatches: mi }, costs, Number.MAX_SAFE_INTEGER, !last);
    if (!isSimResult(sim)) return sim;
    sims.push({ busy: Float64Array.from(sim.busy), peakUnits: Int32Array.from(sim.peakUnits), opCount: sim.opCount });
    ends.push(lastEnds(sim));
    if (last) c = sim;
  }
  if (!c) return { applicable: false, reason: 'no periodic samples' };
  const p = spec.stages;
  const d = periodOf(spec);
  const sampled = sizes[sizes.length - 1]!;
  const lc = ends[ends.length - 1]!;
  const blocks = (spec.microbatches - sampled) / d;
  const lastEndByStage = new Float64Array(p);
  const busyByStage = new Float64Array(p);
  let makespan = 0;
  let busyTotal = 0;
  for (let r = 0; r < p; r++) {
    // `!` reads: every array here has p entries, and there are SAMPLES ≥ 2 samples.
    const dEnd = lc[r]! - ends[ends.length - 2]![r]!;
    const dBusy = c.busy[r]! - sims[sims.length - 2]!.busy[r]!;
    for (let i = 1; i < sims.length - 1; i++) {
      const periodic =
        agree(ends[i]![r]! - ends[i - 1]![r]!, dEnd, lc[r]!) &&
        agree(sims[i]!.busy[r]! - sims[i - 1]!.busy[r]!, dBusy, c.busy[r]!) &&
        sims[i]!.peakUnits[r] === c.peakUnits[r];
      if (!periodic)
        return { applicable: false, reason: `stage ${r} is not periodic at ${sizes[0]}–${sampled} microbatches` };
    }
    lastEndByStage[r] = lc[r]! + blocks * dEnd;
    busyByStage[r] = c.busy[r]! + blocks * dBusy;
    makespan = Math.max(makespan, lastEndByStage[r]!);
    busyTotal += busyByStage[r]!;
  }
  return {
    sim: c,
    microbatches: spec.microbatches,
    sampleMicrobatches: sampled,
    periodMicrobatches: d,
    lastEndByStage,
    busyByStage,
    makespan,
    bubbleFraction: makespan > 0 ? Math.max(0, 1 - busyTotal / (p * makespan)) : 0, // as simulator.ts: never an ulp below 0
    simulatedOps: sims.reduce((sum, x) => sum + x.opCount, 0),
  };
}
