// Discrete-event simulation of static per-stage programs (spec §1.1). Each stage runs its ops strictly in
// program order; an op starts when the stage is free and its inputs have arrived. There is no other shared
// resource (p2p is a delay on the edge), so start times are the longest paths of a DAG and the order in which
// stages are advanced does not change the result: we advance a stage until it blocks and wake it when the op
// it waits for completes. Every op is visited a bounded number of times, so the cost is O(ops).
import { OP_B, OP_F, OP_W, type CostTable, type NotApplicable, type ScheduleSpec, type SimResult } from '../types';
import { buildPrograms, HARD_MAX_OPS, type Programs } from './programs';

/**
 * A cost table with optional per-hop p2p costs, for clusters where some pipeline hops stay inside a node and
 * others cross nodes. Index = sourceRank * k + chunk; forward hops go sourceRank → sourceRank+1 (mod p, the
 * wrap to the next model chunk), backward hops sourceRank → sourceRank−1 (mod p).
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
let scratchCode = new Int32Array(0);
let scratchCost = new Int32Array(0);

function scratch(
  units: number,
  ops: number,
  stages: number,
): { end: Float64Array; work: Int32Array; code: Int32Array; cost: Int32Array } {
  if (scratchEnd.length < 2 * units) scratchEnd = new Float64Array(2 * units);
  if (scratchWork.length < ops + stages + 1) scratchWork = new Int32Array(ops + stages + 1);
  if (scratchCode.length < ops) {
    scratchCode = new Int32Array(ops);
    scratchCost = new Int32Array(ops);
  }
  return { end: scratchEnd, work: scratchWork, code: scratchCode, cost: scratchCost };
}

/** Builds the programs and simulates them; not-applicable for invalid sizes, over-budget or deadlocking orders. */
export function simulateSchedule(spec: ScheduleSpec, costs: SimCosts, maxOps?: number): SimResult | NotApplicable {
  const prog = buildPrograms(spec, maxOps);
  if ('applicable' in prog) return prog;
  return simulatePrograms(prog, costs);
}

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
  stageOffsets: Int32Array;
  code: Int32Array;
  cost: Int32Array;
  chunkOf: Int32Array;
  done: Float64Array;
  fwd: Float64Array;
  bwd: Float64Array;
  wgt: Float64Array;
  p2pF: Float64Array;
  p2pB: Float64Array;
}

