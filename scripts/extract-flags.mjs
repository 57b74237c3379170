#!/usr/bin/env node
// Writes src/core/megatron/flags/sets/*.ts: the argument surface (spelling, arity, type, choices) of each Megatron
// dialect's own parser, read from its source at a pinned commit — facts only, no third-party text.
//
//   npm run extract-flags [-- MIRRORS_DIR [FLAG_TABLES_DIR]]
//
// MIRRORS_DIR holds bare git mirrors named owner+repo/repo (default /work/.mirror); FLAG_TABLES_DIR the extracted
// Megatron-LM / Megatron-DeepSpeed / Seq1F1B tables (default /work/shared/data/megatron-flags). Sources:
// - Megatron-LM HEAD: megatron-lm-head.tsv (the real argparse parser dumped) + add_argument in the root entry
//   scripts; Megatron-LM releases core_r0.8.0 … core_r0.16.0: add_argument in megatron/training/arguments.py.
// - Megatron-DeepSpeed and Seq1F1B: their TSVs.
// - MindSpeed-LLM, MindSpeed, Pai-Megatron-Patch, the Zero-Bubble fork: every add_argument(...) call (and Pai's
//   patch_if_not_exist) in the files that build the training parser, read with a small Python tokenizer.
// Each set is written as a delta against the set closest to it (sets/packed.ts): the forks share most of Megatron's
// flags, and the core ships twice in the VSIX. sets/zeroBubbleVHalfVocab.ts is written by hand and stays whole.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MIRRORS = process.argv[2] ?? '/work/.mirror';
const TABLES = process.argv[3] ?? '/work/shared/data/megatron-flags';
const OUT = new URL('../src/core/megatron/flags/sets/', import.meta.url).pathname;

