// Script kinds (issue 12 §2): a launch is classified training / inference / evaluation / conversion / other from its
// entry script, the flags only such scripts take and its file name; only training gets a simulated schedule, the
// memory verdict and the training-step checks. Fixtures in test/fixtures/kinds/ are written for these tests; the
// framework paths are NVIDIA/Megatron-LM d98e8a64, Ascend/MindSpeed-LLM c77308a1, alibaba/Pai-Megatron-Patch
// a098ca5a and thunlp/Seq1F1B 68934661.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyze } from '../../../../src/core/analyze';
import { DIAGNOSTIC_CODES } from '../../../../src/core/megatron/rules';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';
import type { ScriptKind, ScriptKindRead } from '../../../../src/core/types';
import { REPO_ROOT } from '../../../support/paths';

const fixture = (name: string): string => readFileSync(path.join(REPO_ROOT, 'test/fixtures/kinds', name), 'utf8');

function kindOf(text: string, fileName = 'launch.sh'): ScriptKindRead {
  const k = readLaunchConfig(text, fileName).scriptKind;
  assert.ok(k, 'readLaunchConfig sets the kind of every launch');
  return k;
}

function deciding(k: ScriptKindRead): string | null {
  const e = k.decidedBy === null ? undefined : k.evidence[k.decidedBy];
  return e ? e.what : null;
}

const MODEL =
  '--num-layers 24 --hidden-size 1024 --num-attention-heads 16 --seq-length 1024 --max-position-embeddings 1024 --micro-batch-size 1';

test('the entry script decides, wherever each framework keeps that kind of script', () => {
  const cases: { entry: string; kind: ScriptKind; where: string }[] = [
    { entry: 'pretrain_gpt.py', kind: 'training', where: 'Megatron-LM pretrain_gpt.py' },
    { entry: 'posttrain_gpt.py', kind: 'training', where: 'MindSpeed-LLM posttrain_gpt.py' },
    { entry: 'train_rl.py', kind: 'training', where: 'Megatron-LM train_rl.py' },
    { entry: 'tools/run_text_generation_server.py', kind: 'inference', where: 'Megatron-LM tools/' },
    { entry: 'tools/text_generation_cli.py', kind: 'inference', where: 'Megatron-LM tools/' },
    {
      entry: 'examples/inference/advanced/gpt_static_inference.py',
      kind: 'inference',
      where: 'Megatron-LM examples/inference/advanced/',
    },
    { entry: 'inference.py', kind: 'inference', where: 'MindSpeed-LLM inference.py (main at :100)' },
    { entry: 'evaluation.py', kind: 'evaluation', where: 'MindSpeed-LLM evaluation.py (main at :375)' },
    {
      entry: 'examples/qwen/evaluate_megatron_qwen.py',
      kind: 'evaluation',
      where: 'Pai-Megatron-Patch examples/qwen/',
    },
    { entry: 'tasks/msdp/main.py', kind: 'evaluation', where: 'Seq1F1B tasks/msdp/main.py' },
    { entry: 'tools/checkpoint/convert.py', kind: 'conversion', where: 'Megatron-LM tools/checkpoint/convert.py' },
    { entry: 'convert_ckpt_v2.py', kind: 'conversion', where: 'MindSpeed-LLM convert_ckpt_v2.py' },
    { entry: 'impl/convert.py', kind: 'conversion', where: 'Pai toolkits/distributed_checkpoints_convertor/impl/' },
    { entry: 'hf2mcore_llama3_1.py', kind: 'conversion', where: 'Pai toolkits/model_checkpoints_convertor/llama/' },
    { entry: 'tools/preprocess_data.py', kind: 'other', where: 'Megatron-LM tools/preprocess_data.py' },
  ];
  for (const c of cases) {
    const k = kindOf(`torchrun --nproc_per_node 1 /repo/${c.entry} ${MODEL}\n`);
    assert.equal(k.id, c.kind, `${c.entry} (${c.where})`);
    assert.equal(deciding(k), `entry script /repo/${c.entry}`, c.entry);
  }
});

