// Discrete-event simulation of static per-stage programs (spec §1.1). Each stage runs its ops strictly in
// program order; an op starts when the stage is free and its inputs have arrived. There is no other shared
// resource (p2p is a delay on the edge), so start times are the longest paths of a DAG and the order in which
// stages are advanced does not change the result: we advance a stage until it blocks and wake it when the op
// it waits for completes. Every op is visited a bounded number of times, so the cost is O(ops). That first run also
// writes, in the order it completed the ops, what each op waited for: later runs replay that plan in one pass
// (replayPlans).
import { OP_B, OP_F, OP_W, type CostTable, type NotApplicable, type ScheduleSpec, type SimResult } from '../types';
import { neighbourTables, placementTables, type Neighbours } from './placement';
import { buildProgramsUnchecked, HARD_MAX_OPS, scheduleNotApplicable, type Programs } from './programs';
import { ENTRY, EXIT, FULL_BACKWARD, PAIR_START } from './dualPipeV';
import { withLazyP2pWindows } from './p2pWindows';

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
  // DualPipe's two chunks per rank are two whole stages (one per direction; dualPipe.ts): each unit is a whole stage's.
  const per = 1 / (spec.splits * (spec.schedule === 'dualpipe' ? 1 : spec.virtualStages));
  return {
    forward: new Float64Array(units).fill(forward * per),
    backward: new Float64Array(units).fill(backward * per),
    weight: new Float64Array(units).fill(weight * per),
    p2pForward: new Float64Array(spec.splits).fill(p2p),
    p2pBackward: new Float64Array(spec.splits).fill(p2p),
  };
}

// Scratch of the event loop, reused between runs (the recommendation sweep simulates many schedules in a row) and
// grown, never shrunk: `done`, per F and B unit (virtual stage, microbatch, chunk), the op whose end carries that
// unit's output, −1 while not done (nothing waits on a W, so W needs no slot); the worklist of ranks; blocked marks.
let scratchDone = new Int32Array(0);
let scratchWork = new Int32Array(0);
let scratchBlocked = new Uint8Array(0);

function scratch(units: number, ops: number, p: number): { done: Int32Array; work: Int32Array; blocked: Uint8Array } {
  if (scratchDone.length < 2 * units) scratchDone = new Int32Array(2 * units);
  if (scratchWork.length < ops + p + 1) scratchWork = new Int32Array(ops + p + 1);
  if (scratchBlocked.length < p) scratchBlocked = new Uint8Array(p);
  scratchDone.fill(-1, 0, 2 * units);
  scratchBlocked.fill(0, 0, p);
  return { done: scratchDone, work: scratchWork, blocked: scratchBlocked };
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
  // Both loops write every op's start and end, and read only ends they wrote in the same run: no zeros needed.
  return { start: transientStart.subarray(0, n), end: transientEnd.subarray(0, n) };
}

/**
 * Programs depend on the schedule and its sizes only, not on the costs: the recommendation sweep simulates the same
 * (schedule, p, m, k, v) with both split strategies, the periodic samples repeat across what-ifs, and the editor
 * re-simulates the same sizes on every value edit — and a program simulated once replays fast (replayPlans). The
 * last few are kept (read-only once built; a SimResult shares its program's arrays anyway), up to PROGRAM_CACHE_OPS
 * ops together: with their plans about 17 bytes an op, so at most ~18 MB.
 */
const PROGRAM_CACHE_OPS = 1 << 20;
const programCache = new Map<string, Programs>();
let programCacheOps = 0;

