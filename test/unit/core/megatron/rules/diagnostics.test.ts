// One test per validation diagnostic code: code, severity, exact range, the numbers in the message, and the
// fix where there is one. Scripts are built from a clean base (8 GPUs, TP 2, PP 2 → DP 2, 32 microbatches)
// with one change each, and read through readLaunchConfig with the real bash reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLaunchConfig } from '../../../../../src/core/read/readLaunchConfig';
import { applyEdits } from '../../../../../src/core/edits/planFlagEdit';
import type { CoreDiagnostic, SourceRange } from '../../../../../src/core/types';

type Flags = Record<string, string | true | null>;
const BASE: Flags = {
  '--num-layers': '24',
  '--hidden-size': '2048',
  '--num-attention-heads': '16',
  '--seq-length': '2048',
  '--max-position-embeddings': '2048',
  '--micro-batch-size': '1',
  '--global-batch-size': '64',
  '--tensor-model-parallel-size': '2',
  '--pipeline-model-parallel-size': '2',
  '--bf16': true,
};

/** A torchrun launch with one flag per continuation line; `null` removes a base flag. */
function script(
  changes: Flags = {},
  prelude = ['export CUDA_DEVICE_MAX_CONNECTIONS=1'],
  launcher = 'torchrun --nproc_per_node 8 --nnodes 1',
): string {
  const flags: Flags = { ...BASE, ...changes };
  const lines = Object.entries(flags)
    .filter(([, v]) => v !== null)
    .map(([f, v]) => `    ${v === true ? f : `${f} ${v}`}`);
  return [
    ...prelude,
    `${launcher} pretrain_gpt.py \\`,
    ...lines.map((l, i) => (i < lines.length - 1 ? `${l} \\` : l)),
    '',
  ].join('\n');
}
function lineOf(text: string, needle: string): number {
  const line = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `no line with ${needle}`);
  return line;
}
/** Range of `token` on the line that contains `needle`, searching from the end of `needle`'s start + offset. */
function rangeOf(text: string, needle: string, token = needle): SourceRange {
  const line = lineOf(text, needle);
  const l = text.split('\n')[line];
  const start = l.indexOf(needle);
  const column = token === needle ? start : l.indexOf(token, start + needle.indexOf(' ') + 1);
  return { line, column, endLine: line, endColumn: column + token.length };
}
function only(text: string, code: string): CoreDiagnostic {
  const read = readLaunchConfig(text, 'run.sh');
  const ds = read.diagnostics.filter((d) => d.code === code);
  assert.equal(ds.length, 1, `${code}: ${JSON.stringify(read.diagnostics.map((d) => d.code))}`);
  return ds[0];
}
function check(d: CoreDiagnostic, severity: string, range: SourceRange, message: RegExp): void {
  assert.equal(d.severity, severity);
  assert.deepEqual(d.range, range);
  assert.match(d.message, message);
}

test('the base script is clean', () => {
  const read = readLaunchConfig(script(), 'run.sh');
  assert.deepEqual(read.diagnostics, []);
  assert.deepEqual([read.config.worldSize, read.config.dataParallel, read.config.numMicrobatches], [8, 2, 32]);
});

test('world-size-not-divisible lands on the PP value that does not divide the world', () => {
  const t = script({ '--pipeline-model-parallel-size': '3' });
  check(
    only(t, 'world-size-not-divisible'),
    'error',
    rangeOf(t, '--pipeline-model-parallel-size 3', '3'),
    /world size 8 \(nproc_per_node × nnodes = 8 × 1\) is not divisible by TP·PP·CP = 2·3·1 = 6/,
  );
});

test('heads-not-divisible-by-tp', () => {
  const t = script({
    '--tensor-model-parallel-size': '4',
    '--num-attention-heads': '10',
    '--hidden-size': '1280',
    '--pipeline-model-parallel-size': '2',
  });
  check(
    only(t, 'heads-not-divisible-by-tp'),
    'error',
    rangeOf(t, '--tensor-model-parallel-size 4', '4'),
    /10 attention heads are not divisible by tensor-parallel size 4; use a TP that divides 10 \(1, 2, 5, 10\)/,
  );
});

test('query-groups-not-divisible-by-tp', () => {
  const t = script({ '--group-query-attention': true, '--num-query-groups': '3' });
  check(
    only(t, 'query-groups-not-divisible-by-tp'),
    'error',
    rangeOf(t, '--num-query-groups 3', '3'),
    /3 query groups and TP 2/,
  );
});

