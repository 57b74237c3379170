// The bash fuzz corpus, shared by the fuzz test (test/unit/fuzz.test.ts: finishes, never throws, bounded output) and
// the fuzz bench (test/bench/fuzz.bench.ts: p50/p99/max time per input). Seeded, so a case index reproduces.
import { readFileSync } from 'node:fs';
import { prng } from './scheduleCheck';
import { repoPath } from './paths';

export const FUZZ_SEED = Number(process.env['FUZZ_SEED'] ?? 20261122);
export const FUZZ_CASES = Number(process.env['FUZZ_CASES'] ?? 20_000);

/** Hostile fragments spliced into real scripts: every construct that once cost the reader time or depth. */
export const SNIPPETS: readonly string[] = [
  'TP=8\n',
  'OPTS="$OPTS --num-layers 32"\n',
  'OPTS+=" --bf16"\n',
  'ARGS=( --tp 2  # c\n --pp 4 )\n',
  'ARGS+=(--x)\n',
  'ARGS=("${ARGS[@]}" --y)\n',
  'A=$B\nB=$A\n',
  'A="$A$A"\n',
  '${X:-${Y:-${Z:-4}}}',
  '$((A*B/(C-C)))',
  '$(nvidia-smi --list-gpus | wc -l)',
  '`hostname`',
  'eval $cmd\n',
  'cmd="torchrun pretrain_gpt.py $OPTS"\neval "$cmd"\n',
  'f() { f; f; }\nf\n',
  'g() { eval g; }\ng\n',
  'while true; do X=1; done\n',
  'for i in 1 2 3 4 5 6 7 8; do for j in 1 2 3 4 5 6 7 8; do for k in 1 2 3 4 5 6 7 8; do Y=$i$j$k; done; done; done\n',
  'case $1 in --tp) TP=$2; shift 2;; esac\n',
  'sbatch <<EOF\ntorchrun pretrain_gpt.py --tp $TP\nEOF\n',
  "cat <<'EOT'\n$X\nEOT\n",
  'declare -A c=([layers]=32)\ndeclare -n r=c\nL=${r[layers]}\n',
  'CHECKPOINT_PATH=<Specify path>\n',
  '--moe-layer-freq [0]*3+[1]*58 \\\n',
  '"unbalanced',
  "'unbalanced",
  '${unbalanced',
  '$(unbalanced',
  '((((',
  '))))',
  'if then fi done esac }',
  '\\\n',
  '#SBATCH --nodes=4\n',
  'let N=A**B\n',
  ': "${GBS:=512}"\n',
  'x=$[1+]\n',
  'torchrun --nproc_per_node=8 --nnodes 1:4 pretrain_gpt.py --num-layers $L \\\n  --hidden-size 4096\n',
];

/** A uniformly random element (or character); `xs` is never empty here. */
const pick = <T>(xs: ArrayLike<T>, rnd: () => number): T => xs[Math.floor(rnd() * xs.length)] as T;

/** 1-6 random edits: truncate, delete, duplicate, insert a hostile snippet, or insert a shell metacharacter. */
export function mutate(base: string, rnd: () => number): string {
  let s = base;
  const ops = 1 + Math.floor(rnd() * 6);
  for (let k = 0; k < ops; k++) {
    const pos = Math.floor(rnd() * (s.length + 1));
    const r = rnd();
    if (r < 0.2) s = s.slice(0, pos);
    else if (r < 0.4) {
      const len = 1 + Math.floor(rnd() * 8);
      s = s.slice(0, pos) + s.slice(pos + len);
    } else if (r < 0.55) {
      const len = 1 + Math.floor(rnd() * 40);
      s = s.slice(0, pos) + s.slice(pos, pos + len) + s.slice(pos);
    } else if (r < 0.8) s = s.slice(0, pos) + pick(SNIPPETS, rnd) + s.slice(pos);
    else s = s.slice(0, pos) + pick('"\'`${}()[]\\\n#;&|<> =*?!-', rnd) + s.slice(pos);
  }
  return s;
}

function randomText(rnd: () => number, n: number): string {
  let s = '';
  for (let k = 0; k < n; k++)
    s += String.fromCharCode(rnd() < 0.8 ? 32 + Math.floor(rnd() * 95) : Math.floor(rnd() * 65536));
  return s;
}

/** The realistic 320-line launch script every mutation starts from. */
export const longLaunchScript = (): string => readFileSync(repoPath('test/fixtures/bash/long-launch.sh'), 'utf8');

