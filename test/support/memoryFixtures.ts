// Hand-built timelines for the memory tests, written from the op-order rules of seq1f1b.md §1.3, §1.5 and §1.7 so the
// memory model can be tested without the schedule engine. Each stage runs its ops back to back (F = 1, B = 2, W = 1);
// cross-stage waits do not matter to liveness, which depends only on each stage's own op order.
import { resolveModelShape, type ModelShape } from '../../src/core/model/shape';
import { layerLayout } from '../../src/core/model/layout';
import { buildUnitTables, type UnitTables } from '../../src/core/memory/activations';
import { allocOpArrays } from '../../src/core/schedule/programs';
import {
  OP_B,
  OP_F,
  OP_W,
  type GpuProfile,
  type RunConfig,
  type ScheduleName,
  type SimResult,
} from '../../src/core/types';

interface Op {
  kind: number;
  mb: number;
  chunk: number;
}

/** Non-interleaved 1F1B (k = 1) or Seq1F1B (k > 1); `zb` splits every backward into B and W, W lagging `r` backwards. */
export function buildSim(p: number, m: number, k: number, zb = false): SimResult {
  const programs: Op[][] = [];
  for (let r = 0; r < p; r++) {
    const n = m * k;
    const warm = Math.min(p - r - 1 + (k - 1), n);
    const fwd = (u: number): Op => ({ kind: OP_F, mb: Math.floor(u / k), chunk: u % k });
    const bwd = (t: number): Op => ({ kind: OP_B, mb: Math.floor(t / k), chunk: k - 1 - (t % k) });
    const ops: Op[] = [];
    for (let u = 0; u < warm; u++) ops.push(fwd(u));
    const withW: Op[] = [];
    let backwards = 0;
    let weights = 0;
    const pushB = (t: number): void => {
      ops.push(bwd(t));
      backwards++;
      if (zb && backwards - weights > r) {
        const b = bwd(weights++);
        ops.push({ kind: OP_W, mb: b.mb, chunk: b.chunk });
      }
    };
    for (let t = 0; t < n - warm; t++) {
      ops.push(fwd(warm + t));
      pushB(t);
    }
    for (let t = n - warm; t < n; t++) pushB(t);
    if (zb)
      while (weights < n) {
        const b = bwd(weights++);
        ops.push({ kind: OP_W, mb: b.mb, chunk: b.chunk });
      }
    withW.push(...ops);
    programs.push(withW);
  }
  return pack(programs, p, m, k, zb ? (k > 1 ? 'seq1f1b-zb' : 'zb-h1') : k > 1 ? 'seq1f1b' : '1f1b');
}

function pack(programs: Op[][], p: number, m: number, k: number, schedule: ScheduleName): SimResult {
  const opCount = programs.reduce((a, x) => a + x.length, 0);
  const sim: SimResult = {
    spec: { schedule, stages: p, microbatches: m, splits: k, virtualStages: 1 },
    ...allocOpArrays(opCount, p),
    start: new Float64Array(opCount),
    end: new Float64Array(opCount),
    p2pStart: new Float64Array(opCount).fill(NaN),
    p2pEnd: new Float64Array(opCount).fill(NaN),
    makespan: 0,
    busy: new Float64Array(p),
    bubbleFraction: 0,
    peakUnits: new Int32Array(p),
  };
  let i = 0;
  for (let r = 0; r < p; r++) {
    sim.stageOffsets[r] = i;
    let time = 0;
    let live = 0;
    for (const op of programs[r]) {
      const duration = op.kind === OP_B ? 2 : 1;
      sim.kind[i] = op.kind;
      sim.microbatch[i] = op.mb;
      sim.chunk[i] = op.chunk;
      sim.start[i] = time;
      sim.end[i] = time + duration;
      time += duration;
      if (op.kind === OP_F) live++;
      sim.peakUnits[r] = Math.max(sim.peakUnits[r], live);
      if (op.kind === (schedule.includes('zb') ? OP_W : OP_B)) live--;
      i++;
    }
    sim.busy[r] = time;
    sim.makespan = Math.max(sim.makespan, time);
  }
  sim.stageOffsets[p] = i;
  return sim;
}

