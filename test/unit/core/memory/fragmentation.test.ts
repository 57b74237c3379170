// The allocator replay of a Seq1F1B stage (memory/fragmentation.ts): what it replays equals the activation model's
// bytes, where it applies, and that its work is bounded. Its figures against the published bars are in
// publishedSeq1f1b.test.ts; the allocator's rules, each derived by hand, in allocator.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerActivationBytes } from '../../../../src/core/memory/activations';
import { CachingAllocator } from '../../../../src/core/memory/allocator';
import { MAX_ALLOCATOR_CALLS, fragmentationBytes, layerTensorBytes } from '../../../../src/core/memory/fragmentation';
import { computeStageMemory } from '../../../../src/core/memory/stageMemory';
import { layerLayout } from '../../../../src/core/model/layout';
import { isSimResult, simulateSchedule, uniformCosts } from '../../../../src/core/schedule/simulator';
import type { RunConfig, ScheduleSpec, SimResult } from '../../../../src/core/types';
import { SEQ1F1B_30B_TP8, blankConfig, resolvedShape, smallRun } from '../../../support/memoryFixtures';

const run30b: Partial<RunConfig> = { ...SEQ1F1B_30B_TP8, legacyModelCode: 'seq1f1b' };

test('the replayed tensors of a layer are the activation model’s bytes, itemised', () => {
  // The 30B fork layer (rope tables, TP 8 with SP), a GQA SwiGLU layer with dropout, FP8, unfused attention (s²
  // scores), and the legacy b = 2 flash path: layerTensorBytes sums to layerActivationBytes and leaves nothing over.
  const shapes: Partial<RunConfig>[] = [
    {},
    {
      legacyModelCode: null,
      transformerImpl: 'transformer_engine',
      groupQueryAttention: true,
      numQueryGroups: 8,
      swiglu: true,
      hiddenDropout: 0.1,
      tensorParallel: 4,
      worldSize: 32,
    },
    { legacyModelCode: null, transformerImpl: 'transformer_engine', precision: 'bf16', fp8Format: 'hybrid' },
    { useFlashAttn: false, attentionDropout: 0.1, tensorParallel: 1, sequenceParallel: false, worldSize: 8 },
    { microBatchSize: 2 },
  ];
  for (const fields of shapes) {
    const shape = resolvedShape(blankConfig({ ...run30b, ...fields }));
    const itemised = layerTensorBytes(shape, 4096, 8192);
    const whole = layerActivationBytes(shape, false, 4096, 8192, { selective: false });
    assert.equal(itemised.length, 17);
    assert.ok(itemised.every((b) => b >= 0));
    // fc1's output carries what the list does not itemise: nothing here.
    const named = [...itemised];
    named[13] = 0;
    const fc1 = (2 * shape.ffn * (shape.glu ? 2 : 1) * 4096) / shape.tp;
    assert.equal(itemised[13], fc1, JSON.stringify(fields));
    assert.ok(Math.abs(named.reduce((a, b) => a + b) + fc1 - whole) <= 1e-6 * whole, JSON.stringify(fields));
  }
});

function seqSim(schedule: ScheduleSpec['schedule'], p: number, m: number, k: number, v = 1): SimResult {
  const spec: ScheduleSpec = { schedule, stages: p, microbatches: m, splits: k, virtualStages: v };
  const sim = simulateSchedule(spec, uniformCosts(spec, 1, 2, 1, 0.1));
  assert.ok(isSimResult(sim));
  return sim;
}

test('only Seq1F1B runs of dense layers without recompute are replayed; others add nothing', () => {
  const p = 4;
  const m = 8;
  const base = smallRun(p, 1, 3, m, 2048);
  const stages = layerLayout(base.shape, 1);
  const at = (sim: SimResult, shape = base.shape): number =>
    fragmentationBytes(shape, stages, base.tables, sim, 0, 0, Infinity);
  assert.ok(at(seqSim('seq1f1b', p, m, 3)) >= 0);
  // 1F1B repeats the same sizes every microbatch: a freed block fits the next request (allocator.test.ts), so it is
  // not replayed. Neither is the split backward (units freed at W, not modelled), nor layers the replay does not
  // itemise (recompute, MLA, MoE, MTP, offload).
  assert.equal(at(seqSim('1f1b', p, m, 1)), 0);
  assert.equal(at(seqSim('seq1f1b-zb', p, m, 3)), 0);
  assert.equal(at(seqSim('seq1f1b', p, m, 3), { ...base.shape, recompute: 'selective' }), 0);
  assert.equal(at(seqSim('seq1f1b', p, m, 3), { ...base.shape, mtpLayers: 1 }), 0);
});

test('uneven chunks and the growing prefix cache leave reserved above allocated; even chunks far less', () => {
  // The 30B run at 48k with the uniform_comp split of exp.sh (chunk 0 the longest) against an even split: the
  // replay's extra on stage 0 comes from the sizes that differ chunk to chunk.
  const shape = resolvedShape(blankConfig({ ...run30b, seqLength: 49152, maxPositionEmbeddings: 49152 }));
  const sim = seqSim('seq1f1b', 8, 16, 4);
  const uneven = computeStageMemory(shape, sim, [16428, 12624, 10620, 9480]);
  const even = computeStageMemory(shape, sim, [12288, 12288, 12288, 12288]);
  const extra = (mem: typeof uneven): number => mem[0]!.peakReservedBytes - mem[0]!.peakBytes * 1.07;
  const GiB = 2 ** 30;
  assert.ok(extra(uneven) > extra(even) + GiB, `${extra(uneven) / GiB} vs ${extra(even) / GiB}`);
  // The other stages keep the plain estimate (allocated · 1.07 + the non-PyTorch part), the replay runs on the
  // heaviest one only.
  const plain = (r: number): number => uneven[r]!.peakReservedBytes - uneven[r]!.peakBytes * 1.07;
  for (let r = 1; r < 8; r++) assert.ok(Math.abs(plain(r) - plain(1)) < 1, `stage ${r}`);
});

test('bounded work: a long run replays at most MAX_ALLOCATOR_CALLS mallocs (+ one op) and is cached per timeline', () => {
  // 512 microbatches of k = 8 on a 4-stage model (4,096 units): the replay stops at its budget, and the second ask
  // is a cache hit. The mallocs are counted on the allocator model itself.
  const { shape, tables } = smallRun(4, 1, 8, 512, 512);
  const stages = layerLayout(shape, 1);
  const sim = seqSim('seq1f1b', 4, 512, 8);
  const proto = CachingAllocator.prototype;
  const original = proto.malloc;
  let calls = 0;
  proto.malloc = function (this: CachingAllocator, bytes: number): number {
    calls++;
    return original.call(this, bytes);
  };
  try {
    const first = fragmentationBytes(shape, stages, tables, sim, 0, 1e9, Infinity);
    // One op of this stage makes at most 2 layers × (17 tensors + 2 prefix tensors) + its input and loss: < 64.
    assert.ok(calls > MAX_ALLOCATOR_CALLS / 2 && calls <= MAX_ALLOCATOR_CALLS + 64, `${calls} mallocs`);
    calls = 0;
    assert.equal(fragmentationBytes(shape, stages, tables, sim, 0, 1e9, Infinity), first);
    assert.equal(calls, 0, 'cached');
  } finally {
    proto.malloc = original;
  }
});