test('tasks/main.py evaluates or fine-tunes depending on --task (a literal value; one held in a variable is not followed)', () => {
  // Seq1F1B tasks/main.py:92 sends LAMBADA to zeroshot_gpt's evaluation; :88 sends RACE to race.finetune.
  const lambada = kindOf(fixture('evaluate_lambada.sh'), 'evaluate_lambada.sh');
  assert.equal(lambada.id, 'evaluation');
  assert.equal(deciding(lambada), 'flag --task LAMBADA');
  const race = kindOf(fixture('evaluate_lambada.sh').replace('--task LAMBADA', '--task RACE'), 'race.sh');
  assert.equal(race.id, 'training');
  assert.equal(deciding(race), 'flag --task RACE (fine-tuning)');
  // A task in a variable is not followed; the file name then decides (microsoft/Megatron-DeepSpeed
  // examples_deepspeed/bert_with_pile/ds_finetune_bert_mnli.sh passes `--task ${task}` to tasks/main.py).
  const hidden = fixture('evaluate_lambada.sh').replace('--task LAMBADA', '--task $1');
  assert.equal(kindOf(hidden, 'ds_finetune_bert_mnli.sh').id, 'training');
  assert.equal(kindOf(hidden, 'zeroshot_gpt.sh').id, 'evaluation');
});

test('a converter is known by its own flags and file name when the entry is hidden in a variable', () => {
  // Megatron-LM tools/checkpoint/convert.py:121-123 (--load-dir, --save-dir); MindSpeed-LLM convert_ckpt_v2.py:62-65.
  const text = `CONVERTER=$1\npython $CONVERTER ${MODEL} --load-dir in --save-dir out --target-tensor-parallel-size 2\n`;
  const k = kindOf(text, 'ckpt_convert_qwen_hf2mcore.sh');
  assert.equal(k.id, 'conversion');
  assert.deepEqual(
    k.evidence.map((e) => [e.what, e.weight]),
    [
      ['flag --load-dir', 2],
      ['flag --save-dir', 2],
      ['flag --target-tensor-parallel-size', 2],
      ['file name ckpt_convert_qwen_hf2mcore.sh', 1],
    ],
  );
});

test('the file name and its folders are hints; fine-tuning is training; nothing at all reads as training', () => {
  const hidden = `ENTRY=$1\ntorchrun $ENTRY ${MODEL}\n`;
  assert.equal(kindOf(hidden, 'examples/mcore/qwen3/generate_qwen3_8b_ptd.sh').id, 'inference');
  assert.equal(kindOf(hidden, 'examples/mcore/qwen3/evaluate_qwen3_8b_ptd.sh').id, 'evaluation');
  assert.equal(kindOf(hidden, 'conf/peft/neva/llama3_8b_chat.sh').id, 'training');
  assert.equal(kindOf(hidden, 'examples/qwen3/tune_qwen3_8b_full.sh').id, 'training');
  const bare = kindOf(hidden, 'run.sh');
  assert.deepEqual([bare.id, bare.decidedBy, bare.evidence], ['training', null, []]);
  // The entry outweighs the name: Pai's run_evaluate_*.sh starts an evaluate_*.py, a pretrain_*.sh a pretrain_*.py.
  assert.equal(kindOf(`torchrun pretrain_gpt.py ${MODEL}\n`, 'generate_then_train.sh').id, 'training');
});

test('an inference server keeps model and parallelism checks but no training verdict or training-step check', () => {
  const text = fixture('text_generation_server.sh');
  const served = analyze(text, { fileName: 'text_generation_server.sh' });
  assert.equal(served.scriptKind?.id, 'inference');
  // No training step: no schedule, no bubble, no "OOM as training" (weights, gradients and Adam state of 13B on two
  // GPUs), and --fp8-param-gather is allowed without the distributed optimizer in inference mode
  // (Megatron-LM megatron/training/arguments.py:1095-1097: `... or not torch.is_grad_enabled()`).
  assert.deepEqual(served.schedules, {});
  assert.equal(served.selectedSchedule, null);
  const codes = served.diagnostics.map((d) => d.code);
  for (const gone of ['oom-risk', 'bubble', 'fp8-param-gather-needs-distributed-optimizer'])
    assert.ok(!codes.includes(gone), gone);
  // The same flags under pretrain_gpt.py are a training run that gets both.
  const trained = analyze(text.replace('tools/run_text_generation_server.py', 'pretrain_gpt.py'), {
    fileName: 'pretrain_13b.sh',
  });
  const trainedCodes = trained.diagnostics.map((d) => d.code);
  assert.ok(trainedCodes.includes('oom-risk') && trainedCodes.includes('fp8-param-gather-needs-distributed-optimizer'));
  // TransformerConfig checks heads % TP for any model it builds (megatron/core/transformer/transformer_config.py:1446),
  // inference included.
  const badTp = readLaunchConfig(
    text
      .replace('--tensor-model-parallel-size 2', '--tensor-model-parallel-size 3')
      .replace('nproc_per_node 2', 'nproc_per_node 3'),
    'text_generation_server.sh',
  );
  assert.ok(badTp.diagnostics.some((d) => d.code === 'heads-not-divisible-by-tp' && d.severity === 'error'));
});

