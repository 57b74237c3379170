import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handleWebviewMessage, type HostEffects } from '../../../src/panel/hostMessages';
import { PROTOCOL_VERSION, type HostToWebview, type WhatIfOverrides } from '../../../src/protocol/messages';
import type { AnalysisResult } from '../../../src/core/analyze';
import type { TextEdit } from '../../../src/core/types';
import { SweepGate, realClock } from '../../../src/panel/sweepGate';
import { synthAnalysis } from '../../support/timelineFixtures';

const v = PROTOCOL_VERSION;

function fakeHost(result: AnalysisResult = synthAnalysis()) {
  const calls = {
    warn: [] as string[],
    error: [] as string[],
    posted: [] as HostToWebview[],
    analyzed: [] as WhatIfOverrides[],
    overrides: null as WhatIfOverrides | null,
    plans: [] as { text: string; flag: string; value: string }[],
    applied: [] as TextEdit[][],
    saved: [] as { kind: string; bytes: Uint8Array }[],
  };
  let text = 'torchrun pretrain_gpt.py --pipe-sp-splits 2';
  const fx: HostEffects = {
    log: { info: () => undefined, warn: (m) => calls.warn.push(m), error: (m) => calls.error.push(m) },
    post: (m) => calls.posted.push(m),
    analyze: (o) => {
      calls.analyzed.push(o);
      return result;
    },
    documentText: () => ({ text, result }),
    planFlagEdit: (t, _read, flag, value) => {
      calls.plans.push({ text: t, flag, value });
      return [{ range: { line: 0, column: t.length, endLine: 0, endColumn: t.length }, newText: ` ${flag} ${value}` }];
    },
    applyEdits: async (edits) => {
      calls.applied.push(edits);
      text += edits[0].newText;
      return true;
    },
    saveFile: async (kind, bytes) => {
      calls.saved.push({ kind, bytes });
      return `/tmp/out.${kind}`;
    },
    setOverrides: (o) => {
      calls.overrides = o;
    },
    currentOverrides: () => ({ gpuId: 'h100-80gb' }),
    // No rate limit here: these tests are about what a message does; sweepGate.test.ts drives the timing.
    sweeps: new SweepGate(realClock, 0),
  };
  return { fx, calls };
}

test('malformed messages are rejected, logged and cause no effect', async () => {
  const { fx, calls } = fakeHost();
  for (const m of [
    undefined,
    { type: 'whatIf', protocolVersion: v, overrides: { splits: -1 } },
    { type: 'savePng', protocolVersion: v, pngBase64: '../../x' },
    { type: 'exec', protocolVersion: v, cmd: 'ls' },
  ]) {
    await handleWebviewMessage(m, fx);
  }
  assert.equal(calls.warn.length, 4);
  assert.match(calls.warn[3], /type="exec"/);
  assert.deepEqual(
    [calls.posted.length, calls.analyzed.length, calls.saved.length, calls.applied.length],
    [0, 0, 0, 0],
  );
  assert.equal(calls.overrides, null);
});

test('a what-if is stored (the panel re-sends the analysis with it); unknown GPU ids are ignored', async () => {
  const { fx, calls } = fakeHost();
  await handleWebviewMessage({ type: 'whatIf', protocolVersion: v, overrides: { gpuId: 'tpu-v9' } }, fx);
  assert.equal(calls.overrides, null);
  await handleWebviewMessage(
    { type: 'whatIf', protocolVersion: v, overrides: { splits: 4, strategy: 'uniform_comp' } },
    fx,
  );
  assert.deepEqual(calls.overrides, { splits: 4, strategy: 'uniform_comp' });
});

test('a sweep request is answered under its id, keeping the current what-if, for both strategies', async () => {
  const { fx, calls } = fakeHost();
  await handleWebviewMessage(
    { type: 'requestSweep', protocolVersion: v, requestId: 7, schedule: 'seq1f1b', splits: [1, 2, 4] },
    fx,
  );
  assert.equal(calls.analyzed.length, 6);
  // k = 1 of Seq1F1B is 1F1B: that point is read from the 1F1B evaluation.
  assert.deepEqual(calls.analyzed[0], { gpuId: 'h100-80gb', schedule: '1f1b', splits: 1, strategy: 'average' });
  assert.deepEqual(calls.analyzed[1], { gpuId: 'h100-80gb', schedule: 'seq1f1b', splits: 2, strategy: 'average' });
  const reply = calls.posted[0];
  assert.ok(reply.type === 'sweep' && reply.requestId === 7);
  // The synthetic analysis simulates Seq1F1B at k = 2 only, so k = 4 (not what was asked) carries no numbers.
  assert.deepEqual(
    reply.points.map((p) => [p.strategy, p.splits, p.stepTimeMs !== null]),
    [
      ['average', 1, true],
      ['average', 2, true],
      ['average', 4, false],
      ['uniform_comp', 1, true],
      ['uniform_comp', 2, true],
      ['uniform_comp', 4, false],
    ],
  );
  const synth = synthAnalysis();
  assert.equal(reply.points[0].stepTimeMs, synth.schedules['1f1b']!.stepTimeMs);
});

