// Discrete-event simulation of static per-stage programs (spec §1.1). Each stage runs its ops strictly in
// program order; an op starts when the stage is free and its inputs have arrived. There is no other shared
// resource (p2p is a delay on the edge), so start times are the longest paths of a DAG and the order in which
// stages are advanced does not change the result: we advance a stage until it blocks and wake it when the op
// it waits for completes. Every op is visited a bounded number of times, so the cost is O(ops). The order in which
// that first run completed the ops is kept with the program and later runs replay it in one pass (replayPlans).
import { OP_B, OP_F, OP_W, type CostTable, type NotApplicable, type ScheduleSpec, type SimResult } from '../types';
import { neighbourTables, placementTables, type Neighbours } from './placement';
import { buildProgramsUnchecked, HARD_MAX_OPS, scheduleNotApplicable, type Programs } from './programs';
import { FULL_BACKWARD, PAIR_START } from './dualPipeV';

/**
 * A cost table with optional per-hop p2p costs, for clusters where some pipeline hops stay inside a node and
 * others cross nodes. Index = sourceRank * k + chunk; "forward" hops go sourceRank → sourceRank+1 (mod p, the
 * wrap to the next model chunk), "backward" hops sourceRank → sourceRank−1 (mod p). A V placement's second chunk
 * sends its activations down and its gradients up, over the other table's link (placement.ts inputHopSlot).
 */
export interface SimCosts extends CostTable {
  p2pForwardByRank?: Float64Array;
  p2pBackwardByRank?: Float64Array;
}

/** Uniform abstract costs: one whole microbatch's F / B / W on one stage, split evenly over k·v units (spec §4). */
export function uniformCosts(spec: ScheduleSpec, forward: number, backward: number, weight = 0, p2p = 0): SimCosts {
  const units = spec.stages * spec.virtualStages * spec.splits;
  const per = 1 / (spec.splits * spec.virtualStages);
  return {
    forward: new Float64Array(units).fill(forward * per),
    backward: new Float64Array(units).fill(backward * per),
    weight: new Float64Array(units).fill(weight * per),
    p2pForward: new Float64Array(spec.splits).fill(p2p),
    p2pBackward: new Float64Array(spec.splits).fill(p2p),
  };
}

// Scratch reused between runs (the recommendation sweep simulates many schedules in a row): completion time of
// each F and B (virtual stage, microbatch, chunk), −1 while not done; nothing waits on a W, so W needs no slot.
// Grown, never shrunk.
let scratchEnd = new Float64Array(0);
let scratchWork = new Int32Array(0);

const EMPTY = new Float64Array(0);
const EMPTY_INT = new Int32Array(0);

function scratch(units: number, ops: number, stages: number): { end: Float64Array; work: Int32Array } {
  if (scratchEnd.length < 2 * units) scratchEnd = new Float64Array(2 * units);
  if (scratchWork.length < ops + stages + 1) scratchWork = new Int32Array(ops + stages + 1);
  return { end: scratchEnd, work: scratchWork };
}

/**
 * Builds the programs and simulates them; not-applicable for invalid sizes, over-budget or deadlocking orders.
 * `transient`: the caller reads the timeline before its next transient simulation and keeps none of it (the
 * recommendation sweep: step time and memory peaks), so start and end times go into arrays the next transient run
 * overwrites — 16 bytes an op of garbage less (a 64-stage sweep simulates a million ops).
 */
export function simulateSchedule(
  spec: ScheduleSpec,
  costs: SimCosts,
  maxOps?: number,
  transient = false,
): SimResult | NotApplicable {
  const reason = scheduleNotApplicable(spec, maxOps);
  if (reason) return { applicable: false, reason };
  return simulatePrograms(cachedPrograms(spec), costs, transient);
}

// The transient timeline's start and end times (simulateSchedule), grown, never shrunk; handed out as views.
let transientStart = new Float64Array(0);
let transientEnd = new Float64Array(0);

