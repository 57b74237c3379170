// The --pipeline-model-parallel-layout language as Megatron-LM reads it. Every expectation follows
// PipelineParallelLayerLayout.parse_str_to_list in megatron/core/transformer/pipeline_parallel_layer_layout.py at
// d98e8a64: commas dropped (line 288), one pass unrolling `(…)*n` (line 297), one pass unrolling `x*n` for any single
// character (line 298, applied in order at lines 300-301), split at '|' (line 312), and only E, L, t, m allowed
// (lines 303-318).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLayout } from '../../../../../src/core/megatron/resolve/layoutSyntax';
import { parseLayout } from '../../../../../src/core/megatron/resolve/listSyntax';

const stagesOf = (text: string): string[] => {
  const read = readLayout(text);
  assert.ok(read.ok, `${text}: ${read.ok ? '' : read.error}`);
  return read.stages;
};

test("the docstring's example: (tt|)*29 repeats a stage with its separator (lines 285-286)", () => {
  assert.deepEqual(stagesOf('Ettt|(tt|)*29,m|L'), ['Ettt', ...Array<string>(29).fill('tt'), 'm', 'L']);
});

test('x*n repeats the one character before it (line 298)', () => {
  // The MindSpeed-LLM deepseek4 flash launch writes its layout this way: 11 + 12 + 12 + 8 decoder layers.
  assert.deepEqual(stagesOf('Et*11|t*12|t*12|t*8mL'), [
    'E' + 't'.repeat(11),
    't'.repeat(12),
    't'.repeat(12),
    't'.repeat(8) + 'mL',
  ]);
  // Megatron-LM's own functional test (deepseekv3_proxy_flex_tp1pp4…): both kinds of repeat in one layout.
  assert.deepEqual(stagesOf('Et*2|(tt|)*5t|tmL'), ['Ett', 'tt', 'tt', 'tt', 'tt', 'tt', 't', 'tmL']);
  // A separator is a character too: '|*2' is two separators, so an empty stage appears.
  assert.deepEqual(stagesOf('E|*2L'), ['E', '', 'L']);
  // n = 0 removes the character.
  assert.deepEqual(stagesOf('t*0E|L'), ['E', 'L']);
});

test('parentheses unroll first, then the x*n pass sees the result (patterns applied in order, line 300)', () => {
  assert.deepEqual(stagesOf('(E)*1(t*3)*2|L'), ['Etttttt', 'L']);
  assert.deepEqual(stagesOf('E(t|)*2*2L'), ['Et', 't', '', 'L']);
});

test('commas are cosmetic anywhere (line 288)', () => {
  assert.deepEqual(stagesOf('E,t,t|t,t,L'), ['Ett', 'ttL']);
  assert.deepEqual(parseLayout('E|(t|)*3,m|L'), ['E', 't', 't', 't', 'm', 'L']);
});

test('what Megatron rejects: nesting, spaces, unknown symbols, an unclosed group', () => {
  // One pass of `\(([^)]+)\)\*(\d+)` leaves '(' behind for nested groups: '(t(t|)' then fails at line 315.
  const nested = readLayout('((t)*2|)*2');
  assert.ok(!nested.ok && !nested.tooLong);
  assert.match(nested.ok ? '' : nested.error, /'\(' in stage 1/);
  // Whitespace is not stripped (the string goes to the character check as it is).
  assert.equal(parseLayout('E| t|L'), null);
  assert.equal(parseLayout('e|t|l'), null);
  assert.equal(parseLayout('E|(t|'), null);
  assert.equal(parseLayout('E|x|L'), null);
});

test('a hostile repeat count is refused without building the string, and said to be a bound, not a mistake', () => {
  const read = readLayout('E|(t|)*999999999999|L');
  assert.ok(!read.ok && read.tooLong);
  assert.ok(!readLayout('t*99999999').ok);
});
