// Memory with Vocabulary Parallelism (issue 18), against the method (Yeung et al., "Balancing Pipeline Parallelism
// with Vocabulary Parallelism", MLSys 2025; sail-sg/VocabularyParallelism 6191c3bf): the vocabulary layers — input
// embedding and output layer, V·h parameters each — are split evenly over all p devices (training.py:395-430 builds a
// split-vocabulary embedding chunk and an output-layer chunk on every rank); rank r keeps the transformer activations
// of p − r + 1 microbatches (Algorithm 2) or p − r + 2 (Algorithm 1) where 1F1B keeps p − r (the paper's Figure 10
// caption; the README's "Comparison of Schedules" table: activation memory p + 1 / p + 2 against 1F1B's p). The
// expected numbers are derived here from the fixture's model, not read from the implementation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze } from '../../../../src/core/analyze';
import type { StageMemory } from '../../../../src/core/types';
import { repoPath } from '../../../support/paths';

// 8 GPUs, PP 8, 32 layers, h = 4096, s = 4096, V = 256,000 (a multiple of 128: no padding), bf16, distributed
// optimizer on DP 1, micro-batch 1, 24 microbatches.
const FORK = readFileSync(repoPath('test/fixtures/vocab/vocab-parallel-fork.sh'), 'utf8');
const PLAIN = FORK.replace('VOCAB_PARALLEL=1\n', '');
const FB_SPLIT = FORK.replace('VOCAB_PARALLEL=1\n', 'VOCAB_PARALLEL=1\nFB_SPLIT=1\n');
const p = 8;
const h = 4096;
const V = 256_000;
/** Parameter state per parameter: bf16 weight 2 + fp32 gradient 4 + fp32 master weight, Adam m and v 12 (DP 1). */
const BYTES_PER_PARAM = 2 + 4 + 12;

function memoryOf(text: string): StageMemory[] {
  const e = analyze(text, { fileName: 'pretrain_gpt.sh' }).schedules['1f1b'];
  assert.ok(e?.memory && e.memory.length === p);
  return e.memory;
}

const paramState = (m: StageMemory): number =>
  m.breakdownBytes.weights + m.breakdownBytes.grads + m.breakdownBytes.optimizer;
const close = (a: number, b: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('the vocabulary layers’ parameter state is split evenly over all p devices', () => {
  const plain = memoryOf(PLAIN);
  const vp = memoryOf(FORK);
  const share = ((2 * V * h) / p) * BYTES_PER_PARAM; // both vocabulary layers over p devices
  const whole = V * h * BYTES_PER_PARAM; // one vocabulary layer, on one device under 1F1B
  // 1F1B: the input embedding on rank 0, the output layer on rank 7 (untied), nothing of either in between.
  for (let r = 0; r < p; r++) {
    const held = (r === 0 ? whole : 0) + (r === p - 1 ? whole : 0);
    close(paramState(vp[r]!) - paramState(plain[r]!), share - held, `rank ${r}`);
  }
  // So every rank holds the same vocabulary share: 4.4 GiB here, against 17.6 GiB on each end stage under 1F1B.
  assert.equal((share / 2 ** 30).toFixed(1), '4.4');
  assert.equal((whole / 2 ** 30).toFixed(1), '17.6');
});

test('activations for p − r + 1 (Algorithm 2) and p − r + 2 (Algorithm 1) microbatches; logits in p shards', () => {
  const plain = memoryOf(PLAIN);
  for (const [text, extra] of [
    [FORK, 1],
    [FB_SPLIT, 2],
  ] as const) {
    const vp = memoryOf(text);
    for (let r = 0; r < p; r++) {
      const perMicrobatch = plain[r]!.breakdownBytes.activations / (p - r);
      close(vp[r]!.breakdownBytes.activations, perMicrobatch * (p - r + extra), `rank ${r}, +${extra}`);
      // The last stage's fp32 logits (one microbatch under 1F1B) become a V/p shard on every device, held from its S
      // pass to its T pass while the next S pass forms its own: two shards.
      close(vp[r]!.breakdownBytes.logits, (2 * plain[p - 1]!.breakdownBytes.logits) / p, `logits rank ${r}`);
    }
  }
  // 1F1B's last stage holds at least the fp32 logits of one microbatch: s·V·4 bytes.
  assert.ok(plain[p - 1]!.breakdownBytes.logits >= 4096 * V * 4);
});

test('the highest stage peak drops and the stages are closer: the vocabulary no longer sits on the ends', () => {
  const plain = memoryOf(PLAIN).map((m) => m.peakBytes);
  const vp = memoryOf(FORK).map((m) => m.peakBytes);
  // 1F1B: rank 0 (embedding, p microbatches) and rank 7 (output layer, logits) stand out; with Vocabulary Parallelism
  // the peaks fall monotonically with the activations held, p − r + 1 microbatches.
  assert.ok(Math.max(...vp) < Math.max(...plain), `${Math.max(...vp)} vs ${Math.max(...plain)}`);
  for (let r = 1; r < p; r++) assert.ok(vp[r]! < vp[r - 1]!, `rank ${r}`);
  // The end stages give up a whole vocabulary layer each and take a share: rank 7 drops by more than 10 GiB.
  assert.ok(plain[p - 1]! - vp[p - 1]! > 10 * 2 ** 30);
});