test('apply to file plans one flag at a time on the text the previous edit left, and says what it skipped', async () => {
  const { fx, calls } = fakeHost();
  await handleWebviewMessage(
    {
      type: 'applyToFile',
      protocolVersion: v,
      overrides: { splits: 4, strategy: 'uniform_comp', schedule: 'seq1f1b', gpuId: 'a100-40gb' },
    },
    fx,
  );
  assert.deepEqual(
    calls.plans.map((p) => [p.flag, p.value]),
    [
      ['--pipe-sp-splits', '4'],
      ['--pipe-sp-strategy', 'uniform_comp'],
    ],
  );
  assert.ok(calls.plans[1].text.endsWith('--pipe-sp-splits 4'), 'second plan did not see the first edit');
  const notice = calls.posted.at(-1)!;
  assert.ok(notice.type === 'notice');
  assert.match(notice.text, /Applied 2 changes/);
  assert.match(notice.text, /schedule .*GPU/);
  // Written knobs stop being what-ifs; the ones the file cannot hold stay.
  assert.deepEqual(calls.overrides, { schedule: 'seq1f1b', gpuId: 'a100-40gb' });
});

test('microbatches map to the global batch size, or are skipped when Megatron could not derive them', async () => {
  const result = synthAnalysis();
  result.config.microBatchSize = 1;
  result.config.dataParallel = 4;
  const { fx, calls } = fakeHost(result);
  await handleWebviewMessage({ type: 'applyToFile', protocolVersion: v, overrides: { microbatches: 16 } }, fx);
  assert.deepEqual(
    calls.plans.map((p) => [p.flag, p.value]),
    [['--global-batch-size', '64']],
  );
  const other = fakeHost();
  await handleWebviewMessage({ type: 'applyToFile', protocolVersion: v, overrides: { microbatches: 16 } }, other.fx);
  assert.equal(other.calls.plans.length, 0);
  assert.match((other.calls.posted.at(-1) as { text: string }).text, /Not written: microbatches/);
});

test('PNG bytes are saved only when they are a PNG; traces are saved as Perfetto JSON', async () => {
  const { fx, calls } = fakeHost();
  await handleWebviewMessage(
    { type: 'savePng', protocolVersion: v, pngBase64: Buffer.from('GIF89a-not-a-png').toString('base64') },
    fx,
  );
  assert.equal(calls.saved.length, 0);
  assert.equal(calls.warn.length, 1);
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  await handleWebviewMessage({ type: 'savePng', protocolVersion: v, pngBase64: png.toString('base64') }, fx);
  assert.deepEqual(Array.from(calls.saved[0].bytes), Array.from(png));
  await handleWebviewMessage({ type: 'exportTrace', protocolVersion: v, schedule: '1f1b' }, fx);
  assert.equal(calls.saved[1].kind, 'trace');
  const trace = JSON.parse(new TextDecoder().decode(calls.saved[1].bytes));
  assert.equal(trace.metadata.schedule, '1f1b');
  assert.deepEqual(calls.analyzed.at(-1), { gpuId: 'h100-80gb' });
});

test('a newer sweep request supersedes the one in flight: it stops after its current point and is never posted', async () => {
  const { fx, calls } = fakeHost();
  const ask = (requestId: number) =>
    handleWebviewMessage(
      { type: 'requestSweep', protocolVersion: v, requestId, schedule: 'seq1f1b', splits: [1, 2, 4, 8, 16] },
      fx,
    );
  // Both arrive before the host yields: the first has run its first point when the second supersedes it.
  const first = ask(1);
  const second = ask(2);
  await Promise.all([first, second]);
  const sweeps = calls.posted.filter((m) => m.type === 'sweep');
  assert.deepEqual(
    sweeps.map((m) => m.requestId),
    [2],
  );
  // 1 point of the superseded sweep, then the 2 strategies × 5 k of the newer one.
  assert.equal(calls.analyzed.length, 1 + 10);
  assert.equal(fx.sweeps.supersededCount, 1);
  assert.equal(calls.error.length, 0);
});
