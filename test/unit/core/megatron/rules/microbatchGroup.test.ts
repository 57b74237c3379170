// --microbatch-group-size-per-virtual-pipeline-stage (Megatron-Core ≥ 0.10): NVIDIA/Megatron-LM d98e8a64
// megatron/core/pipeline_parallel/schedules.py:1160-1168 raises ValueError unless PP ≤ G ≤ M, and :1172-1180
// RuntimeError when 0 < M mod G < PP; there is no M mod PP check once G is set (the only other interleaved check of
// the microbatch count is this one). The flag's default is PP (model_parallel_config.py:567-568).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLaunchConfig } from '../../../../../src/core/read/readLaunchConfig';
import type { CoreDiagnostic } from '../../../../../src/core/types';

/** PP 4, VPP 2 (8 layers, 1 per virtual stage), 8 GPUs → DP 2, micro-batch 1: m = GBS / 2. */
const script = (gbs: number, extra: string, entry = 'pretrain_gpt.py'): string =>
  `torchrun --nproc_per_node 8 ${entry} --num-layers 8 --hidden-size 1024 --num-attention-heads 16 --seq-length 2048 ` +
  `--max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size ${gbs} --pipeline-model-parallel-size 4 ` +
  `--num-layers-per-virtual-pipeline-stage 1 --vocab-size 32000 --bf16 ${extra}\n`;

const CODES = ['microbatch-group-size-invalid', 'interleaved-microbatches-not-divisible'];
const found = (text: string): CoreDiagnostic[] =>
  readLaunchConfig(text, 'train.sh').diagnostics.filter((d) => CODES.includes(d.code));
const group = (g: number): string => `--microbatch-group-size-per-virtual-pipeline-stage ${g}`;

test('G below PP or above m is a ValueError in Megatron-Core ≥ 0.10, reported on the group size', () => {
  for (const [gbs, g, what] of [
    [16, 3, /group size 3 is below PP 4/], // m = 8
    [16, 9, /group size 9 is more than the 8 microbatches/],
  ] as const) {
    const text = script(gbs, group(g));
    const ds = found(text);
    assert.equal(ds.length, 1, JSON.stringify(ds.map((d) => d.message)));
    assert.equal(ds[0].code, 'microbatch-group-size-invalid');
    assert.equal(ds[0].severity, 'error');
    assert.match(ds[0].message, what);
    assert.match(ds[0].message, /ValueError/);
    assert.equal(text.slice(0, text.length).split('\n')[ds[0].range.line].includes(group(g)), true);
    // m = 8 is a multiple of PP: G = PP is a valid fix.
    assert.equal(ds[0].fixes?.[0]?.title, 'Set the microbatch group size to PP (4)');
  }
});

test('a last group of fewer than PP microbatches is a RuntimeError; 0 or ≥ PP left over is accepted', () => {
  // m = 8, G = 5: 8 mod 5 = 3 < 4.
  const bad = found(script(16, group(5)));
  assert.deepEqual(
    bad.map((d) => d.code),
    ['microbatch-group-size-invalid'],
  );
  assert.match(bad[0].message, /last microbatch group holds 3 of 8 microbatches .* RuntimeError/);
  // m = 10 (GBS 20), G = 6: 10 mod 6 = 4 ≥ PP — accepted although 10 is not a multiple of PP (no m mod p rule).
  assert.deepEqual(found(script(20, group(6))), []);
  // m = 10, G = 5: 10 mod 5 = 0.
  assert.deepEqual(found(script(20, group(5))), []);
  // m = 10 with G = 4: 10 mod 4 = 2 < 4; G = PP is no fix there (m is not a multiple of PP).
  const noFix = found(script(20, group(4)));
  assert.equal(noFix.length, 1);
  assert.equal(noFix[0].fixes, undefined);
});

test('without the flag, G = PP: the classic multiple-of-PP check speaks, once', () => {
  assert.deepEqual(
    found(script(20, '')).map((d) => d.code),
    ['interleaved-microbatches-not-divisible'],
  );
  assert.deepEqual(found(script(16, '')), []);
});

test('no VPP: the group size is not read, no diagnostic', () => {
  const text = script(16, group(3)).replace('--num-layers-per-virtual-pipeline-stage 1 ', '');
  assert.deepEqual(found(text), []);
});

test('a fork on a Megatron before 0.10 (Seq1F1B, legacy warm-up) gets the old rule, not this one', () => {
  // The Seq1F1B fork's schedules.py has no group size: its interleaved check is m mod p (seq1f1b.md §1.4).
  const text = script(20, `${group(6)} --pipe-sp-splits 1`);
  const read = readLaunchConfig(text, 'train.sh');
  assert.equal(read.config.interleavedWarmup, 'legacy');
  assert.deepEqual(
    found(text).map((d) => d.code),
    ['interleaved-microbatches-not-divisible'],
  );
});
