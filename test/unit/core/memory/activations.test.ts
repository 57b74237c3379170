import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildUnitTables, checkpointedLayerBytes, layerActivationBytes } from '../../../../src/core/memory/activations';
import { walkLiveness } from '../../../../src/core/memory/liveness';
import { layerLayout } from '../../../../src/core/model/layout';
import type { ModelShape } from '../../../../src/core/model/shape';
import { computeStageMemory } from '../../../../src/core/memory/stageMemory';
import type { RunConfig } from '../../../../src/core/types';
import { blankConfig, buildSim, resolvedShape } from '../../../support/memoryFixtures';

function shapeOf(fields: Partial<RunConfig>): ModelShape {
  return resolvedShape(blankConfig(fields));
}

const close = (actual: number, expected: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
};

// Korthikanti et al. 2022, Table 2 setting: MHA, F = 4h, GeLU, dropout on, materialised scores.
const s = 2048,
  b = 2,
  h = 2048,
  a = 16;
const korthikanti: Partial<RunConfig> = {
  numLayers: 8,
  hiddenSize: h,
  numAttentionHeads: a,
  seqLength: s,
  microBatchSize: b,
  paddedVocabSize: 51200,
  attentionBackend: 'unfused',
  hiddenDropout: 0.1,
  attentionDropout: 0.1,
};

test('per-layer bytes reproduce Korthikanti Table 2 (no parallelism, TP, TP+SP, selective)', () => {
  const sbh = s * b * h;
  const layer = (fields: Partial<RunConfig>, selective = false): number =>
    layerActivationBytes(shapeOf({ ...korthikanti, ...fields }), false, s * b, s, { selective });
  close(layer({}), sbh * (34 + (5 * a * s) / h), 'no parallelism');
  for (const t of [2, 4, 8]) {
    close(layer({ tensorParallel: t }), sbh * (10 + 24 / t + (5 * a * s) / (h * t)), `TP ${t}`);
    close(layer({ tensorParallel: t, sequenceParallel: true }), sbh * (34 / t + (5 * a * s) / (h * t)), `TP+SP ${t}`);
    close(
      layer({ tensorParallel: t, recomputeGranularity: 'selective' }, true),
      sbh * (10 + 24 / t),
      `TP+selective ${t}`,
    );
    close(
      layer({ tensorParallel: t, sequenceParallel: true, recomputeGranularity: 'selective' }, true),
      (sbh * 34) / t,
      `TP+SP+selective ${t}`,
    );
  }
  // Full recompute keeps the layer input: 2sbh, /t with SP.
  close(
    checkpointedLayerBytes(shapeOf({ ...korthikanti, tensorParallel: 4, sequenceParallel: true }), s * b),
    (2 * sbh) / 4,
    'full recompute',
  );
  close(
    checkpointedLayerBytes(shapeOf({ ...korthikanti, tensorParallel: 4 }), s * b),
    2 * sbh,
    'full recompute without SP',
  );
});

test('per-layer bytes: dropout 0 drops the masks, flash drops s² but keeps the fp32 lse, GQA shrinks K/V, SwiGLU widens fc1', () => {
  const sb = s * b;
  const base = shapeOf({
    ...korthikanti,
    tensorParallel: 2,
    sequenceParallel: true,
    hiddenDropout: 0,
    attentionDropout: 0,
    attentionBackend: 'flash',
  });
  // norms 4h + QKV in 2h + Q 2h + K,V 4h + proj in 2h + MLP in 2h + fc1 out 8h + fc2 in 8h = 32h, all /t; lse 4a/t.
  close(
    layerActivationBytes(base, false, sb, s, { selective: false }),
    sb * ((32 * h) / 2 + (4 * a) / 2),
    'flash, no dropout',
  );
  const gqa = { ...base, kvHeads: 4 };
  close(
    layerActivationBytes(gqa, false, sb, s, { selective: false }),
    sb * ((28 * h + 4 * 4 * 128) / 2 + (4 * a) / 2),
    'GQA g=4, d=128',
  );
  const glu = { ...base, glu: true, ffn: 5504 };
  close(
    layerActivationBytes(glu, false, sb, s, { selective: false }),
    sb * ((16 * h + 2 * 2 * 5504 + 2 * 5504) / 2 + (4 * a) / 2),
    'SwiGLU',
  );
  // Seq1F1B chunk with materialised scores: the chunk's queries against its whole prefix.
  const unfused = { ...base, flashAttention: false };
  close(
    layerActivationBytes(unfused, false, 512 * b, 1536, { selective: false }) - 512 * b * ((32 * h) / 2),
    (a / 2) * 512 * b * 1536 * 2,
    'chunk scores x·P',
  );
});

