// The Zero-Bubble fork's group-interleaved 1F1B: Megatron's interleaved placement (rank r holds virtual stages c·p + r)
// with B and W split, built from a "building block" of G microbatches per group that every group repeats (the
// controllable-memory framework of Qi et al., "Pipeline Parallelism with Controllable Memory", NeurIPS 2024). The fork
// runs it for every interleaved (VPP) model under its runtime, with G = --interleave-group-size capped at p
// (sail-sg/zero-bubble-pipeline-parallelism 39f2c186 megatron/core/pipeline_parallel/zerobubble/runtime.py:1448-1478;
// scheduler/group_interleaved_1f1b.py:391-403). This is GroupBuildingBlockScheduler (:16-353) without its
// recomputation and offload passes, in our own code:
//  1. the building block (get_optimal_building_block, :72-136): on each rank, the forwards of G microbatches for each
//     chunk 3 slots apart, one slot later per rank; each backward and its W right after, starting when the last
//     chunk's first forward has come back; 3·G·v slots in all, wrapped modulo that length;
//  2. unrolled to absolute slots and repeated every 3·G·v slots, one group of G microbatches each (:138-184), the
//     microbatches past m dropped (:277-283);
//  3. ranks shifted (rank r by min(r, the first rank's slack), :207-235) and, when G > 1, squeezed: each rank takes
//     its next op as soon as its input is done, in the same order (:237-275).
// Step 3 moves ops in time only: a shift pads a rank with idle slots, and squeeze_without_change_order keeps each rank's
// order (its name says so). The simulator replays the order at real costs, so each rank's program is its ops of step 2
// in slot order, and that is all we build: one pass over the unrolled slots, in typed arrays (no object per op).
// The minimum group size the block is laid out for is the fork's ⌈p/2⌉ (create_schedule, :363-365; larger only when a
// stage's F + B + W is shorter than p/2 of another's backwards, which uniform stages never are).

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The building block (get_optimal_building_block, :72-136): for each rank d and each of its 3·G·v slots (the offset
 * modulo the block length), the pass there — kind (0 F, 1 B, 2 W), model chunk, microbatch within the group — and its
 * unwrapped offset. Rank d's slot j is entry d·len + j.
 */
interface Block {
  len: number;
  kind: Int8Array;
  chunk: Int32Array;
  micro: Int32Array;
  offset: Int32Array;
  maxOffset: number;
}

function buildingBlock(p: number, v: number, g: number, minGroup: number): Block {
  const fOffset = 1;
  const bOffset = 2;
  const minK = Math.ceil(minGroup / g);
  const chunksPerLate = v / gcd(v, minK);
  const len = 3 * g * v;
  const block: Block = {
    len,
    kind: new Int8Array(p * len).fill(-1),
    chunk: new Int32Array(p * len),
    micro: new Int32Array(p * len),
    offset: new Int32Array(p * len),
    maxOffset: 0,
  };
  const place = (d: number, at: number, kind: number, chunk: number, micro: number): void => {
    const e = d * len + (at % len);
    if (block.kind[e] !== -1) throw new Error(`group-interleaved block: slot ${at % len} of rank ${d} taken`);
    block.kind[e] = kind;
    block.chunk[e] = chunk;
    block.micro[e] = micro;
    block.offset[e] = at;
    block.maxOffset = Math.max(block.maxOffset, at);
  };
  // Chunks beyond v / gcd(v, ⌈minGroup/G⌉) start one block-group later (:96).
  const lateBy = (c: number): number => 3 * g * Math.floor(c / chunksPerLate);
  // The last chunk's first forward on each rank: where its backwards start from.
  const lastF = new Int32Array(p);
  for (let c = 0; c < v; c++)
    for (let gi = 0; gi < g; gi++)
      for (let d = 0; d < p; d++) {
        const f = 3 * minK * g * c + 3 * gi + d * fOffset + lateBy(c);
        place(d, f, 0, c, gi);
        if (c === v - 1 && gi === 0) lastF[d] = f;
      }
  for (let c = 0; c < v; c++)
    for (let gi = 0; gi < g; gi++)
      for (let d = 0; d < p; d++) {
        const firstB = lastF[d]! + (p - 1 - d) * fOffset + 1 + (p - 1 - d) * bOffset;
        const b = firstB + 3 * minK * g * c + 3 * gi + lateBy(c);
        place(d, b, 1, v - 1 - c, gi);
        place(d, b + 1, 2, v - 1 - c, gi);
      }
  return block;
}

/** The group size the fork runs: --interleave-group-size capped at p (:396-398), or its minimum group ⌈p/2⌉. */
export function groupInterleavedSize(p: number, g: number | undefined): number {
  return Math.min(g ?? Math.ceil(p / 2), p);
}

/**
 * Writes each rank's group-interleaved program into `out` (kind 0 F, 1 B, 2 W; model chunk = virtual stage c·p + r;
 * chunk stays 0), rank r's 3·v·m ops from out.stageOffsets[r] on, in execution order. `g` is the group size (1…p).
 * The block is unrolled (:138-184): the pass in slot j of the block runs again every 3·G·v slots, one group of G
 * microbatches later each time, those past m dropped (:277-283). Every residue holds one pass, so no two passes meet.
 */
export function writeGroupInterleavedOrders(
  p: number,
  m: number,
  v: number,
  g: number,
  out: { stageOffsets: Int32Array; kind: Uint8Array; microbatch: Int32Array; modelChunk: Uint16Array },
): void {
  const block = buildingBlock(p, v, g, Math.ceil(p / 2));
  const { len } = block;
  const groups = Math.ceil(m / g);
  // Each rank's unrolled slots: the block entry + 1 that runs there, 0 idle.
  const slots = new Int32Array(block.maxOffset + 1 + len * (groups - 1));
  for (let d = 0; d < p; d++) {
    slots.fill(0);
    for (let j = d * len; j < (d + 1) * len; j++) {
      if (block.kind[j]! < 0) continue;
      // Group k's copy holds microbatch micro + k·G: the copies below m.
      const copies = Math.min(groups, Math.ceil((m - block.micro[j]!) / g));
      for (let k = 0, at = block.offset[j]!; k < copies; k++, at += len) slots[at] = j + 1;
    }
    let q = out.stageOffsets[d]!;
    for (let at = 0; at < slots.length; at++) {
      const j = slots[at]! - 1;
      if (j < 0) continue;
      out.kind[q] = block.kind[j]!;
      out.microbatch[q] = block.micro[j]! + g * ((at - block.offset[j]!) / len);
      out.modelChunk[q] = block.chunk[j]!;
      q++;
    }
    if (q - out.stageOffsets[d]! !== 3 * v * m)
      throw new Error(`group-interleaved rank ${d}: ${q - out.stageOffsets[d]!} ops`);
  }
}
