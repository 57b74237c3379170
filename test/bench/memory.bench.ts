// Memory model cost for a typical Seq1F1B config (p = 8, m = 64, k = 4): per-schedule memory on prebuilt timelines,
// and the whole attachMemory call including the recommendation sweep (which simulates the alternatives).
import type { BenchCase } from './bench';
import { attachMemory } from '../../src/core/advice/memoryAdvice';
import { resolveModelShape } from '../../src/core/model/shape';
import { computeStageMemory } from '../../src/core/memory/stageMemory';
import { evaluateAllSchedules } from '../../src/core/schedule/engine';
import { partitionSequence } from '../../src/core/schedule/partition';
import { getGpuProfile } from '../../src/core/hardware/gpus';
import type { LaunchConfigRead, RunConfig } from '../../src/core/types';
import { blankConfig } from '../support/memoryFixtures';

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
  return [
    {
      name: `memory: ${sims.length} schedules' stage memory (p=8, m=64, k=4)`,
      run: () => sims.map((s) => computeStageMemory(shape, s, lengths(s.spec.splits))),
      target: '< 20 ms median',
    },
    {
      name: 'memory: evaluateAllSchedules + attachMemory incl. sweep (p=8, m=64, k=4)',
      run: () =>
        attachMemory(read, evaluateAllSchedules(read, { gpu }).evaluations, engine.selected, { gpu, engine: { gpu } }),
      target: '< 500 ms median',
    },
  ];
}
