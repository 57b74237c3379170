// D (issue 18): a vocabulary-parallel run (core/schedule/vocabParallel.ts) as the timeline draws it — the transformer
// F and B ops, the output layer's S and T passes and, in the strip under the lanes, the broadcast and the all-reduce
// barriers, where the simulator put them. Host side only (payload.ts packs the result): the webview never imports it.
import {
  OP_B,
  OP_F,
  VOCAB_OP_B,
  VOCAB_OP_F,
  VOCAB_OP_L,
  type VocabParallelFigures,
  type VocabRunDurations,
  type VocabRunOps,
} from '../core/types';
import { COLL_BROADCAST, COLL_C0, COLL_C1, OP_S, OP_T } from './opKinds';
import type { Collectives, PackSource } from './pack';

/** One drawn op an op of the run becomes: its kind (opKinds.ts), its microbatch relative to the run op's, its length. */
interface Part {
  kind: number;
  microbatchOffset: number;
  /** Absent for the run op of microbatch 0 (`first`) or of microbatch m (`last`, the step after the last forward). */
  absentAt: 'first' | 'last' | null;
  /** Its length: a duration of the run, or the rest of the run op (so the parts always add up to the simulated op). */
  ms: keyof VocabRunDurations | 'rest';
}

/**
 * What each kind of the run's ops is drawn as, in time order. A run op of step L(i) is the fork's lm_head_step_helper
 * (sail-sg/VocabularyParallelism 6191c3bf, megatron/core/pipeline_parallel/vocab_parallel_schedule.py): first the
 * output layer's backward of microbatch i − 1 (:709-716, the T pass), then its forward of microbatch i (:720-733, the
 * S pass). A new kind of run op is a new row here.
 */
const RUN_KIND_PARTS: Readonly<Record<number, readonly Part[]>> = {
  [VOCAB_OP_F]: [{ kind: OP_F, microbatchOffset: 0, absentAt: null, ms: 'rest' }],
  [VOCAB_OP_B]: [{ kind: OP_B, microbatchOffset: 0, absentAt: null, ms: 'rest' }],
  [VOCAB_OP_L]: [
    { kind: OP_T, microbatchOffset: -1, absentAt: 'first', ms: 'tPassMs' },
    { kind: OP_S, microbatchOffset: 0, absentAt: 'last', ms: 'rest' },
  ],
};

const present = (part: Part, i: number, m: number): boolean =>
  part.absentAt === null || (part.absentAt === 'first' ? i > 0 : i < m);

export interface VocabTimeline {
  ops: PackSource;
  collectives: Collectives;
}

/**
 * The run as drawn ops and collectives, or null when it cannot be read (ops not evenly grouped by rank, a kind
 * without a row): the panel then shows plain 1F1B, as before.
 */
export function vocabTimeline(vp: VocabParallelFigures): VocabTimeline | null {
  const { run, durations: d } = vp;
  if (!run || !d || run.stages < 1 || run.kind.length % run.stages !== 0) return null;
  const perRank = run.kind.length / run.stages;
  const m = run.microbatches;
  let count = 0;
  for (let q = 0; q < run.kind.length; q++) {
    const parts = RUN_KIND_PARTS[run.kind[q]!];
    if (!parts) return null;
    for (const part of parts) if (present(part, run.microbatch[q]!, m)) count++;
  }
  const ops = emptyOps(count, run.stages, run);
  const { fEnd, bEnd } = transformerEnds(run);
  // p2p windows only where the neighbour is the next rank (one chunk per rank, 1F1B's placement).
  const p2p = run.chunk ? null : { run, d, fEnd, bEnd };
  let n = 0;
  for (let r = 0; r < run.stages; r++) {
    ops.stageOffsets[r] = n;
    for (let q = r * perRank; q < (r + 1) * perRank; q++) {
      const i = run.microbatch[q]!;
      let at = run.startMs[q]!;
      for (const part of RUN_KIND_PARTS[run.kind[q]!]!) {
        if (!present(part, i, m)) continue;
        const end = part.ms === 'rest' ? run.endMs[q]! : Math.min(run.endMs[q]!, at + d[part.ms]);
        const mb = i + part.microbatchOffset;
        ops.kind[n] = part.kind;
        ops.microbatch[n] = mb;
        ops.modelChunk[n] = run.chunk ? run.chunk[q]! : 0;
        ops.start[n] = at;
        ops.end[n] = end;
        setP2pWindow(ops, n, part.kind, r, mb, p2p);
        at = end;
        n++;
      }
    }
  }
  ops.stageOffsets[run.stages] = n;
  // The barrier rules below are 1F1B's; a run of another schedule (a V placement, the interlaced pipeline: C, issue
  // 18, marks it `schedule`) draws its passes without them until its own rules are written here.
  const other = run.chunk !== undefined || (vp as { schedule?: unknown }).schedule !== undefined;
  const collectives = other ? emptyCollectives() : collectivesOf(run, vp.algorithm, d, fEnd);
  return { ops, collectives };
}

