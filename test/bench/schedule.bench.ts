// Schedule engine cost: the simulator alone at a million ops, and all seven schedules of a typical Seq1F1B config
// through the real cost model (what every keystroke in the editor pays for the schedule part of the analysis).
import type { BenchCase } from './bench';
import { evaluateAllSchedules } from '../../src/core/schedule/engine';
import { simulateSchedule, uniformCosts } from '../../src/core/schedule/simulator';
import { getGpuProfile } from '../../src/core/hardware/gpus';
import type { LaunchConfigRead, RunConfig, ScheduleSpec } from '../../src/core/types';

export function benches(): BenchCase[] {
  const million: ScheduleSpec = { schedule: 'seq1f1b', stages: 64, microbatches: 1024, splits: 8, virtualStages: 1 };
  const millionCosts = uniformCosts(million, 1, 2);
  const typical = {
    numLayers: 32,
    hiddenSize: 4096,
    numAttentionHeads: 32,
    seqLength: 32768,
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
    virtualStages: 2,
    gpusPerNode: 8,
  } as Partial<RunConfig> as RunConfig;
  const read: LaunchConfigRead = {
    format: 'bash',
    isLaunchConfig: true,
    commandRange: null,
    config: typical,
    sources: {},
    flags: [],
    diagnostics: [],
  };
  const gpu = getGpuProfile('a100-80gb');
  return [
    {
      name: 'simulate Seq1F1B p=64 m=1024 k=8 (1,048,576 ops)',
      run: () => simulateSchedule(million, millionCosts),
      iterations: 15,
      target: '≪ 200 ms',
    },
    {
      name: 'evaluateAllSchedules p=8 m=64 k=4 v=2 (7 schedules)',
      run: () => evaluateAllSchedules(read, { gpu }),
      target: '< 5 ms',
    },
  ];
}