function cachedPrograms(spec: ScheduleSpec): Programs {
  const key = `${spec.schedule}/${spec.stages}/${spec.microbatches}/${spec.splits}/${spec.virtualStages}/${spec.interleavedWarmup ?? ''}/${spec.microbatchGroupSize ?? ''}/${spec.moeOverlapWarmup ? 1 : 0}/${spec.dualPipeVWholeCooldown ? 1 : 0}`;
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
// The same for the opFlags bits packOps reads on every op of a flagged program.
const PAIR_START_FLAG: typeof PAIR_START = PAIR_START;
const FULL_BACKWARD_FLAG: typeof FULL_BACKWARD = FULL_BACKWARD;
const ENTRY_FLAG: typeof ENTRY = ENTRY;
const EXIT_FLAG: typeof EXIT = EXIT;
/** The packed code's fields (packOps): the unit above bit 5, the kind in bits 0-1 and three flag bits. */
const UNIT_SHIFT = 5;
/** Bit 2 on an F: it opens an F&B pair (PAIR_START); on a B: a Seq1F1B chunk before the last (its dK/dV come down). */
const PAIR = 4;
const NOT_LAST_CHUNK = 4;
/** Bit 3 on an F: a Seq1F1B chunk after the first (it reads the K/V of the earlier ones); on a B: a full backward. */
const CHAIN = 8;
const FULL = 8;
/** Bit 4: an F with no upstream input (ENTRY) or a B with no downstream gradient (EXIT). */
const NO_NEIGHBOUR = 16;
/** Unit indices must fit in 31 − UNIT_SHIFT bits (packOps). */
const MAX_UNITS = 2 ** (31 - UNIT_SHIFT);

/**
 * What a program's runs share whatever the costs (kept with the program in replayPlans, 12 bytes an op): the plan, and
 * what depends on the op order only.
 *   plan: per op, in the order the event loop completed them, [q, idx << 2 | FIRST | PAIR, dep] — q the op, idx = cost
 *     slot << 2 | kind (its row of the per-run table), dep the op at whose end its neighbour input leaves (written
 *     before it, by the order) or −1; an F&B pair's F (PAIR) has two more, [dep, idx] of its B's gradient input. A −1
 *     in place of q ends it early. A rank's ops come in its program order, so its previous op is q − 1 unless q
 *     opens the rank's program (FIRST).
 *   opsPerIdx: how many ops each idx has. A rank's busy time is the sum over its idx of count × duration (busySums),
 *     in both loops: a handful of products per run instead of a pass over every op, and the same bits either way.
 *   peakUnits: the most units live on each rank (+1 when a unit's F starts, −1 when its releasing op ends — B, or W
 *     for zero-bubble: a rank runs one op at a time, so walking its program in order sees every instant).
 */
interface Plan {
  plan: Int32Array;
  peakUnits: Int32Array;
  opsPerIdx: Int32Array;
}
const replayPlans = new WeakMap<Programs, Plan>();
const PLAN_PAIR = 1;
const PLAN_FIRST = 2;

export function simulatePrograms(prog: Programs, costs: SimCosts, transient = false): SimResult | NotApplicable {
  const { stages: p, microbatches: m, splits: k, virtualStages: v } = prog.spec;
  const vs = p * v;
  const units = vs * m * k;
  const n = prog.opCount;
  if (n > HARD_MAX_OPS)
    return { applicable: false, reason: `${n} ops exceed the simulator's hard limit of ${HARD_MAX_OPS}` };
  if (units >= MAX_UNITS)
    return { applicable: false, reason: `${units} units exceed the simulator's hard limit of ${MAX_UNITS - 1}` };
  if (
    costs.forward.length < vs * k ||
    costs.backward.length < vs * k ||
    costs.weight.length < vs * k ||
    costs.p2pForward.length < k ||
    costs.p2pBackward.length < k
  ) {
    throw new Error(`cost table too small for p=${p}, v=${v}, k=${k}`);
  }
  const place = placementTables(prog.spec);
  const hops = neighbourTables(place, p, k);
  const p2p = p2pTable(costs, p, k);
  const tab = costTable(costs, hops, p2p, vs * k);
  // The two outputs every caller keeps; everything else is scratch, per rank or kept with the program.
  const { start, end } = timelineArrays(n, transient);
  const pc = new Int32Array(p);
  for (let r = 0; r < p; r++) pc[r] = prog.stageOffsets[r]!;
  const free = new Float64Array(p);
  let kept = replayPlans.get(prog);
  if (kept) replay(kept, tab, prog.stageOffsets, { start, end, pc, free });
  else {
    const ops = new Int32Array(n);
    const idxOf = new Int32Array(n);
    const peakUnits = new Int32Array(p);
    const opsPerIdx = new Int32Array(4 * vs * k);
    const pairs = packOps(prog, ops, idxOf, peakUnits, opsPerIdx);
    const { done, work, blocked } = scratch(units, n, p);
    const plan = new Int32Array(3 * n + 2 * pairs);
    const t0: Loop = {
      mk: m * k,
      lastUnits: (vs - 1) * m * k,
      endB: units,
      ops,
      idxOf,
      done,
      work,
      blocked,
      tab,
      hops,
    };
    runOps(t0, prog.stageOffsets, plan, { start, end, pc, free });
    for (let r = 0; r < p; r++) if (pc[r]! < prog.stageOffsets[r + 1]!) return deadlockReport(prog, pc);
    kept = { plan, peakUnits, opsPerIdx };
    replayPlans.set(prog, kept);
  }
  const busy = new Float64Array(p);
  busySums(kept.opsPerIdx, tab, slotRanks(place.rankOf, k), busy);
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
    // Clamped: with no idle time the products of busySums can round one ulp above p·makespan.
    bubbleFraction: makespan > 0 ? Math.max(0, 1 - busyTotal / (p * makespan)) : 0,
    peakUnits: kept.peakUnits.slice(),
  };
  return withLazyP2pWindows(result, prog, p2p, hops);
}