function timelineArrays(n: number, transient: boolean): { start: Float64Array; end: Float64Array } {
  if (!transient) return { start: new Float64Array(n), end: new Float64Array(n) };
  if (transientStart.length < n) {
    transientStart = new Float64Array(n);
    transientEnd = new Float64Array(n);
  }
  // replay and the event loop write every op's start, finishStages and replay every end; busy sums need no zeros.
  return { start: transientStart.subarray(0, n), end: transientEnd.subarray(0, n) };
}

/**
 * Programs depend on the schedule and its sizes only, not on the costs: the recommendation sweep simulates the same
 * (schedule, p, m, k, v) with both split strategies, the periodic samples repeat across what-ifs, and the editor
 * re-simulates the same sizes on every value edit — and a program simulated once replays fast (replayPlans). The
 * last few are kept (read-only once built; a SimResult shares its program's arrays anyway), up to PROGRAM_CACHE_OPS
 * ops together: with their plans about 29 bytes an op, so at most ~30 MB.
 */
const PROGRAM_CACHE_OPS = 1 << 20;
const programCache = new Map<string, Programs>();
let programCacheOps = 0;

function cachedPrograms(spec: ScheduleSpec): Programs {
  const key = `${spec.schedule}/${spec.stages}/${spec.microbatches}/${spec.splits}/${spec.virtualStages}/${spec.interleavedWarmup ?? ''}/${spec.microbatchGroupSize ?? ''}/${spec.moeOverlapWarmup ? 1 : 0}`;
  const hit = programCache.get(key);
  if (hit) {
    programCache.delete(key); // most recently used last
    programCache.set(key, hit);
    return hit;
  }
  const prog = buildProgramsUnchecked(spec);
  if (prog.opCount <= PROGRAM_CACHE_OPS) {
    programCache.set(key, prog);
    programCacheOps += prog.opCount;
    for (const [k, old] of programCache) {
      if (programCacheOps <= PROGRAM_CACHE_OPS) break;
      programCache.delete(k);
      programCacheOps -= old.opCount;
    }
  }
  return prog;
}

// The op kinds as module-local constants: an imported binding may compile to a property read through the module
// namespace (tsx, the bench and the tests run the modules unbundled), which the hot loop would pay on every op.
const F: typeof OP_F = OP_F;
const B: typeof OP_B = OP_B;
const W: typeof OP_W = OP_W;

/** Typed-array views of one simulation: the packed ops and their per-direction p2p and cost tables. */
interface Packed {
  p: number;
  k: number;
  /** m·k: units of one virtual stage. */
  mk: number;
  /** First unit of the last virtual stage. */
  lastUnits: number;
  /** Offset of the B completions in `done` (F completions come first). */
  endB: number;
  /** The kind whose end frees a unit: W for zero-bubble programs, else B. */
  release: number;
  stageOffsets: Int32Array;
  /** Per op, interleaved: [2q] the packed code, [2q + 1] the cost slot (see packOps). */
  ops: Int32Array;
  chunkOf: Int32Array;
  done: Float64Array;
  fwd: Float64Array;
  bwd: Float64Array;
  wgt: Float64Array;
  /** [p2pF | p2pB]: the slot of a hop is placement.ts inputHopSlot. */
  p2p: Float64Array;
  p2pF: Float64Array;
  p2pB: Float64Array;
  /** Neighbours by cost slot (they depend on the virtual stage only; see neighbourTables). */
  hops: Neighbours;
}

