// ZB-V, the V-shape zero-bubble schedule of Qi et al. ("Zero Bubble Pipeline Parallelism", arXiv 2401.10241, the
// version with ZB-V; "Pipeline Parallelism with Controllable Memory", 2024, V-ZB): two model chunks per rank in a V
// (rank r holds virtual stages r and 2p − 1 − r, placement.ts), B and W split, and at T_F = T_B = T_W no bubble beyond
// the start-up at the peak activation memory of 1F1B (2p chunks = p microbatches; the fork's README.md:96-99). The paper draws it; the Zero-Bubble fork builds it with
// a heuristic, PipelineGraph.try_v_schedule (sail-sg/zero-bubble-pipeline-parallelism 39f2c186
// megatron/core/pipeline_parallel/zerobubble/scheduler/zbv.py:31-252), run four times (fill_b × fill_f) keeping the
// order with the least bubble (create_schedule, :282-298). This is that construction, step by step, in our own code.
// The static order is then replayed at real costs by the simulator, like ZB-H2's. A long run builds this way only
// two short ones past the warm-up and repeats their steady state (steadyRepeat.ts).
//
// Inputs the fork takes from its profile and which we fix, so that the order depends on (p, m) only:
//  - costs: uniform F = B = W = 1000 with a 1-unit message, the fork's own uniform setting for a fixed V order
//    (runtime.py:1513-1529);
//  - memory: per chunk F +6, B −5, W −1 (the fork's f_mem_approx = 34h + 5as, w = −32h, b = −f − w of runtime.py:
//    1336-1338 give a W share of about 1/6 at h = 4096, a = 32, s = 4096), limit 2p forwards (zbv.py:23). The order is
//    the same for any W share up to 1/2 (checked against the fork's code for p ≤ 8, m ≤ 4p + 2).

import { type OrderArrays, writeWithSteadyRepeat } from './steadyRepeat';

const COST = 1000;
const COMM = 1;
/** Memory per op kind: F, B, W (one chunk's activations = 6). */
const MEM = [6, -5, -1] as const;

/**
 * One pass's result. Ops are packed per stage, stage r's from r·6m on: code = slot | micro << 3, slot = kind·2 + the
 * fork's chunk index (kind 0 F / 1 B / 2 W; B and W count the V backwards). `waitedF` / `waitedB`: a fill check
 * before an F / a chunk-0 B found a wait over the stage's budget, the only place fill_f / fill_b act (zbv.py:224-229,
 * 186-193): when neither was ever found, a pass with the other choice of that flag is this pass, op for op.
 */
interface Try {
  ops: Int32Array;
  stageBubble: Float64Array;
  maxBubble: number;
  waitedF: boolean;
  waitedB: boolean;
}

/** Thrown by a pass that can no longer beat the bubble it must beat (stage bubbles only grow). */
const BEATEN = new Error('ZB-V pass beaten');

/**
 * One pass of try_v_schedule (zbv.py:31-252) without its recursion, in typed arrays and methods rather than closures
 * (a million-op schedule takes two or three passes, each ~6 array touches an op).
 */
class VPass {
  private readonly n: number;
  /** Ops done per stage and slot (F0 F1 B0 B1 W0 W1): stage·6 + slot. A stage runs a slot's microbatches in order,
   * so op (slot, stage, micro) has run exactly when count[stage·6 + slot] > micro. */
  readonly count: Int32Array;
  /**
   * End time of each op that has run (endOf), at (micro·p + stage)·6 + slot: the ops in flight sit side by side, so a
   * pass walks this array nearly in order, and it needs no clearing between passes.
   */
  private readonly end: Float64Array;
  readonly cur: Float64Array;
  readonly mem: Float64Array;
  readonly stageBubble: Float64Array;
  maxStageBubble = 0; // stage bubbles only grow, so their maximum is kept as they do
  /** Pending W passes per stage: a queue of chunk indices in a ring of 2m (a stage runs 2m B in all). */
  private readonly pending: Uint8Array;
  private readonly head: Int32Array;
  readonly size: Int32Array;
  readonly ops: Int32Array;
  private readonly filled: Int32Array;
  private readonly maxApproved: number;
  readonly maxMem: number;
  waitedF = false;
  waitedB = false;