/** A RunConfig with every field unknown, to be filled per test. */
export function blankConfig(fields: Partial<RunConfig>): RunConfig {
  const keys: (keyof RunConfig)[] = [
    'numLayers',
    'hiddenSize',
    'ffnHiddenSize',
    'numAttentionHeads',
    'numQueryGroups',
    'kvChannels',
    'seqLength',
    'maxPositionEmbeddings',
    'microBatchSize',
    'globalBatchSize',
    'tensorParallel',
    'pipelineParallel',
    'virtualStages',
    'contextParallel',
    'expertParallel',
    'numExperts',
    'sequenceParallel',
    'worldSize',
    'dataParallel',
    'numMicrobatches',
    'paddedVocabSize',
    'pipeSpSplits',
    'pipeSpStrategy',
    'distributedOptimizer',
    'precision',
    'swiglu',
    'recomputeGranularity',
    'gpusPerNode',
    'numNodes',
    'vocabSize',
    'tokenizerType',
    'makeVocabSizeDivisibleBy',
    'untieEmbeddingsAndOutputWeights',
    'normalization',
    'positionEmbeddingType',
    'groupQueryAttention',
    'useFlashAttn',
    'attentionBackend',
    'transformerImpl',
    'hiddenDropout',
    'attentionDropout',
    'addBiasLinear',
    'recomputeMethod',
    'recomputeNumLayers',
    'recomputeModules',
    'distributeSavedActivations',
    'expertTensorParallel',
    'moeRouterTopk',
    'moeFfnHiddenSize',
    'moeSharedExpertIntermediateSize',
    'moeLayerPattern',
    'gradReduceInBf16',
    'numDistributedOptimizerInstances',
    'numLayersPerVirtualStage',
    'decoderFirstPipelineNumLayers',
    'decoderLastPipelineNumLayers',
    'accountForEmbeddingInPipelineSplit',
    'accountForLossInPipelineSplit',
    'fp8Format',
    'trainIters',
  ];
  const config = Object.fromEntries(keys.map((key) => [key, null])) as unknown as RunConfig;
  return { ...config, ...fields };
}

/** The resolved model of a config whose required sizes are all known (fails the test otherwise). */
export function resolvedShape(config: RunConfig): ModelShape {
  const r = resolveModelShape(config);
  if (!r.ok) throw new Error(`unexpected missing model values: ${r.missing.join(', ')}`);
  return r.shape;
}

/**
 * The model shape and unit tables of a small dense run (2 layers per virtual stage, hidden 1024, 16 heads, vocabulary 32,768, bf16,
 * one microbatch of `chunkTokens · k` tokens split into k equal chunks) for p stages, v virtual stages and m
 * microbatches: what a memory walk over a simulated schedule of that shape needs.
 */
export function smallRun(
  p: number,
  v: number,
  k: number,
  m: number,
  chunkTokens: number,
): { shape: ModelShape; tables: UnitTables } {
  const config = blankConfig({
    numLayers: p * v * 2,
    hiddenSize: 1024,
    numAttentionHeads: 16,
    seqLength: chunkTokens * k,
    maxPositionEmbeddings: chunkTokens * k,
    microBatchSize: 1,
    globalBatchSize: m,
    tensorParallel: 1,
    pipelineParallel: p,
    contextParallel: 1,
    dataParallel: 1,
    worldSize: p,
    numMicrobatches: m,
    paddedVocabSize: 32768,
    pipeSpSplits: k,
    virtualStages: v,
    precision: 'bf16',
  });
  const shape = resolvedShape(config);
  return {
    shape,
    tables: buildUnitTables(
      shape,
      layerLayout(shape, v),
      Array.from({ length: k }, () => chunkTokens),
    ),
  };
}

/** A round-number GPU for tests that build cost tables by hand (no HBM bandwidth or efficiency of its own). */
export const TEST_GPU: GpuProfile = {
  id: 'test',
  name: 'Test GPU',
  memoryGiB: 80,
  peakTflops16: 100,
  peakTflops32: 10,
  intraNodeGBps: 100,
  interNodeGBps: 10,
  intraNodeLatencyUs: 5,
  interNodeLatencyUs: 20,
  source: 'test',
};

/**
 * The Seq1F1B figure's 30B run (thunlp/Seq1F1B exp.sh and run.sh): h 6144, 64 heads (d = 96), TP 8 with SP, PP 8,
 * rope, local layers with flash attention, micro-batch 1, no dropout; the fork's own layer code is the test's to add
 * (`legacyModelCode: 'seq1f1b'`).
 */
export const SEQ1F1B_30B_TP8: Partial<RunConfig> = {
  numLayers: 64,
  hiddenSize: 6144,
  numAttentionHeads: 64,
  seqLength: 32768,
  maxPositionEmbeddings: 32768,
  microBatchSize: 1,
  paddedVocabSize: 51200,
  tensorParallel: 8,
  pipelineParallel: 8,
  sequenceParallel: true,
  dataParallel: 1,
  worldSize: 64,
  useFlashAttn: true,
  transformerImpl: 'local',
  positionEmbeddingType: 'rope',
  hiddenDropout: 0,
  attentionDropout: 0,
};
