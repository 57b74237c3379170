import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GpuProfile, LaunchConfigRead, RunConfig, SourceRange } from '../../../../src/core/types';
import { SCHEDULE_NAMES } from '../../../../src/core/types';
import {
  configuredSchedule,
  evaluateAllSchedules,
  evaluateSchedule,
  type EngineOptions,
} from '../../../../src/core/schedule/engine';
import { sequenceFlops } from '../../../../src/core/schedule/partition';
import { getGpuProfile } from '../../../../src/core/hardware/gpus';
import { checkTimeline } from '../../../support/scheduleCheck';
import { buildStageCosts, DEFAULT_COST_CONSTANTS } from '../../../../src/core/schedule/costModel';
import { NO_RUN_FLAGS } from '../../../../src/core/schedule/cost/afterFlush';
import { chunkPlacement } from '../../../../src/core/schedule/placement';
import { buildProgramsUnchecked, isZeroBubble } from '../../../../src/core/schedule/programs';
import { resolveModelShape, type ModelShape } from '../../../../src/core/model/shape';
import { bubbleHint } from '../../../../src/core/advice/bubbleHint';
import type { CoreDiagnostic } from '../../../../src/core/types';

const cfg = (c: Partial<RunConfig>): RunConfig => c as RunConfig;
const GPU: GpuProfile = getGpuProfile('a100-80gb');
const OPTIONS: EngineOptions = { gpu: GPU };
const PP_RANGE: SourceRange = { line: 3, column: 2, endLine: 3, endColumn: 34 };
const COMMAND: SourceRange = { line: 1, column: 0, endLine: 9, endColumn: 10 };

// The exp2.sh setup (spec §6): 7B, 16K, TP2 PP4, one node of 8 GPUs → DP1, 32 microbatches.
const EXP2: Partial<RunConfig> = {
  numLayers: 32,
  hiddenSize: 4096,
  numAttentionHeads: 32,
  seqLength: 16384,
  microBatchSize: 1,
  globalBatchSize: 32,
  tensorParallel: 2,
  pipelineParallel: 4,
  contextParallel: 1,
  dataParallel: 1,
  worldSize: 8,
  numMicrobatches: 32,
  paddedVocabSize: 50432,
  sequenceParallel: true,
  distributedOptimizer: true,
  gpusPerNode: 8,
};

function read(config: Partial<RunConfig>, withPpSource = true): LaunchConfigRead {
  return {
    format: 'bash',
    isLaunchConfig: true,
    commandRange: COMMAND,
    config: cfg(config),
    sources: withPpSource ? { pipelineParallel: { status: 'explicit', range: PP_RANGE } } : {},
    flags: [],
    diagnostics: [],
  };
}

/** The engine's evaluations plus the bubble hint advice/ derives from them, as analyze() runs them. */
function evaluateWithHint(
  file: LaunchConfigRead,
  options: EngineOptions,
): ReturnType<typeof evaluateAllSchedules> & { diagnostics: CoreDiagnostic[] } {
  const r = evaluateAllSchedules(file, options);
  const hint = bubbleHint(file, r, options);
  return { ...r, diagnostics: hint ? [hint] : [] };
}

function shapeOf(config: Partial<RunConfig>): ModelShape {
  const r = resolveModelShape(cfg(config));
  assert.ok(r.ok, JSON.stringify(r));
  return r.shape;
}

test('selected schedule follows the file: k>1 & v>1 → Seq1F1B-I, k>1 → Seq1F1B, v>1 → interleaved, else 1F1B', () => {
  assert.equal(configuredSchedule(cfg({ pipeSpSplits: 4, virtualStages: 2 })), 'seq1f1b-interleaved');
  assert.equal(configuredSchedule(cfg({ pipeSpSplits: 4 })), 'seq1f1b');
  assert.equal(configuredSchedule(cfg({ virtualStages: 2 })), '1f1b-interleaved');
  assert.equal(configuredSchedule(cfg({ pipeSpSplits: 1 })), '1f1b');
  const r = evaluateAllSchedules(read({ ...EXP2, pipeSpSplits: 4, pipeSpStrategy: 'uniform_comp' }), OPTIONS);
  assert.equal(r.selected, 'seq1f1b');
  assert.deepEqual(Object.keys(r.evaluations).sort(), [...SCHEDULE_NAMES].sort());
  assert.equal(r.partition?.strategy, 'uniform_comp');
  assert.equal(
    r.partition?.lengths.reduce((a, b) => a + b, 0),
    16384,
  );
  assert.equal(r.evaluations.seq1f1b?.whatIf, false);
  assert.equal(r.evaluations['1f1b']?.whatIf, true);
  assert.equal(r.evaluations.seq1f1b?.splitsSource, 'file');
  assert.match(r.evaluations.seq1f1b?.reason ?? '', /k=4 from --pipe-sp-splits/);
});

