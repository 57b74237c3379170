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
//
// Layout. A stage's slot lists sit in one Int32Array, 6m entries a stage (stage s from s·6m): entry t·m + i is the slot
// of op i of type t (F, f, B, b; each list sorted, one op per microbatch), and the W passes follow from 4m: one queue of
// 2m ("unsplit", as reorder counts them) or W1 then W0, m each ("split", as create_schedule runs them). Which op sits
// in a slot is a code, the op's entry in its stage (−1 idle), in stage-major tables (stage·size + slot): a pass that
// walks slots then stages reads p sequential streams. No objects per op. A long run builds this way only two short
// ones past the warm-up and repeats their steady state (steadyRepeat.ts), so a million-op order is one copy.

import { type OrderArrays, writeWithSteadyRepeat } from './steadyRepeat';

/** Slot types, the fork's `names = 'FfBbWw'`: forward of chunk 0 / 1, backward of chunk 1 / 0, W of chunk 1 / 0. */
const NAMES = 6;
/** Memory of a slot type in mem_of_stage (:75): a forward holds a chunk, a W frees it; B holds it on. */
const MEM = Int32Array.of(1, 1, 0, 0, -1);
/** An idle slot in Profiles' types. */
const IDLE = 255;

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

/** All stages' slot lists (see Layout): `entries` per stage in use, 4m (F f B b) or 6m (with the W passes). */
interface Lists {
  p: number;
  m: number;
  pos: Int32Array;
  scratch: Scratch;
}

/**
 * Arrays the passes of one build reuse: a fresh multi-megabyte array costs a page fault per 4 KiB on first touch, more
 * than the pass that fills it. `other` is the second list buffer: eagerStarts reads one and writes the other.
 */
class Scratch {
  private bufs = [new Int32Array(0), new Int32Array(0), new Int32Array(0)];
  private bytes = [new Uint8Array(0), new Uint8Array(0)];
  constructor(public other: Int32Array) {}
  /** Int32 scratch `which` (0 slot codes, 1 and 2 Profiles' cur and wc) of n entries; contents left over. */
  int32(which: number, n: number): Int32Array {
    if (this.bufs[which]!.length < n) this.bufs[which] = new Int32Array(n);
    return this.bufs[which]!.subarray(0, n);
  }
  /** Byte scratch `which` (0 types, 1 occupied) of n entries; contents left over. */
  uint8(which: number, n: number): Uint8Array {
    if (this.bytes[which]!.length < n) this.bytes[which] = new Uint8Array(n);
    return this.bytes[which]!.subarray(0, n);
  }
}

/** The type of entry e: 0–3 for F f B b, 4 for a W of the unsplit queue, 4 / 5 for W1 / W0 when split. */
const typeOf = (e: number, m: number, split: boolean): number => (e < 4 * m || split ? Math.floor(e / m) : 4);

/** The largest slot of a stage's first `entries` entries (−1 if none): the last of each sorted list. */
function lastSlot(l: Lists, stage: number, entries: number): number {
  const { m, pos } = l;
  const base = stage * 6 * m;
  let b = -1;
  // Entries m − 1, 2m − 1, …: each list's last (the unsplit W queue, 2m long, ends at 6m − 1, visited too).
  for (let e = m - 1; e < entries; e += m) b = Math.max(b, pos[base + e]!);
  return b;
}

/**
 * put_w (:44-72): W passes into the idle slots of each stage's F/f/B/b, each as soon as a B has made one pending (one
 * queue, or one per chunk with chunk 1's first when split); what is left runs after the last op. Writes entries 4m on.
 */
