// The vocabulary-layer schedules beside Vocabulary Parallelism on 1F1B (vocabParallel.test.ts):
// - V-Half with Vocabulary Parallelism, the Zero-Bubble fork's v-half-vocab branch (sail-sg/zero-bubble-pipeline-
//   parallelism 92895b9a, megatron/core/pipeline_parallel/zerobubble/): the building block stretched by 6 slots per
//   barrier (scheduler/zbv_greedy.py:34-47), no reorder (:257), the vocabulary passes at fixed points of the unit
//   timeline (scheduler/passes.py:31-97), collectives at those points (scheduler/communication.py:175-259), each rank
//   sorted by time with broadcasts moved before the computation they overlap (:331-357);
// - the interlaced pipeline, sail-sg/VocabularyParallelism 6191c3bf megatron/core/pipeline_parallel/
//   interlaced_schedule.py (warm-up ⌊3p/2⌋ − r, :108-111; the loops at :570-805; blocking collectives).
// Orders and times below are derived by hand from those lines; the dependency check re-derives what each op waits for
// from the runtime (zerobubble/runtime.py at 92895b9a) and shares no code with src/core/schedule/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  simulateVHalfVocab,
  vHalfVocabDurations,
  vHalfVocabOrder,
  type VHalfVocabDurations,
  type VHalfVocabRun,
} from '../../../../src/core/schedule/vocabVHalf';
import {
  interlacedSteps,
  simulateInterlaced,
  type InterlacedDurations,
} from '../../../../src/core/schedule/vocabInterlaced';
import {
  VOCAB_OP_B,
  VOCAB_OP_F,
  VOCAB_OP_IB,
  VOCAB_OP_IF,
  VOCAB_OP_S,
  VOCAB_OP_T,
  VOCAB_OP_W,
} from '../../../../src/core/types';
import { writeVShapeOrders } from '../../../../src/core/schedule/vShape';
import { analyze } from '../../../../src/core/analyze';
import { resolveModelShape } from '../../../../src/core/model/shape';
import { costFlagsOf, DEFAULT_COST_CONSTANTS } from '../../../../src/core/schedule/costModel';
import { getGpuProfile } from '../../../../src/core/hardware/gpus';
import { scheduleLabel } from '../../../../src/protocol/summary';
import { prng, randInt } from '../../../support/scheduleCheck';
import { repoPath } from '../../../support/paths';

const EPS = 1e-9;
const NAME = ['F', 'B', 'L', 'W', 'S', 'T', 'IF', 'IB'];

function vHalfUniform(p: number, f: number, s: number, t: number): VHalfVocabDurations {
  const vs = 2 * p;
  return {
    forwardMs: new Float64Array(vs).fill(f),
    backwardMs: new Float64Array(vs).fill(f),
    weightMs: new Float64Array(vs).fill(f),
    p2pForwardMs: 0,
    p2pBackwardMs: 0,
    sPassMs: s,
    tPassMs: t,
    inputForwardMs: 0,
    inputBackwardMs: 0,
    broadcastSMs: 0,
    reduceSMs: 0,
    reduceTMs: 0,
    broadcastLossMs: 0,
    reduceInputMs: 0,
    broadcastInputGradMs: 0,
  };
}

function mustVHalf(p: number, m: number, alg: 1 | 2, d: VHalfVocabDurations): VHalfVocabRun {
  const run = simulateVHalfVocab(p, m, alg, d);
  if (typeof run === 'string') assert.fail(`p=${p} m=${m} alg ${alg}: ${run}`);
  return run;
}

/** A rank's ops as text: F/B/W with their chunk (F1.0: chunk 1, microbatch 0), the vocabulary passes without. */
function vHalfList(run: VHalfVocabRun, r: number): string {
  const out: string[] = [];
  for (let q = run.rankStart[r]!; q < run.rankStart[r + 1]!; q++) {
    const k = run.kind[q]!;
    const chunk = k === VOCAB_OP_F || k === VOCAB_OP_B || k === VOCAB_OP_W ? `${run.chunk[q]}.` : '';
    out.push(`${NAME[k]}${chunk}${run.microbatch[q]}`);
  }
  return out.join(' ');
}

