// The step time of the rank that finishes last, split by what it is spent on: the terms of every op it ran (the
// cost tables keep them per unit), the idle time between its ops, and its gradient reduction and optimizer step.
import { OP_B, OP_F, OP_W, type SimResult, type StepTimeBreakdown } from '../../types';
import type { StageCosts, TermTable } from '../costModel';

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
  // Same hops as the windows: an F receives from the previous rank unless it is the first virtual stage, a B from
  // the next unless it is the last; with p = 1 nothing crosses a rank.
  const { costs } = stage;
  const v = sim.spec.virtualStages;
  const prevRank = rank === 0 ? p - 1 : rank - 1;
  const nextRank = rank === p - 1 ? 0 : rank + 1;
  const hop = (byRank: Float64Array | undefined, byChunk: Float64Array, sender: number, j: number): number =>
    (byRank ? byRank[sender * k + j] : byChunk[j]) ?? 0;
  for (let q = sim.stageOffsets[rank]!; q < sim.stageOffsets[rank + 1]!; q++) {
    const vs = sim.modelChunk[q]! * p + rank;
    const j = sim.chunk[q]!;
    const idx = vs * k + j;
    const kind = sim.kind[q];
    if (kind === OP_F) {
      add(stage.terms.forward, idx);
      if (p > 1 && vs > 0) out.p2pMs += hop(costs.p2pForwardByRank, costs.p2pForward, prevRank, j);
    } else if (kind === OP_B) {
      add(stage.terms.backward, idx);
      if (p > 1 && vs < v * p - 1) out.p2pMs += hop(costs.p2pBackwardByRank, costs.p2pBackward, nextRank, j);
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