function putW(l: Lists, split: boolean): void {
  const { p, m, pos } = l;
  let bound = -1;
  for (let s = 0; s < p; s++) bound = Math.max(bound, lastSlot(l, s, 4 * m));
  const slot = new Int8Array(bound + 1);
  for (let s = 0; s < p; s++) {
    const base = s * 6 * m;
    const own = lastSlot(l, s, 4 * m);
    slot.fill(-1, 0, own + 1);
    for (let e = 0; e < 4 * m; e++) {
      const x = pos[base + e]!;
      if (slot[x] !== -1) throw new Error(`V order: two ops in slot ${x}`);
      slot[x] = Math.floor(e / m);
    }
    // The next W of queue 0 (W1, or every W unsplit) goes to entry at0, of queue 1 (W0) to at1.
    let at0 = base + 4 * m;
    let at1 = base + 5 * m;
    let pending0 = 0;
    let pending1 = 0;
    for (let i = 0; i <= own; i++) {
      const t = slot[i]!;
      if (t === 2 || (t === 3 && !split)) pending0++;
      else if (t === 3) pending1++;
      else if (t < 0) {
        if (pending0 > 0) {
          pos[at0++] = i;
          pending0--;
        } else if (pending1 > 0) {
          pos[at1++] = i;
          pending1--;
        }
      }
    }
    let i = own;
    while (pending0-- > 0) pos[at0++] = ++i;
    while (pending1-- > 0) pos[at1++] = ++i;
  }
}

/**
 * Which entry runs in each slot, stage-major (stage·size + slot, −1 idle), over each stage's first `entries` entries;
 * in the scratch's codes buffer, valid until the next call. Every list is sorted, so the last slot is a list's last.
 */
function slotCodes(l: Lists, entries: number): { codes: Int32Array; size: number } {
  const { p, m, pos } = l;
  let size = 0;
  for (let s = 0; s < p; s++) size = Math.max(size, lastSlot(l, s, entries) + 1);
  const codes = l.scratch.int32(0, size * p).fill(-1);
  for (let s = 0; s < p; s++)
    for (let e = 0; e < entries; e++) {
      const x = pos[s * 6 * m + e]!;
      if (codes[s * size + x] !== -1) throw new Error(`V order: two ops in slot ${x}`);
      codes[s * size + x] = e;
    }
  return { codes, size };
}

/**
 * Each stage's memory over its slots (mem_of_stage, :74-97) kept per slot (stage-major: stage·size + slot), so a move
 * is checked by replaying only the slots it changes: with W in the lists a W frees a chunk at its slot; without, every
 * idle slot runs a pending W. `wc` counts the pending W passes.
 */
