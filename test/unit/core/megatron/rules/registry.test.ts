// The rule registry is the list of codes users see: it must match the documented codes one to one (README.md and
// docs/*.md `### code` sections under a "Diagnostics" heading), and each family must own the codes it emits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { DIAGNOSTIC_CODES, RULES } from '../../../../../src/core/megatron/rules';
import { readLaunchConfig } from '../../../../../src/core/read/readLaunchConfig';
import { REPO_ROOT } from '../../../../support/paths';

const root = REPO_ROOT;

/** `### heading` lines inside a section whose heading says "Diagnostics", up to the next heading of that level or above. */
function documentedCodes(markdown: string): string[] {
  const codes: string[] = [];
  let sectionLevel = 0;
  for (const line of markdown.split('\n')) {
    const h = /^(#{1,6})\s+(.*?)\s*$/.exec(line);
    if (!h) continue;
    const level = h[1]!.length;
    const title = h[2]!;
    if (sectionLevel && level <= sectionLevel) sectionLevel = 0;
    if (!sectionLevel && /^diagnostics$/i.test(title)) sectionLevel = level;
    else if (sectionLevel && level === 3 && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(title)) codes.push(title);
  }
  return codes;
}

test('the registry lists exactly the diagnostic codes the user docs document', () => {
  const docsDir = path.join(root, 'docs');
  const files = [
    path.join(root, 'README.md'),
    ...(existsSync(docsDir)
      ? readdirSync(docsDir)
          .filter((f) => f.endsWith('.md'))
          .map((f) => path.join(docsDir, f))
      : []),
  ];
  const documented = files.flatMap((f) => documentedCodes(readFileSync(f, 'utf8')));
  assert.ok(documented.length > 40, `found only ${documented.length} documented codes`);
  assert.deepEqual([...new Set(documented)].sort(), [...DIAGNOSTIC_CODES.keys()].sort());
});

test('every code has a docs anchor and one default severity; families are named and non-empty', () => {
  for (const [code, info] of DIAGNOSTIC_CODES) {
    assert.equal(info.docs, `diagnostics.md#${code}`);
    assert.ok(['error', 'warning', 'information', 'hint'].includes(info.severity), code);
    assert.equal(info.appliesTo.dialects, 'all', `${code}: until the dialect issue, every code applies everywhere`);
  }
  for (const rule of RULES) assert.ok(rule.family && rule.codes.length, rule.family);
  assert.equal(new Set(RULES.map((r) => r.family)).size, RULES.length);
});

test('every code the reader emits for a broken script is in the registry', () => {
  // One script that trips several families at once: world 12 over TP·PP 8, 30 layers over PP 4, GBS 7 over b·dp.
  const text = [
    'torchrun --nproc_per_node 12 pretrain_gpt.py \\',
    '  --tensor-model-parallel-size 2 --pipeline-model-parallel-size 4 \\',
    '  --num-layers 30 --hidden-size 1024 --num-attention-heads 16 --seq-length 2048 --max-position-embeddings 2048 \\',
    '  --micro-batch-size 1 --global-batch-size 7 --bf16 --fp16',
  ].join('\n');
  const codes = new Set(readLaunchConfig(text, 'run.sh').diagnostics.map((d) => d.code));
  for (const c of ['world-size-not-divisible', 'layers-not-divisible-by-pp', 'precision-conflict'])
    assert.ok(codes.has(c), `${c} in ${[...codes].join(', ')}`);
  for (const c of codes) assert.ok(DIAGNOSTIC_CODES.has(c), `${c} is emitted but not in the registry`);
});

test('every diagnostic code written anywhere in the source is in the registry (and so documented)', () => {
  // A code added in a reader, the engine or advice/ without a registry entry would reach users with a dead docs link.
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts'))
        for (const m of readFileSync(p, 'utf8').matchAll(/\bcode: '([a-z0-9]+(?:-[a-z0-9]+)*)'/g)) found.add(m[1]!);
    }
  };
  walk(path.join(root, 'src/core'));
  assert.ok(found.size > 20, `found only ${found.size} code literals`);
  const missing = [...found].filter((c) => !DIAGNOSTIC_CODES.has(c));
  assert.deepEqual(missing, []);
});
