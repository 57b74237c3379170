// Issue 13: reserved − allocated is two breakdown terms. `fragmentation` is what PyTorch's caching allocator holds
// beyond the allocated tensors (allocated × the fragmentation fraction, plus the Seq1F1B allocator replay's excess on
// the heaviest stage); `overhead` is memory outside PyTorch (CUDA context, NCCL buffers, TE userbuffers). The parts
// still sum to reserved on every stage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze, type AnalysisResult } from '../../../../src/core/analyze';
import { buildUnitTables } from '../../../../src/core/memory/activations';
import { fragmentationBytes } from '../../../../src/core/memory/fragmentation';
import { DEFAULT_OVERHEADS, GiB, nonPyTorchOverheadBytes } from '../../../../src/core/memory/overheads';
import { staticMemoryPerRank } from '../../../../src/core/memory/static';
import { resolveModelShape } from '../../../../src/core/model/shape';
import { layoutOf } from '../../../../src/core/schedule/costModel';
import type { MemoryBreakdown, ScheduleEvaluation, StageMemory } from '../../../../src/core/types';
import { repoPath } from '../../../support/paths';

const read = (path: string): string => readFileSync(repoPath(path), 'utf8');
const TERMS: (keyof MemoryBreakdown)[] = [
  'weights',
  'grads',
  'paramGather',
  'gradBuckets',
  'optimizer',
  'activations',
  'kvCache',
  'logits',
  'fragmentation',
  'overhead',
];
const sumOf = (b: MemoryBreakdown): number => TERMS.reduce((s, k) => s + b[k], 0);
const close = (a: number, b: number, what: string, rel = 1e-12): void =>
  assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

function own(r: AnalysisResult): ScheduleEvaluation & { memory: StageMemory[] } {
  const e = r.selectedSchedule ? r.schedules[r.selectedSchedule] : undefined;
  assert.ok(e?.memory?.length, 'no memory estimate for the file');
  return e as ScheduleEvaluation & { memory: StageMemory[] };
}

/** Every stage: the ten terms sum to reserved, and no term is negative. */
function assertSumsToReserved(memory: readonly StageMemory[]): void {
  for (const m of memory) {
    close(sumOf(m.breakdownBytes), m.peakReservedBytes, `stage ${m.stage} parts vs reserved`, 1e-12);
    for (const k of TERMS) assert.ok(m.breakdownBytes[k] >= 0, `stage ${m.stage} ${k} = ${m.breakdownBytes[k]}`);
  }
}

test('plain 1F1B: the allocator cache is allocated × 7 % and the non-PyTorch term is CUDA context + NCCL', () => {
  const r = analyze(read('media/examples/llama2-7b-1f1b.sh'), { fileName: 'llama2-7b-1f1b.sh', gpuId: 'a100-80gb' });
  const e = own(r);
  assert.equal(e.schedule, '1f1b');
  assertSumsToReserved(e.memory);
  // TP 2 × PP 4 on 8 GPUs (DP 1): the CUDA context and workspaces 0.75 GiB, the TP group of 2 ranks 0.5 GiB (NCCL
  // #964's 2-rank figure) and PP's point-to-point pairs 0.5 GiB; no DP, CP or EP group, no --tp-comm-overlap.
  const nonPyTorch = (0.75 + 0.5 + 0.5) * GiB;
  for (const m of e.memory) {
    // 1F1B is not replayed (the same sizes every microbatch): the cache is the fraction alone (ROCm PR #162's 7 %).
    close(m.breakdownBytes.fragmentation, m.peakBytes * 0.07, `stage ${m.stage} allocator cache`, 1e-9);
    close(m.breakdownBytes.overhead, nonPyTorch, `stage ${m.stage} non-PyTorch`);
  }
  // The GiB breakdown every surface reads is the worst stage's, with both terms.
  const b = e.memoryBreakdownGiB!;
  const worst = e.memory.reduce((a, m) => (m.peakReservedBytes > a.peakReservedBytes ? m : a));
  close(b.fragmentation, (worst.peakBytes * 0.07) / GiB, 'GiB allocator cache', 1e-9);
  close(b.overhead, 1.75, 'GiB non-PyTorch');
  close(sumOf(b), worst.peakReservedBytes / GiB, 'GiB parts vs reserved', 1e-12);
});

