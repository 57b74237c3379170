// readBash: every syntax form of spec/megatron.md §6 items 1–12, asserting argv texts, the ranges of the words
// (as the document text they cover) and their origins (variable name + the text of the definition's value).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBash } from '../../../../src/core/bash/reader';
import type { LaunchInvocation, ShellWord } from '../../../../src/core/bash/types';
import type { SourceRange } from '../../../../src/core/types';

/** The document text a range covers. */
function at(doc: string, r: SourceRange): string {
  const lines = doc.split('\n');
  if (r.line === r.endLine) return lines[r.line].slice(r.column, r.endColumn);
  const parts = [lines[r.line].slice(r.column)];
  for (let l = r.line + 1; l < r.endLine; l++) parts.push(lines[l]);
  parts.push(lines[r.endLine].slice(0, r.endColumn));
  return parts.join('\n');
}

function only(doc: string): LaunchInvocation {
  const r = readBash(doc);
  assert.equal(
    r.invocations.length,
    1,
    `expected one launch, got ${r.invocations.length}: ${JSON.stringify(r.diagnostics)}`,
  );
  return r.invocations[0];
}

const texts = (ws: ShellWord[]): (string | null)[] => ws.map((w) => w.text);

/** The word after flag `flag` in the invocation's args. */
function valueOf(inv: LaunchInvocation, flag: string): ShellWord {
  const k = inv.args.findIndex((w) => w.text === flag);
  assert.ok(k >= 0 && k + 1 < inv.args.length, `flag ${flag} with a value in ${JSON.stringify(texts(inv.args))}`);
  return inv.args[k + 1];
}

/** Origins as `NAME=text-of-definition-value` at their lines. */
function origins(doc: string, w: ShellWord): string[] {
  return w.origins.map((o) => `${o.name}=${at(doc, o.range)}@${o.range.line}`);
}

// ── Item 1: continuations and comments ───────────────────────────────────────────────────────────

test('continuations join lines; a `#` line inside a continued command ends it', () => {
  const doc = ['torchrun pretrain_gpt.py \\', '  --num-layers 32 \\', '#  --hidden-size 4096 \\', '  --bf16'].join(
    '\n',
  );
  const inv = only(doc);
  assert.deepEqual(texts(inv.args), ['--num-layers', '32']);
  assert.equal(at(doc, inv.args[1].range), '32');
  assert.equal(inv.args[1].range.line, 1);
  assert.deepEqual(inv.range, { line: 0, column: 0, endLine: 1, endColumn: 17 });
});

test('a backslash followed by trailing spaces does not continue the line', () => {
  const doc = 'python pretrain_gpt.py --num-layers 32 \\  \n  --bf16\n';
  const inv = only(doc);
  // `\ ` escapes one blank: bash passes a word made of a single space, then the line ends.
  assert.deepEqual(texts(inv.args), ['--num-layers', '32', ' ']);
});

test('backslash-newline inside double quotes is removed; `#` inside a quoted option string is an argument', () => {
  const doc = [
    'OPTS="--num-layers 32 \\',
    '  # --bf16 \\',
    '  --hidden-size 4096"',
    'torchrun pretrain_gpt.py $OPTS',
  ].join('\n');
  const inv = only(doc);
  assert.deepEqual(texts(inv.args), ['--num-layers', '32', '#', '--bf16', '--hidden-size', '4096']);
  const hidden = valueOf(inv, '--hidden-size');
  assert.deepEqual(origins(doc, hidden), ['OPTS=4096@2']);
});

test("single quotes, double quotes and $'…' escapes", () => {
  const doc = `python pretrain_gpt.py --a 'x $Y "z"' --b "p \\"q\\" \\$r" --c $'t\\tn\\x41\\'' --d ab"c d"'e'`;
  const inv = only(doc);
  assert.deepEqual(texts(inv.args), ['--a', 'x $Y "z"', '--b', 'p "q" $r', '--c', "t\tnA'", '--d', 'abc de']);
  assert.equal(at(doc, inv.args[7].range), `ab"c d"'e'`);
});

// ── Item 2: parameter expansion ──────────────────────────────────────────────────────────────────

test('the word from `--tensor-model-parallel-size $TP` stands on $TP and comes from `8` in TP=8', () => {
  const doc = 'TP=8\ntorchrun --nproc_per_node 8 pretrain_gpt.py --tensor-model-parallel-size $TP\n';
  const inv = only(doc);
  const w = valueOf(inv, '--tensor-model-parallel-size');
  assert.equal(w.text, '8');
  assert.equal(at(doc, w.range), '$TP');
  assert.deepEqual(w.origins, [{ name: 'TP', range: { line: 0, column: 3, endLine: 0, endColumn: 4 } }]);
});

