// Megatron-LM's own activation estimate (megatron/training/theoretical_memory_usage.py, compute_activation_memory,
// :308-375 at d98e8a64) against ours, on the configs it is written for (SP + selective recompute, Korthikanti's
// Table 2), and where we differ and why. Its weights/optimizer part is compared in sharding.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeStageMemory } from '../../../../src/core/memory/stageMemory';
import { isSimResult, simulateSchedule, uniformCosts } from '../../../../src/core/schedule/simulator';
import type { RunConfig, ScheduleSpec, StageMemory } from '../../../../src/core/types';
import { blankConfig, resolvedShape } from '../../../support/memoryFixtures';

// GPT-style model (GeLU MLP of 4h, LayerNorm, dropout 0.1, flash attention), SP + selective recompute, TP 4.
const s = 4096;
const b = 1;
const h = 4096;
const t = 4;
const L = 32;
const base: Partial<RunConfig> = {
  numLayers: L,
  hiddenSize: h,
  numAttentionHeads: 32,
  seqLength: s,
  maxPositionEmbeddings: s,
  microBatchSize: b,
  paddedVocabSize: 51200,
  tensorParallel: t,
  sequenceParallel: true,
  recomputeGranularity: 'selective',
  hiddenDropout: 0.1,
  attentionDropout: 0.1,
  precision: 'bf16',
};

/**
 * compute_activation_memory written out (:317-375): sbh·(18 + 4f/h) a layer (= 34·sbh with f = 4h) times all L layers,
 * plus p microbatches of int64 token ids (8sb) and the embedding dropout mask (sbh); times 1 + (p−1)/(p·v) with
 * interleaving, or min(1, m/p) without; divided by t at the end. It is the first stage's figure (:310-312); at p > 1 it
 * leaves out the output layer and loss (:367-374 adds them only at p = 1).
 */
function megatronBytes(p: number, v: number | null, m: number): number {
  let bytes = s * b * h * (18 + 4 * ((4 * h) / h)) * L;
  bytes += 8 * s * b * p + s * b * h * p;
  if (v !== null) bytes *= 1 + (p - 1) / (p * v);
  else if (p > 1) bytes *= Math.min(1, m / p);
  return bytes / t;
}

function ours(p: number, v: number, m: number, fields: Partial<RunConfig> = {}): StageMemory[] {
  const shape = resolvedShape(blankConfig({ ...base, pipelineParallel: p, virtualStages: v, ...fields }));
  const spec: ScheduleSpec = {
    schedule: v > 1 ? '1f1b-interleaved' : '1f1b',
    stages: p,
    microbatches: m,
    splits: 1,
    virtualStages: v,
  };
  const sim = simulateSchedule(spec, uniformCosts(spec, 1, 2));
  if (!isSimResult(sim)) assert.fail(sim.reason);
  return computeStageMemory(shape, sim, [s]);
}

const act = (m: StageMemory): number => m.breakdownBytes.activations;

test('theoretical_memory_usage, 1F1B PP 4: our first stage within 1 % of its figure', () => {
  const theirs = megatronBytes(4, null, 16);
  const mine = act(ours(4, 1, 16)[0]!);
  // Ours is a hair higher (+0.03 %): flash attention's fp32 log-sum-exp, which Table 2's 34 leaves out, and the
  // int64 token ids every TP rank holds whole (the formula divides them by t). Measured on the other stages of this
  // run the formula has nothing to say: ours is 25 / 50 / 68 % lower on stages 1-3 (fewer microbatches in flight).
  assert.ok(mine >= theirs && mine < theirs * 1.01, `ours ${mine} vs Megatron ${theirs}`);
});

test('theoretical_memory_usage, interleaved PP 4 × v 2: the same first-stage penalty 1 + (p−1)/(p·v)', () => {
  const theirs = megatronBytes(4, 2, 16);
  const stages = ours(4, 2, 16);
  const mine = act(stages[0]!);
  // Both hold p + (p−1)/v microbatch-equivalents on stage 0 (our op order: (v−1)·p + 2(p−1) + 1 chunks of 1/v).
  assert.ok(mine >= theirs && mine < theirs * 1.01, `ours ${mine} vs Megatron ${theirs}`);
  // Where it says nothing: the last stage also holds the logits, which the formula leaves out at p > 1 (:367-374);
  // here the last stage's total dynamic memory is still below stage 0's, so the peak stage is the one it names.
  const last = stages[3]!;
  assert.ok(act(last) + last.breakdownBytes.logits < mine);
});

test('theoretical_memory_usage with uneven PP: it keeps L/p layers on the first stage, the real layout does not', () => {
  // --decoder-first-pipeline-num-layers 2 of 32 on PP 4: the first stage holds 2 layers, the other three 10 each.
  // Megatron's formula still multiplies all L layers by the first stage's p microbatches: 32·p/p = 8 layers' worth
  // per microbatch in flight. Stage 1 really holds 10 layers for p − 1 = 3 microbatches = 30 layer-microbatches
  // against the formula's 4 · 8 = 32 (−6 %); stage 0 holds 2 · 4 = 8 (the formula is 4× too high there).
  const theirs = megatronBytes(4, null, 16);
  const stages = ours(4, 1, 16, { decoderFirstPipelineNumLayers: 2 });
  const perLayerMb = act(ours(4, 1, 16)[0]!) / 32; // one layer, one microbatch (even split: 8 layers × 4 in flight)
  const worst = stages.reduce((a, x) => (act(x) > act(a) ? x : a));
  assert.equal(worst.stage, 1);
  assert.ok(Math.abs(act(worst) / (30 * perLayerMb) - 1) < 0.01);
  assert.ok(act(worst) < theirs && act(worst) > theirs * 0.9);
  assert.ok(act(stages[0]!) < theirs / 3);
});

