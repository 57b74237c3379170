// The Vocabulary Parallelism fork as a dialect (issue 18): a launch in its style is read as sail-sg/
// VocabularyParallelism, its own flags are known (no unknown-flag), the flags pick the schedule, and the fork's own
// assertions become errors. Sources, all at 6191c3bf:
// - megatron/training/arguments.py:1504-1520 — the flags (--enable-vocab-parallel, --use-interlaced-schedule,
//   --disable-backward-fusion, --schedule-timer-start/-end, --enable-layer-redistribution, --final-stage-num-layers);
// - :305-317 — with --enable-vocab-parallel: PP > 1, no virtual pipeline, --make-vocab-size-divisible-by a multiple of
//   TP·PP, untied embeddings; :318-320 — without it both variant flags are set to False;
// - :283-292 — with --enable-layer-redistribution: PP > 1, 0 ≤ --final-stage-num-layers ≤ L, no virtual pipeline,
//   no legacy models;
// - megatron/core/pipeline_parallel/schedules.py:107-121 — which forward-backward function runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readLaunchConfig } from '../../../../../src/core/read/readLaunchConfig';
import type { CoreDiagnostic, LaunchConfigRead } from '../../../../../src/core/types';
import { repoPath } from '../../../../support/paths';

const FORK = readFileSync(repoPath('test/fixtures/vocab/vocab-parallel-fork.sh'), 'utf8');
const read = (text: string): LaunchConfigRead => readLaunchConfig(text, 'pretrain_gpt.sh');
const edited = (from: string, to: string, text = FORK): string => {
  assert.ok(text.includes(from), from);
  return text.replace(from, to);
};
/** The fixture with extra flags appended to its options string. */
const withFlags = (flags: string, text = FORK): string => edited('  --bf16"', `  --bf16 ${flags}"`, text);
const codes = (r: LaunchConfigRead, code: string): CoreDiagnostic[] => r.diagnostics.filter((d) => d.code === code);
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle));

test('a launch in the fork’s style is read as the Vocabulary Parallelism fork, its flags known', () => {
  const r = read(FORK);
  assert.equal(r.dialect?.id, 'vocab-parallel');
  // --enable-vocab-parallel is on the Zero-Bubble fork's v-half-vocab branch too (92895b9a arguments.py:1249), so it is
  // strong evidence, not decisive; the timer flags are that branch's too (:1255-1258) and no Megatron-LM's, so they
  // weigh for both forks (dialectSets.ts forksDefining) — and the repository's name in the file decides between them.
  const seen = r.dialect!.evidence.filter((e) => e.dialect === 'vocab-parallel').map((e) => e.what);
  assert.ok(seen.includes('flag --enable-vocab-parallel'), seen.join(', '));
  assert.ok(seen.includes('flag --schedule-timer-start'), seen.join(', '));
  const zb = r.dialect!.evidence.filter((e) => e.dialect === 'zero-bubble').map((e) => e.what);
  assert.deepEqual(zb, ['flag --schedule-timer-start', 'flag --schedule-timer-end']);
  // Without --enable-vocab-parallel (the fork's scripts run plain 1F1B too) it is still this fork's launch, not
  // Megatron-LM's: the timer flags and the name outweigh the entry script.
  assert.equal(read(edited('VOCAB_PARALLEL=1\n', '')).dialect?.id, 'vocab-parallel');
  assert.deepEqual(codes(r, 'unknown-flag'), []);
  assert.equal(r.config.vocabParallelSchedule, 'vocab-2');
  // Every flag the fork's parser adds is known under its dialect, however it is spelled.
  const all = withFlags(
    '--use-interlaced-schedule --enable-layer-redistribution --final-stage-num-layers 2 --schedule_timer_end 30',
  );
  assert.deepEqual(
    codes(read(all), 'unknown-flag').map((d) => d.message),
    [],
  );
  // --use-interlaced-schedule only this fork defines: decisive on its own, even without the repository's name.
  const bare = read(
    'torchrun --nproc_per_node 4 pretrain_gpt.py --pipeline-model-parallel-size 4 --use-interlaced-schedule\n',
  );
  assert.equal(bare.dialect?.id, 'vocab-parallel');
});