test('defaults: ${V:-d}, ${V-d}, ${V:=d}, : "${GBS:=512}", quoted defaults, nested defaults, ${10}', () => {
  const doc = [
    'EMPTY=',
    ': "${GBS:=512}"',
    'NNODES=${NNODES:-"1"}',
    'A=${EMPTY:-colon}',
    'B=${EMPTY-dash}',
    'C=${UNSET_C:=assigned}',
    'D=${X:-${Y:-4}}',
    'python pretrain_gpt.py --gbs $GBS --nodes $NNODES --a $A --b "$B" --c $C --c2 $UNSET_C --d $D --ten ${10:-t} --plus ${GBS:+set}',
  ].join('\n');
  const inv = only(doc);
  assert.deepEqual(texts(inv.args), [
    '--gbs',
    '512',
    '--nodes',
    '1',
    '--a',
    'colon',
    '--b',
    '',
    '--c',
    'assigned',
    '--c2',
    'assigned',
    '--d',
    '4',
    '--ten',
    't',
    '--plus',
    'set',
  ]);
  assert.deepEqual(origins(doc, valueOf(inv, '--gbs')), ['GBS=512@1']);
  assert.deepEqual(origins(doc, valueOf(inv, '--nodes')), ['NNODES=1@2']);
  assert.deepEqual(origins(doc, valueOf(inv, '--d')), ['D=4@6']);
});

test('positional arguments: $1 without a default is unresolved with a reason; ${1:?msg} carries the message', () => {
  const doc =
    'DATA=$1\nCKPT=${2:?need a checkpoint path}\nL=${3:-24}\npython pretrain_gpt.py --data-path $DATA --load $CKPT --num-layers $L\n';
  const r = readBash(doc);
  const inv = r.invocations[0];
  const data = valueOf(inv, '--data-path');
  assert.equal(data.text, null);
  assert.match(data.reason!, /\$1/);
  assert.deepEqual(origins(doc, data), ['DATA=$1@0']);
  const ckpt = valueOf(inv, '--load');
  assert.equal(ckpt.text, null);
  assert.equal(ckpt.reason, 'need a checkpoint path');
  assert.equal(valueOf(inv, '--num-layers').text, '24');
  const unresolved = r.diagnostics.filter((d) => d.code === 'unresolved-value');
  assert.equal(unresolved.length, 2);
  assert.ok(unresolved.every((d) => d.severity === 'warning'));
  assert.equal(at(doc, unresolved[0].range), '$DATA');
  assert.match(unresolved[0].message, /\$DATA/);
});

test('environment variables the script never sets are unset for defaults and tests, unresolved when used bare', () => {
  const doc =
    '[ "$FP8" = 1 ] && OPTS+=" --fp8-format hybrid"\nGPUS=${GPUS_PER_NODE:-8}\npython pretrain_gpt.py --gpus $GPUS $OPTS --data $DATA_ROOT/x\n';
  const inv = only(doc);
  assert.deepEqual(texts(inv.args), ['--gpus', '8', '--data', null]);
  const data = inv.args[3];
  assert.equal(data.knownPrefix, undefined);
  assert.equal(data.knownSuffix, '/x');
  assert.match(data.reason!, /DATA_ROOT is not set in this script/);
});

test('length, substring, pattern removal, replacement and case operators', () => {
  const doc =
    'P=/data/pile/pile_00_text_document.bin\nS=abcdef\npython pretrain_gpt.py --a ${#S} --b ${S:1:3} --c ${P%.bin} --d ${P##*/} --e ${S/cd/XY} --f ${S^^} --g ${S: -2}\n';
  const inv = only(doc);
  assert.deepEqual(texts(inv.args), [
    '--a',
    '6',
    '--b',
    'bcd',
    '--c',
    '/data/pile/pile_00_text_document',
    '--d',
    'pile_00_text_document.bin',
    '--e',
    'abXYef',
    '--f',
    'ABCDEF',
    '--g',
    'ef',
  ]);
  // A removal keeps character provenance: the word points at its exact stretch of the definition.
  assert.deepEqual(origins(doc, valueOf(inv, '--d')), ['P=pile_00_text_document.bin@0']);
});

// ── Item 3: arithmetic and command substitution ──────────────────────────────────────────────────

test('arithmetic: $((…)), ${A} / ${B} truncation toward zero, $[…], let, ((…)), comparisons, **', () => {
  const doc = [
    'GPUS_PER_NODE=8',
    'NNODES=2',
    'WORLD=$((GPUS_PER_NODE*NNODES))',
    'NEG=$(( -7 / ${NNODES} ))',
    'MOD=$[ 17 % 5 ]',
    'let N=WORLD*2',
    '(( M = (WORLD + 1) / 3 ))',
    'CMP=$(( WORLD >= 16 && 2 ** 10 == 1024 ))',
    'python pretrain_gpt.py --world $WORLD --neg $NEG --mod $MOD --n $N --m $M --cmp $CMP --inline $(( $GPUS_PER_NODE - 1 ))',
  ].join('\n');
  const inv = only(doc);
  assert.deepEqual(texts(inv.args), [
    '--world',
    '16',
    '--neg',
    '-3',
    '--mod',
    '2',
    '--n',
    '32',
    '--m',
    '5',
    '--cmp',
    '1',
    '--inline',
    '7',
  ]);
  const world = valueOf(inv, '--world');
  assert.equal(at(doc, world.range), '$WORLD');
  assert.deepEqual(origins(doc, world), ['WORLD=$((GPUS_PER_NODE*NNODES))@2', 'GPUS_PER_NODE=8@0', 'NNODES=2@1']);
});

