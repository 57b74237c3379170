// Memory over time: per-unit bytes (activations.ts) walked over the simulated op order of each stage
// (megatron.md §3.3, seq1f1b.md §3.2–3.3).
import { placementTables } from '../schedule/placement';
import { OP_B, OP_F, OP_W, type SimResult } from '../types';
import type { UnitTables } from './activations';

// ─── Liveness over the simulated timeline ───────────────────────────────────────────────────────

export interface DynamicBreakdown {
  activations: number;
  kvCache: number;
  logits: number;
}

export interface StageTrace {
  stage: number;
  /** Highest dynamic + static bytes, its time and what made it up. */
  peakBytes: number;
  peakTime: number;
  peak: DynamicBreakdown;
  /** Most units live at once (for cross-checks with SimResult.peakUnits). */
  peakLiveUnits: number;
  series: { timeMs: Float64Array; bytes: Float64Array };
}

// The op kinds as module-local constants: the hot loop must not read them through a module namespace (tsx, the bench
// and the tests run the modules unbundled).
const F: typeof OP_F = OP_F;
const B: typeof OP_B = OP_B;
const W: typeof OP_W = OP_W;

/** More points than a chart of a few thousand pixels can show; longer series are reduced to their upper envelope. */
const MAX_SERIES_POINTS = 8192;

/**
 * `maxSeriesPoints` for a walk that needs the peaks only (the recommendation sweep reads each candidate's worst stage,
 * never its series): no series is kept, so nothing per op is written or allocated; `series` is empty.
 */
export const PEAKS_ONLY = 0;

/**
 * Walks every stage's ops in execution order. A unit's activations are allocated when its F starts and freed when
 * its last backward op ends (B, or W when the timeline has W ops). Seq1F1B's K/V prefix cache of a microbatch grows
 * with each forwarded chunk and is freed when that microbatch's chunk-0 B ends, together with the dK/dV accumulator
 * allocated at its first B. `staticBytes[r]` is added to every point of the series.
 */
export function walkLiveness(
  sim: SimResult,
  tables: UnitTables,
  staticBytes: number[],
  maxSeriesPoints = MAX_SERIES_POINTS,
): StageTrace[] {
  // Any W op: the typed array's own search (a walk per evaluation scanned every op of a W-less timeline in JS).
  const { kind, opCount } = sim;
  const hasW = (kind.length === opCount ? kind : kind.subarray(0, opCount)).indexOf(W) >= 0;
  const withSeries = maxSeriesPoints !== PEAKS_ONLY;
  const scratch = walkScratch(sim, tables, withSeries);
  const traces: StageTrace[] = [];
  for (let r = 0; r < sim.spec.stages; r++) {
    // Cleared before each stage rather than after, so a walk that threw (analyze's guard) leaves no stale flag behind:
    // units never freed (a truncated program) and caches still held.
    scratch.live.fill(0);
    scratch.cacheHeld.fill(0);
    const { points, ...trace } = walkStage(sim, tables, scratch, r, staticBytes[r] ?? 0, hasW);
    const series = withSeries
      ? envelope(scratch.times, scratch.values, points, maxSeriesPoints)
      : { timeMs: new Float64Array(0), bytes: new Float64Array(0) };
    traces.push({ ...trace, series });
  }
  return traces;
}

/**
 * Typed arrays one walk reuses for every stage (stages share no live units, so each is walked on its own, on flags
 * cleared before it): which units are live, and the K/V + dK/dV bytes each microbatch's cache holds. The
 * series points go into a scratch sized for the longest stage (two per op + the start), never into growing arrays.
 * The arrays are views of buffers every walk shares (grown, never shrunk; the walk is synchronous and the series it
 * returns are copies, envelope), so a walk allocates nothing per op and little per call: an analysis walks up to ~60
 * timelines, and the sweep's 65,536-op samples each allocated 1 MB of series scratch (issue 15).
 */
interface WalkScratch {
  /** Per unit (microbatch·k + chunk)·v + model chunk: 1 while its activations are held. */
  readonly live: Uint8Array;
  /** Per microbatch·v + model chunk: bytes its K/V prefix cache (+ dK/dV accumulator) holds, and whether it exists. */
  readonly cacheBytes: Float64Array;
  readonly cacheHeld: Uint8Array;
  readonly times: Float64Array;
  readonly values: Float64Array;
}

let sharedFlags = new Uint8Array(0);
let sharedCacheBytes = new Float64Array(0);
let sharedSeries = new Float64Array(0);
/**
 * The most series doubles kept between walks (4 MiB, a stage of up to 131,071 ops: every periodic sample, ≤ 65,536
 * ops, and the sweep's candidates, ≤ 300,000 on three or more stages); a longer stage (a CLI `simulate` of millions
 * of ops) gets scratch of its own that is freed with it rather than held by the extension host for good.
 */