/**
 * [p2pF | p2pB], each indexed by the sending rank (placement.ts inputHopSlot), so the hot loops have one code path
 * whether or not the costs give a p2p time per rank.
 */
function p2pTable(costs: SimCosts, p: number, k: number): Float64Array {
  const p2p = new Float64Array(2 * p * k);
  for (let r = 0; r < p; r++) {
    for (let j = 0; j < k; j++) {
      p2p[r * k + j] = (costs.p2pForwardByRank ?? costs.p2pForward)[costs.p2pForwardByRank ? r * k + j : j] ?? NaN;
      p2p[(p + r) * k + j] =
        (costs.p2pBackwardByRank ?? costs.p2pBackward)[costs.p2pBackwardByRank ? r * k + j : j] ?? NaN;
    }
  }
  return p2p;
}

/**
 * The one per-run table both loops read, by idx = cost slot << 2 | kind: [2·idx] the op's duration, [2·idx + 1] the
 * delay of its neighbour input (the hop's p2p time; 0 when the neighbour is on the same rank or there is none — an
 * end plus 0 is that end, so the sums are the ones a branch on the hop would give).
 */
function costTable(costs: SimCosts, hops: Neighbours, p2p: Float64Array, slots: number): Float64Array {
  const tab = new Float64Array(8 * slots);
  // `!` reads: ci < slots = vs·k ≤ the cost tables' lengths (checked); hops are −1 or < 2·p·k.
  for (let ci = 0; ci < slots; ci++) {
    const o = 8 * ci;
    const hf = hops.hopF[ci]!;
    const hb = hops.hopB[ci]!;
    tab[o + 2 * F] = costs.forward[ci]!;
    tab[o + 2 * F + 1] = hf >= 0 ? p2p[hf]! : 0;
    tab[o + 2 * B] = costs.backward[ci]!;
    tab[o + 2 * B + 1] = hb >= 0 ? p2p[hb]! : 0;
    tab[o + 2 * W] = costs.weight[ci]!;
  }
  return tab;
}

