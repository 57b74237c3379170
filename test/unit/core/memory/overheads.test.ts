import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerActivationBytes } from '../../../../src/core/memory/activations';
import {
  communicators,
  DEFAULT_OVERHEADS,
  GiB,
  nonPyTorchOverheadBytes,
  reservedBytes,
  userbufferBytes,
} from '../../../../src/core/memory/overheads';
import type { ModelShape } from '../../../../src/core/model/shape';
import { candidateChoices, pickRecommendation, type SweepCandidate } from '../../../../src/core/advice/recommend';
import type { RunConfig, ScheduleEvaluation, StageMemory } from '../../../../src/core/types';
import { blankConfig, resolvedShape } from '../../../support/memoryFixtures';

const base: Partial<RunConfig> = {
  numLayers: 32,
  hiddenSize: 4096,
  numAttentionHeads: 32,
  seqLength: 8192,
  paddedVocabSize: 32768,
};
const shapeOf = (fields: Partial<RunConfig>): ModelShape => resolvedShape(blankConfig({ ...base, ...fields }));

test('communicators: only groups of size > 1; dp group spans dp·cp; ep only with experts', () => {
  assert.deepEqual(
    communicators(shapeOf({ tensorParallel: 8, pipelineParallel: 1, dataParallel: 1 })).map((c) => c.name),
    ['tp'],
  );
  const all = communicators(
    shapeOf({
      tensorParallel: 2,
      pipelineParallel: 4,
      dataParallel: 2,
      contextParallel: 2,
      numExperts: 8,
      expertParallel: 2,
    }),
  );
  assert.deepEqual(
    all.map((c) => [c.name, c.size]),
    [
      ['tp', 2],
      ['pp', 4],
      ['dp', 4],
      ['cp', 2],
      ['ep', 2],
    ],
  );
  assert.deepEqual(
    communicators(shapeOf({ expertParallel: 4, dataParallel: 1 })).map((c) => c.name),
    [],
  );
});

test('non-PyTorch overhead: context + NCCL per communicator, or the user total', () => {
  const c = DEFAULT_OVERHEADS;
  const shape = shapeOf({ tensorParallel: 8, pipelineParallel: 4, dataParallel: 2 });
  // tp (8 ranks) → group; pp → point-to-point pairs; dp of 2 → pair.
  assert.equal(
    nonPyTorchOverheadBytes(shape, c),
    (c.cudaContextGiB + c.ncclGroupGiB + c.ncclPairGiB + c.ncclPairGiB) * GiB,
  );
  assert.equal(nonPyTorchOverheadBytes(shape, c, 2.5), 2.5 * GiB);
  assert.equal(reservedBytes(10 * GiB, 2 * GiB, { ...c, fragmentationFraction: 0.1 }), 13 * GiB);
});

test("context parallelism halves the per-layer activations at c = 2 (s' = s/c), keys still span the sequence", () => {
  const flash = { attentionBackend: 'flash', hiddenDropout: 0, attentionDropout: 0 };
  const one = shapeOf({ ...flash, contextParallel: 1 });
  const two = shapeOf({ ...flash, contextParallel: 2 });
  // The caller passes local tokens (s·b/c); the linear part is per token, so half the tokens → half the bytes.
  assert.equal(
    layerActivationBytes(two, false, 4096, 8192, { selective: false }),
    layerActivationBytes(one, false, 8192, 8192, { selective: false }) / 2,
  );
  const unfused = shapeOf({ attentionBackend: 'unfused', hiddenDropout: 0, attentionDropout: 0, contextParallel: 2 });
  const scores =
    layerActivationBytes(unfused, false, 4096, 8192, { selective: false }) -
    layerActivationBytes(two, false, 4096, 8192, { selective: false }) +
    4 * 32 * 4096;
  assert.equal(scores, 32 * 4096 * 8192 * 2);
});

test('sweep candidates: interleaving only when p > 2 and m % p == 0; average only when k | S; huge timelines skipped', () => {
  const config = blankConfig({ ...base, pipelineParallel: 4, numMicrobatches: 8, seqLength: 8190 });
  const shape = resolvedShape(config);
  const names = candidateChoices(config, shape, { gpu: null as never, candidateSplits: [2, 4] }).map(
    (c) => `${c.schedule}/${c.splits}/${c.strategy}/${c.virtualStages}`,
  );
  assert.ok(names.includes('1f1b-interleaved/1/average/2'));
  assert.ok(names.includes('seq1f1b/2/average/1'), '8190 is divisible by 2');
  assert.ok(!names.includes('seq1f1b/4/average/1'), '8190 is not divisible by 4');
  assert.ok(names.includes('seq1f1b/4/uniform_comp/1'));
  assert.ok(names.includes('seq1f1b-interleaved/4/uniform_comp/2'), 'k | p');
  const odd = blankConfig({ ...base, pipelineParallel: 4, numMicrobatches: 6 });
  assert.ok(
    !candidateChoices(odd, resolvedShape(odd), { gpu: null as never }).some((c) =>
      c.schedule.endsWith('1f1b-interleaved'),
    ),
  );
  const huge = blankConfig({ ...base, pipelineParallel: 8, numMicrobatches: 100_000 });
  assert.deepEqual(candidateChoices(huge, resolvedShape(huge), { gpu: null as never }), []);
});

