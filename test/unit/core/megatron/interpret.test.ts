// The argument interpreter on hand-built ShellWords (independent of the bash reader): flag forms, values,
// unresolved words, malformed values, and the small parsers (numbers, MoE list expressions, PP layouts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpretArgs } from '../../../../src/core/megatron/interpret';
import { readBashLaunch } from '../../../../src/core/read/bashLaunch';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';
import { parseLayout } from '../../../../src/core/megatron/resolve/listSyntax';
import { lookupFlag, suggestFlag } from '../../../../src/core/megatron/flags/lookup';
import { FLAG_SPECS } from '../../../../src/core/megatron/flags/table';
import { parsePyFloat, parsePyInt } from '../../../../src/core/megatron/pyNumbers';
import { literalBash, literalWords, r, word } from '../../../support/configTestUtil';

const BASE =
  '--num-layers 4 --hidden-size 64 --num-attention-heads 4 --seq-length 128 --max-position-embeddings 128 --micro-batch-size 1';

test('--flag value and --flag=value set the same value; the value range of = form starts after "="', () => {
  const words = literalWords('--pipeline-model-parallel-size 4 --tensor-model-parallel-size=2');
  const res = interpretArgs(words);
  assert.deepEqual(res.diagnostics, []);
  const pp = res.settings.get('--pipeline-model-parallel-size')!;
  assert.deepEqual(pp.values, ['4']);
  assert.deepEqual(pp.range, r(0, 0, 32));
  assert.deepEqual(pp.valueRange, r(0, 31, 32));
  const tp = res.settings.get('--tensor-model-parallel-size')!;
  assert.deepEqual(tp.values, ['2']);
  assert.deepEqual(tp.nameRange, r(0, 33, 61));
  assert.deepEqual(tp.valueRange, r(0, 62, 63));
});

test('last occurrence wins and the earlier one gets a duplicate-flag hint', () => {
  const res = interpretArgs(literalWords('--num-layers 24 --bf16 --num-layers 32'));
  assert.deepEqual(res.settings.get('--num-layers')!.values, ['32']);
  assert.equal(res.diagnostics.length, 1);
  const d = res.diagnostics[0];
  assert.deepEqual([d.code, d.severity], ['duplicate-flag', 'hint']);
  assert.deepEqual(d.range, r(0, 0, 15));
  assert.match(d.message, /keeps the last occurrence \(32\)/);
  assert.deepEqual(d.related?.[0].range, r(0, 23, 38));
});

test('store_true flags and their --no-/--disable- negations', () => {
  const res = interpretArgs(literalWords('--use-flash-attn --no-group-query-attention --disable-swiglu'));
  assert.equal(res.settings.get('--use-flash-attn')!.bool, true);
  assert.equal(res.settings.get('--group-query-attention')!.bool, false);
  assert.equal(res.settings.get('--swiglu')!.bool, false);
  assert.deepEqual(res.diagnostics, []);
  assert.equal(lookupFlag('--no-group-query-attention')?.negated, true);
});

test('numbers the way Python reads them: 1e-4, .01, 6.0e-5, 9_765_625; ints reject 1e3 and 4.0', () => {
  assert.equal(parsePyFloat('1e-4'), 1e-4);
  assert.equal(parsePyFloat('.01'), 0.01);
  assert.equal(parsePyFloat('6.0e-5'), 6e-5);
  assert.equal(parsePyFloat('1.'), 1);
  assert.equal(parsePyFloat('abc'), null);
  assert.equal(parsePyInt('9_765_625'), 9765625);
  assert.equal(parsePyInt('+8'), 8);
  assert.equal(parsePyInt('1e3'), null);
  assert.equal(parsePyInt('4.0'), null);
  assert.equal(parsePyInt('1__0'), null);
  const text = `torchrun --nproc_per_node 1 pretrain_gpt.py ${BASE} --lr 1e-4 --lr-warmup-fraction .01 --train-iters 9_765_625`;
  const read = readBashLaunch(text, literalBash(text));
  assert.equal(read.config.trainIters, 9765625);
  assert.deepEqual(
    read.diagnostics.filter((d) => d.code === 'invalid-flag-value'),
    [],
  );
});

test('invalid-flag-value: a non-integer, a value-less flag at the end, a flag where a value belongs, a bad choice', () => {
  const res = interpretArgs(
    literalWords('--num-layers abc --hidden-size --bf16 --normalization rmsnorm --micro-batch-size'),
  );
  const ds = res.diagnostics.filter((d) => d.code === 'invalid-flag-value');
  assert.equal(ds.length, 4);
  assert.ok(ds.every((d) => d.severity === 'error'));
  assert.deepEqual(ds[0].range, r(0, 13, 16));
  assert.match(ds[0].message, /--num-layers expects an integer, got 'abc'/);
  assert.deepEqual(ds[1].range, r(0, 17, 30));
  assert.match(ds[1].message, /--hidden-size expects a value but is followed by '--bf16'/);
  assert.deepEqual(ds[2].range, r(0, 54, 61));
  assert.match(ds[2].message, /LayerNorm, RMSNorm.*got 'rmsnorm'; did you mean 'RMSNorm'\?/);
  assert.deepEqual(ds[2].fixes?.[0].edits, [{ range: r(0, 54, 61), newText: 'RMSNorm' }]);
  assert.deepEqual(ds[3].range, r(0, 62, 80));
  assert.match(ds[3].message, /is the last argument/);
  assert.equal(res.settings.get('--num-layers')!.values, null);
  assert.equal(res.settings.get('--bf16')!.bool, true);
});

