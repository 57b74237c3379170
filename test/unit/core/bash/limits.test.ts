// readBash on the realistic 320-line fixture, and the bounds that keep hostile input cheap: nesting, budgets,
// size caps. The fuzz test checks time; these check what the reader reports when a bound is hit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBash } from '../../../../src/core/bash/reader';
import type { ShellWord } from '../../../../src/core/bash/types';
import type { SourceRange } from '../../../../src/core/types';
import { REPO_ROOT } from '../../../support/paths';

// From out/test/unit when compiled, from test/unit when run from TypeScript (node --import tsx).
const ROOT = REPO_ROOT;

function at(doc: string, r: SourceRange): string {
  const lines = doc.split('\n');
  if (r.line !== r.endLine) return `${lines[r.line].slice(r.column)}…`;
  return lines[r.line].slice(r.column, r.endColumn);
}

test('long-launch.sh: the eval-built torchrun launch with values traced to their definitions', () => {
  const doc = readFileSync(join(ROOT, 'test/fixtures/bash/long-launch.sh'), 'utf8');
  const r = readBash(doc);
  assert.equal(r.diagnostics.filter((d) => d.code === 'bash-syntax').length, 0);
  const [train, convert] = r.invocations;
  assert.equal(r.invocations.length, 2);
  assert.equal(train.conditional, false);
  assert.equal(train.entry.text, '/opt/megatron-lm/pretrain_gpt.py');
  assert.deepEqual(
    train.launchers.map((l) => [l.kind, l.gpusPerNode?.text, l.nodes?.text]),
    [['torchrun', '8', '4']],
  );
  const arg = (flag: string): ShellWord => train.args[train.args.findIndex((w) => w.text === flag) + 1];
  // --num-layers 60: GPT_MODEL_ARGS element "$NUM_LAYERS" ← ${cfg[layers]} through the nameref ← cfg_30B table.
  const layers = arg('--num-layers');
  assert.equal(layers.text, '60');
  assert.deepEqual(
    layers.origins.map((o) => [o.name, at(doc, o.range)]),
    [
      ['GPT_MODEL_ARGS', '$NUM_LAYERS'],
      ['NUM_LAYERS', '${cfg[layers]}'],
      ['cfg_30B[layers]', '60'],
    ],
  );
  // The word stands where the array is expanded inside the eval'd command string.
  assert.equal(at(doc, layers.range), '${GPT_MODEL_ARGS[@]}');
  assert.equal(arg('--tensor-model-parallel-size').text, '4');
  assert.equal(arg('--pipe-sp-splits').text, '4');
  assert.equal(arg('--recompute-granularity').text, 'selective');
  assert.equal(
    train.args.some((w) => w.text === '--fp8-format'),
    false,
  );
  const dataStart = train.args.findIndex((w) => w.text === '--data-path');
  assert.deepEqual(
    train.args.slice(dataStart + 1, dataStart + 5).map((w) => w.text),
    ['0.25', '/data/pile/pile_00_text_document', '0.25', '/data/pile/pile_01_text_document'],
  );
  assert.equal(arg('--save').text, '/checkpoints/gpt-30B-tp4-pp4-cp1-s65536-seq1f1b');
  // The checkpoint conversion only runs when a file's content says so.
  assert.equal(convert.entry.text, 'tools/checkpoint/convert.py');
  assert.equal(convert.conditional, true);
  assert.deepEqual([r.slurm.nodes?.text, r.slurm.ntasksPerNode?.text, r.slurm.gpusPerNode?.text], ['4', '1', '8']);
  assert.equal(r.env.get('WORLD_SIZE')?.text, '32');
  assert.equal(r.env.get('PYTORCH_CUDA_ALLOC_CONF')?.text, 'expandable_segments:True');
});

test('5,000-deep ${…}: a bash-syntax diagnostic on that line, the following lines are still read', () => {
  const doc = 'X=' + '${A:-'.repeat(5000) + 'x' + '}'.repeat(5000) + '\npython pretrain_gpt.py --tp 2\n';
  const r = readBash(doc);
  const syn = r.diagnostics.filter((d) => d.code === 'bash-syntax');
  assert.ok(syn.length >= 1);
  assert.equal(syn[0].range.line, 0);
  assert.match(syn[0].message, /nested too deeply/);
  assert.deepEqual(
    r.invocations[0].args.map((w) => w.text),
    ['--tp', '2'],
  );
});

test('a recursion bomb stops at the step budget with a bash-budget warning instead of running away', () => {
  const r = readBash('f() { f; f; }\nf\n');
  const w = r.diagnostics.find((d) => /evaluation stopped/.test(d.message));
  assert.ok(w, JSON.stringify(r.diagnostics));
  assert.equal(w.severity, 'warning');
  // A budget limit, not a parse error: users filter the two apart.
  assert.equal(w.code, 'bash-budget');
  assert.equal(r.diagnostics.filter((d) => d.code === 'bash-syntax').length, 0);
});

test('each exhausted budget is reported once, as bash-budget: call depth, command strings, argv fields', () => {
  // 17 nested calls pass MAX_CALL_DEPTH (16); every deeper call is cut, but only the first is reported.
  const calls = Array.from({ length: 20 }, (_, k) => `f${k}() { f${k + 1}; f${k + 1}; }`).join('\n');
  const deep = readBash(`${calls}\nf0\n`).diagnostics.filter((d) => /nested deeper than 16/.test(d.message));
  assert.deepEqual(
    deep.map((d) => [d.code, d.severity]),
    [['bash-budget', 'warning']],
  );
  // One eval string of 300 KB passes the 256 KB limit for a single command string.
  const big = readBash(`S="${'x '.repeat(150_000)}"\neval "$S"\neval "$S"\n`).diagnostics.filter((d) =>
    /too large to read/.test(d.message),
  );
  assert.deepEqual(
    big.map((d) => d.code),
    ['bash-budget'],
  );
  // 9,000 words in one command pass the 8,192 fields one command may expand to.
  const words = readBash(`A="${'w '.repeat(9000)}"\necho $A\necho $A\n`).diagnostics.filter((d) =>
    /expands to more than/.test(d.message),
  );
  assert.deepEqual(
    words.map((d) => d.code),
    ['bash-budget'],
  );
});

test('a command of more than 2048 words is cut with a warning; the words before the cut are kept', () => {
  const doc = 'torchrun pretrain_gpt.py ' + '--x 1 '.repeat(3000) + '\n';
  const r = readBash(doc);
  assert.equal(r.invocations[0].args.length, 2046);
  assert.ok(r.diagnostics.some((d) => /more than 2048 words/.test(d.message)));
});

test('values past 1 MB become unresolved with a reason naming the limit', () => {
  const doc = 'A=' + 'x'.repeat(600_000) + '\nB="$A$A"\npython pretrain_gpt.py --b "$B" --ok 1\n';
  const inv = readBash(doc).invocations[0];
  assert.equal(inv.args[1].text, null);
  assert.match(inv.args[1].reason!, /1 MB/);
  assert.equal(inv.args[3].text, '1');
});

test('random bytes and NUL characters never throw', () => {
  let s = '';
  for (let k = 0; k < 5000; k++) s += String.fromCharCode((k * 7919) % 65536);
  const r = readBash(s + '\u0000python pretrain_gpt.py --a\u0000 1');
  assert.ok(Array.isArray(r.diagnostics));
});
