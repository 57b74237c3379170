import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCount } from '../../../webview/format';

// The summary line's op count used toLocaleString, whose first call in a page loads ICU data on the way to the first
// paint (issue 16). formatCount must write what en-US toLocaleString writes: the reference here is Node's own ICU.
test('formatCount groups digits as en-US toLocaleString does', () => {
  const values = [
    0,
    7,
    999,
    1000,
    9999,
    10_000,
    106_496,
    999_999,
    1_000_000,
    2 ** 31 - 1,
    2 ** 53 - 1,
    -1,
    -1234,
    -1_000_000,
  ];
  // A deterministic spread of magnitudes: 3^i for i < 34 covers every digit count up to 16.
  for (let i = 0, x = 1; i < 34; i++, x *= 3) values.push(x);
  for (const n of values) assert.equal(formatCount(n), n.toLocaleString('en-US'), String(n));
});

test('formatCount leaves non-integers and unsafe integers to String', () => {
  assert.equal(formatCount(1.5), '1.5');
  assert.equal(formatCount(Number.NaN), 'NaN');
  assert.equal(formatCount(2 ** 60), String(2 ** 60));
});