test('query-groups-ignored offers adding --group-query-attention (preferred) or removing the flag', () => {
  const t = script({ '--num-query-groups': '4' });
  const d = only(t, 'query-groups-ignored');
  check(
    d,
    'warning',
    rangeOf(t, '--num-query-groups 4'),
    /--num-query-groups 4 has no effect without --group-query-attention: Megatron silently uses 16 K\/V heads/,
  );
  assert.deepEqual(
    d.fixes?.map((f) => [f.title, !!f.preferred]),
    [
      ['Add --group-query-attention', true],
      ['Remove --num-query-groups', false],
    ],
  );
  const added = applyEdits(t, d.fixes![0].edits);
  assert.deepEqual(readLaunchConfig(added, 'run.sh').config.numQueryGroups, 4);
  const removed = applyEdits(t, d.fixes![1].edits);
  assert.ok(!removed.includes('--num-query-groups'));
  assert.deepEqual(readLaunchConfig(removed, 'run.sh').diagnostics, []);
});

test('hidden-not-divisible-by-heads', () => {
  const t = script({ '--hidden-size': '2050' });
  check(
    only(t, 'hidden-not-divisible-by-heads'),
    'error',
    rangeOf(t, '--hidden-size 2050', '2050'),
    /hidden size 2050 is not divisible by 16 attention heads \(head dim 128\.13\)/,
  );
});

test('cp-seq-not-divisible', () => {
  const t = script({
    '--context-parallel-size': '2',
    '--tensor-model-parallel-size': '2',
    '--pipeline-model-parallel-size': '2',
    '--seq-length': '2050',
    '--max-position-embeddings': '4096',
  });
  check(
    only(t, 'cp-seq-not-divisible'),
    'error',
    rangeOf(t, '--seq-length 2050', '2050'),
    /seq length 2050 must be a multiple of 2·CP = 4 .*use 2048 or 2052/,
  );
});

test('max-position-less-than-seq with a fix that sets it to the sequence length', () => {
  const t = script({ '--max-position-embeddings': '1024' });
  const d = only(t, 'max-position-less-than-seq');
  check(
    d,
    'error',
    rangeOf(t, '--max-position-embeddings 1024', '1024'),
    /max position embeddings 1024 is smaller than seq length 2048/,
  );
  assert.deepEqual(d.related?.[0].range, rangeOf(t, '--seq-length 2048', '2048'));
  const fixed = applyEdits(t, d.fixes![0].edits);
  assert.ok(fixed.includes('--max-position-embeddings 2048'));
  assert.deepEqual(readLaunchConfig(fixed, 'run.sh').diagnostics, []);
});

test('sequence-parallel-without-tp with a fix that removes the flag', () => {
  const t = script({ '--tensor-model-parallel-size': '1', '--sequence-parallel': true });
  const d = only(t, 'sequence-parallel-without-tp');
  check(d, 'warning', rangeOf(t, '--sequence-parallel'), /has no effect with tensor-parallel size 1/);
  const fixed = applyEdits(t, d.fixes![0].edits);
  assert.ok(!fixed.includes('--sequence-parallel'));
  const again = readLaunchConfig(fixed, 'run.sh');
  assert.deepEqual(again.diagnostics, []);
  assert.equal(again.config.sequenceParallel, false);
});

test('moe-tp-needs-sequence-parallel with a fix that adds --sequence-parallel', () => {
  const t = script({ '--num-experts': '4', '--expert-model-parallel-size': '2' });
  const d = only(t, 'moe-tp-needs-sequence-parallel');
  check(
    d,
    'warning',
    rangeOf(t, '--tensor-model-parallel-size 2', '2'),
    /expert parallelism 2 with tensor parallelism 2 needs --sequence-parallel/,
  );
  const fixed = applyEdits(t, d.fixes![0].edits);
  const read = readLaunchConfig(fixed, 'run.sh');
  assert.equal(read.config.sequenceParallel, true);
  assert.deepEqual(read.diagnostics, []);
});

test('experts-not-divisible-by-ep', () => {
  const t = script({ '--tensor-model-parallel-size': '1', '--num-experts': '6', '--expert-model-parallel-size': '4' });
  check(
    only(t, 'experts-not-divisible-by-ep'),
    'error',
    rangeOf(t, '--expert-model-parallel-size 4', '4'),
    /6 experts are not divisible by expert-parallel size 4; use an EP that divides 6 \(1, 2, 3, 6\)/,
  );
});

