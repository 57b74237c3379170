// What the cost model must reproduce from its terms, not from special cases (issue 14 acceptance): the Zero Bubble
// ordering, Seq1F1B's gain shrinking as chunks get short, Seq1F1B-I paying more per-op cost than Seq1F1B, and a step
// time breakdown that adds up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpuProfile } from '../../../../src/core/hardware/gpus';
import { emptyConfig } from '../../../../src/core/megatron/resolve/context';
import { evaluateSchedule } from '../../../../src/core/schedule/engine';
import type { RunConfig, ScheduleEvaluation, ScheduleName } from '../../../../src/core/types';
import { zbThroughput } from './costTables';

const A100 = getGpuProfile('a100-80gb');

test('Zero Bubble ordering on throughput: 1F1B < 1F1B-I ≈ ZB-1p (Qi et al. 2024 Table 4, every model, every m)', () => {
  const models = [
    { name: '1.5B', L: 22, heads: 24, h: 2304, p: 8, b: 6, ms: [24, 32, 64], v: 3 },
    { name: '6.2B', L: 30, heads: 32, h: 4096, p: 8, b: 3, ms: [24, 32, 64], v: 4 },
    { name: '14.6B', L: 46, heads: 40, h: 5120, p: 16, b: 1, ms: [48, 64, 128], v: 3 },
    { name: '28.3B', L: 62, heads: 48, h: 6144, p: 32, b: 1, ms: [96, 128, 256], v: 2 },
  ];
  for (const m of models) {
    for (const mb of m.ms) {
      const plain = zbThroughput(m, '1f1b', mb)!;
      const interleaved = zbThroughput(m, '1f1b-interleaved', mb)!;
      const zb = zbThroughput(m, 'zb-h1', mb)!;
      assert.ok(plain < interleaved && plain < zb, `${m.name} m=${mb}: ${plain} vs ${interleaved}, ${zb}`);
      // "≈": the paper has them within 6 % of each other on every row; the model within 10 %.
      assert.ok(Math.abs(interleaved - zb) / zb < 0.1, `${m.name} m=${mb}: 1F1B-I ${interleaved} vs ZB-1p ${zb}`);
    }
  }
});

/** A 7B model, TP 2 + SP, PP 4, 8 microbatches, on one node of A100s, at sequence length s. */
function run(s: number, schedule: ScheduleName, k: number, v: number): ScheduleEvaluation {
  const c: RunConfig = {
    ...emptyConfig(),
    numLayers: 32,
    hiddenSize: 4096,
    numAttentionHeads: 32,
    seqLength: s,
    paddedVocabSize: 32000,
    microBatchSize: 1,
    numMicrobatches: 8,
    tensorParallel: 2,
    sequenceParallel: true,
    pipelineParallel: 4,
    dataParallel: 1,
    gpusPerNode: 8,
    precision: 'bf16',
  };
  const e = evaluateSchedule(c, { schedule, splits: k, strategy: 'uniform_comp', virtualStages: v }, { gpu: A100 });
  assert.ok(e.applicable, e.reason ?? '');
  return e;
}

test("Seq1F1B's gain over 1F1B shrinks as chunks get short (k = 4: 2048- → 1024- → 512-token chunks)", () => {
  const gain = (s: number): number => 1 - run(s, 'seq1f1b', 4, 1).stepTimeMs! / run(s, '1f1b', 1, 1).stepTimeMs!;
  const [g2048, g1024, g512] = [gain(8192), gain(4096), gain(2048)];
  // Expectation: a real gain with long chunks (the bubble shrinks k-fold), less with every halving, because each
  // chunk pays the same per-op and per-message cost while its work halves (MindSpeed: worth it from ~4K tokens).
  assert.ok(g2048 > 0.1, `gain at 2048-token chunks ${g2048}`);
  assert.ok(g2048 > g1024 && g1024 > g512, `${g2048} > ${g1024} > ${g512}`);
});

test('Seq1F1B-I pays more per-op overhead than Seq1F1B, and loses its lead when chunks are short', () => {
  const seq = run(8192, 'seq1f1b', 4, 1);
  const seqI = run(8192, 'seq1f1b-interleaved', 4, 2);
  // Twice the ops per rank (k·v per microbatch): about twice the fixed per-op time on the rank that sets the step.
  const ratio = seqI.stepTimeBreakdown!.overheadMs / seq.stepTimeBreakdown!.overheadMs;
  assert.ok(ratio > 1.7 && ratio < 2.6, `overhead ratio ${ratio}`);
  // With 512-token chunks the extra ops cost more than the smaller bubble saves.
  assert.ok(run(2048, 'seq1f1b-interleaved', 4, 2).stepTimeMs! > run(2048, 'seq1f1b', 4, 1).stepTimeMs!);
});

test('the step-time breakdown adds up to the step time and names the terms', () => {
  for (const [schedule, k, v] of [
    ['1f1b', 1, 1],
    ['seq1f1b', 4, 1],
    ['1f1b-interleaved', 1, 2],
    ['zb-h1', 1, 1],
  ] as const) {
    const e = run(8192, schedule, k, v);
    const b = e.stepTimeBreakdown!;
    const sum = b.computeMs + b.nonGemmMs + b.commMs + b.recomputeMs + b.overheadMs + b.idleMs + b.dpMs + b.optimizerMs;
    assert.ok(Math.abs(sum - e.stepTimeMs!) < 1e-6 * e.stepTimeMs!, `${schedule}: ${sum} vs ${e.stepTimeMs}`);
    // TP 2 with SP: GEMMs dominate, TP collectives are visible, the bubble is there, DP is 1 (nothing to reduce).
    assert.ok(b.computeMs > b.nonGemmMs && b.commMs > 0 && b.idleMs > 0 && b.optimizerMs > 0, schedule);
    assert.equal(b.dpMs, 0);
    // The p2p part is the incoming messages of that rank's ops, as the timeline's p2p windows draw them.
    const sim = e.sim!;
    let windows = 0;
    for (let q = sim.stageOffsets[b.rank]!; q < sim.stageOffsets[b.rank + 1]!; q++) {
      const moved = sim.p2pEnd[q]! - sim.p2pStart[q]!;
      if (Number.isFinite(moved)) windows += moved;
    }
    assert.ok(windows > 0 && Math.abs(b.p2pMs - windows) < 1e-9 * windows, `${schedule}: ${b.p2pMs} vs ${windows}`);
  }
});
