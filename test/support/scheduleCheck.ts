// An independent checker of simulated timelines: it knows the dependency rules of spec §1.1 but shares no
// code with the simulator. It rebuilds each op's earliest start from the op's inputs and the op before it on
// the same stage, and reports the first violation (a dependency not met, an overlap, an unexplained gap,
// a missing or duplicated op, a wrong summary value).
import assert from 'node:assert/strict';
import { OP_B, OP_F, OP_W, type ScheduleSpec, type SimResult } from '../../src/core/types';
import { isSimResult, simulateSchedule, type SimCosts } from '../../src/core/schedule/simulator';
import { buildProgramsUnchecked } from '../../src/core/schedule/programs';

const EPS = 1e-9;

// Where each model chunk runs, written here from the papers and not shared with the simulator's placement.ts:
// Megatron's interleaving puts model chunk c of rank r at virtual stage c·p + r; ZB-V's V (the Zero-Bubble fork's
// README: "Each device is assigned to exactly 2 chunks … The sequence of dependencies among model chunks follows a 'V'
// shape pattern for both the forward and backward passes") puts rank r's second chunk at 2p − 1 − r, so the second
// half runs from rank p − 1 back to rank 0.
const V_SCHEDULES = new Set<string>(['zb-v', 'dualpipev', 'v-half', 'v-min', 'dualpipe']);
function stageOfChunk(schedule: string, p: number, r: number, c: number): number {
  return V_SCHEDULES.has(schedule) && c === 1 ? 2 * p - 1 - r : c * p + r;
}
function rankOfStage(schedule: string, p: number, s: number): number {
  return V_SCHEDULES.has(schedule) && s >= p ? 2 * p - 1 - s : s % p;
}

/**
 * DualPipe's two extra rules (deepseek-ai/DualPipe 3da1bbe dualpipe/dualpipev.py), given per op by the program's flags
 * (bit 0: a forward directly followed by the backward it overlaps with; bit 1: a full backward): an overlapped F&B
 * pair starts only once both of its inputs have arrived (_forward_backward_chunk receives both, then computes,
 * :207-216), and a full backward sends its gradient after its weight gradient is computed too (run_backward computes
 * both, :107; the send follows the compute, :204), so downstream it counts from the end of its W.
 */