export function simulatePrograms(prog: Programs, costs: SimCosts, transient = false): SimResult | NotApplicable {
  const { stages: p, microbatches: m, splits: k, virtualStages: v } = prog.spec;
  const vs = p * v;
  const units = vs * m * k;
  const n = prog.opCount;
  if (n > HARD_MAX_OPS)
    return { applicable: false, reason: `${n} ops exceed the simulator's hard limit of ${HARD_MAX_OPS}` };
  const fwd = costs.forward;
  const bwd = costs.backward;
  const wgt = costs.weight;
  if (
    fwd.length < vs * k ||
    bwd.length < vs * k ||
    wgt.length < vs * k ||
    costs.p2pForward.length < k ||
    costs.p2pBackward.length < k
  ) {
    throw new Error(`cost table too small for p=${p}, v=${v}, k=${k}`);
  }
  let plan = replayPlans.get(prog);
  // A program simulated once left its completion order; the second run turns it into a plan (buildPlan): not DualPipeV.
  const order = plan || prog.opFlags ? undefined : firstOrders.get(prog);
  const replaying = plan !== undefined || order !== undefined;
  // The event loop's scratch: completions start at −1 (not done). A replay needs neither.
  const { end: done, work } = replaying ? { end: EMPTY, work: EMPTY_INT } : scratch(units, n, p);
  if (!replaying) done.fill(-1, 0, 2 * units);
  const ops = plan ? EMPTY_INT : packedOps(prog);
  // Chunk index of each cost slot, so neither loop divides.
  const chunkOf = new Int32Array(vs * k);
  for (let c = 0; c < vs * k; c++) chunkOf[c] = c % k;
  const place = placementTables(prog.spec);
  const { p2pF, p2pB } = p2pTables(costs, p, k);
  const p2p = new Float64Array(2 * p * k);
  p2p.set(p2pF);
  p2p.set(p2pB, p * k);
  const tables: Packed = {
    p,
    k,
    mk: m * k,
    lastUnits: (vs - 1) * m * k,
    endB: units,
    release: prog.zeroBubble ? W : B,
    stageOffsets: prog.stageOffsets,
    ops,
    chunkOf,
    done,
    fwd,
    bwd,
    wgt,
    p2p,
    p2pF,
    p2pB,
    hops: neighbourTables(place, p, k),
  };
  // The two outputs every caller keeps; everything else the loop needs is scratch or per stage.
  const { start, end } = timelineArrays(n, transient);
  const pc = new Int32Array(p);
  const free = new Float64Array(p);
  const busy = new Float64Array(p);
  const peakUnits = new Int32Array(p);
  if (!plan && order) {
    plan = buildPlan(prog, tables, order);
    replayPlans.set(prog, plan);
    firstOrders.delete(prog);
  }
  if (plan) replay(plan, tables, { start, end, free, busy, peakUnits });
  else {
    const completed = new Int32Array(n);
    if (runOps(tables, work, start, pc, free, completed) < n) return deadlockReport(prog, pc);
    if (!prog.opFlags) firstOrders.set(prog, completed);
    finishStages(tables, start, end, busy, peakUnits);
  }
  // Every stage ends at its last op's end (a stage's ops never overlap), so the makespan is the latest of them.
  let makespan = 0;
  let busyTotal = 0;
  for (let r = 0; r < p; r++) {
    if (free[r]! > makespan) makespan = free[r]!;
    busyTotal += busy[r]!;
  }
  const result = {
    spec: { ...prog.spec },
    opCount: n,
    stageOffsets: prog.stageOffsets,
    kind: prog.kind,
    microbatch: prog.microbatch,
    chunk: prog.chunk,
    modelChunk: prog.modelChunk,
    start,
    end,
    makespan,
    busy,
    bubbleFraction: makespan > 0 ? 1 - busyTotal / (p * makespan) : 0,
    peakUnits,
  };
  return withLazyP2pWindows(result, prog, tables);
}

/** One p2p table per direction, indexed by the sending rank, so the hot loop has a single code path. */
function p2pTables(costs: SimCosts, p: number, k: number): { p2pF: Float64Array; p2pB: Float64Array } {
  const p2pF = new Float64Array(p * k);
  const p2pB = new Float64Array(p * k);
  for (let r = 0; r < p; r++) {
    for (let j = 0; j < k; j++) {
      p2pF[r * k + j] = (costs.p2pForwardByRank ?? costs.p2pForward)[costs.p2pForwardByRank ? r * k + j : j] ?? NaN;
      p2pB[r * k + j] = (costs.p2pBackwardByRank ?? costs.p2pBackward)[costs.p2pBackwardByRank ? r * k + j : j] ?? NaN;
    }
  }
  return { p2pF, p2pB };
}

function packedOps(prog: Programs): Int32Array {
  const ops = new Int32Array(2 * prog.opCount);
  packOps(prog, ops);
  return ops;
}

