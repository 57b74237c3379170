// Every launch fixture and bundled example through readLaunchConfig: resolved values computed by hand from
// each script (comments show the arithmetic), and the diagnostics each one must produce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';
import type { LaunchConfigRead, RunConfig } from '../../../../src/core/types';
import { REPO_ROOT } from '../../../support/paths';

// Run from TypeScript (test/unit) or compiled (out/test/unit): the repository root is where package.json is.
const root = REPO_ROOT;
function load(rel: string): { text: string; read: LaunchConfigRead } {
  const text = readFileSync(path.join(root, rel), 'utf8');
  return { text, read: readLaunchConfig(text, path.basename(rel)) };
}
function pos(
  text: string,
  needle: string,
  token: string,
): { line: number; column: number; endLine: number; endColumn: number } {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `no line containing ${needle}`);
  const column = lines[line].indexOf(token, lines[line].indexOf(needle));
  assert.ok(column >= 0);
  return { line, column, endLine: line, endColumn: column + token.length };
}
function expectConfig(c: RunConfig, expected: Partial<RunConfig>): void {
  for (const [k, v] of Object.entries(expected)) assert.deepEqual(c[k as keyof RunConfig], v, k);
}
const summary = (read: LaunchConfigRead): string[] => read.diagnostics.map((d) => `${d.code}/${d.severity}`);

test('demo seq1f1b-30b-64k.sh: 30B, 64k, TP8 PP8, k=4 uniform_comp on 64 GPUs', () => {
  const { text, read } = load('media/examples/seq1f1b-30b-64k.sh');
  assert.equal(read.isLaunchConfig, true);
  expectConfig(read.config, {
    numLayers: 64,
    hiddenSize: 6144,
    numAttentionHeads: 64,
    kvChannels: 96, // 6144 / 64
    ffnHiddenSize: 24576, // 4·6144
    numQueryGroups: 64,
    seqLength: 65536,
    maxPositionEmbeddings: 65536,
    tensorParallel: 8,
    pipelineParallel: 8,
    contextParallel: 1,
    virtualStages: 1,
    gpusPerNode: 8,
    numNodes: 8,
    worldSize: 64,
    dataParallel: 1, // 64 / (8·8)
    microBatchSize: 1,
    globalBatchSize: 16,
    numMicrobatches: 16, // 1·16·DP1
    pipeSpSplits: 4,
    pipeSpStrategy: 'uniform_comp',
    sequenceParallel: true,
    distributedOptimizer: true,
    useFlashAttn: true,
    precision: 'bf16',
    untieEmbeddingsAndOutputWeights: true,
    positionEmbeddingType: 'rope',
    vocabSize: 50257,
    paddedVocabSize: 51200, // ceil(50257 / 1024)·1024
    hiddenDropout: 0,
    attentionDropout: 0,
    recomputeGranularity: null,
    trainIters: 10,
  });
  // The only diagnostic: Seq1F1B's own run.sh flag that current Megatron removed.
  assert.deepEqual(summary(read), ['deprecated-flag/hint']);
  const tp = read.sources.tensorParallel!;
  assert.equal(tp.status, 'explicit');
  assert.deepEqual(tp.valueRange, pos(text, '--tensor-model-parallel-size $TP', '$TP'));
  assert.deepEqual(
    tp.origins?.map((o) => o.name),
    ['TP'],
  );
  assert.deepEqual(tp.origins?.[0].range, pos(text, 'TP=8', '8'));
  assert.equal(read.sources.numMicrobatches?.status, 'derived');
  assert.equal(read.commandRange?.line, pos(text, 'torchrun $DISTRIBUTED_ARGS', 'torchrun').line);
});

test('llama2-7b-1f1b.sh: arrays, Llama-2 tokenizer, SwiGLU with explicit FFN', () => {
  const { read } = load('media/examples/llama2-7b-1f1b.sh');
  expectConfig(read.config, {
    numLayers: 32,
    hiddenSize: 4096,
    ffnHiddenSize: 11008,
    numAttentionHeads: 32,
    seqLength: 4096,
    tensorParallel: 2,
    pipelineParallel: 4,
    worldSize: 8,
    dataParallel: 1, // 8 / (2·4)
    microBatchSize: 1,
    globalBatchSize: 64,
    numMicrobatches: 64,
    swiglu: true,
    normalization: 'RMSNorm',
    addBiasLinear: false,
    sequenceParallel: true,
    tokenizerType: 'Llama2Tokenizer',
    vocabSize: 32000,
    paddedVocabSize: 32000, // 32000 = 125·256
    pipeSpSplits: 1,
    pipeSpStrategy: 'average',
    precision: 'bf16',
  });
  assert.deepEqual(read.diagnostics, []);
});