test('division by zero and unknown operands make arithmetic unresolved', () => {
  const doc = 'G=$(nvidia-smi --list-gpus | wc -l)\nW=$((G * 2))\nZ=$((4 / 0))\npython pretrain_gpt.py --w $W --z $Z\n';
  const inv = only(doc);
  assert.equal(valueOf(inv, '--w').text, null);
  assert.match(valueOf(inv, '--w').reason!, /nvidia-smi/);
  assert.equal(valueOf(inv, '--z').reason, 'division by 0');
});

test('command substitution is unresolved and names the command; backticks too; $(echo …) is evaluated', () => {
  const doc =
    'GPUS=$(nvidia-smi --list-gpus | wc -l)\nH=`hostname`\nE=$(echo 12)\ntorchrun --nproc_per_node $GPUS pretrain_gpt.py --addr $H --e $E\n';
  const r = readBash(doc);
  const inv = r.invocations[0];
  const gpus = inv.launchers[0].gpusPerNode!;
  assert.equal(gpus.text, null);
  assert.match(gpus.reason!, /\$\(nvidia-smi …\) is only known at run time/);
  assert.equal(at(doc, gpus.range), '$GPUS');
  assert.match(valueOf(inv, '--addr').reason!, /hostname/);
  assert.equal(valueOf(inv, '--e').text, '12');
  // One diagnostic per root cause: GPUS and H.
  assert.equal(r.diagnostics.filter((d) => d.code === 'unresolved-value').length, 2);
});

// ── Item 4: arrays ───────────────────────────────────────────────────────────────────────────────

test('arrays: comments inside ( … ), +=, re-assignment from itself, "${A[@]}" vs ${A[@]}, ${A[*]}, ${#A[@]}', () => {
  const doc = [
    'TP=2',
    'ARGS=( --tensor-model-parallel-size $TP  # comment allowed',
    '  --pipeline-model-parallel-size 4 )',
    'ARGS+=(--bf16)',
    'ARGS=("${ARGS[@]}" --x "--seq-length 4096")',
    'python pretrain_gpt.py "${ARGS[@]}" --n ${#ARGS[@]} --split ${ARGS[6]}',
  ].join('\n');
  const inv = only(doc);
  assert.deepEqual(texts(inv.args), [
    '--tensor-model-parallel-size',
    '2',
    '--pipeline-model-parallel-size',
    '4',
    '--bf16',
    '--x',
    '--seq-length 4096',
    '--n',
    '7',
    '--split',
    '--seq-length',
    '4096',
  ]);
  const tp = inv.args[1];
  assert.equal(at(doc, tp.range), '${ARGS[@]}');
  assert.deepEqual(origins(doc, tp), ['ARGS=$TP@1', 'TP=2@0']);
  const star = readBash('A=(a "b c" d)\npython pretrain_gpt.py --s "${A[*]}" --u ${A[*]} --slice "${A[@]:1:1}"\n')
    .invocations[0];
  assert.deepEqual(texts(star.args), ['--s', 'a b c d', '--u', 'a', 'b', 'c', 'd', '--slice', 'b c']);
});

test('associative arrays and a nameref (Seq1F1B style)', () => {
  const doc = [
    'declare -A cfg_7b=([layers]=32 [hidden]=4096)',
    'declare -A cfg_13b=([layers]=40)',
    'name=cfg_7b',
    'declare -n c=$name',
    'L=${c[layers]}',
    'python pretrain_gpt.py --num-layers $L --hidden-size ${c[hidden]}',
  ].join('\n');
  const inv = only(doc);
  assert.deepEqual(texts(inv.args), ['--num-layers', '32', '--hidden-size', '4096']);
  assert.deepEqual(origins(doc, inv.args[1]), ['L=${c[layers]}@4', 'cfg_7b[layers]=32@0']);
});

// ── Item 5: string accumulation and conditionals ─────────────────────────────────────────────────

test('string accumulation: split words map into the definition text, the word range is the expansion', () => {
  const doc = [
    'OPTS="--num-layers 32 --hidden-size 4096"',
    'OPTS="$OPTS --bf16"',
    'OPTS+=" --seq-length 8192"',
    'torchrun pretrain_gpt.py $OPTS',
  ].join('\n');
  const inv = only(doc);
  assert.deepEqual(texts(inv.args), ['--num-layers', '32', '--hidden-size', '4096', '--bf16', '--seq-length', '8192']);
  for (const w of inv.args) assert.equal(at(doc, w.range), '$OPTS');
  assert.deepEqual(origins(doc, inv.args[1]), ['OPTS=32@0']);
  assert.deepEqual(inv.args[1].origins[0].range, { line: 0, column: 19, endLine: 0, endColumn: 21 });
  assert.deepEqual(origins(doc, inv.args[4]), ['OPTS=--bf16@1']);
  assert.deepEqual(origins(doc, inv.args[6]), ['OPTS=8192@2']);
});

test('[ … ] && and [[ … ]] || on known values', () => {
  const doc = [
    'FP8=1',
    'MODE=gpt',
    '[ "$FP8" = 1 ] && OPTS+=" --fp8-format hybrid"',
    '[[ $MODE == g* ]] || OPTS+=" --never"',
    '[ "$FP8" -eq 0 ] && OPTS+=" --never2"',
    'python pretrain_gpt.py $OPTS',
  ].join('\n');
  const inv = only(doc);
  assert.deepEqual(texts(inv.args), ['--fp8-format', 'hybrid']);
  assert.ok(inv.args.every((w) => !w.conditional));
});