  constructor(
    readonly p: number,
    readonly m: number,
    private readonly approved: Float64Array | null,
    /** Give up (throw BEATEN) once the worst stage bubble reaches this. */
    private readonly beatenAt: number,
    buffers: Buffers,
  ) {
    this.n = 6 * p * m;
    this.count = new Int32Array(6 * p);
    this.end = buffers.end;
    this.cur = new Float64Array(p);
    this.mem = new Float64Array(p);
    this.stageBubble = new Float64Array(p);
    this.pending = new Uint8Array(p * 2 * m);
    this.head = new Int32Array(p);
    this.size = new Int32Array(p);
    this.ops = buffers.free.pop() ?? new Int32Array(this.n);
    this.filled = new Int32Array(p);
    let maxApproved = -1;
    if (approved) for (let i = 0; i < p; i++) maxApproved = Math.max(maxApproved, approved[i]!);
    this.maxApproved = maxApproved;
    this.maxMem = MEM[0] * p * 2;
  }

  cnt(i: number, slot: number): number {
    return this.count[i * 6 + slot]!;
  }
  /** The end time of op (slot, stage, micro), or −1 while it has not run (the fork's end_time before an op is placed). */
  endOf(slot: number, stage: number, micro: number): number {
    return this.count[stage * 6 + slot]! > micro ? this.end[(micro * this.p + stage) * 6 + slot]! : -1;
  }
  /** Python's end_time[-1], which the fork reads when an op has no neighbour (fa_id = −1): its last op, chunk 1's W of
   * the last microbatch on the last stage (slot 5). */
  endOfLast(): number {
    return this.endOf(5, this.p - 1, this.m - 1);
  }
  budget(stage: number): number {
    const approved = this.approved ? this.approved[stage]! : -1;
    return Math.max(this.maxStageBubble, this.maxApproved - approved) - this.stageBubble[stage]!;
  }

  put(cat: number, chunk: number, stage: number): void {
    const { p, m } = this;
    const noBubble = this.cur[stage]! + COST;
    let t = noBubble;
    const slot = cat * 2 + chunk;
    const c = this.count[stage * 6 + slot]!;
    const memAfter = this.mem[stage]! + MEM[cat as 0 | 1 | 2];
    if (c >= m || memAfter > this.maxMem)
      throw new Error(`ZB-V order: op ${cat}/${chunk} on stage ${stage} over its count or memory (p=${p}, m=${m})`);
    // F and B of chunk 1 come from the next stage, of chunk 0 from the previous (zbv.py:82-94).
    const from = chunk === 1 ? stage + 1 : stage - 1;
    if (cat < 2 && from >= 0 && from < p) {
      const dep = this.endOf(slot, from, c);
      if (dep < 0)
        throw new Error(`ZB-V order: input of op ${cat}/${chunk} on stage ${stage} not done (p=${p}, m=${m})`);
      t = Math.max(t, dep + COMM + COST);
    }
    if (this.count[stage * 6]! > 0) {
      const bubble = this.stageBubble[stage]! + t - noBubble;
      this.stageBubble[stage] = bubble;
      if (bubble > this.maxStageBubble) {
        this.maxStageBubble = bubble;
        if (bubble >= this.beatenAt) throw BEATEN;
      }
    }
    this.end[(c * p + stage) * 6 + slot] = t;
    this.cur[stage] = t;
    this.mem[stage] = memAfter;
    this.ops[stage * 6 * m + this.filled[stage]!] = slot | (c << 3);
    this.filled[stage] = this.filled[stage]! + 1;
    if (cat === 1) {
      this.pending[stage * 2 * m + ((this.head[stage]! + this.size[stage]!) % (2 * m))] = chunk;
      this.size[stage] = this.size[stage]! + 1;
    }
    this.count[stage * 6 + slot] = c + 1;
  }

  putW(stage: number): void {
    const chunk = this.pending[stage * 2 * this.m + this.head[stage]!]!;
    this.head[stage] = (this.head[stage]! + 1) % (2 * this.m);
    this.size[stage] = this.size[stage]! - 1;
    this.put(2, chunk, stage);
  }

  /**
   * W passes that fit before the input of the next op arrives, then one more if waiting would exceed the bubble the
   * stage may still have (zbv.py:186-193, 224-229). `faEnd`: the end of the op whose output the next op waits for
   * (−1 if not run yet), or null when there is none (the fork then reads end_time[-1] and fills nothing first); W on
   * stage i does not change it. `flag`: which fill flag decides the second (0 none, 1 F, 2 B).
   */
  fillWaiting(i: number, faEnd: number | null, fill: boolean, flag: number): void {
    if (faEnd !== null) while (this.size[i]! > 0 && faEnd + COMM >= this.cur[i]! + COST) this.putW(i);
    if (this.size[i]! > 0 && (faEnd ?? this.endOfLast()) + COMM - this.cur[i]! > this.budget(i)) {
      if (flag === 1) this.waitedF = true;
      else if (flag === 2) this.waitedB = true;
      if (fill) this.putW(i);
    }
  }

