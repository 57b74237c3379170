// Vocabulary Parallelism (Yeung et al., "Balancing Pipeline Parallelism with Vocabulary Parallelism", MLSys 2025;
// sail-sg/VocabularyParallelism 6191c3bf). What is asserted and where it comes from:
// - the warm-up: vocab_parallel_schedule.py runs num_warmup_microbatches = p − rank forwards, one more before the
//   steady loop, and one more again under --disable-backward-fusion, so rank 0 holds p + 1 (Algorithm 2) or p + 2
//   (Algorithm 1) microbatches — the paper's Figure 10 caption and the README's "Comparison of Schedules" table;
// - the dependencies (the paper's §4 and the fork's lm_head_step_helper / reduce_lm_head_res_alg1/2): every device's
//   S pass of microbatch i needs the last stage's output of i (broadcast); barrier C0 follows every device's S(i); the
//   T pass of i needs C0(i) (Algorithm 1: the loss gradient broadcast after it); the last stage's backward of i needs
//   the input gradient: after C0(i) in Algorithm 2, after C1(i) (the all-reduce after every device's T(i)) in
//   Algorithm 1. The checker below re-derives them and shares no code with src/core/schedule/vocabParallel.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  simulateVocabParallel,
  vocabCriticalStage,
  vocabParallelDurations,
  vocabStepTimeMs,
  type VocabAlgorithm,
  type VocabDurations,
  type VocabRun,
} from '../../../../src/core/schedule/vocabParallel';
import { VOCAB_OP_B, VOCAB_OP_F, VOCAB_OP_L } from '../../../../src/core/types';
import { analyze } from '../../../../src/core/analyze';
import { resolveModelShape } from '../../../../src/core/model/shape';
import { costFlagsOf, DEFAULT_COST_CONSTANTS, outputLayerMs } from '../../../../src/core/schedule/costModel';
import { getGpuProfile } from '../../../../src/core/hardware/gpus';
import { prng, randInt } from '../../../support/scheduleCheck';
import { repoPath } from '../../../support/paths';

const EPS = 1e-9;

function uniform(p: number, f: number, b: number, s: number, t: number): VocabDurations {
  return {
    forwardMs: new Float64Array(p).fill(f),
    backwardMs: new Float64Array(p).fill(b),
    sPassMs: s,
    tPassMs: t,
    p2pForwardMs: 0,
    p2pBackwardMs: 0,
    broadcastMs: 0,
    c0Ms: 0,
    c1Ms: 0,
  };
}

function mustRun(p: number, m: number, alg: VocabAlgorithm, d: VocabDurations): VocabRun {
  const run = simulateVocabParallel(p, m, alg, d);
  if (typeof run === 'string') assert.fail(`p=${p} m=${m} alg ${alg}: ${run}`);
  return run;
}

function opList(run: VocabRun, r: number): string {
  const per = 3 * run.microbatches + 1;
  const out: string[] = [];
  for (let q = r * per; q < (r + 1) * per; q++)
    out.push(`${['F', 'B', 'L'][run.kind[q]!]}${run.microbatch[q]}@${run.startMs[q]}`);
  return out.join(' ');
}

/**
 * An independent check of a run: each rank holds its 1F1B transformer ops (with the vocabulary warm-up) and its m + 1
 * output steps, never two at once, with the right durations; and each op starts exactly when the later of its rank's
 * previous op and its inputs allows (so no dependency is broken and no gap is unexplained).
 */
