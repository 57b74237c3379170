// Which pipeline rank holds which virtual stage (a model chunk of consecutive layers, in model order). Every consumer
// of a timeline that needs a virtual stage or a neighbour rank (simulator, memory walk, step-time breakdown, trace)
// asks here, so a schedule with another placement changes one place.
//  - interleaved: virtual stage s = c·p + r (Megatron's VPP; v = 1 is plain 1F1B);
//  - V shape (ZB-V, DualPipeV): even chunks go down the ranks, odd ones come back up — s = c·p + r for even c,
//    c·p + (p − 1 − r) for odd c. With v = 2 rank r holds stages r and 2p − 1 − r, so rank 0 holds the first and the
//    last (the Zero-Bubble fork's layer_group_idx, sail-sg/zero-bubble-pipeline-parallelism 39f2c186
//    megatron/core/pipeline_parallel/zerobubble/scheduler/zbv.py:310-314; MindSpeed's DualPipeV the same; V-Half
//    and V-Min the same, zbv_greedy.py:273-277).
import type { ScheduleName, ScheduleSpec } from '../types';

export type ChunkPlacement = 'interleaved' | 'v-shape';

// DualPipe (dualPipe.ts) is the same V with v = 2: its direction 1 runs virtual stages p…2p − 1, from rank p − 1 to 0.
const V_SHAPE: ReadonlySet<ScheduleName> = new Set<ScheduleName>(['zb-v', 'dualpipev', 'v-half', 'v-min', 'dualpipe']);

export function chunkPlacement(schedule: ScheduleName): ChunkPlacement {
  return V_SHAPE.has(schedule) ? 'v-shape' : 'interleaved';
}

/**
 * DualPipe's two directions on the V (dualPipe.ts): virtual stage p + x is model stage x again, so the layer layout,
 * the weights and the costs follow model/layout.ts bidirectionalLayout.
 */
export function isBidirectional(schedule: ScheduleName): boolean {
  return schedule === 'dualpipe';
}

/** The placement fields of the cost model's run flags (cost/afterFlush.ts CostRunFlags) for a schedule. */
export function placementFlagsOf(schedule: ScheduleName): { chunkPlacement: ChunkPlacement; bidirectional: boolean } {
  return { chunkPlacement: chunkPlacement(schedule), bidirectional: isBidirectional(schedule) };
}

/** The virtual stage of model chunk c on rank r of p. */
export function virtualStageOf(placement: ChunkPlacement, p: number, r: number, c: number): number {
  return placement === 'v-shape' && c % 2 === 1 ? c * p + (p - 1 - r) : c * p + r;
}

/** The rank that holds virtual stage s of a p-rank pipeline. */
export function rankOfVirtualStage(placement: ChunkPlacement, p: number, s: number): number {
  const r = s % p;
  return placement === 'v-shape' && Math.floor(s / p) % 2 === 1 ? p - 1 - r : r;
}

/** The placement of a timeline as lookup tables, for loops over ops: no branching per op. */
export interface PlacementTables {
  placement: ChunkPlacement;
  /** stageOf[c·p + r]: the virtual stage of model chunk c on rank r. */
  stageOf: Int32Array;
  /** rankOf[s]: the rank of virtual stage s. */
  rankOf: Int32Array;
}

export function placementTables(spec: Pick<ScheduleSpec, 'schedule' | 'stages' | 'virtualStages'>): PlacementTables {
  const p = spec.stages;
  const vs = p * Math.max(1, spec.virtualStages);
  const placement = chunkPlacement(spec.schedule);
  const stageOf = new Int32Array(vs);
  const rankOf = new Int32Array(vs);
  for (let s = 0; s < vs; s++) {
    const r = rankOfVirtualStage(placement, p, s);
    rankOf[s] = r;
    stageOf[Math.floor(s / p) * p + r] = s;
  }
  return { placement, stageOf, rankOf };
}

/**
 * The p2p table slot of the message that feeds an op on virtual stage s (chunk j of k): an F's activation from s − 1,
 * a B's gradient from s + 1; −1 when there is none or it stays on the rank. The simulator's table is
 * [p2pForward | p2pBackward], each indexed by the sending rank over its link: up (r → r+1, and the wrap p−1 → 0 of
 * interleaved chunks) first, down (r → r−1) after p·k. An interleaved chunk's activations go up and its gradients
 * down; a V's odd chunk runs the other way, so its activations use the down link's slot (Megatron's activation and
 * gradient messages have the same shape: pipelineComm.ts builds both tables from the same bytes).
 */
export function inputHopSlot(
  t: PlacementTables,
  p: number,
  k: number,
  s: number,
  backward: boolean,
  j: number,
): number {
  const from = backward ? s + 1 : s - 1;
  if (from < 0 || from >= t.rankOf.length) return -1;
  // `!` reads: s and from are virtual stages < p·v, the length of rankOf.
  const sender = t.rankOf[from]!;
  if (sender === t.rankOf[s]!) return -1;
  const reversed = t.placement === 'v-shape' && Math.floor(s / p) % 2 === 1;
  return (backward !== reversed ? p * k : 0) + sender * k + j;
}

/**
 * The placement as arrays indexed by cost slot s·k + j, built once per simulation (p·v·k entries), so the simulator's
 * hot loop reads a neighbour instead of branching on the placement per op:
 *   hopF / hopB: the p2p slot of the message feeding an F (from s − 1) / a B (from s + 1), −1 on the same rank;
 *   wakeF / wakeB: the rank an F's output feeds (s + 1) / a B's output feeds (s − 1), −1 when none or the same rank.
 */
export interface Neighbours {
  hopF: Int32Array;
  hopB: Int32Array;
  wakeF: Int32Array;
  wakeB: Int32Array;
}

export function neighbourTables(place: PlacementTables, p: number, k: number): Neighbours {
  const vs = place.rankOf.length;
  const n = vs * k;
  const out = { hopF: new Int32Array(n), hopB: new Int32Array(n), wakeF: new Int32Array(n), wakeB: new Int32Array(n) };
  // `!` reads: s ± 1 is checked against 0…vs−1, the length of rankOf.
  for (let s = 0; s < vs; s++) {
    const r = place.rankOf[s]!;
    const next = s + 1 < vs && place.rankOf[s + 1]! !== r ? place.rankOf[s + 1]! : -1;
    const prev = s > 0 && place.rankOf[s - 1]! !== r ? place.rankOf[s - 1]! : -1;
    for (let j = 0; j < k; j++) {
      const ci = s * k + j;
      out.hopF[ci] = inputHopSlot(place, p, k, s, false, j);
      out.hopB[ci] = inputHopSlot(place, p, k, s, true, j);
      out.wakeF[ci] = next;
      out.wakeB[ci] = prev;
    }
  }
  return out;
}
