// The public measurements the cost model is calibrated on (docs/cost-model.md, /work/shared/spec/cost-model.md §2),
// as runs of our engine, and the model's error on each. Shared by costCalibration.test.ts and `npm run calibrate`.
// Nothing else may tune the constants.
import { getGpuProfile } from '../../../../src/core/hardware/gpus';
import { emptyConfig } from '../../../../src/core/megatron/resolve/context';
import { resolveModelShape } from '../../../../src/core/model/shape';
import { layerTimesMs, buildStageCosts, type CostConstants } from '../../../../src/core/schedule/costModel';
export { DEFAULT_COST_CONSTANTS } from '../../../../src/core/schedule/cost/constants';
import { DEFAULT_COST_CONSTANTS } from '../../../../src/core/schedule/cost/constants';
import { evaluateSchedule } from '../../../../src/core/schedule/engine';
import type { RunConfig, ScheduleName } from '../../../../src/core/types';

export interface Row {
  label: string;
  measured: number;
  modelled: number | null;
}
export interface FitTable {
  name: string;
  unit: string;
  rows: Row[];
}

const A100 = getGpuProfile('a100-80gb');

function config(fields: Partial<RunConfig>): RunConfig {
  return { ...emptyConfig(), ...fields };
}

// ── A. Korthikanti et al. 2022 (arXiv 2205.05198): Selene, 8 A100-80GB per node; s = 2048, V = 51200, TP 8, DP 1.
// Megatron of 2022: the local transformer layer with its unfused scale-mask-softmax (no flash attention).
const KORTHIKANTI_MODELS = [
  { name: '22B', heads: 64, h: 6144, L: 48, p: 1, gbs: 4, b: 4, v: 1, full: 1.42, selective: 1.1 },
  { name: '175B', heads: 96, h: 12288, L: 96, p: 8, gbs: 64, b: 1, v: 3, full: 18.13, selective: 13.75 },
  { name: '530B', heads: 128, h: 20480, L: 105, p: 35, gbs: 280, b: 1, v: 3, full: 49.05, selective: 37.83 },
  { name: '1T', heads: 160, h: 25600, L: 128, p: 64, gbs: 512, b: 1, v: 1, full: 94.42, selective: 71.49 },
];

function korthikantiConfig(m: (typeof KORTHIKANTI_MODELS)[number], selective: boolean): RunConfig {
  return config({
    numLayers: m.L,
    hiddenSize: m.h,
    numAttentionHeads: m.heads,
    seqLength: 2048,
    maxPositionEmbeddings: 2048,
    paddedVocabSize: 51200,
    microBatchSize: m.b,
    globalBatchSize: m.gbs,
    tensorParallel: 8,
    pipelineParallel: m.p,
    virtualStages: m.v > 1 ? m.v : null,
    dataParallel: 1,
    gpusPerNode: 8,
    precision: 'bf16',
    transformerImpl: 'local',
    useFlashAttn: false,
    sequenceParallel: selective,
    recomputeGranularity: selective ? 'selective' : 'full',
    recomputeMethod: selective ? null : 'uniform',
    recomputeNumLayers: 1,
    interleavedWarmup: 'legacy',
  });
}

function stepSeconds(c: RunConfig, schedule: ScheduleName, v: number, constants: CostConstants): number | null {
  const e = evaluateSchedule(
    c,
    { schedule, splits: 1, strategy: 'average', virtualStages: v },
    { gpu: A100, costConstants: constants },
  );
  return e.stepTimeMs == null ? null : e.stepTimeMs / 1e3;
}

/** Table 5: iteration time (s), full recompute and selective recompute + SP. */
export function korthikantiTable5(constants: CostConstants = DEFAULT_COST_CONSTANTS): FitTable {
  const rows: Row[] = [];
  for (const m of KORTHIKANTI_MODELS) {
    for (const selective of [false, true]) {
      const schedule = m.v > 1 ? '1f1b-interleaved' : '1f1b';
      rows.push({
        label: `${m.name} ${selective ? 'SP + selective' : 'full recompute'}`,
        measured: selective ? m.selective : m.full,
        modelled: stepSeconds(korthikantiConfig(m, selective), schedule, m.v, constants),
      });
    }
  }
  return { name: 'Korthikanti et al. 2022 Table 5 (iteration time)', unit: 's', rows };
}