test('MoE layer: k routed copies of the expert MLP per token, router logits, shared expert', () => {
  const shape = shapeOf({
    ...korthikanti,
    hiddenDropout: 0,
    attentionDropout: 0,
    attentionBackend: 'flash',
    numExperts: 8,
    moeRouterTopk: 2,
    moeFfnHiddenSize: 1024,
    expertParallel: 4,
    moeSharedExpertIntermediateSize: 2048,
    swiglu: true,
    ffnHiddenSize: 4096,
  });
  const dense = layerActivationBytes(shape, false, 100, s, { selective: false });
  const moe = layerActivationBytes(shape, true, 100, s, { selective: false });
  const denseMlp = 100 * (2 * 2 * 4096 + 2 * 4096);
  const moeMlp = 100 * (2 * (2 * h + 2 * 2 * 1024 + 2 * 1024) + 4 * 8 + 2 * 2 * 2048 + 2 * 2048);
  close(moe - dense, moeMlp - denseMlp, 'MoE minus dense');
});

/** Megatron's compute_activation_memory (SP + selective path) and weight/optimizer estimate, written from megatron.md §3.1–3.3. */
function megatronFirstStage(c: {
  L: number;
  h: number;
  a: number;
  F: number;
  V: number;
  s: number;
  b: number;
  t: number;
  p: number;
  M: number;
  dp: number;
  distOpt: boolean;
}): { static: number; activations: number } {
  const attn = 2 * c.h * c.h * 2; // 2·h·(a·d)·(1 + g/a) with g = a, a·d = h
  const mlp = 2 * c.h * c.F;
  const norms = 2 * c.h * 2; // LayerNorm
  const tpSharded = c.L * (attn + mlp);
  const replicated = c.L * norms + 2 * c.h; // + final norm
  let nFirst = (tpSharded / c.p + c.V * c.h) / c.t + replicated / c.p;
  if (c.p === 1) nFirst += (c.V * c.h) / c.t; // untied output layer
  const bpp = c.distOpt ? 6 + 12 / c.dp : 18;
  let act = c.s * c.b * c.h * (18 + (4 * c.F) / c.h) * c.L;
  act += 8 * c.s * c.b * c.p + c.s * c.b * c.h * c.p;
  if (c.M < c.p) act *= c.M / c.p;
  return { static: nFirst * bpp, activations: act / c.t };
}

