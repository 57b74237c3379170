// Published memory figures as tests (issue 13 acceptance): Korthikanti et al. 2022 ("Reducing Activation
// Recomputation in Large Transformer Models", arXiv 2205.05198), Figure 1 — activation memory per GPU of the first
// pipeline stage for the 22B / 175B / 530B / 1T models of its Table 3, as transcribed in Calculon's validation data.
// The unit is GiB (2^30 bytes): the paper's own formula, written out in `paperGiB` below, gives exactly these numbers in
// GiB — 22B: 2048·4·6144·(10 + 24/8 + 5·64·2048/(6144·8))·48 bytes = 59.25 GiB — so the figure's "GB" are GiB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeStageMemory } from '../../../../src/core/memory/stageMemory';
import { isSimResult, simulateSchedule, uniformCosts } from '../../../../src/core/schedule/simulator';
import type { RunConfig, ScheduleSpec } from '../../../../src/core/types';
import { blankConfig, resolvedShape } from '../../../support/memoryFixtures';

const GiB = 2 ** 30;

interface Model {
  name: string;
  a: number;
  h: number;
  L: number;
  p: number;
  b: number;
  /** Interleaving stages (the paper's m in §4.2.3; our v), 1 = none. */
  v: number;
  withoutRecompute: number;
  spSelective: number;
}

// Table 3 of the paper (cost-model.md §2 A): s = 2048, V = 51200, TP 8; Figure 1 values in GiB.
const MODELS: Model[] = [
  { name: '22B', a: 64, h: 6144, L: 48, p: 1, b: 4, v: 1, withoutRecompute: 59.25, spSelective: 9.56 },
  { name: '175B', a: 96, h: 12288, L: 96, p: 8, b: 1, v: 3, withoutRecompute: 66.84, spSelective: 12.35 },
  { name: '530B', a: 128, h: 20480, L: 105, p: 35, b: 1, v: 3, withoutRecompute: 114.02, spSelective: 23.08 },
  { name: '1T', a: 160, h: 25600, L: 128, p: 64, b: 1, v: 1, withoutRecompute: 131.25, spSelective: 26.56 },
];
const s = 2048;
const t = 8;

/**
 * The paper's accounting, independent of our code: per layer s·b·h·(10 + 24/t + 5·a·s/(h·t)) bytes with TP only, and
 * s·b·h·34/t with SP + selective recompute (§4.2, Table 2); the first stage holds p microbatches of L/p layers, times
 * 1 + (p − 1)/(p·v) with the interleaved schedule (§4.2.3).
 */
function paperGiB(m: Model, spSelective: boolean): number {
  const sbh = s * m.b * m.h;
  const perLayer = spSelective ? (sbh * 34) / t : sbh * (10 + 24 / t + (5 * m.a * s) / (m.h * t));
  return (perLayer * m.L * (m.v > 1 ? 1 + (m.p - 1) / (m.p * m.v) : 1)) / GiB;
}

/** Our estimate of stage 0's activations at its peak, from the simulated schedule (m = 2p microbatches). */
function ourGiB(m: Model, spSelective: boolean): number {
  const fields: Partial<RunConfig> = {
    numLayers: m.L,
    hiddenSize: m.h,
    numAttentionHeads: m.a,
    seqLength: s,
    microBatchSize: m.b,
    paddedVocabSize: 51200,
    tensorParallel: t,
    pipelineParallel: m.p,
    virtualStages: m.v,
    // The paper's layers: materialised attention scores with dropout, hidden dropout, GeLU MLP of 4h.
    attentionBackend: 'unfused',
    hiddenDropout: 0.1,
    attentionDropout: 0.1,
    sequenceParallel: spSelective,
    recomputeGranularity: spSelective ? 'selective' : null,
  };
  const shape = resolvedShape(blankConfig(fields));
  const spec: ScheduleSpec = {
    schedule: m.v > 1 ? '1f1b-interleaved' : '1f1b',
    stages: m.p,
    microbatches: 2 * m.p,
    splits: 1,
    virtualStages: m.v,
  };
  const sim = simulateSchedule(spec, uniformCosts(spec, 1, 2));
  if (!isSimResult(sim)) assert.fail(sim.reason);
  return computeStageMemory(shape, sim, [s])[0].breakdownBytes.activations / GiB;
}

test('the paper’s formula gives Figure 1’s numbers in GiB (the unit check)', () => {
  for (const m of MODELS) {
    assert.equal(Math.round(paperGiB(m, false) * 100) / 100, m.withoutRecompute, `${m.name} without recompute`);
    assert.equal(Math.round(paperGiB(m, true) * 100) / 100, m.spSelective, `${m.name} SP + selective`);
  }
});

test('Korthikanti Figure 1: stage-0 activations within 5 % of the published GiB, without recompute and with SP + selective', () => {
  for (const m of MODELS) {
    for (const [sp, published] of [
      [false, m.withoutRecompute],
      [true, m.spSelective],
    ] as const) {
      const ours = ourGiB(m, sp);
      // What we count beyond the paper on stage 0: the int64 token ids and the embedding dropout mask of every
      // in-flight microbatch of model chunk 0 (s·b·h bytes each without SP: +2.4 % on the 530B, whose chunks are one
      // layer). Logits are their own breakdown term, so the 22B's single stage adds nothing here.
      assert.ok(
        ours >= published * 0.999 && ours < published * 1.05,
        `${m.name} ${sp ? 'SP + selective' : 'no recompute'}: ours ${ours.toFixed(2)} GiB, published ${published} GiB`,
      );
    }
  }
});