test('gpt3-175b.sh: 1024 GPUs, VPP 2 from layers per virtual stage; unknown paths are only hints', () => {
  const { read } = load('test/fixtures/launch/gpt3-175b.sh');
  expectConfig(read.config, {
    numLayers: 96,
    hiddenSize: 12288,
    numAttentionHeads: 96,
    kvChannels: 128,
    ffnHiddenSize: 49152,
    worldSize: 1024,
    tensorParallel: 8,
    pipelineParallel: 16,
    dataParallel: 8, // 1024 / 128
    globalBatchSize: 1536,
    numMicrobatches: 192, // 1536 / (1·8)
    numLayersPerVirtualStage: 3,
    virtualStages: 2, // (96/16)/3
    paddedVocabSize: 51200,
    attentionBackend: 'auto',
  });
  assert.ok(read.diagnostics.length > 0);
  assert.ok(
    read.diagnostics.every((d) => d.code === 'unresolved-value' && d.severity === 'hint'),
    summary(read).join(),
  );
});

test('llama3-8b-cp.sh: --flag=value launcher, GQA 8, CP 2, HF Llama-3 vocabulary, selective recompute', () => {
  const { read } = load('test/fixtures/launch/llama3-8b-cp.sh');
  expectConfig(read.config, {
    worldSize: 16,
    gpusPerNode: 8,
    numNodes: 2,
    tensorParallel: 2,
    contextParallel: 2,
    pipelineParallel: 1,
    dataParallel: 4, // 16 / (2·1·2)
    globalBatchSize: 128,
    numMicrobatches: 32,
    groupQueryAttention: true,
    numQueryGroups: 8,
    kvChannels: 128,
    ffnHiddenSize: 14336,
    seqLength: 8192,
    vocabSize: 128256,
    paddedVocabSize: 128256, // 128256 = 501·256
    recomputeGranularity: 'selective',
    gradReduceInBf16: true,
  });
  assert.deepEqual(read.diagnostics, []);
});

test('mixtral-8x7b-moe.sh: options strings, EP 8 × PP 4 on 32 GPUs, SP ignored at TP 1', () => {
  const { text, read } = load('test/fixtures/launch/mixtral-8x7b-moe.sh');
  expectConfig(read.config, {
    worldSize: 32,
    tensorParallel: 1,
    pipelineParallel: 4,
    expertParallel: 8,
    expertTensorParallel: 1,
    dataParallel: 8,
    globalBatchSize: 256,
    numMicrobatches: 32,
    numExperts: 8,
    moeRouterTopk: 2,
    moeFfnHiddenSize: 14336,
    moeLayerPattern: new Array(32).fill(1),
    sequenceParallel: false,
    maxPositionEmbeddings: 32768,
    paddedVocabSize: 32000,
  });
  assert.deepEqual(summary(read), ['sequence-parallel-without-tp/warning']);
  const d = read.diagnostics[0];
  assert.equal(d.range.line, pos(text, '--use-distributed-optimizer --sequence-parallel', '--sequence-parallel').line);
});

test('deepseek-moe-pattern.sh: list-expression MoE pattern, uneven PP, EP grid, padding unit 3232', () => {
  const { read } = load('test/fixtures/launch/deepseek-moe-pattern.sh');
  expectConfig(read.config, {
    numLayers: 61,
    worldSize: 64,
    dataParallel: 4,
    numMicrobatches: 128, // 512 / (1·4)
    decoderFirstPipelineNumLayers: 5,
    decoderLastPipelineNumLayers: 8,
    numExperts: 256,
    expertParallel: 8,
    expertTensorParallel: 1,
    moeRouterTopk: 8,
    moeFfnHiddenSize: 2048,
    moeSharedExpertIntermediateSize: 2048,
    moeLayerPattern: [0, 0, 0, ...new Array(58).fill(1)],
    vocabSize: 129280,
    paddedVocabSize: 129280, // 129280 = 20·(3232·2)
    kvChannels: 56,
  });
  assert.deepEqual(summary(read), ['cuda-device-max-connections/information']);
});

