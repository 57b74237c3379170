// The analysis fuzz corpus (issue 15), shared by the unit fuzz test (test/unit/core/robustness/analyzeFuzz.test.ts)
// and the long run (`npm run fuzz`, scripts/fuzz.mjs bundles this file): whole files through analyze(), the path the
// editor and the CLI take. Inputs are mutations of every launch fixture (bash and YAML) and of hostile one-liners
// written here, with numbers swapped for the values that once crashed, hung or poisoned the analysis. Seeded, so a
// case index and seed reproduce an input.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mutate as mutateBash, SNIPPETS } from './fuzzCorpus';
import { repoPath } from './paths';
import { prng } from './scheduleCheck';

export interface FuzzInput {
  text: string;
  fileName: string;
  /** Which generator made it (npm run fuzz lists the slowest inputs by it). */
  origin?: 'hostile' | 'fixture numbers' | 'fixture mutated' | 'hostile mutated' | 'snippets';
}

/** Numbers that once crashed, hung or poisoned an analysis, and their neighbours across every bound. */
export const HOSTILE_NUMBERS: readonly string[] = [
  '0',
  '-1',
  '-0',
  '1e400',
  '-1e400',
  'inf',
  '-inf',
  'nan',
  'NaN',
  '1e9',
  '1000000000',
  '99999999999999999999',
  '9007199254740993',
  '2147483648',
  '65536',
  '65537',
  '4096',
  '4097',
  '10000',
  '10001',
  '1_000_000',
  '0x10',
  '3.5',
  '1e-30',
  '',
];

/** A launch with every size the engine needs, so a changed number reaches the simulation and the memory model. */
export const BASE_LAUNCH = [
  'torchrun --nproc_per_node 8 --nnodes 2 pretrain_gpt.py \\',
  '  --num-layers 24 --hidden-size 2048 --num-attention-heads 16 --seq-length 4096 \\',
  '  --max-position-embeddings 4096 --micro-batch-size 1 --global-batch-size 64 \\',
  '  --tensor-model-parallel-size 2 --pipeline-model-parallel-size 4 --vocab-size 32000 \\',
  '  --make-vocab-size-divisible-by 128 --attention-dropout 0.1 --hidden-dropout 0.1 \\',
  '  --bf16 --use-flash-attn --train-iters 10 --lr 1e-4',
  '',
].join('\n');

export const BASE_MOE_LAUNCH = BASE_LAUNCH.replace(
  '--bf16',
  '--num-experts 8 --moe-router-topk 2 --expert-model-parallel-size 2 --sequence-parallel --bf16',
);

export const BASE_NEMO = [
  'trainer:',
  '  devices: 8',
  '  num_nodes: 2',
  'model:',
  '  num_layers: 24',
  '  hidden_size: 2048',
  '  ffn_hidden_size: 8192',
  '  num_attention_heads: 16',
  '  encoder_seq_length: 4096',
  '  max_position_embeddings: 4096',
  '  micro_batch_size: 1',
  '  global_batch_size: 64',
  '  tensor_model_parallel_size: 2',
  '  pipeline_model_parallel_size: 4',
  '  num_moe_experts: 8',
  '  make_vocab_size_divisible_by: 128',
  '  attention_dropout: 0.1',
  '',
].join('\n');

/** Flags that size or divide the analysis; each is set to a hostile number in the named regression cases. */
export const SIZING_FLAGS: readonly string[] = [
  '--num-layers',
  '--pipeline-model-parallel-size',
  '--tensor-model-parallel-size',
  '--context-parallel-size',
  '--expert-model-parallel-size',
  '--num-experts',
  '--micro-batch-size',
  '--global-batch-size',
  '--seq-length',
  '--hidden-size',
  '--ffn-hidden-size',
  '--num-attention-heads',
  '--num-query-groups',
  '--vocab-size',
  '--make-vocab-size-divisible-by',
  '--num-layers-per-virtual-pipeline-stage',
  '--pipe-sp-splits',
  '--moe-router-topk',
  '--attention-dropout',
  '--recompute-num-layers',
  '--decoder-first-pipeline-num-layers',
  '--moe-layer-freq',
];

