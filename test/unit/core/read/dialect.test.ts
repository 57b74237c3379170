// Dialect detection (issue 12 §1): one fixture per dialect, written for these tests, and the piece of evidence that
// must decide it — each decisive because the cited framework file is the only parser (or layout) that has it.
// Checked against every other fetched parser: Megatron-LM d98e8a64, Megatron-DeepSpeed (Microsoft f4157bea,
// BigScience 8387ae17), Seq1F1B 68934661, zero-bubble 39f2c186, MindSpeed-LLM c77308a1, Pai-Megatron-Patch a098ca5a,
// slime 624b824a.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';
import type { DialectId, DialectRead, LaunchConfigRead } from '../../../../src/core/types';
import { REPO_ROOT } from '../../../support/paths';

function fixture(name: string): string {
  return readFileSync(path.join(REPO_ROOT, 'test/fixtures/dialect', name), 'utf8');
}

function read(name: string, setting?: DialectId | 'auto', text = fixture(name)): LaunchConfigRead {
  return readLaunchConfig(text, name, setting);
}

function dialectOf(r: LaunchConfigRead): DialectRead {
  assert.ok(r.dialect, 'readLaunchConfig always sets the dialect');
  return r.dialect;
}

/** The deciding piece as `what @ 1-based line`. */
function decided(d: DialectRead): string | null {
  const e = d.decidedBy === null ? undefined : d.evidence[d.decidedBy];
  return e ? `${e.what} @ ${e.range ? e.range.line + 1 : '-'}` : null;
}

const CASES: { file: string; dialect: DialectId; decidedBy: string; why: string; version?: string }[] = [
  {
    file: 'megatron-lm.sh',
    dialect: 'megatron-lm',
    decidedBy: 'entry script /workspace/Megatron-LM/pretrain_gpt.py @ 4',
    why: 'NVIDIA/Megatron-LM d98e8a64 has pretrain_gpt.py at the repository root; no fork flag is present',
  },
  {
    file: 'megatron-deepspeed.sh',
    dialect: 'megatron-deepspeed',
    decidedBy: 'flag --deepspeed @ 9',
    why: 'deepspeed.add_config_arguments adds --deepspeed to microsoft/Megatron-DeepSpeed megatron/arguments.py only',
  },
  {
    file: 'bigscience.sh',
    dialect: 'megatron-deepspeed',
    version: 'bigscience',
    decidedBy: 'flag --embed-layernorm @ 8',
    why: 'bigscience-workshop/Megatron-DeepSpeed megatron/arguments.py:386 (absent from Microsoft’s)',
  },
  {
    file: 'mindspeed-llm.sh',
    dialect: 'mindspeed-llm',
    decidedBy: 'flag --num-layer-list @ 5',
    why: 'Ascend/MindSpeed-LLM mindspeed_llm/features_manager/pipeline_parallel/num_layer_list.py:14',
  },
  {
    file: 'pai-megatron-patch.sh',
    dialect: 'pai-megatron-patch',
    version: 'Megatron-LM-250328',
    decidedBy: 'flag --patch-tokenizer-type @ 9',
    why: 'alibaba/Pai-Megatron-Patch megatron_patch/arguments.py:156; the backend path pins Megatron-LM-250328 (examples/qwen2_5/run_mcore_qwen.sh:6)',
  },
  {
    file: 'slime.sh',
    dialect: 'slime',
    decidedBy: 'flag --actor-num-nodes @ 3',
    why: 'THUDM/slime slime/utils/arguments.py:39',
  },
  {
    file: 'seq1f1b.sh',
    dialect: 'seq1f1b',
    decidedBy: 'flag --pipe-sp-splits @ 8',
    why: 'thunlp/Seq1F1B megatron/arguments.py:732',
  },
  {
    file: 'zero-bubble.sh',
    dialect: 'zero-bubble',
    decidedBy: 'flag --enable-zero-bubble @ 8',
    why: 'sail-sg/zero-bubble-pipeline-parallelism megatron/core/zbpp_utils.py:41',
  },
  {
    file: 'nemo.yaml',
    dialect: 'nemo',
    decidedBy: 'top-level trainer: and model: @ 2',
    why: 'NVIDIA/NeMo examples/nlp/language_modeling/conf/megatron_gpt_config.yaml:7 trainer, :68 model',
  },
  {
    file: 'megatron-bridge.yaml',
    dialect: 'megatron-bridge',
    decidedBy: 'top-level model: and train: (a ConfigContainer) @ 5',
    why: 'NVIDIA-NeMo/Megatron-Bridge src/megatron/bridge/training/config.py:962 ConfigContainer (train:, model:, …)',
  },
  {
    file: 'nemo2.yaml',
    dialect: 'nemo-2',
    decidedBy: 'NeMo 2 recipe object _target_: nemo.collections.llm.api.pretrain @ 1',
    why: 'NeMo-Run serialises recipes as _target_ class paths (NVIDIA/NeMo nemo/lightning/pytorch/strategies/megatron_strategy.py:137)',
  },
];