test("Megatron's theoretical memory is reproduced on stage 0 (SP + selective recompute, 1F1B)", () => {
  for (const cfg of [
    { L: 16, h: 2048, a: 16, F: 6144, V: 51200, s: 4096, b: 1, t: 4, p: 4, M: 8, dp: 2, distOpt: true },
    { L: 24, h: 4096, a: 32, F: 16384, V: 32768, s: 2048, b: 2, t: 8, p: 8, M: 16, dp: 1, distOpt: false },
    { L: 12, h: 1024, a: 8, F: 4096, V: 32768, s: 2048, b: 1, t: 2, p: 4, M: 2, dp: 4, distOpt: true },
    { L: 12, h: 1024, a: 8, F: 4096, V: 32768, s: 2048, b: 1, t: 2, p: 1, M: 4, dp: 4, distOpt: true },
  ]) {
    const shape = shapeOf({
      numLayers: cfg.L,
      hiddenSize: cfg.h,
      numAttentionHeads: cfg.a,
      ffnHiddenSize: cfg.F,
      paddedVocabSize: cfg.V,
      seqLength: cfg.s,
      microBatchSize: cfg.b,
      tensorParallel: cfg.t,
      pipelineParallel: cfg.p,
      dataParallel: cfg.dp,
      contextParallel: 1,
      sequenceParallel: true,
      recomputeGranularity: 'selective',
      distributedOptimizer: cfg.distOpt,
      precision: 'bf16',
      untieEmbeddingsAndOutputWeights: true,
      positionEmbeddingType: 'rope',
      addBiasLinear: false,
      normalization: 'LayerNorm',
      hiddenDropout: 0.1,
      attentionDropout: 0.1,
    });
    const mem = computeStageMemory(shape, buildSim(cfg.p, cfg.M, 1), [cfg.s])[0];
    const megatron = megatronFirstStage(cfg);
    const staticBytes = mem.breakdownBytes.weights + mem.breakdownBytes.grads + mem.breakdownBytes.optimizer;
    // Megatron spreads the final norm's replicated parameters over all p stages; it lives on the last one.
    const finalNormOnOtherStages = cfg.p > 1 ? ((2 * cfg.h) / cfg.p) * (cfg.distOpt ? 6 + 12 / cfg.dp : 18) : 0;
    close(staticBytes, megatron.static - finalNormOnOtherStages, `static ${JSON.stringify(cfg)}`);
    // Megatron divides the int64 token ids by t; every TP rank holds them whole.
    const inFlight = Math.min(cfg.p, cfg.M);
    const tokenIdsAllRanks = 8 * cfg.s * cfg.b * inFlight * (1 - 1 / cfg.t);
    // With p == 1 Megatron adds the output-layer terms into the activations; we keep them apart as logits.
    const outputTerms = cfg.p === 1 ? (4 * cfg.s * cfg.b * cfg.h * (1 + cfg.V / cfg.h)) / cfg.t : 0;
    close(
      mem.breakdownBytes.activations,
      megatron.activations + tokenIdsAllRanks,
      `activations ${JSON.stringify(cfg)}`,
    );
    if (cfg.p === 1)
      assert.ok(
        mem.breakdownBytes.logits >= outputTerms,
        `p = 1 logits ${mem.breakdownBytes.logits} ≥ Megatron's ${outputTerms}`,
      );
    else assert.equal(mem.breakdownBytes.logits, 0);
    assert.equal(mem.breakdownBytes.kvCache, 0);
  }
});

// Seq1F1B liveness: a config where every byte is proportional to tokens (flash, no dropout, no logits on rank 0).
const linear: Partial<RunConfig> = {
  numLayers: 8,
  hiddenSize: 1024,
  numAttentionHeads: 8,
  seqLength: 8192,
  microBatchSize: 1,
  paddedVocabSize: 32768,
  tensorParallel: 1,
  pipelineParallel: 4,
  attentionBackend: 'flash',
  hiddenDropout: 0,
  attentionDropout: 0,
  precision: 'bf16',
  positionEmbeddingType: 'rope',
};

test('Seq1F1B rank 0 holds (p+k−1)/k microbatches of activations, 1F1B holds p; plus the K/V prefix cache', () => {
  const p = 4,
    m = 8,
    S = 8192;
  const shape = shapeOf(linear);
  const oneF1B = computeStageMemory(shape, buildSim(p, m, 1), [S]);
  const perMicrobatch = oneF1B[0].breakdownBytes.activations / p;
  // One microbatch on rank 0: 2 layers × (32h + 4a) bytes per token + 8-byte token ids.
  close(perMicrobatch, S * (2 * (32 * 1024 + 4 * 8) + 8), 'M');
  for (const k of [2, 4]) {
    const seq = computeStageMemory(
      shape,
      buildSim(p, m, k),
      Array.from({ length: k }, () => S / k),
    );
    const kvPerToken = 2 * 4 * 1024; // 2 layers × (K + V) × 2 bytes × h
    if (k === 2) {
      // Peak at F(2,1): units (0,0),(1,0),(1,1),(2,0),(2,1); caches mb0 S (+ dK/dV S, its B began), mb1 S, mb2 S.
      close(seq[0].breakdownBytes.activations, ((p + k - 1) / k) * perMicrobatch, 'k=2 activations');
      close(seq[0].breakdownBytes.kvCache, 4 * S * kvPerToken, 'k=2 kv');
    }
    const trace = walkLiveness(
      buildSim(p, m, k),
      zeroKv(
        buildUnitTables(
          shape,
          layerLayout(shape, 1),
          Array.from({ length: k }, () => S / k),
        ),
      ),
      [0, 0, 0, 0],
    );
    close(trace[0].peakBytes, ((p + k - 1) / k) * perMicrobatch, `k=${k} activation-only peak`);
    assert.equal(trace[0].peakLiveUnits, p + k - 1);
    assert.ok(seq[0].breakdownBytes.activations < oneF1B[0].breakdownBytes.activations);
  }
});

