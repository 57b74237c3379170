// The event simulator under the vocabulary-layer schedules that are not 1F1B's S/T steps (vocabParallel.ts has its
// own): V-Half with Vocabulary Parallelism (vocabVHalf.ts) and the interlaced pipeline (vocabInterlaced.ts). Both run
// a fixed op order on each rank, and both join all ranks in collectives over the pipeline group, which the packed
// F/B/W simulator (p2p edges only) does not represent. Two kinds of collective, as the forks issue them:
//  - asynchronous (`async_op=True`, the Zero-Bubble fork's v-half-vocab runtime): a rank issues it when its program
//    reaches it and goes on; it starts once every rank has issued it and ends `durMs` later; an op that needs its
//    result waits for it (`handle.wait()`), and an op that waits for the side stream (`wait_stream`) waits for the
//    last side-stream collective its rank issued;
//  - synchronous (the VocabularyParallelism fork's interlaced schedule: blocking broadcast and all-reduce): every rank
//    stops at it until all have arrived; each rank's op then spans the collective and its own compute.
// Collectives of one process group run one at a time in the order they are issued (one NCCL communicator, one stream),
// so that order must be the same on every rank — a program where it is not would hang, and is reported as such.
// Ops are committed in program order per rank, each at the latest of its rank's clock and its inputs; a sweep over
// the ranks commits what it can, then the collectives whose ranks have all arrived. No priority is involved: every
// op's time follows from its predecessors, so the result does not depend on the order of the sweep.

/** How an op takes part in a collective. */
const ROLE_COMPUTE = 0;
const ROLE_ISSUE = 1;
const ROLE_SYNC = 2;

/** An op no timeline shows (its kind): a collective's issue, or a zero-length wait. */
export const HIDDEN_OP = 255;

export interface EventRun {
  /** Each rank's shown ops, in execution order: kind, microbatch, model chunk, start and end (ms). */
  kind: Uint8Array;
  microbatch: Int32Array;
  chunk: Uint8Array;
  startMs: Float64Array;
  endMs: Float64Array;
  /** Where each rank's ops start (p + 1 entries). */
  rankStart: Int32Array;
  makespanMs: number;
  busyMs: Float64Array;
}

/** Options of a compute op: its input (an op on any rank, with a transfer time) and what it waits for. */
export interface OpWaits {
  dep?: number;
  depLatencyMs?: number;
  waitCollective?: number;
  waitStream?: boolean;
}

/**
 * Rank programs and collectives, built op by op (ids in creation order) and placed on each rank in execution order.
 * Dependencies may name ops created later (setWaits), so a builder can create every op before it orders them.
 */
export class EventProgram {
  readonly progs: number[][];
  private readonly rank: number[] = [];
  private readonly kind: number[] = [];
  private readonly mb: number[] = [];
  private readonly chunkOf: number[] = [];
  private readonly dur: number[] = [];
  private readonly role: number[] = [];
  private readonly coll: number[] = [];
  private readonly dep: number[] = [];
  private readonly depLat: number[] = [];
  private readonly waitColl: number[] = [];
  private readonly waitStream: boolean[] = [];
  private readonly collDur: number[] = [];
  private readonly collSide: boolean[] = [];
  private readonly collData: number[] = [];
  private readonly collByKey = new Map<number, number>();

  constructor(readonly p: number) {
    this.progs = Array.from({ length: p }, () => []);
  }

  get opCount(): number {
    return this.kind.length;
  }

  /**
   * The collective named `key` (created on first use): `durMs` once every rank is in; `sideStream` for those a
   * `wait_stream` waits for; `dataDep`, an op whose output it carries (else the issuing ranks' order suffices).
   */
  collective(key: number, durMs: number, sideStream = false, dataDep = -1): number {
    const known = this.collByKey.get(key);
    if (known !== undefined) return known;
    const id = this.collDur.length;
    this.collDur.push(durMs);
    this.collSide.push(sideStream);
    this.collData.push(dataDep);
    this.collByKey.set(key, id);
    return id;
  }

  /** A compute op on rank r (not placed yet); returns its id. */
  op(r: number, kind: number, microbatch: number, chunk: number, durMs: number, waits: OpWaits = {}): number {
    const id = this.kind.length;
    this.rank.push(r);
    this.kind.push(kind);
    this.mb.push(microbatch);
    this.chunkOf.push(chunk);
    this.dur.push(durMs);
    this.role.push(ROLE_COMPUTE);
    this.coll.push(-1);
    this.dep.push(-1);
    this.depLat.push(0);
    this.waitColl.push(-1);
    this.waitStream.push(false);
    this.setWaits(id, waits);
    return id;
  }

  setWaits(id: number, w: OpWaits): void {
    if (w.dep !== undefined) {
      this.dep[id] = w.dep;
      this.depLat[id] = w.depLatencyMs ?? 0;
    }
    if (w.waitCollective !== undefined) this.waitColl[id] = w.waitCollective;
    if (w.waitStream !== undefined) this.waitStream[id] = w.waitStream;
  }

  /** Places an op at the end of its rank's program. */
  place(id: number): void {
    this.progs[this.rank[id]!]!.push(id);
  }

  /** Rank r issues collective c (asynchronous), placed now. */
  issue(r: number, c: number): void {
    const id = this.op(r, HIDDEN_OP, -1, 0, 0);
    this.role[id] = ROLE_ISSUE;
    this.coll[id] = c;
    this.place(id);
  }

  /** A blocking collective op on rank r (shown as `kind`): collective c, then `computeMs` of its own; placed now. */
  sync(r: number, kind: number, microbatch: number, c: number, computeMs: number, waits: OpWaits = {}): number {
    const id = this.op(r, kind, microbatch, 0, computeMs, waits);
    this.role[id] = ROLE_SYNC;
    this.coll[id] = c;
    this.place(id);
    return id;
  }

