// The builder as it was at fc4d4be, before its per-op speed-up (issue 18), kept only as the reference the rewritten
// builder is compared with array by array (builderIdentity.test.ts); its code is unchanged (helpers the builder does
// not call are left out). This order was checked against the Zero-Bubble fork's own Python in session 7.
// ZB-V, the V-shape zero-bubble schedule of Qi et al. ("Zero Bubble Pipeline Parallelism", arXiv 2401.10241, the
// version with ZB-V; "Pipeline Parallelism with Controllable Memory", 2024, V-ZB): two model chunks per rank in a V
// (rank r holds virtual stages r and 2p − 1 − r, placement.ts), B and W split, and at T_F = T_B = T_W no bubble beyond
// the start-up at the peak activation memory of 1F1B (2p chunks = p microbatches; the fork's README.md:96-99). The paper draws it; the Zero-Bubble fork builds it with
// a heuristic, PipelineGraph.try_v_schedule (sail-sg/zero-bubble-pipeline-parallelism 39f2c186
// megatron/core/pipeline_parallel/zerobubble/scheduler/zbv.py:31-252), run four times (fill_b × fill_f) keeping the
// order with the least bubble (create_schedule, :282-298). This is that construction, step by step, in our own code.
// The static order is then replayed at real costs by the simulator, like ZB-H2's.
//
// Inputs the fork takes from its profile and which we fix, so that the order depends on (p, m) only:
//  - costs: uniform F = B = W = 1000 with a 1-unit message, the fork's own uniform setting for a fixed V order
//    (runtime.py:1513-1529);
//  - memory: per chunk F +6, B −5, W −1 (the fork's f_mem_approx = 34h + 5as, w = −32h, b = −f − w of runtime.py:
//    1336-1338 give a W share of about 1/6 at h = 4096, a = 32, s = 4096), limit 2p forwards (zbv.py:23). The order is
//    the same for any W share up to 1/2 (checked against the fork's code for p ≤ 8, m ≤ 4p + 2).

const COST = 1000;
const COMM = 1;
/** Memory per op kind: F, B, W (one chunk's activations = 6). */
const MEM = [6, -5, -1] as const;

/**
 * One pass's result. Ops are packed per stage, stage r's from r·6m on: code = slot | micro << 3, slot = kind·2 + the
 * fork's chunk index (kind 0 F / 1 B / 2 W; B and W count the V backwards).
 */
interface Try {
  ops: Int32Array;
  stageBubble: Float64Array;
  maxBubble: number;
}

/**
 * One pass of try_v_schedule (zbv.py:31-252) without its recursion. Typed arrays throughout: a million-op schedule
 * takes about a dozen passes (four fill choices, two or three retries each).
 */
