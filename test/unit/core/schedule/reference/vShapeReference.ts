// The builder as it was at fc4d4be, before its per-op speed-up (issue 18), kept only as the reference the rewritten
// builder is compared with array by array (builderIdentity.test.ts); its code is unchanged (helpers the builder does
// not call are left out). This order was checked against the Zero-Bubble fork's own Python in session 7.
// V-Half and V-Min, the memory-controlled V-shape schedules of Qi et al., "Pipeline Parallelism with Controllable
// Memory" (NeurIPS 2024, arXiv 2405.15362): two model chunks per rank in a V (placement.ts, as ZB-V), B and W split,
// built by repeating a "building block" whose lifespan sets the peak activation memory — about 1/2 (V-Half) and 1/3
// (V-Min) of 1F1B's, at a bubble of about B/2 and 2B/3 of 1F1B's B = (p−1)/(m+p−1) (the fork's README.md:88-99).
// The Zero-Bubble fork builds both with zbv_greedy.PipelineGraph (sail-sg/zero-bubble-pipeline-parallelism 39f2c186
// megatron/core/pipeline_parallel/zerobubble/scheduler/zbv_greedy.py), selected by --zero-bubble-v-schedule-mem-setup
// half|min (runtime.py:1512-1534). This is that construction in our own code:
//  1. the stable pattern: the slot of each of F, f, B, b (forward chunk 0 / 1, backward of chunk 1 / 0) of
//     microbatch 0 on each stage, then every 6 slots the next microbatch (stable_pattern_v_min / _v_half, :22-42;
//     schedule_from_pattern, :218);
//  2. W passes put into the idle slots (put_w, :44-72);
//  3. "squeeze and reorder" twice, with W and then without (reorder, :147-215; schedule_from_pattern, :222-230):
//     in the warm-up and the cool-down each op moves to the earliest free slot after its dependencies that does not
//     raise the stage's peak memory (mem_of_stage, :74-97), then every op runs as early as it can at unit costs
//     (eager_execution_time, :100-145);
//  4. W put into the idle slots again, one queue per chunk (chunk 1's first), and each stage runs its ops in slot
//     order (create_schedule, :244-285). The order depends on (p, m) only — the fork passes unit costs (runtime.py:1531).
// The static order is then replayed at real costs by the simulator, like ZB-V's.

/** Slot types, the fork's `names = 'FfBbWw'`: forward of chunk 0 / 1, backward of chunk 1 / 0, W of chunk 1 / 0. */
const NAMES = 6;
/** Memory of a slot type in mem_of_stage (:75): a forward holds a chunk, a W frees it; B holds it on. */
const MEM = [1, 1, 0, 0, -1] as const;

export type VShapeMemory = 'half' | 'min';

/** The slot of F, f, B, b of microbatch 0 on each stage (zbv_greedy.py:22-42). */
function stablePattern(p: number, setup: VShapeMemory): number[][] {
  const out: number[][] = [];
  if (setup === 'min') {
    const gap = p % 3 === 0 ? 2 : 0;
    for (let i = 0; i < p; i++) out.push([i, 2 * p - i - 1, 2 * p + gap + i, 4 * p + gap - i - 1]);
  } else {
    const gap = p % 2 === 0 ? 3 : 0;
    for (let i = 0; i < p; i++) out.push([2 * i, 3 * p - i - 2, 3 * p + gap + 2 * i - 1, 6 * p + gap - i - 2]);
  }
  return out;
}

/** One stage's slot lists, one per type in the fork's order (F, f, B, b[, W] or [, W1, W0]). Each is sorted. */
type Stage = Int32Array[];

const last = (a: Int32Array): number => (a.length > 0 ? a[a.length - 1]! : -1);
const boundOf = (s: Stage): number => s.reduce((b, a) => Math.max(b, last(a)), -1);