test('if/elif/else and case on known values', () => {
  const doc = [
    'SIZE=13b',
    'if [ "$SIZE" = "7b" ]; then L=32',
    'elif [[ "$SIZE" == 13b ]]; then L=40',
    'else L=80; fi',
    'case $SIZE in',
    '  7b|13b) H=5120 ;;',
    '  *) H=8192 ;;',
    'esac',
    'python pretrain_gpt.py --num-layers $L --hidden-size $H',
  ].join('\n');
  const inv = only(doc);
  assert.deepEqual(texts(inv.args), ['--num-layers', '40', '--hidden-size', '5120']);
  assert.equal(inv.conditional, false);
  assert.deepEqual(origins(doc, inv.args[1]), ['L=40@2']);
});

test('an undecidable condition takes the first branch and marks its values and launches conditional', () => {
  const doc = [
    'TP=1',
    'if [ -f /etc/cluster ]; then TP=8; else TP=4; fi',
    'OPTS="--bf16"',
    '[ -n "$(hostname)" ] && OPTS+=" --fp16"',
    'if [ -d /ckpt ]; then',
    '  python pretrain_gpt.py --tp $TP $OPTS',
    'fi',
    'python pretrain_gpt.py --tp $TP',
  ].join('\n');
  const r = readBash(doc);
  assert.equal(r.invocations.length, 2);
  const [first, second] = r.invocations;
  assert.equal(first.conditional, true);
  assert.equal(second.conditional, false);
  assert.deepEqual(texts(second.args), ['--tp', '8']);
  assert.equal(second.args[1].conditional, true);
  // Accumulation on an undecided branch marks only what it added.
  assert.deepEqual(texts(first.args), ['--tp', '8', '--bf16', '--fp16']);
  assert.equal(first.args[2].conditional, undefined);
  assert.equal(first.args[3].conditional, true);
});

test('a CLI-parsing while loop terminates without running its body (no script arguments)', () => {
  const doc = [
    'TP=2',
    'while [[ $# -gt 0 ]]; do',
    '  case $1 in',
    '    --tp) TP=$2; shift 2;;',
    '    *) shift;;',
    '  esac',
    'done',
    'python pretrain_gpt.py --tp $TP',
  ].join('\n');
  const inv = only(doc);
  assert.deepEqual(texts(inv.args), ['--tp', '2']);
  assert.equal(inv.args[1].conditional, undefined);
});

test('for loops over literal lists run (bounded); loops over unknown lists run once, conditionally', () => {
  const doc = [
    'D=""',
    'for s in 00 01 02; do D="$D 0.33 /data/s_$s"; done',
    'for f in $(ls /data); do LAST=$f; done',
    'N=0',
    'for ((i = 0; i < 5; i++)); do N=$((N + i)); done',
    'python pretrain_gpt.py --data-path $D --n $N --last $LAST',
  ].join('\n');
  const inv = only(doc);
  assert.deepEqual(texts(inv.args), [
    '--data-path',
    '0.33',
    '/data/s_00',
    '0.33',
    '/data/s_01',
    '0.33',
    '/data/s_02',
    '--n',
    '10',
    '--last',
    null,
  ]);
  assert.equal(inv.args[10].conditional, true);
  const sweep = readBash('for TP in 1 2 4; do torchrun pretrain_gpt.py --tp $TP; done\n');
  assert.deepEqual(
    sweep.invocations.map((i) => i.args[1].text),
    ['1', '2', '4'],
  );
  const endless = readBash('while true; do X=1; done\npython pretrain_gpt.py --x $X\n');
  assert.equal(endless.invocations[0].args[1].text, '1');
});

test('functions are inlined with their arguments and locals; recursion is bounded', () => {
  const doc = [
    'launch() {',
    '  local tp=$1',
    '  shift',
    '  torchrun pretrain_gpt.py --tp $tp "$@"',
    '}',
    'launch 4 --bf16 --seq-length 2048',
  ].join('\n');
  const inv = only(doc);
  assert.deepEqual(texts(inv.args), ['--tp', '4', '--bf16', '--seq-length', '2048']);
  assert.deepEqual(origins(doc, inv.args[1]), ['tp=$1@1', '$1=4@5']);
  const r = readBash('f() { f; }\nf\npython pretrain_gpt.py --after 1\n');
  assert.deepEqual(texts(r.invocations[0].args), ['--after', '1']);
});

// ── Items 6–7: literal quotes, globs, indirection ────────────────────────────────────────────────

test('quotes inside a variable stay literal after expansion; unquoted globs are literal with a hint', () => {
  const doc = `V="--split '99,1,0'"\npython pretrain_gpt.py $V --moe-layer-freq [0]*3+[1]*58 --q '[1]*4'\n`;
  const r = readBash(doc);
  const inv = r.invocations[0];
  assert.deepEqual(texts(inv.args), ['--split', "'99,1,0'", '--moe-layer-freq', '[0]*3+[1]*58', '--q', '[1]*4']);
  const hints = r.diagnostics.filter((d) => d.code === 'unquoted-glob');
  assert.equal(hints.length, 1);
  assert.equal(hints[0].severity, 'hint');
  assert.equal(at(doc, hints[0].range), '[0]*3+[1]*58');
});