test('megatron-deepspeed-llama.sh: deepspeed launcher, ZeRO-1, --num-key-value-heads, full checkpointing', () => {
  const { read } = load('test/fixtures/launch/megatron-deepspeed-llama.sh');
  expectConfig(read.config, {
    gpusPerNode: 8,
    numNodes: 2,
    worldSize: 16,
    dataParallel: 4,
    globalBatchSize: 64,
    numMicrobatches: 8, // 64/(2·4)
    groupQueryAttention: true,
    numQueryGroups: 8,
    normalization: 'RMSNorm',
    positionEmbeddingType: 'rope',
    recomputeGranularity: 'full',
    recomputeMethod: 'uniform',
    recomputeNumLayers: 1,
    distributedOptimizer: true,
    useFlashAttn: true,
    transformerImpl: 'local',
    // GPTSentencePieceTokenizer is sized by its model file: assumed (vocab-size-assumed), padded to itself.
    vocabSize: 128256,
    paddedVocabSize: 128256,
  });
  assert.deepEqual(read.sources.vocabSize?.assumptions, ['the tokenizer has about 128,256 tokens']);
  // Lower-case rmsnorm and --checkpoint-activations are valid in this dialect, and under --deepspeed without sequence
  // parallelism it needs no CUDA_DEVICE_MAX_CONNECTIONS (microsoft f4157bea megatron/arguments.py:398-411).
  assert.deepEqual(summary(read), ['vocab-size-assumed/information']);
});

test('seq1f1b-run.sh: env defaults, arithmetic GBS, VPP from a conditional options string', () => {
  const { read } = load('test/fixtures/launch/seq1f1b-run.sh');
  expectConfig(read.config, {
    tensorParallel: 2,
    pipelineParallel: 4,
    worldSize: 8,
    dataParallel: 1, // 8·1/2/4
    globalBatchSize: 32,
    numMicrobatches: 32, // 32 microbatches · DP 1
    numLayersPerVirtualStage: 4,
    virtualStages: 2, // 32/4/2 = 4 → (32/4)/4
    pipeSpSplits: 4,
    pipeSpStrategy: 'average',
    seqLength: 16384,
    transformerImpl: 'local',
    paddedVocabSize: 50432, // ceil(50257/256)·256
  });
  assert.deepEqual(read.diagnostics, []);
});

test('mindspeed-seq1f1b.sh: --enable-seq1f1b defaults to 4 splits', () => {
  const { read } = load('test/fixtures/launch/mindspeed-seq1f1b.sh');
  expectConfig(read.config, {
    pipeSpSplits: 4,
    pipeSpStrategy: 'uniform_comp',
    pipelineParallel: 8,
    worldSize: 8,
    dataParallel: 1,
    numMicrobatches: 16,
  });
  assert.equal(read.sources.pipeSpSplits?.status, 'default');
  assert.deepEqual(read.diagnostics, []);
});

test('broken-batch.sh: GBS, max positions, ignored query groups, fp16 + bf16', () => {
  const { text, read } = load('test/fixtures/launch/broken-batch.sh');
  expectConfig(read.config, {
    worldSize: 8,
    dataParallel: 2,
    globalBatchSize: 510,
    numMicrobatches: null,
    numQueryGroups: 16,
  });
  assert.deepEqual(summary(read), [
    'max-position-less-than-seq/error',
    'global-batch-not-divisible/error',
    'query-groups-ignored/warning',
    'precision-conflict/error',
  ]);
  const gbs = read.diagnostics[1];
  assert.deepEqual(gbs.range, pos(text, '--global-batch-size $GBS', '$GBS'));
  assert.match(gbs.message, /510 is not divisible by micro-batch size 2 × data-parallel size 2 = 4; use 508 or 512/);
  // The fix rewrites the variable definition GBS=510.
  const def = pos(text, 'GBS=510', '510');
  assert.deepEqual(
    gbs.fixes?.map((f) => [f.title, f.edits[0].range, f.edits[0].newText, !!f.preferred]),
    [
      ['Set global batch size to 508', def, '508', true],
      ['Set global batch size to 512', def, '512', false],
    ],
  );
  assert.deepEqual(read.diagnostics[3].range, pos(text, '--bf16', '--bf16'));
});

