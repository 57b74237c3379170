// The recommendation sweep's pruning (issue 16): a candidate is skipped when its step-time lower bound
// (engine.stepTimeLowerBound) is above the fastest fitting step already found. Checked against an independent
// computation: every candidate simulated with the engine and its memory attached, then the same pick.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  candidateChoices,
  pickRecommendation,
  sweepSchedules,
  type SweepCandidate,
} from '../../../../src/core/advice/recommend';
import { evaluateSchedule, stepTimeLowerBound, type EngineOptions } from '../../../../src/core/schedule/engine';
import { applyMemory, chunkLengths, computeStageMemory, worstStage } from '../../../../src/core/memory/stageMemory';
import { GiB } from '../../../../src/core/memory/overheads';
import { getGpuProfile } from '../../../../src/core/hardware/gpus';
import type { RunConfig } from '../../../../src/core/types';
import { blankConfig, resolvedShape } from '../../../support/memoryFixtures';

function configOf(p: number, m: number, layers: number, seq: number, hidden: number): RunConfig {
  return blankConfig({
    numLayers: layers,
    hiddenSize: hidden,
    numAttentionHeads: 32,
    seqLength: seq,
    maxPositionEmbeddings: seq,
    microBatchSize: 1,
    globalBatchSize: m,
    tensorParallel: 4,
    pipelineParallel: p,
    contextParallel: 1,
    dataParallel: 1,
    worldSize: 4 * p,
    numMicrobatches: m,
    paddedVocabSize: 32768,
    sequenceParallel: true,
    distributedOptimizer: true,
    precision: 'bf16',
    untieEmbeddingsAndOutputWeights: true,
    positionEmbeddingType: 'rope',
    useFlashAttn: true,
    hiddenDropout: 0,
    attentionDropout: 0,
    normalization: 'RMSNorm',
    virtualStages: 1,
  });
}

// [name, config, warning fraction, whether some candidate is long enough to be bounded (≥ 16,384 ops)]
const CASES: [string, RunConfig, number, boolean][] = [
  ['p=8 m=64 S=32k 7B-like (most fit)', configOf(8, 64, 32, 32768, 4096), 0.9, true],
  ['p=4 m=16 S=16k: every candidate short, all simulated', configOf(4, 16, 32, 16384, 4096), 0.9, false],
  ['p=16 m=32 S=64k, tight memory', configOf(16, 32, 64, 65536, 6144), 0.5, true],
];

for (const [name, config, warningFraction, long] of CASES) {
  test(`pruned sweep = full sweep's recommendation, with fewer simulations: ${name}`, () => {
    const shape = resolvedShape(config);
    const engine: EngineOptions = { gpu: getGpuProfile('a100-80gb'), candidateSplits: [2, 4, 8, 16] };
    const capacityGiB = 80;
    const options = { engine, settings: {}, capacityGiB, warningFraction };

    // Independent: every candidate, no bound, no pruning.
    const all: SweepCandidate[] = [];
    for (const choice of candidateChoices(config, shape, engine)) {
      const evaluation = evaluateSchedule(config, choice, engine);
      if (!evaluation.applicable || !evaluation.sim) continue;
      const memory = computeStageMemory(
        shape,
        evaluation.sim,
        chunkLengths(config, shape.seqLength, choice.splits, choice.strategy),
      );
      applyMemory(evaluation, memory, capacityGiB);
      const worstReservedGiB = worstStage(memory).peakReservedBytes / GiB;
      all.push({
        choice,
        evaluation,
        memory,
        worstReservedGiB,
        fits: worstReservedGiB <= warningFraction * capacityGiB,
      });
      // The bound is a bound.
      const bound = stepTimeLowerBound(config, choice, engine);
      assert.ok(bound !== null && bound <= evaluation.stepTimeMs! * (1 + 1e-12), `${JSON.stringify(choice)}`);
    }
    const pruned = sweepSchedules(config, shape, options);
    const a = pickRecommendation(all, capacityGiB, warningFraction);
    const b = pickRecommendation(pruned, capacityGiB, warningFraction);
    assert.ok(a && b);
    // The words differ by design: they count and list the schedules simulated, and pruning simulates fewer.
    const { reason: _ra, searched: _sa, ...ra } = a;
    const { reason: _rb, searched: _sb, ...rb } = b;
    assert.deepEqual(rb, ra);
    assert.ok(pruned.length <= all.length);
    if (long && all.some((c) => c.fits))
      assert.ok(pruned.length < all.length, `${pruned.length} of ${all.length} simulated`);
    else assert.equal(pruned.length, all.length, 'nothing to prune: every candidate is needed');
  });
}
