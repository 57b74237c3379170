// V-Half with Vocabulary Parallelism, as the Zero-Bubble fork's v-half-vocab branch runs it (sail-sg/zero-bubble-
// pipeline-parallelism 92895b9a; Yeung et al., MLSys 2025 §5). The branch has both algorithms: one all-reduce barrier
// (Algorithm 2, its default) and two (Algorithm 1, --disable-backward-fusion), README.md:28 and the FuncType list in
// scheduler/graph.py:7-15. Its order, step by step (file:line at 92895b9a, megatron/core/pipeline_parallel/zerobubble/):
//  1. V-Half's stable pattern with the building block stretched by one repeat (6 slots) per barrier: interval + 6,
//     + 6 more under --disable-backward-fusion (scheduler/zbv_greedy.py:34-47), W passes into the idle slots, no
//     squeeze-and-reorder (do_reorder=False, :257), at unit costs F = B = W = 1000 and messages of 1 (runtime.py:1913-1933);
//  2. the unit timeline (scheduler/passes.py add_time, :180-230);
//  3. the vocabulary passes at fixed points of it (passes.py add_embedding_passes, :31-97): S(i) one backward after
//     the last virtual stage's forward of i on rank 0, T(i) with S(i + 1), the input layer's forward IF(i) with
//     S(i − p/2 − 1) (the first p/2 + 1 before everything), its backward IB(i) with S(i + p/2 + 3) (the last ones after
//     everything) — on every rank;
//  4. the collectives over the pipeline group at those points, in one order (scheduler/communication.py:175-259):
//     broadcast of T's input (the last microbatch only), broadcast of S's input (the last stage's output with the
//     previous microbatch's loss gradient), the S all-reduce (statistics; Algorithm 2: and the input gradient), the
//     input layer's all-reduce, the broadcast of its gradient; Algorithm 1 adds the T all-reduce (input gradient);
//  5. each rank's ops sorted by time, collectives before computation at one time, a broadcast moved before the
//     computation it overlaps (communication.py reorder_communication, :331-357).
// What each op waits for is the runtime's (runtime.py): S and IB wait for their broadcast's handle, T for the next
// S broadcast (it carries the loss gradient) and the side stream (the S all-reduce), the loss stage's backward on rank
// 0 for the side stream (Algorithm 1: the T all-reduce), rank 0's first forward for the input all-reduce; the side
// stream's all-reduces (S, T) overlap computation, and every collective of the group runs in issue order.
// Left out: the fork's p2p SEND/RECV nodes (p2p is a transfer time on the dependency, as in the F/B/W simulator) and
// the one-element `comm_wait_tensor` all-reduces it issues next to some collectives.
import type { ModelShape } from '../model/shape';
import {
  VOCAB_OP_B,
  VOCAB_OP_F,
  VOCAB_OP_IB,
  VOCAB_OP_IF,
  VOCAB_OP_S,
  VOCAB_OP_T,
  VOCAB_OP_W,
  type GpuProfile,
} from '../types';
import { buildStageCosts, outputLayerMs, type CostConstants } from './costModel';
import type { CostRunFlags } from './cost/afterFlush';
import { kernelRates, linkOf, ringMs } from './cost/kernels';
import { EventProgram, HIDDEN_OP, type EventRun } from './vocabEvents';
import type { VocabAlgorithm } from './vocabParallel';

export interface VHalfVocabDurations {
  /** Per virtual stage 0…2p − 1 (rank r holds r and 2p − 1 − r): forward, input gradient, weight gradient, ms. */
  forwardMs: Float64Array;
  backwardMs: Float64Array;
  weightMs: Float64Array;
  p2pForwardMs: number;
  p2pBackwardMs: number;
  /** S and T on each device, as on 1F1B (vocabParallel.ts vocabParallelDurations). */
  sPassMs: number;
  tPassMs: number;
  /** The input layer's forward and backward on each device's vocabulary shard. */
  inputForwardMs: number;
  inputBackwardMs: number;
  /** Broadcast of S's input (fp32 hidden + the loss-gradient column). */
  broadcastSMs: number;
  /** The S all-reduce (Algorithm 2: statistics and input gradient; 1: statistics). */
  reduceSMs: number;
  /** The T all-reduce of the input gradient (Algorithm 1 only). */
  reduceTMs: number;
  /** The last microbatch's loss-gradient broadcast. */
  broadcastLossMs: number;
  /** The input layer's output all-reduce and its gradient's broadcast. */
  reduceInputMs: number;
  broadcastInputGradMs: number;
}