/**
 * Packs each op once, stage by stage (sequential, cheap), into the two streams the event loop reads (the ranks
 * interleave op by op there, so every stream it touches is one more cache line in flight per rank), and counts each
 * rank's peak of live units on the way (Plan.peakUnits).
 *   ops[q] = unit << 5 | bit 4 | bit 3 | bit 2 | kind,  unit = (s·m + i)·k + j;  idxOf[q] = (s·k + j) << 2 | kind
 * A program has at least two ops (F and B) per unit it runs and at most HARD_MAX_OPS = 2^27 ops, so units < 2^26 and
 * the code stays below 2^31 (simulatePrograms refuses a unit space beyond that, as a program of one op per unit —
 * half the units of a bidirectional V unused — could have). Returns the number of F&B pairs.
 */
function packOps(prog: Programs, ops: Int32Array, idxOf: Int32Array, peak: Int32Array, opsPerIdx: Int32Array): number {
  const { stages: p, microbatches: m, splits: k } = prog.spec;
  const { kind, microbatch, chunk, modelChunk, stageOffsets, opFlags } = prog;
  const { stageOf } = placementTables(prog.spec);
  const release = prog.zeroBubble ? W : B;
  for (let r = 0; r < p; r++) {
    let live = 0;
    let most = 0;
    // Bounds: stageOffsets has p + 1 entries, and every q below it indexes the op arrays (length opCount).
    for (let q = stageOffsets[r]!; q < stageOffsets[r + 1]!; q++) {
      const j = chunk[q]!;
      const s = stageOf[modelChunk[q]! * p + r]!;
      const kd = kind[q]!;
      ops[q] =
        (((s * m + microbatch[q]!) * k + j) << UNIT_SHIFT) |
        (kd === F && j > 0 ? CHAIN : 0) |
        (kd === B && j < k - 1 ? NOT_LAST_CHUNK : 0) |
        kd;
      const idx = ((s * k + j) << 2) | kd;
      idxOf[q] = idx;
      opsPerIdx[idx] = opsPerIdx[idx]! + 1;
      if (kd === F) {
        if (++live > most) most = live;
      } else if (kd === release) live--;
    }
    peak[r] = most;
  }
  // DualPipe's flags (k = 1, so bits 2 and 3 are free there): PAIR on an F, FULL on a B, NO_NEIGHBOUR on an ENTRY F
  // or an EXIT B (EXIT on an F changes nothing here: the F's output feeds its own B, which the flag on that B says).
  let pairs = 0;
  if (opFlags)
    for (let q = 0; q < prog.opCount; q++) {
      const f = opFlags[q]!;
      if (f === 0) continue;
      const kd = kind[q]!;
      const none = kd === F ? f & ENTRY_FLAG : kd === B ? f & EXIT_FLAG : 0;
      if ((f & PAIR_START_FLAG) !== 0) pairs++;
      ops[q] =
        ops[q]! |
        ((f & PAIR_START_FLAG) !== 0 ? PAIR : 0) |
        ((f & FULL_BACKWARD_FLAG) !== 0 ? FULL : 0) |
        (none !== 0 ? NO_NEIGHBOUR : 0);
    }
  return pairs;
}

/** The event loop's inputs (see runOps). */
interface Loop {
  /** m·k: units of one virtual stage. */
  mk: number;
  /** First unit of the last virtual stage. */
  lastUnits: number;
  /** Offset of the B completions in `done` (F completions come first). */
  endB: number;
  ops: Int32Array;
  idxOf: Int32Array;
  done: Int32Array;
  work: Int32Array;
  blocked: Uint8Array;
  tab: Float64Array;
  hops: Neighbours;
}

/** Each cost slot's rank (slot = virtual stage · k + chunk, an idx >> 2), for the replay's per-rank sums. */
function slotRanks(rankOf: Int32Array, k: number): Int32Array {
  const out = new Int32Array(rankOf.length * k);
  // `!` read: s < rankOf.length.
  for (let s = 0; s < rankOf.length; s++) out.fill(rankOf[s]!, s * k, (s + 1) * k);
  return out;
}