export function checkTimeline(
  sim: SimResult,
  costs: SimCosts,
  zeroBubble: boolean,
  opFlags?: Uint8Array,
): string | null {
  const { stages: p, microbatches: m, splits: k, virtualStages: v, schedule } = sim.spec;
  const vs = p * v;
  const stageOf = (r: number, c: number): number => stageOfChunk(schedule, p, r, c);
  const rankOf = (s: number): number => rankOfStage(schedule, p, s);
  // A message between two ranks pays the link it crosses: a V's second half sends activations down (r+1 → r) and
  // gradients up, so those use the other direction's per-link table.
  const reversed = (s: number): boolean => V_SCHEDULES.has(schedule) && s >= p;
  const key = (kind: number, s: number, i: number, j: number): string => `${kind}:${s}:${i}:${j}`;
  // DualPipe (deepseek-ai/DualPipe 3da1bbe dualpipe/dualpipe.py; examples/example_dualpipe.py:145-150): the first half
  // of the microbatches enters at rank 0 and runs stages 0…p − 1 down the ranks, the second half enters at rank p − 1
  // and runs the model's stages from rank p − 1 back to rank 0 — here the V's stages p…2p − 1. A microbatch has no
  // input before its direction's first stage (dualpipe.py:233-235) and its backward starts from the loss at its
  // direction's last stage (:95-100), so the V's turn is no dependency.
  const dual = schedule === 'dualpipe';
  const directionOf = (i: number): number => (dual && i >= m / 2 ? 1 : 0);
  const firstStage = (s: number): boolean => s === 0 || (dual && s === p);
  const lossStage = (s: number): boolean => s === vs - 1 || (dual && s === p - 1);
  const ends = new Map<string, number>();
  const where = new Map<string, number>();
  for (let r = 0; r < p; r++) {
    for (let q = sim.stageOffsets[r]; q < sim.stageOffsets[r + 1]; q++) {
      const s = stageOf(r, sim.modelChunk[q]);
      const id = key(sim.kind[q], s, sim.microbatch[q], sim.chunk[q]);
      if (ends.has(id)) return `op ${id} appears twice`;
      if (sim.microbatch[q] >= m || sim.chunk[q] >= k || sim.modelChunk[q] >= v) return `op ${id} is out of range`;
      if (dual && Math.floor(s / p) !== directionOf(sim.microbatch[q])) return `op ${id} runs in the other direction`;
      ends.set(id, sim.end[q]);
      where.set(id, q);
    }
  }
  const kinds = zeroBubble ? [OP_F, OP_B, OP_W] : [OP_F, OP_B];
  // Every microbatch on every stage of its path: all vs virtual stages, or under DualPipe the p of its direction.
  const path = dual ? p : vs;
  if (ends.size !== kinds.length * path * m * k)
    return `expected ${kinds.length * path * m * k} ops, found ${ends.size}`;

  const p2pF = (src: number, j: number): number =>
    costs.p2pForwardByRank ? costs.p2pForwardByRank[src * k + j] : costs.p2pForward[j];
  const p2pB = (src: number, j: number): number =>
    costs.p2pBackwardByRank ? costs.p2pBackwardByRank[src * k + j] : costs.p2pBackward[j];
  // When each B's gradient leaves: its end, or its W's end for a full backward.
  const gradOut = new Map<string, number>();
  for (let r = 0; r < p; r++)
    for (let q = sim.stageOffsets[r]; q < sim.stageOffsets[r + 1]; q++) {
      if (sim.kind[q] !== OP_B) continue;
      const id = key(OP_B, stageOf(r, sim.modelChunk[q]), sim.microbatch[q], sim.chunk[q]);
      const w = ends.get(key(OP_W, stageOf(r, sim.modelChunk[q]), sim.microbatch[q], sim.chunk[q]));
      gradOut.set(id, ((opFlags?.[q] ?? 0) & 2) !== 0 && w !== undefined ? w : sim.end[q]);
    }
  const gradInput = (r: number, q: number): { id: string; delay: number; grad: true } | null => {
    const s = stageOf(r, sim.modelChunk[q]);
    if (lossStage(s)) return null;
    const from = rankOf(s + 1);
    return {
      id: key(OP_B, s + 1, sim.microbatch[q], sim.chunk[q]),
      delay: from === r ? 0 : (reversed(s) ? p2pF : p2pB)(from, sim.chunk[q]),
      grad: true,
    };
  };
  let makespan = 0;
  let busyTotal = 0;
  for (let r = 0; r < p; r++) {
    let prevEnd = 0;
    let busy = 0;
    for (let q = sim.stageOffsets[r]; q < sim.stageOffsets[r + 1]; q++) {
      const kind = sim.kind[q];
      const i = sim.microbatch[q];
      const j = sim.chunk[q];
      const s = stageOf(r, sim.modelChunk[q]);
      const needs: { id: string; delay: number; grad?: true }[] = [];
      let dur: number;
      if (kind === OP_F) {
        dur = costs.forward[s * k + j];
        const from = rankOf(s - 1);
        if (!firstStage(s))
          needs.push({ id: key(OP_F, s - 1, i, j), delay: from === r ? 0 : (reversed(s) ? p2pB : p2pF)(from, j) });
        if (j > 0) needs.push({ id: key(OP_F, s, i, j - 1), delay: 0 });
        if (((opFlags?.[q] ?? 0) & 1) !== 0) {
          if (sim.kind[q + 1] !== OP_B || q + 1 >= sim.stageOffsets[r + 1]) return `op ${q} opens a pair without a B`;
          const g = gradInput(r, q + 1);
          if (g) needs.push(g);
        }
      } else if (kind === OP_B) {
        dur = costs.backward[s * k + j];
        needs.push({ id: key(OP_F, s, i, j), delay: 0 }, { id: key(OP_F, s, i, k - 1), delay: 0 });
        const g = gradInput(r, q);
        if (g) needs.push(g);
        if (j < k - 1) needs.push({ id: key(OP_B, s, i, j + 1), delay: 0 });
      } else {
        dur = costs.weight[s * k + j];
        needs.push({ id: key(OP_B, s, i, j), delay: 0 });
      }
      let earliest = prevEnd;
      for (const n of needs) {
        const e = n.grad ? gradOut.get(n.id) : ends.get(n.id);
        if (e === undefined) return `input ${n.id} of op at stage ${r} index ${q} never runs`;
        const at = where.get(n.id)!;
        if (at > q && at < sim.stageOffsets[r + 1]) {
          return `stage ${r} runs op ${q} before its own input ${n.id}`;
        }
        earliest = Math.max(earliest, e + n.delay);
      }
      if (sim.start[q] < earliest - EPS)
        return `stage ${r} op ${q} (kind ${kind}, mb ${i}, chunk ${j}, s ${s}) starts at ${sim.start[q]} before its inputs/stage allow (${earliest})`;
      if (sim.start[q] > earliest + EPS)
        return `stage ${r} op ${q} idles: starts at ${sim.start[q]} though ready at ${earliest}`;
      if (Math.abs(sim.end[q] - (sim.start[q] + dur)) > EPS)
        return `stage ${r} op ${q} lasts ${sim.end[q] - sim.start[q]}, cost table says ${dur}`;
      prevEnd = sim.end[q];
      busy += dur;
      makespan = Math.max(makespan, sim.end[q]);
    }
    if (Math.abs(busy - sim.busy[r]) > 1e-6) return `busy[${r}] = ${sim.busy[r]}, ops sum to ${busy}`;
    busyTotal += busy;
  }
  if (Math.abs(makespan - sim.makespan) > EPS) return `makespan ${sim.makespan} but last op ends at ${makespan}`;
  const bubble = 1 - busyTotal / (p * makespan);
  if (Math.abs(bubble - sim.bubbleFraction) > 1e-9) return `bubbleFraction ${sim.bubbleFraction}, expected ${bubble}`;

  // Peak live units from the times alone: +1 at F start, −1 at the end of the unit's last backward op.
  const release = zeroBubble ? OP_W : OP_B;
  for (let r = 0; r < p; r++) {
    const events: [number, number][] = [];
    for (let q = sim.stageOffsets[r]; q < sim.stageOffsets[r + 1]; q++) {
      if (sim.kind[q] === OP_F) events.push([sim.start[q], 1]);
      else if (sim.kind[q] === release) events.push([sim.end[q], -1]);
    }
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let live = 0;
    let peak = 0;
    for (const [, d] of events) peak = Math.max(peak, (live += d));
    if (peak !== sim.peakUnits[r]) return `peakUnits[${r}] = ${sim.peakUnits[r]}, timeline says ${peak}`;
  }
  return null;
}