/**
 * put_w (:44-72): W passes into the idle slots of a stage's F/f/B/b, each as soon as a B has made one pending (one
 * queue, or one per chunk with chunk 1's first when split); what is left runs after the last op.
 */
function putW(s: Stage, split: boolean): Stage {
  const bound = boundOf(s.slice(0, 4));
  const slot = new Int8Array(bound + 1).fill(-1);
  for (let t = 0; t < 4; t++)
    for (const x of s[t]!) {
      if (slot[x] !== -1) throw new Error(`V order: two ops in slot ${x}`);
      slot[x] = t;
    }
  const m = s[0]!.length;
  const w = split ? [new Int32Array(m), new Int32Array(m)] : [new Int32Array(2 * m)];
  const pending = [0, 0];
  const pos = [0, 0];
  const run = (q: number, at: number): void => {
    w[q]![pos[q]!] = at;
    pos[q] = pos[q]! + 1;
    pending[q] = pending[q]! - 1;
  };
  for (let i = 0; i <= bound; i++) {
    const t = slot[i]!;
    if (t >= 2) pending[split ? t - 2 : 0]!++;
    else if (t < 0) {
      if (pending[0]! > 0) run(0, i);
      else if (pending[1]! > 0) run(1, i);
    }
  }
  let i = bound;
  for (let q = 0; q < 2; q++) while (pending[q]! > 0) run(q, ++i);
  return [...s.slice(0, 4), ...w];
}

/**
 * A stage's memory over its slots (mem_of_stage, :74-97) kept per slot, so a move is checked by replaying only the
 * slots it changes: with W in the lists a W frees a chunk at its slot; without, every idle slot runs a pending W.
 */
class Profile {
  readonly type: Int8Array;
  readonly cur: Int32Array;
  readonly wc: Int32Array;
  private readonly scratch: Int32Array;
  constructor(
    s: Stage,
    private readonly hasW: boolean,
    size: number,
  ) {
    this.type = new Int8Array(size).fill(-1);
    s.forEach((a, t) => {
      for (const x of a) this.type[x] = t;
    });
    this.cur = new Int32Array(size);
    this.wc = new Int32Array(size);
    this.scratch = new Int32Array(2 * size);
  }
  /** Fills the per-slot state; returns the peak. */
  peak(): number {
    let cur = 0;
    let wc = 0;
    let peak = 0;
    for (let i = 0; i < this.type.length; i++) {
      [cur, wc] = this.step(this.type[i]!, cur, wc);
      this.cur[i] = cur;
      this.wc[i] = wc;
      peak = Math.max(peak, cur);
    }
    return peak;
  }
  private step(t: number, cur: number, wc: number): [number, number] {
    if (t >= 0) return [cur + MEM[t as 0 | 1 | 2 | 3 | 4], t === 2 || t === 3 ? wc + 1 : wc];
    return !this.hasW && wc > 0 ? [cur - 1, wc - 1] : [cur, wc];
  }
  /** Moves the op of type t from slot `from` to the free slot `to` (< from) when no slot goes above `limit`. */
  tryMove(t: number, from: number, to: number, limit: number): boolean {
    let cur = to > 0 ? this.cur[to - 1]! : 0;
    let wc = to > 0 ? this.wc[to - 1]! : 0;
    let i = to;
    for (; i < this.type.length; i++) {
      [cur, wc] = this.step(i === to ? t : i === from ? -1 : this.type[i]!, cur, wc);
      if (cur > limit) return false;
      // Past the old slot the replay has caught up with the old state: nothing after changes.
      if (i > from && cur === this.cur[i] && wc === this.wc[i]) break;
      this.scratch[2 * (i - to)] = cur;
      this.scratch[2 * (i - to) + 1] = wc;
    }
    for (let j = to; j < i; j++) {
      this.cur[j] = this.scratch[2 * (j - to)]!;
      this.wc[j] = this.scratch[2 * (j - to) + 1]!;
    }
    this.type[to] = t;
    this.type[from] = -1;
    return true;
  }
}