const SHARED_SERIES_MAX = 1 << 19;

function walkScratch(sim: SimResult, tables: UnitTables, withSeries: boolean): WalkScratch {
  const { microbatches: m, stages: p } = sim.spec;
  const units = m * tables.k * tables.v;
  const caches = m * tables.v;
  let longest = 0;
  // `!` reads: stageOffsets has p + 1 entries.
  for (let r = 0; r < p; r++) longest = Math.max(longest, sim.stageOffsets[r + 1]! - sim.stageOffsets[r]!);
  // Peaks only: the start point, never appended to (StageSums.record).
  const length = withSeries ? 2 * longest + 1 : 1;
  if (sharedFlags.length < units + caches) sharedFlags = new Uint8Array(units + caches);
  if (sharedCacheBytes.length < caches) sharedCacheBytes = new Float64Array(caches);
  let series = sharedSeries;
  if (2 * length > SHARED_SERIES_MAX) series = new Float64Array(2 * length);
  else if (sharedSeries.length < 2 * length) series = sharedSeries = new Float64Array(2 * length);
  return {
    live: sharedFlags.subarray(0, units),
    cacheBytes: sharedCacheBytes.subarray(0, caches),
    cacheHeld: sharedFlags.subarray(units, units + caches),
    times: series.subarray(0, length),
    values: series.subarray(length, 2 * length),
  };
}

/**
 * The running sums of one stage's walk and its peak so far, as fields of one object rather than variables the helpers
 * close over: V8 boxes a double written into a closure's context, one allocation per op (the walk ran at ~0.4 µs an
 * op, mostly garbage collection; issue 15's slowest inputs).
 */
class StageSums {
  act = 0;
  kv = 0;
  logits = 0;
  liveCount = 0;
  peakLive = 0;
  peakBytes: number;
  peakTime = 0;
  peakAct = 0;
  peakKv = 0;
  peakLogits = 0;
  /** Points of the step series written so far (into the scratch's times/values). */
  points = 1;
  /** False when the scratch holds only the start point (PEAKS_ONLY). */
  readonly withSeries: boolean;

  constructor(
    readonly base: number,
    readonly times: Float64Array,
    readonly values: Float64Array,
    persistentActivations = 0,
  ) {
    this.act = persistentActivations;
    this.peakAct = persistentActivations;
    this.peakBytes = base + persistentActivations;
    this.withSeries = times.length > 1;
    times[0] = 0;
    values[0] = this.peakBytes;
  }

  /** One point of the step series: a new time appends, the same time overwrites (the later state is what stays). */
  record(time: number): void {
    const total = this.base + this.act + this.kv + this.logits;
    if (total > this.peakBytes) {
      this.peakBytes = total;
      this.peakTime = time;
      this.peakAct = this.act;
      this.peakKv = this.kv;
      this.peakLogits = this.logits;
    }
    if (!this.withSeries) return;
    // `!` read: points ≥ 1 and < times.length (two per op + the start, WalkScratch).
    if (time === this.times[this.points - 1]!) this.values[this.points - 1] = total;
    else {
      this.times[this.points] = time;
      this.values[this.points] = total;
      this.points++;
    }
  }
}

/**
 * The walk of one stage's ops (the hot loop of the memory model). `hasW`: units are freed when their W ends instead
 * of their B. Per op it reads the unit's bytes from the tables by (virtual stage, chunk) — nothing is allocated; the
 * series is left in the scratch (`points` of it) for the caller to reduce.
 */
