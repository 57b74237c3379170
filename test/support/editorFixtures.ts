// Hand-built analysis results for the editor layer's pure presenters: the tests pin what users read, independent of
// the numbers the core computes.
import type { AnalysisResult } from '../../src/core/analyze';
import { getGpuProfile } from '../../src/core/hardware/gpus';
import type { FlagOccurrence, RunConfig, ScheduleEvaluation, SourceRange } from '../../src/core/types';

export const r = (line: number, column: number, endColumn: number): SourceRange => ({
  line,
  column,
  endLine: line,
  endColumn,
});

export function evaluation(over: Partial<ScheduleEvaluation> = {}): ScheduleEvaluation {
  return {
    schedule: 'seq1f1b',
    applicable: true,
    reason: null,
    splits: 4,
    virtualStages: 1,
    whatIf: false,
    splitsSource: 'file',
    stepTimeMs: 1234.5,
    bubbleFraction: 0.098,
    tokensPerSecond: 1000,
    tflopsPerGpu: 150,
    peakMemoryGiBPerStage: [61.2, 55.1, 48.3, 40.9],
    peakReservedGiBPerStage: [65, 58, 51, 44],
    oom: false,
    memoryBreakdownGiB: null,
    ...over,
  };
}

export function flag(over: Partial<FlagOccurrence> & Pick<FlagOccurrence, 'flag' | 'keys' | 'range'>): FlagOccurrence {
  return { spelling: over.flag, value: null, origins: [], doc: '', ...over };
}

/**
 * The shape of test/integration/fixtures/seq1f1b-7b-16k.sh (lines 0-based):
 *   9: PP=4           11: PP_SP=4
 *  24: --pipeline-model-parallel-size $PP      25: --pipe-sp-splits $PP_SP
 *  33: --micro-batch-size 1                    34: --global-batch-size $GBS
 */
export function result(over: Partial<AnalysisResult> = {}): AnalysisResult {
  const config = {
    numLayers: 32,
    tensorParallel: 2,
    pipelineParallel: 4,
    contextParallel: 1,
    dataParallel: 1,
    worldSize: 8,
    microBatchSize: 1,
    globalBatchSize: 32,
    numMicrobatches: 32,
    seqLength: 16384,
    pipeSpSplits: 4,
    pipeSpStrategy: 'average',
    virtualStages: 1,
  } as unknown as RunConfig;
  return {
    format: 'bash',
    isLaunchConfig: true,
    commandRange: { line: 20, column: 0, endLine: 49, endColumn: 20 },
    config,
    sources: {},
    flags: [
      flag({
        flag: '--pipeline-model-parallel-size',
        keys: ['pipelineParallel'],
        range: r(24, 4, 34),
        valueRange: r(24, 35, 38),
        value: '4',
        origins: [{ name: 'PP', range: r(9, 3, 4) }],
        doc: 'Number of pipeline stages.',
      }),
      flag({
        flag: '--pipe-sp-splits',
        keys: ['pipeSpSplits'],
        range: r(25, 4, 20),
        valueRange: r(25, 21, 27),
        value: '4',
        origins: [{ name: 'PP_SP', range: r(11, 6, 7) }],
      }),
      flag({
        flag: '--micro-batch-size',
        keys: ['microBatchSize'],
        range: r(33, 4, 22),
        valueRange: r(33, 23, 24),
        value: '1',
      }),
      flag({
        flag: '--global-batch-size',
        keys: ['globalBatchSize'],
        range: r(34, 4, 23),
        valueRange: r(34, 24, 28),
        value: '32',
        origins: [{ name: 'GBS', range: r(14, 4, 6) }],
      }),
      flag({
        flag: '--hidden-size',
        keys: ['hiddenSize'],
        range: r(28, 4, 17),
        valueRange: r(28, 18, 22),
        value: '4096',
      }),
    ],
    diagnostics: [],
    gpu: getGpuProfile('a100-80gb'),
    partition: { strategy: 'average', lengths: [4930, 4238, 3776, 3440] },
    schedules: {
      seq1f1b: evaluation(),
      '1f1b': evaluation({ schedule: '1f1b', splits: 1, whatIf: true, stepTimeMs: 1500, bubbleFraction: 0.2 }),
    },
    selectedSchedule: 'seq1f1b',
    recommendation: null,
    timingsMs: { read: 1, schedules: 1, memory: 1 },
    simulatedOps: 0,
    ...over,
  };
}