function checkRun(run: VocabRun, d: VocabDurations): string | null {
  const { stages: p, microbatches: m, algorithm: alg } = run;
  const per = 3 * m + 1;
  const end = new Map<string, number>();
  for (let q = 0; q < p * per; q++) {
    const r = Math.floor(q / per);
    const id = `${run.kind[q]}:${r}:${run.microbatch[q]}`;
    if (end.has(id)) return `op ${id} twice`;
    end.set(id, run.endMs[q]!);
  }
  const at = (kind: number, r: number, i: number): number => {
    const e = end.get(`${kind}:${r}:${i}`);
    if (e === undefined) throw new Error(`missing op ${kind}:${r}:${i}`);
    return e;
  };
  // C0(i): every device's S(i) (in step L(i)) and the all-reduce; C1(i): every device's T(i) (in step L(i+1)).
  const c0 = (i: number): number => Math.max(...Array.from({ length: p }, (_, r) => at(VOCAB_OP_L, r, i))) + d.c0Ms;
  const c1 = (i: number): number => Math.max(...Array.from({ length: p }, (_, r) => at(VOCAB_OP_L, r, i + 1))) + d.c1Ms;
  const ready = (kind: number, r: number, i: number): number => {
    if (kind === VOCAB_OP_F) return r === 0 ? 0 : at(VOCAB_OP_F, r - 1, i) + d.p2pForwardMs;
    if (kind === VOCAB_OP_B) {
      if (r < p - 1) return at(VOCAB_OP_B, r + 1, i) + d.p2pBackwardMs;
      return alg === 2 ? c0(i) : c1(i);
    }
    const input = i < m ? at(VOCAB_OP_F, p - 1, i) : -Infinity;
    const grad = i > 0 ? c0(i - 1) : -Infinity;
    return alg === 2
      ? Math.max(i < m ? input + d.broadcastMs : -Infinity, grad)
      : Math.max(input, grad) + d.broadcastMs;
  };
  for (let r = 0; r < p; r++) {
    let prevEnd = 0;
    let f = 0;
    let b = 0;
    let l = 0;
    let inFlight = 0;
    let peak = 0;
    const warm = Math.min(m, p - r + (alg === 1 ? 2 : 1));
    for (let q = r * per; q < (r + 1) * per; q++) {
      const kind = run.kind[q]!;
      const i = run.microbatch[q]!;
      const where = `rank ${r} op ${q - r * per} (${['F', 'B', 'L'][kind]}${i})`;
      // Program order: forwards and backwards in microbatch order, the first backward after `warm` forwards, then one
      // backward before each further forward; output steps in order.
      if (kind === VOCAB_OP_F) {
        if (i !== f) return `${where}: forward out of order`;
        if (f >= warm && f - warm !== b - 1) return `${where}: forward before its backward slot`;
        f++;
        inFlight++;
      } else if (kind === VOCAB_OP_B) {
        if (i !== b) return `${where}: backward out of order`;
        if (f < Math.min(m, warm + b)) return `${where}: backward before the warm-up is done`;
        b++;
        inFlight--;
      } else {
        if (i !== l) return `${where}: output step out of order`;
        l++;
      }
      peak = Math.max(peak, inFlight);
      const dur =
        kind === VOCAB_OP_F
          ? d.forwardMs[r]!
          : kind === VOCAB_OP_B
            ? d.backwardMs[r]!
            : (i > 0 ? d.tPassMs : 0) + (i < m ? d.sPassMs : 0);
      if (Math.abs(run.endMs[q]! - run.startMs[q]! - dur) > EPS) return `${where}: duration`;
      const expected = Math.max(prevEnd, ready(kind, r, i));
      if (Math.abs(run.startMs[q]! - expected) > EPS * Math.max(1, expected))
        return `${where}: starts at ${run.startMs[q]}, its inputs allow ${expected}`;
      prevEnd = run.endMs[q]!;
    }
    if (f !== m || b !== m || l !== m + 1) return `rank ${r}: ${f} F, ${b} B, ${l} output steps`;
    if (peak !== run.peakInFlight[r]) return `rank ${r}: peak in flight ${run.peakInFlight[r]}, recount ${peak}`;
  }
  return null;
}