/** Unit costs and message time of the fork's order (runtime.py:1915-1918). */
const UNIT = 1000;
const UNIT_COMM = 1;

/** Slot types of zbv_greedy: F f B b W w (forward chunk 0 / 1, backward chunk 1 / 0, W chunk 1 / 0). */
const CHUNK_OF_TYPE = [0, 1, 1, 0, 1, 0];
const KIND_OF_TYPE = [VOCAB_OP_F, VOCAB_OP_F, VOCAB_OP_B, VOCAB_OP_B, VOCAB_OP_W, VOCAB_OP_W];

/**
 * Each stage's ops (type·m + microbatch) in slot order: the stretched stable pattern, every 6 slots the next
 * microbatch, W passes in the idle slots as put_w(split_w=True) does (B's W queue first), the rest after the last op.
 */
export function vHalfVocabOrder(p: number, m: number, algorithm: VocabAlgorithm): Int32Array[] {
  const gap = (p % 2 === 0 ? 3 : 0) + 6 + (algorithm === 1 ? 6 : 0);
  const out: Int32Array[] = [];
  for (let s = 0; s < p; s++) {
    const first = [2 * s, 3 * p - s - 2, 3 * p + gap + 2 * s - 1, 6 * p + gap - s - 2];
    const last = Math.max(...first) + 6 * (m - 1);
    const slot = new Int32Array(last + 1).fill(-1);
    for (let t = 0; t < 4; t++) for (let j = 0; j < m; j++) slot[first[t]! + 6 * j] = t * m + j;
    const order = new Int32Array(6 * m);
    let q = 0;
    const pending = [0, 0];
    const nextW = [0, 0];
    for (let i = 0; i <= last; i++) {
      const e = slot[i]!;
      if (e >= 0) {
        order[q++] = e;
        const t = Math.floor(e / m);
        if (t >= 2) pending[t - 2] = pending[t - 2]! + 1;
      } else
        for (const w of [0, 1])
          if (pending[w]! > 0) {
            pending[w] = pending[w]! - 1;
            order[q++] = (4 + w) * m + nextW[w]!;
            nextW[w] = nextW[w]! + 1;
            break;
          }
    }
    for (const w of [0, 1]) while (nextW[w]! < m) order[q++] = (4 + w) * m + nextW[w]!++;
    out.push(order);
  }
  return out;
}

/** The op an op of type t takes its input from, as [stage, type], or null; add_time's get_prev_key (graph.py:150-163). */
function inputOf(p: number, s: number, t: number): [number, number] | null {
  switch (t) {
    case 0:
      return s > 0 ? [s - 1, 0] : null;
    case 1:
      return s === p - 1 ? [s, 0] : [s + 1, 1];
    case 2:
      return s === 0 ? [0, 1] : [s - 1, 2];
    case 3:
      return s === p - 1 ? [s, 2] : [s + 1, 3];
    default:
      return [s, t - 2];
  }
}

/** The virtual stage of (stage s, slot type t): chunk 0 is s, chunk 1 is 2p − 1 − s. */
const virtualStage = (p: number, s: number, t: number): number => (CHUNK_OF_TYPE[t] === 0 ? s : 2 * p - 1 - s);