test('evaluation still gets the batch checks: initialize_megatron builds the microbatch calculator for every run', () => {
  // Megatron-LM megatron/training/global_vars.py:148 (set_global_variables → init_num_microbatches_calculator), called
  // from initialize_megatron, which evaluation.py:376 and tasks/main.py call too.
  const text = fixture('evaluate_lambada.sh').replace(
    '--micro-batch-size 8',
    '--micro-batch-size 8 --global-batch-size 12',
  );
  const r = readLaunchConfig(text, 'evaluate_lambada.sh');
  assert.equal(r.scriptKind?.id, 'evaluation');
  assert.ok(r.diagnostics.some((d) => d.code === 'global-batch-not-divisible'));
});

test("a converter's own arguments are not Megatron's: no unknown-flag, no required Megatron argument, no VPP rule", () => {
  // MindSpeed-LLM convert_ckpt_v2.py parses --load-model-type, --save-model-type, --model-type-hf, --target-*-size,
  // --load-dir and --save-dir itself (:16-80) and takes the pipeline size as --target-pipeline-parallel-size, so
  // Megatron's required model flags and its "virtual pipeline needs PP > 1" do not apply.
  const r = readLaunchConfig(fixture('convert_ckpt_hf2mcore.sh'), 'convert_ckpt_hf2mcore.sh');
  assert.equal(r.scriptKind?.id, 'conversion');
  assert.equal(deciding(r.scriptKind as ScriptKindRead), 'entry script convert_ckpt_v2.py');
  assert.deepEqual(
    r.diagnostics.filter((d) => d.severity !== 'hint').map((d) => d.code),
    [],
  );
  // A model-shape error still shows: hidden size must divide by the heads (transformer_config.py checks it for
  // every model, and the converter builds one).
  const bad = readLaunchConfig(
    fixture('convert_ckpt_hf2mcore.sh').replace(
      '--num-layers 32',
      '--num-layers 32 --hidden-size 1000 --num-attention-heads 16',
    ),
    'convert_ckpt_hf2mcore.sh',
  );
  assert.deepEqual(
    bad.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code),
    ['hidden-not-divisible-by-heads'],
  );
});

test('data preprocessing gets none of the Megatron checks', () => {
  // Pai-Megatron-Patch toolkits/sft_data_preprocessing/build_idxmap_sft_dataset.py has its own parser (--input :193,
  // --output-prefix :223, --seq-length :250); Megatron's required --num-layers & co. are not among them.
  const r = analyze(fixture('build_idxmap.sh'), { fileName: 'run_build_idxmap_sft_dataset.sh' });
  assert.equal(r.scriptKind?.id, 'other');
  assert.deepEqual(
    r.diagnostics.map((d) => d.code),
    [],
  );
});

test('every registered code says which kinds it is right for, except the readers’ own (they apply to any file)', () => {
  const readers = new Set([
    'internal-error',
    'unknown-dialect',
    'file-too-large',
    'unquoted-glob',
    'sourced-file-not-read',
    'bash-budget',
    'bash-syntax',
    'yaml-syntax',
    'unresolved-value',
  ]);
  const unscoped = [...DIAGNOSTIC_CODES.values()].filter((c) => !c.appliesTo.kinds).map((c) => c.code);
  assert.deepEqual(
    unscoped.filter((c) => !readers.has(c)),
    [],
  );
  assert.deepEqual(DIAGNOSTIC_CODES.get('oom-risk')?.appliesTo.kinds, ['training']);
});
