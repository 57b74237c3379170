import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS, PROTOCOL_VERSION, isWebviewToHost } from '../../../src/protocol/messages';

const v = PROTOCOL_VERSION;

test('the host accepts each well-formed webview message', () => {
  for (const m of [
    { type: 'ready', protocolVersion: v },
    { type: 'whatIf', protocolVersion: v, overrides: {} },
    {
      type: 'whatIf',
      protocolVersion: v,
      overrides: { schedule: 'seq1f1b', splits: 4, strategy: 'uniform_comp', microbatches: 32, gpuId: 'h100-80gb' },
    },
    { type: 'applyToFile', protocolVersion: v, overrides: { splits: 2 } },
    { type: 'requestSweep', protocolVersion: v, requestId: 3, schedule: 'seq1f1b', splits: [1, 2, 4] },
    { type: 'exportTrace', protocolVersion: v, schedule: null },
    { type: 'savePng', protocolVersion: v, pngBase64: 'iVBORw0KGgo=' },
  ])
    assert.ok(isWebviewToHost(m), JSON.stringify(m));
});

test('the host rejects malformed, foreign-version, oversized and smuggling messages', () => {
  for (const m of [
    null,
    'ready',
    [],
    { type: 'ready' },
    { type: 'ready', protocolVersion: v + 1 },
    { type: 'ready', protocolVersion: v, extra: 1 },
    { type: 'shell', protocolVersion: v, command: 'rm -rf /' },
    { type: 'whatIf', protocolVersion: v },
    { type: 'whatIf', protocolVersion: v, overrides: { splits: 0 } },
    { type: 'whatIf', protocolVersion: v, overrides: { splits: 2.5 } },
    { type: 'whatIf', protocolVersion: v, overrides: { splits: LIMITS.maxSplits + 1 } },
    { type: 'whatIf', protocolVersion: v, overrides: { schedule: 'fastest' } },
    { type: 'whatIf', protocolVersion: v, overrides: { strategy: 'random' } },
    { type: 'whatIf', protocolVersion: v, overrides: { gpuId: '../../etc/passwd' } },
    { type: 'whatIf', protocolVersion: v, overrides: { file: '/etc/passwd' } },
    { type: 'whatIf', protocolVersion: v, overrides: { __proto__: { polluted: true }, splits: 2, constructor: 1 } },
    { type: 'requestSweep', protocolVersion: v, requestId: 1, schedule: 'seq1f1b', splits: [] },
    {
      type: 'requestSweep',
      protocolVersion: v,
      requestId: 1,
      schedule: 'seq1f1b',
      splits: Array.from({ length: LIMITS.maxSweepPoints + 1 }, (_, i) => i + 1),
    },
    { type: 'requestSweep', protocolVersion: v, requestId: -1, schedule: 'seq1f1b', splits: [2] },
    { type: 'exportTrace', protocolVersion: v, schedule: 'x' },
    { type: 'savePng', protocolVersion: v, pngBase64: 'not base64!' },
    { type: 'savePng', protocolVersion: v, pngBase64: '' },
    { type: 'savePng', protocolVersion: v, pngBase64: 'A'.repeat(LIMITS.maxPngBase64Chars + 4) },
  ])
    assert.equal(isWebviewToHost(m), false, JSON.stringify(m));
});