test('slurm-srun.sh: world = #SBATCH nodes × srun tasks per node; full recompute', () => {
  const { read } = load('test/fixtures/launch/slurm-srun.sh');
  expectConfig(read.config, {
    numNodes: 4,
    gpusPerNode: 8,
    worldSize: 32,
    dataParallel: 4,
    numMicrobatches: 128, // 1024 / (2·4)
    recomputeGranularity: 'full',
    recomputeMethod: 'uniform',
    recomputeNumLayers: 1,
    precision: 'fp16',
    kvChannels: 128,
    ffnHiddenSize: 20480,
    paddedVocabSize: 50688,
  });
  assert.deepEqual(read.diagnostics, []);
});

// One rule for a per-node count the script cannot fix (issue 12 §3): assume 8 and say so, as information — the value
// depends on the machine, not on an error in the file.
test('nvidia-smi-gpus.sh: assumes 8 GPUs per node, one information diagnostic on the definition', () => {
  const { text, read } = load('test/fixtures/launch/nvidia-smi-gpus.sh');
  expectConfig(read.config, { gpusPerNode: 8, numNodes: 2, worldSize: 16, dataParallel: 4, numMicrobatches: 4 });
  assert.deepEqual(summary(read), ['unresolved-value/information']);
  const d = read.diagnostics[0];
  assert.equal(d.range.line, pos(text, 'GPUS_PER_NODE=$(nvidia-smi', 'GPUS').line);
  assert.match(d.message, /assuming 8 GPUs per node/);
  assert.match(read.sources.gpusPerNode!.note!, /assumed 8/);
});

test('pai-dlc-world.sh: WORLD_SIZE (node count) only set by the platform → world unknown, never guessed', () => {
  const { read } = load('test/fixtures/launch/pai-dlc-world.sh');
  expectConfig(read.config, {
    gpusPerNode: 8,
    numNodes: null,
    worldSize: null,
    dataParallel: null,
    numMicrobatches: null,
    globalBatchSize: 256,
  });
  assert.equal(read.sources.worldSize?.status, 'unresolved');
  assert.match(read.sources.worldSize!.reason!, /WORLD_SIZE/);
  // The LLamaTokenizer's size comes from the checkpoint's tokenizer: assumed, and said (vocab-size-assumed).
  assert.deepEqual(summary(read), ['unresolved-value/warning', 'vocab-size-assumed/information']);
});

test('zero-bubble.sh: fork flags tolerated, typo with a rename fix, a flag no parser defines warned', () => {
  const { text, read } = load('test/fixtures/launch/zero-bubble.sh');
  expectConfig(read.config, {
    pipelineParallel: 8,
    worldSize: 8,
    numMicrobatches: 128,
    precision: 'fp16',
    sequenceParallel: false,
  });
  // --my-custom-logger: the Zero-Bubble fork's parser (39f2c186 megatron/training/arguments.py, zbpp_utils.py)
  // does not define it and its pretrain_gpt.py:313-319 adds no extra_args_provider, so argparse stops.
  // --zero-bubble-max-pending-backward 16 at PP 8 is ZB-2p (zbpp_utils.py:27-29 at 39f2c186), simulated as ZB-H2.
  assert.equal(read.config.zeroBubbleSchedule, 'zb-2p');
  assert.deepEqual(summary(read), [
    'sequence-parallel-without-tp/warning',
    'unknown-flag/warning',
    'unknown-flag/warning',
  ]);
  const typo = read.diagnostics[1];
  assert.deepEqual(typo.range, pos(text, '--use-flash-atn', '--use-flash-atn'));
  assert.deepEqual(typo.fixes?.[0].edits, [{ range: typo.range, newText: '--use-flash-attn' }]);
});

test('interleaved-bad-microbatches.sh: layers per virtual stage and microbatches vs PP', () => {
  const { text, read } = load('test/fixtures/launch/interleaved-bad-microbatches.sh');
  expectConfig(read.config, { dataParallel: 1, numMicrobatches: 6, virtualStages: null });
  assert.deepEqual(summary(read), [
    'layers-not-divisible-by-virtual-stage/error',
    'interleaved-microbatches-not-divisible/error',
  ]);
  assert.deepEqual(read.diagnostics[0].range, pos(text, '--num-layers-per-virtual-pipeline-stage 4', '4'));
  assert.match(read.diagnostics[0].message, /^6 layers per pipeline stage \(24 \/ PP 4\) are not divisible by 4/);
  assert.deepEqual(read.diagnostics[1].range, pos(text, '--global-batch-size 6', '6'));
  assert.match(
    read.diagnostics[1].message,
    /6 microbatches per step must be a multiple of PP 4.*use global batch 4 or 8/,
  );
});