/** The k-th smallest (from 0) of two sorted lists together: the fork's sorted(B + b)[k] (:194). */
export function kthOfTwo(a: Int32Array, b: Int32Array, k: number): number {
  const n = k + 1;
  let lo = Math.max(0, n - b.length);
  let hi = Math.min(n, a.length);
  // The fewest taken from a such that a's next is not below b's last taken (monotone in the count).
  while (lo < hi) {
    const i = (lo + hi) >> 1;
    if (a[i]! < b[n - i - 1]!) lo = i + 1;
    else hi = i;
  }
  const j = n - lo;
  return Math.max(lo > 0 ? a[lo - 1]! : -1, j > 0 ? b[j - 1]! : -1);
}

/** The slot an op waits for (reorder's deps, :184-197): its input, its own earlier pass, the previous microbatch. */
function depsOf(st: Stage[], stage: number, t: number, mb: number): number {
  const p = st.length;
  const own = st[stage]!;
  let deps = -1;
  if ((t === 0 || t === 2) && stage > 0) deps = Math.max(deps, st[stage - 1]![t]![mb]!);
  if ((t === 1 || t === 3) && stage + 1 < p) deps = Math.max(deps, st[stage + 1]![t]![mb]!);
  if (t > 0 && t < 4) deps = Math.max(deps, own[t - 1]![mb]!);
  if (t === 4) deps = Math.max(deps, kthOfTwo(own[2]!, own[3]!, mb));
  if (mb > 0) deps = Math.max(deps, own[t]![mb - 1]!);
  return deps + 1;
}

/** For each stage, the (type, index) in each slot: code = type · len + index, −1 idle. */
function slotCodes(st: Stage[], len: number): { codes: Int32Array[]; size: number } {
  const size = st.reduce((b, s) => Math.max(b, boundOf(s)), -1) + 1;
  const codes = st.map((s) => {
    const c = new Int32Array(size).fill(-1);
    s.forEach((a, t) => {
      for (let i = 0; i < a.length; i++) {
        if (c[a[i]!] !== -1) throw new Error(`V order: two ops in slot ${a[i]!}`);
        c[a[i]!] = t * len + i;
      }
    });
    return c;
  });
  return { codes, size };
}

/**
 * eager_execution_time at unit costs and free messages (:100-145, as reorder calls it, :215): ops taken in slot order
 * (then stage), each starting when its input, its own earlier pass, the previous microbatch and the stage's previous
 * op have ended. Returns the start slots.
 */
function eagerStarts(st: Stage[]): Stage[] {
  const p = st.length;
  const len = 2 * st[0]![0]!.length;
  const { codes, size } = slotCodes(st, len);
  const end = st.map((s) => s.map((a) => new Int32Array(a.length).fill(-1)));
  const lastEnd = new Int32Array(p);
  const need = (x: number): number => {
    if (x < 0) throw new Error('V order: an op runs before its dependency');
    return x;
  };
  for (let slot = 0; slot < size; slot++)
    for (let stage = 0; stage < p; stage++) {
      const code = codes[stage]![slot]!;
      if (code < 0) continue;
      const t = Math.floor(code / len);
      const mb = code - t * len;
      const e = end[stage]!;
      let deps = lastEnd[stage]!;
      if ((t === 0 || t === 2) && stage > 0) deps = Math.max(deps, need(end[stage - 1]![t]![mb]!));
      if ((t === 1 || t === 3) && stage + 1 < p) deps = Math.max(deps, need(end[stage + 1]![t]![mb]!));
      if (t > 0 && t < 4) deps = Math.max(deps, need(e[t - 1]![mb]!));
      if (mb > 0) deps = Math.max(deps, need(e[t]![mb - 1]!));
      e[t]![mb] = deps + 1;
      lastEnd[stage] = deps + 1;
    }
  return end.map((s) => s.map((a) => a.map((x) => x - 1)));
}

