// `--moe-layer-freq` read as Megatron reads it. Megatron-LM d98e8a64: moe_freq_type (megatron/training/arguments.py:
// 327-350) evaluates any text containing `[` as a Python expression (through _eval_pattern, :245-253, which since
// May 2025 allows only digits and `,[]()+*`) and sends any other text to int(); get_gpt_decoder_layer_specs
// (megatron/core/models/gpt/gpt_layer_specs.py:647-671) makes layer i MoE when `i % N == 0` for an int, asserts a
// list's length equals num_layers and raises on an entry other than 0 or 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readLayerFreqList, type LayerFreqRead } from '../../../../src/core/megatron/resolve/layerFreq';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';
import type { LaunchConfigRead } from '../../../../src/core/types';
import { repoPath } from '../../../support/paths';

const list = (text: string, max = 1000): LayerFreqRead => readLayerFreqList(text, max);
const ok = (value: number[], rejectedByCurrent: string | null = null): LayerFreqRead => ({
  kind: 'list',
  value,
  rejectedByCurrent,
});
const rep = (entries: number[], times: number): number[] => Array.from({ length: times }, () => entries).flat();

test("the examples of Megatron's own help text read as Python evaluates them", () => {
  // arguments.py:333-341 at d98e8a64: "([1]*3+[0]*1)*3" is [1,1,1,0,1,1,1,0,1,1,1,0]; "([0]+[1]*23)" one dense
  // layer then 23 MoE; "([1]*3+[0]*2)*2" three MoE, two dense, twice.
  assert.deepEqual(list('([1]*3+[0]*1)*3'), ok([1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0]));
  assert.deepEqual(list('([0]+[1]*23)'), ok([0, ...rep([1], 23)]));
  assert.deepEqual(list('([1]*3+[0]*2)*2'), ok([1, 1, 1, 0, 0, 1, 1, 1, 0, 0]));
  // As the functional tests write it (tests/functional_tests/test_cases/moe/*/model_config.yaml).
  assert.deepEqual(list('([0]*3+[1]*13)'), ok([0, 0, 0, ...rep([1], 13)]));
});

test("Python's list arithmetic: repeat either side, counts ≤ 0 empty, int arithmetic in counts, trailing commas", () => {
  assert.deepEqual(list('2*[0,1]'), ok([0, 1, 0, 1]));
  assert.deepEqual(list('[1,0,]*2'), ok([1, 0, 1, 0]));
  assert.deepEqual(list('((([0])))*(1+2)+[1]*(2*2)'), ok([0, 0, 0, 1, 1, 1, 1]));
  assert.deepEqual(list('[1]*0+[0]'), ok([0]));
  assert.deepEqual(list('[]+[1]'), ok([1]));
  // `list * n` with n huge then `* 0` is empty: nothing is built in between.
  assert.deepEqual(list('[1]*1000000*0', 100), ok([]));
  assert.deepEqual(list('[1]*1000000', 100), { kind: 'too-long', length: 1_000_000, rejectedByCurrent: null });
});

test('characters current Megatron-LM refuses are read but named (older releases eval them)', () => {
  // _eval_pattern (arguments.py:249-251 at d98e8a64, since 7c1baead) raises on anything but digits and ,[]()+*;
  // before it, moe_freq_type called eval(x) directly.
  assert.deepEqual(list('[0]*3 + [1]*5'), ok([0, 0, 0, 1, 1, 1, 1, 1], 'spaces'));
  assert.deepEqual(list('[0]+[1]*(4-1)'), ok([0, 1, 1, 1], "'-'"));
  assert.deepEqual(list('[1]*-2+[0]'), ok([0], "'-'"));
});

test('what Python or Megatron certainly refuses is malformed', () => {
  for (const text of [
    '[1]*', // SyntaxError
    '([0]*3+[1]*5', // unbalanced
    '[0]*3+[1]]', // unbalanced
    '[0]*3+1', // list + int: TypeError
    '[1]*[2]', // list * list: TypeError
    '-[1]', // unary minus on a list: TypeError
    '[01]', // leading zero: SyntaxError in Python 3
    '([1]*4,)', // a tuple: gpt_layer_specs.py:658-661 raises ValueError for anything but int or list
    '[1] 0', // two operands in a row: SyntaxError
    '[2]*3', // an entry other than 0/1: gpt_layer_specs.py:665-671 "Invalid layer pattern"
    '[[1],[0]]', // nested lists are entries other than 0/1
  ])
    assert.equal(list(text).kind, 'malformed', text);
});

test('valid Python beyond the grammar is unreadable, never evaluated', () => {
  for (const text of [
    "__import__('os').system('x')",
    '[1]*2**3',
    '[1,0][0]*[1]',
    '[1]*N',
    '[1]*4 # four MoE layers',
    '[*[1]]',
    '[1]*0x4',
  ])
    assert.equal(list(text).kind, 'unreadable', text);
  assert.equal(list('('.repeat(200) + '[1]' + ')'.repeat(200)).kind, 'unreadable');
});

const BASE =
  'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 4 --hidden-size 64 --num-attention-heads 4 --seq-length 128 --max-position-embeddings 128 --micro-batch-size 1 --num-experts 8';
const launch = (freq: string): LaunchConfigRead => readLaunchConfig(`${BASE} --moe-layer-freq ${freq}\n`, 'run.sh');
const codes = (read: LaunchConfigRead, code: string): { severity: string; message: string }[] =>
  read.diagnostics.filter((d) => d.code === code);