test('eval $cmd and eval "$cmd": words point into the command string', () => {
  const doc = [
    'D="--nproc_per_node 8"',
    'OPTS="--num-layers 32"',
    'cmd="torchrun $D pretrain_gpt.py $OPTS"',
    'eval $cmd',
    'eval "$cmd --bf16"',
  ].join('\n');
  const r = readBash(doc);
  assert.equal(r.invocations.length, 2);
  const [a, b] = r.invocations;
  assert.deepEqual(texts(a.args), ['--num-layers', '32']);
  assert.equal(a.launchers[0].kind, 'torchrun');
  assert.equal(a.launchers[0].gpusPerNode!.text, '8');
  assert.equal(at(doc, a.entry.range), 'pretrain_gpt.py');
  assert.equal(a.entry.range.line, 2);
  const l = a.args[1];
  assert.equal(at(doc, l.range), '$OPTS');
  assert.equal(l.range.line, 2);
  assert.deepEqual(origins(doc, l), ['OPTS=32@1']);
  assert.deepEqual(texts(b.args), ['--num-layers', '32', '--bf16']);
});

test('a bare $CMD as command word, sh -c and bash -c strings', () => {
  const doc = [
    'CMD="python pretrain_gpt.py --num-layers 12"',
    '$CMD --hidden-size 768',
    'sh -c "$CMD --x 1"',
    "bash -c 'torchrun --nproc-per-node 2 pretrain_bert.py --seq-length 512'",
  ].join('\n');
  const r = readBash(doc);
  assert.equal(r.invocations.length, 3);
  assert.deepEqual(texts(r.invocations[0].args), ['--num-layers', '12', '--hidden-size', '768']);
  assert.deepEqual(origins(doc, r.invocations[0].args[1]), ['CMD=12@0']);
  assert.deepEqual(texts(r.invocations[1].args), ['--num-layers', '12', '--x', '1']);
  const c = r.invocations[2];
  assert.equal(c.entry.text, 'pretrain_bert.py');
  assert.equal(at(doc, c.args[1].range), '512');
  assert.equal(c.launchers[0].gpusPerNode!.text, '2');
});

test("heredocs: sbatch <<EOF holds the launch, cat <<EOT > file does not, <<- strips tabs, <<'EOF' does not expand", () => {
  const doc = [
    'TP=4',
    'cat <<EOT > ds.json',
    '{ "train_batch_size": 8 }',
    'torchrun pretrain_gpt.py --never 1',
    'EOT',
    'sbatch <<EOF',
    '#!/bin/bash',
    '#SBATCH --nodes=2',
    'srun python pretrain_gpt.py --tp $TP',
    'EOF',
    'bash <<-EOF',
    '\ttorchrun pretrain_gpt.py --tabbed $TP',
    '\tEOF',
    "bash <<'EOF'",
    'torchrun pretrain_gpt.py --literal $TP --exported $EXP',
    'EOF',
  ].join('\n');
  // The quoted body is expanded by the child shell, which sees exported variables only.
  const r = readBash('export EXP=7\n' + doc);
  assert.deepEqual(
    r.invocations.map((i) => texts(i.args)),
    [
      ['--tp', '4'],
      ['--tabbed', '4'],
      ['--literal', '--exported', '7'],
    ],
  );
  const full = 'export EXP=7\n' + doc;
  const tp = r.invocations[0].args[1];
  assert.equal(at(full, tp.range), '$TP');
  assert.equal(tp.range.line, 9);
  assert.deepEqual(origins(full, tp), ['TP=4@1']);
  assert.equal(r.invocations[0].launchers[0].kind, 'srun');
  assert.equal(r.slurm.nodes!.text, '2');
  assert.equal(r.slurm.nodes!.range.line, 8);
});

// ── Items 8–10: cross-file state, launchers, environment ─────────────────────────────────────────

test('source and . are not read: an information diagnostic on that line, variables stay unset', () => {
  const doc = 'source ./cfg.sh\n. "$(pwd)/CONFIG.sh"\nL=${NUM_LAYERS:-24}\npython pretrain_gpt.py --num-layers $L\n';
  const r = readBash(doc);
  const infos = r.diagnostics.filter((d) => d.code === 'sourced-file-not-read');
  assert.deepEqual(
    infos.map((d) => [d.severity, d.range.line]),
    [
      ['information', 0],
      ['information', 1],
    ],
  );
  assert.equal(r.invocations[0].args[1].text, '24');
});

test('export A B, local, readonly and prefix assignments', () => {
  const doc = [
    'A=1',
    'B=2',
    'export A B',
    'readonly R=5',
    'R=6',
    'f() { local A=9; X=$A; }',
    'f',
    'CUDA_DEVICE_MAX_CONNECTIONS=1 torchrun pretrain_gpt.py --a $A --x $X --r $R',
  ].join('\n');
  const r = readBash(doc);
  const inv = r.invocations[0];
  assert.deepEqual(texts(inv.args), ['--a', '1', '--x', '9', '--r', '5']);
  assert.equal(inv.env!.get('CUDA_DEVICE_MAX_CONNECTIONS')!.text, '1');
  assert.equal(r.env.get('CUDA_DEVICE_MAX_CONNECTIONS')!.text, '1');
});