test('V-Half + VP order on p = 2, m = 2 (Algorithm 2), derived by hand from the branch', () => {
  // Pattern (zbv_greedy.py:34-47), interval 3 (even p) + 6 (vocabulary parallel): stage s puts F, f, B, b of
  // microbatch 0 at 2s, 3p − s − 2, 3p + 9 + 2s − 1, 6p + 9 − s − 2 and every 6 slots the next: stage 0 F 0,6
  // f 4,10 B 14,20 b 19,25; stage 1 F 2,8 f 3,9 B 16,22 b 18,24 (f / B run chunk 1, F / b chunk 0). W into idle slots
  // (put_w, split: B's queue first): stage 0 W1.0 at 15, W1.1 at 21, W0.0 at 22, W0.1 after b1; stage 1 W1.0 at 17,
  // W0.0 at 19, W1.1 at 23, W0.1 after b1.
  const order = vHalfVocabOrder(2, 2, 2);
  const text = (o: Int32Array): string =>
    Array.from(o, (e) => {
      const t = Math.floor(e / 2);
      return `${['F0', 'F1', 'B1', 'B0', 'W1', 'W0'][t]}.${e % 2}`;
    }).join(' ');
  assert.equal(text(order[0]!), 'F0.0 F1.0 F0.1 F1.1 B1.0 W1.0 B0.0 B1.1 W1.1 W0.0 B0.1 W0.1');
  assert.equal(text(order[1]!), 'F0.0 F1.0 F0.1 F1.1 B1.0 W1.0 B0.0 W0.0 B1.1 W1.1 B0.1 W0.1');
  // Unit timeline (add_time: F = B = W = 1000, 1 per cross-stage message): rank 0 F0.0 0, F1.0 3002 (after rank 1's
  // 1001 and 2001), F0.1 4002, F1.1 7004, B1.0 8004, W1.0 9004, B0.0 12006, B1.1 13006, …, W0.1 ends 19008; rank 1
  // F0.0 1001, F1.0 2001, F0.1 5003, F1.1 6003, B1.0 9005, W1.0 10005, B0.0 11005, W0.0 12005, B1.1 14007, ….
  // Vocabulary points (passes.py:31-66): S0 = 4002 + 1000 = 5002, S1 = 9004; T0 = S1, T1 = S1 + 4000 = 13004; p/2 + 1
  // = 2 ≥ m, so IF0, IF1 at −2, −1 (before everything); IB0, IB1 after the last op (19008, 19009). Collectives at
  // those points (+1 for the all-reduces after S and IF), sorted per rank with collectives first at one time; a
  // broadcast that a computation overlaps moves before it: on rank 0 the S0 broadcast (5002) before F0.1 (ends 5002),
  // the T0 and S1 broadcasts (9004) before B1.0 (ends 9004), the T1 one (13004) before B0.0 (ends 13006); on rank 1
  // the T1 broadcast before W0.0 (ends 13005).
  const run = mustVHalf(2, 2, 2, vHalfUniform(2, 1, 0.5, 0.5));
  assert.equal(
    vHalfList(run, 0),
    'IF0 IF1 F0.0 F1.0 F0.1 S0 F1.1 B1.0 W1.0 T0 S1 B0.0 T1 B1.1 W1.1 W0.0 B0.1 W0.1 IB0 IB1',
  );
  assert.equal(
    vHalfList(run, 1),
    'IF0 IF1 F0.0 F1.0 S0 F0.1 F1.1 T0 S1 B1.0 W1.0 B0.0 W0.0 T1 B1.1 W1.1 B0.1 W0.1 IB0 IB1',
  );
  // Every rank does 6m transformer passes and m S and T: the same busy time everywhere.
  for (let r = 0; r < 2; r++) assert.ok(Math.abs(run.busyMs[r]! - (12 + 2 * 1)) < EPS);
});

/**
 * Lower bounds every op of a V-Half + VP run must respect, from the runtime (runtime.py at 92895b9a): transformer
 * inputs over the V (F down the ranks on chunk 0 and up on chunk 1, B the other way, the loss stage's B after its own
 * F, W after its B); S(i) after the S broadcast, which carries rank 0's chunk-1 output of i (schedule_broadcast_s);
 * T(i) after every S(i) and the S all-reduce (it reads the statistics) and after the next S broadcast (it reads the
 * loss gradient, schedule_t); rank 0's loss-stage B(i) after every S(i) and the S all-reduce (Algorithm 2) or every
 * T(i) and the T all-reduce (Algorithm 1); rank 0's first-stage F(i) after every IF(i) and the input all-reduce; IB(i)
 * after rank 0's first-stage B(i) and the broadcast. Also: durations, no overlap on a rank, m of each pass.
 */