function tryOnce(p: number, m: number, fillF: boolean, fillB: boolean, approved: Float64Array | null): Try {
  const n = 6 * p * m;
  const pm = p * m;
  const id = (cat: number, chunk: number, stage: number, micro: number): number =>
    cat * 2 * pm + chunk * pm + stage * m + micro;
  const count = new Int32Array(6 * p);
  const end = new Float64Array(n).fill(-1);
  // Python's end_time[-1] is the last entry: the fork reads it when an op has no neighbour (fa_id = −1).
  const endAt = (i: number): number => end[i < 0 ? n - 1 : i]!;
  const cur = new Float64Array(p);
  const mem = new Float64Array(p);
  const stageBubble = new Float64Array(p);
  let maxStageBubble = 0; // stage bubbles only grow, so their maximum is kept as they do
  // Pending W passes per stage: a queue of chunk indices in a ring of 2m (a stage runs 2m B in all).
  const ring = 2 * m;
  const pending = new Uint8Array(p * ring);
  const head = new Int32Array(p);
  const size = new Int32Array(p);
  const ops = new Int32Array(n);
  const filled = new Int32Array(p);
  let maxApproved = -1;
  if (approved) for (let i = 0; i < p; i++) maxApproved = Math.max(maxApproved, approved[i]!);
  const maxMem = MEM[0] * p * 2;
  const cnt = (i: number, slot: number): number => count[i * 6 + slot]!;
  const budget = (stage: number): number =>
    Math.max(maxStageBubble, maxApproved - (approved ? approved[stage]! : -1)) - stageBubble[stage]!;

  const put = (cat: number, chunk: number, stage: number): void => {
    const noBubble = cur[stage]! + COST;
    let t = noBubble;
    const slot = cat * 2 + chunk;
    const c = cnt(stage, slot);
    if (c >= m || mem[stage]! + MEM[cat as 0 | 1 | 2] > maxMem)
      throw new Error(`ZB-V order: op ${cat}/${chunk} on stage ${stage} over its count or memory (p=${p}, m=${m})`);
    // F and B of chunk 1 come from the next stage, of chunk 0 from the previous (zbv.py:82-94).
    const from = chunk === 1 ? stage + 1 : stage - 1;
    if (cat < 2 && from >= 0 && from < p) {
      const dep = end[id(cat, chunk, from, c)]!;
      if (dep < 0)
        throw new Error(`ZB-V order: input of op ${cat}/${chunk} on stage ${stage} not done (p=${p}, m=${m})`);
      t = Math.max(t, dep + COMM + COST);
    }
    if (cnt(stage, 0) > 0) {
      stageBubble[stage] = stageBubble[stage]! + t - noBubble;
      maxStageBubble = Math.max(maxStageBubble, stageBubble[stage]!);
    }
    end[id(cat, chunk, stage, c)] = t;
    cur[stage] = t;
    mem[stage] = mem[stage]! + MEM[cat as 0 | 1 | 2];
    ops[stage * 6 * m + filled[stage]!] = slot | (c << 3);
    filled[stage] = filled[stage]! + 1;
    if (cat === 1) {
      pending[stage * ring + ((head[stage]! + size[stage]!) % ring)] = chunk;
      size[stage] = size[stage]! + 1;
    }
    count[stage * 6 + slot] = c + 1;
  };
  const putW = (stage: number): void => {
    const chunk = pending[stage * ring + head[stage]!]!;
    head[stage] = (head[stage]! + 1) % ring;
    size[stage] = size[stage]! - 1;
    put(2, chunk, stage);
  };
  // W passes that fit before the input of the next op arrives, then one more if waiting would exceed the bubble the
  // stage may still have (zbv.py:186-193, 224-229).
  const fillWaiting = (i: number, fa: number, fill: boolean): void => {
    while (size[i]! > 0 && fa >= 0 && endAt(fa) + COMM >= cur[i]! + COST) putW(i);
    if (size[i]! > 0 && endAt(fa) + COMM - cur[i]! > budget(i) && fill) putW(i);
  };

  // Warm-up (zbv.py:121-151): chunk 0 down the ranks, then each rank fills with chunk-0 forwards until chunk 1 comes
  // back up, then forwards alternate chunks until every stage has as many as the one before.
  for (let i = 0; i < p; i++) put(0, 0, i);
  for (let i = p - 1; i >= 0; i--) {
    if (i === p - 1) {
      put(0, 1, i);
      continue;
    }
    const back = end[id(0, 1, i + 1, 0)]! + COMM;
    while (mem[i]! + MEM[0] * (2 + i * 2) <= maxMem && cur[i]! + COST <= back && cnt(i, 0) < m)
      for (let j = 0; j <= i; j++) put(0, 0, j);
    put(0, 1, i);
  }
  let iterChunk = 0;
  for (let i = 1; i < p; i++) {
    while (cnt(i, 0) + cnt(i, 1) < cnt(i - 1, 0) + cnt(i - 1, 1) || (cnt(i, 1) <= cnt(i - 1, 1) && cnt(i - 1, 1) < m)) {
      for (let j = p - 1; j >= i; j--) if (cnt(j, iterChunk) < m) put(0, iterChunk, j);
      iterChunk = 1 - iterChunk;
    }
  }

  // Steady state (zbv.py:155-230): each round every stage runs one B (chunk 1's where its gradient is there, the
  // ranks of chunk 1 from the last down, then chunk 0's) and one F, with W passes filling the waits.
  const bRanks = new Int32Array(2 * p);
  for (let round = 0; round < 2 * m; round++) {
    for (let i = 0; i < p; i++) while (mem[i]! + MEM[1] > maxMem) putW(i);
    // b1 ranks from the last down, then b0 ranks in order: rank << 1 | chunk.
    let nb = 0;
    for (let i = p - 1; i >= 0; i--) if (bChunk(i) === 1) bRanks[nb++] = (i << 1) | 1;
    for (let i = 0; i < p; i++) if (bChunk(i) === 0) bRanks[nb++] = i << 1;
    for (let x = 0; x < nb; x++) {
      const i = bRanks[x]! >> 1;
      const chunk = bRanks[x]! & 1;
      let fa = -1;
      if (chunk === 1 && i < p - 1) fa = id(1, 1, i + 1, cnt(i, 3));
      if (chunk === 0 && i > 0) fa = id(1, 0, i - 1, cnt(i, 2));
      fillWaiting(i, fa, chunk === 1 || fillB);
      put(1, chunk, i);
    }
    for (let i = 0; i < p; i++) {
      if (cnt(i, 1) >= m) continue;
      let item = -1;
      if (cnt(i, 1) >= cnt(i, 0)) item = 0;
      else if (i === p - 1) item = 1;
      else if (end[id(0, 1, i + 1, cnt(i, 1))]! >= 0) item = 1;
      else if (cnt(i, 0) < m && (i === 0 || end[id(0, 0, i - 1, cnt(i, 0))]! >= 0)) item = 0;
      if (item < 0) continue;
      while (mem[i]! + MEM[0] > maxMem) putW(i);
      let fa = -1;
      if (item === 0 && i > 0) fa = id(0, 0, i - 1, cnt(i, 0));
      if (item === 1 && i < p - 1) fa = id(0, 1, i + 1, cnt(i, 1));
      fillWaiting(i, fa, fillF);
      put(0, item, i);
    }
  }
  for (let i = 0; i < p; i++) while (size[i]! > 0) putW(i);
  return { ops, stageBubble, maxBubble: maxStageBubble };

  /** Which chunk's B stage i runs this round (zbv.py:161-172), decided before any of the round's B runs. */
  function bChunk(i: number): number {
    if (cnt(i, 3) >= cnt(i, 2)) return 0;
    if (i === p - 1) return 1;
    return end[id(1, 1, i + 1, cnt(i, 3))]! >= 0 || cnt(i, 2) >= m ? 1 : 0;
  }
}

