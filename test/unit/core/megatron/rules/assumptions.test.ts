// Severity discipline (issue 12 §3): a value that depends on the environment, a script argument or a branch the
// reader cannot decide never produces an error — at most a warning that names what it rests on. The same check on a
// value the file fixes stays an error. The checks used here are Megatron's own:
// - world size divisible by TP·PP·CP: Megatron-LM d98e8a64 megatron/training/arguments.py:432-433
//   (`assert args.world_size % total_model_size == 0`);
// - full recompute needs a layer count: megatron/core/transformer/transformer_config.py:1919-1922
//   (`recompute_num_layers must be between …` when granularity is not selective and the count is None).
// The shell semantics are bash's: `${VAR:-word}` substitutes word when VAR is unset or null (bash(1), "Parameter
// Expansion"), so the script's own default is what runs only when the environment does not set VAR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLaunchConfig } from '../../../../../src/core/read/readLaunchConfig';
import type { CoreDiagnostic } from '../../../../../src/core/types';

const MODEL =
  '--num-layers 24 --hidden-size 2048 --num-attention-heads 16 --seq-length 2048 --max-position-embeddings 2048 ' +
  '--micro-batch-size 1 --global-batch-size 64 --bf16';

function diagnosticsOf(lines: string[]): CoreDiagnostic[] {
  return readLaunchConfig(lines.join('\n') + '\n', 'train.sh').diagnostics;
}

const find = (ds: CoreDiagnostic[], code: string): CoreDiagnostic | undefined => ds.find((d) => d.code === code);

test('a world size fixed by the file that TP·PP does not divide is an error', () => {
  // 8 × 1 = 8 GPUs, TP 4 × PP 4 = 16: Megatron's assert fails whatever the environment holds.
  const d = find(
    diagnosticsOf([
      'NNODES=1',
      `torchrun --nproc_per_node 8 --nnodes $NNODES pretrain_gpt.py ${MODEL} --tensor-model-parallel-size 4 --pipeline-model-parallel-size 4`,
    ]),
    'world-size-not-divisible',
  );
  assert.equal(d?.severity, 'error');
  assert.doesNotMatch(d.message, /not certain/);
});

test('the same world taken from an environment default is a warning naming the variable', () => {
  const d = find(
    diagnosticsOf([
      'NNODES=${WORLD_SIZE:-1}',
      `torchrun --nproc_per_node 8 --nnodes $NNODES pretrain_gpt.py ${MODEL} --tensor-model-parallel-size 4 --pipeline-model-parallel-size 4`,
    ]),
    'world-size-not-divisible',
  );
  assert.equal(d?.severity, 'warning');
  assert.match(d.message, /not certain: this holds only if \$WORLD_SIZE is not set in the environment\)$/);
});

test('a GPU count the script cannot fix (8 assumed) makes the world check a warning that says so', () => {
  const d = find(
    diagnosticsOf([
      'GPUS=$(nvidia-smi -L | wc -l)',
      `torchrun --nproc_per_node $GPUS pretrain_gpt.py ${MODEL} --tensor-model-parallel-size 4 --pipeline-model-parallel-size 4`,
    ]),
    'world-size-not-divisible',
  );
  assert.equal(d?.severity, 'warning');
  assert.match(d.message, /this holds only if each node has 8 GPUs\)$/);
});

test('a script-argument default is named as the argument the run is assumed not to get', () => {
  const d = find(
    diagnosticsOf([
      'PP=${1:-4}',
      `torchrun --nproc_per_node 8 pretrain_gpt.py ${MODEL} --tensor-model-parallel-size 4 --pipeline-model-parallel-size $PP`,
    ]),
    'world-size-not-divisible',
  );
  assert.equal(d?.severity, 'warning');
  assert.match(d.message, /this holds only if the script is run without argument \$1\)$/);
});

