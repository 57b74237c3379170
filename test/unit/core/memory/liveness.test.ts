// Liveness on the schedule engine's own timelines (real durations): the in-flight counts of seq1f1b.md §3.2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildUnitTables } from '../../../../src/core/memory/activations';
import { walkLiveness } from '../../../../src/core/memory/liveness';
import { layerLayout } from '../../../../src/core/model/layout';
import { computeStageMemory } from '../../../../src/core/memory/stageMemory';
import { evaluateSchedule } from '../../../../src/core/schedule/engine';
import { getGpuProfile } from '../../../../src/core/hardware/gpus';
import type { RunConfig, ScheduleName, SimResult } from '../../../../src/core/types';
import { blankConfig, resolvedShape } from '../../../support/memoryFixtures';

const p = 4,
  m = 8,
  S = 16384;
const fields: Partial<RunConfig> = {
  numLayers: 16,
  hiddenSize: 2048,
  numAttentionHeads: 16,
  seqLength: S,
  maxPositionEmbeddings: S,
  microBatchSize: 1,
  globalBatchSize: m,
  tensorParallel: 1,
  pipelineParallel: p,
  contextParallel: 1,
  dataParallel: 1,
  worldSize: p,
  numMicrobatches: m,
  paddedVocabSize: 32768,
  pipeSpSplits: 1,
  pipeSpStrategy: 'average',
  sequenceParallel: false,
  distributedOptimizer: false,
  precision: 'bf16',
  untieEmbeddingsAndOutputWeights: true,
  positionEmbeddingType: 'rope',
  useFlashAttn: true,
  hiddenDropout: 0,
  attentionDropout: 0,
  normalization: 'RMSNorm',
  virtualStages: 1,
};
const config = blankConfig(fields);
const shape = resolvedShape(config);
const gpu = getGpuProfile('h100-80gb');

function sim(schedule: ScheduleName, k: number, v: number): SimResult {
  const e = evaluateSchedule(config, { schedule, splits: k, strategy: 'average', virtualStages: v }, { gpu });
  assert.ok(e.applicable && e.sim, `${schedule} k=${k} v=${v}: ${e.reason}`);
  return e.sim;
}

/**
 * Both liveness counters — the memory walk (what the memory bars show) and the engine's own peak count (what the
 * schedule table shows) — each against the closed form of seq1f1b.md §3.2, not against each other.
 */
function expectUnits(s: SimResult, expected: number[]): void {
  assert.deepEqual(liveUnits(s), expected, 'memory walk');
  assert.deepEqual([...s.peakUnits], expected, 'engine peak count');
}

function liveUnits(s: SimResult): number[] {
  const k = s.spec.splits;
  const tables = buildUnitTables(
    shape,
    layerLayout(shape, s.spec.virtualStages),
    Array.from({ length: k }, () => S / k),
  );
  return walkLiveness(s, tables, new Array(p).fill(0)).map((t) => t.peakLiveUnits);
}

test('engine timelines: in-flight units per rank match seq1f1b.md §3.2 for 1F1B, Seq1F1B, and both interleaved variants', () => {
  const ranks = [...Array(p).keys()];
  expectUnits(
    sim('1f1b', 1, 1),
    ranks.map((r) => Math.min(p - r, m)),
  );
  for (const k of [2, 4])
    expectUnits(
      sim('seq1f1b', k, 1),
      ranks.map((r) => Math.min(p - r + k - 1, m * k)),
    );
  const v = 2;
  expectUnits(
    sim('1f1b-interleaved', 1, v),
    ranks.map((r) => Math.min((v - 1) * p + 2 * (p - r - 1) + 1, m * v)),
  );
  expectUnits(
    sim('seq1f1b-interleaved', 2, v),
    ranks.map((r) => Math.min((v - 1) * p + 2 * (p - r - 1) + 2, m * v * 2)),
  );
});

test('engine timelines: Seq1F1B rank-0 activations are (p+k−1)/(k·p) of 1F1B', () => {
  const oneF1B = computeStageMemory(shape, sim('1f1b', 1, 1), [S])[0].breakdownBytes.activations;
  for (const k of [2, 4]) {
    const seq = computeStageMemory(
      shape,
      sim('seq1f1b', k, 1),
      Array.from({ length: k }, () => S / k),
    )[0];
    const ratio = seq.breakdownBytes.activations / oneF1B;
    assert.ok(Math.abs(ratio - (p + k - 1) / (k * p)) < 1e-12, `k=${k}: ${ratio}`);
    assert.ok(seq.breakdownBytes.kvCache > 0);
  }
});