test('op order on p = 2, m = 2, Algorithm 2 (F = 1, B = 2, S = T = 0.5, free communication), derived by hand', () => {
  // Both ranks run min(m, p − r + 1) = 2 forwards before their first backward. Ties go backward, output step,
  // forward (the fork's steady order B, S, F). Rank 1 ends F0 at 2, so every device's L0 = S(0) starts then and
  // rank 1's F1 follows (2.5). C0(0) = 2.5. At 3.5 rank 1 could run L1 = T(0)+S(1) (needs its F1 and C0(0)) or B0
  // (needs C0(0)): B0 wins the tie, L1 follows at 5.5; rank 0 runs L1 at 3.5. C0(1) = 6.5 (rank 1's L1). Rank 0's B0
  // waits for rank 1's B0 (5.5), then L2 = T(1) at 7.5, B1 after rank 1's B1 (6.5–8.5). Rank 1 ends with L2 at 8.5.
  const d = uniform(2, 1, 2, 0.5, 0.5);
  const run = mustRun(2, 2, 2, d);
  assert.equal(opList(run, 0), 'F0@0 F1@1 L0@2 L1@3.5 B0@5.5 L2@7.5 B1@8.5');
  assert.equal(opList(run, 1), 'F0@1 L0@2 F1@2.5 B0@3.5 L1@5.5 B1@6.5 L2@8.5');
  assert.equal(run.makespanMs, 10.5);
  assert.equal(checkRun(run, d), null);
});

test('Algorithm 1 waits for C1: the last stage backward of i follows every device T(i) (hand-derived, p = 2, m = 2)', () => {
  // min(m, p − r + 2) = 2 forwards first on both ranks. L0 at 2 on both (after rank 1's F0), rank 1's F1 at 2.5,
  // L1 = T(0)+S(1) at 3.5 on both (needs rank 1's F1 and C0(0) = 2.5). Rank 1's B0 needs C1(0), i.e. every
  // device's L1 (4.5); L2 = T(1) needs C0(1) = 4.5 too: B0 wins the tie (4.5–6.5), L2 follows. Rank 1's B1 needs
  // C1(1) = every L2: rank 0 ran L2 at 4.5, rank 1 at 6.5, so B1 at 7. Rank 0's B0 and B1 follow rank 1's.
  const d = uniform(2, 1, 2, 0.5, 0.5);
  const run = mustRun(2, 2, 1, d);
  assert.equal(opList(run, 1), 'F0@1 L0@2 F1@2.5 L1@3.5 B0@4.5 L2@6.5 B1@7');
  assert.equal(opList(run, 0), 'F0@0 F1@1 L0@2 L1@3.5 L2@4.5 B0@6.5 B1@9');
  assert.equal(run.makespanMs, 11);
  assert.equal(checkRun(run, d), null);
});

test('activation memory: rank 0 holds p + 1 microbatches under Algorithm 2 and p + 2 under Algorithm 1', () => {
  // The paper's Figure 10 caption; 1F1B itself holds p. The last rank holds 2 and 3.
  for (const p of [2, 4, 8, 16]) {
    const m = 4 * p;
    for (const alg of [1, 2] as const) {
      const d = uniform(p, 1, 2, 0.25, 0.25);
      const run = mustRun(p, m, alg, d);
      assert.equal(run.peakInFlight[0], p + (alg === 1 ? 2 : 1), `p=${p} alg ${alg}`);
      assert.equal(run.peakInFlight[p - 1], alg === 1 ? 3 : 2, `p=${p} alg ${alg} last rank`);
      assert.equal(checkRun(run, d), null);
    }
  }
});

test('the bubble of 1F1B, unchanged (README "Comparison of Schedules": bubble rate B for 1F1B, Vocab-1 and Vocab-2)', () => {
  // At uniform F, B and S, T ≤ F ≤ B (the fork asserts f ≥ c and b ≥ f, vocab_parallel_schedule.py), free
  // communication: every device does m(F + B + S + T) and the pipeline idles only 1F1B's (p − 1)(F + B). Algorithm 1:
  // the last stage's final backward waits for C1 after every device's last T pass, so the step is exactly that sum.
  // Algorithm 2: that backward needs only C0, so the last T pass (on rank 0 it runs while rank 0 waits for its final
  // gradients) is off the critical path and the step is one T shorter.
  for (const [p, m] of [
    [2, 2],
    [4, 16],
    [8, 32],
    [8, 128],
    [16, 64],
  ] as const) {
    for (const [s, t] of [
      [0.05, 0.05],
      [0.5, 0.125],
      [0.2, 0.8],
    ] as const) {
      for (const alg of [1, 2] as const) {
        const run = mustRun(p, m, alg, uniform(p, 1, 2, s, t));
        const expected = (m + p - 1) * 3 + m * (s + t) - (alg === 2 ? t : 0);
        assert.ok(
          Math.abs(run.makespanMs - expected) < 1e-9,
          `p=${p} m=${m} S=${s} T=${t} alg ${alg}: ${run.makespanMs}`,
        );
      }
    }
  }
});