test('expert-grid-not-divisible', () => {
  const t = script({ '--tensor-model-parallel-size': '1', '--num-experts': '8', '--expert-model-parallel-size': '8' });
  check(
    only(t, 'expert-grid-not-divisible'),
    'error',
    rangeOf(t, '--expert-model-parallel-size 8', '8'),
    /world size 8 is not divisible by expert-TP·EP·PP = 1·8·2 = 16/,
  );
});

test('distributed-optimizer-instances-not-divisible', () => {
  const t = script({ '--use-distributed-optimizer': true, '--num-distributed-optimizer-instances': '3' });
  check(
    only(t, 'distributed-optimizer-instances-not-divisible'),
    'error',
    rangeOf(t, '--num-distributed-optimizer-instances 3', '3'),
    /data-parallel size 2 × CP 1 = 2 is not divisible by --num-distributed-optimizer-instances 3/,
  );
});

test('layers-not-divisible-by-pp', () => {
  const t = script({ '--num-layers': '25' });
  check(
    only(t, 'layers-not-divisible-by-pp'),
    'error',
    rangeOf(t, '--pipeline-model-parallel-size 2', '2'),
    /25 layers are not divisible by pipeline-parallel size 2; use a PP that divides 25 \(1, 5, 25\)/,
  );
});

test('uneven-pipeline-split', () => {
  const t = script({
    '--pipeline-model-parallel-size': '4',
    '--tensor-model-parallel-size': '2',
    '--decoder-first-pipeline-num-layers': '5',
    '--decoder-last-pipeline-num-layers': '4',
  });
  check(
    only(t, 'uneven-pipeline-split'),
    'error',
    rangeOf(t, '--decoder-first-pipeline-num-layers 5', '5'),
    /15 middle layers remain for 2 middle stages \(L 24 − first 5 − last 4\)/,
  );
});

test('invalid-pipeline-layout', () => {
  // Megatron's layer symbols are case-sensitive (pipeline_parallel_layer_layout.py:303-318 at d98e8a64).
  const t = script({ '--pipeline-model-parallel-layout': '"e|t*24|l"' });
  check(
    only(t, 'invalid-pipeline-layout'),
    'error',
    rangeOf(t, '--pipeline-model-parallel-layout "e|t*24|l"', '"e|t*24|l"'),
    /cannot read the layout 'e\|t\*24\|l': 'e' in stage 1/,
  );
});

test('vpp-flags-conflict', () => {
  const t = script({ '--num-layers-per-virtual-pipeline-stage': '3', '--num-virtual-stages-per-pipeline-rank': '2' });
  check(
    only(t, 'vpp-flags-conflict'),
    'error',
    rangeOf(t, '--num-virtual-stages-per-pipeline-rank 2'),
    /only one of --num-layers-per-virtual-pipeline-stage, --num-virtual-stages-per-pipeline-rank may be given/,
  );
});

test('layers-not-divisible-by-virtual-stage', () => {
  const t = script({ '--num-layers-per-virtual-pipeline-stage': '5' });
  check(
    only(t, 'layers-not-divisible-by-virtual-stage'),
    'error',
    rangeOf(t, '--num-layers-per-virtual-pipeline-stage 5', '5'),
    /12 layers per pipeline stage \(24 \/ PP 2\) are not divisible by 5 layers per virtual stage; use one of 1, 2, 3, 4, 6, 12/,
  );
});

test('vpp-needs-more-stages', () => {
  const t = script({
    '--tensor-model-parallel-size': '8',
    '--pipeline-model-parallel-size': '1',
    '--num-virtual-stages-per-pipeline-rank': '2',
  });
  check(
    only(t, 'vpp-needs-more-stages'),
    'error',
    rangeOf(t, '--num-virtual-stages-per-pipeline-rank 2', '2'),
    /needs pipeline-parallel size > 1 \(PP is 1\)/,
  );
});