function checkVHalf(run: VHalfVocabRun, p: number, m: number, alg: 1 | 2, d: VHalfVocabDurations): string | null {
  const end = new Map<string, number>();
  const start = new Map<string, number>();
  for (let r = 0; r < p; r++) {
    let prev = 0;
    for (let q = run.rankStart[r]!; q < run.rankStart[r + 1]!; q++) {
      const k = run.kind[q]!;
      const key = `${r}:${k}:${run.chunk[q]}:${run.microbatch[q]}`;
      if (end.has(key)) return `${key} twice`;
      if (run.startMs[q]! < prev - EPS) return `${key} overlaps the op before it`;
      prev = run.endMs[q]!;
      end.set(key, run.endMs[q]!);
      start.set(key, run.startMs[q]!);
      const vs = run.chunk[q] === 0 ? r : 2 * p - 1 - r;
      const dur = [
        d.forwardMs[vs],
        d.backwardMs[vs],
        0,
        d.weightMs[vs],
        d.sPassMs,
        d.tPassMs,
        d.inputForwardMs,
        d.inputBackwardMs,
      ][k]!;
      if (Math.abs(run.endMs[q]! - run.startMs[q]! - dur) > EPS) return `${key}: duration`;
    }
    if (run.rankStart[r + 1]! - run.rankStart[r]! !== 10 * m)
      return `rank ${r}: ${run.rankStart[r + 1]! - run.rankStart[r]!} ops`;
  }
  const at = (r: number, k: number, c: number, i: number): number => {
    const e = end.get(`${r}:${k}:${c}:${i}`);
    if (e === undefined) throw new Error(`missing ${r}:${k}:${c}:${i}`);
    return e;
  };
  const all = (k: number, i: number): number => Math.max(...Array.from({ length: p }, (_, r) => at(r, k, 0, i)));
  const need = (key: string, bound: number): string | null =>
    start.get(key)! < bound - EPS ? `${key} starts at ${start.get(key)} before ${bound}` : null;
  for (let i = 0; i < m; i++) {
    const sBcast = (j: number): number => at(0, VOCAB_OP_F, 1, j) + d.broadcastSMs;
    for (let r = 0; r < p; r++) {
      const checks: [string, number][] = [
        [`${r}:${VOCAB_OP_S}:0:${i}`, sBcast(i)],
        [`${r}:${VOCAB_OP_T}:0:${i}`, Math.max(all(VOCAB_OP_S, i) + d.reduceSMs, i < m - 1 ? sBcast(i + 1) : 0)],
        [`${r}:${VOCAB_OP_IB}:0:${i}`, at(0, VOCAB_OP_B, 0, i) + d.broadcastInputGradMs],
        [`${r}:${VOCAB_OP_W}:0:${i}`, at(r, VOCAB_OP_B, 0, i)],
        [`${r}:${VOCAB_OP_W}:1:${i}`, at(r, VOCAB_OP_B, 1, i)],
      ];
      if (r > 0) checks.push([`${r}:${VOCAB_OP_F}:0:${i}`, at(r - 1, VOCAB_OP_F, 0, i) + d.p2pForwardMs]);
      if (r < p - 1) checks.push([`${r}:${VOCAB_OP_F}:1:${i}`, at(r + 1, VOCAB_OP_F, 1, i) + d.p2pForwardMs]);
      else checks.push([`${r}:${VOCAB_OP_F}:1:${i}`, at(r, VOCAB_OP_F, 0, i)]);
      if (r > 0) checks.push([`${r}:${VOCAB_OP_B}:1:${i}`, at(r - 1, VOCAB_OP_B, 1, i) + d.p2pBackwardMs]);
      if (r < p - 1) checks.push([`${r}:${VOCAB_OP_B}:0:${i}`, at(r + 1, VOCAB_OP_B, 0, i) + d.p2pBackwardMs]);
      else checks.push([`${r}:${VOCAB_OP_B}:0:${i}`, at(r, VOCAB_OP_B, 1, i)]);
      for (const [key, bound] of checks) {
        const why = need(key, bound);
        if (why) return why;
      }
    }
    const loss = alg === 2 ? all(VOCAB_OP_S, i) + d.reduceSMs : all(VOCAB_OP_T, i) + d.reduceTMs;
    const why =
      need(`0:${VOCAB_OP_B}:1:${i}`, Math.max(loss, at(0, VOCAB_OP_F, 1, i))) ??
      need(`0:${VOCAB_OP_F}:0:${i}`, all(VOCAB_OP_IF, i) + d.reduceInputMs);
    if (why) return why;
  }
  return null;
}

