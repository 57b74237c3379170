// The dialect sets are stored as deltas against each other (src/core/megatron/flags/sets/packed.ts, written by
// scripts/extract-flags.mjs). Each decoded set must be the set the generator encoded: its header states the token
// count and an FNV-1a checksum computed from the token list before encoding, and the decoder's output is compared with
// both. Fork differences that a delta has to carry (a flag only one fork has, the same flag with other choices) are
// checked against the forks' own parsers, at the commits named in the sets' headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dialectFlag, setTokens } from '../../../../../src/core/megatron/flags/dialectSets';
import { readLaunchConfig } from '../../../../../src/core/read/readLaunchConfig';
import type { SetName } from '../../../../../src/core/megatron/flags/sets/packed';
import { repoPath } from '../../../../support/paths';

const SETS_DIR = 'src/core/megatron/flags/sets';
const FILE_SET: Readonly<Record<string, SetName>> = {
  'megatronLm.ts': 'megatron-lm',
  'megatronLmReleases.ts': 'megatron-lm-releases',
  'megatronDeepspeed.ts': 'megatron-deepspeed',
  'megatronDeepspeedBigscience.ts': 'megatron-deepspeed-bigscience',
  'seq1f1b.ts': 'seq1f1b',
  'zeroBubble.ts': 'zero-bubble',
  'zeroBubbleVHalfVocab.ts': 'zero-bubble-v-half-vocab',
  'vocabParallel.ts': 'vocab-parallel',
  'mindspeedLlm.ts': 'mindspeed-llm',
  'mindspeed.ts': 'mindspeed',
  'pai.ts': 'pai',
};

