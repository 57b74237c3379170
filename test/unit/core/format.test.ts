import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatChunkLengths } from '../../../src/core/format';

test('chunk lists up to eight are shown whole', () => {
  assert.equal(formatChunkLengths([4930, 4238, 3776, 3440]), '4930·4238·3776·3440');
  assert.equal(formatChunkLengths([1, 2], ' · '), '1 · 2');
});

test('long chunk lists (k = 1024) stay one short line with the count', () => {
  const lengths = Array.from({ length: 1024 }, (_, i) => 2000 - i);
  const s = formatChunkLengths(lengths);
  assert.equal(s, '2000·1999·1998·1997·1996·1995·1994·… (1024 chunks, last 977)');
});
