// The `not-modelled` hint and its table (issue 13: every flag that moves memory either changes the estimate or says
// what the estimate leaves out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readLaunchConfig } from '../../../../../src/core/read/readLaunchConfig';
import { FLAG_SPECS } from '../../../../../src/core/megatron/flags/table';
import { HOST_ONLY, MODELLED, NOT_MODELLED } from '../../../../../src/core/megatron/rules/notModelled';

/**
 * The `mem` rows of /work/shared/data/megatron-flags/relevant-flags.tsv (the curated list of memory flags of
 * Megatron-LM d98e8a64 and the corpus), written out so the test runs where that file is absent; where it is present
 * the test below checks this copy against it.
 */
const MEMORY_FLAGS = [
  '--activation-offload-fraction',
  '--cpu-offloading-num-layers',
  '--cuda-graph-impl',
  '--cuda-graph-scope',
  '--data-parallel-sharding-strategy',
  '--ddp-bucket-size',
  '--distribute-saved-activations',
  '--empty-unused-memory-level',
  '--enable-cuda-graph',
  '--exp-avg-dtype',
  '--exp-avg-sq-dtype',
  '--fine-grained-activation-offloading',
  '--grad-reduce-in-bf16',
  '--main-grads-dtype',
  '--main-params-dtype',
  '--num-distributed-optimizer-instances',
  '--offload-modules',
  '--optimizer-cpu-offload',
  '--optimizer-offload-fraction',
  '--overlap-cpu-optimizer-d2h-h2d',
  '--overlap-grad-reduce',
  '--overlap-param-gather',
  '--recompute-activations',
  '--recompute-granularity',
  '--recompute-method',
  '--recompute-modules',
  '--recompute-num-layers',
  '--tensor-parallel-num-weight-shards',
  '--tp-comm-overlap',
  '--use-distributed-optimizer',
  '--use-megatron-fsdp',
  '--use-precision-aware-optimizer',
  '--use-torch-fsdp2',
];
const TSV = '/work/shared/data/megatron-flags/relevant-flags.tsv';

test('the copy of the memory flags is the tsv’s (where the tsv is on this machine)', { skip: !existsSync(TSV) }, () => {
  const fromTsv = readFileSync(TSV, 'utf8')
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((cols) => cols[0] === 'mem')
    .map((cols) => cols[1])
    .sort();
  assert.deepEqual(fromTsv, [...MEMORY_FLAGS].sort());
});

test('every memory flag is read by the estimate, in the not-modelled table or host-only: exactly one of the three', () => {
  for (const flag of MEMORY_FLAGS) {
    const where = [MODELLED.has(flag), NOT_MODELLED.has(flag), HOST_ONLY.has(flag)];
    assert.equal(where.filter(Boolean).length, 1, `${flag}: modelled, hinted, host-only = ${where.join(', ')}`);
  }
  for (const flag of MODELLED.keys()) assert.ok(!NOT_MODELLED.has(flag) && !HOST_ONLY.has(flag), flag);
  for (const flag of HOST_ONLY.keys()) assert.ok(!NOT_MODELLED.has(flag), flag);
});

test('the table only names flags the reader recognises, and the modelled ones feed the fields named', () => {
  const byName = new Map(FLAG_SPECS.map((s) => [s.name, s]));
  // A flag outside the flag table never becomes a setting, so its hint could never fire.
  for (const flag of NOT_MODELLED.keys()) assert.ok(byName.has(flag), `${flag} is not in the flag table`);
  for (const flag of HOST_ONLY.keys()) assert.ok(byName.has(flag), `${flag} is not in the flag table`);
  for (const [flag, keys] of MODELLED) {
    const spec = byName.get(flag);
    assert.ok(spec, `${flag} is not in the flag table`);
    for (const key of keys) assert.ok(spec.keys?.includes(key), `${flag} does not feed ${key}`);
  }
});

const launch = (flags: string): string =>
  [
    'torchrun --nproc_per_node 8 pretrain_gpt.py \\',
    '  --num-layers 8 --hidden-size 1024 --num-attention-heads 16 --seq-length 2048 --max-position-embeddings 2048 \\',
    '  --micro-batch-size 1 --global-batch-size 16 --bf16 --vocab-size 32000 \\',
    `  ${flags}`,
    '',
  ].join('\n');

test('a hint on the flag’s own name, saying what is left out; none for values that change nothing', () => {
  const text = launch('--delay-wgrad-compute --cuda-graph-impl none --moe-enable-deepep --enable-cuda-graph');
  const hints = readLaunchConfig(text).diagnostics.filter((d) => d.code === 'not-modelled');
  const line = 3;
  const col = (s: string): number => text.split('\n')[line].indexOf(s);
  assert.deepEqual(
    hints.map((d) => [d.severity, d.range.line, d.range.column, d.range.endColumn]),
    [
      ['hint', line, col('--enable-cuda-graph'), col('--enable-cuda-graph') + '--enable-cuda-graph'.length],
      ['hint', line, col('--moe-enable-deepep'), col('--moe-enable-deepep') + '--moe-enable-deepep'.length],
      ['hint', line, col('--delay-wgrad-compute'), col('--delay-wgrad-compute') + '--delay-wgrad-compute'.length],
    ].sort((a, b) => (a[2] as number) - (b[2] as number)),
  );
  assert.match(hints.find((d) => d.message.startsWith('--moe-enable-deepep'))?.message ?? '', /DeepEP/);
  // --cuda-graph-impl none is Megatron's default: nothing is left out.
  assert.ok(!hints.some((d) => d.message.startsWith('--cuda-graph-impl')));
});

test('modelled flags get no hint, and neither does a launch that is not training', () => {
  const modelled = launch(
    '--recompute-granularity full --recompute-method uniform --recompute-num-layers 1 --overlap-grad-reduce --mtp-num-layers 1',
  );
  assert.equal(readLaunchConfig(modelled).diagnostics.filter((d) => d.code === 'not-modelled').length, 0);
  const server = launch('--enable-cuda-graph').replace('pretrain_gpt.py', 'tools/run_text_generation_server.py');
  const read = readLaunchConfig(server);
  assert.equal(read.scriptKind?.id, 'inference');
  assert.equal(read.diagnostics.filter((d) => d.code === 'not-modelled').length, 0);
});

test('the token dispatcher: a hint for flex only (allgather buffers are counted, all-to-all ones are the copies)', () => {
  const hinted = (value: string): boolean =>
    readLaunchConfig(launch(`--num-experts 8 --moe-token-dispatcher-type ${value}`)).diagnostics.some(
      (d) => d.code === 'not-modelled' && d.message.startsWith('--moe-token-dispatcher-type'),
    );
  assert.deepEqual(['alltoall', 'alltoall_seq', 'allgather', 'flex'].map(hinted), [false, false, false, true]);
});
