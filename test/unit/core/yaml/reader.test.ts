// YAML launch configs: NeMo/Hydra, Megatron --yaml-cfg and functional-test formats, with values computed by
// hand from each file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readYamlLaunch } from '../../../../src/core/read/yamlLaunch';
import { readYaml } from '../../../../src/core/yaml/reader';
import type { CoreDiagnostic, LaunchConfigRead } from '../../../../src/core/types';
import { REPO_ROOT } from '../../../support/paths';

// Run from TypeScript (test/unit) or compiled (out/test/unit): the repository root is where package.json is.
const root = REPO_ROOT;
const load = (rel: string): { text: string; read: LaunchConfigRead } => {
  const text = readFileSync(path.join(root, rel), 'utf8');
  return { text, read: readYamlLaunch(text) };
};
/** 0-based line of the first line containing `needle`, and the column of `token` on it. */
function at(text: string, needle: string, token: string): { line: number; column: number; endColumn: number } {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `no line with ${needle}`);
  const column = lines[line].indexOf(token, lines[line].indexOf(needle));
  return { line, column, endColumn: column + token.length };
}
const codes = (ds: CoreDiagnostic[]): string[] => ds.map((d) => d.code);

test('NeMo GPT-8B example: every number from trainer × model', () => {
  const { text, read } = load('media/examples/nemo-gpt-8b.yaml');
  const c = read.config;
  assert.equal(read.format, 'yaml');
  assert.equal(read.isLaunchConfig, true);
  assert.deepEqual(
    [c.gpusPerNode, c.numNodes, c.worldSize, c.tensorParallel, c.pipelineParallel, c.dataParallel, c.virtualStages],
    [8, 2, 16, 4, 2, 2, 1],
  );
  assert.deepEqual([c.microBatchSize, c.globalBatchSize, c.numMicrobatches], [1, 128, 64]);
  assert.deepEqual(
    [c.numLayers, c.hiddenSize, c.ffnHiddenSize, c.numAttentionHeads, c.numQueryGroups, c.kvChannels],
    [32, 4096, 16384, 32, 32, 128],
  );
  assert.deepEqual([c.seqLength, c.maxPositionEmbeddings], [4096, 4096]);
  assert.equal(c.precision, 'bf16');
  assert.equal(c.sequenceParallel, true);
  assert.equal(c.distributedOptimizer, true);
  assert.equal(c.untieEmbeddingsAndOutputWeights, true);
  assert.equal(c.addBiasLinear, false);
  assert.equal(c.swiglu, false);
  assert.equal(c.normalization, 'LayerNorm');
  assert.equal(c.positionEmbeddingType, 'rope');
  // GPT-2 BPE 50257 padded to a multiple of 128·TP4 = 512 → 99·512.
  assert.equal(c.vocabSize, 50257);
  assert.equal(c.paddedVocabSize, 50688);
  assert.equal(c.trainIters, 300000);
  assert.deepEqual(read.diagnostics, []);
  // ${.encoder_seq_length} is a relative interpolation: the origin is the sibling key's value.
  const mp = read.sources.maxPositionEmbeddings!;
  assert.equal(mp.status, 'explicit');
  const enc = at(text, 'encoder_seq_length: 4096', '4096');
  assert.deepEqual(mp.origins?.[0], {
    name: 'model.encoder_seq_length',
    range: { line: enc.line, column: enc.column, endLine: enc.line, endColumn: enc.endColumn },
  });
  assert.equal(read.sources.dataParallel?.status, 'derived');
  assert.match(read.sources.dataParallel!.note!, /16 \/ \(4·2·1\) = 2/);
  const tp = read.flags.find((f) => f.flag === '--tensor-model-parallel-size')!;
  assert.equal(tp.spelling, 'model.tensor_model_parallel_size');
  assert.equal(tp.value, '4');
  const tpPos = at(text, 'tensor_model_parallel_size: 4', 'tensor_model_parallel_size');
  assert.deepEqual(tp.range, {
    line: tpPos.line,
    column: tpPos.column,
    endLine: tpPos.line,
    endColumn: tpPos.endColumn,
  });
});

test('NeMo Llama-3 70B: ${multiply:…}, VPP, CP, GQA and the HF Llama-3 vocabulary', () => {
  const { text, read } = load('test/fixtures/launch/nemo-llama3-70b.yaml');
  const c = read.config;
  assert.deepEqual(
    [c.worldSize, c.tensorParallel, c.pipelineParallel, c.contextParallel, c.dataParallel],
    [64, 8, 4, 2, 1],
  );
  // global_batch_size: ${multiply:${.micro_batch_size},64} = 1·64
  assert.equal(c.globalBatchSize, 64);
  const mbs = at(text, 'micro_batch_size: 1', '1');
  assert.deepEqual(
    read.sources.globalBatchSize!.origins!.map((o) => [o.name, o.range.line, o.range.column]),
    [['model.micro_batch_size', mbs.line, mbs.column]],
  );
  assert.equal(c.numMicrobatches, 64);
  assert.equal(c.virtualStages, 5);
  assert.equal(c.numLayersPerVirtualStage, 4); // 80 / (4·5)
  assert.equal(c.groupQueryAttention, true);
  assert.equal(c.numQueryGroups, 8);
  assert.equal(c.swiglu, true);
  assert.equal(c.normalization, 'RMSNorm');
  assert.equal(c.tokenizerType, 'HuggingFaceTokenizer');
  assert.equal(c.vocabSize, 128256);
  assert.equal(c.paddedVocabSize, 129024); // ceil(128256 / 1024)·1024
  assert.equal(c.transformerImpl, 'transformer_engine');
  assert.deepEqual(read.diagnostics, []);
});