/** compute_activation_memory (:317-375) for any shape: the same steps as megatronBytes, f = 4h. */
function megatronFor(c: {
  L: number;
  h: number;
  s: number;
  t: number;
  p: number;
  v: number | null;
  m: number;
}): number {
  let bytes = c.s * b * c.h * (18 + 16) * c.L + 8 * c.s * b * c.p + c.s * b * c.h * c.p;
  if (c.v !== null) bytes *= 1 + (c.p - 1) / (c.p * c.v);
  else if (c.p > 1) bytes *= Math.min(1, c.m / c.p);
  return bytes / c.t;
}

function oursFor(fields: Partial<RunConfig>, p: number, v: number, m: number): StageMemory[] {
  const shape = resolvedShape(blankConfig({ ...base, ...fields, pipelineParallel: p, virtualStages: v }));
  const spec: ScheduleSpec = {
    schedule: v > 1 ? '1f1b-interleaved' : '1f1b',
    stages: p,
    microbatches: m,
    splits: 1,
    virtualStages: v,
  };
  const sim = simulateSchedule(spec, uniformCosts(spec, 1, 2));
  if (!isSimResult(sim)) assert.fail(sim.reason);
  return computeStageMemory(shape, sim, [shape.seqLength]);
}

const dynamic = (m: StageMemory): number => m.breakdownBytes.activations + m.breakdownBytes.logits;

test('theoretical_memory_usage, VPP with a 256k vocabulary: the last stage is the heaviest, +12 % over its figure', () => {
  // 24 layers, h 2048, s 8192, V 256000, TP 2 + SP + selective, PP 4 × v 2, 16 microbatches. The formula is stage 0's
  // (:310-312) and leaves the output layer and loss out at p > 1 (:367-374): stage 0 agrees (+0.2 %), but the last
  // stage, which also holds one microbatch's logits while its last chunk runs F then B, is above it.
  const big = { numLayers: 24, hiddenSize: 2048, numAttentionHeads: 16, seqLength: 8192, maxPositionEmbeddings: 8192 };
  const fields = { ...big, paddedVocabSize: 256000, tensorParallel: 2 };
  const theirs = megatronFor({ L: 24, h: 2048, s: 8192, t: 2, p: 4, v: 2, m: 16 });
  const stages = oursFor(fields, 4, 2, 16);
  assert.ok(Math.abs(dynamic(stages[0]!) / theirs - 1) < 0.01, `stage 0: ${dynamic(stages[0]!) / theirs}`);
  const worst = stages.reduce((a, x) => (dynamic(x) > dynamic(a) ? x : a));
  assert.equal(worst.stage, 3);
  // Its logits at the peak are one microbatch's, hand-derived (activations.ts buildUnitTables): the fp32 softmax of
  // the vocab-parallel cross-entropy 4·s·V/t, the final-norm and output-layer inputs 2·2·h·s/t (SP), int64 labels and
  // an fp32 loss mask 12·s; the peak is inside that F, so also the bf16 logits 2·s·V/t before their fp32 cast.
  const s8 = 8192;
  const kept = (4 * s8 * 256000) / 2 + (2 * 2 * 2048 * s8) / 2 + 12 * s8;
  assert.equal(worst.breakdownBytes.logits, kept + (2 * s8 * 256000) / 2);
  const ratio = dynamic(worst) / theirs;
  assert.ok(ratio > 1.1 && ratio < 1.14, `last stage ${ratio}`);
});

test('theoretical_memory_usage with first and last stage of one layer each: the middle stage is 40 % above it', () => {
  // --decoder-first-pipeline-num-layers 1 --decoder-last-pipeline-num-layers 1 of 32 on PP 4: stages 1 and 2 hold 15
  // layers each. Stage 1 keeps min(p − 1, m) = 3 microbatches in flight: 45 layer-microbatches against the formula's
  // L · min(1, m/p) = 32, so Megatron's figure is 32/45 of the real heaviest stage (−29 %), ours 45/32 of it (+40 %).
  const theirs = megatronBytes(4, null, 16);
  const stages = ours(4, 1, 16, { decoderFirstPipelineNumLayers: 1, decoderLastPipelineNumLayers: 1 });
  const perLayerMb = act(ours(4, 1, 16)[0]!) / 32;
  const worst = stages.reduce((a, x) => (act(x) > act(a) ? x : a));
  assert.equal(worst.stage, 1);
  assert.ok(Math.abs(act(worst) / (45 * perLayerMb) - 1) < 0.01);
  const ratio = act(worst) / theirs;
  assert.ok(Math.abs(ratio - 45 / 32) < 0.01, `stage 1 ${ratio}`);
});