test('V-Half + VP: dependency check on 500+ random configurations per algorithm', () => {
  const rand = prng(18_2026);
  for (const alg of [1, 2] as const) {
    let simulated = 0;
    for (let n = 0; simulated < 500; n++) {
      const p = 2 * randInt(rand, 1, 6);
      const m = randInt(rand, 1, 24);
      const vs = 2 * p;
      const small = (x: number): number => (rand() < 0.3 ? 0 : x * rand());
      const d: VHalfVocabDurations = {
        forwardMs: Float64Array.from({ length: vs }, () => 0.2 + rand()),
        backwardMs: Float64Array.from({ length: vs }, () => 0.2 + rand()),
        weightMs: Float64Array.from({ length: vs }, () => 0.1 + rand()),
        p2pForwardMs: small(0.2),
        p2pBackwardMs: small(0.2),
        sPassMs: 0.05 + rand(),
        tPassMs: 0.05 + rand(),
        inputForwardMs: small(0.1),
        inputBackwardMs: small(0.1),
        broadcastSMs: small(0.3),
        reduceSMs: small(0.3),
        reduceTMs: alg === 1 ? small(0.3) : 0,
        broadcastLossMs: small(0.05),
        reduceInputMs: small(0.2),
        broadcastInputGradMs: small(0.2),
      };
      const run = simulateVHalfVocab(p, m, alg, d);
      if (typeof run === 'string') {
        // The branch's order breaks only for few microbatches (m ≤ max(2, p/2) under Algorithm 1, m = 1 under 2):
        // an op comes before the collective it reads, where the fork would fail too.
        assert.ok(m <= (alg === 1 ? Math.max(2, p / 2) : 1), `p=${p} m=${m} alg ${alg}: ${run}`);
        continue;
      }
      assert.equal(checkVHalf(run, p, m, alg, d), null, `alg ${alg} p=${p} m=${m} (case ${n})`);
      simulated++;
    }
  }
});

test('V-Half + VP activation memory: V-Half’s p/2 + 1 microbatches, + 1 (Algorithm 2) or + 2 (Algorithm 1), on every rank', () => {
  // The README table of sail-sg/VocabularyParallelism (6191c3bf README.md:47-56) gives 1F1B p, Vocab-1 p + 2, Vocab-2
  // p + 1 microbatches: one more per barrier a microbatch waits for. The v-half-vocab branch makes the same trade on
  // V-Half by stretching the building block by one repeat (6 slots) per barrier (zbv_greedy.py:36-39): every chunk
  // lives 6 slots longer, one more chunk of each of the two, i.e. one more microbatch per barrier, on every rank (its
  // README: "a perfect balance in both memory and computation"). Plain V-Half holds p/2 + 1 (two chunks a
  // microbatch; the paper "Pipeline Parallelism with Controllable Memory": about half of 1F1B's p).
  for (const p of [2, 4, 6, 8, 16]) {
    const m = 4 * p;
    const out = {
      stageOffsets: Int32Array.from({ length: p + 1 }, (_, r) => r * 6 * m),
      kind: new Uint8Array(6 * m * p),
      microbatch: new Int32Array(6 * m * p),
      modelChunk: new Uint16Array(6 * m * p),
    };
    writeVShapeOrders(p, m, 'half', out);
    for (let r = 0; r < p; r++) {
      let cur = 0;
      let peak = 0;
      for (let q = r * 6 * m; q < (r + 1) * 6 * m; q++) {
        cur += out.kind[q] === 0 ? 1 : out.kind[q] === 2 ? -1 : 0;
        peak = Math.max(peak, cur);
      }
      assert.equal(peak, 2 * (p / 2 + 1), `plain V-Half p=${p} rank ${r}`);
    }
    for (const alg of [1, 2] as const) {
      const run = mustVHalf(p, m, alg, vHalfUniform(p, 1, 0.25, 0.25));
      for (let r = 0; r < p; r++)
        assert.equal(run.peakChunksInFlight[r], 2 * (p / 2 + 1 + (alg === 1 ? 2 : 1)), `p=${p} alg ${alg} rank ${r}`);
    }
  }
});