/** Creates every transformer op of the order (ids[s][t·m + j]) with its input, unplaced. */
function transformerOps(
  prog: EventProgram,
  p: number,
  m: number,
  costOf: (s: number, t: number) => number,
  latencyOf: (t: number) => number,
): Int32Array[] {
  const ids = Array.from({ length: p }, () => new Int32Array(6 * m));
  for (let s = 0; s < p; s++)
    for (let e = 0; e < 6 * m; e++) {
      const t = Math.floor(e / m);
      ids[s]![e] = prog.op(s, KIND_OF_TYPE[t]!, e % m, CHUNK_OF_TYPE[t]!, costOf(s, t));
    }
  for (let s = 0; s < p; s++)
    for (let e = 0; e < 6 * m; e++) {
      const t = Math.floor(e / m);
      const from = inputOf(p, s, t);
      if (from)
        prog.setWaits(ids[s]![e]!, {
          dep: ids[from[0]]![from[1] * m + (e % m)]!,
          depLatencyMs: from[0] === s ? 0 : latencyOf(t),
        });
    }
  return ids;
}

/** Codes of the vocabulary entries of a rank's list (transformer entries are 0 … 6m − 1). */
const IF = 0;
const T = 1;
const S = 2;
const IB = 3;
const BT = 4;
const BS = 5;
const RS = 6;
const RIF = 7;
const BIB = 8;
const RT = 9;
const RECV_LIKE = new Set([BT, BS, BIB]);

interface Entry {
  time: number;
  /** Collectives: their id in communication.py's numbering; computation: after every collective at that time. */
  key: number;
  seq: number;
  /** A transformer op (type·m + microbatch) when ≥ 0, else −1 − (code·m + microbatch). */
  what: number;
  completion: number;
}

/** The fork's points in the unit timeline (passes.py:31-66): S, T, IF and IB of every microbatch. */
function vocabTimings(p: number, m: number, unit: EventRun): { s: number[]; t: number[]; f: number[]; b: number[] } {
  const s: number[] = [];
  // Rank 0's forwards of chunk 1 (the last virtual stage), in microbatch order; one backward later.
  for (let q = unit.rankStart[0]!; q < unit.rankStart[1]!; q++)
    if (unit.kind[q] === VOCAB_OP_F && unit.chunk[q] === 1) s.push(unit.endMs[q]! + UNIT);
  const t = s.slice(1);
  t.push(s[m - 1]! + 4 * UNIT);
  const warmup = Math.floor(p / 2) + 1;
  const f = Array.from({ length: m }, (_, i) => (i < warmup ? i - m : s[i - warmup]!));
  const b = Array.from({ length: m }, (_, i) => (i < m - warmup - 2 ? s[i + warmup + 2]! : unit.makespanMs + i));
  return { s, t, f, b };
}

/** Each rank's entries in the fork's order: sorted by time, then the broadcast swaps. */
function rankEntries(
  r: number,
  m: number,
  algorithm: VocabAlgorithm,
  unit: EventRun,
  order: Int32Array,
  at: ReturnType<typeof vocabTimings>,
): Entry[] {
  const list: Entry[] = [];
  const compute = 6 * m + 1;
  for (let k = 0; k < order.length; k++) {
    const q = unit.rankStart[r]! + k;
    list.push({ time: unit.startMs[q]!, key: compute, seq: list.length, what: order[k]!, completion: unit.endMs[q]! });
  }
  const vocab = (code: number, times: number[]): void => {
    for (let i = 0; i < m; i++)
      list.push({ time: times[i]!, key: compute, seq: list.length, what: -1 - (code * m + i), completion: times[i]! });
  };
  vocab(IF, at.f);
  vocab(T, at.t);
  vocab(S, at.s);
  vocab(IB, at.b);
  const comm = (code: number, time: number, id: number, i: number): void => {
    list.push({ time, key: id, seq: list.length, what: -1 - (code * m + i), completion: time });
  };
  for (let i = 0; i < m; i++) {
    comm(BT, at.t[i]!, 5 * i, i);
    comm(BS, at.s[i]!, 5 * i + 1, i);
    comm(RS, at.s[i]! + 1, 5 * i + 2, i);
    comm(RIF, at.f[i]! + 1, 5 * i + 3, i);
    comm(BIB, at.b[i]!, 5 * i + 4, i);
  }
  if (algorithm === 1) for (let i = 0; i < m; i++) comm(RT, at.t[i]! + 1, 5 * m + i, i);
  list.sort((a, b) => a.time - b.time || a.key - b.key || a.seq - b.seq);
  const isCompute = (e: Entry): boolean => e.key === compute;
  const code = (e: Entry): number => Math.floor((-1 - e.what) / m);
  for (let i = 1; i < list.length; i++) {
    const prev = list[i - 1]!;
    const cur = list[i]!;
    if (isCompute(prev) && !isCompute(cur) && RECV_LIKE.has(code(cur)) && cur.time <= prev.completion) {
      list[i - 1] = cur;
      list[i] = prev;
    }
  }
  return list;
}