/** The per-rank state and outputs both loops write. */
interface Timeline {
  start: Float64Array;
  end: Float64Array;
  /** Each rank's next op. */
  pc: Int32Array;
  /** Each rank's time free: its last op's end. */
  free: Float64Array;
}

/**
 * The event loop: advances ranks from a worklist until every op has run or all are blocked; writes each op's start
 * and end, and each rank's program counter and free time; and writes the plan as it goes (Plan.plan): when
 * an op runs, the op it waited on is the one `done` names. It touches few streams per op: the packed op and its idx,
 * `done`, the ends it reads and writes, `start` and the plan. A pair's F waits for its B's input too; a full backward's
 * output is its W's end (the W follows it at once and never waits, so nothing reads that end before it is written).
 * The `!` reads are bounded by construction: q < stageOffsets[r + 1] ≤ opCount, units < 2·units of `done`, idx <
 * 4·vs·k, ranks < p, plan positions < 3·ops + 2·pairs.
 */
function runOps(t0: Loop, stageOffsets: Int32Array, plan: Int32Array, out: Timeline): void {
  const { mk, lastUnits, endB, ops, idxOf, done, work, blocked, tab } = t0;
  const { wakeF, wakeB } = t0.hops;
  const { start, end, pc, free } = out;
  const p = pc.length;
  // Worklist of ranks to advance. A rank enters it at the start and then only when it is blocked and one of its
  // inputs completes, so its length never exceeds p + ops.
  let top = 0;
  for (let r = p - 1; r >= 0; r--) work[top++] = r;
  let w = 0;

  while (top > 0) {
    const r = work[--top]!;
    let q = pc[r]!;
    const qEnd = stageOffsets[r + 1]!;
    const qFirst = stageOffsets[r]!;
    let t = free[r]!;
    while (q < qEnd) {
      const c = ops[q]!;
      const idx = idxOf[q]!;
      const kd = c & 3;
      const unit = c >>> UNIT_SHIFT;
      let ready = t;
      let dep = -1;
      let dep2 = -1;
      let idx2 = 0;
      if (kd === F) {
        // Seq1F1B reads the K/V cache of the earlier chunks of the same microbatch (same rank: not in the plan).
        if ((c & CHAIN) !== 0 && done[unit - 1]! < 0) break;
        if (unit >= mk && (c & NO_NEIGHBOUR) === 0) {
          dep = done[unit - mk]!;
          if (dep < 0) break;
          const arrive = end[dep]! + tab[2 * idx + 1]!;
          if (arrive > ready) ready = arrive;
        }
        if ((c & PAIR) !== 0) {
          // An F&B pair's F waits for its B's input too (unless that B is its direction's loss stage).
          const cb = ops[q + 1]!;
          const pairB = cb >>> UNIT_SHIFT;
          if ((cb & NO_NEIGHBOUR) === 0 && pairB < lastUnits) {
            dep2 = done[endB + pairB + mk]!;
            if (dep2 < 0) break;
            idx2 = idxOf[q + 1]!;
            const arrive = end[dep2]! + tab[2 * idx2 + 1]!;
            if (arrive > ready) ready = arrive;
          }
        }
        t = ready + tab[2 * idx]!;
        done[unit] = q;
        const next = wakeF[idx >> 2]!;
        if (next >= 0 && blocked[next] === 1) {
          blocked[next] = 0;
          work[top++] = next;
        }
      } else if (kd === B) {
        // The dK/dV of the prefix come down from the next chunk's backward; the last chunk needs its own forward
        // (which, through the chain, covers every earlier chunk's forward, and the loss on the last stage).
        if ((c & NOT_LAST_CHUNK) !== 0 ? done[endB + unit + 1]! < 0 : done[unit]! < 0) break;
        if (unit < lastUnits && (c & NO_NEIGHBOUR) === 0) {
          dep = done[endB + unit + mk]!;
          if (dep < 0) break;
          const arrive = end[dep]! + tab[2 * idx + 1]!;
          if (arrive > ready) ready = arrive;
        }
        t = ready + tab[2 * idx]!;
        done[endB + unit] = (c & FULL) !== 0 ? q + 1 : q; // a full backward sends after its W (the next op)
        const prev = wakeB[idx >> 2]!;
        if (prev >= 0 && blocked[prev] === 1) {
          blocked[prev] = 0;
          work[top++] = prev;
        }
      } else {
        if (done[endB + unit]! < 0) break;
        t = ready + tab[2 * idx]!;
      }
      start[q] = ready;
      end[q] = t;
      plan[w] = q;
      plan[w + 1] = (idx << 2) | (q === qFirst ? PLAN_FIRST : 0) | (dep2 >= 0 ? PLAN_PAIR : 0);
      plan[w + 2] = dep;
      w += 3;
      if (dep2 >= 0) {
        plan[w] = dep2;
        plan[w + 1] = idx2;
        w += 2;
      }
      q++;
    }
    pc[r] = q;
    free[r] = t;
    if (q < qEnd) blocked[r] = 1;
  }
  // A pair whose B is its direction's loss stage wrote 3 fields, not 5: mark where the plan ends.
  if (w < plan.length) plan[w] = -1;
}