for (const c of CASES) {
  test(`${c.file} is ${c.dialect}, decided by ${c.decidedBy} (${c.why})`, () => {
    const d = dialectOf(read(c.file));
    assert.equal(d.id, c.dialect);
    assert.equal(d.source, 'detected');
    assert.equal(decided(d), c.decidedBy);
    assert.equal(d.version, c.version);
  });
}

test('a fork’s evidence adds up over the entry script it shares with Megatron-LM', () => {
  // deepspeed launcher (2) + --deepspeed, --deepspeed_config, --zero-stage (3 each) against pretrain_gpt.py (1).
  const d = dialectOf(read('megatron-deepspeed.sh'));
  const weightOf = (id: DialectId): number =>
    d.evidence.filter((e) => e.dialect === id).reduce((sum, e) => sum + e.weight, 0);
  assert.deepEqual([weightOf('megatron-deepspeed'), weightOf('megatron-lm')], [11, 1]);
  assert.deepEqual(
    d.evidence.map((e) => e.what),
    [
      'entry script pretrain_gpt.py',
      'launcher deepspeed',
      'flag --deepspeed',
      'flag --deepspeed_config',
      'flag --zero-stage',
    ],
  );
});

test('recipe YAML says what is read; a NeMo 2 recipe is recognised though it is not read as a launch', () => {
  const bridge = dialectOf(read('megatron-bridge.yaml'));
  assert.match(bridge.note ?? '', /train\.micro_batch_size, train\.global_batch_size .* not read yet/);
  const nemo2 = read('nemo2.yaml');
  assert.equal(nemo2.isLaunchConfig, false);
  assert.match(dialectOf(nemo2).note ?? '', /not read as a launch yet/);
  assert.equal(dialectOf(read('nemo.yaml')).note, undefined, 'NeMo 1.x YAML is read whole');
});

test('an ambiguous file (two forks named once each) is unknown, with its evidence and no diagnostic', () => {
  const r = read('ambiguous.sh');
  const d = dialectOf(r);
  assert.equal(d.id, 'unknown');
  assert.equal(d.decidedBy, null);
  assert.deepEqual(d.evidence.map((e) => e.dialect).sort(), ['megatron-deepspeed', 'mindspeed-llm']);
  assert.deepEqual(r.diagnostics, []);
  const bare = dialectOf(read('nothing.sh'));
  assert.deepEqual([bare.id, bare.evidence.length, bare.decidedBy], ['unknown', 0, null]);
});