/** A simulated V-Half run with Vocabulary Parallelism: the shown ops and, per rank, the most chunks in flight. */
export interface VHalfVocabRun extends EventRun {
  /** Most model chunks forwarded and not yet through their W on each rank (a chunk is half a rank's layers). */
  peakChunksInFlight: Int32Array;
}

/** Largest run simulated: p · 10m shown ops plus the collectives' issues (5m per rank, 6m with Algorithm 1). */
export const VHALF_VOCAB_MAX_OPS = 1 << 18;

/** Why a run cannot be simulated, or null. */
export function vHalfVocabNotApplicable(p: number, m: number): string | null {
  if (!Number.isInteger(p) || p < 2) return `Vocabulary Parallelism needs pipeline parallelism (p=${p})`;
  if (!Number.isInteger(m) || m < 1) return `microbatches m must be a positive integer (got ${m})`;
  // With an odd p the stretched pattern runs the first stage's forward of microbatch p/2 + 1 before the input layer's
  // all-reduce it reads is issued (IF(i) at S(i − ⌊p/2⌋ − 1), passes.py:44-50): the fork would stop there.
  if (p % 2 === 1) return `the v-half-vocab branch's order needs an even PP (got ${p})`;
  if (p * 16 * m > VHALF_VOCAB_MAX_OPS) return `${p * 16 * m} ops exceed the ${VHALF_VOCAB_MAX_OPS} simulated`;
  return null;
}

/** Places each rank's entries as ops and collective issues of the real run, with what each op waits for. */
class RankPlacer {
  private readonly dur: number[];
  constructor(
    private readonly prog: EventProgram,
    private readonly ids: Int32Array[],
    private readonly m: number,
    private readonly algorithm: VocabAlgorithm,
    private readonly d: VHalfVocabDurations,
  ) {
    this.dur = [
      0,
      0,
      0,
      0,
      d.broadcastLossMs,
      d.broadcastSMs,
      d.reduceSMs,
      d.reduceInputMs,
      d.broadcastInputGradMs,
      d.reduceTMs,
    ];
  }

  /**
   * Collective `code` of microbatch i, keyed code·m + i; the S broadcast carries rank 0's last-stage output, the input
   * gradient's broadcast its first-stage backward.
   */
  private c(code: number, i: number): number {
    const { m, ids } = this;
    return this.prog.collective(
      code * m + i,
      this.dur[code]!,
      code === RS || code === RT,
      code === BS ? ids[0]![m + i]! : code === BIB ? ids[0]![3 * m + i]! : -1,
    );
  }

