// Issue 17 §4: "not simulated" is a diagnostic — information severity, on the line that blocks the simulation, with
// the missing value and how to supply it in the file's own language — and when the GPU count is unknown, an
// "Assume N GPUs" quick fix that writes a bash default at the unknown word.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze } from '../../../../src/core/analyze';
import { applyEdits } from '../../../../src/core/edits/planFlagEdit';
import { repoPath } from '../../../support/paths';

const MODEL =
  '--num-layers 8 --hidden-size 1024 --num-attention-heads 16 --seq-length 2048 --max-position-embeddings 2048 --vocab-size 32000';
const notSimulated = (text: string, fileName = 'run.sh') =>
  analyze(text, { fileName }).diagnostics.filter((d) => d.code === 'not-simulated');

test('unset node count: on the $NNODES word, says the GPU count is unknown, offers "Assume N GPUs"', () => {
  const text = [
    'torchrun --nproc_per_node 8 --nnodes $NNODES pretrain_gpt.py \\',
    `  ${MODEL} \\`,
    '  --micro-batch-size 1 --global-batch-size 64 --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2',
    '',
  ].join('\n');
  const [d, ...more] = notSimulated(text);
  assert.ok(d);
  assert.equal(more.length, 0);
  assert.equal(d.severity, 'information');
  const col = text.indexOf('$NNODES');
  assert.deepEqual(d.range, { line: 0, column: col, endLine: 0, endColumn: col + '$NNODES'.length });
  assert.match(d.message, /^Not simulated, so no step time or memory is shown: the GPU count is unknown/);
  assert.match(d.message, /\$NNODES is not set in this script/);
  assert.deepEqual(
    d.fixes?.map((f) => [f.title, f.preferred]),
    [
      ['Assume 1 node (8 GPUs) when $NNODES is unset: ${NNODES:-1}', true],
      ['Assume 2 nodes (16 GPUs) when $NNODES is unset: ${NNODES:-2}', false],
      ['Assume 4 nodes (32 GPUs) when $NNODES is unset: ${NNODES:-4}', false],
    ],
  );
  // Applied: the launch still takes $NNODES from the environment, and the analysis assumes 2 nodes and says so.
  const fixed = applyEdits(text, d.fixes![1]!.edits);
  assert.match(fixed, /--nnodes \$\{NNODES:-2\} pretrain_gpt\.py/);
  const r = analyze(fixed, { fileName: 'run.sh' });
  assert.equal(r.config.worldSize, 16);
  assert.equal(r.config.dataParallel, 4);
  assert.ok(r.schedules[r.selectedSchedule!]?.stepTimeMs, 'simulated');
  assert.equal(r.diagnostics.filter((x) => x.code === 'not-simulated').length, 0);
  assert.ok((r.sources.numNodes?.assumptions ?? []).length > 0, 'the node count is marked as assumed');
});

test('a model size the file sets from an unset variable: on that value, "set --num-layers"', () => {
  const text = [
    'torchrun --nproc_per_node 8 pretrain_gpt.py \\',
    '  --num-layers $LAYERS --hidden-size 1024 --num-attention-heads 16 --seq-length 2048 --vocab-size 32000 \\',
    '  --micro-batch-size 1 --global-batch-size 64 --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2',
    '',
  ].join('\n');
  const [d] = notSimulated(text);
  assert.ok(d);
  assert.equal(d.range.line, 1);
  assert.equal(d.range.column, text.split('\n')[1]!.indexOf('$LAYERS'));
  assert.match(d.message, /the file leaves num-layers unknown\. To simulate it, set --num-layers\.$/);
  assert.equal(d.fixes, undefined, 'no guess at a model size');
});

test('NeMo YAML: the missing vocabulary is named with the model.tokenizer keys, not command-line flags', () => {
  const file = 'test/integration/fixtures/nemo-gpt-7b.yaml';
  const [d] = notSimulated(readFileSync(repoPath(file), 'utf8'), file);
  assert.ok(d);
  assert.equal(d.severity, 'information');
  assert.match(
    d.message,
    /vocabulary size .* unknown\. To simulate it, set model\.tokenizer\.library and model\.tokenizer\.type/,
  );
  assert.doesNotMatch(d.message, /--vocab-size|--tokenizer-type/);
});

test('world size not divisible by TP·PP·CP: on the GPU count, with the numbers', () => {
  const text = [
    'torchrun --nproc_per_node 6 --nnodes 1 pretrain_gpt.py \\',
    `  ${MODEL} \\`,
    '  --micro-batch-size 1 --global-batch-size 64 --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2',
    '',
  ].join('\n');
  const [d] = notSimulated(text);
  assert.ok(d);
  assert.match(d.message, /data-parallel size \(world size 6 is not divisible by TP·PP·CP = 4\)/);
  assert.equal(d.range.line, 0, 'on the launcher line that sets the GPU count');
});

test('no not-simulated diagnostic for a simulated run, a non-training launch, or a panel what-if', () => {
  const sim = readFileSync(repoPath('media/examples/llama2-7b-1f1b.sh'), 'utf8');
  assert.equal(notSimulated(sim).length, 0);
  const inference = `torchrun --nproc_per_node 8 tools/run_text_generation_server.py --num-layers $L --micro-batch-size 1\n`;
  assert.equal(notSimulated(inference).length, 0);
  const unset = `torchrun --nproc_per_node 8 --nnodes $N pretrain_gpt.py ${MODEL} --micro-batch-size 1 --global-batch-size 8\n`;
  assert.equal(notSimulated(unset).length, 1);
  const whatIf = analyze(unset, { fileName: 'run.sh', overrides: { schedule: '1f1b' } });
  assert.equal(whatIf.diagnostics.filter((x) => x.code === 'not-simulated').length, 0);
});