test('flags set on a branch the reader cannot decide give warnings, not errors', () => {
  // `$1` is unknown, so `[ $1 = full ]` is undecidable: the reader takes the branch and marks what it sets.
  const lines = (cond: string): string[] => [
    cond,
    '  OPTS="--recompute-method uniform --recompute-granularity full"',
    'fi',
    `torchrun --nproc_per_node 8 pretrain_gpt.py ${MODEL} --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2 $OPTS`,
  ];
  const blind = find(diagnosticsOf(lines('if [ "$1" = full ]; then')), 'recompute-config-invalid');
  assert.equal(blind?.severity, 'warning');
  assert.match(blind.message, /a branch whose condition is only known at run time is taken\)$/);
  // A condition the reader decides (a literal) leaves the check certain.
  const decided = find(diagnosticsOf(['AC=full', ...lines('if [ "$AC" = full ]; then')]), 'recompute-config-invalid');
  assert.equal(decided?.severity, 'error');
});

test('a launch that only runs on an undecidable branch makes every check on it a warning', () => {
  const d = find(
    diagnosticsOf([
      'if [ -f /etc/cluster ]; then',
      `  torchrun --nproc_per_node 8 pretrain_gpt.py ${MODEL} --tensor-model-parallel-size 4 --pipeline-model-parallel-size 4`,
      'fi',
    ]),
    'world-size-not-divisible',
  );
  assert.equal(d?.severity, 'warning');
  assert.match(d.message, /the branch holding the launch command \(its condition is only known at run time\) runs/);
});

test('a required flag missing from a launch that passes "$@" may arrive at run time: a warning, not an error', () => {
  // Megatron-LM d98e8a64 megatron/training/arguments.py:1314-1317 requires num_layers, hidden_size,
  // num_attention_heads and max_position_embeddings; argparse reads them from wherever argv got them.
  const launch =
    'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 24 --hidden-size 2048 --num-attention-heads 16';
  const fixed = find(diagnosticsOf([launch]), 'missing-required-arg');
  assert.equal(fixed?.severity, 'error');
  assert.match(
    fixed.message,
    /^Megatron requires --max-position-embeddings, --micro-batch-size, --seq-length; they are not set in this command$/,
  );
  const open = find(diagnosticsOf([`${launch} "$@"`]), 'missing-required-arg');
  assert.equal(open?.severity, 'warning');
  assert.match(open.message, /the script's own arguments \("\$@" on line 1\) must add them$/);
});

test('a flag left at its default may still come from a sourced file the reader does not open', () => {
  // `--expert-model-parallel-size 8` without --num-experts is refused by Megatron-LM (d98e8a64
  // megatron/training/arguments.py:1655-1656 "num_experts must be non None to use expert model parallelism") —
  // unless the model file the script sources supplies --num-experts, as slime's scripts do.
  const launch = `torchrun --nproc_per_node 8 pretrain_gpt.py ${MODEL} --tensor-model-parallel-size 1 --expert-model-parallel-size 8 "\${MODEL_ARGS[@]}"`;
  const fixed = find(diagnosticsOf([launch]), 'experts-not-divisible-by-ep');
  assert.equal(fixed?.severity, 'error');
  const sourced = find(diagnosticsOf(['source "$(dirname $0)/models/moe.sh"', launch]), 'experts-not-divisible-by-ep');
  assert.equal(sourced?.severity, 'warning');
  assert.match(
    sourced.message,
    /nothing in the file sourced on line 1 \(not read here\) sets the flags this file leaves out\)$/,
  );
});

test('a default chosen by testing an environment variable rests on that variable being unset', () => {
  // `[ -z "$WORLD_SIZE" ]` is true at run time only when the environment does not set WORLD_SIZE (bash(1), CONDITIONAL
  // EXPRESSIONS: -z string, true if the length of string is zero); the script assigns it only inside the branch.
  const d = find(
    diagnosticsOf([
      'if [ -z "$NNODES" ]; then',
      '  NNODES=1',
      'fi',
      `torchrun --nproc_per_node 8 --nnodes $NNODES pretrain_gpt.py ${MODEL} --tensor-model-parallel-size 4 --pipeline-model-parallel-size 4`,
    ]),
    'world-size-not-divisible',
  );
  assert.equal(d?.severity, 'warning');
  assert.match(d.message, /this holds only if \$NNODES is not set in the environment\)$/);
});