test('not-a-launch.sh: a shell script without a Megatron launch is left alone', () => {
  const { read } = load('test/fixtures/launch/not-a-launch.sh');
  assert.equal(read.isLaunchConfig, false);
  assert.equal(read.format, 'bash');
  assert.deepEqual(read.diagnostics, []);
  assert.equal(read.commandRange, null);
});

test('YAML fixtures are detected by extension and by content', () => {
  const text = readFileSync(path.join(root, 'media/examples/nemo-gpt-8b.yaml'), 'utf8');
  assert.equal(readLaunchConfig(text, 'nemo-gpt-8b.yaml').format, 'yaml');
  assert.equal(readLaunchConfig(text).format, 'yaml');
  assert.equal(readLaunchConfig(text).config.worldSize, 16);
  assert.equal(readLaunchConfig('#!/bin/bash\necho hi\n').format, 'bash');
});

test('every RunConfig field has a source, and null fields say why (unresolved) or that the flag is absent', () => {
  for (const rel of [
    'media/examples/seq1f1b-30b-64k.sh',
    'media/examples/nemo-gpt-8b.yaml',
    'test/fixtures/launch/pai-dlc-world.sh',
  ]) {
    const { read } = load(rel);
    for (const key of Object.keys(read.config) as (keyof RunConfig)[]) {
      const s = read.sources[key];
      assert.ok(s, `${rel}: no source for ${key}`);
      if (s.status === 'unresolved') assert.ok(s.reason, `${rel}: ${key} unresolved without a reason`);
      if (s.status === 'derived') assert.ok(s.note, `${rel}: ${key} derived without a note`);
    }
    assert.equal(Object.keys(read.config).length, 115); // every field of RunConfig in types.ts
  }
});

test('several launches: the last unconditional one is analysed', () => {
  const text = [
    'python pretrain_gpt.py --num-layers 2 --tensor-model-parallel-size 1',
    'if [ "$MODE" = big ]; then',
    '  torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 48 --tensor-model-parallel-size 8',
    'fi',
    'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 24 --tensor-model-parallel-size 2',
    'python tools/checkpoint/convert.py --model-type GPT',
    '',
  ].join('\n');
  const read = readLaunchConfig(text, 'multi.sh');
  assert.equal(read.config.numLayers, 24);
  assert.equal(read.commandRange?.line, 4);
});

test('seq1f1b-exp.sh: a sweep loop launches twice; the last run (VPP 4) is analysed', () => {
  const { text, read } = load('test/fixtures/launch/seq1f1b-exp.sh');
  expectConfig(read.config, {
    gpusPerNode: 8,
    numNodes: 8,
    worldSize: 64,
    tensorParallel: 8,
    pipelineParallel: 8,
    dataParallel: 1,
    globalBatchSize: 16,
    numMicrobatches: 16, // 16 · DP 1
    numLayersPerVirtualStage: 2,
    virtualStages: 4, // 64/8/4 = 2 → (64/8)/2
    pipeSpSplits: 4,
    pipeSpStrategy: 'uniform_comp',
    seqLength: 65536,
    paddedVocabSize: 51200,
  });
  assert.deepEqual(read.diagnostics, []);
  // The pipe into tee is not part of the argument list.
  assert.equal(read.commandRange?.endLine, pos(text, '--tokenizer-type GPT2BPETokenizer', '2>&1').line);
  assert.ok(!read.flags.some((f) => f.spelling.includes('tee')));
});

test('hover data: each occurrence has its canonical flag, spelling, value, keys, doc and variable chain', () => {
  const { text, read } = load('media/examples/seq1f1b-30b-64k.sh');
  const k = read.flags.find((f) => f.flag === '--pipe-sp-splits')!;
  assert.equal(k.spelling, '--pipe-sp-splits');
  assert.equal(k.value, '4');
  assert.deepEqual(k.keys, ['pipeSpSplits']);
  assert.match(k.doc, /Seq1F1B/);
  assert.deepEqual(k.range, pos(text, '--pipe-sp-splits $PP_SP', '--pipe-sp-splits'));
  assert.deepEqual(
    k.origins.map((o) => o.name),
    ['PP_SP'],
  );
  const sp = read.flags.find((f) => f.flag === '--sequence-parallel')!;
  assert.equal(sp.value, null);
  assert.equal(sp.valueRange, undefined);
});