test('recommendation: fastest that fits, else the smallest with fits = false', () => {
  const candidate = (
    schedule: 'seq1f1b' | '1f1b',
    splits: number,
    stepTimeMs: number,
    reservedGiB: number,
    fits: boolean,
  ): SweepCandidate => ({
    choice: { schedule, splits, strategy: 'average', virtualStages: 1 },
    evaluation: { stepTimeMs } as ScheduleEvaluation,
    memory: [{ stage: 0, peakReservedBytes: reservedGiB * GiB } as StageMemory],
    worstReservedGiB: reservedGiB,
    fits,
  });
  const rec = pickRecommendation(
    [
      candidate('1f1b', 1, 900, 90, false),
      candidate('seq1f1b', 2, 800, 70, true),
      candidate('seq1f1b', 4, 700, 60, true),
    ],
    80,
    0.9,
  )!;
  assert.equal(rec.splits, 4);
  assert.equal(rec.fits, true);
  const none = pickRecommendation(
    [candidate('1f1b', 1, 900, 120, false), candidate('seq1f1b', 4, 700, 95, false)],
    80,
    0.9,
  )!;
  assert.equal(none.fits, false);
  assert.equal(none.schedule, 'seq1f1b');
  assert.equal(none.peakMemoryGiB, 95);
  assert.equal(pickRecommendation([], 80, 0.9), null);
});

test('recommendation: a zero-bubble winner names the fastest schedule that runs with flags alone', () => {
  const mk = (schedule: 'zb-h1' | 'seq1f1b' | '1f1b', splits: number, stepTimeMs: number): SweepCandidate => ({
    choice: { schedule, splits, strategy: 'average', virtualStages: 1 },
    evaluation: { stepTimeMs } as ScheduleEvaluation,
    memory: [{ stage: 0, peakReservedBytes: 50 * GiB } as StageMemory],
    worstReservedGiB: 50,
    fits: true,
  });
  const rec = pickRecommendation([mk('zb-h1', 1, 600), mk('seq1f1b', 4, 650), mk('1f1b', 1, 700)], 80, 0.9)!;
  assert.equal(rec.schedule, 'zb-h1');
  assert.match(rec.reason, /fastest that runs with flags alone is Seq1F1B \(k = 4, average\) \(650 ms per step/);
});

test('--tp-comm-overlap: TE userbuffers, 12 GEMM buffers of [s·b/CP, h], non-PyTorch (reserved only)', () => {
  // s·b = 8192 tokens × h 4096 = 33,554,432 elements per buffer (Megatron's initialize_ub shape, initialize.py:223-226).
  const elements = 8192 * 4096;
  const tp8 = { tensorParallel: 8, sequenceParallel: true, pipelineParallel: 1, dataParallel: 1, tpCommOverlap: true };
  // bf16: 4 ring-exchange + 2 pipeline + 4 bulk + 2 external communicators, 2 bytes each = 24 bytes per element.
  assert.equal(userbufferBytes(shapeOf(tp8)), elements * 24);
  assert.equal(userbufferBytes(shapeOf(tp8)), 0.75 * GiB);
  // FP8: the 8 all-gather-side buffers are uint8 (base.py layers_all_gather_overlap), the 4 others bf16: 8 + 8 = 16.
  assert.equal(userbufferBytes(shapeOf({ ...tp8, fp8Format: 'hybrid' })), elements * 16);
  // FP8 with bf16 first/last layers: Megatron adds the unquantized set too (initialize.py:231-237): 16 + 24.
  assert.equal(userbufferBytes(shapeOf({ ...tp8, fp8Format: 'hybrid', firstLastLayersBf16: true })), elements * 40);
  // CP 2 halves the token dimension; no flag, or TP 1 (nothing to overlap), allocates none.
  assert.equal(userbufferBytes(shapeOf({ ...tp8, contextParallel: 2 })), (elements / 2) * 24);
  assert.equal(userbufferBytes(shapeOf({ ...tp8, tpCommOverlap: false })), 0);
  assert.equal(userbufferBytes(shapeOf({ ...tp8, tensorParallel: 1, sequenceParallel: false })), 0);
  // They are in the non-PyTorch overhead, on top of the context and the TP communicator.
  const without = nonPyTorchOverheadBytes(shapeOf({ ...tp8, tpCommOverlap: false }), DEFAULT_OVERHEADS);
  assert.equal(nonPyTorchOverheadBytes(shapeOf(tp8), DEFAULT_OVERHEADS) - without, elements * 24);
});