function walkStage(
  sim: SimResult,
  tables: UnitTables,
  scratch: WalkScratch,
  r: number,
  base: number,
  hasW: boolean,
): Omit<StageTrace, 'series'> & { points: number } {
  const p = sim.spec.stages;
  const { k, v, activations, logits, kvAppend, forwardTransient, backwardTransient, dkdvBytes } = tables;
  const { live, cacheBytes, cacheHeld } = scratch;
  const { kind, microbatch, chunk, modelChunk, start, end } = sim;
  const { stageOf } = placementTables(sim.spec);
  // A buffer that persists once allocated (tables.persistentBytes): one per process, the largest of this rank's
  // virtual stages, held from the start as part of the activations.
  let persistent = 0;
  for (let mc = 0; mc < v; mc++) persistent = Math.max(persistent, tables.persistentBytes[stageOf[mc * p + r]!]!);
  const s = new StageSums(base, scratch.times, scratch.values, persistent);
  // `!` reads below: op indices lie inside stageOffsets (p + 1 entries, ≤ opCount); j < k and vs < p·v index the unit
  // tables built for this timeline's k and v (buildUnitTables); unit and cache keys are < m·k·v and m·v.
  const from = sim.stageOffsets[r]!;
  const to = sim.stageOffsets[r + 1]!;
  for (let i = from; i < to; i++) {
    const kd = kind[i]!;
    const mb = microbatch[i]!;
    const j = Math.min(chunk[i]!, k - 1);
    const mc = Math.min(modelChunk[i]!, v - 1);
    const vs = stageOf[mc * p + r]!;
    const unitKey = (mb * k + j) * v + mc;
    const cacheKey = mb * v + mc;
    if (kd === F) {
      if (live[unitKey] === 0) {
        live[unitKey] = 1;
        s.act += activations[vs]![j]!;
        s.logits += logits[vs]![j]!;
        if (++s.liveCount > s.peakLive) s.peakLive = s.liveCount;
      }
      const append = kvAppend[vs]![j]!;
      if (append > 0) {
        cacheBytes[cacheKey] = (cacheHeld[cacheKey] === 1 ? cacheBytes[cacheKey]! : 0) + append;
        cacheHeld[cacheKey] = 1;
        s.kv += append;
      }
      const transient = forwardTransient[vs]![j]!;
      s.logits += transient;
      s.record(start[i]!);
      s.logits -= transient;
      s.record(end[i]!);
    } else if (kd === B) {
      if (k > 1 && j === k - 1 && cacheHeld[cacheKey] === 1) {
        const dkdv = dkdvBytes[vs]!;
        cacheBytes[cacheKey] = cacheBytes[cacheKey]! + dkdv;
        s.kv += dkdv;
      }
      const transient = backwardTransient[vs]![j]!;
      s.act += transient;
      s.record(start[i]!);
      s.act -= transient;
      if (j === 0 && cacheHeld[cacheKey] === 1) {
        s.kv -= cacheBytes[cacheKey]!;
        cacheHeld[cacheKey] = 0;
      }
      if (!hasW && live[unitKey] === 1) freeUnit(s, live, unitKey, activations[vs]![j]!, logits[vs]![j]!);
      else if (live[unitKey] === 1) {
        // Split backward: B frees all but what W reads (activations.ts layerWeightGradBytes); state 2 = W pending.
        live[unitKey] = 2;
        s.act -= activations[vs]![j]! - tables.weightGradActivations[vs]![j]!;
        s.logits -= logits[vs]![j]! - tables.weightGradLogits[vs]![j]!;
      }
      s.record(end[i]!);
    } else if (kd === W) {
      s.record(start[i]!);
      const w = live[unitKey] === 2;
      if (live[unitKey] !== 0)
        freeUnit(
          s,
          live,
          unitKey,
          w ? tables.weightGradActivations[vs]![j]! : activations[vs]![j]!,
          w ? tables.weightGradLogits[vs]![j]! : logits[vs]![j]!,
        );
      s.record(end[i]!);
    }
  }
  const peak: DynamicBreakdown = { activations: s.peakAct, kvCache: s.peakKv, logits: s.peakLogits };
  return { stage: r, peakBytes: s.peakBytes, peakTime: s.peakTime, peak, peakLiveUnits: s.peakLive, points: s.points };
}

/** A unit's last backward op ended: its activations (and logits) are freed. */
function freeUnit(s: StageSums, live: Uint8Array, key: number, activationBytes: number, logitBytes: number): void {
  live[key] = 0;
  s.act -= activationBytes;
  s.logits -= logitBytes;
  s.liveCount--;
}

/**
 * Keeps a step series drawable: above `maxPoints`, consecutive steps are merged into buckets that start at the first
 * step's time and hold the bucket's highest value, so no peak disappears (the chart may only look slightly fuller).
 * Reads the first `n` points of `times`/`values` and copies what it keeps into arrays of their own.
 */
function envelope(
  times: Float64Array,
  values: Float64Array,
  n: number,
  maxPoints: number,
): { timeMs: Float64Array; bytes: Float64Array } {
  if (n <= maxPoints) return { timeMs: times.slice(0, n), bytes: values.slice(0, n) };
  const buckets = Math.max(2, maxPoints - 1);
  const per = Math.ceil((n - 1) / buckets);
  const kept = Math.ceil((n - 1) / per) + 1;
  const outTimes = new Float64Array(kept);
  const outValues = new Float64Array(kept);
  let o = 0;
  // The last point (back to static memory) is kept as it is, so the chart ends where the timeline does.
  // `!` reads: every index is < n ≤ times.length = values.length, and o < kept (one per bucket, then the last).
  for (let i = 0; i < n - 1; i += per) {
    let top = values[i]!;
    for (let j = i + 1; j < Math.min(i + per, n - 1); j++) if (values[j]! > top) top = values[j]!;
    outTimes[o] = times[i]!;
    outValues[o] = top;
    o++;
  }
  outTimes[o] = times[n - 1]!;
  outValues[o] = values[n - 1]!;
  return { timeMs: outTimes, bytes: outValues };
}