/** Hostile one-liners of our own: absurd sizes, degenerate text, YAML shapes that broke the reader. */
export function hostileOneLiners(): FuzzInput[] {
  const sh = (text: string): FuzzInput => ({ text, fileName: 'train.sh' });
  const yaml = (text: string): FuzzInput => ({ text, fileName: 'config.yaml' });
  const plain = (text: string): FuzzInput => ({ text, fileName: 'launch' });
  const out: FuzzInput[] = [
    plain(' '.repeat(100_000)),
    plain('\n'.repeat(100_000)),
    plain(' \n'.repeat(50_000) + 'model:\n'),
    plain('a'.repeat(100_000) + '\n'),
    plain('key: value\n'.repeat(20_000)),
    yaml('['.repeat(100_000)),
    yaml('{a: '.repeat(50_000) + '1'),
    yaml('- '.repeat(50_000) + 'a'),
    yaml('model:\n' + Array.from({ length: 500 }, (_, i) => `${' '.repeat(i + 2)}k:\n`).join('')),
    yaml('model:\n  num_layers: 2\n  hidden_size:'),
    yaml('model:\n  num_layers:'),
    yaml('model:\n  tensor_model_parallel_size:'),
    yaml('MODEL_ARGS:\n  --num-layers:'),
    yaml('trainer:\n  devices:'),
    yaml('model:\n  num_layers: &a 1\n  hidden_size: *a\n  x: *b\n'),
    yaml('model:\n  num_layers: ${model.num_layers}\n  tensor_model_parallel_size: 2\n'),
    yaml(BASE_NEMO.replace('num_layers: 24', 'num_layers: 1000000000')),
    yaml(BASE_NEMO.replace('pipeline_model_parallel_size: 4', 'pipeline_model_parallel_size: 1000000000')),
    yaml(BASE_NEMO.replace('num_moe_experts: 8', 'num_moe_experts: 1000000000')),
    sh(BASE_MOE_LAUNCH.replace('--num-layers 24', '--num-layers 1000000000')),
    sh(BASE_MOE_LAUNCH.replace('--num-layers 24', '--num-layers -1')),
    sh(BASE_LAUNCH.replace('--pipeline-model-parallel-size 4', '--pipeline-model-parallel-size 1000000000')),
    sh(BASE_LAUNCH.replace('--make-vocab-size-divisible-by 128', '--make-vocab-size-divisible-by 0')),
    sh(BASE_LAUNCH.replace('--attention-dropout 0.1', '--attention-dropout 1e400')),
    sh(BASE_LAUNCH.replace('--global-batch-size 64', '--global-batch-size 16777216')),
    sh(BASE_LAUNCH.replace('--global-batch-size 64', '--global-batch-size 1048576') + ' --pipe-sp-splits 64'),
    sh(BASE_LAUNCH.replace('--nproc_per_node 8 --nnodes 2', '--nproc_per_node 1000000 --nnodes 1000000')),
    sh(BASE_LAUNCH.replace('--nproc_per_node 8 --nnodes 2', '--nproc_per_node 8 --nnodes 1000003')),
    sh(BASE_MOE_LAUNCH + ' --moe-layer-freq "[1]*1000000000"'),
    sh(BASE_MOE_LAUNCH + ' --moe-layer-freq "([0]*3+[1]*21)*100000"'),
    sh(BASE_LAUNCH + ' --pipeline-model-parallel-layout "(t|)*100000000"'),
    sh(BASE_LAUNCH + ' --num-layers-per-virtual-pipeline-stage 1'),
    sh(BASE_LAUNCH.replace('--seq-length 4096', '--seq-length 16777216') + ' --pipe-sp-splits 4096'),
  ];
  for (const flag of SIZING_FLAGS)
    for (const n of ['0', '-1', '1e400', '1000000000', 'inf', 'nan']) out.push(sh(`${BASE_MOE_LAUNCH} ${flag} ${n}\n`));
  return out;
}

/** Every launch fixture and example, with its file name (the name decides bash or YAML). */
export function fixtureInputs(): FuzzInput[] {
  const out: FuzzInput[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(sh|ya?ml|slurm)$/.test(name)) out.push({ text: readFileSync(path, 'utf8'), fileName: name });
    }
  };
  walk(repoPath('test/fixtures'));
  walk(repoPath('media/examples'));
  return out;
}

const pick = <T>(xs: ArrayLike<T>, rnd: () => number): T => xs[Math.floor(rnd() * xs.length)] as T;

/** Replaces 1-3 numbers of the text with hostile ones (the numbers are what sizes the work). */
function swapNumbers(text: string, rnd: () => number): string {
  const spots: [number, number][] = [];
  for (const m of text.matchAll(/\d+(\.\d+)?(e[+-]?\d+)?/gi)) spots.push([m.index, m[0].length]);
  if (spots.length === 0) return text;
  let s = text;
  const n = 1 + Math.floor(rnd() * 3);
  // From the back, so earlier offsets stay valid.
  const chosen = [...new Set(Array.from({ length: n }, () => Math.floor(rnd() * spots.length)))].sort((a, b) => b - a);
  for (const i of chosen) {
    const [at, len] = spots[i]!;
    s = s.slice(0, at) + pick(HOSTILE_NUMBERS, rnd) + s.slice(at + len);
  }
  return s;
}