test('dependency checker: 600 random configurations per algorithm', () => {
  const rand = prng(18_2025);
  for (const alg of [1, 2] as const) {
    for (let n = 0; n < 600; n++) {
      const p = randInt(rand, 2, 12);
      const m = randInt(rand, 1, 40);
      const d: VocabDurations = {
        forwardMs: Float64Array.from({ length: p }, () => 0.2 + 2 * rand()),
        backwardMs: Float64Array.from({ length: p }, () => 0.2 + 4 * rand()),
        sPassMs: 0.05 + rand(),
        tPassMs: 0.05 + rand(),
        p2pForwardMs: rand() < 0.3 ? 0 : 0.2 * rand(),
        p2pBackwardMs: rand() < 0.3 ? 0 : 0.2 * rand(),
        broadcastMs: rand() < 0.3 ? 0 : 0.3 * rand(),
        c0Ms: rand() < 0.3 ? 0 : 0.3 * rand(),
        c1Ms: alg === 1 ? 0.3 * rand() : 0,
      };
      const run = mustRun(p, m, alg, d);
      assert.equal(checkRun(run, d), null, `alg ${alg} p=${p} m=${m} (case ${n})`);
    }
  }
});

test('too large or without a pipeline: a reason, not a run', () => {
  assert.match(String(simulateVocabParallel(1, 8, 2, uniform(1, 1, 2, 1, 1))), /pipeline/);
  assert.match(String(simulateVocabParallel(64, 1 << 14, 2, uniform(64, 1, 2, 1, 1))), /exceed/);
});

// The fork's own launch (pretrain_gpt.sh at 6191c3bf with 8 GPUs, VOCAB_SIZE=256k, SEQ_LENGTH=4096 as in
// artifact/quick_exp.sh): PP 8, 32 layers, h 4096, 32 heads, FFN 4h, micro-batch 1, global batch 3·PP.
const VP_256K = readFileSync(repoPath('test/fixtures/vocab/vocab-parallel-256k.sh'), 'utf8');