/** FNV-1a, 32 bits, over UTF-16 code units — written here independently of the generator's copy. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

test('every set file decodes to the token count and checksum its header states', () => {
  const files = readdirSync(repoPath(SETS_DIR)).filter((f) => f !== 'packed.ts');
  assert.deepEqual(files.sort(), Object.keys(FILE_SET).sort(), 'a set file without a SetName, or the reverse');
  for (const file of files) {
    const header = readFileSync(repoPath(SETS_DIR, file), 'utf8');
    const stated = /Decoded: (\d+) tokens, FNV-1a ([0-9a-f]{8})/.exec(header);
    assert.ok(stated, `${file} states no count and checksum`);
    const tokens = setTokens(FILE_SET[file]!);
    assert.equal(tokens.length, Number(stated[1]), `${file}: token count`);
    assert.equal(fnv1a(tokens.join('\n')), stated[2], `${file}: checksum`);
    assert.equal(new Set(tokens).size, tokens.length, `${file}: a token twice`);
    assert.ok(
      tokens.every((t) => /^--[^\s:]+(:([0-9]+|[?*+])[if]?(\{[^\s{}]*\})?)?$/.test(t)),
      `${file}: a token outside the grammar`,
    );
    // "N spellings" is the generator's count of flags with a spec (one token each); generated files only.
    const spellings = /^\/\/ (\d+) spellings\.$/m.exec(header);
    if (spellings)
      assert.equal(tokens.filter((t) => t.includes(':')).length, Number(spellings[1]), `${file}: spellings`);
  }
});

test('the deltas carry what differs between neighbouring forks, with each fork its own arity and choices', () => {
  const has = (set: SetName, token: string) => setTokens(set).includes(token);
  // Zero-Bubble 39f2c186 megatron/training/arguments.py:1050-1051 adds a 'chunk' recompute method; the Vocabulary
  // Parallelism fork 6191c3bf megatron/training/arguments.py:1058-1059 keeps Megatron's two.
  assert.ok(has('zero-bubble', '--recompute-method:1{uniform|block|chunk}'));
  assert.ok(has('vocab-parallel', '--recompute-method:1{uniform|block}'));
  assert.ok(!has('zero-bubble', '--recompute-method:1{uniform|block}'));
  // Zero-Bubble megatron/core/zbpp_utils.py:41 --enable-zero-bubble (store_true); the VP fork has no zbpp_utils.
  assert.ok(has('zero-bubble', '--enable-zero-bubble:0'));
  assert.ok(!has('vocab-parallel', '--enable-zero-bubble:0'));
  // The VP fork's arguments.py:1507 --use-interlaced-schedule; the Zero-Bubble fork's main branch has none.
  assert.ok(has('vocab-parallel', '--use-interlaced-schedule:0'));
  assert.ok(!has('zero-bubble', '--use-interlaced-schedule:0'));
  // Seq1F1B 68934661 megatron/arguments.py:732 --pipe-sp-splits type=int, :1021-1022 backends nccl and gloo;
  // Megatron-DeepSpeed f4157bea megatron/arguments.py:1170-1171 adds ccl and hccl and has no --pipe-sp-splits.
  assert.ok(has('seq1f1b', '--pipe-sp-splits:1i'));
  assert.ok(!has('megatron-deepspeed', '--pipe-sp-splits:1i'));
  assert.ok(has('seq1f1b', '--distributed-backend:1{nccl|gloo}'));
  assert.ok(has('megatron-deepspeed', '--distributed-backend:1{nccl|gloo|ccl|hccl}'));
  // BigScience's Megatron-DeepSpeed 8387ae17 megatron/arguments.py:633 --override-lr-scheduler; Microsoft's has none.
  assert.ok(has('megatron-deepspeed-bigscience', '--override-lr-scheduler:0'));
  assert.ok(!has('megatron-deepspeed', '--override-lr-scheduler:0'));
  // And the lookups see the decoded sets: each dialect takes its own parser's choices.
  assert.deepEqual(dialectFlag('--recompute-method', 'zero-bubble')?.flag.choices, ['uniform', 'block', 'chunk']);
  assert.deepEqual(dialectFlag('--recompute-method', 'vocab-parallel')?.flag.choices, ['uniform', 'block']);
  assert.deepEqual(dialectFlag('--distributed-backend', 'seq1f1b')?.flag.choices, ['nccl', 'gloo']);
});

test("Megatron-LM's aliased spellings are each its own, and a BooleanOptionalAction flag takes no value", () => {
  // megatron-lm-head.tsv (the d98e8a64 parser dumped) separates an option's spellings with a space: line 128
  // `--no-fp8-wgrad --disable-fp8-wgrad` store_false; line 375 `--rl-persist-cuda-graphs --no-rl-persist-cuda-graphs`
  // is arguments.py:2766 action=argparse.BooleanOptionalAction, which takes no value (argparse: nargs=0).
  for (const spelling of [
    '--no-fp8-wgrad',
    '--disable-fp8-wgrad',
    '--rl-persist-cuda-graphs',
    '--no-rl-persist-cuda-graphs',
  ])
    assert.deepEqual(
      [dialectFlag(spelling, 'megatron-lm')?.own, dialectFlag(spelling, 'megatron-lm')?.flag.arity],
      [true, 0],
      spelling,
    );
  // Read as a launch: neither spelling is unknown, and the flag after a BooleanOptionalAction one is read as a flag.
  const r = readLaunchConfig(
    `#!/bin/bash\ntorchrun pretrain_gpt.py --num-layers 4 --hidden-size 256 --num-attention-heads 4 --seq-length 512 ` +
      `--max-position-embeddings 512 --micro-batch-size 1 --global-batch-size 8 --vocab-size 1000 ` +
      `--no-fp8-wgrad --no-inference-wandb-logging --tensor-model-parallel-size 2\n`,
    'run.sh',
  );
  assert.equal(r.dialect?.id, 'megatron-lm');
  assert.deepEqual(
    r.diagnostics.filter((d) => d.code === 'unknown-flag' || d.code === 'unexpected-argument').map((d) => d.message),
    [],
  );
  assert.equal(r.config.tensorParallel, 2);
});