test('V-Half + VP needs an even p: the branch’s order reads a collective before it is issued on an odd one', () => {
  assert.match(String(simulateVHalfVocab(3, 9, 2, vHalfUniform(3, 1, 0.25, 0.25))), /even/);
  assert.match(String(simulateVHalfVocab(8, 1 << 12, 2, vHalfUniform(8, 1, 0.25, 0.25))), /exceed/);
});

function interlacedUniform(p: number, f: number, b: number, s: number): InterlacedDurations {
  return {
    forwardMs: new Float64Array(p).fill(f),
    backwardMs: new Float64Array(p).fill(b),
    p2pForwardMs: 0,
    p2pBackwardMs: 0,
    outputStepMs: s,
    outputCommMs: 0,
    inputForwardMs: 0,
    inputBackwardMs: 0,
    reduceInputMs: 0,
    broadcastInputGradMs: 0,
  };
}

test('interlaced pipeline on p = 2, m = 4: the fork’s loops and times, derived by hand', () => {
  // Rank 0: warm-up min(⌊3p/2⌋ − 0, m) = 3, cooldown min(p, m) = 2, waiting max(0, 3 − 2 − ⌊1/2⌋) = 1, remaining 1,
  // F-B-S (0 mod 2 = p mod 2). One IF first (:570), one before each warm-up F (:579), S0 S1 (:630-637), the waiting
  // step B0 S2 (:648-666), the steady step F3 B1 S3 and its IB0 (execute_embedding_passes at 3 ≥ p + 1), the
  // cooldown B2 IB1, B3 IB2 (the fork labels them by i + waiting, :757; the popped forward is 2, 3), the last IB3.
  // Rank 1: warm-up 2, cooldown 1, waiting 1, remaining 2, B-F-S.
  const steps = (r: number): string =>
    interlacedSteps(2, r, 4)
      .filter((s) => !s.op.startsWith('send'))
      .map((s) => `${s.op}${s.mb}`)
      .join(' ');
  assert.equal(steps(0), 'IF0 IF1 F0 IF2 F1 IF3 F2 S0 S1 B0 S2 F3 B1 S3 IB0 B2 IB1 B3 IB2 IB3');
  assert.equal(steps(1), 'IF0 IF1 IF2 F0 IF3 F1 S0 B0 S1 B1 F2 S2 B2 F3 S3 IB0 B3 IB1 IB2 IB3');
  // F = 1, B = 2, S = 0.5, free communication and input layer. Rank 1's F0 1–2, F1 2–3; S0 at 3 on both (each
  // blocks until all arrive). Rank 1's B0 3.5–5.5 (it reads S0), S1 5.5; rank 0 then B0 after rank 1 sends its
  // gradient at 6 (after S1, :665 / :673), and sends F2 only now (deferred, :588-593, :652-656): rank 1's B1 6–8,
  // F2 8–9, S2 at 9. Rank 0 F3 9.5, B1 10.5 (rank 1 sent B1's gradient at 9.5), S3 12.5; rank 1 B2 9.5, F3 11.5,
  // S3 12.5, B3 13; rank 0 B2 13, B3 15. 17 = (m + p − 1)(F + B) + m·S: 1F1B's bubble (the README: bubble rate B).
  const run = simulateInterlaced(2, 4, interlacedUniform(2, 1, 2, 0.5));
  if (typeof run === 'string') assert.fail(run);
  const shown = (r: number): string => {
    const out: string[] = [];
    for (let q = run.rankStart[r]!; q < run.rankStart[r + 1]!; q++)
      if (run.kind[q] !== VOCAB_OP_IF && run.kind[q] !== VOCAB_OP_IB)
        out.push(`${NAME[run.kind[q]!]}${run.microbatch[q]}@${run.startMs[q]}`);
    return out.join(' ');
  };
  assert.equal(shown(0), 'F0@0 F1@1 F2@2 S0@3 S1@5.5 B0@6 S2@9 F3@9.5 B1@10.5 S3@12.5 B2@13 B3@15');
  assert.equal(shown(1), 'F0@1 F1@2 S0@3 B0@3.5 S1@5.5 B1@6 F2@8 S2@9 B2@9.5 F3@11.5 S3@12.5 B3@13');
  assert.equal(run.makespanMs, 17);
});