test('256k vocabulary: 1F1B is imbalanced as the FLOP count says; Vocabulary Parallelism balances every stage', () => {
  const result = analyze(VP_256K, { fileName: 'pretrain_gpt.sh' });
  const plain = result.schedules['1f1b'];
  assert.ok(plain?.sim && plain.stepTimeMs != null);
  const busy = Array.from(plain.sim.busy);
  // Expected imbalance, derived from FLOPs: a decoder layer does 24h² + 4sh forward FLOPs per token (QKV, projection
  // and a 4h MLP; attention scores and values at full length — causal masking halves the last term) and the output
  // layer 2hV. Here 2hV / (24h² + 4sh) = 2·256000 / (24·4096 + 4·4096) = 4.46 layers (4.82 causal), so the last
  // stage (4 layers + the output layer) is (4 + 4.46…4.82) / 4 = 2.1–2.2× any other. GEMM efficiency differs by
  // shape and the softmax is memory-bound, so 1.8–2.4 is asserted.
  const others = Math.max(...busy.slice(0, 7));
  const ratio = busy[7]! / others;
  assert.ok(ratio > 1.8 && ratio < 2.4, `last stage ${ratio.toFixed(2)}× the others`);
  assert.ok(result.diagnostics.some((d) => d.code === 'vocab-stage-critical'));

  // With Vocabulary Parallelism each device computes V/p of the output layer: (4 layers + 4.46/8 layers) of work
  // on every rank, so every rank's busy time is the same up to the embedding's all-reduce on rank 0 and the p2p
  // sends; the method's claim is a balanced pipeline — within 2 % here.
  const config = result.config;
  const shape = resolveModelShape(config);
  assert.ok(shape.ok);
  const gpu = getGpuProfile('a100-80gb');
  const flags = costFlagsOf(config);
  for (const alg of [1, 2] as const) {
    const d = vocabParallelDurations(shape.shape, alg, gpu, DEFAULT_COST_CONSTANTS, flags);
    const run = mustRun(8, 24, alg, d);
    assert.equal(checkRun(run, d), null);
    const perRank = Array.from({ length: 8 }, (_, r) => d.forwardMs[r]! + d.backwardMs[r]! + d.sPassMs + d.tPassMs);
    const spread = Math.max(...perRank) / Math.min(...perRank);
    assert.ok(spread < 1.02, `alg ${alg}: per-microbatch work spread ${spread.toFixed(3)}`);
    // The output layer's whole work is still done, once, spread over the devices.
    const out = outputLayerMs(shape.shape, gpu, DEFAULT_COST_CONSTANTS, flags);
    assert.ok(Math.abs(8 * (d.sPassMs + d.tPassMs) - (out.forwardMs + out.inputGradMs + out.weightGradMs)) < 1e-9);
    // The imbalance check that fires on plain 1F1B does not on the vocabulary-parallel run of the same file.
    const vocabPerRank = new Float64Array(8).fill(24 * (d.sPassMs + d.tPassMs));
    assert.equal(vocabCriticalStage(run.busyMs, vocabPerRank), null);
    // Activation memory: p + 1 / p + 2 microbatches on rank 0 (1F1B: p), 2 / 3 on the last (1F1B: 1).
    assert.equal(run.peakInFlight[0], 8 + (alg === 1 ? 2 : 1));
    // Faster than plain 1F1B: the paper's quick experiment measured 53.5–54.0 % MFU against 28.9 % (1.85×).
    assert.ok(run.makespanMs < 0.75 * plain.sim.makespan, `alg ${alg}: ${run.makespanMs} vs ${plain.sim.makespan}`);
  }
});

// Selection (issue 18): the fork's own launch style, with VOCAB_PARALLEL=1 as its pretrain_gpt.sh takes it. The fork
// runs forward_backward_pipelining_with_vocab_parallel for a non-interleaved pipeline with --enable-vocab-parallel
// (schedules.py:107-121 at 6191c3bf) and the two-barrier Algorithm 1 under --disable-backward-fusion
// (vocab_parallel_schedule.py:170, gpt_model.py:141-145).
const FORK = readFileSync(repoPath('test/fixtures/vocab/vocab-parallel-fork.sh'), 'utf8');
const without = (text: string, line: string): string => {
  assert.ok(text.includes(line), line);
  return text.replace(line, '');
};

