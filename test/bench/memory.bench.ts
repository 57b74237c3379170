// Memory model cost for a typical Seq1F1B config (p = 8, m = 64, k = 4): per-schedule memory on prebuilt timelines,
// and the whole attachMemory call including the recommendation sweep (which simulates the alternatives).
import type { BenchCase } from './bench';
import { attachMemory } from '../../src/core/advice/memoryAdvice';
import { resolveModelShape } from '../../src/core/model/shape';
import { computeStageMemory } from '../../src/core/memory/stageMemory';
import { buildUnitTables } from '../../src/core/memory/activations';
import { walkLiveness } from '../../src/core/memory/liveness';
import { layerLayout } from '../../src/core/model/layout';
import { sweepSchedules } from '../../src/core/advice/recommend';
import { simulateSchedule, uniformCosts } from '../../src/core/schedule/simulator';
import type { SimResult } from '../../src/core/types';
import { evaluateAllSchedules } from '../../src/core/schedule/engine';
import { partitionSequence } from '../../src/core/schedule/partition';
import { getGpuProfile } from '../../src/core/hardware/gpus';
import type { LaunchConfigRead, RunConfig } from '../../src/core/types';
import { blankConfig } from '../support/memoryFixtures';
import { readFileSync } from 'node:fs';
import { analyze } from '../../src/core/analyze';
import { repoPath } from '../support/paths';

const fields: Partial<RunConfig> = {
  numLayers: 32,
  hiddenSize: 4096,
  numAttentionHeads: 32,
  seqLength: 32768,
  maxPositionEmbeddings: 32768,
  microBatchSize: 1,
  globalBatchSize: 64,
  tensorParallel: 4,
  pipelineParallel: 8,
  contextParallel: 1,
  dataParallel: 1,
  worldSize: 32,
  numMicrobatches: 64,
  paddedVocabSize: 32768,
  pipeSpSplits: 4,
  pipeSpStrategy: 'uniform_comp',
  sequenceParallel: true,
  distributedOptimizer: true,
  precision: 'bf16',
  untieEmbeddingsAndOutputWeights: true,
  positionEmbeddingType: 'rope',
  useFlashAttn: true,
  hiddenDropout: 0,
  attentionDropout: 0,
  normalization: 'LayerNorm',
  virtualStages: 1,
  expertParallel: 1,
};

export function benches(): BenchCase[] {
  const read: LaunchConfigRead = {
    format: 'bash',
    isLaunchConfig: true,
    commandRange: null,
    config: blankConfig(fields),
    sources: {},
    flags: [],
    diagnostics: [],
  };
  const gpu = getGpuProfile('a100-80gb');
  const engine = evaluateAllSchedules(read, { gpu });
  const resolved = resolveModelShape(read.config);
  if (!resolved.ok) throw new Error(`bench config lacks ${resolved.missing.join(', ')}`);
  const { shape } = resolved;
  const sims = Object.values(engine.evaluations)
    .filter((e) => e?.applicable && e.sim)
    .map((e) => e!.sim!);
  const lengths = (k: number): number[] => (k > 1 ? partitionSequence(read.config, k, 'uniform_comp') : [32768]);
  // The liveness walk alone on a million ops (issue 16: it was 43-47 % of the slowest file).
  const million = { schedule: 'seq1f1b' as const, stages: 64, microbatches: 1024, splits: 8, virtualStages: 1 };
  const bigSim = simulateSchedule(million, uniformCosts(million, 1, 2)) as SimResult;
  const bigConfig = blankConfig({ ...fields, numLayers: 128, pipelineParallel: 64, worldSize: 256, pipeSpSplits: 8 });
  const bigShape = resolveModelShape(bigConfig);
  if (!bigShape.ok) throw new Error('bench config');
  const bigTables = buildUnitTables(
    bigShape.shape,
    layerLayout(bigShape.shape, 1),
    Array.from({ length: 8 }, () => 4096),
  );
  // The 64-stage recommendation sweep (issue 16: ≤ 150 ms), k up to 16, every applicable schedule.
  const sweepConfig = blankConfig({
    ...fields,
    numLayers: 128,
    pipelineParallel: 64,
    worldSize: 256,
    globalBatchSize: 64,
    numMicrobatches: 64,
    pipeSpSplits: null,
  });
  const sweepShape = resolveModelShape(sweepConfig);
  if (!sweepShape.ok) throw new Error('bench config');
  const sweepOptions = {
    engine: { gpu, candidateSplits: [2, 4, 8, 16] },
    settings: {},
    capacityGiB: gpu.memoryGiB,
    warningFraction: 0.9,
  };
  const demo = readFileSync(repoPath('media/examples/seq1f1b-30b-64k.sh'), 'utf8');
  let fresh = 0;
  return [
    {
      name: 'memory: liveness walk of Seq1F1B p=64 m=1024 k=8 (1,048,576 ops)',
      run: () => walkLiveness(bigSim, bigTables, new Array<number>(64).fill(0)),
      iterations: 10,
    },
    {
      name: 'memory: recommendation sweep, 64 stages, k ∈ {2, 4, 8, 16}, repeated',
      run: () => sweepSchedules(sweepConfig, sweepShape.shape, sweepOptions),
      iterations: 10,
      target: '≤ 150 ms',
    },
    {
      name: `memory: ${sims.length} schedules' stage memory (p=8, m=64, k=4)`,
      run: () => sims.map((s) => computeStageMemory(shape, s, lengths(s.spec.splits))),
      target: '< 20 ms median',
    },
    {
      // Issue 13: the allocator replay (memory/fragmentation.ts) runs for the file's Seq1F1B schedules and the sweep's
      // Seq1F1B candidates. A new overhead each time gives the allocator a new room: nothing is remembered from an
      // earlier analysis and every replay runs (the sweep memo misses too), as for a file opened for the first time.
      name: 'memory: full analysis of seq1f1b-30b-64k.sh, cold (a new room each time: every allocator replay runs)',
      run: () => analyze(demo, { fileName: 'seq1f1b-30b-64k.sh', overheadGiB: 3 + ++fresh * 1e-9 }),
    },
    {
      // A new warning fraction each time misses the sweep memo, as an edit the replays do not read (learning rate,
      // paths) would: the replays are remembered from the earlier analysis.
      name: 'memory: full analysis of seq1f1b-30b-64k.sh after an edit the allocator replays do not read',
      run: () => analyze(demo, { fileName: 'seq1f1b-30b-64k.sh', memoryWarningFraction: 0.9 + ++fresh * 1e-12 }),
    },
    {
      name: 'memory: evaluateAllSchedules + attachMemory incl. sweep (p=8, m=64, k=4)',
      run: () =>
        attachMemory(read, evaluateAllSchedules(read, { gpu }).evaluations, engine.selected, { gpu, engine: { gpu } }),
      target: '< 500 ms median',
    },
  ];
}