test('interlaced pipeline: 1F1B’s bubble and 1.5p microbatches on the first rank (the fork’s README table)', () => {
  // README.md:47-56 (6191c3bf): bubble rate B as 1F1B, activation memory 1.5p. With F, B, S uniform and free
  // communication every device does m(F + B + S) and the step is (m + p − 1)(F + B) + m·S, as derived above.
  for (const p of [2, 4, 6, 8, 16]) {
    for (const m of [Math.floor((3 * p) / 2) + 1, 2 * p, 4 * p]) {
      const run = simulateInterlaced(p, m, interlacedUniform(p, 1, 2, 0.25));
      if (typeof run === 'string') assert.fail(`p=${p} m=${m}: ${run}`);
      assert.equal(run.peakInFlight[0], Math.floor((3 * p) / 2), `p=${p} m=${m}`);
      for (let r = 0; r < p; r++) assert.equal(run.peakInFlight[r], Math.min(m, Math.floor((3 * p) / 2) - r));
      assert.ok(Math.abs(run.makespanMs - ((m + p - 1) * 3 + m * 0.25)) < EPS, `p=${p} m=${m}: ${run.makespanMs}`);
    }
  }
  // The fork runs ⌊3p/2⌋ + 1 input-layer forwards before anything else (:570-582): fewer microbatches are refused.
  assert.match(String(simulateInterlaced(4, 6, interlacedUniform(4, 1, 2, 0.25))), /more than ⌊3p\/2⌋ = 6/);
});

test('interlaced pipeline: every output step starts at the same time on every rank (blocking collectives)', () => {
  const rand = prng(1_5_2024);
  for (let n = 0; n < 200; n++) {
    const p = randInt(rand, 2, 10);
    const m = randInt(rand, Math.floor((3 * p) / 2) + 1, 40);
    const d: InterlacedDurations = {
      forwardMs: Float64Array.from({ length: p }, () => 0.2 + rand()),
      backwardMs: Float64Array.from({ length: p }, () => 0.2 + 2 * rand()),
      p2pForwardMs: 0.1 * rand(),
      p2pBackwardMs: 0.1 * rand(),
      outputStepMs: 0.05 + rand(),
      outputCommMs: 0.1 * rand(),
      inputForwardMs: 0.02 * rand(),
      inputBackwardMs: 0.02 * rand(),
      reduceInputMs: 0.05 * rand(),
      broadcastInputGradMs: 0.05 * rand(),
    };
    const run = simulateInterlaced(p, m, d);
    if (typeof run === 'string') assert.fail(`p=${p} m=${m}: ${run}`);
    const sStart = new Map<number, number>();
    const fEnd = new Map<string, number>();
    for (let r = 0; r < p; r++)
      for (let q = run.rankStart[r]!; q < run.rankStart[r + 1]!; q++) {
        const i = run.microbatch[q]!;
        if (run.kind[q] === VOCAB_OP_F) fEnd.set(`${r}:${i}`, run.endMs[q]!);
        if (run.kind[q] !== VOCAB_OP_S) continue;
        if (!sStart.has(i)) sStart.set(i, run.startMs[q]!);
        assert.ok(Math.abs(sStart.get(i)! - run.startMs[q]!) < EPS, `p=${p} m=${m} S${i} on rank ${r}`);
      }
    // The output step of i follows the last stage's forward of i, and takes the step and its collectives.
    for (let i = 0; i < m; i++) assert.ok(sStart.get(i)! >= fEnd.get(`${p - 1}:${i}`)! - EPS);
  }
});

// The Zero-Bubble fork's v-half-vocab branch launch (examples/pretrain_zero_bubble.sh there): PP 8 V-Half, 32 layers,
// h 4096, a 256k vocabulary, VOCAB_PARALLEL=1.
const VHALF = readFileSync(repoPath('test/fixtures/vocab/vocab-parallel-vhalf.sh'), 'utf8');
const FORK = readFileSync(repoPath('test/fixtures/vocab/vocab-parallel-fork.sh'), 'utf8');
const without = (text: string, line: string): string => {
  assert.ok(text.includes(line), line);
  return text.replace(line, '');
};

