// Each dialect's own flag set (generated from its parser by scripts/extract-flags.mjs): a flag the dialect defines
// is consumed with that parser's arity and not reported; a flag no parser defines is a warning under a known
// dialect; a flag of another code base is information. Citations are to the mirrors at the commits in the
// headers of src/core/megatron/flags/sets/*.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLaunchConfig } from '../../../../../src/core/read/readLaunchConfig';
import { FLAG_SPECS } from '../../../../../src/core/megatron/flags/table';
import { dialectFlag, type Arity } from '../../../../../src/core/megatron/flags/dialectSets';
import type { FlagSpec } from '../../../../../src/core/megatron/flags/table';

const MODEL =
  '--num-layers 4 --hidden-size 256 --num-attention-heads 4 --seq-length 512 --max-position-embeddings 512 --micro-batch-size 1 --global-batch-size 8 --vocab-size 1000';

const read = (launch: string, flags: string, before = '') =>
  readLaunchConfig(`#!/bin/bash\n${before}${launch} ${MODEL} ${flags}\n`, 'run.sh');
const codes = (r: ReturnType<typeof read>, code: string) => r.diagnostics.filter((d) => d.code === code);

/** The arity our table gives a flag, in argparse's terms. */
function tableArity(s: FlagSpec): Arity {
  if (s.type === 'store_true' || s.type === 'store_false') return 0;
  if (s.type !== 'nargs') return 1;
  if (s.exactValues !== undefined) return s.exactValues;
  return s.minValues === 0 ? '*' : '+';
}

test("every table flag Megatron-LM defines takes as many values as Megatron-LM's own parser gives it", () => {
  // The set is megatron-lm-head.tsv: Megatron-LM d98e8a64's argparse parser built and dumped, nargs column
  // included (e.g. arguments.py:3645 --spec nargs='*').
  const mismatches: string[] = [];
  let checked = 0;
  for (const s of FLAG_SPECS) {
    if (s.dialect && s.dialect !== 'megatron') continue;
    const found = dialectFlag(s.name, 'megatron-lm');
    if (!found?.own) continue;
    checked++;
    if (found.flag.arity !== tableArity(s))
      mismatches.push(`${s.name}: ours ${tableArity(s)}, Megatron-LM ${found.flag.arity}`);
  }
  assert.deepEqual(mismatches, []);
  assert.ok(checked > 150, `only ${checked} table flags found in the Megatron-LM set`);
});

test("MindSpeed-LLM: --spec takes a module and a name; MindSpeed's and MindSpeed-LLM's own flags are not reported", () => {
  // Megatron-LM arguments.py:3645 --spec nargs='*'; MindSpeed-LLM c77308a1 features_manager/tokenizer/
  // build_tokenizer.py:19 --tokenizer-name-or-path, features_manager/evaluation/evaluation.py:14 --task-data-path
  // nargs='*', features_manager/megatron_basic/megatron_basic.py:33 --no-shared-storage; MindSpeed 028de58c
  // mindspeed/arguments.py:216 --use-fused-rmsnorm.
  const r = read(
    'msrun --worker_num 8 pretrain_gpt.py',
    '--spec mindspeed_llm.tasks.models.spec.deepseek_spec layer_spec --tokenizer-name-or-path /m/tok ' +
      '--task-data-path a.jsonl b.jsonl --no-shared-storage --use-fused-rmsnorm --num-layer-list 2,2',
  );
  assert.equal(r.dialect?.id, 'mindspeed-llm');
  assert.deepEqual(codes(r, 'unexpected-argument'), []);
  assert.deepEqual(codes(r, 'unknown-flag'), []);
  assert.deepEqual(
    r.flags.find((f) => f.flag === '--spec')?.value,
    'mindspeed_llm.tasks.models.spec.deepseek_spec layer_spec',
  );
});

test("Pai-Megatron-Patch's --extra-vocab-size is Pai's own (megatron_patch/arguments.py:132)", () => {
  const r = read('torchrun pretrain_megatron_llama.py', '--patch-tokenizer-type LLamaTokenizer --extra-vocab-size 64');
  assert.equal(r.dialect?.id, 'pai-megatron-patch');
  assert.deepEqual(codes(r, 'unknown-flag'), []);
  assert.deepEqual(codes(r, 'unexpected-argument'), []);
});

