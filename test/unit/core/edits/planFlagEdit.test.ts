// planFlagEdit: every edit is applied to the text and the result is read back, so the test checks what the
// user would get, not the edit's coordinates alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';
import { applyEdits, planFlagEdit } from '../../../../src/core/edits/planFlagEdit';
import { REPO_ROOT } from '../../../support/paths';

// Run from TypeScript (test/unit) or compiled (out/test/unit): the repository root is where package.json is.
const root = REPO_ROOT;
const file = (rel: string): string => readFileSync(path.join(root, rel), 'utf8');
function edit(
  text: string,
  name: string,
  flag: string,
  value: string | null,
): { out: string; edits: ReturnType<typeof planFlagEdit> } {
  const read = readLaunchConfig(text, name);
  const edits = planFlagEdit(text, read, flag, value);
  return { out: applyEdits(text, edits), edits };
}
const reread = (text: string, name: string) => readLaunchConfig(text, name);
/** The lines that differ between two texts of equal line count. */
function changedLines(a: string, b: string): string[] {
  const x = a.split('\n');
  const y = b.split('\n');
  assert.equal(x.length, y.length);
  return y.filter((l, i) => l !== x[i]);
}

test('a flag that reads a variable is changed at the definition: TP=8 → TP=4', () => {
  const text = file('media/examples/seq1f1b-30b-64k.sh');
  const { out, edits } = edit(text, 'demo.sh', '--tensor-model-parallel-size', '4');
  assert.equal(edits.length, 1);
  assert.deepEqual(changedLines(text, out), ['TP=4']);
  assert.equal(reread(out, 'demo.sh').config.tensorParallel, 4);
});

test('a variable other flags also read is left alone; the value token at the flag is rewritten', () => {
  const text = file('media/examples/seq1f1b-30b-64k.sh');
  const { out } = edit(text, 'demo.sh', '--max-position-embeddings', '131072');
  assert.deepEqual(changedLines(text, out), ['    --max-position-embeddings 131072 \\']);
  const c = reread(out, 'demo.sh').config;
  assert.deepEqual([c.maxPositionEmbeddings, c.seqLength], [131072, 65536]);
});

test('a value computed by arithmetic is replaced by the literal at the flag', () => {
  const text = file('media/examples/seq1f1b-30b-64k.sh');
  const { out } = edit(text, 'demo.sh', '--global-batch-size', '32');
  assert.deepEqual(changedLines(text, out), ['    --global-batch-size 32 \\']);
  assert.equal(reread(out, 'demo.sh').config.numMicrobatches, 32);
});

test('setting a flag to its current value is no edit', () => {
  const text = file('media/examples/seq1f1b-30b-64k.sh');
  assert.deepEqual(edit(text, 'demo.sh', '--pipeline-model-parallel-size', '8').edits, []);
  assert.deepEqual(edit(text, 'demo.sh', '--sequence-parallel', 'true').edits, []);
});

test('removing a flag on its own continuation line deletes the line', () => {
  const text = file('media/examples/seq1f1b-30b-64k.sh');
  const { out } = edit(text, 'demo.sh', '--sequence-parallel', null);
  assert.equal(out.split('\n').length, text.split('\n').length - 1);
  assert.ok(!out.includes('--sequence-parallel'));
  const read = reread(out, 'demo.sh');
  assert.equal(read.config.sequenceParallel, false);
  assert.equal(read.config.numLayers, 64);
});

test('removing the last flag of a command drops the dangling continuation of the line before', () => {
  const text = file('media/examples/seq1f1b-30b-64k.sh');
  const { out } = edit(text, 'demo.sh', '--save', null);
  assert.ok(!out.includes('--save $CHECKPOINT_PATH'));
  assert.ok(out.includes('    --save-interval 10000\n'));
  const read = reread(out, 'demo.sh');
  assert.equal(
    read.flags.some((f) => f.flag === '--save'),
    false,
  );
  assert.equal(read.config.trainIters, 10);
});

