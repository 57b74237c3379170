// The step time of the rank that finishes last, split by what it is spent on: the terms of every op it ran (the
// cost tables keep them per unit), the idle time between its ops, and its gradient reduction and optimizer step.
import { OP_B, OP_F, OP_W, type SimResult, type StepTimeBreakdown } from '../../types';
import type { StageCosts, TermTable } from '../costModel';
import { inputHopSlot, placementTables } from '../placement';

export function stepTimeBreakdown(sim: SimResult, stage: StageCosts): StepTimeBreakdown {
  const p = sim.spec.stages;
  const k = sim.spec.splits;
  const lastEnd = new Float64Array(p);
  let rank = 0;
  let worst = -Infinity;
  for (let r = 0; r < p; r++) {
    for (let q = sim.stageOffsets[r]!; q < sim.stageOffsets[r + 1]!; q++)
      lastEnd[r] = Math.max(lastEnd[r]!, sim.end[q]!);
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
  let busy = 0;
  const add = (t: TermTable, idx: number): void => {
    out.computeMs += t.compute[idx]!;
    out.nonGemmMs += t.nonGemm[idx]!;
    out.commMs += t.comm[idx]!;
    out.recomputeMs += t.recompute[idx]!;
    out.overheadMs += t.overhead[idx]!;
  };
  // The p2p time of each op's incoming message, from the cost tables rather than the simulation's p2p windows: those
  // are built lazily for the timeline, and reading them here made every sweep candidate build them (issue 16).
  // Same hops as the windows (placement.ts inputHopSlot): an F receives from the rank of the previous virtual stage
  // unless it is the first, a B from the next unless it is the last; nothing that stays on the rank counts.
  const { costs } = stage;
  const place = placementTables(sim.spec);
  const hop = (vs: number, backward: boolean, j: number): number => {
    const slot = inputHopSlot(place, p, k, vs, backward, j);
    if (slot < 0) return 0;
    const up = slot < p * k;
    const byRank = up ? costs.p2pForwardByRank : costs.p2pBackwardByRank;
    const at = up ? slot : slot - p * k;
    return (byRank ? byRank[at] : (up ? costs.p2pForward : costs.p2pBackward)[j]) ?? 0;
  };
  for (let q = sim.stageOffsets[rank]!; q < sim.stageOffsets[rank + 1]!; q++) {
    const vs = place.stageOf[sim.modelChunk[q]! * p + rank]!;
    const j = sim.chunk[q]!;
    const idx = vs * k + j;
    const kind = sim.kind[q];
    if (kind === OP_F) {
      add(stage.terms.forward, idx);
      out.p2pMs += hop(vs, false, j);
    } else if (kind === OP_B) {
      add(stage.terms.backward, idx);
      out.p2pMs += hop(vs, true, j);
    } else if (kind === OP_W) add(stage.terms.weight, idx);
    busy += sim.end[q]! - sim.start[q]!;
  }
  out.idleMs = Math.max(0, lastEnd[rank]! - busy);
  // The per-step overhead (constants.stepOverheadMs, 0 unless calibrated) is the rest of what follows the last op.
  // (a sum minus its parts leaves rounding residue when it is 0: below a nanosecond it is that residue).
  const stepOverheadMs = stage.afterFlushMsPerRank[rank]! - out.dpMs - out.optimizerMs;
  if (Math.abs(stepOverheadMs) > 1e-6) out.overheadMs += stepOverheadMs;
  return out;
}