test('torchrun options are launcher options, not Megatron arguments (both spellings, MIN:MAX, auto)', () => {
  const doc =
    'torchrun --nproc_per_node=auto --nnodes 1:4 --node_rank 0 --master_addr localhost --master_port 6000 --standalone pretrain_gpt.py --tp 1\n';
  const inv = only(doc);
  assert.deepEqual(texts(inv.args), ['--tp', '1']);
  const l = inv.launchers[0];
  assert.equal(l.kind, 'torchrun');
  assert.equal(l.gpusPerNode!.text, 'auto');
  assert.equal(l.nodes!.text, '4');
  assert.equal(at(doc, l.range).startsWith('torchrun'), true);
  const b = only('torchrun --nproc-per-node 8 --nnodes=2 pretrain_gpt.py --x 1\n').launchers[0];
  assert.deepEqual([b.gpusPerNode!.text, b.nodes!.text], ['8', '2']);
});

test('python -m torch.distributed.run / launch --use_env, deepspeed, -m megatron modules', () => {
  const r = readBash(
    [
      'python -m torch.distributed.run --nproc_per_node 4 --nnodes 2 pretrain_gpt.py --a 1',
      'python3 -u -m torch.distributed.launch --use_env --nproc_per_node=8 pretrain_t5.py --b 2',
      'deepspeed --num_gpus 8 --num_nodes 2 --hostfile hosts pretrain_gpt.py --deepspeed_config ds.json',
      'python -m megatron.training.pretrain_gpt --c 3',
      'python tools/preprocess_data.py --input x.json',
      'python -c "print(1)"',
      'python setup.py install',
    ].join('\n'),
  );
  assert.deepEqual(
    r.invocations.map((i) => [i.launchers.map((l) => l.kind).join(','), i.entry.text, texts(i.args).join(' ')]),
    [
      ['torch.distributed.run', 'pretrain_gpt.py', '--a 1'],
      ['torch.distributed.launch', 'pretrain_t5.py', '--b 2'],
      ['deepspeed', 'pretrain_gpt.py', '--deepspeed_config ds.json'],
      ['', 'megatron.training.pretrain_gpt', '--c 3'],
      ['', 'tools/preprocess_data.py', '--input x.json'],
    ],
  );
  assert.deepEqual(
    [r.invocations[0].launchers[0].gpusPerNode!.text, r.invocations[0].launchers[0].nodes!.text],
    ['4', '2'],
  );
  assert.deepEqual(
    [r.invocations[2].launchers[0].gpusPerNode!.text, r.invocations[2].launchers[0].nodes!.text],
    ['8', '2'],
  );
});

test('srun, mpirun, nsys, numactl and env prefixes form the launcher chain, outermost first', () => {
  const r = readBash(
    [
      'srun -N 4 --ntasks-per-node=8 --container-image=img.sqsh python -u pretrain_gpt.py --a 1',
      'mpirun -np 16 --allow-run-as-root -x NCCL_DEBUG=INFO python pretrain_gpt.py --b 2',
      'nsys profile -t cuda,nvtx -o prof --force-overwrite true torchrun --nproc_per_node 8 pretrain_gpt.py --c 3',
      'numactl --cpunodebind=0 env NVTE_FLASH_ATTN=1 python pretrain_gpt.py --d 4',
    ].join('\n'),
  );
  const [s, m, n, e] = r.invocations;
  assert.deepEqual(
    s.launchers.map((l) => l.kind),
    ['srun'],
  );
  assert.deepEqual([s.launchers[0].nodes!.text, s.launchers[0].gpusPerNode!.text], ['4', '8']);
  assert.deepEqual(texts(s.args), ['--a', '1']);
  assert.equal(m.launchers[0].totalProcesses!.text, '16');
  assert.deepEqual(texts(m.args), ['--b', '2']);
  assert.deepEqual(
    n.launchers.map((l) => l.kind),
    ['other', 'torchrun'],
  );
  assert.deepEqual(texts(n.args), ['--c', '3']);
  assert.deepEqual(texts(e.args), ['--d', '4']);
  assert.equal(e.env!.get('NVTE_FLASH_ATTN')!.text, '1');
});

test('#SBATCH directives: --nodes=, -N, --ntasks-per-node, --gpus-per-node, --gres=gpu:N', () => {
  const r = readBash('#!/bin/bash\n#SBATCH -N 4\n#SBATCH --ntasks-per-node=8\n#SBATCH --gres=gpu:a100:8\necho hi\n');
  assert.deepEqual([r.slurm.nodes!.text, r.slurm.ntasksPerNode!.text, r.slurm.gpusPerNode!.text], ['4', '8', '8']);
  assert.deepEqual(r.slurm.nodes!.range, { line: 1, column: 11, endLine: 1, endColumn: 12 });
  const g = readBash('#SBATCH --nodes=2\n#SBATCH --gpus-per-node=4\n').slurm;
  assert.deepEqual([g.nodes!.text, g.gpusPerNode!.text], ['2', '4']);
});