/** Seeded PRNG (mulberry32) so property tests are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/**
 * Simulates `spec` and asserts the result is a timeline that passes the independent checker (zero-bubble rules:
 * W ops allowed); the schedule's name and size are in every failure message.
 */
export function simulateChecked(spec: ScheduleSpec, costs: SimCosts): SimResult {
  const label = `${spec.schedule} p=${spec.stages} m=${spec.microbatches}`;
  const r = simulateSchedule(spec, costs);
  if (!isSimResult(r)) assert.fail(`${label}: ${r.reason}`);
  assert.equal(checkTimeline(r, costs, true, buildProgramsUnchecked(spec).opFlags), null, label);
  return r;
}

/**
 * Random per-virtual-stage F/B/W costs for a two-chunk (V-shaped) schedule on p ranks, with random p2p delays — per
 * rank on every third draw — so property tests cover uneven stages and links.
 */
export function randomVCosts(rand: () => number, p: number, n: number): SimCosts {
  const rnd = (len: number, lo: number, hi: number): Float64Array =>
    Float64Array.from({ length: len }, () => lo + rand() * (hi - lo));
  const costs: SimCosts = {
    forward: rnd(2 * p, 0.2, 2),
    backward: rnd(2 * p, 0.3, 4),
    weight: rnd(2 * p, 0.1, 2),
    p2pForward: rnd(1, 0, 0.5),
    p2pBackward: rnd(1, 0, 0.5),
  };
  if (n % 3 === 0) {
    costs.p2pForwardByRank = rnd(p, 0, 1);
    costs.p2pBackwardByRank = rnd(p, 0, 1);
  }
  return costs;
}

/** Rank `rank`'s ops as `F0a B0b W0a …`: kind, microbatch, and a / b for model chunk 0 / 1 (the two-chunk schedules' tests). */
export function opListOf(r: SimResult, rank: number): string {
  const out: string[] = [];
  // stageOffsets has p + 1 entries; every q below it indexes the op arrays.
  for (let q = r.stageOffsets[rank]!; q < r.stageOffsets[rank + 1]!; q++)
    out.push(
      `${r.kind[q] === OP_F ? 'F' : r.kind[q] === OP_B ? 'B' : 'W'}${r.microbatch[q]}${r.modelChunk[q] === 0 ? 'a' : 'b'}`,
    );
  return out.join(' ');
}

/**
 * Checks a DualPipe-family timeline at unit costs against a README picture, one string per rank with a cell per time
 * unit: `o` a forward, `g` a backward (an input backward, or a full backward's W drawn with it), `b` a deferred W, `.`
 * idle. Each rank must run the picture's cells in its order, end where the picture ends and start every forward in
 * the picture's cell (the pictures draw some cool-down backwards later than their inputs allow, so only forwards are
 * pinned). `opFlags`: the program's (FULL_BACKWARD = 2 marks a B whose W follows at once).
 */
export function assertMatchesPicture(r: SimResult, opFlags: Uint8Array, picture: readonly string[]): void {
  const forwards = (x: string): number[] => [...x].flatMap((c, i) => (c === 'o' ? [i] : []));
  picture.forEach((expected, rank) => {
    const row = new Array<string>(r.makespan).fill('.');
    // stageOffsets has p + 1 entries; q indexes the op arrays and start times are whole units here.
    for (let q = r.stageOffsets[rank]!; q < r.stageOffsets[rank + 1]!; q++) {
      const fullW = r.kind[q] === OP_W && r.kind[q - 1] === OP_B && (opFlags[q - 1]! & 2) !== 0;
      row[r.start[q]!] = r.kind[q] === OP_F ? 'o' : r.kind[q] === OP_B || fullW ? 'g' : 'b';
    }
    const ours = row.join('');
    assert.equal(ours.replaceAll('.', ''), expected.replaceAll('.', ''), `rank ${rank}: cells in order`);
    assert.equal(ours.length, expected.length, `rank ${rank}: end`);
    assert.deepEqual(forwards(ours), forwards(expected), `rank ${rank}: forwards`);
  });
}