test('a new flag is appended as a continuation line in the command’s indentation', () => {
  const text = file('media/examples/seq1f1b-30b-64k.sh');
  const { out } = edit(text, 'demo.sh', '--recompute-activations', 'true');
  assert.ok(out.includes('    --save $CHECKPOINT_PATH \\\n    --recompute-activations'));
  assert.equal(reread(out, 'demo.sh').config.recomputeGranularity, 'selective');
  const { out: withValue } = edit(text, 'demo.sh', '--context-parallel-size', '2');
  assert.equal(reread(withValue, 'demo.sh').config.contextParallel, 2);
});

test('a one-line command gets " --flag value" appended', () => {
  const text = 'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 4 --hidden-size 64\n';
  const { out } = edit(text, 'x.sh', '--tensor-model-parallel-size', '2');
  assert.equal(
    out,
    'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 4 --hidden-size 64 --tensor-model-parallel-size 2\n',
  );
});

test('values inside bash arrays are edited in the array; array flags are removed with their line', () => {
  const text = file('media/examples/llama2-7b-1f1b.sh');
  const { out } = edit(text, 'llama.sh', '--global-batch-size', '128');
  assert.deepEqual(changedLines(text, out), ['    --global-batch-size 128']);
  assert.equal(reread(out, 'llama.sh').config.numMicrobatches, 128);
  const { out: removed } = edit(text, 'llama.sh', '--sequence-parallel', null);
  assert.ok(!removed.includes('--sequence-parallel'));
  assert.equal(reread(removed, 'llama.sh').config.sequenceParallel, false);
  assert.equal(reread(removed, 'llama.sh').config.distributedOptimizer, true);
});

test('values inside an options string are edited in place', () => {
  const text = file('test/fixtures/launch/mixtral-8x7b-moe.sh');
  const { out } = edit(text, 'mixtral.sh', '--tensor-model-parallel-size', '2');
  assert.equal(changedLines(text, out).length, 1);
  assert.match(changedLines(text, out)[0], /--tensor-model-parallel-size 2 --pipeline-model-parallel-size 4/);
  assert.equal(reread(out, 'mixtral.sh').config.tensorParallel, 2);
});

test('a ${VAR:-default} definition has its default rewritten', () => {
  const text = file('test/fixtures/launch/seq1f1b-run.sh');
  const { out } = edit(text, 'run.sh', '--pipe-sp-splits', '2');
  assert.deepEqual(changedLines(text, out), ['PP_SP=${PP_SP:-2}']);
  assert.equal(reread(out, 'run.sh').config.pipeSpSplits, 2);
});

test('a --no- negation is turned into the flag itself', () => {
  const text = 'torchrun pretrain_gpt.py --num-layers 4 --no-group-query-attention --num-query-groups 2\n';
  const { out } = edit(text, 'x.sh', '--group-query-attention', 'true');
  assert.equal(out, 'torchrun pretrain_gpt.py --num-layers 4 --group-query-attention --num-query-groups 2\n');
});

test('NeMo YAML: a key is set in place, an interpolated one at the key, a missing one inserted in model:', () => {
  const text = file('media/examples/nemo-gpt-8b.yaml');
  const tp = edit(text, 'n.yaml', '--tensor-model-parallel-size', '2').out;
  assert.deepEqual(changedLines(text, tp), ['  tensor_model_parallel_size: 2']);
  assert.equal(reread(tp, 'n.yaml').config.dataParallel, 4);
  const mp = edit(text, 'n.yaml', '--max-position-embeddings', '8192').out;
  assert.deepEqual(changedLines(text, mp), ['  max_position_embeddings: 8192']);
  assert.deepEqual(
    [reread(mp, 'n.yaml').config.maxPositionEmbeddings, reread(mp, 'n.yaml').config.seqLength],
    [8192, 4096],
  );
  const cp = edit(text, 'n.yaml', '--context-parallel-size', '2').out;
  assert.ok(cp.includes('model:\n  context_parallel_size: 2\n  micro_batch_size: 1'));
  assert.equal(reread(cp, 'n.yaml').config.contextParallel, 2);
  const sp = edit(text, 'n.yaml', '--sequence-parallel', null).out;
  assert.ok(!sp.includes('sequence_parallel'));
  assert.equal(reread(sp, 'n.yaml').config.sequenceParallel, false);
});