const fixture = (name: string): LaunchConfigRead =>
  readLaunchConfig(readFileSync(repoPath('test/fixtures/lists', name), 'utf8'), name);

test('a parenthesised pattern is no error: the layers follow it (bash and functional-test YAML)', () => {
  const bash = fixture('moe-freq-pattern.sh');
  assert.deepEqual(codes(bash, 'invalid-moe-layer-freq'), []);
  assert.deepEqual(bash.config.moeLayerPattern, [0, 0, 0, ...rep([1], 13)]);
  const yaml = fixture('moe-freq-functional.yaml');
  assert.deepEqual(codes(yaml, 'invalid-moe-layer-freq'), []);
  assert.deepEqual(yaml.config.moeLayerPattern, [0, 1]);
});

test('an integer N: layer i is MoE when i % N == 0, with Python % (so -1 is every layer)', () => {
  // moe_freq_type('-1') is int('-1') (arguments.py:348-350); gpt_layer_specs.py:647-650 tests i % -1 == 0, true for
  // every i in Python. MindSpeed-LLM (c77308a1) mindspeed_llm/core/transformer/transformer_block.py:163-166 tests the
  // same modulo only from layer --first-k-dense-replace on (the fixture sets 1): layer 0 dense, the other 7 MoE.
  const m1 = fixture('moe-freq-minus-one.sh');
  assert.deepEqual(codes(m1, 'invalid-moe-layer-freq'), []);
  assert.deepEqual(m1.config.moeLayerPattern, [0, ...rep([1], 7)]);
  assert.deepEqual(launch('-1').config.moeLayerPattern, rep([1], 4));
  assert.deepEqual(launch('2').config.moeLayerPattern, [1, 0, 1, 0]);
  assert.deepEqual(launch('-2').config.moeLayerPattern, [1, 0, 1, 0]);
  assert.match(launch('-2').sources.moeLayerPattern?.note ?? '', /same layers as 2/);
});

test('MindSpeed-LLM --first-k-dense-replace keeps the first K layers dense, with or without --moe-layer-freq', () => {
  // transformer_block.py:163-166 (MindSpeed-LLM c77308a1): MoE iff (layer - 1) >= K and (layer - 1) % freq == 0, for a
  // 1-based layer number; Megatron's default --moe-layer-freq is 1 (arguments.py:327-350 at d98e8a64).
  const k2 = readLaunchConfig(`${BASE} --first-k-dense-replace 2 --moe-layer-freq 1\n`, 'run.sh');
  assert.deepEqual(k2.config.moeLayerPattern, [0, 0, 1, 1]);
  const k1every2 = readLaunchConfig(`${BASE} --first-k-dense-replace 1 --moe-layer-freq 2\n`, 'run.sh');
  assert.deepEqual(k1every2.config.moeLayerPattern, [0, 0, 1, 0]);
  const noFreq = readLaunchConfig(`${BASE} --first-k-dense-replace 3\n`, 'run.sh');
  assert.deepEqual(noFreq.config.moeLayerPattern, [0, 0, 0, 1]);
});

test('invalid-moe-layer-freq errors only where Megatron certainly stops', () => {
  // 0: gpt_layer_specs.py:648 computes i % 0 (ZeroDivisionError).
  const zero = codes(launch('0'), 'invalid-moe-layer-freq');
  assert.equal(zero[0]?.severity, 'error');
  assert.match(zero[0]?.message ?? '', /ZeroDivisionError/);
  // No '[': int() (arguments.py:350) refuses it.
  assert.equal(codes(launch('1.5'), 'invalid-moe-layer-freq')[0]?.severity, 'error');
  // A certain length other than num_layers: the assertion at gpt_layer_specs.py:651-656.
  const long = codes(launch("'[1]*1000000'"), 'invalid-moe-layer-freq');
  assert.equal(long[0]?.severity, 'error');
  assert.match(long[0]?.message ?? '', /lists 1000000 layers but the model has 4/);
  assert.equal(codes(launch("'([0]*3+[1]*2)'"), 'invalid-moe-layer-freq')[0]?.severity, 'error');
  // Python's TypeError on list + int.
  assert.equal(codes(launch("'[0]*3+1'"), 'invalid-moe-layer-freq')[0]?.severity, 'error');
});

test('a pattern the grammar cannot read warns and assumes every layer MoE; refused characters warn', () => {
  const unreadable = launch("'[1]*2**2'");
  assert.deepEqual(codes(unreadable, 'invalid-moe-layer-freq'), []);
  const w = codes(unreadable, 'unresolved-value');
  assert.equal(w.length, 1);
  assert.equal(w[0]?.severity, 'warning');
  assert.match(w[0]?.message ?? '', /could not be read statically .*every layer is assumed/);
  assert.deepEqual(unreadable.config.moeLayerPattern, [1, 1, 1, 1]);
  const spaced = launch("'[0]*1 + [1]*3'");
  const s = codes(spaced, 'invalid-moe-layer-freq');
  assert.deepEqual(
    s.map((d) => d.severity),
    ['warning'],
  );
  assert.match(s[0]?.message ?? '', /contains spaces: current Megatron-LM/);
  assert.deepEqual(spaced.config.moeLayerPattern, [0, 1, 1, 1]);
});
