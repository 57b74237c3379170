// Issues 15/16: what one analysis shares between its evaluations (schedule/analysisMemo.ts, the cost tables keyed by
// the shared shape in costModel.ts) must change no figure. Each check compares the shared path with a fresh one that
// shares nothing: a memo or cache that keyed on too little (a field of the constants, the GPU, the chunk lengths)
// hands one evaluation another's tables and fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LaunchConfigRead, RunConfig, ScheduleEvaluation } from '../../../../src/core/types';
import { evaluateAllSchedules, type EngineOptions } from '../../../../src/core/schedule/engine';
import { memoShape, newAnalysisMemo } from '../../../../src/core/schedule/analysisMemo';
import { buildStageCosts, costFlagsOf, DEFAULT_COST_CONSTANTS } from '../../../../src/core/schedule/costModel';
import { getGpuProfile } from '../../../../src/core/hardware/gpus';
import { resolveModelShape, type ModelShape } from '../../../../src/core/model/shape';
import { analyze } from '../../../../src/core/analyze';

const A100 = getGpuProfile('a100-80gb');
const H100 = getGpuProfile('h100-80gb');

// A 24-layer GPT on PP 4 with 32 microbatches: every schedule, the Seq1F1B k candidates and the sweep apply.
const CONFIG = {
  numLayers: 24,
  hiddenSize: 2048,
  numAttentionHeads: 16,
  seqLength: 4096,
  microBatchSize: 1,
  globalBatchSize: 64,
  tensorParallel: 2,
  pipelineParallel: 4,
  contextParallel: 1,
  dataParallel: 2,
  worldSize: 16,
  numMicrobatches: 32,
  paddedVocabSize: 50432,
  gpusPerNode: 8,
} as RunConfig;

const read = (config: RunConfig): LaunchConfigRead => ({
  format: 'bash',
  isLaunchConfig: true,
  commandRange: { line: 0, column: 0, endLine: 0, endColumn: 1 },
  config,
  sources: {},
  flags: [],
  diagnostics: [],
});

/** An evaluation's figures without its timeline object (the typed arrays are compared by the figures they give). */
const figures = (e: ScheduleEvaluation | undefined) => {
  if (!e) return null;
  const { sim, ...rest } = e;
  return { ...rest, ops: sim?.opCount ?? null, makespan: sim?.makespan ?? null };
};

test('memoShape resolves a configuration once per memo, and the shape equals a fresh resolution', () => {
  const memo = newAnalysisMemo();
  const first = memoShape(CONFIG, memo);
  assert.equal(memoShape(CONFIG, memo), first, 'a second evaluation of one analysis gets the same shape object');
  assert.notEqual(memoShape(CONFIG, undefined), first, 'without a memo every call resolves afresh');
  assert.notEqual(memoShape(CONFIG, newAnalysisMemo()), first, 'another analysis does not share it');
  assert.deepEqual(first, resolveModelShape(CONFIG));
  // Another configuration object (a what-if's copy) is its own entry.
  const copy = { ...CONFIG, pipelineParallel: 2 };
  const other = memoShape(copy, memo);
  assert.ok(other.ok && first.ok && other.shape.pp === 2 && first.shape.pp === 4);
});

test('every schedule of an analysis gives the same figures with the shared memo as without', () => {
  const base: EngineOptions = { gpu: A100 };
  const fresh = evaluateAllSchedules(read(CONFIG), base);
  const shared = evaluateAllSchedules(read(CONFIG), { ...base, memo: newAnalysisMemo() });
  assert.ok(Object.values(fresh.evaluations).filter((e) => e?.applicable).length >= 8, 'most schedules simulate');
  for (const name of Object.keys(fresh.evaluations) as (keyof typeof fresh.evaluations)[])
    assert.deepEqual(figures(shared.evaluations[name]), figures(fresh.evaluations[name]), name);
});

test('cost tables are shared for equal inputs and rebuilt when any input differs', () => {
  const resolved = resolveModelShape(CONFIG);
  assert.ok(resolved.ok);
  const shape: ModelShape = resolved.shape;
  const flags = costFlagsOf(CONFIG);
  const c = { ...DEFAULT_COST_CONSTANTS };
  const once = buildStageCosts(shape, 1, [4096], false, A100, c, flags);
  assert.equal(buildStageCosts(shape, 1, [4096], false, A100, { ...c }, { ...flags }), once, 'equal inputs: shared');
  // Each input that changes the tables, against tables built on a fresh shape object (no cache shared).
  const freshShape = (): ModelShape => (resolveModelShape(CONFIG) as { shape: ModelShape }).shape;
  const cases: [string, Parameters<typeof buildStageCosts>][] = [
    ['chunk lengths', [shape, 1, [2048, 2048], false, A100, c, flags]],
    ['backward split', [shape, 1, [4096], true, A100, c, flags]],
    ['virtual stages', [shape, 2, [4096], false, A100, c, flags]],
    ['GPU', [shape, 1, [4096], false, H100, c, flags]],
    ['a constant', [shape, 1, [4096], false, A100, { ...c, opOverheadMs: c.opOverheadMs + 0.5 }, flags]],
    ['a run flag', [shape, 1, [4096], false, A100, c, { ...flags, gradBytes: 2 }]],
  ];
  for (const [what, args] of cases) {
    const cached = buildStageCosts(...args);
    assert.notEqual(cached, once, `${what}: its own tables`);
    const [, ...rest] = args;
    const rebuilt = buildStageCosts(freshShape(), ...rest);
    assert.deepEqual(cached.costs, rebuilt.costs, `${what}: the tables a fresh build gives`);
    assert.deepEqual(cached.afterFlushMsPerRank, rebuilt.afterFlushMsPerRank, `${what}: after the flush`);
  }
  // The constants are copied into the cache's key: changing the caller's object afterwards is a new key.
  const mutable = { ...c };
  const before = buildStageCosts(shape, 1, [4096], false, A100, mutable, flags);
  mutable.efficiency = 0.3;
  const after = buildStageCosts(shape, 1, [4096], false, A100, mutable, flags);
  assert.notEqual(after, before);
  assert.ok(after.costs.forward[0]! > before.costs.forward[0]!, 'a lower GEMM efficiency is slower');
});

test('a whole analysis is the same when run twice, and memory walks leave no state behind', () => {
  // The shared walk scratch (liveness.ts) and the per-shape tables must not leak between analyses: the second run of
  // the same text, after a different file was analysed in between, gives the very same result.
  const text = [
    'torchrun --nproc_per_node 8 --nnodes 2 pretrain_gpt.py \\',
    '  --num-layers 24 --hidden-size 2048 --num-attention-heads 16 --seq-length 4096 \\',
    '  --max-position-embeddings 4096 --micro-batch-size 1 --global-batch-size 64 \\',
    '  --tensor-model-parallel-size 2 --pipeline-model-parallel-size 4 --vocab-size 50257 --bf16',
  ].join('\n');
  const other = text.replace('--num-layers 24', '--num-layers 48').replace('--seq-length 4096', '--seq-length 8192');
  const strip = (r: ReturnType<typeof analyze>) => ({
    schedules: Object.fromEntries(
      Object.entries(r.schedules).map(([k, e]) => [
        k,
        { ...figures(e), memory: e?.memory?.map((m) => ({ ...m, series: [...m.series.bytes] })) },
      ]),
    ),
    recommendation: r.recommendation,
    diagnostics: r.diagnostics,
  });
  const first = strip(analyze(text, { fileName: 'train.sh' }));
  analyze(other, { fileName: 'train.sh' });
  assert.deepEqual(strip(analyze(text, { fileName: 'train.sh' })), first);
});