  /** Places rank r's entries; returns why the order cannot run (an op before the collective it reads). */
  rank(r: number, entries: Entry[]): string | null {
    const { prog, m, d } = this;
    // Which collectives (code·m + i) this rank has issued so far.
    const issued = new Uint8Array(10 * m);
    for (const e of entries) {
      if (e.what >= 0) {
        const why = this.transformer(r, e.what, issued);
        if (why) return why;
        continue;
      }
      const code = Math.floor((-1 - e.what) / m);
      const i = (-1 - e.what) % m;
      switch (code) {
        case IF:
          prog.place(prog.op(r, VOCAB_OP_IF, i, 0, d.inputForwardMs));
          break;
        case T:
          if (!issued[i < m - 1 ? BS * m + i + 1 : BT * m + i])
            return `T of microbatch ${i} comes before the broadcast of its input`;
          prog.place(
            prog.op(r, VOCAB_OP_T, i, 0, d.tPassMs, {
              waitCollective: i < m - 1 ? this.c(BS, i + 1) : this.c(BT, i),
              waitStream: true,
            }),
          );
          break;
        case S:
          prog.place(prog.op(r, VOCAB_OP_S, i, 0, d.sPassMs, { waitCollective: this.c(BS, i) }));
          break;
        case IB:
          prog.place(prog.op(r, VOCAB_OP_IB, i, 0, d.inputBackwardMs, { waitCollective: this.c(BIB, i) }));
          break;
        case BT:
          // Rank 0 forms the loss gradient of i from the S all-reduce (a wait on the side stream) and sends it with
          // the next S broadcast; only the last microbatch's is broadcast on its own.
          if (r === 0) prog.place(prog.op(0, HIDDEN_OP, i, 0, 0, { waitStream: true }));
          if (i === m - 1) prog.issue(r, this.c(BT, i));
          issued[BT * m + i] = 1;
          break;
        default:
          prog.issue(r, this.c(code, i));
          issued[code * m + i] = 1;
      }
    }
    return null;
  }

  /**
   * A transformer op. Rank 0's first virtual stage reads the input layer's all-reduced output (VocabInputStore.
   * forward_get); its last virtual stage's backward reads the S (Algorithm 1: T) all-reduce from the side stream.
   */
  private transformer(r: number, what: number, issued: Uint8Array): string | null {
    const { prog, m } = this;
    const id = this.ids[r]![what]!;
    const t = Math.floor(what / m);
    const i = what % m;
    if (r === 0 && t === 0) {
      if (!issued[RIF * m + i])
        return `the first stage's forward of microbatch ${i} comes before its input layer's all-reduce in the branch's order`;
      prog.setWaits(id, { waitCollective: this.c(RIF, i) });
    }
    if (r === 0 && t === 2) {
      if (!issued[(this.algorithm === 2 ? RS : RT) * m + i])
        return `the loss stage's backward of microbatch ${i} comes before its all-reduce`;
      prog.setWaits(id, { waitStream: true });
    }
    prog.place(id);
    return null;
  }
}

/** Simulates V-Half with Vocabulary Parallelism at the given durations; returns why not when it cannot. */
export function simulateVHalfVocab(
  p: number,
  m: number,
  algorithm: VocabAlgorithm,
  d: VHalfVocabDurations,
): VHalfVocabRun | string {
  const why = vHalfVocabNotApplicable(p, m);
  if (why) return why;
  const order = vHalfVocabOrder(p, m, algorithm);
  // The fork's unit timeline (add_time): the same order at unit costs.
  const unitProg = new EventProgram(p);
  const unitIds = transformerOps(
    unitProg,
    p,
    m,
    () => UNIT,
    () => UNIT_COMM,
  );
  for (let s = 0; s < p; s++) for (const e of order[s]!) unitProg.place(unitIds[s]![e]!);
  const unit = unitProg.simulate();
  if (typeof unit === 'string') return unit;
  const at = vocabTimings(p, m, unit);

  const prog = new EventProgram(p);
  const ids = transformerOps(
    prog,
    p,
    m,
    (s, t) => {
      const vs = virtualStage(p, s, t);
      return t < 2 ? d.forwardMs[vs]! : t < 4 ? d.backwardMs[vs]! : d.weightMs[vs]!;
    },
    (t) => (t === 0 || t === 1 ? d.p2pForwardMs : d.p2pBackwardMs),
  );
  const place = new RankPlacer(prog, ids, m, algorithm, d);
  for (let r = 0; r < p; r++) {
    const why = place.rank(r, rankEntries(r, m, algorithm, unit, order[r]!, at));
    if (why) return why;
  }
  const run = prog.simulate();
  if (typeof run === 'string') return run;
  return { ...run, peakChunksInFlight: chunksInFlight(run, p) };
}