test('global-batch-not-divisible: nearest multiples both ways, the nearer one preferred', () => {
  const t = script({ '--global-batch-size': '63' });
  const d = only(t, 'global-batch-not-divisible');
  check(
    d,
    'error',
    rangeOf(t, '--global-batch-size 63', '63'),
    /^global batch size 63 is not divisible by micro-batch size 1 × data-parallel size 2 = 2; use 62 or 64$/,
  );
  assert.deepEqual(
    d.fixes?.map((f) => [f.title, f.edits[0].newText, !!f.preferred]),
    [
      ['Set global batch size to 62', '62', true],
      ['Set global batch size to 64', '64', false],
    ],
  );
  for (const f of d.fixes!) assert.deepEqual(readLaunchConfig(applyEdits(t, f.edits), 'run.sh').diagnostics, []);
  const t2 = script({ '--global-batch-size': '65', '--micro-batch-size': '4' }); // unit 8: 64 (1 away) or 72
  const d2 = only(t2, 'global-batch-not-divisible');
  assert.deepEqual(
    d2.fixes?.map((f) => [f.edits[0].newText, !!f.preferred]),
    [
      ['64', true],
      ['72', false],
    ],
  );
});

test('interleaved-microbatches-not-divisible', () => {
  const t = script({ '--num-virtual-stages-per-pipeline-rank': '2', '--global-batch-size': '6' });
  const d = only(t, 'interleaved-microbatches-not-divisible');
  check(
    d,
    'error',
    rangeOf(t, '--global-batch-size 6', '6'),
    /the 3 microbatches per step must be a multiple of PP 2 and at least 2; use global batch 4 or 8 \(2 or 4 microbatches\)/,
  );
  assert.deepEqual(readLaunchConfig(applyEdits(t, d.fixes![0].edits), 'run.sh').config.numMicrobatches, 2);
});

test('batch-schedule-conflict: step schedule with a global batch size', () => {
  const t = script({ '--step-batch-size-schedule': '"0:32 1M:64"' });
  check(
    only(t, 'batch-schedule-conflict'),
    'error',
    rangeOf(t, '--step-batch-size-schedule "0:32 1M:64"'),
    /Cannot specify both/,
  );
});

test('rampup-batch-not-divisible', () => {
  const t = script({ '--rampup-batch-size': '3 61 1000' });
  check(
    only(t, 'rampup-batch-not-divisible'),
    'error',
    rangeOf(t, '--rampup-batch-size 3 61 1000', '3 61 1000'),
    /ramp-up batch sizes 3 are not divisible by micro-batch 1 × data-parallel 2 = 2/,
  );
});

test('train-length-conflict', () => {
  const t = script({ '--train-iters': '10', '--train-samples': '100' });
  check(
    only(t, 'train-length-conflict'),
    'error',
    rangeOf(t, '--train-samples 100'),
    /either --train-iters or --train-samples/,
  );
});

test('missing-required-arg lands on the entry script', () => {
  const t = script({ '--hidden-size': null, '--max-position-embeddings': null });
  check(
    only(t, 'missing-required-arg'),
    'error',
    rangeOf(t, 'pretrain_gpt.py'),
    /Megatron requires --hidden-size, --max-position-embeddings/,
  );
});

test('yaml-cfg-ignores-args', () => {
  const t = script({ '--yaml-cfg': 'gpt.yaml' });
  check(
    only(t, 'yaml-cfg-ignores-args'),
    'warning',
    rangeOf(t, '--yaml-cfg gpt.yaml'),
    /ignores every other command-line argument/,
  );
});

test('precision-conflict lands on the later flag and removes it', () => {
  const t = script({ '--fp16': true });
  const d = only(t, 'precision-conflict');
  check(d, 'error', rangeOf(t, '--fp16'), /--bf16 and --fp16 are mutually exclusive/);
  assert.equal(readLaunchConfig(applyEdits(t, d.fixes![0].edits), 'run.sh').config.precision, 'bf16');
});

test('overlap-param-gather-requirements: both missing prerequisites, each with its fix', () => {
  const t = script({ '--overlap-param-gather': true });
  const ds = readLaunchConfig(t, 'run.sh').diagnostics.filter((d) => d.code === 'overlap-param-gather-requirements');
  assert.equal(ds.length, 2);
  check(ds[0], 'error', rangeOf(t, '--overlap-param-gather'), /only supported with the distributed optimizer/);
  check(ds[1], 'error', rangeOf(t, '--overlap-param-gather'), /requires --overlap-grad-reduce/);
  const both = applyEdits(applyEdits(t, ds[0].fixes![0].edits), []);
  const read = readLaunchConfig(both, 'run.sh');
  assert.equal(read.config.distributedOptimizer, true);
  assert.equal(read.diagnostics.filter((d) => d.code === 'overlap-param-gather-requirements').length, 1);
});