test('uniform_comp chunks: rank 0 peaks with microbatches 0–1 partly freed and 2–3 growing (hand-counted tokens)', () => {
  const p = 8,
    m = 16,
    S = 16384;
  const lengths = [4930, 4238, 3776, 3440];
  const shape = shapeOf({ ...linear, pipelineParallel: 8, numLayers: 8, seqLength: S });
  const tables = zeroKv(buildUnitTables(shape, layerLayout(shape, 1), lengths));
  const trace = walkLiveness(buildSim(p, m, 4), tables, new Array(p).fill(0));
  const perToken = 32 * 1024 + 4 * 8 + 8; // 1 layer + token ids
  // After B(0,3), B(0,2) and F(3,0): mb0 chunks 0–1, mb1 and mb2 whole, mb3 chunk 0 = 2S + 4930 + 4238 + 4930 tokens.
  close(trace[0].peakBytes, (2 * S + 4930 + 4238 + 4930) * perToken, 'peak');
});

test('zero-bubble: after its B a unit keeps what its W reads until the W ends', () => {
  const shape = shapeOf({ ...linear, pipelineParallel: 2 });
  const plain = computeStageMemory(shape, buildSim(2, 4, 1), [8192]);
  const zb = computeStageMemory(shape, buildSim(2, 4, 1, true), [8192]);
  const kept = buildUnitTables(shape, layerLayout(shape, 1), [8192]).weightGradActivations[1]![0]!;
  // Rank 1 defers W by one backward: one microbatch whole plus the W inputs of the one before it.
  assert.ok(kept > 0 && kept < plain[1].breakdownBytes.activations);
  close(zb[1].breakdownBytes.activations, plain[1].breakdownBytes.activations + kept, 'rank 1');
  close(zb[0].breakdownBytes.activations, plain[0].breakdownBytes.activations, 'rank 0');
});

test('full recompute: checkpoints per layer group plus one recomputed group during backward', () => {
  const S = 4096;
  const base = { ...linear, seqLength: S, pipelineParallel: 2, numLayers: 8 };
  const full = shapeOf({ ...base, recomputeGranularity: 'full', recomputeMethod: 'uniform', recomputeNumLayers: 2 });
  const none = shapeOf(base);
  const layerBytes = S * (32 * 1024 + 4 * 8);
  const mem = computeStageMemory(full, buildSim(2, 4, 1), [S]);
  // Rank 0: 2 microbatches × (2 checkpoints × 2Sh + ids) + a 2-layer recompute of one microbatch during its B.
  close(mem[0].breakdownBytes.activations, 2 * (2 * 2 * S * 1024 + 8 * S) + 2 * layerBytes, 'uniform');
  const block = shapeOf({ ...base, recomputeGranularity: 'full', recomputeMethod: 'block', recomputeNumLayers: 1 });
  const memBlock = computeStageMemory(block, buildSim(2, 4, 1), [S]);
  close(memBlock[0].breakdownBytes.activations, 2 * (2 * S * 1024 + 3 * layerBytes + 8 * S) + layerBytes, 'block');
  assert.ok(mem[0].peakBytes < computeStageMemory(none, buildSim(2, 4, 1), [S])[0].peakBytes);
});