test('NeMo ??? and a bad precision: unresolved TP and an error on the precision value', () => {
  const { text, read } = load('test/fixtures/launch/nemo-mandatory.yaml');
  const c = read.config;
  assert.equal(c.tensorParallel, null);
  assert.equal(read.sources.tensorParallel?.status, 'unresolved');
  assert.match(read.sources.tensorParallel!.reason!, /'\?\?\?'/);
  assert.equal(c.dataParallel, null);
  // ${oc.env:NUM_NODES,4} falls back to its default.
  assert.deepEqual([c.numNodes, c.worldSize], [4, 32]);
  assert.deepEqual(codes(read.diagnostics), ['invalid-flag-value', 'unresolved-value']);
  const [prec, tp] = read.diagnostics;
  const p = at(text, 'precision: bf17', 'bf17');
  assert.deepEqual(prec.range, { line: p.line, column: p.column, endLine: p.line, endColumn: p.endColumn });
  assert.equal(prec.severity, 'error');
  assert.match(prec.message, /'bf17'/);
  const q = at(text, 'tensor_model_parallel_size: ???', '???');
  assert.deepEqual(tp.range, { line: q.line, column: q.column, endLine: q.line, endColumn: q.endColumn });
  assert.equal(tp.severity, 'warning');
  assert.equal(c.precision, 'fp32');
});

test('Megatron --yaml-cfg: sections, SwiGLU default FFN, ${ENV} left unresolved, world unknown', () => {
  const { read } = load('test/fixtures/launch/megatron-yaml-cfg.yaml');
  const c = read.config;
  assert.equal(read.isLaunchConfig, true);
  assert.deepEqual([c.numLayers, c.hiddenSize, c.numAttentionHeads, c.kvChannels], [24, 2048, 16, 128]);
  assert.equal(c.ffnHiddenSize, 5440); // floor(8·2048/3/64)·64 = 85·64
  assert.equal(read.sources.ffnHiddenSize?.status, 'derived');
  assert.deepEqual([c.tensorParallel, c.pipelineParallel, c.sequenceParallel, c.precision], [2, 2, true, 'bf16']);
  assert.deepEqual([c.microBatchSize, c.globalBatchSize, c.seqLength], [2, 128, 4096]);
  assert.equal(c.normalization, 'RMSNorm');
  assert.equal(c.distributedOptimizer, true);
  assert.equal(c.worldSize, null);
  assert.equal(read.sources.worldSize?.status, 'unresolved');
  assert.equal(c.numMicrobatches, null);
  assert.deepEqual(read.diagnostics, []);
});

