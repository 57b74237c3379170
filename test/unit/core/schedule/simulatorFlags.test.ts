// The simulator's per-op flags (Programs.opFlags) for bidirectional pipelines and DualPipe's full backwards.
// DualPipe (DeepSeek-V3 technical report, arXiv 2412.19437 §3.2.1; deepseek-ai/DualPipe 3da1bbe dualpipe/dualpipe.py)
// feeds microbatches from both ends of the pipeline: on a V placement with v = 2 (placement.ts: virtual stages 0…p−1
// on ranks 0…p−1, p…2p−1 on ranks p−1…0), direction 0 runs stages 0…p−1 and direction 1 stages p…2p−1. So the first
// stage of direction 1 reads its input from the data loader, not from stage p − 1 (ENTRY), and direction 0's last stage
// p − 1 computes its own loss: its backward starts from its own forward, not from stage p's gradient (EXIT). Every
// figure below is derived by hand in the comments, not read from the simulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OP_B, OP_F, OP_W, type ScheduleSpec, type SimResult } from '../../../../src/core/types';
import { allocOpArrays, buildProgramsUnchecked, type Programs } from '../../../../src/core/schedule/programs';
import { placementTables } from '../../../../src/core/schedule/placement';
import { ENTRY, EXIT, FULL_BACKWARD } from '../../../../src/core/schedule/dualPipeV';
import { isSimResult, simulatePrograms, uniformCosts, type SimCosts } from '../../../../src/core/schedule/simulator';

type Op = [kind: number, microbatch: number, modelChunk: number, flags: number];

/** A program from per-rank op lists (k = 1): [kind, microbatch, model chunk, opFlags]. */
function program(spec: ScheduleSpec, ranks: Op[][], zeroBubble = false): Programs {
  const n = ranks.reduce((a, ops) => a + ops.length, 0);
  const prog: Programs = { spec, zeroBubble, ...allocOpArrays(n, ranks.length), opFlags: new Uint8Array(n) };
  let q = 0;
  ranks.forEach((ops, r) => {
    prog.stageOffsets[r] = q;
    for (const [kind, mb, c, flags] of ops) {
      prog.kind[q] = kind;
      prog.microbatch[q] = mb;
      prog.modelChunk[q] = c;
      prog.opFlags![q++] = flags;
    }
  });
  prog.stageOffsets[ranks.length] = q;
  return prog;
}

const F = OP_F;
const B = OP_B;
const V2: ScheduleSpec = { schedule: 'dualpipev', stages: 2, microbatches: 2, splits: 1, virtualStages: 2 };

// Rank 0 holds stage 0 (model chunk 0, direction 0's first) and stage 3 (chunk 1, direction 1's loss stage); rank 1
// holds stage 1 (chunk 0, direction 0's loss stage) and stage 2 (chunk 1, direction 1's first). Two microbatches per
// direction, numbered 0 and 1 in each.
const RANK0: Op[] = [
  [F, 0, 0, ENTRY],
  [F, 1, 0, ENTRY],
  [F, 0, 1, EXIT],
  [B, 0, 1, EXIT],
  [B, 0, 0, 0],
  [F, 1, 1, EXIT],
  [B, 1, 1, EXIT],
  [B, 1, 0, 0],
];
const RANK1: Op[] = [
  [F, 0, 1, ENTRY],
  [F, 0, 0, EXIT],
  [B, 0, 0, EXIT],
  [F, 1, 1, ENTRY],
  [F, 1, 0, EXIT],
  [B, 1, 0, EXIT],
  [B, 0, 1, 0],
  [B, 1, 1, 0],
];

/**
 * Per virtual stage s (k = 1, so the cost slot is s): F = 1, 2, 1.5, 0.5 and B = 2, 3, 2.5, 1; every value a multiple
 * of 1/4, so every sum below is exact. Hops (placement.ts inputHopSlot): stage 1's activation comes up rank 0 → 1 over
 * the forward link (0.5); stage 3's comes down rank 1 → 0 — the V's second half runs the other way — over the
 * backward link (0.25); stage 0's gradient comes down 1 → 0 (0.25); stage 2's comes up 0 → 1 (0.5).
 */