test('fp8-param-gather-needs-distributed-optimizer', () => {
  const t = script({ '--fp8-format': 'hybrid', '--fp8-param-gather': true });
  check(
    only(t, 'fp8-param-gather-needs-distributed-optimizer'),
    'error',
    rangeOf(t, '--fp8-param-gather'),
    /needs the distributed optimizer/,
  );
});

test('recompute-config-invalid: full without a method; selective with a method', () => {
  const t = script({ '--recompute-granularity': 'full' });
  check(
    only(t, 'recompute-config-invalid'),
    'error',
    rangeOf(t, '--recompute-granularity full', 'full'),
    /recompute_method must be 'block' or 'uniform'/,
  );
  const t2 = script({ '--recompute-granularity': 'selective', '--recompute-method': 'uniform' });
  const d2 = only(t2, 'recompute-config-invalid');
  check(
    d2,
    'error',
    rangeOf(t2, '--recompute-method uniform'),
    /--recompute-method is not supported with selective recompute/,
  );
  assert.deepEqual(readLaunchConfig(applyEdits(t2, d2.fixes![0].edits), 'run.sh').diagnostics, []);
  const t3 = script({
    '--recompute-granularity': 'full',
    '--recompute-method': 'block',
    '--recompute-num-layers': '20',
  });
  check(
    only(t3, 'recompute-config-invalid'),
    'warning',
    rangeOf(t3, '--recompute-num-layers 20', '20'),
    /20 is more than the 12 layers per pipeline stage/,
  );
});

test('deprecated-flag: --checkpoint-activations stops Megatron-LM (but not Megatron-DeepSpeed)', () => {
  // Fixed to Megatron-LM (a directive), it is certain; by the shared entry script alone, a warning (dialect.test.ts).
  const t = '# schedule-inspector: dialect=megatron-lm\n' + script({ '--checkpoint-activations': true });
  check(
    only(t, 'deprecated-flag'),
    'error',
    rangeOf(t, '--checkpoint-activations'),
    /prints a message and exits.*--recompute-activations/,
  );
  const ds = script({ '--checkpoint-activations': true, '--deepspeed': true });
  assert.equal(readLaunchConfig(ds, 'run.sh').diagnostics.filter((d) => d.code === 'deprecated-flag').length, 0);
  assert.equal(readLaunchConfig(ds, 'run.sh').config.recomputeGranularity, 'full');
});

test('seq1f1b-needs-pipeline', () => {
  const t = script({
    '--tensor-model-parallel-size': '8',
    '--pipeline-model-parallel-size': '1',
    '--pipe-sp-splits': '4',
    '--use-flash-attn': true,
  });
  check(
    only(t, 'seq1f1b-needs-pipeline'),
    'error',
    rangeOf(t, '--pipe-sp-splits 4', '4'),
    /with PP 1 \(no pipelining\) --pipe-sp-splits 4 is unsupported/,
  );
});

test('seq1f1b-needs-flash-attn with a fix that adds --use-flash-attn', () => {
  const t = script({ '--pipe-sp-splits': '4' });
  const d = only(t, 'seq1f1b-needs-flash-attn');
  check(d, 'error', rangeOf(t, '--pipe-sp-splits 4', '4'), /Seq1F1B with 4 sequence chunks asserts --use-flash-attn/);
  const read = readLaunchConfig(applyEdits(t, d.fixes![0].edits), 'run.sh');
  assert.equal(read.config.useFlashAttn, true);
  assert.deepEqual(read.diagnostics, []);
});

test('seq-not-divisible-by-splits (average strategy only)', () => {
  const t = script({ '--pipe-sp-splits': '3', '--use-flash-attn': true });
  check(
    only(t, 'seq-not-divisible-by-splits'),
    'warning',
    rangeOf(t, '--pipe-sp-splits 3', '3'),
    /seq length 2048 is not divisible by 3 chunks.*use 2046 or 2049/,
  );
  const u = script({ '--pipe-sp-splits': '3', '--use-flash-attn': true, '--pipe-sp-strategy': 'uniform_comp' });
  assert.deepEqual(readLaunchConfig(u, 'run.sh').diagnostics, []);
});

test('seq1f1b-interleaved-splits', () => {
  const t = script({
    '--pipe-sp-splits': '4',
    '--use-flash-attn': true,
    '--num-virtual-stages-per-pipeline-rank': '2',
  });
  check(
    only(t, 'seq1f1b-interleaved-splits'),
    'warning',
    rangeOf(t, '--pipe-sp-splits 4', '4'),
    /k to divide PP: 4 chunks with PP 2/,
  );
});