/**
 * Packs each op once, stage by stage (sequential, cheap), into one interleaved stream the hot loop reads: the ranks
 * interleave op by op there, so every stream it touches is one more cache line in flight per rank.
 *   ops[2q] = unit << 4 | bit 3 | bit 2 | kind,  unit = (s·m + i)·k + j;  ops[2q + 1] = s·k + j
 */
function packOps(prog: Programs, ops: Int32Array): void {
  const { stages: p, microbatches: m, splits: k } = prog.spec;
  const { kind, microbatch, chunk, modelChunk, stageOffsets, opFlags } = prog;
  const { stageOf } = placementTables(prog.spec);
  for (let r = 0; r < p; r++) {
    // Bounds: stageOffsets has p + 1 entries, and every q below it indexes the op arrays (length opCount).
    for (let q = stageOffsets[r]!; q < stageOffsets[r + 1]!; q++) {
      const j = chunk[q]!;
      const s = stageOf[modelChunk[q]! * p + r]!;
      const kd = kind[q]!;
      ops[2 * q] =
        (((s * m + microbatch[q]!) * k + j) << 4) | (kd === F && j > 0 ? 8 : 0) | (kd === B && j < k - 1 ? 4 : 0) | kd;
      ops[2 * q + 1] = s * k + j;
    }
  }
  // Bit 3: j > 0 on an F, a full backward on a B; bit 2: j < k − 1 on a B, an F&B pair's F on an F (DualPipeV, k = 1).
  if (opFlags)
    for (let q = 0; q < prog.opCount; q++)
      ops[2 * q] = ops[2 * q]! | (opFlags[q]! & PAIR_START ? 4 : 0) | (opFlags[q]! & FULL_BACKWARD ? 8 : 0);
}

/**
 * The event loop: advances stages from a worklist until every op has run or all are blocked; writes each op's start
 * and each stage's program counter and free time, and returns how many ops completed. It touches as few streams per
 * op as it can (the packed ops, `start`, the completions): end times and per-stage sums are a sequential pass after
 * it (finishStages). The `!` reads are bounded by construction: q < stageOffsets[r + 1] ≤ opCount, units < 2·units
 * of `done`, cost slots < vs·k, ranks < p, p2p slots < 2·p·k.
 */