/**
 * The sequential replay of a plan: the same additions and comparisons as runOps, in an order in which every input's
 * end is written before it is read, so bit-identical start and end times. Per op it reads three plan fields, the end
 * of the rank's previous op and of the op it waits on, and writes start and end. Busy time is then summed per rank in
 * program order, as runOps sums it, and a rank is free at its last op's end.
 */
function replay(kept: Plan, tab: Float64Array, stageOffsets: Int32Array, out: Timeline): void {
  const { plan } = kept;
  const { start, end, pc, free } = out;
  const len = plan.length;
  // `!` reads: plan fields are in range by construction (runOps): q and dep < opCount, idx < 4·vs·k; the dep ops and
  // q − 1 (unless FIRST) came earlier in the order, so their ends are written. (Reading the rank's previous end from
  // end[q − 1] measured twice as fast as keeping a per-rank free time: its address does not wait for a table read.)
  for (let o = 0; o < len;) {
    const q = plan[o]!;
    if (q < 0) break;
    const code = plan[o + 1]!;
    const dep = plan[o + 2]!;
    o += 3;
    const idx = code >>> 2;
    let ready = (code & PLAN_FIRST) !== 0 ? 0 : end[q - 1]!;
    if (dep >= 0) {
      const arrive = end[dep]! + tab[2 * idx + 1]!;
      if (arrive > ready) ready = arrive;
    }
    if ((code & PLAN_PAIR) !== 0) {
      const arrive = end[plan[o]!]! + tab[2 * plan[o + 1]! + 1]!;
      o += 2;
      if (arrive > ready) ready = arrive;
    }
    start[q] = ready;
    end[q] = ready + tab[2 * idx]!;
  }
  for (let r = 0; r < pc.length; r++) {
    const q0 = stageOffsets[r]!;
    const q1 = stageOffsets[r + 1]!;
    free[r] = q1 > q0 ? end[q1 - 1]! : 0;
    pc[r] = q1;
  }
}

/**
 * Each rank's busy time: over the cost slots on the rank (ascending), count × duration per kind. Both loops use it,
 * so a program's busy time has the same bits on every run.
 */
function busySums(opsPerIdx: Int32Array, tab: Float64Array, rankOfSlot: Int32Array, busy: Float64Array): void {
  busy.fill(0);
  // `!` reads: idx < opsPerIdx.length = 4·vs·k, tab has 2 entries per idx, rankOfSlot one per slot (idx >> 2).
  for (let idx = 0; idx < opsPerIdx.length; idx++) {
    const count = opsPerIdx[idx]!;
    if (count === 0) continue;
    const r = rankOfSlot[idx >>> 2]!;
    busy[r] = busy[r]! + count * tab[2 * idx]!;
  }
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