function emptyOps(n: number, stages: number, run: VocabRunOps): PackSource {
  return {
    opCount: n,
    stageOffsets: new Int32Array(stages + 1),
    kind: new Uint8Array(n),
    microbatch: new Int32Array(n),
    chunk: new Uint16Array(n),
    modelChunk: new Uint16Array(n),
    start: new Float64Array(n),
    end: new Float64Array(n),
    p2pStart: new Float64Array(n),
    p2pEnd: new Float64Array(n),
    busy: Float64Array.from(run.busyMs),
    peakUnits: Int32Array.from(run.peakInFlight),
  };
}

/** End of F and B of (rank r, microbatch i) at r·m + i; NaN where the run has none. */
function transformerEnds(run: VocabRunOps): { fEnd: Float64Array; bEnd: Float64Array } {
  const m = run.microbatches;
  const fEnd = new Float64Array(run.stages * m).fill(NaN);
  const bEnd = new Float64Array(run.stages * m).fill(NaN);
  const perRank = run.kind.length / run.stages;
  for (let q = 0; q < run.kind.length; q++) {
    const i = run.microbatch[q]!;
    if (i < 0 || i >= m) continue;
    const at = Math.floor(q / perRank) * m + i;
    if (run.kind[q] === VOCAB_OP_F) fEnd[at] = run.endMs[q]!;
    else if (run.kind[q] === VOCAB_OP_B) bEnd[at] = run.endMs[q]!;
  }
  return { fEnd, bEnd };
}

/**
 * Op n's p2p window: the transfer that feeds a transformer op, a forward's activation from rank r − 1, a backward's
 * gradient from rank r + 1 (simulateVocabParallel's opReady); NaN for what no p2p feeds (or without `p2p`).
 */
function setP2pWindow(
  ops: PackSource,
  n: number,
  kind: number,
  r: number,
  i: number,
  p2p: { run: VocabRunOps; d: VocabRunDurations; fEnd: Float64Array; bEnd: Float64Array } | null,
): void {
  let s = NaN;
  let ms = 0;
  if (p2p && kind === OP_F && r > 0) {
    s = p2p.fEnd[(r - 1) * p2p.run.microbatches + i]!;
    ms = p2p.d.p2pForwardMs;
  } else if (p2p && kind === OP_B && r < p2p.run.stages - 1) {
    s = p2p.bEnd[(r + 1) * p2p.run.microbatches + i]!;
    ms = p2p.d.p2pBackwardMs;
  }
  ops.p2pStart[n] = s;
  ops.p2pEnd[n] = s + ms;
}

function emptyCollectives(): Collectives {
  return {
    collKind: new Uint8Array(0),
    collMicrobatch: new Int32Array(0),
    collStart: new Float64Array(0),
    collEnd: new Float64Array(0),
  };
}

/**
 * The broadcast and the barriers of a 1F1B run, by the rules its simulator waits on (schedule/vocabParallel.ts
 * VocabSim.lReady and opReady): C0(i) starts when the last rank finishes S(i) (the step L(i)); C1(i) (Algorithm 1)
 * when the last rank finishes the step L(i + 1), T(i) and the S(i + 1) fused with it. Algorithm 2 broadcasts microbatch i's input when the last
 * stage's F(i) ends; Algorithm 1 broadcasts it with the loss gradient of i − 1, once that F and C0(i − 1) are done,
 * and once more after the last C0 with the last loss gradient alone.
 */
function collectivesOf(run: VocabRunOps, algorithm: 1 | 2, d: VocabRunDurations, fEnd: Float64Array): Collectives {
  const m = run.microbatches;
  const lLast = new Float64Array(m + 1).fill(-Infinity);
  for (let q = 0; q < run.kind.length; q++) {
    const i = run.microbatch[q]!;
    if (run.kind[q] === VOCAB_OP_L && i >= 0 && i <= m) lLast[i] = Math.max(lLast[i]!, run.endMs[q]!);
  }
  const fLast = (i: number): number => (i < m ? fEnd[(run.stages - 1) * m + i]! : -Infinity);
  const broadcasts = algorithm === 1 ? m + 1 : m;
  const total = m + (algorithm === 1 ? m : 0) + broadcasts;
  const c: Collectives = {
    collKind: new Uint8Array(total),
    collMicrobatch: new Int32Array(total),
    collStart: new Float64Array(total),
    collEnd: new Float64Array(total),
  };
  let n = 0;
  const put = (kind: number, i: number, startMs: number, ms: number): void => {
    // A collective whose inputs the run never produced (not in a complete run) is left out.
    if (!Number.isFinite(startMs)) return;
    c.collKind[n] = kind;
    c.collMicrobatch[n] = i;
    c.collStart[n] = startMs;
    c.collEnd[n] = startMs + ms;
    n++;
  };
  for (let i = 0; i < m; i++) put(COLL_C0, i, lLast[i]!, d.c0Ms);
  if (algorithm === 1) for (let i = 0; i < m; i++) put(COLL_C1, i, lLast[i + 1]!, d.c1Ms);
  for (let i = 0; i < broadcasts; i++)
    put(
      COLL_BROADCAST,
      i,
      algorithm === 2 ? fLast(i) : Math.max(fLast(i), i > 0 ? lLast[i - 1]! + d.c0Ms : -Infinity),
      d.broadcastMs,
    );
  return {
    collKind: c.collKind.subarray(0, n),
    collMicrobatch: c.collMicrobatch.subarray(0, n),
    collStart: c.collStart.subarray(0, n),
    collEnd: c.collEnd.subarray(0, n),
  };
}