  /** Which chunk's B stage i runs this round (zbv.py:161-172), decided before any of the round's B runs. */
  bChunk(i: number): number {
    if (this.cnt(i, 3) >= this.cnt(i, 2)) return 0;
    if (i === this.p - 1) return 1;
    return this.cnt(i + 1, 3) > this.cnt(i, 3) || this.cnt(i, 2) >= this.m ? 1 : 0;
  }

  /** Warm-up (zbv.py:121-151): chunk 0 down the ranks, then each rank fills with chunk-0 forwards until chunk 1 comes
   * back up, then forwards alternate chunks until every stage has as many as the one before. */
  warmUp(): void {
    const { p, m } = this;
    for (let i = 0; i < p; i++) this.put(0, 0, i);
    for (let i = p - 1; i >= 0; i--) {
      if (i === p - 1) {
        this.put(0, 1, i);
        continue;
      }
      const back = this.endOf(1, i + 1, 0) + COMM;
      while (this.mem[i]! + MEM[0] * (2 + i * 2) <= this.maxMem && this.cur[i]! + COST <= back && this.cnt(i, 0) < m)
        for (let j = 0; j <= i; j++) this.put(0, 0, j);
      this.put(0, 1, i);
    }
    let iterChunk = 0;
    for (let i = 1; i < p; i++) {
      while (
        this.cnt(i, 0) + this.cnt(i, 1) < this.cnt(i - 1, 0) + this.cnt(i - 1, 1) ||
        (this.cnt(i, 1) <= this.cnt(i - 1, 1) && this.cnt(i - 1, 1) < m)
      ) {
        for (let j = p - 1; j >= i; j--) if (this.cnt(j, iterChunk) < m) this.put(0, iterChunk, j);
        iterChunk = 1 - iterChunk;
      }
    }
  }

  /** Steady state (zbv.py:155-230): each round every stage runs one B (chunk 1's where its gradient is there, the
   * ranks of chunk 1 from the last down, then chunk 0's) and one F, with W passes filling the waits. */
  steady(fillF: boolean, fillB: boolean): void {
    const { p, m } = this;
    const bRanks = new Int32Array(2 * p);
    for (let round = 0; round < 2 * m; round++) {
      for (let i = 0; i < p; i++) while (this.mem[i]! + MEM[1] > this.maxMem) this.putW(i);
      // b1 ranks from the last down, then b0 ranks in order: rank << 1 | chunk.
      let nb = 0;
      for (let i = p - 1; i >= 0; i--) if (this.bChunk(i) === 1) bRanks[nb++] = (i << 1) | 1;
      for (let i = 0; i < p; i++) if (this.bChunk(i) === 0) bRanks[nb++] = i << 1;
      for (let x = 0; x < nb; x++) {
        const i = bRanks[x]! >> 1;
        const chunk = bRanks[x]! & 1;
        let faEnd: number | null = null;
        if (chunk === 1 && i < p - 1) faEnd = this.endOf(3, i + 1, this.cnt(i, 3));
        if (chunk === 0 && i > 0) faEnd = this.endOf(2, i - 1, this.cnt(i, 2));
        this.fillWaiting(i, faEnd, chunk === 1 || fillB, chunk === 1 ? 0 : 2);
        this.put(1, chunk, i);
      }
      for (let i = 0; i < p; i++) {
        if (this.cnt(i, 1) >= m) continue;
        let item = -1;
        if (this.cnt(i, 1) >= this.cnt(i, 0)) item = 0;
        else if (i === p - 1) item = 1;
        else if (this.cnt(i + 1, 1) > this.cnt(i, 1)) item = 1;
        else if (this.cnt(i, 0) < m && (i === 0 || this.cnt(i - 1, 0) > this.cnt(i, 0))) item = 0;
        if (item < 0) continue;
        while (this.mem[i]! + MEM[0] > this.maxMem) this.putW(i);
        let faEnd: number | null = null;
        if (item === 0 && i > 0) faEnd = this.endOf(0, i - 1, this.cnt(i, 0));
        if (item === 1 && i < p - 1) faEnd = this.endOf(1, i + 1, this.cnt(i, 1));
        this.fillWaiting(i, faEnd, fillF, 1);
        this.put(0, item, i);
      }
    }
    for (let i = 0; i < p; i++) while (this.size[i]! > 0) this.putW(i);
  }
}

/**
 * Arrays the passes of one build share, so that a pass touches memory already mapped: the end times (one pass at a
 * time) and the op lists no pass holds any more (every op slot is written again).
 */
interface Buffers {
  end: Float64Array;
  free: Int32Array[];
}