test('a store_true flag given =value is an error on the value', () => {
  const res = interpretArgs(literalWords('--bf16=true'));
  assert.deepEqual(
    res.diagnostics.map((d) => [d.code, d.range]),
    [['invalid-flag-value', r(0, 7, 11)]],
  );
});

test('nargs flags take values up to the next option; --rampup-batch-size takes exactly 3', () => {
  const res = interpretArgs(
    literalWords('--recompute-modules mlp moe --rampup-batch-size 16 16 5859375 --bf16 --data-path 0.5 a 0.5 b'),
  );
  assert.deepEqual(res.settings.get('--recompute-modules')!.values, ['mlp', 'moe']);
  assert.deepEqual(res.settings.get('--rampup-batch-size')!.values, ['16', '16', '5859375']);
  assert.deepEqual(res.settings.get('--data-path')!.values, ['0.5', 'a', '0.5', 'b']);
  assert.deepEqual(res.diagnostics, []);
  const short = interpretArgs(literalWords('--rampup-batch-size 16 16'));
  assert.match(short.diagnostics[0].message, /expects 3 values, got 2/);
});

test('unresolved words: the key is null with the reason, one unresolved-value per root cause', () => {
  const seqDef = r(0, 4, 9);
  const words = [
    word('--seq-length', r(5, 4, 16)),
    word(null, r(5, 17, 21), [{ name: 'SEQ', range: seqDef }], '$SEQ comes from $(cat seq.txt)'),
    word('--max-position-embeddings', r(6, 4, 29)),
    word(null, r(6, 30, 34), [{ name: 'SEQ', range: seqDef }], '$SEQ comes from $(cat seq.txt)'),
  ];
  const text = 'torchrun pretrain_gpt.py';
  const bash = literalBash(text);
  bash.invocations[0].args = [
    ...literalWords('--num-layers 4 --hidden-size 64 --num-attention-heads 4 --micro-batch-size 1'),
    ...words,
  ];
  const read = readBashLaunch(text, bash);
  assert.equal(read.config.seqLength, null);
  assert.equal(read.config.maxPositionEmbeddings, null);
  assert.equal(read.sources.seqLength?.status, 'unresolved');
  assert.equal(read.sources.seqLength?.reason, '$SEQ comes from $(cat seq.txt)');
  const unresolved = read.diagnostics.filter((d) => d.code === 'unresolved-value');
  assert.equal(unresolved.length, 1);
  assert.equal(unresolved[0].severity, 'warning');
  assert.deepEqual(unresolved[0].range, r(5, 17, 21));
  assert.deepEqual(unresolved[0].related, [{ message: 'SEQ is defined here', range: seqDef }]);
  // When the bash reader already reported that word, no second report.
  bash.diagnostics = [{ code: 'unresolved-value', severity: 'warning', message: 'x', range: seqDef }];
  assert.equal(readBashLaunch(text, bash).diagnostics.filter((d) => d.code === 'unresolved-value').length, 1);
});

test('a --flag=$UNKNOWN word keeps the flag and leaves only its value unresolved', () => {
  const w = {
    text: null,
    range: r(0, 0, 25),
    origins: [],
    reason: '$TP is not set',
    knownPrefix: '--tensor-model-parallel-size=',
  };
  const res = interpretArgs([w]);
  const s = res.settings.get('--tensor-model-parallel-size')!;
  assert.equal(s.values, null);
  assert.equal(s.reason, '$TP is not set');
});