test('a project’s own trainer may parse its own arguments: missing Megatron flags are a warning there', () => {
  // Megatron-LM d98e8a64 megatron/training/arguments.py:1314-1317 requires the model sizes — for entry scripts that
  // use Megatron's parser. A trainer of another project (Megatron-Bridge's megatron_mimo_training_llava.py builds its
  // config in Python) need not.
  const flags = '--micro-batch-size 4 --global-batch-size 96';
  const ours = find(diagnosticsOf([`torchrun --nproc_per_node 8 pretrain_gpt.py ${flags}`]), 'missing-required-arg');
  assert.equal(ours?.severity, 'error');
  const theirs = find(
    diagnosticsOf([`torchrun --nproc_per_node 8 my_mimo_training.py ${flags}`]),
    'missing-required-arg',
  );
  assert.equal(theirs?.severity, 'warning');
  assert.match(
    theirs.message,
    /so the entry script \(not one of Megatron's own, so it may parse and default its own arguments\) must add them$/,
  );
});

test('a template that builds its command from placeholders: the failures they cause are warnings naming them', () => {
  // bash(1) REDIRECTION: once `<path/to/repo>` is expanded into an eval'ed string, `<` and `>` redirect — the file
  // fails as written, but only until the placeholder is filled in (the shape of Megatron-LM's tools/retro examples).
  const ds = diagnosticsOf([
    'REPO_DIR="<path/to/megatron/repo>"',
    'CMD="cd ${REPO_DIR} && python pretrain_gpt.py --num-layers 2 --save ${REPO_DIR}/ckpt"',
    'eval $CMD',
  ]);
  const placeholderCodes = new Set(['bash-syntax', 'invalid-flag-value']);
  assert.deepEqual(
    ds.filter((d) => placeholderCodes.has(d.code)).map((d) => d.severity),
    ['warning', 'warning'],
  );
  assert.ok(ds.some((d) => /placeholders to fill in, e\.g\. <path\/to\/megatron\/repo> on line 1/.test(d.message)));
});

test('slime and Retro fill the sequence length and position embeddings themselves', () => {
  // THUDM/slime 624b824a slime/backends/megatron_utils/arguments.py:164-169 (seq_length 4096, max positions =
  // seq_length); Retro's --retro-project-dir config sets both (Zero-Bubble 39f2c186 megatron/training/arguments.py:94-130).
  const sizes = '--num-layers 24 --hidden-size 1024 --num-attention-heads 16 --micro-batch-size 1';
  const missing = (text: string): string | undefined => find(diagnosticsOf([text]), 'missing-required-arg')?.message;
  assert.match(missing(`torchrun pretrain_gpt.py ${sizes}`) ?? '', /--max-position-embeddings, --seq-length/);
  assert.equal(missing(`torchrun pretrain_retro.py ${sizes} --retro-project-dir /data/retro`), undefined);
  assert.equal(missing(`# schedule-inspector: dialect=slime\nray job submit -- python3 train.py ${sizes}`), undefined);
});

test('NeMo: a layer count with selective recompute is refused only by Megatron-Core models', () => {
  // Megatron-Core's TransformerConfig refuses it (megatron/core/transformer/transformer_config.py:1926-1932 at
  // d98e8a64); NeMo's own configs note it is "not used with 'selective'" for its legacy models
  // (examples/nlp/language_modeling/tuning/conf/megatron_gpt_qat_config.yaml in NVIDIA/NeMo).
  const yaml = [
    'trainer:',
    '  devices: 8',
    '  num_nodes: 1',
    'model:',
    '  micro_batch_size: 1',
    '  global_batch_size: 8',
    '  encoder_seq_length: 2048',
    '  max_position_embeddings: 2048',
    '  num_layers: 24',
    '  hidden_size: 1024',
    '  num_attention_heads: 16',
    '  activations_checkpoint_granularity: selective',
    '  activations_checkpoint_num_layers: 1',
    '',
  ].join('\n');
  const d = readLaunchConfig(yaml, 'conf.yaml').diagnostics.find((x) => x.code === 'recompute-config-invalid');
  assert.equal(d?.severity, 'warning');
  assert.match(d.message, /holds when NeMo builds the model with Megatron-Core/);
});
