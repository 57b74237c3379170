// The dialect in the editor (issue 12 §1): the hover on the launch line's entry script names the dialect, the piece
// that decided it and every piece of evidence; file text in it is escaped (the hover is untrusted markdown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyze } from '../../../src/core/analyze';
import { dialectHoverMarkdown } from '../../../src/editor/hoverContent';
import { dialectAt, flagAt } from '../../../src/editor/present';
import { REPO_ROOT } from '../../support/paths';

/** What the user reads: markdown backslash escapes removed. */
const shown = (md: string): string => md.replace(/\\(.)/g, '$1');

const fixture = (name: string): string => readFileSync(path.join(REPO_ROOT, 'test/fixtures/dialect', name), 'utf8');

test('hovering the entry script shows the dialect; a flag on the same line keeps its own hover', () => {
  // zero-bubble.sh line 2 (0-based 1): `torchrun --nproc_per_node 8 pretrain_gpt.py \`; the entry starts at column 28.
  const r = analyze(fixture('zero-bubble.sh'), { scope: 'selected' });
  const d = dialectAt(r, 1, 30);
  assert.ok(d);
  assert.equal(d.id, 'zero-bubble');
  assert.equal(dialectAt(r, 1, 2), undefined, 'not on the launcher word');
  assert.equal(dialectAt(r, 7, 5), undefined, 'not on a flag line');
  assert.ok(flagAt(r, 7, 5), 'the flag hover still answers there');
  // --enable-zero-bubble: sail-sg/zero-bubble-pipeline-parallelism megatron/core/zbpp_utils.py:41, no other parser.
  const md = shown(dialectHoverMarkdown(d));
  assert.match(md, /^\*\*Dialect:\*\* zero-bubble — decided by flag --enable-zero-bubble \(line 8\) \(\+2 more\)/);
  assert.match(md, /- `zero-bubble` ← flag --enable-zero-bubble \(line 8\), weight 3 \(decided\)/);
  assert.match(md, /- `megatron-lm` ← entry script pretrain_gpt\.py \(line 2\), weight 1\n/);
  assert.match(md, /`scheduleInspector\.dialect` setting/);
});

test('YAML: the hover sits on the first key; recipe notes reach the hover', () => {
  const r = analyze(fixture('megatron-bridge.yaml'), { fileName: 'b.yaml', scope: 'selected' });
  const d = dialectAt(r, 0, 2);
  assert.ok(d);
  assert.match(shown(dialectHoverMarkdown(d)), /train\.micro_batch_size, train\.global_batch_size/);
});

test('file text in the evidence is escaped', () => {
  const text = '# see [x](command:evil) in Megatron-DeepSpeed\n' + fixture('nothing.sh').replace('#!/bin/bash\n', '');
  const r = analyze(text, { fileName: 'e.sh', scope: 'selected' });
  assert.ok(r.dialect);
  const md = dialectHoverMarkdown(r.dialect);
  assert.doesNotMatch(md, /\]\(command:/);
});