test('256k vocabulary on V-Half: the branch’s flags balance every rank’s time and memory', () => {
  const r = analyze(VHALF, { fileName: 'pretrain_zero_bubble.sh' });
  assert.equal(r.selectedSchedule, 'v-half');
  const e = r.schedules['v-half']!;
  assert.equal(e.vocabParallel?.schedule, 'v-half');
  assert.equal(e.vocabParallel.algorithm, 2);
  assert.equal(scheduleLabel(e), 'Vocabulary Parallelism (algorithm 2) on V-Half');
  // Plain V-Half puts the input and the output layer both on rank 0 (its first and last virtual stages): the output
  // layer alone is 2hV / (24h² + 4sh) = 4.46 layers of forward work (vocabParallel.test.ts derives it), so rank 0
  // does 4 + 4.5 layers' work where the others do 4.
  const plain = analyze(without(VHALF, 'VOCAB_PARALLEL=1\n'), { fileName: 'pretrain_zero_bubble.sh' });
  const p0 = plain.schedules['v-half']!;
  assert.equal(p0.vocabParallel, undefined);
  const plainBusy = Array.from(p0.sim!.busy);
  assert.ok(plainBusy[0]! / Math.max(...plainBusy.slice(1)) > 1.8, `plain rank 0 ${plainBusy[0]} vs ${plainBusy[1]}`);
  // With it, each device holds V/p of both layers: every rank does the same work (the embedding's all-reduce and p2p
  // aside) — within 1 %; peak memory within 5 % (the branch's README: "a perfect balance in both memory and
  // computation"), where plain V-Half's rank 0 holds both vocabulary layers and the logits.
  const busy = e.vocabParallel.busyMsPerStage;
  assert.ok(Math.max(...busy) / Math.min(...busy) < 1.01, `busy ${busy.join(', ')}`);
  const mem = e.peakReservedGiBPerStage!;
  assert.ok(Math.max(...mem) / Math.min(...mem) < 1.05, `memory ${mem.join(', ')}`);
  const plainMem = p0.peakReservedGiBPerStage!;
  assert.ok(plainMem[0]! > 1.5 * Math.max(...plainMem.slice(1)), `plain memory ${plainMem.join(', ')}`);
  // In flight: V-Half's p/2 + 1 = 5 microbatches, one more with one barrier.
  assert.deepEqual(e.vocabParallel.plainInFlightPerStage, Array(8).fill(5));
  assert.deepEqual(e.vocabParallel.inFlightPerStage, Array(8).fill(6));
  // Throughput: the branch's README reports 7.2 % to 143 % over the V-Half baseline.
  const gain = e.vocabParallel.plainStepTimeMs / e.stepTimeMs! - 1;
  assert.ok(gain > 0.072 && gain < 1.43, `gain ${(100 * gain).toFixed(1)} %`);
  assert.equal(e.vocabParallel.plainStepTimeMs, p0.stepTimeMs);
  assert.ok(Math.abs(e.tokensPerSecond! / p0.tokensPerSecond! - p0.stepTimeMs! / e.stepTimeMs!) < 1e-9);
  assert.match(e.reason ?? '', /V-Half with Vocabulary Parallelism \(algorithm 2, .*\) simulated on its own/);
  assert.ok(!r.diagnostics.some((d) => d.code === 'schedule-not-simulated'));
  // The same run, directly: the evaluation's figures are the simulator's.
  const shape = resolveModelShape(r.config);
  assert.ok(shape.ok);
  const d = vHalfVocabDurations(
    shape.shape,
    2,
    getGpuProfile('a100-80gb'),
    DEFAULT_COST_CONSTANTS,
    costFlagsOf(r.config),
  );
  const run = mustVHalf(8, 32, 2, d);
  assert.equal(checkVHalf(run, 8, 32, 2, d), null);
  assert.deepEqual(Array.from(run.busyMs), busy);
  // FB_SPLIT: Algorithm 1, one more microbatch in flight, never faster.
  const one = analyze(VHALF.replace('VOCAB_PARALLEL=1\n', 'VOCAB_PARALLEL=1\nFB_SPLIT=1\n'), {
    fileName: 'pretrain_zero_bubble.sh',
  }).schedules['v-half']!;
  assert.equal(one.vocabParallel?.algorithm, 1);
  assert.deepEqual(one.vocabParallel.inFlightPerStage, Array(8).fill(7));
  assert.ok(one.stepTimeMs! >= e.stepTimeMs!);
});

test('a file with Vocabulary Parallelism on 1F1B gets it on the V-Half what-if; files without the flags do not', () => {
  const r = analyze(FORK, { fileName: 'pretrain_gpt.sh' });
  const v = r.schedules['v-half']!;
  assert.equal(v.whatIf, true);
  assert.equal(v.vocabParallel?.schedule, 'v-half');
  assert.ok(v.stepTimeMs! < v.vocabParallel.plainStepTimeMs);
  assert.equal(r.schedules['1f1b']!.vocabParallel?.schedule, undefined);
  const plain = analyze(without(FORK, 'VOCAB_PARALLEL=1\n'), { fileName: 'pretrain_gpt.sh' });
  assert.equal(plain.schedules['v-half']!.vocabParallel, undefined);
});