test('last stage: fp32 softmax kept per unit, bf16 logits during the forward, output inputs, labels', () => {
  const S = 4096,
    V = 32768,
    t = 2;
  const shape = shapeOf({
    ...linear,
    seqLength: S,
    paddedVocabSize: V,
    tensorParallel: t,
    sequenceParallel: true,
    pipelineParallel: 2,
  });
  const mem = computeStageMemory(shape, buildSim(2, 4, 1), [S]);
  close(mem[1].breakdownBytes.logits, (4 * S * V) / t + (2 * S * V) / t + (4 * S * 1024) / t + 12 * S, 'logits');
  assert.equal(mem[0].breakdownBytes.logits, 0);
});

test('series: starts at static memory, steps in time order, returns to static, and contains the peak', () => {
  const shape = shapeOf(linear);
  const sim = buildSim(4, 8, 2);
  const mem = computeStageMemory(shape, sim, [4096, 4096]);
  for (const stage of mem) {
    const { timeMs, bytes } = stage.series;
    const staticBytes = stage.breakdownBytes.weights + stage.breakdownBytes.grads + stage.breakdownBytes.optimizer;
    assert.equal(timeMs.length, bytes.length);
    // The first F starts at time 0, so the first point already holds its unit; nothing ever drops below static.
    assert.equal(timeMs[0], 0);
    assert.ok(Math.min(...bytes) >= staticBytes - 1e-6 && bytes[0] > staticBytes);
    close(bytes[bytes.length - 1], staticBytes, 'end');
    for (let i = 1; i < timeMs.length; i++) assert.ok(timeMs[i] > timeMs[i - 1]);
    assert.ok(Math.max(...bytes) <= stage.peakBytes + 1e-6);
    assert.ok(stage.peakTimeMs >= 0 && stage.peakTimeMs <= sim.makespan);
    assert.ok(stage.peakReservedBytes > stage.peakBytes);
    const parts = Object.values(stage.breakdownBytes).reduce((x, y) => x + y, 0);
    close(parts, stage.peakReservedBytes, 'breakdown sums to reserved');
  }
});

function zeroKv<T extends { kvAppend: Float64Array[]; dkdvBytes: Float64Array }>(tables: T): T {
  for (const row of tables.kvAppend) row.fill(0);
  tables.dkdvBytes.fill(0);
  return tables;
}

test('MoE under TP: expert-TP = t sees every token at F_e/t, expert-TP = 1 sees 1/t of them at full F_e', () => {
  const moeFields = {
    ...korthikanti,
    hiddenDropout: 0,
    attentionDropout: 0,
    attentionBackend: 'flash',
    numExperts: 8,
    moeRouterTopk: 2,
    moeFfnHiddenSize: 1024,
    tensorParallel: 4,
    sequenceParallel: true,
  };
  const n = 1000;
  const routed = (etp: number): number => {
    const shape = shapeOf({ ...moeFields, expertTensorParallel: etp });
    return (
      layerActivationBytes(shape, true, n, s, { selective: false }) -
      layerActivationBytes(shape, false, n, s, { selective: false }) +
      n * ((2 * 4 * h) / 4 + (2 * 4 * h) / 4)
    );
  };
  // Dense MLP part removed above (fc1 out 2·4h/t + fc2 in 2·4h/t); what is left: routed copies + router logits 4E/t.
  close(routed(4), n * 2 * (2 * h + (2 * 1024) / 4 + (2 * 1024) / 4) + (n * 4 * 8) / 4, 'etp = t');
  close(routed(1), (n / 4) * 2 * (2 * h + 2 * 1024 + 2 * 1024) + (n * 4 * 8) / 4, 'etp = 1');
});

test('odd inputs do not break the walk: fewer layers than stages, a timeline with another p, chunk lengths that do not divide', () => {
  const few = shapeOf({ ...linear, numLayers: 2, pipelineParallel: 4 });
  const mem = computeStageMemory(few, buildSim(4, 4, 2), [4097, 4095]);
  assert.equal(mem.length, 4);
  assert.ok(mem.every((m) => Number.isFinite(m.peakReservedBytes) && m.peakBytes >= 0));
  // Layers spread [1, 1, 0, 0]: rank 2 holds nothing at all, rank 3 only the output layer and the loss.
  assert.equal(mem[2].peakBytes, 0);
  assert.ok(mem[3].breakdownBytes.logits > 0 && mem[3].breakdownBytes.activations === 0);
  const other = computeStageMemory(shapeOf(linear), buildSim(2, 4, 1), [8192]);
  assert.equal(other.length, 2);
  // Two ranks instead of four: each holds half of the 8 layers.
  assert.ok(
    other[0].breakdownBytes.weights >
      computeStageMemory(shapeOf(linear), buildSim(4, 4, 1), [8192])[0].breakdownBytes.weights,
  );
});