function runOps(
  t0: Packed,
  work: Int32Array,
  start: Float64Array,
  pc: Int32Array,
  free: Float64Array,
  order: Int32Array,
): number {
  const { p, mk, endB, stageOffsets, ops, done, fwd, bwd, wgt, p2p } = t0;
  const { hopF, hopB, wakeF, wakeB } = t0.hops;
  const blocked = new Uint8Array(p);
  for (let r = 0; r < p; r++) pc[r] = stageOffsets[r]!;

  // Worklist of stages to advance. A stage enters it at the start and then only when it is blocked and one
  // of its inputs completes, so its length never exceeds p + ops.
  let top = 0;
  for (let r = p - 1; r >= 0; r--) work[top++] = r;
  let completed = 0;

  while (top > 0) {
    const r = work[--top]!;
    // Neighbours (the rank of virtual stage s ± 1 and the p2p slot of the hop) come from the op's cost slot.
    let q = pc[r]!;
    const qEnd = stageOffsets[r + 1]!;
    let t = free[r]!;
    while (q < qEnd) {
      const c = ops[2 * q]!;
      const kd = c & 3;
      const unit = c >>> 4;
      const ci = ops[2 * q + 1]!;
      let ready = t;
      if (kd === F) {
        // Seq1F1B reads the K/V cache of the earlier chunks of the same microbatch.
        if ((c & 8) !== 0 && done[unit - 1]! < 0) break;
        if (unit >= mk) {
          const depEnd = done[unit - mk]!;
          if (depEnd < 0) break;
          const hop = hopF[ci]!;
          const arrive = hop >= 0 ? depEnd + p2p[hop]! : depEnd;
          if (arrive > ready) ready = arrive;
        }
        const pairB = (c & 4) !== 0 ? ops[2 * q + 2]! >>> 4 : -1; // an F&B pair's F waits for its B's input too
        if (pairB >= 0 && pairB < t0.lastUnits) {
          const depEnd = done[endB + pairB + mk]!;
          if (depEnd < 0) break;
          const hop = hopB[ops[2 * q + 3]!]!;
          const arrive = hop >= 0 ? depEnd + p2p[hop]! : depEnd;
          if (arrive > ready) ready = arrive;
        }
        t = ready + fwd[ci]!;
        done[unit] = t;
        const next = wakeF[ci]!;
        if (next >= 0 && blocked[next] === 1) {
          blocked[next] = 0;
          work[top++] = next;
        }
      } else if (kd === B) {
        // The dK/dV of the prefix come down from the next chunk's backward; the last chunk needs its own forward
        // (which, through the chain, covers every earlier chunk's forward, and the loss on the last stage).
        if ((c & 4) !== 0 ? done[endB + unit + 1]! < 0 : done[unit]! < 0) break;
        if (unit < t0.lastUnits) {
          const depEnd = done[endB + unit + mk]!;
          if (depEnd < 0) break;
          const hop = hopB[ci]!;
          const arrive = hop >= 0 ? depEnd + p2p[hop]! : depEnd;
          if (arrive > ready) ready = arrive;
        }
        t = ready + bwd[ci]!;
        done[endB + unit] = (c & 8) !== 0 ? t + wgt[ci]! : t; // a full backward sends after its W (next op)
        const prev = wakeB[ci]!;
        if (prev >= 0 && blocked[prev] === 1) {
          blocked[prev] = 0;
          work[top++] = prev;
        }
      } else {
        if (done[endB + unit]! < 0) break;
        t = ready + wgt[ci]!;
      }
      start[q] = ready;
      order[completed++] = q;
      q++;
    }
    pc[r] = q;
    free[r] = t;
    if (q < qEnd) blocked[r] = 1;
  }
  return completed;
}

/**
 * The order in which the event loop completed the ops is a topological order of their dependencies, and it does not
 * depend on the durations (an op waits on whether its inputs are done, never on when). So the first simulation of a
 * program records it, the second builds a plan from it (firstOrders), and from then on every run (other costs: the
 * sweep's two split strategies, what-ifs, periodic samples, the next edit) replays the ops in that order in one
 * sequential pass — no worklist, no failed attempts.
 * A plan holds 5 int32 per op in that order: op index, rank, cost slot << 2 | kind, the op whose output it waits
 * for on the neighbouring virtual stage (its end is written before, by the order) or −1, and the p2p slot of that
 * hop or −1 (F hops index p2pF, B hops p2pB after p·k). Kept as long as the program is.
 */
const replayPlans = new WeakMap<Programs, Int32Array>();
/**
 * The completion order of a program simulated once, until its second run builds the plan from it: building a plan
 * costs about as much as the event loop itself (1M ops: ~110 vs ~95 ms), so a program simulated only once (a cold
 * analysis, a fuzz input, a periodic sample never seen again) does not pay for it (issue 15's time per input).
 */
const firstOrders = new WeakMap<Programs, Int32Array>();
const PLAN_FIELDS = 5;

function buildPlan(prog: Programs, t0: Packed, order: Int32Array): Int32Array {
  const { mk, lastUnits, endB, ops } = t0;
  const { rankOf } = placementTables(prog.spec);
  const { hopF, hopB } = t0.hops;
  const n = prog.opCount;
  const opOf = new Int32Array(2 * endB);
  // `!` reads: order is a permutation of 0…n−1; units < endB; cost slots < vs·k (see runOps).
  for (let q = 0; q < n; q++) {
    const c = ops[2 * q]!;
    if ((c & 3) !== W) opOf[((c & 3) === B ? endB : 0) + (c >>> 4)] = q;
  }
  const plan = new Int32Array(PLAN_FIELDS * n);
  for (let i = 0; i < n; i++) {
    const q = order[i]!;
    const c = ops[2 * q]!;
    const kd = c & 3;
    const unit = c >>> 4;
    const ci = ops[2 * q + 1]!;
    const r = rankOf[Math.floor(unit / mk)]!;
    let dep = -1;
    let hop = -1;
    if (kd === F && unit >= mk) {
      dep = opOf[unit - mk]!;
      hop = hopF[ci]!;
    } else if (kd === B && unit < lastUnits) {
      dep = opOf[endB + unit + mk]!;
      hop = hopB[ci]!;
    }
    const o = PLAN_FIELDS * i;
    plan[o] = q;
    plan[o + 1] = r;
    plan[o + 2] = (ci << 2) | kd;
    plan[o + 3] = dep;
    plan[o + 4] = hop;
  }
  return plan;
}