export function simulatePrograms(prog: Programs, costs: SimCosts): SimResult | NotApplicable {
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
  const { end: done, work, code, cost } = scratch(units, n, p);
  done.fill(-1, 0, 2 * units);
  packOps(prog, code, cost);
  // Chunk index of each cost slot, so neither loop divides.
  const chunkOf = new Int32Array(vs * k);
  for (let c = 0; c < vs * k; c++) chunkOf[c] = c % k;
  const packed: Packed = {
    p,
    k,
    mk: m * k,
    lastUnits: (vs - 1) * m * k,
    endB: units,
    stageOffsets: prog.stageOffsets,
    code,
    cost,
    chunkOf,
    done,
    fwd,
    bwd,
    wgt,
    ...p2pTables(costs, p, k),
  };
  const start = new Float64Array(n);
  const pc = new Int32Array(p);
  if (runOps(packed, work, start, pc) < n) return deadlockReport(prog, pc);
  const timing = finishTimeline(packed, start, n);
  return {
    spec: { ...prog.spec },
    opCount: n,
    stageOffsets: prog.stageOffsets,
    kind: prog.kind,
    microbatch: prog.microbatch,
    chunk: prog.chunk,
    modelChunk: prog.modelChunk,
    start,
    ...timing,
    peakUnits: peakUnitsPerStage(prog),
  };
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

/**
 * Packs each op once, stage by stage (sequential, cheap): the hot loop then reads two streams instead of four and
 * writes one instead of four. The ranks interleave op by op there, so every stream it touches is one more cache line
 * in flight per rank; the other outputs are filled afterwards, again stage by stage.
 *   code = unit << 4 | (j > 0) << 3 | (j < k−1) << 2 | kind,  unit = (s·m + i)·k + j;  cost = s·k + j
 */
function packOps(prog: Programs, code: Int32Array, cost: Int32Array): void {
  const { stages: p, microbatches: m, splits: k } = prog.spec;
  const { kind, microbatch, chunk, modelChunk, stageOffsets } = prog;
  for (let r = 0; r < p; r++) {
    // Bounds: stageOffsets has p + 1 entries, and every q below it indexes the op arrays (length opCount).
    for (let q = stageOffsets[r]!; q < stageOffsets[r + 1]!; q++) {
      const j = chunk[q]!;
      const s = modelChunk[q]! * p + r;
      code[q] = (((s * m + microbatch[q]!) * k + j) << 4) | (j > 0 ? 8 : 0) | (j < k - 1 ? 4 : 0) | kind[q]!;
      cost[q] = s * k + j;
    }
  }
}

/**
 * The event loop: advances stages from a worklist until every op has run or all are blocked; writes each op's start
 * and each stage's program counter, and returns how many ops completed. The `!` reads are bounded by construction:
 * q < stageOffsets[r + 1] ≤ opCount, units < 2·units of `done`, cost slots < vs·k, ranks < p.
 */
function runOps(t0: Packed, work: Int32Array, start: Float64Array, pc: Int32Array): number {
  const { p, k, mk, lastUnits, endB, stageOffsets, code, cost, chunkOf, done, fwd, bwd, wgt, p2pF, p2pB } = t0;
  const free = new Float64Array(p);
  const blocked = new Uint8Array(p);
  for (let r = 0; r < p; r++) pc[r] = stageOffsets[r]!;

  // Worklist of stages to advance. A stage enters it at the start and then only when it is blocked and one
  // of its inputs completes, so its length never exceeds p + ops.
  let top = 0;
  for (let r = p - 1; r >= 0; r--) work[top++] = r;
  let completed = 0;

  while (top > 0) {
    const r = work[--top]!;
    // Neighbours on the ring: virtual stage s−1 lives on prevRank, s+1 on nextRank (the wrap joins model chunks).
    const prevRank = r === 0 ? p - 1 : r - 1;
    const nextRank = r === p - 1 ? 0 : r + 1;
    const crossPrev = prevRank !== r;
    const crossNext = nextRank !== r;
    let q = pc[r]!;
    const qEnd = stageOffsets[r + 1]!;
    let t = free[r]!;
    while (q < qEnd) {
      const c = code[q]!;
      const kd = c & 3;
      const unit = c >>> 4;
      let ready = t;
      let e: number;
      if (kd === OP_F) {
        // Seq1F1B reads the K/V cache of the earlier chunks of the same microbatch.
        if ((c & 8) !== 0 && done[unit - 1]! < 0) break;
        const ci = cost[q]!;
        if (unit >= mk) {
          const depEnd = done[unit - mk]!;
          if (depEnd < 0) break;
          const arrive = crossPrev ? depEnd + p2pF[prevRank * k + chunkOf[ci]!]! : depEnd;
          if (arrive > ready) ready = arrive;
        }
        e = ready + fwd[ci]!;
        done[unit] = e;
        if (unit < lastUnits && crossNext && blocked[nextRank] === 1) {
          blocked[nextRank] = 0;
          work[top++] = nextRank;
        }
      } else if (kd === OP_B) {
        // The dK/dV of the prefix come down from the next chunk's backward; the last chunk needs its own forward
        // (which, through the chain, covers every earlier chunk's forward, and the loss on the last stage).
        if ((c & 4) !== 0 ? done[endB + unit + 1]! < 0 : done[unit]! < 0) break;
        const ci = cost[q]!;
        if (unit < lastUnits) {
          const depEnd = done[endB + unit + mk]!;
          if (depEnd < 0) break;
          const arrive = crossNext ? depEnd + p2pB[nextRank * k + chunkOf[ci]!]! : depEnd;
          if (arrive > ready) ready = arrive;
        }
        e = ready + bwd[ci]!;
        done[endB + unit] = e;
        if (unit >= mk && crossPrev && blocked[prevRank] === 1) {
          blocked[prevRank] = 0;
          work[top++] = prevRank;
        }
      } else {
        if (done[endB + unit]! < 0) break;
        e = ready + wgt[cost[q]!]!;
      }
      start[q] = ready;
      t = e;
      completed++;
      q++;
    }
    pc[r] = q;
    free[r] = t;
    if (q < qEnd) blocked[r] = 1;
  }
  return completed;
}

/**
 * Second pass, stage by stage: end times, the p2p windows (the input's completion is still in `done`), busy time and
 * the makespan. end = start + duration repeats the hot loop's addition, so it is bit-identical.
 */
function finishTimeline(
  t0: Packed,
  start: Float64Array,
  n: number,
): Pick<SimResult, 'end' | 'p2pStart' | 'p2pEnd' | 'makespan' | 'busy' | 'bubbleFraction'> {
  const { p, k, mk, lastUnits, endB, stageOffsets, code, cost, chunkOf, done, fwd, bwd, wgt, p2pF, p2pB } = t0;
  const end = new Float64Array(n);
  const p2pStart = new Float64Array(n);
  const p2pEnd = new Float64Array(n);
  const busy = new Float64Array(p);
  let makespan = 0;
  let busyTotal = 0;
  for (let r = 0; r < p; r++) {
    const prevRank = r === 0 ? p - 1 : r - 1;
    const nextRank = r === p - 1 ? 0 : r + 1;
    let busyR = 0;
    for (let q = stageOffsets[r]!; q < stageOffsets[r + 1]!; q++) {
      const c = code[q]!;
      const kd = c & 3;
      const unit = c >>> 4;
      const ci = cost[q]!;
      const dur = kd === OP_F ? fwd[ci]! : kd === OP_B ? bwd[ci]! : wgt[ci]!;
      const e = start[q]! + dur;
      end[q] = e;
      busyR += dur;
      if (e > makespan) makespan = e;
      let from = NaN;
      let to = NaN;
      if (kd === OP_F && unit >= mk && prevRank !== r) {
        from = done[unit - mk]!;
        to = from + p2pF[prevRank * k + chunkOf[ci]!]!;
      } else if (kd === OP_B && unit < lastUnits && nextRank !== r) {
        from = done[endB + unit + mk]!;
        to = from + p2pB[nextRank * k + chunkOf[ci]!]!;
      }
      p2pStart[q] = from;
      p2pEnd[q] = to;
    }
    busy[r] = busyR;
    busyTotal += busyR;
  }
  return { end, p2pStart, p2pEnd, makespan, busy, bubbleFraction: makespan > 0 ? 1 - busyTotal / (p * makespan) : 0 };
}

/**
 * Units live on each stage at most: +1 when a unit's F starts, −1 when its last backward op (B, or W for
 * zero-bubble) ends. A stage runs one op at a time, so walking the program in order sees every instant.
 */
export function peakUnitsPerStage(prog: Programs): Int32Array {
  const p = prog.spec.stages;
  const release = prog.zeroBubble ? OP_W : OP_B;
  const { stageOffsets, kind } = prog;
  const peak = new Int32Array(p);
  for (let r = 0; r < p; r++) {
    let live = 0;
    let best = 0;
    // stageOffsets has p + 1 entries; op indices below it are < opCount = kind.length.
    for (let q = stageOffsets[r]!; q < stageOffsets[r + 1]!; q++) {
      const kd = kind[q];
      if (kd === OP_F) {
        if (++live > best) best = live;
      } else if (kd === release) live--;
    }
    peak[r] = best;
  }
  return peak;
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