test('environment conventions are captured with their final values at the launch', () => {
  const doc = [
    'GPUS_PER_NODE=8',
    'NNODES=${SLURM_NNODES:-2}',
    'WORLD_SIZE=$((GPUS_PER_NODE * NNODES))',
    'export CUDA_DEVICE_MAX_CONNECTIONS=1',
    'torchrun --nproc_per_node $GPUS_PER_NODE pretrain_gpt.py --x 1',
    'GPUS_PER_NODE=4',
  ].join('\n');
  const r = readBash(doc);
  assert.equal(r.env.get('GPUS_PER_NODE')!.text, '8');
  assert.equal(at(doc, r.env.get('GPUS_PER_NODE')!.range), '8');
  assert.equal(r.env.get('NNODES')!.text, '2');
  assert.equal(r.env.get('WORLD_SIZE')!.text, '16');
  assert.equal(r.env.get('CUDA_DEVICE_MAX_CONNECTIONS')!.text, '1');
  assert.equal(r.env.has('NPROC_PER_NODE'), false);
});

// ── Items 11–12: placeholders, diagnostics, robustness ───────────────────────────────────────────

test('placeholders like <Specify path> are unresolved values and do not break the rest', () => {
  const doc =
    'CHECKPOINT_PATH=<Specify path>\nVOCAB=<Specify path to file>/gpt2-vocab.json\npython pretrain_gpt.py --load $CHECKPOINT_PATH --vocab-file $VOCAB --num-layers 2\n';
  const r = readBash(doc);
  const inv = r.invocations[0];
  assert.equal(valueOf(inv, '--load').text, null);
  assert.match(valueOf(inv, '--load').reason!, /placeholder `<Specify path>`/);
  assert.equal(valueOf(inv, '--vocab-file').text, null);
  assert.equal(valueOf(inv, '--num-layers').text, '2');
  assert.equal(r.diagnostics.filter((d) => d.code === 'bash-syntax').length, 0);
});

test('one unresolved-value diagnostic per root cause, on the expansion in the command', () => {
  const doc = [
    'G=$(nvidia-smi -L | wc -l)',
    'A=$G',
    'torchrun --nproc_per_node $G pretrain_gpt.py --a $A --b $G',
    'torchrun --nproc_per_node $G pretrain_gpt.py --c $G',
  ].join('\n');
  const r = readBash(doc);
  const d = r.diagnostics.filter((x) => x.code === 'unresolved-value');
  assert.equal(d.length, 1);
  assert.equal(at(doc, d[0].range), '$G');
  assert.equal(d[0].range.line, 2);
  assert.match(d[0].message, /\$G.*nvidia-smi/);
  assert.ok(d[0].related && d[0].related.length >= 1);
});

test('unbalanced quotes, braces and parens: bash-syntax on the right line, the rest is still read', () => {
  const cases: [string, number][] = [
    ['echo "unterminated\nTP=2\npython pretrain_gpt.py --tp $TP\n', 0],
    ['X=${Y:-4\nTP=2\npython pretrain_gpt.py --tp $TP\n', 0],
    ['A=1\nB=$(echo hi\nTP=2\npython pretrain_gpt.py --tp $TP\n', 1],
    ['if [ 1 = 1 ]; then\nTP=2\npython pretrain_gpt.py --tp $TP\n', 0],
    ['A=1\nfi\nTP=2\npython pretrain_gpt.py --tp $TP\n', 1],
    ["A=1\nB='x\nTP=2\npython pretrain_gpt.py --tp $TP\n", 1],
  ];
  for (const [doc, line] of cases) {
    const r = readBash(doc);
    const syn = r.diagnostics.filter((d) => d.code === 'bash-syntax');
    assert.ok(syn.length >= 1, `syntax error expected in ${JSON.stringify(doc)}`);
    assert.equal(syn[0].severity, 'error');
    assert.equal(syn[0].range.line, line, JSON.stringify(doc));
    assert.equal(r.invocations.length, 1, JSON.stringify(doc));
    assert.deepEqual(texts(r.invocations[0].args), ['--tp', '2'], JSON.stringify(doc));
  }
});

test('self-references and runaway growth end as unresolved values, not hangs', () => {
  let doc = 'A=x\n';
  for (let k = 0; k < 30; k++) doc += 'A="$A$A"\n';
  doc += 'B=$C\nC=$B\npython pretrain_gpt.py --a "$A" --b $B\n';
  const inv = only(doc);
  assert.equal(valueOf(inv, '--a').text, null);
  assert.match(valueOf(inv, '--a').reason!, /limit/);
  assert.equal(valueOf(inv, '--b').text, null);
});

test('not a launch: scripts without a python entry point yield no invocations', () => {
  const r = readBash('echo torchrun pretrain_gpt.py --x 1\nls -la\nmkdir -p out\n');
  assert.equal(r.invocations.length, 0);
});

test('a template placeholder is one warning naming it, not a cascade of parse errors', () => {
  // bash(1) SHELL GRAMMAR/REDIRECTION: `<` and `>` are redirection operators and `(` only starts a subshell at the
  // start of a command, so `VAR=<PATH> (e.g., /x)` is a syntax error as written — the user has to fill it in.
  const r = readBash(
    [
      'CHECKPOINT_PATH=<PATH_OF_LANGUAGE_MODEL> (e.g., /357m)',
      'INPUT_PATH=<PATH_OF_TEST_DATA> \\',
      '        (e.g., /testseen_processed.txt)',
      'python pretrain_gpt.py --load $CHECKPOINT_PATH',
      '',
    ].join('\n'),
  );
  const syntax = r.diagnostics.filter((d) => d.code === 'bash-syntax');
  assert.deepEqual(
    syntax.map((d) => [d.severity, d.range.line, d.range.column, d.range.endColumn]),
    [
      ['warning', 0, 16, 40],
      ['warning', 1, 11, 30],
    ],
  );
  assert.match(syntax[0]!.message, /^<PATH_OF_LANGUAGE_MODEL> is a placeholder to fill in/);
});