test('the fork’s flags run the file’s own 1F1B with Vocabulary Parallelism: its step, bubble and throughput', () => {
  const r = analyze(FORK, { fileName: 'pretrain_gpt.sh' });
  assert.equal(r.selectedSchedule, '1f1b');
  const e = r.schedules['1f1b'];
  assert.ok(e?.vocabParallel && e.stepTimeMs != null && e.sim);
  assert.equal(e.vocabParallel.algorithm, 2);
  assert.equal(e.whatIf, false);
  // The same run simulated directly on the file's model (Algorithm 2, m = 24).
  const shape = resolveModelShape(r.config);
  assert.ok(shape.ok);
  const d = vocabParallelDurations(
    shape.shape,
    2,
    getGpuProfile('a100-80gb'),
    DEFAULT_COST_CONSTANTS,
    costFlagsOf(r.config),
  );
  const run = mustRun(8, 24, 2, d);
  assert.ok(Math.abs(e.stepTimeMs - vocabStepTimeMs(run, d.afterFlushMsPerRank)) < 1e-9);
  const busy = run.busyMs.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(e.bubbleFraction! - (1 - busy / (8 * run.makespanMs))) < 1e-12);
  assert.deepEqual(e.vocabParallel.inFlightPerStage, [9, 8, 7, 6, 5, 4, 3, 2]);
  // Plain 1F1B of the same file without the flag: what the timeline still shows, and what VP replaced.
  const plain = analyze(without(FORK, 'VOCAB_PARALLEL=1\n'), { fileName: 'pretrain_gpt.sh' });
  const p1 = plain.schedules['1f1b']!;
  assert.equal(plain.config.vocabParallelSchedule, null);
  assert.equal(p1.vocabParallel, undefined);
  assert.equal(e.vocabParallel.plainStepTimeMs, p1.stepTimeMs);
  assert.equal(e.sim.makespan, p1.sim!.makespan);
  // The same tokens in less time (the paper's quick experiment: 53.5 % MFU against 28.9 %, 1.85×).
  assert.ok(e.stepTimeMs < 0.75 * p1.stepTimeMs!, `${e.stepTimeMs} vs ${p1.stepTimeMs}`);
  assert.ok(Math.abs(e.tokensPerSecond! / p1.tokensPerSecond! - p1.stepTimeMs! / e.stepTimeMs) < 1e-9);
  assert.equal(e.stepTimeBreakdown, undefined);
  assert.match(e.reason ?? '', /Vocabulary Parallelism \(Algorithm 2\) simulated on its own/);
  // The imbalance diagnostic fires on the plain run of the same file, never on the vocabulary-parallel one.
  assert.ok(plain.diagnostics.some((x) => x.code === 'vocab-stage-critical'));
  assert.ok(!r.diagnostics.some((x) => x.code === 'vocab-stage-critical'));
  // The editor's first analysis (scope 'edit') shows the same figure.
  assert.equal(
    analyze(FORK, { fileName: 'pretrain_gpt.sh', scope: 'edit' }).schedules['1f1b']!.stepTimeMs,
    e.stepTimeMs,
  );
});

test('FB_SPLIT (--disable-backward-fusion) runs Algorithm 1: p + 2 microbatches on rank 0', () => {
  const r = analyze(FORK.replace('VOCAB_PARALLEL=1\n', 'VOCAB_PARALLEL=1\nFB_SPLIT=1\n'), {
    fileName: 'pretrain_gpt.sh',
  });
  const e = r.schedules['1f1b']!;
  assert.equal(e.vocabParallel?.algorithm, 1);
  assert.deepEqual(e.vocabParallel.inFlightPerStage, [10, 9, 8, 7, 6, 5, 4, 3]);
  // Two barriers instead of one: never faster than Algorithm 2 on the same file.
  const two = analyze(FORK, { fileName: 'pretrain_gpt.sh' }).schedules['1f1b']!;
  assert.ok(e.stepTimeMs! >= two.stepTimeMs!);
});

// The interlaced baseline (--use-interlaced-schedule) is simulated in vocabInterlaced.ts: vocabSchedules.test.ts.

test('a run too long for the vocabulary-parallel simulator keeps plain 1F1B’s figures and says why', () => {
  // 4,096 microbatches on PP 8: 8·(3·4096 + 1) = 98,312 ops, each scanning 8 ranks — 786,496 steps, over the 2^19
  // the analysis allows this event loop.
  const text = FORK.replace('GLOBAL_BATCH_SIZE=$(( PIPELINE_SIZE * 3 * MICRO_BATCH_SIZE ))', 'GLOBAL_BATCH_SIZE=4096');
  const r = analyze(text, { fileName: 'pretrain_gpt.sh' });
  const e = r.schedules['1f1b']!;
  assert.equal(r.config.vocabParallelSchedule, 'vocab-2');
  assert.equal(e.vocabParallel, undefined);
  assert.match(
    e.reason ?? '',
    /Vocabulary Parallelism not simulated \(98,312 ops on 8 ranks are more than its simulator takes\)/,
  );
});