function costs(): SimCosts {
  const c = uniformCosts(V2, 0, 0, 0, 0);
  c.forward.set([1, 2, 1.5, 0.5]);
  c.backward.set([2, 3, 2.5, 1]);
  c.p2pForward[0] = 0.5;
  c.p2pBackward[0] = 0.25;
  return c;
}

// By hand, ops in program order (rank 0: q 0…7, rank 1: q 8…15):
//   rank 1 q8  F0 s2 ENTRY: no input → [0, 1.5]
//   rank 0 q0  F0 s0 → [0, 1];  q1 F1 s0 → [1, 2]
//   rank 0 q2  F0 s3: F0 s2 ends 1.5 + 0.25 = 1.75, rank free at 2 → [2, 2.5]
//   rank 0 q3  B0 s3: its own F (2.5) → [2.5, 3.5]
//   rank 1 q9  F0 s1 EXIT: F0 s0 ends 1 + 0.5 = 1.5, rank free at 1.5 → [1.5, 3.5]
//   rank 1 q10 B0 s1 EXIT: its own F (3.5), not stage 2's gradient (which comes only at q14) → [3.5, 6.5]
//   rank 0 q4  B0 s0: B0 s1 ends 6.5 + 0.25 = 6.75 > free 3.5 → [6.75, 8.75]
//   rank 1 q11 F1 s2 ENTRY: free at 6.5 → [6.5, 8]
//   rank 0 q5  F1 s3: F1 s2 ends 8 + 0.25 = 8.25 < free 8.75 → [8.75, 9.25];  q6 B1 s3 → [9.25, 10.25]
//   rank 1 q12 F1 s1 EXIT: F1 s0 ends 2 + 0.5 = 2.5 < free 8 → [8, 10];  q13 B1 s1 EXIT → [10, 13]
//   rank 0 q7  B1 s0: B1 s1 ends 13 + 0.25 = 13.25 > free 10.25 → [13.25, 15.25]
//   rank 1 q14 B0 s2: B0 s3 ends 3.5 + 0.5 = 4 < free 13 → [13, 15.5];  q15 B1 s2: 10.25 + 0.5 < 15.5 → [15.5, 18]
const START = [0, 1, 2, 2.5, 6.75, 8.75, 9.25, 13.25, 0, 1.5, 3.5, 6.5, 8, 10, 13, 15.5];
const END = [1, 2, 2.5, 3.5, 8.75, 9.25, 10.25, 15.25, 1.5, 3.5, 6.5, 8, 10, 13, 15.5, 18];
// Busy: rank 0 F 1 + 1 + 0.5 + 0.5, B 1 + 2 + 1 + 2 = 9; rank 1 F 1.5 + 2 + 1.5 + 2, B 3 + 3 + 2.5 + 2.5 = 18.
// Units live (+1 at an F, −1 at its B): rank 0 1, 2, 3, 2, 1, 2, 1, 0; rank 1 1, 2, 1, 2, 3, 2, 1, 0 — 3 on both.
// Windows (NaN: no message): q2 [1.5, 1.75], q4 [6.5, 6.75], q5 [8, 8.25], q7 [13, 13.25], q9 [1, 1.5],
// q12 [2, 2.5], q14 [3.5, 4], q15 [10.25, 10.75]; the ENTRY forwards and EXIT backwards have none (EXIT on a forward
// keeps its input: it marks the loss stage, whose backward the flag on that B frees).
const N = NaN;
const P2P_START = [N, N, 1.5, N, 6.5, 8, N, 13, N, 1, N, N, 2, N, 3.5, 10.25];
const P2P_END = [N, N, 1.75, N, 6.75, 8.25, N, 13.25, N, 1.5, N, N, 2.5, N, 4, 10.75];