  /** Runs the programs; returns why not when they cannot finish (a deadlock, collectives out of order). */
  simulate(): EventRun | string {
    const { p, progs } = this;
    const n = this.kind.length;
    const nc = this.collDur.length;
    const start = new Float64Array(n).fill(NaN);
    const end = new Float64Array(n).fill(NaN);
    // The order collectives run in: rank 0's; every rank must issue them in that order.
    const order = new Int32Array(nc).fill(-1);
    let seen = 0;
    for (const id of progs[0]!) {
      const c = this.coll[id]!;
      if (c >= 0 && order[c] === -1) order[c] = seen++;
    }
    if (seen !== nc) return 'a collective is not run by the first rank';
    const byOrder = new Int32Array(nc);
    for (let c = 0; c < nc; c++) byOrder[order[c]!] = c;
    const arrived = new Int32Array(nc);
    const lastIn = new Float64Array(nc);
    const collStart = new Float64Array(nc).fill(NaN);
    const collEnd = new Float64Array(nc).fill(NaN);
    const clock = new Float64Array(p);
    const pc = new Int32Array(p);
    const lastSide = new Int32Array(p).fill(-1);
    const lastOrder = new Int32Array(p).fill(-1);
    const joined = new Uint8Array(n);
    let next = 0;
    let left = 0;
    for (const prog of progs) left += prog.length;
    while (left > 0) {
      let progress = false;
      for (let r = 0; r < p; r++) {
        const prog = progs[r]!;
        while (pc[r]! < prog.length) {
          const id = prog[pc[r]!]!;
          const role = this.role[id]!;
          const c = this.coll[id]!;
          let t = clock[r]!;
          if (role === ROLE_ISSUE) {
            if (order[c]! <= lastOrder[r]!) return `collectives run in a different order on rank ${r}`;
            lastOrder[r] = order[c]!;
            arrived[c] = arrived[c]! + 1;
            lastIn[c] = Math.max(lastIn[c]!, t);
            if (this.collSide[c]) lastSide[r] = c;
            start[id] = end[id] = t;
            pc[r] = pc[r]! + 1;
            left--;
            progress = true;
            continue;
          }
          const d = this.dep[id]!;
          if (d >= 0) {
            if (Number.isNaN(end[d]!)) break;
            t = Math.max(t, end[d]! + this.depLat[id]!);
          }
          const w = this.waitColl[id]!;
          if (w >= 0) {
            if (Number.isNaN(collEnd[w]!)) break;
            t = Math.max(t, collEnd[w]!);
          }
          if (this.waitStream[id] && lastSide[r]! >= 0) {
            if (Number.isNaN(collEnd[lastSide[r]!]!)) break;
            t = Math.max(t, collEnd[lastSide[r]!]!);
          }
          let s = t;
          let e = t + this.dur[id]!;
          if (role === ROLE_SYNC) {
            if (!joined[id]) {
              if (order[c]! <= lastOrder[r]!) return `collectives run in a different order on rank ${r}`;
              lastOrder[r] = order[c]!;
              joined[id] = 1;
              arrived[c] = arrived[c]! + 1;
              lastIn[c] = Math.max(lastIn[c]!, t);
              progress = true;
            }
            if (Number.isNaN(collEnd[c]!)) break;
            s = collStart[c]!;
            e = collEnd[c]! + this.dur[id]!;
          }
          start[id] = s;
          end[id] = e;
          clock[r] = e;
          pc[r] = pc[r]! + 1;
          left--;
          progress = true;
        }
      }
      // The collectives every rank has reached, in their one order.
      for (; next < nc; next++) {
        const c = byOrder[next]!;
        const dd = this.collData[c]!;
        if (arrived[c]! < p || (dd >= 0 && Number.isNaN(end[dd]!))) break;
        collStart[c] = Math.max(lastIn[c]!, next > 0 ? collEnd[byOrder[next - 1]!]! : 0, dd >= 0 ? end[dd]! : 0);
        collEnd[c] = collStart[c]! + this.collDur[c]!;
        progress = true;
      }
      if (!progress) {
        return 'the schedule deadlocked (no op can start)';
      }
    }
    return this.shown(start, end);
  }

  /** The shown ops (not issues, not hidden waits), grouped by rank in program order. */
  private shown(start: Float64Array, end: Float64Array): EventRun {
    const { p, progs } = this;
    const rankStart = new Int32Array(p + 1);
    for (let r = 0; r < p; r++) {
      let k = 0;
      for (const id of progs[r]!) if (this.kind[id] !== HIDDEN_OP) k++;
      rankStart[r + 1] = rankStart[r]! + k;
    }
    const total = rankStart[p]!;
    const run: EventRun = {
      kind: new Uint8Array(total),
      microbatch: new Int32Array(total),
      chunk: new Uint8Array(total),
      startMs: new Float64Array(total),
      endMs: new Float64Array(total),
      rankStart,
      makespanMs: 0,
      busyMs: new Float64Array(p),
    };
    for (let r = 0; r < p; r++) {
      let q = rankStart[r]!;
      for (const id of progs[r]!) {
        if (this.kind[id] === HIDDEN_OP) continue;
        run.kind[q] = this.kind[id]!;
        run.microbatch[q] = this.mb[id]!;
        run.chunk[q] = this.chunkOf[id]!;
        run.startMs[q] = start[id]!;
        run.endMs[q] = end[id]!;
        run.busyMs[r] = run.busyMs[r]! + (end[id]! - start[id]!);
        run.makespanMs = Math.max(run.makespanMs, end[id]!);
        q++;
      }
    }
    return run;
  }
}
