// ZB-H2 ("ZB-2p"), the zero-bubble schedule of Qi et al., "Zero Bubble Pipeline Parallelism" (ICLR 2024, §2.2):
// extra forwards in the warm-up fill the bubble before the first B, and W passes move to the tail, so each stage
// is busy from its first op to its last when T_F = T_B = T_W, at a peak of 2p − 1 microbatches in flight (the
// paper's (2p − 1)·M_B). The paper gives the schedule as a figure; the Zero-Bubble fork builds its op lists by list
// scheduling at uniform F/B/W costs ("Using uniform f/b/w timing for now", sail-sg/zero-bubble-pipeline-parallelism
// 39f2c186 megatron/core/pipeline_parallel/zerobubble/runtime.py:1576-1581) under a memory limit of
// --zero-bubble-max-pending-backward forwards (:1587-1589), taking B before F before W (zb.py manual_order). We do
// the same at unit costs with the paper's limit: the static order that comes out is then replayed at real costs.

/** Most microbatches a ZB-H2 stage holds (forwarded, weight gradient not yet done): the paper's 2p − 1. */
function zbH2InFlightLimit(p: number): number {
  return 2 * p - 1;
}

/**
 * Writes each stage's ZB-H2 program into `out` (kind 0 F, 1 B, 2 W; chunk and model chunk stay 0), stage r's ops from
 * out.stageOffsets[r] on, in execution order. The order is a list schedule in unit time steps (every op takes one
 * step, p2p is free): at each step a free stage runs the B whose gradient has arrived, else the next F whose input
 * has arrived while fewer than 2p − 1 microbatches are in flight, else the oldest pending W, else it idles. A
 * completion counts from the next step on, so no stage sees another's op of the same step. O(p · steps), steps ≤
 * 3m + 2p.
 */
export function writeZbH2Orders(
  p: number,
  m: number,
  out: { stageOffsets: Int32Array; kind: Uint8Array; microbatch: Int32Array },
): void {
  const limit = zbH2InFlightLimit(p);
  const f = new Int32Array(p); // forwards done on each stage (in microbatch order)
  const b = new Int32Array(p);
  const w = new Int32Array(p);
  const runs = new Uint8Array(p); // what each stage starts this step: 0 idle, 1 F, 2 B, 3 W
  const pos = Int32Array.from(out.stageOffsets.subarray(0, p));
  let left = 3 * p * m;
  while (left > 0) {
    for (let r = 0; r < p; r++) {
      // Inputs as of the start of the step: the previous stage's forwards, the next stage's backwards (the last stage's
      // B needs its own F, where the loss is computed).
      const fArrived = r === 0 ? m : f[r - 1]!;
      const bArrived = r === p - 1 ? f[r]! : b[r + 1]!;
      if (b[r]! < bArrived) runs[r] = 2;
      else if (f[r]! < fArrived && f[r]! - w[r]! < limit) runs[r] = 1;
      else if (w[r]! < b[r]!) runs[r] = 3;
      else runs[r] = 0;
    }
    let started = 0;
    for (let r = 0; r < p; r++) {
      const op = runs[r]!;
      if (op === 0) continue;
      const counter = op === 1 ? f : op === 2 ? b : w;
      const q = pos[r]!;
      out.kind[q] = op - 1;
      out.microbatch[q] = counter[r]!;
      pos[r] = q + 1;
      counter[r] = counter[r]! + 1;
      started++;
    }
    // A step where no stage can start anything changes nothing: the order would never finish (cannot happen: the
    // limit is ≥ 1 and a B is always runnable somewhere while work is left; guarded so a bug cannot hang the editor).
    if (started === 0) throw new Error(`ZB-H2 order stalls for p=${p}, m=${m}`);
    left -= started;
  }
}