test('every applicable evaluation carries a valid timeline and the repo metrics (spec §4)', () => {
  const config = { ...EXP2, pipeSpSplits: 4, pipeSpStrategy: 'uniform_comp' as const };
  const r = evaluateAllSchedules(read(config), OPTIONS);
  for (const name of SCHEDULE_NAMES) {
    const e = r.evaluations[name]!;
    assert.ok(e.applicable, `${name}: ${e.reason}`);
    assert.ok(e.sim, name);
    // The timeline honours the dependencies with the real cost table.
    const mdl = shapeOf(config);
    const lengths = e.splits === 1 ? [16384] : r.partition!.lengths;
    const zb = isZeroBubble(name);
    const costs = buildStageCosts(mdl, e.virtualStages, lengths, zb, GPU, DEFAULT_COST_CONSTANTS, {
      ...NO_RUN_FLAGS,
      chunkPlacement: chunkPlacement(name),
      bidirectional: name === 'dualpipe',
    }).costs;
    assert.equal(checkTimeline(e.sim!, costs, zb, buildProgramsUnchecked(e.sim!.spec).opFlags), null, name);
    // tokens/s = GBS·S / t_iter; TFLOP/s per GPU = 3·GBS·T(S) / t_iter / world.
    const seconds = e.stepTimeMs! / 1e3;
    assert.ok(Math.abs(e.tokensPerSecond! - (32 * 16384) / seconds) < 1e-6);
    const T = sequenceFlops(
      { numLayers: 32, hiddenSize: 4096, ffnHiddenSize: 16384, numAttentionHeads: 32, paddedVocabSize: 50432 },
      16384,
    );
    assert.ok(Math.abs(e.tflopsPerGpu! - (3 * 32 * T) / seconds / 8 / 1e12) < 1e-9);
    assert.ok(e.stepTimeMs! >= e.sim!.makespan);
    assert.equal(e.bubbleFraction, e.sim!.bubbleFraction);
    // A GPU cannot beat its peak.
    assert.ok(e.tflopsPerGpu! < GPU.peakTflops16);
  }
  // Seq1F1B cuts 1F1B's bubble here (p=4, m=32: (p−1)/(m+p−1) = 8.6 % → about a quarter with k=4).
  assert.ok(r.evaluations.seq1f1b!.stepTimeMs! < r.evaluations['1f1b']!.stepTimeMs!);
  assert.ok(r.evaluations.seq1f1b!.bubbleFraction! < r.evaluations['1f1b']!.bubbleFraction!);
});

test('without --pipe-sp-splits the Seq1F1B variants use the fastest candidate k and say so', () => {
  const r = evaluateAllSchedules(read(EXP2), { gpu: GPU, candidateSplits: [2, 4] });
  assert.equal(r.selected, '1f1b');
  const e = r.evaluations.seq1f1b!;
  assert.equal(e.splitsSource, 'recommended');
  assert.ok([2, 4].includes(e.splits));
  assert.match(e.reason ?? '', /recommended/);
  const other = evaluateSchedule(
    cfg(EXP2),
    { schedule: 'seq1f1b', splits: e.splits === 2 ? 4 : 2, strategy: 'average', virtualStages: 1 },
    OPTIONS,
  );
  assert.ok(e.stepTimeMs! <= other.stepTimeMs!);
  // The file's schedule is not a what-if; a recommended k is.
  assert.equal(r.evaluations['1f1b']!.whatIf, false);
  assert.equal(e.whatIf, true);
  // Interleaved what-ifs take v = 2 when the file has none.
  assert.equal(r.evaluations['1f1b-interleaved']!.virtualStages, 2);
});