test('the setting overrides detection; a directive in the file beats the setting', () => {
  const bySetting = dialectOf(read('megatron-deepspeed.sh', 'seq1f1b'));
  assert.deepEqual(
    [bySetting.id, bySetting.source, decided(bySetting)],
    ['seq1f1b', 'setting', 'setting dialect=seq1f1b @ -'],
  );
  // The detected evidence stays visible after the override.
  assert.ok(bySetting.evidence.some((e) => e.what === 'flag --deepspeed'));
  assert.equal(dialectOf(read('megatron-deepspeed.sh', 'auto')).id, 'megatron-deepspeed');

  const text = '# schedule-inspector: dialect=megatron-lm\n' + fixture('megatron-deepspeed.sh');
  const byDirective = dialectOf(read('directive.sh', 'seq1f1b', text));
  assert.deepEqual(
    [byDirective.id, byDirective.source, decided(byDirective)],
    ['megatron-lm', 'directive', 'comment directive dialect=megatron-lm @ 1'],
  );
  assert.deepEqual(byDirective.evidence[0]?.range, { line: 0, column: 30, endLine: 0, endColumn: 41 });
  // Directives work in YAML comments too.
  const yaml = dialectOf(
    read('nemo.yaml', undefined, fixture('nemo.yaml') + '# schedule-inspector: dialect=megatron-bridge\n'),
  );
  assert.deepEqual([yaml.id, yaml.source], ['megatron-bridge', 'directive']);
});

test('a directive with an unknown id gets a warning on its id and is ignored', () => {
  const text = fixture('seq1f1b.sh').replace(
    '#!/bin/bash\n',
    '#!/bin/bash\n  # schedule-inspector: dialect=megatron-foo\n',
  );
  const r = read('bad.sh', 'zero-bubble', text);
  const d = r.diagnostics.filter((x) => x.code === 'unknown-dialect');
  assert.equal(d.length, 1);
  assert.equal(d[0]?.severity, 'warning');
  assert.deepEqual(d[0]?.range, { line: 1, column: 32, endLine: 1, endColumn: 44 });
  assert.match(d[0]?.message ?? '', /'megatron-foo' is not a dialect/);
  // The setting still applies, since the directive is ignored.
  assert.equal(dialectOf(r).id, 'zero-bubble');
  assert.equal(dialectOf(r).source, 'setting');
});

test('the dialect changes only what that Megatron checks, not the values read', () => {
  const text = fixture('megatron-deepspeed.sh');
  const auto = readLaunchConfig(text, 'x.sh');
  const forced = readLaunchConfig(text, 'x.sh', 'megatron-lm');
  // Except what only the code base decides (issue 13): Megatron-LM's interleaved warm-up and its GPT data loader's mask.
  const { interleavedWarmup: wf, dataloaderAttentionMask: mf, ...forcedValues } = forced.config;
  const { interleavedWarmup: wa, dataloaderAttentionMask: ma, ...autoValues } = auto.config;
  assert.deepEqual([wf, mf, wa, ma], ['grouped', true, 'legacy', null]);
  assert.deepEqual(forcedValues, autoValues);
  // Megatron-LM needs CUDA_DEVICE_MAX_CONNECTIONS=1 at TP 2; Megatron-DeepSpeed under --deepspeed only with
  // sequence parallelism (microsoft f4157bea megatron/arguments.py:398-411).
  const cuda = (r: LaunchConfigRead): number =>
    r.diagnostics.filter((d) => d.code === 'cuda-device-max-connections').length;
  assert.equal(cuda(auto), 0);
  assert.equal(cuda(forced), 1);
  const rest = (r: LaunchConfigRead): unknown[] =>
    r.diagnostics.filter((d) => d.code !== 'cuda-device-max-connections');
  assert.deepEqual(rest(forced), rest(auto));
});

test('a comment that only names a fork does not outweigh the entry script: Megatron-LM', () => {
  // Baselines are written next to the fork they are compared with; the comment is a hint (weight 1), like the
  // inherited entry name, and on that tie only a stronger piece (a fork's own flag, launcher or path) may pick the fork.
  const text = [
    '#!/bin/bash',
    '# The 1F1B baseline to compare Seq1F1B against.',
    'torchrun --nproc_per_node 8 pretrain_gpt.py \\',
    '  --num-layers 32 --hidden-size 4096 --num-attention-heads 32 --seq-length 4096 \\',
    '  --max-position-embeddings 4096 --micro-batch-size 1 --global-batch-size 8 \\',
    '  --pipeline-model-parallel-size 2 --bf16',
  ].join('\n');
  const d = dialectOf(readLaunchConfig(text, 'baseline.sh'));
  assert.equal(d.id, 'megatron-lm');
  assert.match(decided(d) ?? '', /^entry script pretrain_gpt\.py @ 3$/);
});