/** try_v_schedule with its retry: again with the bubbles found as the approved ones, while that lowers the worst. */
function tryV(p: number, m: number, fillF: boolean, fillB: boolean): Try {
  let best = tryOnce(p, m, fillF, fillB, null);
  let approved = best;
  // The fork recurses (zbv.py:243-249) and keeps the inner result only when it is better; the worst bubble strictly
  // falls from one level to the next, so this ends. Bounded as Python's recursion is.
  for (let depth = 0; depth < 256; depth++) {
    const next = tryOnce(p, m, fillF, fillB, approved.stageBubble);
    if (!(next.maxBubble < best.maxBubble)) break;
    best = next;
    approved = next;
  }
  return best;
}

/**
 * Writes each stage's ZB-V program into `out` (kind 0 F, 1 B, 2 W; model chunk 0 = virtual stage r, 1 = virtual stage
 * 2p − 1 − r; chunk stays 0), stage r's 6m ops from out.stageOffsets[r] on, in execution order: the best of the four
 * fill choices of create_schedule (zbv.py:285-294; the first wins a tie), its B and W chunk index turned into the
 * model chunk they run on (:303-305).
 */
export function writeZbVOrders(
  p: number,
  m: number,
  out: { stageOffsets: Int32Array; kind: Uint8Array; microbatch: Int32Array; modelChunk: Uint16Array },
): void {
  let best: Try | null = null;
  for (const fillB of [true, false])
    for (const fillF of [true, false]) {
      const t = tryV(p, m, fillF, fillB);
      if (best === null || t.maxBubble < best.maxBubble) best = t;
    }
  for (let r = 0; r < p; r++) {
    let q = out.stageOffsets[r]!;
    // `!` reads: every stage's 6m ops were written (tryOnce ends when every W has run).
    for (let i = r * 6 * m; i < (r + 1) * 6 * m; i++) {
      const code = best!.ops[i]!;
      const cat = (code & 7) >> 1;
      out.kind[q] = cat;
      out.microbatch[q] = code >> 3;
      out.modelChunk[q] = cat === 0 ? code & 1 : 1 - (code & 1);
      q++;
    }
  }
}