/** One pass, or null when it was beaten (its worst stage bubble reached `beatenAt`) before the end. */
function tryOnce(
  p: number,
  m: number,
  fillF: boolean,
  fillB: boolean,
  approved: Float64Array | null,
  beatenAt: number,
  buffers: Buffers,
): Try | null {
  const pass = new VPass(p, m, approved, beatenAt, buffers);
  try {
    pass.warmUp();
    pass.steady(fillF, fillB);
  } catch (e) {
    if (e === BEATEN) {
      buffers.free.push(pass.ops);
      return null;
    }
    throw e;
  }
  return {
    ops: pass.ops,
    stageBubble: pass.stageBubble,
    maxBubble: pass.maxStageBubble,
    waitedF: pass.waitedF,
    waitedB: pass.waitedB,
  };
}

/**
 * try_v_schedule with its retry: again with the bubbles found as the approved ones, while that lowers the worst. A
 * retry is given up as soon as its worst bubble reaches the best one's: the fork would discard it at its end. Returns
 * the best pass, with `waitedF` / `waitedB` over every pass run.
 */
function tryV(p: number, m: number, fillF: boolean, fillB: boolean, buffers: Buffers): Try {
  // `!`: a first pass has nothing to be beaten by.
  let best = tryOnce(p, m, fillF, fillB, null, Infinity, buffers)!;
  let waitedF = best.waitedF;
  let waitedB = best.waitedB;
  // The fork recurses (zbv.py:243-249) and keeps the inner result only when it is better; the worst bubble strictly
  // falls from one level to the next, so this ends. Bounded as Python's recursion is.
  for (let depth = 0; depth < 256; depth++) {
    const next = tryOnce(p, m, fillF, fillB, best.stageBubble, best.maxBubble, buffers);
    if (next === null) break;
    waitedF ||= next.waitedF;
    waitedB ||= next.waitedB;
    if (!(next.maxBubble < best.maxBubble)) {
      buffers.free.push(next.ops);
      break;
    }
    buffers.free.push(best.ops);
    best = next;
  }
  return { ...best, waitedF, waitedB };
}

/**
 * The size from which writeZbVOrders repeats the steady state (steadyRepeat.ts): the order at m + 1 is the order at m
 * with one period inserted from m = 2p on (p ≥ 2; from 2 for p = 1), the warm-up having put up to 2p forwards in
 * flight; 2p + 4 leaves a margin of four microbatches.
 */
export const zbVRepeatFrom = (p: number): number => 2 * p + 4;

/**
 * Writes each stage's ZB-V program into `out` (kind 0 F, 1 B, 2 W; model chunk 0 = virtual stage r, 1 = virtual stage
 * 2p − 1 − r; chunk stays 0), stage r's 6m ops from out.stageOffsets[r] on, in execution order. A long run repeats the
 * steady state of a short one (steadyRepeat.ts): the same order, at a few ns an op.
 */
export function writeZbVOrders(p: number, m: number, out: OrderArrays): void {
  writeWithSteadyRepeat(p, m, zbVRepeatFrom(p), (mm, o) => buildInFull(p, mm, o), out);
}

/**
 * The fork's construction over all m microbatches: the best of the four fill choices of create_schedule (zbv.py:
 * 285-294; the first wins a tie), its B and W chunk index turned into the model chunk they run on (:303-305). A choice
 * that differs from one already run only in flags that never acted there (Try.waitedF / waitedB) is that run again,
 * op for op: it ties, so the earlier stays, and it is not run.
 */
function buildInFull(p: number, m: number, out: OrderArrays): void {
  let best: Try | null = null;
  const buffers: Buffers = { end: new Float64Array(6 * p * m), free: [] };
  const runs: { fillF: boolean; fillB: boolean; t: Try }[] = [];
  for (const fillB of [true, false])
    for (const fillF of [true, false]) {
      const same = runs.some((r) => (r.fillF === fillF || !r.t.waitedF) && (r.fillB === fillB || !r.t.waitedB));
      if (same) continue;
      const t = tryV(p, m, fillF, fillB, buffers);
      runs.push({ fillF, fillB, t });
      if (best === null || t.maxBubble < best.maxBubble) {
        if (best) buffers.free.push(best.ops);
        best = t;
      } else buffers.free.push(t.ops);
    }
  for (let r = 0; r < p; r++) {
    let q = out.stageOffsets[r]!;
    // `!` reads: every stage's 6m ops were written (a pass ends when every W has run).
    for (let i = r * 6 * m; i < (r + 1) * 6 * m; i++) {
      const code = best!.ops[i]!;
      const cat = (code & 7) >> 1;
      out.kind[q] = cat;
      out.microbatch[q] = code >> 3;
      out.modelChunk[q] = cat === 0 ? code & 1 : 1 - (code & 1);
      q++;
    }
  }
}
