// The sweep replays the caching allocator (memory/fragmentation.ts) only for the candidates whose figure can matter
// (issue 13: the replay was half of a Seq1F1B file's full analysis). The replay only adds to a candidate's reserved
// memory, so a candidate over the limit without it does not fit either way; it is replayed only while it could be the
// closest miss. Checked here against the full computation: every candidate's memory recomputed with the replay, then
// the same fit for every candidate (which also keeps the pruning, which reads only fits and step times), and the
// same recommendation, reason text included ("N of M do", the pick's and the closest miss's GiB and stage).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pickRecommendation, sweepSchedules, type SweepCandidate } from '../../../../src/core/advice/recommend';
import { evaluateSchedule, type EngineOptions } from '../../../../src/core/schedule/engine';
import { chunkLengths, computeStageMemory, worstStage } from '../../../../src/core/memory/stageMemory';
import { GiB } from '../../../../src/core/memory/overheads';
import { getGpuProfile } from '../../../../src/core/hardware/gpus';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';
import type { RunConfig } from '../../../../src/core/types';
import { blankConfig, resolvedShape } from '../../../support/memoryFixtures';
import { prng } from '../../../support/scheduleCheck';
import { repoPath } from '../../../support/paths';

const CAPACITY_GIB = 80;
const engine: EngineOptions = { gpu: getGpuProfile('a100-80gb'), candidateSplits: [2, 4, 8] };

/** Every candidate's memory with the allocator replay, as if the sweep had replayed them all. */
function fullyReplayed(config: RunConfig, candidates: SweepCandidate[], warningFraction: number): SweepCandidate[] {
  const shape = resolvedShape(config);
  return candidates.map((c) => {
    const evaluation = evaluateSchedule(config, c.choice, engine);
    const memory = computeStageMemory(
      shape,
      evaluation.sim!,
      chunkLengths(config, shape.seqLength, c.choice.splits, c.choice.strategy),
      { capacityGiB: CAPACITY_GIB },
      true,
    );
    const worstReservedGiB = worstStage(memory).peakReservedBytes / GiB;
    return { ...c, memory, worstReservedGiB, fits: worstReservedGiB <= warningFraction * CAPACITY_GIB };
  });
}

const tally = { candidates: 0, notReplayed: 0, noneFits: 0, someFit: 0 };

function checkSweep(name: string, config: RunConfig, warningFraction: number): void {
  const shape = resolvedShape(config);
  const options = { engine, settings: { capacityGiB: CAPACITY_GIB }, capacityGiB: CAPACITY_GIB, warningFraction };
  const lazy = sweepSchedules(config, shape, options);
  const full = fullyReplayed(config, lazy, warningFraction);
  for (const [i, c] of lazy.entries()) {
    const f = full[i]!;
    const what = `${name} (${warningFraction}): ${c.choice.schedule} k=${c.choice.splits} ${c.choice.strategy}`;
    assert.equal(c.fits, f.fits, `${what}: fits`);
    // Skipped replays leave a lower bound; a replayed candidate is exact.
    assert.ok(c.worstReservedGiB <= f.worstReservedGiB, `${what}: a lower bound`);
    if (c.worstReservedGiB !== f.worstReservedGiB) {
      tally.notReplayed++;
      assert.ok(c.worstReservedGiB > warningFraction * CAPACITY_GIB, `${what}: skipped only over the limit`);
    }
  }
  tally.candidates += lazy.length;
  const picked = pickRecommendation(lazy, CAPACITY_GIB, warningFraction);
  assert.deepEqual(picked, pickRecommendation(full, CAPACITY_GIB, warningFraction), `${name}: the recommendation`);
  if (picked?.verdict === 'none-fits') tally.noneFits++;
  else tally.someFit++;
}

const FIXTURES = [
  'media/examples/seq1f1b-30b-64k.sh',
  'test/fixtures/launch/seq1f1b-exp.sh',
  'test/fixtures/launch/mindspeed-seq1f1b.sh',
  'test/fixtures/launch/seq1f1b-run.sh',
  'test/fixtures/dialect/seq1f1b.sh',
];

test('the sweep with replays only where they matter = every candidate replayed: Seq1F1B fixtures', () => {
  for (const file of FIXTURES) {
    const read = readLaunchConfig(readFileSync(repoPath(file), 'utf8'), file.split('/').pop());
    // From comfortable to nothing fitting, so candidates over the limit, fitting ones and closest misses all occur.
    for (const warningFraction of [0.9, 0.6, 0.45, 0.3]) checkSweep(file, read.config, warningFraction);
  }
});

test('the sweep with replays only where they matter = every candidate replayed: random dense Seq1F1B runs', () => {
  const rnd = prng(20261207);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  for (let n = 0; n < 24; n++) {
    const p = pick([2, 4, 8]);
    const m = p * pick([1, 2, 4]);
    const tp = pick([2, 4, 8]);
    const seq = pick([8192, 16384, 32768]);
    const config = blankConfig({
      numLayers: p * pick([2, 4, 6]),
      hiddenSize: pick([2048, 4096, 6144]),
      numAttentionHeads: 32,
      seqLength: seq,
      maxPositionEmbeddings: seq,
      microBatchSize: pick([1, 2]),
      globalBatchSize: m,
      tensorParallel: tp,
      pipelineParallel: p,
      contextParallel: 1,
      dataParallel: 1,
      worldSize: tp * p,
      numMicrobatches: m,
      paddedVocabSize: 51200,
      sequenceParallel: rnd() < 0.7,
      distributedOptimizer: true,
      precision: 'bf16',
      untieEmbeddingsAndOutputWeights: true,
      positionEmbeddingType: 'rope',
      useFlashAttn: true,
      hiddenDropout: pick([0, 0.1]),
      attentionDropout: 0,
      normalization: 'RMSNorm',
      virtualStages: 1,
    });
    checkSweep(`random #${n}`, config, 0.2 + 0.75 * rnd());
  }
  // The check must have met every branch: skipped replays, and both verdict families.
  assert.ok(tally.notReplayed > 0 && tally.noneFits > 0 && tally.someFit > 0, JSON.stringify(tally));
});