class Profiles {
  /** Each slot's type, 0–4, or IDLE. */
  private readonly type: Uint8Array;
  private readonly cur: Int32Array;
  private readonly wc: Int32Array;
  private readonly scratch: Int32Array;
  /** The highest memory of any stage: reorder's limit. */
  readonly peaks: number = 0;
  constructor(
    codes: Int32Array,
    p: number,
    m: number,
    private readonly size: number,
    private readonly hasW: boolean,
    scratch: Scratch,
  ) {
    this.type = scratch.uint8(0, p * size);
    this.cur = scratch.int32(1, p * size);
    this.wc = scratch.int32(2, p * size);
    this.scratch = new Int32Array(2 * size);
    for (let s = 0; s < p; s++) this.peaks = Math.max(this.peaks, this.fill(s, codes, m));
  }
  /** Fills a stage's types and per-slot state; returns its peak. */
  private fill(stage: number, codes: Int32Array, m: number): number {
    const base = stage * this.size;
    let cur = 0;
    let wc = 0;
    let peak = 0;
    for (let i = 0; i < this.size; i++) {
      const e = codes[base + i]!;
      const t = e < 0 ? IDLE : typeOf(e, m, false);
      this.type[base + i] = t;
      if (t !== IDLE) {
        cur += MEM[t]!;
        if (t === 2 || t === 3) wc++;
      } else if (!this.hasW && wc > 0) {
        cur--;
        wc--;
      }
      this.cur[base + i] = cur;
      this.wc[base + i] = wc;
      if (cur > peak) peak = cur;
    }
    return peak;
  }
  /** Moves a stage's op of type t from slot `from` to the free slot `to` (< from) when no slot goes above `limit`. */
  tryMove(stage: number, t: number, from: number, to: number, limit: number): boolean {
    const base = stage * this.size;
    let cur = to > 0 ? this.cur[base + to - 1]! : 0;
    let wc = to > 0 ? this.wc[base + to - 1]! : 0;
    let i = to;
    for (; i < this.size; i++) {
      const u = i === to ? t : i === from ? IDLE : this.type[base + i]!;
      if (u !== IDLE) {
        cur += MEM[u]!;
        if (u === 2 || u === 3) wc++;
      } else if (!this.hasW && wc > 0) {
        cur--;
        wc--;
      }
      if (cur > limit) return false;
      // Past the old slot the replay has caught up with the old state: nothing after changes.
      if (i > from && cur === this.cur[base + i] && wc === this.wc[base + i]) break;
      this.scratch[2 * (i - to)] = cur;
      this.scratch[2 * (i - to) + 1] = wc;
    }
    for (let j = to; j < i; j++) {
      this.cur[base + j] = this.scratch[2 * (j - to)]!;
      this.wc[base + j] = this.scratch[2 * (j - to) + 1]!;
    }
    this.type[base + to] = t;
    this.type[base + from] = IDLE;
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
function depsOf(l: Lists, stage: number, t: number, mb: number): number {
  const { p, m, pos } = l;
  const base = stage * 6 * m;
  let deps = -1;
  if ((t === 0 || t === 2) && stage > 0) deps = Math.max(deps, pos[base - 6 * m + t * m + mb]!);
  if ((t === 1 || t === 3) && stage + 1 < p) deps = Math.max(deps, pos[base + 6 * m + t * m + mb]!);
  if (t > 0 && t < 4) deps = Math.max(deps, pos[base + (t - 1) * m + mb]!);
  if (t === 4)
    deps = Math.max(
      deps,
      kthOfTwo(pos.subarray(base + 2 * m, base + 3 * m), pos.subarray(base + 3 * m, base + 4 * m), mb),
    );
  // Type t's entries are t·m on (the unsplit W queue: 4m on), so the previous microbatch's is the entry before.
  if (mb > 0) deps = Math.max(deps, pos[base + t * m + mb - 1]!);
  return deps + 1;
}

/**
 * eager_execution_time at unit costs and free messages (:100-145, as reorder calls it, :215): ops taken in slot order
 * (then stage), each starting when its input, its own earlier pass, the previous microbatch and the stage's previous
 * op have ended. Takes lists with the unsplit W queue; returns the start slots in the same layout.
 */
function eagerStarts(l: Lists): Lists {
  const { p, m, pos, scratch } = l;
  const { codes, size } = slotCodes(l, 6 * m);
  // End slot of each entry, −1 before it runs; the result holds end − 1, in the other list buffer.
  const end = scratch.other.fill(-1);
  scratch.other = pos;
  const lastEnd = new Int32Array(p);
  const need = (x: number): number => {
    if (x < 0) throw new Error('V order: an op runs before its dependency');
    return x;
  };
  for (let slot = 0; slot < size; slot++)
    for (let stage = 0; stage < p; stage++) {
      const e = codes[stage * size + slot]!;
      if (e < 0) continue;
      const t = typeOf(e, m, false);
      const mb = t < 4 ? e - t * m : e - 4 * m;
      const base = stage * 6 * m;
      let deps = lastEnd[stage]!;
      if ((t === 0 || t === 2) && stage > 0) deps = Math.max(deps, need(end[base - 6 * m + e]!));
      if ((t === 1 || t === 3) && stage + 1 < p) deps = Math.max(deps, need(end[base + 6 * m + e]!));
      if (t > 0 && t < 4) deps = Math.max(deps, need(end[base + e - m]!));
      if (mb > 0) deps = Math.max(deps, need(end[base + e - 1]!));
      end[base + e] = deps + 1;
      lastEnd[stage] = deps + 1;
    }
  for (let i = 0; i < end.length; i++) end[i] = end[i]! - 1;
  return { p, m, pos: end, scratch };
}

/**
 * reorder (:147-215): ops in slot order; in the warm-up (with W only) and after the first stage's last forward has
 * been reached, each moves to the earliest free slot after its dependencies that keeps the stage within the peak
 * memory of the busiest stage; the steady state stays as the pattern has it. Then W into the idle slots (if not
 * already) and every op as early as it can run. Takes F f B b (entries 4m on are overwritten); returns the start slots.
 */
function reorder(l: Lists, considerW: boolean): Lists {
  const { p, m } = l;
  if (considerW) putW(l, false);
  const { codes, size } = slotCodes(l, considerW ? 6 * m : 4 * m);
  const profiles = new Profiles(codes, p, m, size, considerW, l.scratch);
  const limit = profiles.peaks;
  const occupied = l.scratch.uint8(1, p * size).fill(0);
  const pos = l.pos;
  let phase = 0;
  for (let slot = 0; slot < size; slot++)
    for (let stage = 0; stage < p; stage++) {
      const e = codes[stage * size + slot]!;
      if (e < 0) continue;
      const t = typeOf(e, m, false);
      const mb = t < 4 ? e - t * m : e - 4 * m;
      const occ = stage * size;
      if (t === 3 && stage === 0 && phase === 0) phase = 1;
      // The steady state keeps its slots, up to and with the first last forward (:175-182).
      if (phase === 1 || (phase === 0 && !considerW)) {
        if (phase === 1 && t === 0 && mb === m - 1) phase = 2;
        occupied[occ + slot] = 1;
        continue;
      }
      const deps = depsOf(l, stage, t, mb);
      if (deps > slot) throw new Error(`V order: op ${t}.${mb} on stage ${stage} before its dependency`);
      let at = slot;
      for (let q = deps; q < slot; q++)
        if (!occupied[occ + q] && profiles.tryMove(stage, t, slot, q, limit)) {
          at = q;
          break;
        }
      pos[stage * 6 * m + e] = at;
      occupied[occ + at] = 1;
    }
  if (!considerW) putW(l, false);
  return eagerStarts(l);
}

/**
 * The size from which writeVShapeOrders repeats the steady state (steadyRepeat.ts): the order at m + 1 is the order
 * at m with one period inserted from m = 2⌊p/2⌋ + 3 on for V-Half (p ≥ 5; p + 2 or less below) and ⌊2p/3⌋ + 2 for
 * V-Min; p + 6 leaves both a margin of three microbatches or more.
 */
export const vShapeRepeatFrom = (p: number): number => p + 6;

/**
 * Writes each stage's V-Half or V-Min program into `out` (kind 0 F, 1 B, 2 W; model chunk 0 = virtual stage r, 1 =
 * virtual stage 2p − 1 − r as ZB-V's; chunk stays 0), stage r's 6m ops from out.stageOffsets[r] on, in execution
 * order (create_schedule, zbv_greedy.py:244-285: B and W of the fork's chunk index c run on model chunk 1 − c). A
 * long run repeats the steady state of a short one (steadyRepeat.ts): the same order, at a few ns an op.
 */
export function writeVShapeOrders(p: number, m: number, setup: VShapeMemory, out: OrderArrays): void {
  writeWithSteadyRepeat(p, m, vShapeRepeatFrom(p), (mm, o) => buildInFull(p, mm, setup, o), out);
}

/** The construction of the top of this file over all m microbatches. */
function buildInFull(p: number, m: number, setup: VShapeMemory, out: OrderArrays): void {
  const pattern = stablePattern(p, setup);
  const start: Lists = { p, m, pos: new Int32Array(p * 6 * m), scratch: new Scratch(new Int32Array(p * 6 * m)) };
  for (let s = 0; s < p; s++)
    for (let t = 0; t < 4; t++) {
      const base = s * 6 * m + t * m;
      const x = pattern[s]![t]!;
      for (let j = 0; j < m; j++) start.pos[base + j] = x + 6 * j;
    }
  // Each reorder reads F f B b only: the W it is given are dropped (:228-230).
  const r2 = reorder(reorder(start, true), false);
  putW(r2, true);
  const { codes, size } = slotCodes(r2, 6 * m);
  for (let r = 0; r < p; r++) {
    let q = out.stageOffsets[r]!;
    for (let slot = r * size; slot < (r + 1) * size; slot++) {
      const e = codes[slot]!;
      if (e < 0) continue;
      const t = typeOf(e, m, true);
      out.kind[q] = t >> 1;
      out.microbatch[q] = e - t * m;
      // F of the fork's chunk c runs model chunk c; B and W of chunk c run model chunk 1 − c.
      out.modelChunk[q] = t < 2 ? t : 1 - (t & 1);
      q++;
    }
    if (q !== out.stageOffsets[r]! + NAMES * m)
      throw new Error(`V order: stage ${r} has ${q - out.stageOffsets[r]!} ops`);
  }
}