test('bubble hint on the PP flag when the configured schedule idles > 15 % and another is ≥ 5 % faster', () => {
  // p=8, m=8: 1F1B idles (p−1)/(m+p−1) ≈ 47 %.
  const config = {
    ...EXP2,
    pipelineParallel: 8,
    tensorParallel: 1,
    numMicrobatches: 8,
    globalBatchSize: 8,
    paddedVocabSize: 50304,
  };
  const r = evaluateWithHint(read(config), OPTIONS);
  const hint = r.diagnostics.find((d) => d.code === 'bubble');
  assert.ok(hint, 'expected a bubble hint');
  assert.deepEqual(hint.range, PP_RANGE);
  assert.ok(hint.severity === 'information' || hint.severity === 'hint');
  const sel = r.evaluations['1f1b']!;
  assert.match(
    hint.message,
    new RegExp(
      `^1F1B idles ${(100 * sel.bubbleFraction!).toFixed(1)} % of the step; .+ would cut the step from ${sel.stepTimeMs!.toFixed(0)} ms to \\d+ ms`,
    ),
  );
  // Falls back to the command range without a PP source.
  assert.deepEqual(evaluateWithHint(read(config, false), OPTIONS).diagnostics[0]?.range, COMMAND);
  // A high threshold silences it; so do what-if overrides (they are not the file).
  assert.equal(evaluateWithHint(read(config), { gpu: GPU, bubbleHintFraction: 0.6 }).diagnostics.length, 0);
  assert.equal(evaluateWithHint(read(config), { gpu: GPU, overrides: { microbatches: 16 } }).diagnostics.length, 0);
});

test('no bubble hint when the bubble is small', () => {
  // 1F1B with p=2, m=64: (p−1)/(m+p−1) ≈ 1.5 % plus the last stage's output layer.
  const r = evaluateWithHint(
    read({ ...EXP2, pipelineParallel: 2, worldSize: 4, numMicrobatches: 64, globalBatchSize: 64 }),
    OPTIONS,
  );
  assert.ok(r.evaluations['1f1b']!.bubbleFraction! < 0.15);
  assert.equal(r.diagnostics.length, 0);
});

test('§2.5 on a real config: the average split at m=32 makes Seq1F1B slower than 1F1B, uniform_comp recovers most of it', () => {
  const avg = evaluateWithHint(read({ ...EXP2, pipeSpSplits: 4, pipeSpStrategy: 'average' }), OPTIONS);
  const bal = evaluateAllSchedules(read({ ...EXP2, pipeSpSplits: 4, pipeSpStrategy: 'uniform_comp' }), OPTIONS);
  assert.ok(avg.evaluations.seq1f1b!.stepTimeMs! > avg.evaluations['1f1b']!.stepTimeMs!);
  assert.ok(bal.evaluations.seq1f1b!.stepTimeMs! < avg.evaluations.seq1f1b!.stepTimeMs!);
  // The file's own schedule idles > 15 % and Seq1F1B-I is faster: the hint names both.
  assert.match(avg.diagnostics[0]?.message ?? '', /^Seq1F1B k=4 idles \d+\.\d % of the step; /);
});

test('overrides: schedule, k, strategy and microbatches are what-ifs', () => {
  const r = evaluateAllSchedules(read(EXP2), {
    gpu: GPU,
    overrides: { schedule: 'seq1f1b', splits: 8, strategy: 'uniform_comp', microbatches: 64 },
  });
  assert.equal(r.selected, 'seq1f1b');
  const e = r.evaluations.seq1f1b!;
  assert.equal(e.splits, 8);
  assert.equal(e.sim!.spec.microbatches, 64);
  assert.equal(r.partition?.strategy, 'uniform_comp');
  assert.equal(r.partition?.lengths.length, 8);
  assert.equal(r.evaluations['1f1b']!.sim!.spec.microbatches, 64);
  assert.equal(r.evaluations['1f1b']!.whatIf, true);
});