test('a dialect fixed by the directive reads the flags with that parser, not the detected one', () => {
  // microsoft/Megatron-DeepSpeed f4157bea megatron/arguments.py: `--num-experts` is `nargs='+'` (a list, one entry per
  // MoE layer group); Megatron-LM d98e8a64 takes one int, so argparse there stops on the second `64`.
  const launch =
    'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 24 --hidden-size 1024 --num-attention-heads 16 ' +
    '--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --num-experts 64 64\n';
  const unexpected = (text: string): number =>
    readLaunchConfig(text, 'train.sh').diagnostics.filter((d) => d.code === 'unexpected-argument').length;
  assert.equal(unexpected(launch), 1);
  assert.equal(unexpected(`# schedule-inspector: dialect=megatron-deepspeed\n${launch}`), 0);
});

test('--checkpoint-activations is an error only for the Megatron that exits on it', () => {
  // Seq1F1B 68934661 (an older Megatron-LM) megatron/arguments.py:107-112 prints "--checkpoint-activations is no longer
  // valid" and exits; microsoft/Megatron-DeepSpeed f4157bea megatron/arguments.py:136-143 keeps that exit commented
  // out because DeepSpeed still uses the old activation checkpointing.
  const launch =
    'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 24 --hidden-size 1024 --num-attention-heads 16 ' +
    '--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --checkpoint-activations\n';
  const deprecation = (text: string): string | undefined =>
    readLaunchConfig(text, 'train.sh').diagnostics.find((d) => d.code === 'deprecated-flag')?.severity;
  // pretrain_gpt.py alone (every fork ships one) does not say which Megatron runs it: a warning.
  assert.equal(deprecation(launch), 'warning');
  assert.equal(deprecation(`# schedule-inspector: dialect=megatron-lm\n${launch}`), 'error');
  assert.equal(deprecation(`# schedule-inspector: dialect=megatron-deepspeed\n${launch}`), undefined);
});

test('Megatron-DeepSpeed under --deepspeed needs CUDA_DEVICE_MAX_CONNECTIONS=1 only with sequence parallelism', () => {
  // microsoft/Megatron-DeepSpeed f4157bea megatron/arguments.py:398-411: `if args.deepspeed:
  // args.async_tensor_model_parallel_allreduce = False`, then it raises only for sequence parallelism or async allreduce.
  const launch = (extra: string): string =>
    '# schedule-inspector: dialect=megatron-deepspeed\n' +
    'deepspeed --num_gpus 8 pretrain_gpt.py --num-layers 24 --hidden-size 1024 --num-attention-heads 16 ' +
    `--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --tensor-model-parallel-size 2 --deepspeed ${extra}\n`;
  const has = (text: string): boolean =>
    readLaunchConfig(text, 'train.sh').diagnostics.some((d) => d.code === 'cuda-device-max-connections');
  assert.equal(has(launch('')), false);
  assert.equal(has(launch('--sequence-parallel')), true);
});

test('pretrain_hybrid.py is current Megatron-LM: no fork ships it', () => {
  // Added to NVIDIA/Megatron-LM in commit dd8c825b (2026-08-17); absent from MindSpeed-LLM, Pai-Megatron-Patch,
  // both Megatron-DeepSpeeds, Seq1F1B, Zero-Bubble and slime at their mirrored heads.
  const text = 'torchrun --nproc_per_node 8 ../../pretrain_hybrid.py --hybrid-layer-pattern "M-M*-"\n';
  const d = readLaunchConfig(text, 'train.sh').dialect;
  assert.equal(d?.id, 'megatron-lm');
  assert.equal(
    d?.evidence[d.decidedBy ?? -1]?.what,
    'entry script ../../pretrain_hybrid.py (current Megatron-LM only)',
  );
});