function simulated(prog: Programs, c: SimCosts, label: string): SimResult {
  const r = simulatePrograms(prog, c);
  assert.ok(isSimResult(r), `${label}: ${'reason' in r ? r.reason : ''}`);
  return r;
}

test('two directions on a V (p = 2, m = 2 each): ENTRY and EXIT, by hand, on the first run and on replays', () => {
  const prog = program(V2, [RANK0, RANK1]);
  // Run 1: the event loop, which writes the plan; runs 2 and 3: replays of it.
  for (let run = 1; run <= 3; run++) {
    const r = simulated(prog, costs(), `run ${run}`);
    assert.deepEqual(Array.from(r.start), START, `run ${run}: start`);
    assert.deepEqual(Array.from(r.end), END, `run ${run}: end`);
    assert.deepEqual(Array.from(r.busy), [9, 18], `run ${run}: busy`);
    assert.deepEqual(Array.from(r.peakUnits), [3, 3], `run ${run}: peak units`);
    assert.equal(r.makespan, 18);
    assert.equal(r.bubbleFraction, 1 - 27 / 36);
    assert.deepEqual(Array.from(r.p2pStart), P2P_START, `run ${run}: p2p start`);
    assert.deepEqual(Array.from(r.p2pEnd), P2P_END, `run ${run}: p2p end`);
  }
});

test('the plan of a flagged program replays other costs exactly as a fresh event loop', () => {
  const prog = program(V2, [RANK0, RANK1]);
  simulated(prog, costs(), 'run 1');
  const other = costs();
  other.forward.set([0.7, 1.3, 0.4, 2.2]);
  other.backward.set([1.1, 0.6, 3.3, 0.9]);
  other.p2pForward[0] = 0.05;
  other.p2pBackward[0] = 1.7;
  for (let run = 2; run <= 3; run++) {
    const replayed = simulated(prog, other, `run ${run}`);
    const fresh = simulated(program(V2, [RANK0, RANK1]), other, 'fresh');
    assert.deepEqual(Array.from(replayed.start), Array.from(fresh.start), `run ${run}`);
    assert.deepEqual(Array.from(replayed.end), Array.from(fresh.end), `run ${run}`);
  }
});