test('functional-test YAML: MODEL_ARGS values set in place, new flags inserted as "--flag: value"', () => {
  const text = file('test/fixtures/launch/functional-test-gpt.yaml');
  const g = edit(text, 'f.yaml', '--global-batch-size', '32').out;
  assert.deepEqual(changedLines(text, g), ['  --global-batch-size: 32']);
  const d = edit(text, 'f.yaml', '--use-distributed-optimizer', 'true').out;
  assert.ok(d.includes('MODEL_ARGS:\n  --use-distributed-optimizer: true\n  --num-layers: 12'));
  assert.equal(reread(d, 'f.yaml').config.distributedOptimizer, true);
});

test('--yaml-cfg: parallel flags go to model_parallel:', () => {
  const text = file('test/fixtures/launch/megatron-yaml-cfg.yaml');
  const out = edit(text, 'c.yaml', '--context-parallel-size', '2').out;
  assert.ok(out.includes('model_parallel:\n  context_parallel_size: 2\n'));
  assert.equal(reread(out, 'c.yaml').config.contextParallel, 2);
});

test('new flags go at the end of the command even when every argument comes from arrays; analyze() results work too', () => {
  const text = file('test/fixtures/launch/gpt3-175b.sh');
  const read = readLaunchConfig(text, 'gpt3.sh');
  const spread = { ...read, extra: true };
  const edits = planFlagEdit(text, spread, '--recompute-activations', 'true');
  const out = applyEdits(text, edits);
  assert.ok(out.endsWith('    ${EVAL_AND_LOGGING_ARGS[@]} \\\n    --recompute-activations\n'));
  assert.equal(reread(out, 'gpt3.sh').config.recomputeGranularity, 'selective');
  // A value inside an array is still edited in the array.
  const tp = applyEdits(text, planFlagEdit(text, spread, '--tensor-model-parallel-size', '4'));
  assert.deepEqual(changedLines(text, tp), ['    --tensor-model-parallel-size 4']);
});

test('the quick fix for SP at TP 1 removes the flag from inside an options string', () => {
  const text = file('test/fixtures/launch/mixtral-8x7b-moe.sh');
  const read = readLaunchConfig(text, 'mixtral.sh');
  const d = read.diagnostics.find((x) => x.code === 'sequence-parallel-without-tp')!;
  const out = applyEdits(text, d.fixes![0].edits);
  assert.deepEqual(changedLines(text, out), ['  --use-distributed-optimizer"']);
  assert.deepEqual(reread(out, 'mixtral.sh').diagnostics, []);
});

test('a copy of the read (JSON, structuredClone) still appends new flags after the last argument', () => {
  const text = file('test/fixtures/launch/gpt3-175b.sh');
  const read = readLaunchConfig(text, 'gpt3.sh');
  const direct = planFlagEdit(text, read, '--recompute-activations', 'true');
  // Before the edit context lived on the read, a copy lost it and the flag went to the end of the command range.
  assert.deepEqual(planFlagEdit(text, structuredClone(read), '--recompute-activations', 'true'), direct);
  assert.deepEqual(planFlagEdit(text, JSON.parse(JSON.stringify(read)), '--recompute-activations', 'true'), direct);
  assert.ok(applyEdits(text, direct).endsWith('    ${EVAL_AND_LOGGING_ARGS[@]} \\\n    --recompute-activations\n'));
});