test('underscore spellings are recognised with a hint and a rename fix; unknown flags: information, typos: warning', () => {
  const res = interpretArgs(literalWords('--num_layers 4 --pipline-model-parallel-size 2 --my-fork-flag x'));
  assert.equal(res.settings.get('--num-layers')!.values?.[0], '4');
  const [under, typo, unknown] = res.diagnostics;
  assert.deepEqual([under.code, under.severity, under.range], ['underscore-flag', 'hint', r(0, 0, 12)]);
  assert.deepEqual(under.fixes?.[0].edits, [{ range: r(0, 0, 12), newText: '--num-layers' }]);
  assert.deepEqual([typo.code, typo.severity, typo.range], ['unknown-flag', 'warning', r(0, 15, 44)]);
  assert.match(typo.message, /did you mean --pipeline-model-parallel-size\?/);
  assert.deepEqual([unknown.code, unknown.severity, unknown.range], ['unknown-flag', 'information', r(0, 47, 61)]);
  assert.match(unknown.message, /not a flag of any Megatron parser .* the file's dialect is not known/);
  assert.equal(res.diagnostics.length, 3); // 'x' was taken as the unknown flag's value
});

test('deprecated and removed flags name their replacement', () => {
  const res = interpretArgs(
    literalWords('--batch-size 8 --model-parallel-size 2 --activations-checkpoint-method uniform'),
  );
  const ds = res.diagnostics.filter((d) => d.code === 'deprecated-flag');
  assert.equal(ds.length, 3);
  assert.deepEqual([ds[0].severity, ds[0].range], ['error', r(0, 0, 12)]);
  assert.match(ds[0].message, /use --micro-batch-size/);
  assert.deepEqual(ds[0].fixes?.[0].edits[0].newText, '--micro-batch-size');
  assert.deepEqual([ds[1].severity, ds[1].range], ['error', r(0, 15, 36)]);
  assert.match(ds[1].message, /use --tensor-model-parallel-size/);
  assert.deepEqual([ds[2].severity, ds[2].range], ['warning', r(0, 39, 70)]);
  assert.match(ds[2].message, /--recompute-method/);
  // Removed flags do not set anything: Megatron stops on them.
  assert.equal(res.settings.get('--model-parallel-size')!.values?.[0], '2');
  const text = `torchrun --nproc_per_node 8 pretrain_gpt.py ${BASE} --model-parallel-size 2`;
  assert.equal(readBashLaunch(text, literalBash(text)).config.tensorParallel, 1);
});

test("unexpected-argument: a '#' handed to argparse from a commented continuation line", () => {
  const res = interpretArgs(literalWords('--num-layers 4 --bf16 # --fp16'));
  const d = res.diagnostics.find((x) => x.code === 'unexpected-argument')!;
  assert.equal(d.severity, 'warning');
  assert.deepEqual(d.range, r(0, 22, 23));
  assert.match(d.message, /'#' reaches Megatron as an argument/);
});

test('invalid-moe-layer-freq: list length must equal --num-layers', () => {
  const text = `torchrun --nproc_per_node 8 pretrain_gpt.py ${BASE} --num-experts 8 --moe-layer-freq [0]*1+[1]*2`;
  const read = readBashLaunch(text, literalBash(text));
  const d = read.diagnostics.find((x) => x.code === 'invalid-moe-layer-freq')!;
  assert.equal(d.severity, 'error');
  const col = text.indexOf('[0]*1');
  assert.deepEqual(d.range, r(0, col, col + '[0]*1+[1]*2'.length));
  assert.match(d.message, /lists 3 layers but the model has 4/);
  assert.equal(read.config.moeLayerPattern, null);
  const ok = `torchrun --nproc_per_node 8 pretrain_gpt.py ${BASE} --num-experts 8 --moe-layer-freq 2`;
  assert.deepEqual(readBashLaunch(ok, literalBash(ok)).config.moeLayerPattern, [1, 0, 1, 0]);
});

test('pipeline layouts expand (..)*n and give v = stages / p', () => {
  assert.deepEqual(parseLayout('E|(t|)*3,m|L'), ['E', 't', 't', 't', 'm', 'L']);
  assert.equal(parseLayout('E|(t|'), null);
  assert.equal(parseLayout('E|x|L'), null);
  const text = `torchrun --nproc_per_node 2 pretrain_gpt.py ${BASE} --pipeline-model-parallel-size 2 --pipeline-model-parallel-layout Et|t|t|tL`;
  const read = readBashLaunch(text, literalBash(text));
  assert.equal(read.config.virtualStages, 2);
  assert.deepEqual(
    read.diagnostics.filter((d) => d.code === 'invalid-pipeline-layout'),
    [],
  );
});

test('suggestFlag only suggests when the nearest flag is clear; the table has no duplicate names', () => {
  assert.equal(suggestFlag('--hiden-size')?.name, '--hidden-size');
  assert.equal(suggestFlag('--totally-different-thing'), null);
  const names = FLAG_SPECS.flatMap((s) => [s.name, ...(s.aliases ?? [])]);
  assert.equal(new Set(names).size, names.length);
  assert.ok(FLAG_SPECS.every((s) => s.doc.length > 0 && s.name.startsWith('--')));
});

test('a choice only the file’s own Megatron adds is not an error', () => {
  // MindSpeed-LLM c77308a1 mindspeed_llm/features_manager/transformer/multi_latent_attention/csa_feature.py:11 adds
  // 'deepseek4' to --position-embedding-type; Megatron-LM d98e8a64 arguments.py does not have it.
  const launch = (dialect: string): string =>
    `# schedule-inspector: dialect=${dialect}\ntorchrun --nproc_per_node 8 pretrain_gpt.py --position-embedding-type deepseek4\n`;
  const severity = (dialect: string): string | undefined =>
    readLaunchConfig(launch(dialect), 'train.sh').diagnostics.find((d) => d.code === 'invalid-flag-value')?.severity;
  assert.equal(severity('mindspeed-llm'), 'information');
  assert.equal(severity('megatron-lm'), 'error');
});