/** Table 4: one 22B layer (b = 4, TP 8), forward and backward ms under five settings. */
export function korthikantiTable4(constants: CostConstants = DEFAULT_COST_CONSTANTS): FitTable {
  const settings = [
    { name: 'none', sp: false, rc: null, fwd: 7.7, bwd: 11.9 },
    { name: 'SP', sp: true, rc: null, fwd: 7.2, bwd: 11.8 },
    { name: 'full', sp: false, rc: 'full', fwd: 7.7, bwd: 19.5 },
    { name: 'selective', sp: false, rc: 'selective', fwd: 7.7, bwd: 13.2 },
    { name: 'selective + SP', sp: true, rc: 'selective', fwd: 7.2, bwd: 13.1 },
  ] as const;
  const rows: Row[] = [];
  for (const s of settings) {
    const c = korthikantiConfig(KORTHIKANTI_MODELS[0]!, s.sp);
    c.recomputeGranularity = s.rc;
    c.pipelineParallel = 1;
    const r = resolveModelShape(c);
    if (!r.ok) throw new Error(r.missing.join());
    const t = layerTimesMs(r.shape, A100, constants);
    rows.push({ label: `${s.name} forward`, measured: s.fwd, modelled: t.forwardMs });
    rows.push({ label: `${s.name} backward`, measured: s.bwd, modelled: t.backwardMs });
  }
  return { name: 'Korthikanti et al. 2022 Table 4 (22B layer, TP 8)', unit: 'ms', rows };
}

// ── B. Qi et al. 2024, Zero Bubble (arXiv 2401.10241): A100-80GB, 8 per node, s = 1024, TP 1, first and last
// stage one layer fewer (the account-for-embedding/loss slots give exactly that), fp16, flash attention. 1F1B-I as the
// repo runs it: one layer per model chunk (examples/pretrain_offload.sh:171, --num-layers-per-virtual-pipeline-stage 1),
// so v = layer slots per stage.
const ZB_MODELS = [
  { name: '1.5B', L: 22, heads: 24, h: 2304, p: 8, b: 6, ms: [24, 32, 64], v: 3 },
  { name: '6.2B', L: 30, heads: 32, h: 4096, p: 8, b: 3, ms: [24, 32, 64], v: 4 },
  { name: '14.6B', L: 46, heads: 40, h: 5120, p: 16, b: 1, ms: [48, 64, 128], v: 3 },
  { name: '28.3B', L: 62, heads: 48, h: 6144, p: 32, b: 1, ms: [96, 128, 256], v: 2 },
];
// Samples per GPU per second at the three m: 1F1B, 1F1B-I, ZB-1p (ZB-2p is not simulated yet).
const ZB_TABLE4: Record<string, Record<'1f1b' | '1f1b-interleaved' | 'zb-h1', number[]>> = {
  '1.5B': { '1f1b': [11.8, 12.5, 13.6], '1f1b-interleaved': [13.1, 13.4, 13.9], 'zb-h1': [12.9, 13.4, 14.2] },
  '6.2B': { '1f1b': [3.5, 3.7, 4.03], '1f1b-interleaved': [4.01, 4.08, 4.19], 'zb-h1': [3.88, 4.0, 4.2] },
  '14.6B': { '1f1b': [1.4, 1.49, 1.64], '1f1b-interleaved': [1.54, 1.59, 1.66], 'zb-h1': [1.61, 1.67, 1.76] },
  '28.3B': { '1f1b': [0.76, 0.8, 0.88], '1f1b-interleaved': [0.82, 0.85, 0.9], 'zb-h1': [0.87, 0.9, 0.96] },
};
// Table 9: profiled ms of one stage at the smallest m (T_F, T_B, T_W).
const ZB_TABLE9: Record<string, [number, number, number]> = {
  '1.5B': [18.52, 18.09, 9.34],
  '6.2B': [29.72, 29.44, 19.93],
  '14.6B': [11.35, 11.25, 8.13],
  '28.3B': [10.42, 10.21, 7.72],
};