/**
 * `count` inputs from `seed`: 60 % mutated real script or snippet, 25 % a random program of snippets, 15 % random
 * text (a fifth of it outside ASCII). Lazy, so the test holds one input at a time.
 */
export function* fuzzInputs(seed: number, count: number): Generator<string> {
  const rnd = prng(seed);
  const corpus = [longLaunchScript(), ...SNIPPETS];
  for (let k = 0; k < count; k++) {
    const r = rnd();
    if (r < 0.6) yield mutate(pick(corpus, rnd), rnd);
    else if (r < 0.85) {
      let text = '';
      const n = 1 + Math.floor(rnd() * 20);
      for (let j = 0; j < n; j++) text += pick(SNIPPETS, rnd);
      yield mutate(text, rnd);
    } else yield randomText(rnd, Math.floor(rnd() * 2000));
  }
}

export interface HostileInput {
  name: string;
  text: string;
  /** Reading it must hit a work budget: the user sees a warning that evaluation stopped or was cut short. */
  budget?: boolean;
}

/** Fixed hostile inputs: deep nesting, megabyte lines and words, exponential growth, recursion bombs. */
export function hostileInputs(): HostileInput[] {
  const nested5000 = '${X:-'.repeat(5000) + 'x' + '}'.repeat(5000);
  const megaLine = 'torchrun pretrain_gpt.py ' + '--num-layers 32 '.repeat(65_536);
  const megaWord = 'A=' + 'x'.repeat(1 << 20) + '\necho $A $A $A $A $A $A\n';
  let doubling = 'A=x\n';
  for (let k = 0; k < 40; k++) doubling += 'A="$A$A"\n';
  doubling += 'torchrun pretrain_gpt.py --x "$A"\n';
  return [
    { name: '5000-deep ${…}', text: `torchrun pretrain_gpt.py --a ${nested5000}\n` },
    { name: '5000 unclosed ${', text: '${X:-'.repeat(5000) },
    { name: '5000-deep $(…)', text: '$('.repeat(5000) + ')'.repeat(5000) },
    { name: '5000 ((', text: '('.repeat(5000) },
    { name: '5000 $((', text: '$(('.repeat(5000) },
    { name: '5000 if', text: 'if '.repeat(5000) },
    { name: '5000 {', text: '{ '.repeat(5000) },
    { name: '1 MB line', text: megaLine },
    { name: '1 MB word', text: megaWord },
    { name: 'A="$A$A" ×40', text: doubling },
    { name: 'self reference', text: 'A=$B\nB=$A\nA=$B\ntorchrun pretrain_gpt.py --x $A $B\n' },
    { name: 'arith self reference', text: 'A=B\nB=A\nX=$((A))\n' },
    { name: 'many quotes', text: '"'.repeat(100_000) },
    { name: 'many single quotes', text: "'a\n".repeat(50_000) },
    { name: 'unbalanced mix', text: '"$(\'${`'.repeat(20_000) },
    { name: 'many a[', text: 'a[;'.repeat(200_000) },
    { name: 'placeholders', text: 'X=<a;'.repeat(100_000) },
    { name: 'eval bomb', text: 'c=\'eval "$c$c"\'\neval "$c"\n', budget: true },
    { name: 'function bomb', text: 'f() { f; f; f; }\nf\n', budget: true },
    { name: 'loop bomb', text: 'while :; do while :; do while :; do X+=a; done; done; done\n', budget: true },
    { name: 'backslashes', text: '\\'.repeat(1 << 20) },
    { name: 'unary chain', text: 'X=$((' + '-'.repeat(200_000) + '1))\n' },
    { name: 'paren arith', text: 'X=$((' + '('.repeat(10_000) + '1' + ')'.repeat(10_000) + '))\n' },
    { name: 'pattern op', text: 'A=' + 'a'.repeat(5000) + '\nB=${A//*a*a*a*/x}\nC=${A%%*b}\n' },
    { name: 'heredoc unterminated', text: 'sbatch <<EOF\n' + 'torchrun pretrain_gpt.py --x 1\n'.repeat(10_000) },
    {
      name: 'array growth',
      text: 'A=(x)\n' + 'A=("${A[@]}" "${A[@]}")\n'.repeat(40) + 'torchrun pretrain_gpt.py "${A[@]}"\n',
    },
  ];
}