test('--use-interlaced-schedule runs the file’s 1F1B as the interlaced pipeline: balanced, 1.5p in flight', () => {
  const text = FORK.replace('  --bf16"', '  --bf16 --use-interlaced-schedule"');
  const r = analyze(text, { fileName: 'pretrain_gpt.sh' });
  assert.equal(r.config.vocabParallelSchedule, 'interlaced');
  const e = r.schedules['1f1b']!;
  assert.equal(e.vocabParallel?.schedule, 'interlaced');
  assert.equal(scheduleLabel(e), 'Interlaced vocabulary layers on 1F1B');
  // Warm-up ⌊3p/2⌋ − r (:108-111): 12, 11, …, 5 microbatches on PP 8.
  assert.deepEqual(e.vocabParallel.inFlightPerStage, [12, 11, 10, 9, 8, 7, 6, 5]);
  const busy = e.vocabParallel.busyMsPerStage;
  assert.ok(Math.max(...busy) / Math.min(...busy) < 1.02, `busy ${busy.join(', ')}`);
  // Faster than plain 1F1B, not faster than Vocabulary Parallelism, whose all-reduces overlap computation (the
  // README's last row: interlaced "No") — the paper's comparison.
  const vp = analyze(FORK, { fileName: 'pretrain_gpt.sh' }).schedules['1f1b']!;
  assert.ok(e.stepTimeMs! < 0.75 * e.vocabParallel.plainStepTimeMs, `${e.stepTimeMs}`);
  assert.ok(e.stepTimeMs! >= vp.stepTimeMs!, `${e.stepTimeMs} vs ${vp.stepTimeMs}`);
  assert.ok(!r.diagnostics.some((d) => d.code === 'schedule-not-simulated'));
  assert.ok(!r.diagnostics.some((d) => d.code === 'vocab-stage-critical'));
  // 1.5p activations: rank 0 holds more than under Vocabulary Parallelism's p + 1.
  assert.ok(e.peakReservedGiBPerStage![0]! > vp.peakReservedGiBPerStage![0]!);
  // Fewer microbatches than the fork's warm-up reads keep plain 1F1B with the reason.
  const short = analyze(
    text.replace('GLOBAL_BATCH_SIZE=$(( PIPELINE_SIZE * 3 * MICRO_BATCH_SIZE ))', 'GLOBAL_BATCH_SIZE=8'),
    {
      fileName: 'pretrain_gpt.sh',
    },
  ).schedules['1f1b']!;
  assert.equal(short.vocabParallel, undefined);
  assert.match(
    short.reason ?? '',
    /interlaced pipeline \(--use-interlaced-schedule\) not simulated \(the interlaced pipeline needs more than/,
  );
});

test('the v-half-vocab branch’s own flags belong to the Zero-Bubble dialect (arguments.py:1249-1262 at 92895b9a)', () => {
  // --schedule-timer-start/-end are the branch's (and the VocabularyParallelism fork's), not the fork's main branch:
  // a V-Half launch that sets them is not told another code base defines them.
  const text = VHALF.replace('  --fp16"', '  --fp16 --schedule-timer-start 10 --schedule-timer-end 20"');
  const r = analyze(text, { fileName: 'pretrain_zero_bubble.sh' });
  assert.equal(r.dialect?.id, 'zero-bubble');
  assert.deepEqual(
    r.diagnostics.filter((d) => d.code === 'unknown-flag').map((d) => d.message),
    [],
  );
  assert.equal(r.schedules['v-half']!.vocabParallel?.schedule, 'v-half');
});

test('on the Zero-Bubble fork, --enable-vocab-parallel without V-Half is an error (the branch asserts it, :330-333)', () => {
  const onV = analyze(VHALF, { fileName: 'pretrain_zero_bubble.sh' });
  assert.deepEqual(
    onV.diagnostics.filter((d) => d.code === 'vocab-parallel-invalid'),
    [],
  );
  const vMin = analyze(VHALF.replace('mem-setup half', 'mem-setup min'), { fileName: 'pretrain_zero_bubble.sh' });
  const err = vMin.diagnostics.filter((d) => d.code === 'vocab-parallel-invalid');
  assert.equal(err.length, 1);
  assert.equal(err[0]!.severity, 'error');
  assert.match(err[0]!.message, /requires the V-Half schedule/);
});