/**
 * The sequential replay of a plan: the same additions and comparisons as runOps, so bit-identical start times. A
 * rank's ops come in program order, so it also sums busy time and counts live units as finishStages does.
 */
function replay(
  plan: Int32Array,
  t0: Packed,
  out: { start: Float64Array; end: Float64Array; free: Float64Array; busy: Float64Array; peakUnits: Int32Array },
): void {
  const { fwd, bwd, wgt, p2p, release } = t0;
  const { start, end, free, busy, peakUnits } = out;
  const live = new Int32Array(free.length);
  const n = plan.length / PLAN_FIELDS;
  // `!` reads: plan fields are in range by construction (buildPlan); the dep op came earlier, its end is written.
  for (let i = 0, o = 0; i < n; i++, o += PLAN_FIELDS) {
    const q = plan[o]!;
    const r = plan[o + 1]!;
    const ck = plan[o + 2]!;
    const dep = plan[o + 3]!;
    const hop = plan[o + 4]!;
    let ready = free[r]!;
    if (dep >= 0) {
      const depEnd = end[dep]!;
      const arrive = hop < 0 ? depEnd : depEnd + p2p[hop]!;
      if (arrive > ready) ready = arrive;
    }
    const kd = ck & 3;
    const ci = ck >> 2;
    const dur = kd === F ? fwd[ci]! : kd === B ? bwd[ci]! : wgt[ci]!;
    const e = ready + dur;
    start[q] = ready;
    end[q] = e;
    free[r] = e;
    busy[r] = busy[r]! + dur;
    if (kd === F) {
      if (++live[r]! > peakUnits[r]!) peakUnits[r] = live[r]!;
    } else if (kd === release) live[r] = live[r]! - 1;
  }
}

/**
 * Second pass, stage by stage and sequential: end = start + duration (the hot loop's own addition, so bit-identical
 * to the completions it used), busy time as the sum of durations in program order, and the most units live at once
 * (+1 when a unit's F starts, −1 when its releasing op ends — B, or W for zero-bubble; a stage runs one op at a time,
 * so walking its program in order sees every instant).
 */
function finishStages(t0: Packed, start: Float64Array, end: Float64Array, busy: Float64Array, peak: Int32Array): void {
  const { p, stageOffsets, ops, release, fwd, bwd, wgt } = t0;
  for (let r = 0; r < p; r++) {
    let busyR = 0;
    let live = 0;
    let most = 0;
    // `!` reads: q < stageOffsets[r + 1] ≤ opCount; cost slots < vs·k.
    for (let q = stageOffsets[r]!; q < stageOffsets[r + 1]!; q++) {
      const kd = ops[2 * q]! & 3;
      const ci = ops[2 * q + 1]!;
      const dur = kd === F ? fwd[ci]! : kd === B ? bwd[ci]! : wgt[ci]!;
      end[q] = start[q]! + dur;
      busyR += dur;
      if (kd === F) {
        if (++live > most) most = live;
      } else if (kd === release) live--;
    }
    busy[r] = busyR;
    peak[r] = most;
  }
}

/**
 * The p2p windows (when each op's input left its sender and arrived) are drawn by the timeline and the trace only, so
 * they are computed on first read: a getter replaced by plain data properties, which spreads, structuredClone and
 * JSON see like any other field. A sender's completion is its op's end (the loop wrote both from one addition).
 */