test('the flags choose the algorithm: one barrier by default, two with --disable-backward-fusion, interlaced', () => {
  assert.equal(read(FORK).config.vocabParallelSchedule, 'vocab-2');
  const fbSplit = edited('VOCAB_PARALLEL=1\n', 'VOCAB_PARALLEL=1\nFB_SPLIT=1\n');
  assert.equal(read(fbSplit).config.vocabParallelSchedule, 'vocab-1');
  // schedules.py:111-120: the interlaced schedule is checked before vocabulary parallelism; it is simulated
  // (schedule/vocabInterlaced.ts), so nothing says otherwise.
  const interlaced = read(withFlags('--use-interlaced-schedule --disable-backward-fusion'));
  assert.equal(interlaced.config.vocabParallelSchedule, 'interlaced');
  assert.deepEqual(codes(interlaced, 'schedule-not-simulated'), []);
  // Off: without VOCAB_PARALLEL the script passes none of the flags.
  assert.equal(read(edited('VOCAB_PARALLEL=1\n', '')).config.vocabParallelSchedule, null);
});

test('the fork’s assertions on --enable-vocab-parallel are errors on the flag (arguments.py:305-317)', () => {
  assert.deepEqual(codes(read(FORK), 'vocab-parallel-invalid'), []);
  // :306-307: PP > 1.
  const pp1 = edited('PIPELINE_SIZE=8', 'PIPELINE_SIZE=1');
  const one = codes(read(pp1), 'vocab-parallel-invalid');
  assert.equal(one.length, 1);
  assert.equal(one[0]!.severity, 'error');
  assert.match(one[0]!.message, /asserts PP > 1/);
  assert.equal(one[0]!.range.line, lineOf(pp1, '--enable-vocab-parallel'));
  // :310-315: the padding unit 128 is a multiple of TP·PP = 8, not of 3 or of 2·8 = 16 when the unit is 8.
  const pp3 = edited('PIPELINE_SIZE=8', 'PIPELINE_SIZE=3', edited('LAYERS=32', 'LAYERS=33'));
  assert.match(codes(read(pp3), 'vocab-parallel-invalid')[0]?.message ?? '', /\(128\) to be a multiple of TP·PP = 3/);
  const unit = withFlags(
    '--make-vocab-size-divisible-by 8',
    edited('--tensor-model-parallel-size 1', '--tensor-model-parallel-size 2'),
  );
  assert.match(codes(read(unit), 'vocab-parallel-invalid')[0]?.message ?? '', /\(8\) to be a multiple of TP·PP = 16/);
  // 128 over TP 2 · PP 8 = 16 divides.
  const tp2 = edited('--tensor-model-parallel-size 1', '--tensor-model-parallel-size 2');
  assert.deepEqual(codes(read(tp2), 'vocab-parallel-invalid'), []);
  // :316-317: untied embeddings, with a quick fix that adds the flag.
  const tied = read(edited('  --untie-embeddings-and-output-weights \\\n', ''));
  const untie = codes(tied, 'vocab-parallel-invalid');
  assert.equal(untie.length, 1);
  assert.match(untie[0]!.message, /requires --untie-embeddings-and-output-weights/);
  assert.equal(untie[0]!.fixes?.[0]?.title, 'Add --untie-embeddings-and-output-weights');
  // :308-309: no virtual pipeline, on the VPP flag (v = 4 / 2 = 2 here).
  const vpp = withFlags('--num-layers-per-virtual-pipeline-stage 2');
  const v = codes(read(vpp), 'vocab-parallel-invalid');
  assert.equal(v.length, 1);
  assert.match(v[0]!.message, /non-interleaved 1F1B only/);
  assert.equal(v[0]!.range.line, lineOf(vpp, '--num-layers-per-virtual-pipeline-stage'));
});

test('variant flags without --enable-vocab-parallel are turned off (arguments.py:318-320): a hint, no schedule', () => {
  const off = edited('VOCAB_PARALLEL=1\n', '', withFlags('--disable-backward-fusion'));
  const r = read(off);
  assert.equal(r.config.vocabParallelSchedule, null);
  const hint = codes(r, 'vocab-parallel-flag-ignored');
  assert.equal(hint.length, 1);
  assert.equal(hint[0]!.severity, 'hint');
  assert.match(hint[0]!.message, /--disable-backward-fusion has no effect without --enable-vocab-parallel/);
});