const git = (repo, ...args) =>
  execFileSync('git', ['-C', join(MIRRORS, repo, 'repo'), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
const commitOf = (repo, ref = 'HEAD') => git(repo, 'rev-parse', ref).trim();
const filesUnder = (repo, ref, paths) =>
  git(repo, 'ls-tree', '-r', '--name-only', ref, '--', ...paths)
    .split('\n')
    .filter((f) => f.endsWith('.py'));
const show = (repo, ref, path) => git(repo, 'show', `${ref}:${path}`);

/** The text of each call `name(...)` in Python source, parentheses balanced outside strings and comments. */
function calls(src, names) {
  const out = [];
  const re = new RegExp(`\\b(?:${names.join('|')})\\(`, 'g');
  for (let m = re.exec(src); m; m = re.exec(src)) {
    let depth = 1;
    let i = m.index + m[0].length;
    const start = i;
    while (i < src.length && depth > 0) {
      const c = src[i];
      if (c === '#') {
        while (i < src.length && src[i] !== '\n') i++;
        continue;
      }
      if (c === '"' || c === "'") {
        const triple = src.startsWith(c.repeat(3), i);
        const q = triple ? c.repeat(3) : c;
        i += q.length;
        while (i < src.length && !src.startsWith(q, i)) i += src[i] === '\\' ? 2 : 1;
        i += q.length;
        continue;
      }
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') depth--;
      i++;
    }
    out.push(src.slice(start, i - 1));
  }
  return out;
}

/** Top-level comma-separated parts of a call's argument text. */
function topLevel(args) {
  const parts = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    if (c === '"' || c === "'") {
      const triple = args.startsWith(c.repeat(3), i);
      const q = triple ? c.repeat(3) : c;
      let j = i + q.length;
      while (j < args.length && !args.startsWith(q, j)) j += args[j] === '\\' ? 2 : 1;
      cur += args.slice(i, j + q.length);
      i = j + q.length - 1;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) depth--;
    if (c === ',' && depth === 0) {
      parts.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) parts.push(cur.trim());
  return parts;
}

const stringLiteral = (t) => /^[rbu]?(['"])(.*)\1$/s.exec(t.trim())?.[2] ?? null;

/** One add_argument call → { names, arity, type, choices } or null when it registers no long option. */
function flagOf(argText) {
  const parts = topLevel(argText);
  const names = [];
  const kw = {};
  for (const p of parts) {
    const k = /^(\w+)\s*=\s*([\s\S]*)$/.exec(p);
    if (k) kw[k[1]] = k[2].trim();
    else {
      const s = stringLiteral(p);
      if (s && s.startsWith('--')) names.push(s);
    }
  }
  if (!names.length) return null;
  const action = kw.action ? (stringLiteral(kw.action) ?? kw.action) : 'store';
  let arity = '1';
  if (/^(store_true|store_false|store_const|count|help|version|append_const)$/.test(action)) arity = '0';
  else if (kw.nargs) {
    const n = stringLiteral(kw.nargs) ?? kw.nargs;
    arity = /^([?*+]|\d+)$/.test(n) ? n : '*';
  }
  const type = kw.type === 'int' ? 'i' : kw.type === 'float' ? 'f' : '';
  let choices = null;
  if (kw.choices && /^[[(]/.test(kw.choices)) {
    const items = topLevel(kw.choices.slice(1, -1)).map(stringLiteral);
    if (items.length && items.every((x) => x !== null && /^[\w.+-]+$/.test(x))) choices = items;
  }
  return { names, arity, type, choices };
}

/** Packs a flag as `--name:arity[i|f][{a|b}]` (aliases share the record: one entry per spelling). */
const pack = (name, f) => `${name}:${f.arity}${f.type}${f.choices ? `{${f.choices.join('|')}}` : ''}`;

function fromSource(repo, ref, paths, extraCalls = []) {
  const flags = new Map();
  // Path by path, in the order given: the first file that registers a spelling decides its arity.
  const files = [...new Set(paths.flatMap((p) => filesUnder(repo, ref, [p])))];
  for (const file of files) {
    for (const c of calls(show(repo, ref, file), ['add_argument', ...extraCalls])) {
      // patch_if_not_exist(group, '--x', …): the first argument is the group.
      const f = flagOf(c);
      if (f) for (const n of f.names) if (!flags.has(n)) flags.set(n, pack(n, f));
    }
  }
  return flags;
}

function fromMegatronTsv(file) {
  const flags = new Map();
  for (const line of readFileSync(join(TABLES, file), 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [spellings, , action, nargs, type, , choices] = line.split('\t');
    // argparse.BooleanOptionalAction takes no value (nargs=0; it adds the --no- spelling itself).
    const f = {
      arity: /^(store_true|store_false|store_const|count|help|version|BooleanOptionalAction)$/.test(action)
        ? '0'
        : nargs || '1',
      type: type === 'int' ? 'i' : type === 'float' ? 'f' : '',
      choices: choices && /^[\w.+|,-]+$/.test(choices) ? choices.split(',') : null,
    };
    // The dump separates an option's spellings with a space (`--no-fp8-wgrad --disable-fp8-wgrad`).
    for (const n of spellings.split(/[\s,]+/)) if (n.startsWith('--')) flags.set(n, pack(n, f));
  }
  return flags;
}

function fromForkTsv(file) {
  const flags = new Map();
  for (const line of readFileSync(join(TABLES, file), 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [name, action, type, nargs, choices] = line.split('\t');
    if (!name?.startsWith('--')) continue;
    let parsed = null;
    if (choices) {
      const items = topLevel(choices.replace(/^[[(]|[\])]$/g, '')).map(stringLiteral);
      if (items.every((x) => x !== null && /^[\w.+-]+$/.test(x))) parsed = items;
    }
    const f = {
      arity: /^(store_true|store_false|store_const|count)$/.test(action) ? '0' : (stringLiteral(nargs) ?? nargs) || '1',
      type: type === 'int' ? 'i' : type === 'float' ? 'f' : '',
      choices: parsed,
    };
    flags.set(name, pack(name, f));
  }
  return flags;
}

/** Words packed onto lines of at most ~110 characters (inside a template literal), so a data file stays diffable. */
function lines(words) {
  const out = [];
  let cur = '';
  for (const w of words) {
    if (cur && cur.length + w.length + 1 > 110) {
      out.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) out.push(cur);
  return out;
}

/**
 * A set's tokens, as setOf in dialectSets.ts reads them: the packed entries split at spaces. (An entry of
 * megatron-lm-head.tsv whose spellings the dump separates with a space — `--save-interval --persistent-save-interval`
 * — becomes two tokens, the first without a spec; kept as they are, so the sets say exactly what they said before.)
 */
const tokensOf = (flags) => [...new Set([...flags.values()].flatMap((e) => e.split(' ')))].sort();

/** A token as stored (packed.ts): no leading `--`, no `:0`; a token without a spec keeps a bare `:`. */
function stored(token) {
  if (!token.startsWith('--') || /[\s`$\\]/.test(token)) throw new Error(`cannot store token ${token}`);
  const t = token.slice(2);
  if (t.endsWith(':0')) return t.slice(0, -2);
  return t.includes(':') ? t : `${t}:`;
}

/** `tokens` as a delta against `base` (both sorted): keep-runs over the base, then what the base does not give. */
function delta(base, tokens) {
  const wanted = new Set(tokens);
  const has = new Set(base);
  const runs = [];
  let keeping = true;
  let n = 0;
  for (const t of base) {
    if (wanted.has(t) === keeping) n++;
    else {
      runs.push(n);
      keeping = !keeping;
      n = 1;
    }
  }
  runs.push(n);
  return {
    keep: base.length ? runs.map((r) => r.toString(36)) : [],
    add: tokens.filter((t) => !has.has(t)).map(stored),
  };
}
const deltaSize = (d) => d.keep.join(' ').length + d.add.join(' ').length;

/**
 * The cheapest tree of deltas (Chu–Liu/Edmonds minimum arborescence): node `n` is the empty set (a set stored whole),
 * cost[u][v] the size of v stored against u. Returns each set's parent (n: none). No cycles, so every set decodes.
 */
function cheapestTree(n, cost) {
  function solve(nodes, root, edges) {
    const best = new Map();
    for (const e of edges)
      if (e.to !== root && e.from !== e.to && (!best.has(e.to) || e.w < best.get(e.to).w)) best.set(e.to, e);
    for (const start of nodes) {
      if (start === root) continue;
      const seen = new Set();
      let v = start;
      while (v !== root && !seen.has(v)) {
        seen.add(v);
        v = best.get(v).from;
      }
      if (v === root) continue;
      // A cycle through v: contract it into one node, solve, then open it where the chosen edge enters.
      const cycle = new Set([v]);
      for (let u = best.get(v).from; u !== v; u = best.get(u).from) cycle.add(u);
      const c = `(${[...cycle].join(',')})`;
      const contracted = edges
        .filter((e) => !(cycle.has(e.from) && cycle.has(e.to)))
        .map((e) => ({
          from: cycle.has(e.from) ? c : e.from,
          to: cycle.has(e.to) ? c : e.to,
          w: cycle.has(e.to) ? e.w - best.get(e.to).w : e.w,
          inner: e,
        }));
      const chosen = solve([...nodes.filter((x) => !cycle.has(x)), c], root, contracted);
      const parent = new Map();
      for (const [to, e] of chosen) {
        if (to === c) {
          for (const x of cycle) parent.set(x, best.get(x));
          parent.set(e.inner.to, e.inner);
        } else parent.set(to, e.inner);
      }
      return parent;
    }
    return best;
  }
  const edges = [];
  for (let u = 0; u <= n; u++) for (let v = 0; v < n; v++) if (u !== v) edges.push({ from: u, to: v, w: cost(u, v) });
  const parent = solve([...Array(n + 1).keys()], n, edges);
  return [...Array(n).keys()].map((v) => parent.get(v).from);
}

/** FNV-1a (32 bits, UTF-16 code units) of the sorted tokens joined by newlines: the test decodes and compares. */
function checksum(tokens) {
  let h = 0x811c9dc5;
  const text = tokens.join('\n');
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

const SETS = [];
/** Collects one set; every set is written at the end, once the deltas between them are chosen. */
function write(file, constName, id, origin, flags) {
  SETS.push({ file, constName, id, origin, flags, tokens: tokensOf(flags) });
}

function writeAll() {
  const n = SETS.length;
  const cost = (u, v) => deltaSize(delta(u === n ? [] : SETS[u].tokens, SETS[v].tokens));
  const parents = cheapestTree(n, cost);
  SETS.forEach((s, v) => {
    const base = parents[v] === n ? null : SETS[parents[v]];
    const d = delta(base ? base.tokens : [], s.tokens);
    const kept = s.tokens.length - d.add.length;
    const how = base
      ? `Stored as a delta against ${base.file} (${base.id}): keeps ${kept} of its ${base.tokens.length} tokens, adds ${d.add.length}.`
      : 'Stored whole.';
    const text = `// GENERATED by scripts/extract-flags.mjs — do not edit. Facts only (spelling:arity[type][{choices}]), read from
${s.origin.map((o) => `// ${o}`).join('\n')}
// ${s.flags.size} spellings.
// ${how} Decoded: ${s.tokens.length} tokens, FNV-1a ${checksum(s.tokens)} (packed.ts; packedSets.test.ts checks both).
import type { PackedSet } from './packed';

export const ${s.constName}: PackedSet = {
  base: ${base ? `'${base.id}'` : 'null'},
  keep: \`${lines(d.keep).join('\n')}\`,
  add: \`${lines(d.add).join('\n')}\`,
};
`;
    writeFileSync(join(OUT, s.file), text);
    console.log(`${s.file}: ${s.flags.size} spellings, ${how}`);
  });
}

mkdirSync(OUT, { recursive: true });

const MLM = 'NVIDIA+Megatron-LM';
const mlmHead = fromMegatronTsv('megatron-lm-head.tsv');
// Flags the root entry scripts add through extra_args_provider (pretrain_vlm.py add_vlm_extra_args; pretrain_gpt.py
// add_modelopt_args from megatron/post_training/arguments.py when ModelOpt is installed).
const MLM_EXTRAS = [
  'pretrain_gpt.py',
  'pretrain_vlm.py',
  'pretrain_hybrid.py',
  'pretrain_mamba.py',
  'train_rl.py',
  'megatron/post_training/arguments.py',
  // examples/multimodal/train.py passes add_multimodal_extra_args as its extra_args_provider.
  'examples/multimodal/multimodal_args.py',
];
for (const [k, v] of fromSource(MLM, 'HEAD', MLM_EXTRAS)) if (!mlmHead.has(k)) mlmHead.set(k, v);
write(
  'megatronLm.ts',
  'MEGATRON_LM_FLAGS',
  'megatron-lm',
  [
    `NVIDIA/Megatron-LM ${commitOf(MLM)}: megatron-lm-head.tsv (the real parser) + add_argument in`,
    MLM_EXTRAS.join(', '),
  ],
  mlmHead,
);

const releases = new Map();
const releaseOrigins = [];
for (const v of [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]) {
  const ref = `refs/heads/core_r0.${v}.0`;
  // The parser moved from megatron/arguments.py to megatron/training/arguments.py in core_r0.6.0.
  // tasks/main.py (the GLUE/RACE/zero-shot entry, removed from HEAD) adds get_tasks_args to the parser.
  const flags = fromSource(MLM, ref, ['megatron/arguments.py', 'megatron/training/arguments.py', 'tasks/main.py']);
  for (const [k, x] of flags) if (!releases.has(k) && !mlmHead.has(k)) releases.set(k, x);
  releaseOrigins.push(
    `NVIDIA/Megatron-LM core_r0.${v}.0 ${commitOf(MLM, ref)} megatron/{,training/}arguments.py, tasks/main.py`,
  );
}
write(
  'megatronLmReleases.ts',
  'MEGATRON_LM_RELEASE_FLAGS',
  'megatron-lm-releases',
  ['Flags of Megatron-LM releases that HEAD no longer has (forks pin these releases):', ...releaseOrigins],
  releases,
);

// BigScience's Megatron-DeepSpeed adds its own flags to the Megatron-DeepSpeed parser (--override-lr-scheduler, …).
const BIG = 'bigscience-workshop+Megatron-DeepSpeed';
const bigscience = fromSource(BIG, 'HEAD', ['megatron/arguments.py']);
write(
  'megatronDeepspeedBigscience.ts',
  'MEGATRON_DEEPSPEED_BIGSCIENCE_FLAGS',
  'megatron-deepspeed-bigscience',
  [`bigscience-workshop/Megatron-DeepSpeed ${commitOf(BIG)}: megatron/arguments.py.`],
  bigscience,
);

write(
  'megatronDeepspeed.ts',
  'MEGATRON_DEEPSPEED_FLAGS',
  'megatron-deepspeed',
  ['microsoft/Megatron-DeepSpeed f4157bea: megatron-deepspeed.tsv (megatron/arguments.py + DeepSpeed config flags).'],
  fromForkTsv('megatron-deepspeed.tsv'),
);
write(
  'seq1f1b.ts',
  'SEQ1F1B_FLAGS',
  'seq1f1b',
  ['thunlp/Seq1F1B 68934661: seq1f1b.tsv (megatron/arguments.py).'],
  fromForkTsv('seq1f1b.tsv'),
);

const ZB = 'sail-sg+zero-bubble-pipeline-parallelism';
write(
  'zeroBubble.ts',
  'ZERO_BUBBLE_FLAGS',
  'zero-bubble',
  [
    `sail-sg/zero-bubble-pipeline-parallelism ${commitOf(ZB)}: megatron/training/arguments.py, megatron/core/zbpp_utils.py.`,
  ],
  fromSource(ZB, 'HEAD', ['megatron/training/arguments.py', 'megatron/core/zbpp_utils.py']),
);

// The Vocabulary Parallelism fork (a Megatron-LM fork of the Zero-Bubble authors) adds its flags to the distributed
// group of megatron/training/arguments.py.
const VP = 'sail-sg+VocabularyParallelism';
write(
  'vocabParallel.ts',
  'VOCAB_PARALLEL_FLAGS',
  'vocab-parallel',
  [`sail-sg/VocabularyParallelism ${commitOf(VP)}: megatron/training/arguments.py.`],
  fromSource(VP, 'HEAD', ['megatron/training/arguments.py']),
);

const MSL = 'Ascend+MindSpeed-LLM';
// The training parser's files first (their arity wins), then every other add_argument of the package: features
// register flags from many modules, and a flag some module of the fork defines is not reported as unknown.
write(
  'mindspeedLlm.ts',
  'MINDSPEED_LLM_FLAGS',
  'mindspeed-llm',
  [
    `Ascend/MindSpeed-LLM ${commitOf(MSL)}: mindspeed_llm/training/arguments.py, mindspeed_llm/features_manager/, then the rest of mindspeed_llm/.`,
  ],
  fromSource(MSL, 'HEAD', ['mindspeed_llm/training/arguments.py', 'mindspeed_llm/features_manager', 'mindspeed_llm']),
);

const MS = 'Ascend+MindSpeed';
write(
  'mindspeed.ts',
  'MINDSPEED_FLAGS',
  'mindspeed',
  [
    `Ascend/MindSpeed ${commitOf(MS)}: mindspeed/arguments.py, mindspeed/features_manager/, then the rest of mindspeed/.`,
  ],
  fromSource(MS, 'HEAD', ['mindspeed/arguments.py', 'mindspeed/features_manager', 'mindspeed']),
);

const PAI = 'alibaba+Pai-Megatron-Patch';
write(
  'pai.ts',
  'PAI_FLAGS',
  'pai',
  [`alibaba/Pai-Megatron-Patch ${commitOf(PAI)}: megatron_patch/arguments.py (add_argument and patch_if_not_exist).`],
  fromSource(PAI, 'HEAD', ['megatron_patch/arguments.py'], ['patch_if_not_exist']),
);

writeAll();