test('uniform-comp-without-splits', () => {
  const t = script({ '--pipe-sp-strategy': 'uniform_comp' });
  check(
    only(t, 'uniform-comp-without-splits'),
    'hint',
    rangeOf(t, '--pipe-sp-strategy uniform_comp', 'uniform_comp'),
    /with 1 chunk it has no effect/,
  );
});

test('cuda-device-max-connections: a wrong value warns on its definition; an unset one is information on TP', () => {
  const t = script({}, ['export CUDA_DEVICE_MAX_CONNECTIONS=8']);
  check(
    only(t, 'cuda-device-max-connections'),
    'warning',
    rangeOf(t, 'CUDA_DEVICE_MAX_CONNECTIONS=8', '8'),
    /CUDA_DEVICE_MAX_CONNECTIONS is 8; with TP 2/,
  );
  const u = script({}, []);
  check(
    only(u, 'cuda-device-max-connections'),
    'information',
    rangeOf(u, '--tensor-model-parallel-size 2', '2'),
    /TP 2 \/ CP 1: Megatron requires CUDA_DEVICE_MAX_CONNECTIONS=1/,
  );
  assert.equal(
    readLaunchConfig(
      script({ '--tensor-model-parallel-size': '1', '--pipeline-model-parallel-size': '8' }, []),
      'run.sh',
    ).diagnostics.length,
    0,
  );
});

test('invalid-flag-value: parallel sizes below 1', () => {
  const t = script({ '--pipeline-model-parallel-size': '0' });
  check(
    only(t, 'invalid-flag-value'),
    'error',
    rangeOf(t, '--pipeline-model-parallel-size 0', '0'),
    /--pipeline-model-parallel-size must be at least 1, got 0/,
  );
});

test('unresolved-value: an unset variable leaves the key null with a reason, and no rule guesses', () => {
  const t = script({ '--tensor-model-parallel-size': '$TP' }, []);
  const read = readLaunchConfig(t, 'run.sh');
  assert.equal(read.config.tensorParallel, null);
  assert.equal(read.config.dataParallel, null);
  assert.equal(read.sources.tensorParallel?.status, 'unresolved');
  assert.match(read.sources.tensorParallel!.reason!, /TP/);
  const ds = read.diagnostics.filter((d) => d.code === 'unresolved-value');
  assert.equal(ds.length, 1);
  assert.equal(ds[0].severity, 'warning');
  assert.equal(ds[0].range.line, lineOf(t, '--tensor-model-parallel-size $TP'));
  assert.deepEqual(
    read.diagnostics.map((d) => d.code).filter((c) => c !== 'unresolved-value'),
    [],
  );
});

test('bad input never throws and stays bounded', () => {
  const junk = [
    '',
    '\\',
    '"unterminated',
    'torchrun pretrain_gpt.py --num-layers',
    '$(',
    'python pretrain_gpt.py --moe-layer-freq "[[[[',
    '\u0000\u0001',
  ];
  for (const j of junk) assert.doesNotThrow(() => readLaunchConfig(j, 'x.sh'));
  const many = 'torchrun pretrain_gpt.py ' + Array.from({ length: 1000 }, (_, i) => `--num-layers ${i}`).join(' ');
  const read = readLaunchConfig(many, 'x.sh');
  assert.equal(read.config.numLayers, 999);
});

test('Megatron-DeepSpeed --checkpoint-num-layers above the layers per stage is reported on that flag (it used to throw)', () => {
  // 8 layers over PP 4 leave 2 per stage; checkpointing 4 of them per stage cannot be meant.
  const t =
    'deepspeed --num_gpus 8 pretrain_gpt.py --deepspeed --pipeline-model-parallel-size 4 --num-layers 8 --hidden-size 1024 --num-attention-heads 16 --seq-length 1024 --max-position-embeddings 1024 --micro-batch-size 1 --checkpoint-activations --checkpoint-num-layers 4\n';
  const d = readLaunchConfig(t, 'run.sh').diagnostics.filter((x) => x.code === 'recompute-config-invalid');
  assert.equal(d.length, 1);
  assert.equal(d[0]!.severity, 'warning');
  assert.equal(t.slice(d[0]!.range.column, d[0]!.range.endColumn), '4');
  assert.match(d[0]!.message, /--checkpoint-num-layers 4 is more than the 2 layers per pipeline stage/);
});