/** YAML-shaped edits: truncate after a key, nest, break indentation, add flow junk. */
function mutateYaml(text: string, rnd: () => number): string {
  const lines = text.split('\n');
  const at = Math.floor(rnd() * (lines.length + 1));
  const r = rnd();
  if (r < 0.25) {
    // A key typed at the end of the file with no value yet.
    const cut = lines.slice(0, at);
    const last = cut.length ? cut[cut.length - 1]! : '';
    const colon = last.indexOf(':');
    cut[Math.max(0, cut.length - 1)] = colon >= 0 ? last.slice(0, colon + 1) : last;
    return cut.join('\n');
  }
  if (r < 0.45)
    lines.splice(
      at,
      0,
      ' '.repeat(Math.floor(rnd() * 12)) + pick(['- ', '? ', '[', '{', ': ', '&a ', '*a', '!!int ', '|', '>'], rnd),
    );
  else if (r < 0.6) lines.splice(at, 0, '['.repeat(1 + Math.floor(rnd() * 200)));
  else if (r < 0.75) lines.splice(at, 0, '  '.repeat(Math.floor(rnd() * 40)) + 'k: ${oc.env:X,${model.num_layers}}');
  else lines.splice(at, 1);
  return lines.join('\n');
}

/**
 * `count` inputs from `seed`, lazily: the hostile one-liners first, then 40 % fixture with hostile numbers, 30 %
 * fixture mutated as bash or YAML text, 20 % hostile one-liner mutated, 10 % bash snippets glued together.
 */
export function* analysisFuzzInputs(seed: number, count: number): Generator<FuzzInput> {
  const rnd = prng(seed);
  const fixtures = fixtureInputs();
  const hostile = hostileOneLiners();
  let k = 0;
  for (const h of hostile) {
    if (k++ >= count) return;
    yield { ...h, origin: 'hostile' };
  }
  for (; k < count; k++) {
    const r = rnd();
    if (r < 0.4) {
      const f = pick(fixtures, rnd);
      yield { text: swapNumbers(f.text, rnd), fileName: f.fileName, origin: 'fixture numbers' };
    } else if (r < 0.7) {
      const f = pick(fixtures, rnd);
      const yamlFile = /\.ya?ml$/.test(f.fileName);
      const text = yamlFile ? mutateYaml(swapNumbers(f.text, rnd), rnd) : mutateBash(f.text, rnd);
      // Now and then without the name, so format detection decides.
      yield { text, fileName: rnd() < 0.1 ? 'launch' : f.fileName, origin: 'fixture mutated' };
    } else if (r < 0.9) {
      const h = pick(hostile, rnd);
      const text = h.text.length > 20_000 ? h.text : swapNumbers(h.text, rnd);
      const mutated = /\.ya?ml$/.test(h.fileName) ? mutateYaml(text, rnd) : mutateBash(text, rnd);
      yield { text: mutated, fileName: h.fileName, origin: 'hostile mutated' };
    } else {
      let text = BASE_LAUNCH;
      const n = 1 + Math.floor(rnd() * 6);
      for (let j = 0; j < n; j++) text += pick(SNIPPETS, rnd);
      yield { text: swapNumbers(text, rnd), fileName: 'train.sh', origin: 'snippets' };
    }
  }
}

/**
 * Where a result holds a number that is not finite ("$.schedules.1f1b.stepTimeMs"), or null. The simulator's
 * p2pStart / p2pEnd use NaN by design for "this op received nothing" (simulator.ts; the timeline skips them).
 */
export function nonFinitePath(value: unknown, path = '$', seen = new Set<object>()): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path;
  if (value === null || typeof value !== 'object' || seen.has(value)) return null;
  seen.add(value);
  if (ArrayBuffer.isView(value)) {
    if (/\.p2p(Start|End)$/.test(path) || !(value instanceof Float64Array || value instanceof Float32Array))
      return null;
    for (let i = 0; i < value.length; i++) if (!Number.isFinite(value[i]!)) return `${path}[${i}]`;
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    const found = nonFinitePath(v, `${path}.${k}`, seen);
    if (found) return found;
  }
  return null;
}