/**
 * reorder (:147-215): ops in slot order; in the warm-up (with W only) and after the first stage's last forward has
 * been reached, each moves to the earliest free slot after its dependencies that keeps the stage within the peak
 * memory of the busiest stage; the steady state stays as the pattern has it. Then W into the idle slots (if not
 * already) and every op as early as it can run.
 */
function reorder(input: Stage[], considerW: boolean): Stage[] {
  const st = considerW ? input.map((s) => putW(s, false)) : input.map((s) => s.map((a) => a.slice()));
  const p = st.length;
  const m = st[0]![0]!.length;
  const len = 2 * m;
  const { codes, size } = slotCodes(st, len);
  const profiles = st.map((s) => new Profile(s, considerW, size));
  const limit = profiles.reduce((b, pr) => Math.max(b, pr.peak()), 0);
  const occupied = st.map(() => new Uint8Array(size));
  let phase = 0;
  for (let slot = 0; slot < size; slot++)
    for (let stage = 0; stage < p; stage++) {
      const code = codes[stage]![slot]!;
      if (code < 0) continue;
      const t = Math.floor(code / len);
      const mb = code - t * len;
      const occ = occupied[stage]!;
      if (t === 3 && stage === 0 && phase === 0) phase = 1;
      // The steady state keeps its slots, up to and with the first last forward (:175-182).
      if (phase === 1 || (phase === 0 && !considerW)) {
        if (phase === 1 && t === 0 && mb === m - 1) phase = 2;
        occ[slot] = 1;
        continue;
      }
      const deps = depsOf(st, stage, t, mb);
      if (deps > slot) throw new Error(`V order: op ${t}.${mb} on stage ${stage} before its dependency`);
      let at = slot;
      for (let q = deps; q < slot; q++)
        if (!occ[q] && profiles[stage]!.tryMove(t, slot, q, limit)) {
          at = q;
          break;
        }
      st[stage]![t]![mb] = at;
      occ[at] = 1;
    }
  return eagerStarts(considerW ? st : st.map((s) => putW(s, false)));
}

/**
 * Writes each stage's V-Half or V-Min program into `out` (kind 0 F, 1 B, 2 W; model chunk 0 = virtual stage r, 1 =
 * virtual stage 2p − 1 − r as ZB-V's; chunk stays 0), stage r's 6m ops from out.stageOffsets[r] on, in execution
 * order (create_schedule, zbv_greedy.py:244-285: B and W of the fork's chunk index c run on model chunk 1 − c).
 */
export function writeVShapeOrders(
  p: number,
  m: number,
  setup: VShapeMemory,
  out: { stageOffsets: Int32Array; kind: Uint8Array; microbatch: Int32Array; modelChunk: Uint16Array },
): void {
  const pattern = stablePattern(p, setup);
  const start: Stage[] = pattern.map((row) => row.map((x) => Int32Array.from({ length: m }, (_, j) => x + 6 * j)));
  const r1 = reorder(start, true).map((s) => s.slice(0, 4));
  const r2 = reorder(r1, false).map((s) => putW(s.slice(0, 4), true));
  const { codes, size } = slotCodes(r2, 2 * m);
  for (let r = 0; r < p; r++) {
    let q = out.stageOffsets[r]!;
    const c = codes[r]!;
    for (let slot = 0; slot < size; slot++) {
      const code = c[slot]!;
      if (code < 0) continue;
      const t = Math.floor(code / (2 * m));
      out.kind[q] = t >> 1;
      out.microbatch[q] = code - t * 2 * m;
      // F of the fork's chunk c runs model chunk c; B and W of chunk c run model chunk 1 − c.
      out.modelChunk[q] = t < 2 ? t : 1 - (t & 1);
      q++;
    }
    if (q !== out.stageOffsets[r]! + NAMES * m) throw new Error(`V order: stage ${r} has ${q} ops`);
  }
}