test('not applicable with reasons: incomplete model, Megatron constraints, layout', () => {
  const incomplete = evaluateAllSchedules(read({ ...EXP2, hiddenSize: null, seqLength: null }), OPTIONS);
  for (const name of SCHEDULE_NAMES) {
    const e = incomplete.evaluations[name]!;
    assert.equal(e.applicable, false);
    assert.match(e.reason ?? '', /unknown hidden-size, seq-length/);
    assert.equal(e.sim, undefined);
  }
  assert.equal(incomplete.partition, null);
  const noPp = evaluateSchedule(
    cfg({ ...EXP2, pipelineParallel: null }),
    { schedule: '1f1b', splits: 1, strategy: 'average', virtualStages: 1 },
    OPTIONS,
  );
  assert.match(noPp.reason ?? '', /pipeline-model-parallel-size/);
  const noM = evaluateSchedule(
    cfg({ ...EXP2, numMicrobatches: null, globalBatchSize: null }),
    { schedule: '1f1b', splits: 1, strategy: 'average', virtualStages: 1 },
    OPTIONS,
  );
  assert.match(noM.reason ?? '', /number of microbatches/);
  // m=6 with p=4: Megatron's interleaved schedule refuses.
  const odd = evaluateAllSchedules(read({ ...EXP2, numMicrobatches: 6, globalBatchSize: 6 }), OPTIONS);
  assert.match(odd.evaluations['1f1b-interleaved']!.reason ?? '', /divisible by p/);
  // k=3 does not divide p=4 (Seq1F1B-I) nor S=16384 (average split).
  const k3 = evaluateAllSchedules(read({ ...EXP2, pipeSpSplits: 3, virtualStages: 2 }), OPTIONS);
  assert.match(k3.evaluations['seq1f1b-interleaved']!.reason ?? '', /k to divide p/);
  assert.match(k3.evaluations.seq1f1b!.reason ?? '', /average split needs k to divide the sequence length/);
  // v=3 does not divide 8 layers per stage.
  const v3 = evaluateSchedule(
    cfg(EXP2),
    { schedule: '1f1b-interleaved', splits: 1, strategy: 'average', virtualStages: 3 },
    OPTIONS,
  );
  assert.match(v3.reason ?? '', /not divisible by v=3/);
  // The op budget is an explicit, readable refusal.
  const big = evaluateSchedule(
    cfg(EXP2),
    { schedule: 'seq1f1b', splits: 8, strategy: 'average', virtualStages: 1, microbatches: 1 << 20 },
    OPTIONS,
  );
  assert.match(big.reason ?? '', /exceed the simulator's budget/);
});

test('efficiency is the GEMM ceiling: doubling it shortens the step, by less than half (other terms keep their rates)', () => {
  const choice = { schedule: '1f1b' as const, splits: 1, strategy: 'average' as const, virtualStages: 1 };
  const config = cfg({ ...EXP2, tensorParallel: 1, sequenceParallel: false });
  const base = evaluateSchedule(config, choice, { gpu: GPU, efficiency: 0.5 });
  const fast = evaluateSchedule(config, choice, { gpu: GPU, efficiency: 1 });
  // GEMMs dominate a 7B layer at 16K, but attention, memory-bound kernels, p2p and per-op costs do not scale.
  const ratio = base.sim!.makespan / fast.sim!.makespan;
  assert.ok(ratio > 1.3 && ratio < 2, `ratio ${ratio}`);
});

test('a refusal that does not depend on k is stated once, not per candidate', () => {
  const r = evaluateAllSchedules(read({ ...EXP2, pipelineParallel: 2, worldSize: 4 }), OPTIONS);
  assert.equal(
    r.evaluations['seq1f1b-interleaved']!.reason,
    "the Seq1F1B repo's interleaved schedule needs more than 2 pipeline stages (p=2)",
  );
  // k=8 with S=16383 under average: each candidate fails for its own reason, so all are listed.
  const odd = evaluateAllSchedules(read({ ...EXP2, seqLength: 16383, sequenceParallel: false }), OPTIONS);
  assert.match(odd.evaluations.seq1f1b!.reason ?? '', /^no candidate k applies \(k=2: .+; k=4: .+; k=8: .+\)$/);
});

test('microbatches derive from global batch / (micro batch · DP), DP from world / (TP·PP·CP) when unset', () => {
  const e = evaluateSchedule(
    cfg({ ...EXP2, numMicrobatches: null, dataParallel: null, worldSize: 16, globalBatchSize: 64 }),
    { schedule: '1f1b', splits: 1, strategy: 'average', virtualStages: 1 },
    OPTIONS,
  );
  // world 16 = TP2 × PP4 × DP2 → m = 64 / (1·2) = 32.
  assert.equal(e.sim?.spec.microbatches, 32);
});