test('layer redistribution is checked as the fork checks it (arguments.py:283-292)', () => {
  assert.deepEqual(
    codes(read(withFlags('--enable-layer-redistribution --final-stage-num-layers 0')), 'layer-redistribution-invalid'),
    [],
  );
  const tooMany = read(withFlags('--enable-layer-redistribution --final-stage-num-layers 40'));
  assert.match(
    codes(tooMany, 'layer-redistribution-invalid')[0]?.message ?? '',
    /--final-stage-num-layers 40 must be between 0 and the number of layers \(32\)/,
  );
  const vpp = read(withFlags('--enable-layer-redistribution --num-layers-per-virtual-pipeline-stage 2'));
  assert.ok(codes(vpp, 'layer-redistribution-invalid').some((d) => /does not support interleaved/.test(d.message)));
  const legacy = read(withFlags('--enable-layer-redistribution --use-legacy-models'));
  assert.ok(codes(legacy, 'layer-redistribution-invalid').some((d) => /Megatron-Core models/.test(d.message)));
});

test('V-Half with --enable-vocab-parallel (the Zero-Bubble fork’s v-half-vocab branch) is read and simulated', () => {
  // 92895b9a megatron/training/arguments.py:327-331: the branch runs vocabulary parallelism on V-Half only.
  const text = [
    'cd /workspace/zero-bubble-pipeline-parallelism',
    'torchrun --nproc_per_node 8 pretrain_gpt.py --pipeline-model-parallel-size 8 --num-layers 32 --hidden-size 4096 \\',
    '  --num-attention-heads 32 --seq-length 4096 --max-position-embeddings 4096 --micro-batch-size 1 \\',
    '  --global-batch-size 32 --vocab-size 256000 --tokenizer-type NullTokenizer --untie-embeddings-and-output-weights \\',
    '  --use-flash-attn --bf16 --train-iters 10 --lr 1e-4 \\',
    '  --zero-bubble-v-schedule --zero-bubble-v-schedule-mem-setup half --enable-vocab-parallel',
    '',
  ].join('\n');
  const r = read(text);
  assert.equal(r.dialect?.id, 'zero-bubble');
  assert.equal(r.config.zeroBubbleSchedule, 'v-half');
  assert.equal(r.config.vocabParallelSchedule, 'vocab-2');
  // Simulated (schedule/vocabVHalf.ts); ZB-V and V-Min, which the branch's assert stops, are named as not simulated.
  assert.deepEqual(codes(r, 'schedule-not-simulated'), []);
  const vMin = read(text.replace('mem-setup half', 'mem-setup min'));
  assert.ok(codes(vMin, 'schedule-not-simulated').some((d) => /V-Half only/.test(d.message)));
  // The branch has no no-VPP assertion (its V sets the virtual pipeline itself).
  assert.deepEqual(codes(r, 'vocab-parallel-invalid'), []);
});

test('the fork’s own layer split: any L without VPP, and --final-stage-num-layers with redistribution', () => {
  // transformer_block.py:52-66 at 6191c3bf (get_num_layers_to_build): ⌊L/p⌋ per stage (⌊(L − F)/(p − 1)⌋ with
  // redistribution, the last stage F), the remainder one layer each on ranks p − 2, p − 3, … Worked by hand:
  // L = 33, p = 8: 4 each, the one left over on rank 6. L = 32, F = 0 (the paper's "redis" baseline): 32 over 7 ranks
  // is 4 each with 4 left over, on ranks 6, 5, 4, 3.
  const odd = read(edited('LAYERS=32', 'LAYERS=33'));
  assert.equal(odd.config.layerSplitMethod, 'vocab-parallel-fork');
  assert.deepEqual(odd.config.layersPerStage, [4, 4, 4, 4, 4, 4, 5, 4]);
  assert.deepEqual(codes(odd, 'layers-not-divisible-by-pp'), []);
  const redis = read(withFlags('--enable-layer-redistribution --final-stage-num-layers 0'));
  assert.deepEqual(redis.config.layersPerStage, [4, 4, 4, 5, 5, 5, 5, 0]);
  const two = read(withFlags('--enable-layer-redistribution --final-stage-num-layers 2'));
  // F = 2: 30 over 7 ranks is 4 each with 2 left over, on ranks 6 and 5.
  assert.deepEqual(two.config.layersPerStage, [4, 4, 4, 4, 4, 5, 5, 2]);
  // An even split without the flag is Megatron-LM's own: nothing changes.
  assert.equal(read(FORK).config.layerSplitMethod, 'megatron');
  // The same odd L under Megatron-LM is still its error (the dialect decides).
  const mlm = readLaunchConfig(edited('LAYERS=32', 'LAYERS=33'), 'pretrain_gpt.sh', 'megatron-lm');
  assert.equal(codes(mlm, 'layers-not-divisible-by-pp').length, 1);
});