test('a user total for memory outside PyTorch replaces the non-PyTorch term only; the allocator cache stays', () => {
  const text = read('media/examples/llama2-7b-1f1b.sh');
  const plain = own(analyze(text, { fileName: 'a.sh', gpuId: 'a100-80gb' }));
  const set = own(analyze(text, { fileName: 'a.sh', gpuId: 'a100-80gb', overheadGiB: 3.5 }));
  assertSumsToReserved(set.memory);
  set.memory.forEach((m, r) => {
    assert.equal(m.breakdownBytes.overhead, 3.5 * GiB);
    close(m.breakdownBytes.fragmentation, plain.memory[r]!.breakdownBytes.fragmentation, `stage ${r} cache`, 1e-9);
  });
});

test('Seq1F1B: the heaviest stage’s allocator cache includes the allocator replay’s excess (fragmentationBytes)', () => {
  const r = analyze(read('media/examples/seq1f1b-30b-64k.sh'), { fileName: 'seq1f1b-30b-64k.sh', gpuId: 'a100-80gb' });
  const e = own(r);
  assert.equal(e.schedule, 'seq1f1b');
  assertSumsToReserved(e.memory);
  const resolved = resolveModelShape(r.config);
  assert.ok(resolved.ok);
  const shape = resolved.shape;
  const sim = e.sim!;
  const v = Math.max(1, sim.spec.virtualStages);
  const nonPyTorch = nonPyTorchOverheadBytes(shape, DEFAULT_OVERHEADS);
  // The replay, called as the memory model calls it, on the same layout, unit tables, statics and room on the GPU.
  const stages = layoutOf(shape, v, false, false);
  const tables = buildUnitTables(shape, stages, r.partition!.lengths);
  const statics = staticMemoryPerRank(shape, v);
  const heaviest = e.memory.reduce((a, m) => (m.peakBytes > a.peakBytes ? m : a)).stage;
  for (const m of e.memory) {
    close(m.breakdownBytes.overhead, nonPyTorch, `stage ${m.stage} non-PyTorch`);
    const s = statics[m.stage]!;
    const replay =
      m.stage === heaviest
        ? fragmentationBytes(
            shape,
            stages,
            tables,
            sim,
            m.stage,
            s.weightsBytes + s.gradsBytes + s.optimizerBytes,
            r.gpu.memoryGiB * GiB - nonPyTorch,
          )
        : 0;
    if (m.stage === heaviest) assert.ok(replay > 0.5 * GiB, `the replay adds only ${replay / GiB} GiB`);
    close(m.breakdownBytes.fragmentation, m.peakBytes * 0.07 + replay, `stage ${m.stage} allocator cache`, 1e-9);
  }
});

test('Vocabulary Parallelism keeps the plain run’s non-PyTorch term; its cache follows its own allocated peak', () => {
  const r = analyze(read('test/fixtures/vocab/vocab-parallel-fork.sh'), {
    fileName: 'pretrain.sh',
    gpuId: 'a100-80gb',
  });
  const e = own(r);
  assert.ok(e.vocabParallel, 'the fixture runs 1F1B with Vocabulary Parallelism');
  assertSumsToReserved(e.memory);
  const shape = resolveModelShape(r.config);
  assert.ok(shape.ok);
  const nonPyTorch = nonPyTorchOverheadBytes(shape.shape, DEFAULT_OVERHEADS);
  for (const m of e.memory) {
    close(m.breakdownBytes.overhead, nonPyTorch, `stage ${m.stage} non-PyTorch`);
    close(m.breakdownBytes.fragmentation, m.peakBytes * 0.07, `stage ${m.stage} allocator cache`, 1e-9);
  }
});
