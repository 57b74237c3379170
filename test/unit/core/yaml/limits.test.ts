// The YAML reader's bounds (issue 15): nesting is measured in one pass before the `yaml` package recurses on it, and
// the measure never rejects a real launch config. Depths below are counted by hand from the texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { MAX_YAML_CHARS, MAX_YAML_DEPTH, tooDeep } from '../../../../src/core/yaml/limits';
import { readYaml } from '../../../../src/core/yaml/reader';
import { repoPath } from '../../../support/paths';

test('every YAML fixture is far below the depth bound (they nest at most a few levels)', () => {
  let seen = 0;
  for (const dir of ['test/fixtures/launch', 'test/fixtures/dialect', 'test/fixtures/lists']) {
    for (const name of readdirSync(repoPath(dir)).filter((n) => /\.ya?ml$/.test(n))) {
      assert.equal(tooDeep(readFileSync(repoPath(dir, name), 'utf8'), 8), null, name);
      seen++;
    }
  }
  assert.ok(seen >= 8, `only ${seen} YAML fixtures`);
});

test('block levels: indentation and compact "- " entries each count one level', () => {
  // model → a → b: 3 levels; 3 is allowed at max 3, not at max 2.
  const nested = 'model:\n  a:\n    b: 1\n';
  assert.equal(tooDeep(nested, 3), null);
  assert.deepEqual(tooDeep(nested, 2), { depth: 3, offset: nested.indexOf('b') });
  // `- - - x`: the mapping-free sequence of sequences is 4 levels (the line and three compact entries).
  assert.equal(tooDeep('- - - x\n', 4), null);
  assert.equal(tooDeep('- - - x\n', 3)?.depth, 4);
  // A dedent closes levels: siblings never add up.
  assert.equal(tooDeep('a:\n  b: 1\nc:\n  d: 1\ne:\n  f: 1\n', 2), null);
});

test('flow levels count brackets outside quotes and comments; a quote inside a plain scalar is text', () => {
  assert.equal(tooDeep('a: [[[1]]]\n', 4), null);
  assert.equal(tooDeep('a: [[[1]]]\n', 3)?.depth, 4);
  assert.equal(tooDeep(`a: "${'['.repeat(500)}"\nb: '${'{'.repeat(500)}'\n`, 5), null);
  assert.equal(tooDeep(`a: 1 # ${'['.repeat(500)}\n`, 5), null);
  // `it's` does not open a quote, so the brackets after it still count.
  assert.equal(tooDeep(`a: [it's, ${'['.repeat(10)}\n`, 5)?.depth, 6);
});

test('junk nested past the bound is not parsed: a warning, and no recursion in the yaml package', () => {
  // Each under the size bound, so the depth is what refuses it.
  for (const text of ['['.repeat(60_000), '{a: '.repeat(15_000), '- '.repeat(30_000) + 'x']) {
    assert.ok(text.length <= MAX_YAML_CHARS);
    const r = readYaml(text);
    assert.equal(r.kind, null);
    assert.equal(r.diagnostics.length, 1);
    assert.match(r.diagnostics[0]!.message, new RegExp(`nested more than ${MAX_YAML_DEPTH} levels`));
  }
});

test('a YAML text past the size bound is not parsed, with the reason', () => {
  const text = 'model:\n  num_layers: 2\n' + '# padding\n'.repeat(MAX_YAML_CHARS / 10);
  const r = readYaml(text);
  assert.equal(r.kind, null);
  assert.match(r.diagnostics[0]!.message, /is not read \(launch configs are a few KB; the limit is 65,536\)/);
});
