// The step time of the rank that finishes last, split by what it is spent on: the terms of every op it ran (the
// cost tables keep them per unit), the idle time between its ops, and its gradient reduction and optimizer step.
import { OP_B, OP_F, OP_W, type SimResult, type StepTimeBreakdown } from '../../types';
import type { StageCosts, TermTable } from '../costModel';
import { inputHopSlot, placementTables } from '../placement';

export function stepTimeBreakdown(sim: SimResult, stage: StageCosts): StepTimeBreakdown {
  const p = sim.spec.stages;
  const k = sim.spec.splits;
  // The timeline's arrays as locals: a SimResult has lazy getters (simulator.ts withLazyP2pWindows), so every
  // `sim.x` read in a loop is a slow dictionary lookup, and these loops run once per op (issue 15).
  const { stageOffsets, kind: kinds, modelChunk, chunk, start, end } = sim;
  const lastEnd = new Float64Array(p);
  let rank = 0;
  let worst = -Infinity;
  for (let r = 0; r < p; r++) {
    for (let q = stageOffsets[r]!; q < stageOffsets[r + 1]!; q++) lastEnd[r] = Math.max(lastEnd[r]!, end[q]!);
    const total = lastEnd[r]! + stage.afterFlushMsPerRank[r]!;
    if (total > worst) [worst, rank] = [total, r];
  }
  const out: StepTimeBreakdown = {
    rank,
    computeMs: 0,
    nonGemmMs: 0,
    commMs: 0,
    recomputeMs: 0,
    overheadMs: 0,
    idleMs: 0,
    p2pMs: 0,
    dpMs: stage.dpSyncMsPerRank[rank]!,
    optimizerMs: stage.optimizerMsPerRank[rank]!,
  };
  // The p2p time of each op's incoming message, from the cost tables rather than the simulation's p2p windows: those
  // are built lazily for the timeline, and reading them here made every sweep candidate build them (issue 16).
  // Same hops as the windows (placement.ts inputHopSlot): an F receives from the rank of the previous virtual stage
  // unless it is the first, a B from the next unless it is the last; nothing that stays on the rank counts.
  // Looked up once per cost slot (p·v·k entries), not per op: at p = 1 the last rank runs every op of the schedule,
  // and the per-op lookup was the slowest part of a 250,000-op analysis (issue 15).
  const { costs } = stage;
  const place = placementTables(sim.spec);
  const slots = place.rankOf.length * k;
  const hopF = new Float64Array(slots);
  const hopB = new Float64Array(slots);
  const hop = (vs: number, backward: boolean, j: number): number => {
    const slot = inputHopSlot(place, p, k, vs, backward, j);
    if (slot < 0) return 0;
    const up = slot < p * k;
    const byRank = up ? costs.p2pForwardByRank : costs.p2pBackwardByRank;
    const at = up ? slot : slot - p * k;
    return (byRank ? byRank[at] : (up ? costs.p2pForward : costs.p2pBackward)[j]) ?? 0;
  };
  for (let vs = 0; vs < place.rankOf.length; vs++)
    for (let j = 0; j < k; j++) {
      hopF[vs * k + j] = hop(vs, false, j);
      hopB[vs * k + j] = hop(vs, true, j);
    }
  // Plain locals rather than fields of `out`, each summed in op order as before (the same figures to the last bit).
  let compute = 0;
  let nonGemm = 0;
  let comm = 0;
  let recompute = 0;
  let overhead = 0;
  let p2pMs = 0;
  let busy = 0;
  const { forward, backward, weight } = stage.terms;
  const stageOfChunk = place.stageOf;
  for (let q = stageOffsets[rank]!; q < stageOffsets[rank + 1]!; q++) {
    const idx = stageOfChunk[modelChunk[q]! * p + rank]! * k + chunk[q]!;
    const kind = kinds[q];
    const t: TermTable | null = kind === OP_F ? forward : kind === OP_B ? backward : kind === OP_W ? weight : null;
    if (t) {
      compute += t.compute[idx]!;
      nonGemm += t.nonGemm[idx]!;
      comm += t.comm[idx]!;
      recompute += t.recompute[idx]!;
      overhead += t.overhead[idx]!;
      if (kind === OP_F) p2pMs += hopF[idx]!;
      else if (kind === OP_B) p2pMs += hopB[idx]!;
    }
    busy += end[q]! - start[q]!;
  }
  out.computeMs = compute;
  out.nonGemmMs = nonGemm;
  out.commMs = comm;
  out.recomputeMs = recompute;
  out.overheadMs = overhead;
  out.p2pMs = p2pMs;
  out.idleMs = Math.max(0, lastEnd[rank]! - busy);
  // The per-step overhead (constants.stepOverheadMs, 0 unless calibrated) is the rest of what follows the last op.
  // (a sum minus its parts leaves rounding residue when it is 0: below a nanosecond it is that residue).
  const stepOverheadMs = stage.afterFlushMsPerRank[rank]! - out.dpMs - out.optimizerMs;
  if (Math.abs(stepOverheadMs) > 1e-6) out.overheadMs += stepOverheadMs;
  return out;
}