/**
 * The paper's layout for v model chunks per rank: L + 2 slots (embedding and loss count as a layer) spread evenly
 * over the p·v virtual stages, the first and the last one layer short; as an explicit per-virtual-stage layout.
 */
function zbLayout(m: (typeof ZB_MODELS)[number], v: number): number[] {
  const per = (m.L + 2) / (m.p * v);
  return Array.from({ length: m.p * v }, (_, vs) => per - (vs === 0 || vs === m.p * v - 1 ? 1 : 0));
}

function zbConfig(m: (typeof ZB_MODELS)[number], microbatches: number, v = 1): RunConfig {
  const layout = v > 1 ? { layerSplitMethod: 'layout' as const, layersPerStage: zbLayout(m, v), virtualStages: v } : {};
  return config({
    ...layout,
    numLayers: m.L,
    hiddenSize: m.h,
    numAttentionHeads: m.heads,
    seqLength: 1024,
    maxPositionEmbeddings: 1024,
    vocabSize: 50257,
    microBatchSize: m.b,
    numMicrobatches: microbatches,
    tensorParallel: 1,
    pipelineParallel: m.p,
    dataParallel: 1,
    gpusPerNode: 8,
    precision: 'fp16',
    transformerImpl: 'local',
    useFlashAttn: true,
    accountForEmbeddingInPipelineSplit: true,
    accountForLossInPipelineSplit: true,
    interleavedWarmup: 'legacy',
    // The fork overlaps the interleaved schedule's p2p (overlap_p2p_comm on by default, arguments.py:1439), which our
    // resolver records as an interleaved minimum of PP 2.
    interleavedMinPipeline: 2,
  });
}

export type ZbSchedule = keyof (typeof ZB_TABLE4)['1.5B'];

/** Samples per GPU per second the model gives one Zero Bubble run. */
export function zbThroughput(
  m: (typeof ZB_MODELS)[number],
  schedule: ZbSchedule,
  microbatches: number,
  constants: CostConstants = DEFAULT_COST_CONSTANTS,
): number | null {
  const v = schedule === '1f1b-interleaved' ? m.v : 1;
  const step = stepSeconds(zbConfig(m, microbatches, v), schedule, v, constants);
  return step == null ? null : (microbatches * m.b) / (m.p * step);
}

export function zbTable4(constants: CostConstants = DEFAULT_COST_CONSTANTS): FitTable {
  const rows: Row[] = [];
  for (const m of ZB_MODELS) {
    for (const schedule of ['1f1b', '1f1b-interleaved', 'zb-h1'] as const) {
      m.ms.forEach((mb, i) => {
        rows.push({
          label: `${m.name} ${schedule} m=${mb}`,
          measured: ZB_TABLE4[m.name]![schedule][i]!,
          modelled: zbThroughput(m, schedule, mb, constants),
        });
      });
    }
  }
  return { name: 'Zero Bubble Table 4 (samples / GPU / s; ZB-2p not simulated)', unit: 'samples/s', rows };
}

export function zbTable9(constants: CostConstants = DEFAULT_COST_CONSTANTS): FitTable {
  const rows: Row[] = [];
  for (const m of ZB_MODELS) {
    const r = resolveModelShape(zbConfig(m, m.ms[0]!));
    if (!r.ok) throw new Error(r.missing.join());
    // A middle stage (full layers, no embedding or loss) under the zero-bubble split.
    const s = buildStageCosts(r.shape, 1, [1024], true, A100, constants, {
      tpCommOverlap: false,
      overlapGradReduce: false,
      overlapParamGather: false,
      gradBytes: 2,
      bucketElements: null,
      fp8: false,
      p2pScatterGather: true,
      p2pOverlap: false,
    });
    // The paper profiles T_F, T_B, T_W apart from T_comm: compare the ops' work, without their per-op costs and sends.
    const mid = 1;
    const work = (t: typeof s.terms.forward): number =>
      t.compute[mid]! + t.nonGemm[mid]! + t.comm[mid]! + t.recompute[mid]!;
    const [f, b, w] = ZB_TABLE9[m.name]!;
    rows.push({ label: `${m.name} T_F`, measured: f, modelled: work(s.terms.forward) });
    rows.push({ label: `${m.name} T_B`, measured: b, modelled: work(s.terms.backward) });
    rows.push({ label: `${m.name} T_W`, measured: w, modelled: work(s.terms.weight) });
  }
  return { name: 'Zero Bubble Table 9 (ms of work per op, middle stage)', unit: 'ms', rows };
}