/** Per rank, the most chunks forwarded and not yet through their W (mem_of_stage's count, zbv_greedy.py:75-97). */
function chunksInFlight(run: EventRun, p: number): Int32Array {
  const peak = new Int32Array(p);
  for (let r = 0; r < p; r++) {
    let cur = 0;
    for (let q = run.rankStart[r]!; q < run.rankStart[r + 1]!; q++) {
      if (run.kind[q] === VOCAB_OP_F) cur++;
      else if (run.kind[q] === VOCAB_OP_W) cur--;
      peak[r] = Math.max(peak[r]!, cur);
    }
  }
  return peak;
}

/**
 * Durations for the file's model on V-Half (v = 2 chunks a rank on the V, B and W split): the cost model's per
 * virtual stage F, B and W with the output layer taken off the last virtual stage (rank 0's chunk 1) and spread as S
 * and T over all p, as on 1F1B. The input layer's passes are memory-bound gathers and scatter-adds of one
 * microbatch's hidden states; the fork's broadcasts and the input layer's all-reduce move them in fp32 (S's input)
 * or the pipeline dtype (the input layer's).
 */
export function vHalfVocabDurations(
  mdl: ModelShape,
  algorithm: VocabAlgorithm,
  gpu: GpuProfile,
  constants: CostConstants,
  flags: CostRunFlags,
): VHalfVocabDurations & { afterFlushMsPerRank: Float64Array } {
  const p = mdl.pp;
  const stage = buildStageCosts(mdl, 2, [mdl.seqLength], true, gpu, constants, { ...flags, chunkPlacement: 'v-shape' });
  const out = outputLayerMs(mdl, gpu, constants, flags);
  const forwardMs = Float64Array.from(stage.costs.forward);
  const backwardMs = Float64Array.from(stage.costs.backward);
  const weightMs = Float64Array.from(stage.costs.weight);
  const last = 2 * p - 1;
  forwardMs[last] = forwardMs[last]! - out.forwardMs;
  backwardMs[last] = backwardMs[last]! - out.inputGradMs;
  weightMs[last] = weightMs[last]! - out.weightGradMs;
  const tokens = (mdl.seqLength * mdl.microBatch) / mdl.cp;
  const link = linkOf(gpu, constants, stage.hopInterNode.some(Boolean));
  const hiddenFp32 = tokens * mdl.hidden * 4;
  const hiddenAct = tokens * mdl.hidden * constants.activationBytes;
  const hbm = kernelRates(gpu, constants, false).hbmBytesPerMs;
  return {
    forwardMs,
    backwardMs,
    weightMs,
    p2pForwardMs: stage.costs.p2pForward[0]!,
    p2pBackwardMs: stage.costs.p2pBackward[0]!,
    sPassMs: (algorithm === 2 ? out.forwardMs + out.inputGradMs : out.forwardMs) / p,
    tPassMs: (algorithm === 2 ? out.weightGradMs : out.inputGradMs + out.weightGradMs) / p,
    // Read the token ids' rows and write the output; backward: read the gradient, add into fp32 main grads.
    inputForwardMs: (2 * hiddenAct) / hbm,
    inputBackwardMs: (hiddenAct + 8 * tokens * mdl.hidden) / hbm,
    broadcastSMs: ringMs(hiddenFp32 + tokens * 4, p, 'half', link),
    reduceSMs: ringMs((algorithm === 2 ? hiddenFp32 : 0) + tokens * 3 * 4, p, 'all-reduce', link),
    reduceTMs: algorithm === 1 ? ringMs(hiddenFp32, p, 'all-reduce', link) : 0,
    broadcastLossMs: ringMs(tokens * 4, p, 'half', link),
    reduceInputMs: ringMs(hiddenAct, p, 'all-reduce', link),
    broadcastInputGradMs: ringMs(hiddenAct, p, 'half', link),
    afterFlushMsPerRank: stage.afterFlushMsPerRank,
  };
}
