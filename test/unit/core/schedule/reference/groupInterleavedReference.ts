// The builder as it was at fc4d4be, before its per-op speed-up (issue 18), kept only as the reference the rewritten
// builder is compared with array by array (builderIdentity.test.ts); its code is unchanged (helpers the builder does
// not call are left out). This order was checked against the Zero-Bubble fork's own Python in session 7.
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
// The minimum group size the block is laid out for is the fork's ⌈p/2⌉ (create_schedule, :363-365; larger only when a
// stage's F + B + W is shorter than p/2 of another's backwards, which uniform stages never are).

interface Pass {
  /** 0 F, 1 B, 2 W. */
  kind: number;
  chunk: number;
  micro: number;
  offset: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The building block of each rank, slot by slot (get_optimal_building_block, :72-136). */
function buildingBlock(p: number, v: number, g: number, minGroup: number): (Pass | null)[][] {
  const fOffset = 1;
  const bOffset = 2;
  const minK = Math.ceil(minGroup / g);
  const gcdKv = gcd(v, minK);
  const len = 3 * g * v;
  const block = Array.from({ length: p }, () => new Array<Pass | null>(len).fill(null));
  const place = (d: number, at: number, pass: Pass): void => {
    const row = block[d]!;
    if (row[at % len] !== null) throw new Error(`group-interleaved block: slot ${at % len} of rank ${d} taken`);
    row[at % len] = pass;
  };
  // Chunks beyond v / gcd(v, ⌈minGroup/G⌉) start one block-group later (:96).
  const lateBy = (c: number): number => 3 * g * Math.floor(c / (v / gcdKv));
  const lastF = new Array<number>(p).fill(0);
  for (let c = 0; c < v; c++)
    for (let gi = 0; gi < g; gi++)
      for (let d = 0; d < p; d++) {
        const f = 3 * minK * g * c + 3 * gi + d * fOffset + lateBy(c);
        place(d, f, { kind: 0, chunk: c, micro: gi, offset: f });
        if (c === v - 1 && gi === 0) lastF[d] = f;
      }
  for (let c = 0; c < v; c++)
    for (let gi = 0; gi < g; gi++)
      for (let d = 0; d < p; d++) {
        const firstB = lastF[d]! + (p - 1 - d) * fOffset + 1 + (p - 1 - d) * bOffset;
        const b = firstB + 3 * minK * g * c + 3 * gi + lateBy(c);
        place(d, b, { kind: 1, chunk: v - 1 - c, micro: gi, offset: b });
        place(d, b + 1, { kind: 2, chunk: v - 1 - c, micro: gi, offset: b + 1 });
      }
  return block;
}

/** The block unrolled to absolute slots, repeated once per group, microbatches ≥ m dropped (:138-184, :277-283). */
function repeated(block: (Pass | null)[][], g: number, m: number): (Pass | null)[][] {
  const len = block[0]!.length;
  let maxOffset = 0;
  for (const row of block) for (const x of row) if (x) maxOffset = Math.max(maxOffset, x.offset);
  const groups = Math.ceil(m / g);
  // Every slot of the block holds a pass (3·G·v passes of each rank in 3·G·v slots), so each residue appears once.
  const total = maxOffset + 1 + len * (groups - 1);
  return block.map((row) => {
    const out = new Array<Pass | null>(total).fill(null);
    for (const x of row) {
      if (!x) continue;
      for (let k = 0; k < groups; k++) {
        const micro = x.micro + k * g;
        if (micro < m) out[x.offset + len * k] = { ...x, micro };
      }
    }
    return out;
  });
}

/** Rank r starts min(r, slack) slots late, slack being how early the first rank could take each later chunk (:207-235). */
function shifted(s: (Pass | null)[][]): (Pass | null)[][] {
  const p = s.length;
  const lastRankF = new Map<number, number>();
  s[p - 1]!.forEach((x, j) => {
    if (x && x.kind === 0) lastRankF.set(x.micro * 65536 + x.chunk, j);
  });
  let slack = p - 1;
  s[0]!.forEach((x, j) => {
    if (!x || x.chunk === 0) return;
    const off = j - 1 - lastRankF.get(x.micro * 65536 + x.chunk - 1)!;
    if (!(off >= 0)) throw new Error('group-interleaved: a chunk starts before its input');
    slack = Math.min(slack, off);
  });
  return s.map((row, i) => {
    const lead = Math.min(i, slack);
    return [...new Array<Pass | null>(lead).fill(null), ...row, ...new Array<Pass | null>(slack - lead).fill(null)];
  });
}

/**
 * squeeze_without_change_order (:237-275): slot by slot, each rank runs its next op if the op it depends on (an F's
 * previous virtual stage, a B's next; a W none) finished in an earlier slot. Returns each rank's ops in order.
 */
function squeezedOrder(s: (Pass | null)[][], v: number): Pass[][] {
  const p = s.length;
  const slots = s[0]!.length;
  const stages = v * p;
  const done = new Set<number>();
  const key = (micro: number, kind: number, layer: number): number => (micro * 3 + kind) * stages + layer;
  const cur = new Array<number>(p).fill(0);
  const out: Pass[][] = s.map(() => []);
  const ran: (Pass | null)[] = new Array<Pass | null>(p).fill(null);
  for (let i = 0; i < slots; i++) {
    for (let d = 0; d < p; d++) {
      const row = s[d]!;
      while (cur[d]! < slots && row[cur[d]!] === null) cur[d] = cur[d]! + 1;
      ran[d] = null;
      if (cur[d]! >= slots) continue;
      const x = row[cur[d]!]!;
      const layer = x.chunk * p + d;
      const dep = Math.min(Math.max(x.kind === 0 ? layer - 1 : x.kind === 1 ? layer + 1 : layer, 0), stages - 1);
      if (dep === layer || done.has(key(x.micro, x.kind, dep))) {
        ran[d] = x;
        out[d]!.push(x);
        cur[d] = cur[d]! + 1;
      }
    }
    for (let d = 0; d < p; d++) {
      const x = ran[d];
      if (x) done.add(key(x.micro, x.kind, x.chunk * p + d));
    }
  }
  return out;
}

/**
 * Writes each rank's group-interleaved program into `out` (kind 0 F, 1 B, 2 W; model chunk = virtual stage c·p + r;
 * chunk stays 0), rank r's 3·v·m ops from out.stageOffsets[r] on, in execution order. `g` is the group size (1…p).
 */
export function writeGroupInterleavedOrders(
  p: number,
  m: number,
  v: number,
  g: number,
  out: { stageOffsets: Int32Array; kind: Uint8Array; microbatch: Int32Array; modelChunk: Uint16Array },
): void {
  const minGroup = Math.ceil(p / 2);
  const s = shifted(repeated(buildingBlock(p, v, g, minGroup), g, m));
  // With G = 1 the shifted slots are the order (create_schedule skips the squeeze, :342-345).
  const order = g > 1 ? squeezedOrder(s, v) : s.map((row) => row.filter((x): x is Pass => x !== null));
  order.forEach((ops, r) => {
    if (ops.length !== 3 * v * m) throw new Error(`group-interleaved rank ${r}: ${ops.length} ops`);
    let q = out.stageOffsets[r]!;
    for (const x of ops) {
      out.kind[q] = x.kind;
      out.microbatch[q] = x.micro;
      out.modelChunk[q] = x.chunk;
      q++;
    }
  });
}