test('legacy local layer with --use-flash-attn (Seq1F1B repo): K/V expanded to all heads; a second attention output only when b > 1', () => {
  const fields = {
    ...linear,
    tensorParallel: 2,
    sequenceParallel: true,
    groupQueryAttention: true,
    numQueryGroups: 2,
    useFlashAttn: true,
  };
  const te = shapeOf({ ...fields, transformerImpl: 'transformer_engine' });
  const legacy = shapeOf({ ...fields, transformerImpl: 'local' });
  assert.equal(legacy.legacyFlashPath, true);
  assert.equal(te.legacyFlashPath, false);
  const n = 1000,
    d = 128;
  // K,V: a·d instead of g·d wide (4 bytes per element pair); all /t. With micro-batch 1 that is all: the fork's
  // rearrange(out, '(b s) … -> b s …').contiguous() and rearrange(ctx, 'b s h d -> s b (h d)').contiguous()
  // (thunlp/Seq1F1B megatron/model/transformer.py:513-515, :871) only move a size-1 axis, which PyTorch counts as
  // contiguous, so the output projection's input is flash's saved output itself.
  const expanded = n * ((4 * (8 - 2) * d) / 2);
  const extra = (a: ModelShape, b: ModelShape): number =>
    layerActivationBytes(a, false, n, 8192, { selective: false }) -
    layerActivationBytes(b, false, n, 8192, { selective: false });
  close(extra(legacy, te), expanded, 'legacy extra at b = 1');
  // With b = 2 the permute to [s, b, h·d] is a real copy: one more 2·a·d bytes per token, /t (n tokens either way).
  const legacy2 = shapeOf({ ...fields, transformerImpl: 'local', microBatchSize: 2 });
  const te2 = shapeOf({ ...fields, transformerImpl: 'transformer_engine', microBatchSize: 2 });
  close(extra(legacy2, te2), expanded + n * ((2 * 8 * d) / 2), 'legacy extra at b = 2');
  // The K/V prefix cache holds the expanded K/V as well.
  const tables = (shape: ModelShape): number =>
    buildUnitTables(shape, layerLayout(shape, 1), [4096, 4096]).kvAppend[0][1];
  close(tables(legacy) / tables(te), 8 / 2, 'cache width a/g');
});

test('long series are reduced to an upper envelope that keeps the peak and the end', () => {
  const shape = shapeOf(linear);
  const s = buildSim(4, 64, 4);
  const tables = buildUnitTables(shape, layerLayout(shape, 1), [2048, 2048, 2048, 2048]);
  const full = walkLiveness(s, tables, [0, 0, 0, 0], Infinity);
  const reduced = walkLiveness(s, tables, [0, 0, 0, 0], 50);
  for (let r = 0; r < 4; r++) {
    const a = full[r].series;
    const b = reduced[r].series;
    assert.ok(a.timeMs.length > 50 && b.timeMs.length <= 50, `${a.timeMs.length} → ${b.timeMs.length}`);
    assert.equal(Math.max(...b.bytes), Math.max(...a.bytes));
    assert.equal(b.bytes[b.bytes.length - 1], a.bytes[a.bytes.length - 1]);
    assert.equal(b.timeMs[b.timeMs.length - 1], a.timeMs[a.timeMs.length - 1]);
    // Never below the true curve: at each kept time the envelope is at least the exact value there.
    for (let i = 0; i < b.timeMs.length; i++) {
      const j = a.timeMs.indexOf(b.timeMs[i]);
      assert.ok(j >= 0 && b.bytes[i] >= a.bytes[j]);
    }
  }
});