// ── C. Megatron-LM README, H100 weak scaling (Megatron-Core r0.8.0): plausibility only (micro-batch and recompute
// not stated: b = 1, no recompute, SP where TP > 1, distributed optimizer with every overlap flag).
const H100_TABLE = [
  { name: '1.7B', heads: 16, h: 2048, L: 24, t: 1, p: 1, gpus: 48, gbs: 192, tflops: 408.8 },
  { name: '7.1B', heads: 32, h: 4096, L: 30, t: 2, p: 1, gpus: 96, gbs: 192, tflops: 465.9 },
  { name: '16B', heads: 48, h: 6144, L: 32, t: 4, p: 1, gpus: 192, gbs: 192, tflops: 489.1 },
  { name: '32B', heads: 56, h: 7168, L: 48, t: 8, p: 1, gpus: 384, gbs: 192, tflops: 459.6 },
  { name: '70B', heads: 64, h: 8192, L: 84, t: 8, p: 2, gpus: 768, gbs: 384, tflops: 419.7 },
  { name: '119B', heads: 80, h: 10240, L: 92, t: 8, p: 4, gpus: 1536, gbs: 768, tflops: 420.5 },
  { name: '177B', heads: 96, h: 12288, L: 96, t: 8, p: 6, gpus: 2304, gbs: 1152, tflops: 432.8 },
  { name: '314B', heads: 128, h: 16384, L: 96, t: 8, p: 8, gpus: 3072, gbs: 1536, tflops: 474.4 },
  { name: '462B', heads: 144, h: 18432, L: 112, t: 8, p: 16, gpus: 6144, gbs: 3072, tflops: 459.9 },
];

export function megatronH100(constants: CostConstants = DEFAULT_COST_CONSTANTS): FitTable {
  const rows: Row[] = [];
  const s = 4096;
  const V = 131072;
  for (const m of H100_TABLE) {
    const dp = m.gpus / (m.t * m.p);
    const c = config({
      numLayers: m.L,
      hiddenSize: m.h,
      numAttentionHeads: m.heads,
      seqLength: s,
      maxPositionEmbeddings: s,
      paddedVocabSize: V,
      microBatchSize: 1,
      globalBatchSize: m.gbs,
      tensorParallel: m.t,
      pipelineParallel: m.p,
      dataParallel: dp,
      gpusPerNode: 8,
      precision: 'bf16',
      sequenceParallel: m.t > 1,
      distributedOptimizer: true,
      overlapGradReduce: true,
      overlapParamGather: true,
      tpCommOverlap: m.t > 1,
    });
    const e = evaluateSchedule(
      c,
      { schedule: '1f1b', splits: 1, strategy: 'average', virtualStages: 1 },
      { gpu: getGpuProfile('h100-80gb'), costConstants: constants },
    );
    // FLOPs per step as Megatron counts them (README): 12·B·s·L·h²·[(1 + s/h) + 4 + V/(2·L·h)] for MHA, F = 4h.
    const flops = 12 * m.gbs * s * m.L * m.h * m.h * (1 + 1 + s / m.h + 4 + V / (2 * m.L * m.h));
    const modelled = e.stepTimeMs == null ? null : flops / (e.stepTimeMs / 1e3) / m.gpus / 1e12;
    rows.push({ label: m.name, measured: m.tflops, modelled });
  }
  return { name: 'Megatron-LM README H100 weak scaling (TFLOP/s per GPU; plausibility only)', unit: 'TFLOP/s', rows };
}

/** Mean and max relative error of a table, in percent (a row the model cannot simulate counts as 100 %). */
export function fitError(t: FitTable): { meanPct: number; maxPct: number } {
  const errs = t.rows.map((r) => (r.modelled == null ? 100 : (100 * Math.abs(r.modelled - r.measured)) / r.measured));
  return { meanPct: errs.reduce((a, b) => a + b, 0) / errs.length, maxPct: Math.max(...errs) };
}
