// Launch detection behind command prefixes: the entry point and its arguments are found, prefix options are not
// taken for Megatron arguments. Option syntax of each prefix is cited where it is defined.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBash } from '../../../../src/core/bash/reader';

function launch(line: string): [string, string, string] {
  const r = readBash(`${line}\n`);
  assert.equal(r.invocations.length, 1, `one launch in: ${line}`);
  const inv = r.invocations[0];
  return [inv.launchers.map((l) => l.kind).join(','), inv.entry.text ?? '?', inv.args.map((a) => a.text).join(' ')];
}

test('uv run: its options (value-taking --with/-p, switches --frozen) and -m module', () => {
  // astral-sh/uv@26a9dd4 crates/uv-cli/src/lib.rs:3509 RunArgs (-w/--with, -p/--python take a value; -m/--module).
  assert.deepEqual(launch('uv run --frozen -w torch -p 3.12 python -u pretrain_gpt.py --a 1'), [
    '',
    'pretrain_gpt.py',
    '--a 1',
  ]);
  assert.deepEqual(launch('uv run -m torch.distributed.run --nproc_per_node 8 pretrain_gpt.py --a 1'), [
    'torch.distributed.run',
    'pretrain_gpt.py',
    '--a 1',
  ]);
});

test('env: -uNAME, -u NAME, --unset=NAME, -C DIR, -iv before the assignments', () => {
  // coreutils/coreutils@aa0c0de src/env.c:98 shortopts "+a:C:iS:u:v0", :111-127 longopts.
  const r = readBash('env -uA -u B --unset=C -C /w -iv X=1 torchrun pretrain_gpt.py --a 1\n');
  const inv = r.invocations[0];
  assert.equal(inv.launchers.map((l) => l.kind).join(','), 'torchrun');
  assert.deepEqual(
    inv.args.map((a) => a.text),
    ['--a', '1'],
  );
});

test('accelerate launch and accelerate-launch wrap the entry; their options are not Megatron arguments', () => {
  // huggingface/accelerate@16cb6eb src/accelerate/commands/launch.py: --multi_gpu is store_true, --num_processes,
  // --mixed_precision take a value; setup.py:74 installs accelerate-launch as the same command.
  assert.deepEqual(
    launch('accelerate launch --multi_gpu --num_processes 8 --mixed_precision bf16 pretrain_gpt.py --a 1'),
    ['other', 'pretrain_gpt.py', '--a 1'],
  );
  assert.deepEqual(launch('accelerate-launch --num_processes=8 pretrain_gpt.py --a 1')[1], 'pretrain_gpt.py');
  assert.equal(readBash('accelerate config default\n').invocations.length, 0);
});

test('msrun: every option takes a value, then the task script', () => {
  // mindspore-ai/mindspore@47c6672 mindspore/python/mindspore/parallel/cluster/run.py:26-117 (all options typed, with a
  // value; --join True/False), then task_script and its REMAINDER args.
  assert.deepEqual(launch('msrun --worker_num 16 --local_worker_num=8 --join True pretrain_gpt.py --a 1'), [
    'other',
    'pretrain_gpt.py',
    '--a 1',
  ]);
});

test('deepspeed -i/--include and -H/--hostfile take a value', () => {
  // deepspeedai/DeepSpeed@edaa722 deepspeed/launcher/runner.py:53-73.
  assert.deepEqual(launch('deepspeed -H hosts -i w0:0,1@w1 pretrain_gpt.py --a 1'), [
    'deepspeed',
    'pretrain_gpt.py',
    '--a 1',
  ]);
});
