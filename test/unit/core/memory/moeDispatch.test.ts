// MoE token dispatch buffers (issue 13): Megatron-Core's allgather dispatcher, sized from its code at d98e8a64
// (megatron/core/transformer/moe/token_dispatcher.py), hand-derived per term.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildUnitTables, moeAllGatherBytes } from '../../../../src/core/memory/activations';
import { layerLayout } from '../../../../src/core/model/layout';
import type { ModelShape } from '../../../../src/core/model/shape';
import { analyze } from '../../../../src/core/analyze';
import type { RunConfig } from '../../../../src/core/types';
import { blankConfig, resolvedShape } from '../../../support/memoryFixtures';

const shapeOf = (fields: Partial<RunConfig>): ModelShape => resolvedShape(blankConfig(fields));

// Two MoE layers, h = 1024, 4 experts top-2, TP 2 with SP, EP 2 (expert TP defaults to TP: the TP×EP group is 4).
const moe: Partial<RunConfig> = {
  numLayers: 2,
  hiddenSize: 1024,
  numAttentionHeads: 8,
  seqLength: 4096,
  microBatchSize: 1,
  paddedVocabSize: 32768,
  tensorParallel: 2,
  sequenceParallel: true,
  expertParallel: 2,
  numExperts: 4,
  moeRouterTopk: 2,
  pipelineParallel: 1,
  attentionBackend: 'flash',
  hiddenDropout: 0,
  attentionDropout: 0,
  precision: 'bf16',
};

test('allgather dispatcher: gathered tokens × h × 2 bytes over the expert TP×EP group, 0 for the others', () => {
  // token_dispatcher.py:299-301 gathers the rank's [(s/TP)·b, h] hidden states over ETP·EP ranks:
  // 4096 tokens / TP 2 = 2048 local, × (ETP 2 · EP 2) = 8192 gathered, × h 1024 × 2 bytes = 16 MiB.
  const allgather = shapeOf({ ...moe, moeTokenDispatcherType: 'allgather' });
  assert.equal(moeAllGatherBytes(allgather, 4096), 8192 * 1024 * 2);
  assert.equal(moeAllGatherBytes(allgather, 4096), 16 * 2 ** 20);
  // Without SP every TP rank holds all 4096 tokens (Megatron turns SP off only at TP 1; here it is simply not set).
  assert.equal(
    moeAllGatherBytes(shapeOf({ ...moe, sequenceParallel: false, moeTokenDispatcherType: 'allgather' }), 4096),
    4096 * 4 * 1024 * 2,
  );
  // Expert TP 1, EP 2: the group is 2 ranks: 2048 × 2 × 1024 × 2.
  assert.equal(
    moeAllGatherBytes(shapeOf({ ...moe, expertTensorParallel: 1, moeTokenDispatcherType: 'allgather' }), 4096),
    2048 * 2 * 1024 * 2,
  );
  // A one-rank group skips the gather (`if self.tp_size > 1 or self.ep_size > 1`, :284).
  const single = { ...moe, tensorParallel: 1, sequenceParallel: false, expertParallel: 1 };
  assert.equal(moeAllGatherBytes(shapeOf({ ...single, moeTokenDispatcherType: 'allgather' }), 4096), 0);
  // The all-to-all dispatchers send the rank's own routed copies (what the experts keep anyway); flex is DeepEP's.
  for (const other of ['alltoall', 'alltoall_seq', 'flex'])
    assert.equal(moeAllGatherBytes(shapeOf({ ...moe, moeTokenDispatcherType: other }), 4096), 0, other);
});

test('allgather dispatcher: one layer-sized transient in F and in B, and one persistent global buffer per rank', () => {
  const tables = (dispatcher: string) => {
    const shape = shapeOf({ ...moe, moeTokenDispatcherType: dispatcher });
    return buildUnitTables(shape, layerLayout(shape, 1), [4096]);
  };
  const ag = tables('allgather');
  const a2a = tables('alltoall');
  const gathered = 16 * 2 ** 20;
  // combine_preprocess's unpermuted [gathered, h] output (:346-352) in F; the reduce-scatter's all-gathered gradient
  // in B (one MoE layer at a time, so once however many MoE layers the stage has).
  assert.equal(ag.forwardTransient[0]![0]! - a2a.forwardTransient[0]![0]!, gathered);
  assert.equal(ag.backwardTransient[0]![0]! - a2a.backwardTransient[0]![0]!, gathered);
  // The gathered input lives in GlobalMemoryBuffer (core/utils.py:727-752), kept at its largest size.
  assert.equal(ag.persistentBytes[0], gathered);
  assert.equal(a2a.persistentBytes[0], 0);
  // Nothing else moves: what the layers keep for backward is the same.
  assert.deepEqual([...ag.activations[0]!], [...a2a.activations[0]!]);
});

test('a launch without the flag gets Megatron-Core’s default allgather; its peak is the alltoall one + 2 × 16 MiB', () => {
  const launch = (flag: string): string =>
    [
      'torchrun --nproc_per_node 4 pretrain_gpt.py \\',
      '  --num-layers 2 --hidden-size 1024 --num-attention-heads 8 --seq-length 4096 --max-position-embeddings 4096 \\',
      '  --micro-batch-size 1 --global-batch-size 4 --bf16 --vocab-size 32000 --make-vocab-size-divisible-by 128 \\',
      '  --tensor-model-parallel-size 2 --sequence-parallel --expert-model-parallel-size 2 --num-experts 4 \\',
      `  --moe-router-topk 2 --use-flash-attn --hidden-dropout 0 --attention-dropout 0 --use-mcore-models ${flag}`,
      '',
    ].join('\n');
  const peak = (flag: string): number => {
    const r = analyze(launch(flag), { fileName: 'moe.sh', gpuId: 'h100-80gb', scope: 'edit' });
    const e = r.selectedSchedule ? r.schedules[r.selectedSchedule] : undefined;
    assert.ok(e?.peakMemoryGiBPerStage, `${flag}: no memory estimate`);
    return e.peakMemoryGiBPerStage[0]! * 2 ** 30;
  };
  const byDefault = peak('');
  assert.equal(byDefault, peak('--moe-token-dispatcher-type allgather'));
  // No pipeline: the single stage's peak is at its unit's F start (activations + the F transient) or B start
  // (activations + the B transient), both with the persistent buffer: 16 MiB + 16 MiB above the all-to-all peak.
  assert.equal(byDefault - peak('--moe-token-dispatcher-type alltoall'), 2 * 16 * 2 ** 20);
  // The allgather hint is gone; flex keeps its own (DeepEP's buffer sizes are DeepEP's size hints, not Megatron's).
  const hints = (flag: string): string[] =>
    analyze(launch(flag), { fileName: 'moe.sh', gpuId: 'h100-80gb', scope: 'edit' })
      .diagnostics.filter((d) => d.code === 'not-modelled')
      .map((d) => d.message);
  assert.deepEqual(hints('--moe-token-dispatcher-type allgather'), []);
  assert.match(hints('--moe-token-dispatcher-type flex').join('\n'), /DeepEP/);
});