function withLazyP2pWindows(result: Omit<SimResult, 'p2pStart' | 'p2pEnd'>, prog: Programs, t0: Packed): SimResult {
  const { p2p, hops } = t0;
  const compute = (): void => {
    const windows = p2pWindows(result, prog, p2p, hops);
    for (const [name, value] of [
      ['p2pStart', windows.start],
      ['p2pEnd', windows.end],
    ] as const)
      Object.defineProperty(result, name, { value, writable: true, enumerable: true, configurable: true });
  };
  for (const name of ['p2pStart', 'p2pEnd'] as const) {
    Object.defineProperty(result, name, {
      get(): Float64Array {
        compute();
        return (result as SimResult)[name];
      },
      enumerable: true,
      configurable: true,
    });
  }
  return result as SimResult;
}

function p2pWindows(
  sim: Omit<SimResult, 'p2pStart' | 'p2pEnd'>,
  prog: Programs,
  p2p: Float64Array,
  hops: Neighbours,
): { start: Float64Array; end: Float64Array } {
  const { stages: p, microbatches: m, splits: k, virtualStages: v } = prog.spec;
  const { stageOf } = placementTables(prog.spec);
  const { kind, microbatch, chunk, modelChunk, stageOffsets, opCount: n, end } = sim;
  const units = p * v * m * k;
  const mk = m * k;
  const lastUnits = (p * v - 1) * mk;
  // Completion of each F (first half) and B (second half) by unit, as the event loop's `done` held them.
  const done = new Float64Array(2 * units);
  const unitOf = (q: number, r: number): number =>
    (stageOf[modelChunk[q]! * p + r]! * m + microbatch[q]!) * k + chunk[q]!;
  for (let r = 0; r < p; r++)
    for (let q = stageOffsets[r]!; q < stageOffsets[r + 1]!; q++)
      if (kind[q] !== W) done[(kind[q] === B ? units : 0) + unitOf(q, r)] = end[q]!;
  const from = new Float64Array(n).fill(NaN);
  const to = new Float64Array(n).fill(NaN);
  for (let r = 0; r < p; r++) {
    // `!` reads: q < opCount, units < 2·units, cost slots < p·v·k, p2p slots < 2·p·k (the sizes built above and by
    // the simulation).
    for (let q = stageOffsets[r]!; q < stageOffsets[r + 1]!; q++) {
      const unit = unitOf(q, r);
      const slot = Math.floor(unit / mk) * k + chunk[q]!;
      const hop = kind[q] === F ? hops.hopF[slot]! : kind[q] === B ? hops.hopB[slot]! : -1;
      if (hop < 0) continue;
      if (kind[q] === F && unit >= mk) {
        from[q] = done[unit - mk]!;
        to[q] = from[q]! + p2p[hop]!;
      } else if (kind[q] === B && unit < lastUnits) {
        from[q] = done[units + unit + mk]!;
        to[q] = from[q]! + p2p[hop]!;
      }
    }
  }
  return { start: from, end: to };
}

function deadlockReport(prog: Programs, pc: Int32Array): NotApplicable {
  const name = (q: number): string => {
    const kd = prog.kind[q] === OP_F ? 'F' : prog.kind[q] === OP_B ? 'B' : 'W';
    const c = prog.spec.virtualStages > 1 ? ` model chunk ${prog.modelChunk[q]}` : '';
    return `${kd}(microbatch ${prog.microbatch[q]}, chunk ${prog.chunk[q]}${c})`;
  };
  const stuck: string[] = [];
  for (let r = 0; r < prog.spec.stages && stuck.length < 3; r++) {
    const q = pc[r];
    const qEnd = prog.stageOffsets[r + 1];
    if (q !== undefined && qEnd !== undefined && q < qEnd) stuck.push(`stage ${r} waits at ${name(q)}`);
  }
  return {
    applicable: false,
    reason: `the ${prog.spec.schedule} op order deadlocks for p=${prog.spec.stages}, m=${prog.spec.microbatches}, k=${prog.spec.splits}, v=${prog.spec.virtualStages}: ${stuck.join('; ')}`,
  };
}

export function isSimResult(x: SimResult | NotApplicable): x is SimResult {
  return !('applicable' in x);
}