test('a missing ENTRY or EXIT deadlocks, and the report names the op that waits', () => {
  // Without ENTRY, rank 1's first op (F0 on stage 2) waits for F0 on stage 1, which comes after it on the same rank.
  const noEntry = RANK1.map((op, i): Op => (i === 0 ? [op[0], op[1], op[2], 0] : op));
  const a = simulatePrograms(program(V2, [RANK0, noEntry]), costs());
  assert.ok(!isSimResult(a));
  assert.match(a.reason, /deadlocks.*stage 1 waits at F\(microbatch 0, chunk 0 model chunk 1\)/);
  // Without EXIT, B0 on stage 1 waits for stage 2's gradient: B0 on stage 2 runs later on the same rank.
  const noExit = RANK1.map((op, i): Op => (i === 2 ? [op[0], op[1], op[2], 0] : op));
  const b = simulatePrograms(program(V2, [RANK0, noExit]), costs());
  assert.ok(!isSimResult(b));
  assert.match(b.reason, /deadlocks.*stage 1 waits at B\(microbatch 0, chunk 0\b/);
});

test('ENTRY and EXIT drop the message on any placement: a 1F1B stage 1 fed by its own loader', () => {
  // p = 2, m = 1, interleaved placement: stage 1's F is ENTRY (starts at 0, no window) and its B is EXIT; stage 0's
  // B still waits for stage 1's gradient: F = 1 and 2, B = 3 and 4, p2p 0.5 both ways. Stage 1: F [0, 2], B [2, 6];
  // stage 0: F [0, 1], B waits 6 + 0.5 → [6.5, 9.5].
  const spec: ScheduleSpec = { schedule: '1f1b', stages: 2, microbatches: 1, splits: 1, virtualStages: 1 };
  const c = uniformCosts(spec, 0, 0, 0, 0.5);
  c.forward.set([1, 2]);
  c.backward.set([3, 4]);
  const prog = program(spec, [
    [
      [F, 0, 0, 0],
      [B, 0, 0, 0],
    ],
    [
      [F, 0, 0, ENTRY],
      [B, 0, 0, EXIT],
    ],
  ]);
  for (let run = 1; run <= 3; run++) {
    const r = simulated(prog, c, `run ${run}`);
    assert.deepEqual(Array.from(r.start), [0, 6.5, 0, 2], `run ${run}`);
    assert.deepEqual(Array.from(r.end), [1, 9.5, 2, 6], `run ${run}`);
    assert.deepEqual(Array.from(r.p2pStart), [N, 6, N, N], `run ${run}`);
    assert.deepEqual(Array.from(r.p2pEnd), [N, 6.5, N, N], `run ${run}`);
  }
});

test("DualPipeV's drawn gradient leaves a full backward when its W ends, as the simulated start uses", () => {
  // dualpipev.py:107 computes a full backward's input and weight gradients together and sends after (:204); the event
  // loop counts the gradient from the W's end, so the drawn window must too — else the arrival is drawn one W early.
  const spec: ScheduleSpec = { schedule: 'dualpipev', stages: 3, microbatches: 6, splits: 1, virtualStages: 2 };
  const prog = buildProgramsUnchecked(spec);
  const flags = prog.opFlags!;
  const r = simulated(prog, uniformCosts(spec, 2, 2, 2, 0.25), 'dualpipev');
  const { stageOf } = placementTables(spec);
  const p = spec.stages;
  const bAt = new Map<string, number>();
  for (let rank = 0; rank < p; rank++)
    for (let q = r.stageOffsets[rank]; q < r.stageOffsets[rank + 1]; q++)
      if (r.kind[q] === OP_B) bAt.set(`${stageOf[r.modelChunk[q] * p + rank]}/${r.microbatch[q]}`, q);
  let fromFull = 0;
  let fromPlain = 0;
  for (let rank = 0; rank < p; rank++)
    for (let q = r.stageOffsets[rank]; q < r.stageOffsets[rank + 1]; q++) {
      if (r.kind[q] !== OP_B || Number.isNaN(r.p2pStart[q])) continue;
      const sender = bAt.get(`${stageOf[r.modelChunk[q] * p + rank] + 1}/${r.microbatch[q]}`)!;
      const full = (flags[sender] & FULL_BACKWARD) !== 0;
      if (full) {
        assert.equal(r.kind[sender + 1], OP_W);
        assert.equal(r.p2pStart[q], r.end[sender + 1], `op ${q}: sent when the full backward's W ends`);
        fromFull++;
      } else {
        assert.equal(r.p2pStart[q], r.end[sender], `op ${q}: sent when the B ends`);
        fromPlain++;
      }
      assert.equal(r.p2pEnd[q], r.p2pStart[q] + 0.25);
      assert.ok(r.start[q] >= r.p2pEnd[q], `op ${q} starts after its gradient arrives`);
    }
  assert.ok(fromFull > 0 && fromPlain > 0, `${fromFull} gradients from full backwards, ${fromPlain} from split ones`);
});

test('a unit space the packed code cannot hold is refused before anything is allocated', () => {
  // packOps keeps a unit index in the 26 bits above the 5 flag and kind bits (31 in all, so the int32 stays positive).
  // HARD_MAX_OPS programs with F and B per unit stay below 2^26 units; a V with one direction's microbatches on each
  // half runs one op per unit and could reach it. p = 2, v = 2, m = 2^24: 2 · 2 · 2^24 = 2^26 units, refused (the
  // check comes before the cost tables and the event loop's scratch, 8 bytes per unit, are looked at).
  const spec: ScheduleSpec = { schedule: 'dualpipev', stages: 2, microbatches: 2 ** 24, splits: 1, virtualStages: 2 };
  const r = simulatePrograms(program(spec, [RANK0, RANK1]), costs());
  assert.ok(!isSimResult(r));
  assert.match(r.reason, /67108864 units exceed the simulator's hard limit of 67108863/);
});