test("Megatron-DeepSpeed's --num-experts takes a list (megatron/arguments.py:608 nargs='+')", () => {
  const r = read('deepspeed pretrain_gpt.py', '--deepspeed --num-experts 64 64 128');
  assert.equal(r.dialect?.id, 'megatron-deepspeed');
  assert.deepEqual(codes(r, 'unexpected-argument'), []);
  // One count per MoE layer (transformer.py:1650-1662); numExperts is the largest, the list is moeExpertsPerLayer.
  assert.equal(r.config.numExperts, 128);
  // Megatron-LM's --num-experts takes one value (megatron-lm-head.tsv): the second is an unexpected argument.
  const mlm = read('torchrun pretrain_gpt.py', '--num-experts 64 64');
  assert.equal(mlm.dialect?.id, 'megatron-lm');
  assert.equal(codes(mlm, 'unexpected-argument').length, 1);
});

test('a flag no parser defines: a warning under a known dialect with a standard entry, else information', () => {
  const r = read('torchrun pretrain_gpt.py', '--no-such-flag-anywhere 3');
  assert.equal(r.dialect?.id, 'megatron-lm');
  const [d] = codes(r, 'unknown-flag');
  assert.equal(d?.severity, 'warning');
  assert.match(d?.message ?? '', /argparse stops with "unrecognized arguments"/);
  assert.deepEqual(codes(r, 'unexpected-argument'), []); // '3' is taken as its value
  // An entry script of its own may add flags through extra_args_provider (Megatron-LM examples/multimodal/
  // train.py:389 passes one): not certain.
  const own = read('torchrun Megatron-LM/examples/multimodal/train.py', '--no-such-flag-anywhere 3');
  assert.equal(own.dialect?.id, 'megatron-lm');
  assert.equal(codes(own, 'unknown-flag')[0]?.severity, 'information');
  // The dialect is unknown: nothing is certain.
  const unknown = read('python train.py', '--no-such-flag-anywhere 3');
  assert.equal(unknown.dialect?.id, 'unknown');
  assert.equal(codes(unknown, 'unknown-flag')[0]?.severity, 'information');
  // slime (THUDM/slime slime/utils/arguments.py:39 --actor-num-nodes): a dialect whose parser we have not read.
  const slime = read('python train.py', '--actor-num-nodes 1 --no-such-flag-anywhere 3');
  assert.equal(slime.dialect?.id, 'slime');
  const s = codes(slime, 'unknown-flag').find((d) => d.message.startsWith('--no-such'));
  assert.equal(s?.severity, 'information');
  assert.match(s?.message ?? '', /parser of this file's dialect \(slime\) has not been read/);
});

test("another code base's flag is information (the file may run there); a flag Megatron-LM dropped names the release", () => {
  // A flag only MindSpeed's parser defines decides the dialect by itself (next test); fixed to Megatron-LM, it is
  // another code base's flag there.
  const r = read('torchrun pretrain_gpt.py', '--use-fused-rmsnorm', '# schedule-inspector: dialect=megatron-lm\n');
  assert.equal(r.dialect?.id, 'megatron-lm');
  const [d] = codes(r, 'unknown-flag');
  assert.equal(d?.severity, 'information');
  assert.match(d?.message ?? '', /defined by MindSpeed/);
  // Megatron-LM core_r0.12.0 megatron/training/arguments.py:2048 --encoder-tensor-model-parallel-size; not in
  // d98e8a64's parser.
  const old = read('torchrun pretrain_gpt.py', '--encoder-tensor-model-parallel-size 1');
  const [o] = codes(old, 'unknown-flag');
  assert.equal(o?.severity, 'information');
  assert.match(
    o?.message ?? '',
    /rejected by current Megatron-LM \(d98e8a64\); Megatron-LM releases core_r0\.4–0\.16 accept it/,
  );
  assert.deepEqual(codes(old, 'unexpected-argument'), []);
});

test("flags only one fork defines decide the dialect, and take that parser's arity", () => {
  // --use-fused-rmsnorm (MindSpeed arguments.py:216) and --use-fused-swiglu are store_true in MindSpeed and in no
  // Megatron-LM release: two of them make the file MindSpeed-LLM's (one alone could be an entry script's own flag),
  // and the word after a switch is no value of it.
  const r = read('python train.py', '--use-fused-swiglu --use-fused-rmsnorm stray');
  assert.equal(r.dialect?.id, 'mindspeed-llm');
  assert.match(r.dialect.evidence.find((e) => e.dialect === 'mindspeed-llm')?.what ?? '', /^flag --use-fused-swiglu$/);
  // One such flag alone does not decide.
  assert.equal(read('python train.py', '--use-fused-rmsnorm').dialect?.id, 'unknown');
  assert.deepEqual(codes(r, 'unknown-flag'), []);
  assert.deepEqual(
    codes(r, 'unexpected-argument').map((d) => d.message.slice(0, 8)),
    ["'stray' "],
  );
});

test('an unquoted variable whose value splits into words is one report, naming the variable', () => {
  const r = read('torchrun pretrain_gpt.py', '--load $CKPT', 'CKPT="/data/my ckpt dir"\n');
  const ds = codes(r, 'unexpected-argument');
  assert.equal(ds.length, 1);
  assert.equal(ds[0]?.severity, 'warning');
  // Pointed at the words that went astray, where the value is written: CKPT="/data/my ckpt dir" on line 1.
  assert.deepEqual(ds[0]?.range, { line: 1, column: 15, endLine: 1, endColumn: 23 });
  assert.match(
    ds[0]?.message ?? '',
    /'ckpt dir' reaches Megatron as 2 arguments: the value of \$CKPT is split into words .* only '\/data\/my' is taken/,
  );
});

test("a template's placeholder value that splits is a hint to fill it in, not a warning", () => {
  // MindSpeed-LLM's examples assign CKPT_LOAD_DIR="your model ckpt path" (e.g. examples/mcore/deepseek2_lite/
  // pretrain_deepseek2_lite_16b_ptd_16p.sh:16-19) and pass it unquoted: the split goes away with a real path.
  const r = read('torchrun pretrain_gpt.py', '--load $CKPT', 'CKPT="your model ckpt path"\n');
  const ds = codes(r, 'unexpected-argument');
  assert.equal(ds.length, 1);
  assert.equal(ds[0]?.severity, 'hint');
  assert.deepEqual(ds[0]?.range, { line: 1, column: 11, endLine: 1, endColumn: 26 });
  assert.match(ds[0]?.message ?? '', /\$CKPT still holds the placeholder 'your model ckpt path'/);
});

test('a flag of the dialect is recognised: the hover names who defines it and the script kind sees it', () => {
  // MindSpeed-LLM c77308a1 features_manager/evaluation/evaluation.py:14 --task-data-path nargs='*'.
  const r = readLaunchConfig(
    '#!/bin/bash\nmsrun --worker_num 8 pretrain_gpt.py --num-layer-list 2,2 --task-data-path a.jsonl b.jsonl\n',
    'run.sh',
  );
  const flag = r.flags.find((f) => f.flag === '--task-data-path');
  assert.equal(flag?.value, 'a.jsonl b.jsonl');
  assert.match(flag?.doc ?? '', /Defined by MindSpeed-LLM \(c77308a1\)/);
  assert.deepEqual(flag?.keys, []);
  assert.ok(r.scriptKind?.evidence.some((e) => e.what === 'flag --task-data-path'));
});

test('a split value whose next word looks like a short option is still reported once and read past', () => {
  // Regression: '-b' is no flag of Megatron's (only '--' options are) and once stopped the reader in place.
  const r = read('torchrun pretrain_gpt.py', '--load $X --num-layers 6', 'X="a -b c"\n');
  const ds = codes(r, 'unexpected-argument');
  assert.equal(ds.length, 1);
  assert.match(ds[0]?.message ?? '', /^'-b c' reaches Megatron as 2 arguments/);
  assert.equal(r.config.numLayers, 6);
});