test('functional-test YAML: MODEL_ARGS as flags, true = present, VPP from layers per stage', () => {
  const { text, read } = load('test/fixtures/launch/functional-test-gpt.yaml');
  const c = read.config;
  assert.deepEqual(
    [c.numLayers, c.hiddenSize, c.numAttentionHeads, c.microBatchSize, c.globalBatchSize],
    [12, 512, 8, 4, 30],
  );
  assert.deepEqual([c.tensorParallel, c.pipelineParallel, c.virtualStages, c.numLayersPerVirtualStage], [2, 2, 2, 3]);
  assert.equal(c.sequenceParallel, true);
  assert.equal(c.attentionBackend, 'unfused');
  const sp = read.flags.find((f) => f.flag === '--sequence-parallel')!;
  const pos = at(text, '--sequence-parallel: true', '--sequence-parallel');
  assert.deepEqual(sp.range, { line: pos.line, column: pos.column, endLine: pos.line, endColumn: pos.endColumn });
  // The harness runs 8 GPUs × 1 node unless the recipe says otherwise (Megatron-LM d98e8a64
  // tests/functional_tests/shell_test_utils/_run_training.sh:201-202): DP = 8 / (2·2) = 2, and GBS 30 is not a
  // multiple of 4·2 — a warning, since the recipe may run another GPU count.
  assert.deepEqual([c.worldSize, c.dataParallel], [8, 2]);
  assert.deepEqual(
    read.diagnostics.map((d) => `${d.code}/${d.severity}`),
    ['global-batch-not-divisible/warning'],
  );
  assert.match(read.diagnostics[0]!.message, /holds only if the test recipe keeps the harness's 8 GPUs per node/);
});

test('GitHub workflow and Kubernetes manifests are not launch configs and get no diagnostics', () => {
  for (const f of ['github-workflow.yaml', 'k8s-job.yaml']) {
    const { read } = load(`test/fixtures/launch/${f}`);
    assert.equal(read.isLaunchConfig, false, f);
    assert.deepEqual(read.diagnostics, [], f);
  }
});

test('yaml-syntax: an unclosed flow list is reported on the line that opens it; the rest is still read', () => {
  const { text, read } = load('test/fixtures/launch/nemo-syntax-error.yaml');
  const syntax = read.diagnostics.filter((d) => d.code === 'yaml-syntax');
  assert.equal(syntax.length, 1);
  const pos = at(text, 'data_prefix: [1.0', '[');
  assert.equal(syntax[0].severity, 'error');
  assert.equal(syntax[0].range.line, pos.line);
  assert.equal(syntax[0].range.column, pos.column);
  const c = read.config;
  assert.deepEqual(
    [c.tensorParallel, c.worldSize, c.dataParallel, c.numMicrobatches, c.precision],
    [2, 8, 4, 2, 'fp16'],
  );
});

test('invalid YAML that is not a launch config stays silent; garbage never throws', () => {
  assert.equal(readYamlLaunch(': : :\n  - [').isLaunchConfig, false);
  assert.deepEqual(readYamlLaunch(': : :\n  - [').diagnostics, []);
  assert.equal(readYamlLaunch('').isLaunchConfig, false);
  assert.equal(readYaml('a: *unknown_alias').kind, null);
});

test('NeMo interpolation cycles and unknown keys are unresolved with a reason, not a crash', () => {
  const text = [
    'trainer:',
    '  devices: 8',
    '  num_nodes: 1',
    'model:',
    '  micro_batch_size: ${.global_batch_size}',
    '  global_batch_size: ${.micro_batch_size}',
    '  tensor_model_parallel_size: ${training.tp}',
    '  num_layers: 4',
  ].join('\n');
  const read = readYamlLaunch(text);
  assert.equal(read.config.microBatchSize, null);
  assert.match(read.sources.microBatchSize!.reason!, /cyclic|deeply/);
  assert.equal(read.config.tensorParallel, null);
  assert.match(read.sources.tensorParallel!.reason!, /training\.tp/);
  const unresolved = read.diagnostics.filter((d) => d.code === 'unresolved-value');
  // The two keys of the cycle share one root cause: one report for them, one for the dangling reference.
  assert.equal(unresolved.length, 2);
  assert.deepEqual(
    unresolved.map((d) => d.range.line),
    [4, 6],
  );
});

// NeMo 1.x hands trainer.devices to PyTorch Lightning, where -1 / "auto" mean every visible GPU of the node — only
// known on the machine, so the one rule of issue 12 applies: assume 8, say so as information (not a fault of the file).
test('NeMo trainer.devices: -1 assumes 8 GPUs per node and says so', () => {
  const text = 'trainer:\n  devices: -1\n  num_nodes: 2\nmodel:\n  num_layers: 4\n  tensor_model_parallel_size: 1\n';
  const read = readYamlLaunch(text);
  assert.equal(read.config.worldSize, 16);
  const d = read.diagnostics.find((x) => x.code === 'unresolved-value')!;
  assert.equal(d.severity, 'information');
  assert.match(d.message, /assuming 8 GPUs per node/);
  assert.deepEqual(d.range, { line: 1, column: 11, endLine: 1, endColumn: 13 });
  assert.match(read.sources.gpusPerNode!.note!, /assumed 8/);
});

test('NeMo activations ending in "glu" are gated MLPs (three matrices), whatever the gate function', () => {
  // NVIDIA/NeMo 8cfedd72 megatron_base_model.py:513-514: gated_linear_unit = activation.endswith('glu').
  const gated = (activation: string): boolean | null =>
    readYamlLaunch(
      `trainer:\n  devices: 8\n  num_nodes: 1\nmodel:\n  num_layers: 2\n  hidden_size: 1024\n  activation: ${activation}\n`,
    ).config.swiglu;
  for (const a of ['swiglu', 'fast-swiglu', 'geglu', 'fast-geglu', 'reglu', 'fast-reglu'])
    assert.equal(gated(a), true, a);
  for (const a of ['gelu', 'squared-relu', 'fast-gelu']) assert.equal(gated(a), false, a);
});

test('junk YAML without any launch key is not parsed (issue 15: 65 KB of it cost ~80 ms); one launch key anywhere is enough', () => {
  // 4,000 lines (44 KB) the parser reads as thousands of syntax errors: none is a launch key, so nothing is reported…
  const junk = 'key: value\n  - item: x: y\n'.repeat(2_000);
  const silent = readYaml(junk);
  assert.equal(silent.kind, null);
  assert.deepEqual(silent.diagnostics, []);
  // …while 44 KB of plain keys with NeMo's model.num_layers at the very end are parsed and read as NeMo.
  assert.equal(readYaml(`${'key: value\n'.repeat(4_000)}model:\n  num_layers: 32\n`).kind, 'nemo');
  // A quoted key spelled with an escape is still looked at (the text test must not miss it).
  assert.equal(readYaml('"model":\n  "num\\u005Flayers": 32\n').kind, 'nemo');
});