test("a variable only an argument-parsing loop sets is the arguments' to give, not empty", () => {
  // With no arguments `[[ $# -gt 0 ]]` is false at run time, but statically $# is unknown: the reader runs the loop
  // zero times (issue 12 §3: the defaults stay). A name only the loop assigns is then unknown with that reason —
  // bash would expand an unset MODEL_PATH to nothing and `--load` would swallow the next flag, but only when the
  // script really gets no `--model-path` argument.
  const r = readBash(
    [
      'while [[ $# -gt 0 ]]; do',
      '  case $1 in',
      '    -m|--model-path) MODEL_PATH="$2"; shift; shift ;;',
      '    --tp) TP="$2"; shift; shift ;;',
      '  esac',
      'done',
      'python pretrain_gpt.py --load ${MODEL_PATH} --tensor-model-parallel-size ${TP:-2}',
      '',
    ].join('\n'),
  );
  const args = r.invocations[0]!.args;
  assert.equal(args[1]!.text, null);
  assert.equal(args[1]!.reason, "$MODEL_PATH is set only by the loop on line 1 that reads the script's arguments");
  assert.equal(args[3]!.text, '2');
  assert.deepEqual(args[3]!.assumptions, ['the script is run without arguments that set $TP']);
});

test('what a value rests on survives `eval` of a command string built from it', () => {
  // bash(1) `eval [arg …]`: the args are joined and the result is read and executed as a command — the words are
  // the same text, so they rest on what that text rested on.
  const r = readBash(
    [
      'TP=${TP:-2}',
      'run_cmd="torchrun pretrain_gpt.py --tensor-model-parallel-size ${TP}"',
      'eval ${run_cmd}',
      '',
    ].join('\n'),
  );
  const tp = r.invocations[0]!.args[1]!;
  assert.equal(tp.text, '2');
  assert.deepEqual(tp.assumptions, ['$TP is not set in the environment']);
});

test('a variable only a branch after an undecidable condition sets is unknown, not empty', () => {
  // The reader takes the first branch of `if [ "$SIZE" = 7B ]` (SIZE is a script argument); a value only the `elif`
  // assigns may well be set at run time, so `--moe-ffn-hidden-size $MOE_FFN` must not lose its value.
  const r = readBash(
    [
      'SIZE=$1',
      'if [ "$SIZE" = 7B ]; then',
      '  HIDDEN=4096',
      'elif [ "$SIZE" = A2.7B ]; then',
      '  HIDDEN=2048',
      '  MOE_FFN=1408',
      'fi',
      'python pretrain_gpt.py --hidden-size $HIDDEN --moe-ffn-hidden-size $MOE_FFN --seq-length 8',
      '',
    ].join('\n'),
  );
  const args = r.invocations[0]!.args;
  assert.equal(args[1]!.text, '4096');
  assert.equal(args[3]!.text, null);
  assert.match(args[3]!.reason ?? '', /^\$MOE_FFN is set only in the branches from line 4 on, not followed/);
  assert.equal(args[5]!.text, '8');
});

test('after `export "$KEY"="$VALUE"` any unset variable may come from the arguments', () => {
  // Megatron-LM's old functional-test scripts read KEY=VALUE arguments this way (e.g. Zero-Bubble 39f2c186
  // tests/functional_tests/test_scripts/gpt3/pretrain_gpt3_distributed_test.sh:3-12).
  const r = readBash(
    [
      'for ARGUMENT in "$@"; do',
      '  KEY=$(echo $ARGUMENT | cut -f1 -d=)',
      '  export "$KEY"="${ARGUMENT#*=}"',
      'done',
      'python pretrain_gpt.py --train-iters $MAX_STEPS --tensor-model-parallel-size ${TP:-1}',
      '',
    ].join('\n'),
  );
  const args = r.invocations[0]!.args;
  assert.equal(args[1]!.text, null);
  assert.match(args[1]!.reason ?? '', /the `export` of a run-time name on line 3 can set it/);
  assert.equal(args[3]!.text, '1');
  assert.match(args[3]!.assumptions?.[0] ?? '', /\$TP is set neither by the environment nor by the `export`/);
});

test('process substitution is read, not a syntax error: `mapfile -t A < <(cmd)` and `diff <(a) <(b)`', () => {
  // bash(1) "Process Substitution": <(list) and >(list) are words; as a redirect target `< <(list)` reads its output.
  const r = readBash(
    [
      'mapfile -t SIZES < <(yq ".BATCH_SIZES[]" cfg.yaml)',
      'diff <(sort a) <(sort b)',
      'python pretrain_gpt.py --num-layers 2',
      '',
    ].join('\n'),
  );
  assert.deepEqual(
    r.diagnostics.filter((d) => d.code === 'bash-syntax'),
    [],
  );
  assert.equal(r.invocations.length, 1);
});
