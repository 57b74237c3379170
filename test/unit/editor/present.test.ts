import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatDurationMs } from '../../../src/core/format';
import { diagnosticHelpUrl } from '../../../src/report/docs';
import { flagAt, inlayHintSpecs, peakLabel, statusLine, summaryLine } from '../../../src/editor/present';
import { evaluationSummary, worstStageMemory } from '../../../src/protocol/summary';
import { evaluation, result } from '../../support/editorFixtures';

test('inlay hints: DP and microbatches on the global batch, bubble on PP, peak on micro batch, chunks on k', () => {
  const hints = inlayHintSpecs(result());
  const byLine = new Map(hints.map((h) => [h.line, h]));
  assert.equal(byLine.get(34)?.label, 'DP=1 · 32 microbatches');
  assert.equal(byLine.get(34)?.character, 28, 'at the end of the value token');
  assert.equal(byLine.get(24)?.label, 'bubble 9.8 %');
  assert.equal(byLine.get(33)?.label, 'peak 65.0/80 GiB reserved (stage 0)');
  assert.equal(byLine.get(25)?.label, 'chunks 4930·4238·3776·3440');
  assert.equal(hints.length, 4);
});

test('inlay hints: nothing for non-launch files or unknown quantities', () => {
  assert.deepEqual(inlayHintSpecs(result({ isLaunchConfig: false })), []);
  const noSim = inlayHintSpecs(result({ selectedSchedule: null, partition: null }));
  assert.deepEqual(
    noSim.map((h) => h.label),
    ['DP=1 · 32 microbatches'],
  );
});

test('the worst stage is the one with the highest reserved peak, not stage 0 by habit', () => {
  assert.deepEqual(
    worstStageMemory(evaluation({ peakReservedGiBPerStage: [40, 70.25, 50], peakMemoryGiBPerStage: [35, 60, 45] })),
    { stage: 1, reservedGiB: 70.25, allocatedGiB: 60, allocatedOnly: false },
  );
  // Reserved is the number the OOM verdict, the warning and the panel use; allocated only when there is no reserved,
  // and then the label says so.
  const allocatedOnly = evaluation({ peakReservedGiBPerStage: null, peakMemoryGiBPerStage: [40, 70.25, 50] });
  assert.deepEqual(worstStageMemory(allocatedOnly), {
    stage: 1,
    reservedGiB: 70.25,
    allocatedGiB: null,
    allocatedOnly: true,
  });
  assert.equal(peakLabel(evaluationSummary(allocatedOnly, 80, null)), 'peak 70.3/80 GiB allocated (stage 1)');
  assert.equal(worstStageMemory(evaluation({ peakReservedGiBPerStage: null, peakMemoryGiBPerStage: null })), null);
  assert.equal(
    peakLabel(evaluationSummary(evaluation({ oom: true, peakReservedGiBPerStage: [90] }), 79.6, null)),
    'peak 90.0/80 GiB reserved (stage 0) OOM',
  );
});

test('summary and status lines', () => {
  assert.equal(
    summaryLine(result()),
    'seq1f1b k=4 · 1.23 s/step · 1000 tok/s · bubble 9.8 % · peak 65.0/80 GiB reserved (stage 0)',
  );
  assert.equal(statusLine(result()), 'seq1f1b k=4 · bubble 9.8 % · peak 65.0 GiB reserved');
  const interleaved = result({
    schedules: {
      '1f1b-interleaved': evaluation({ schedule: '1f1b-interleaved', splits: 1, virtualStages: 2, stepTimeMs: 87.25 }),
    },
    selectedSchedule: '1f1b-interleaved',
  });
  assert.match(summaryLine(interleaved), /^1f1b-interleaved v=2 · 87\.3 ms\/step/);
  const failed = result({
    selectedSchedule: null,
    diagnostics: [
      {
        code: 'global-batch-not-divisible',
        severity: 'error',
        message: 'bad',
        range: { line: 0, column: 0, endLine: 0, endColumn: 1 },
      },
    ],
  });
  assert.equal(summaryLine(failed), 'no schedule could be simulated (global-batch-not-divisible: bad)');
});

test('durations switch to seconds at one second', () => {
  assert.equal(formatDurationMs(12.345), '12.3 ms');
  assert.equal(formatDurationMs(999), '999 ms');
  assert.equal(formatDurationMs(1000), '1.00 s');
  assert.equal(formatDurationMs(null), '—');
});

test('flagAt finds the flag under the cursor by name or value', () => {
  const res = result();
  assert.equal(flagAt(res, 24, 10)?.flag, '--pipeline-model-parallel-size');
  assert.equal(flagAt(res, 24, 36)?.flag, '--pipeline-model-parallel-size');
  assert.equal(flagAt(res, 24, 2), undefined);
  assert.equal(flagAt(res, 5, 5), undefined);
});

test('diagnostic codes link to their section in docs/diagnostics.md', () => {
  assert.equal(
    diagnosticHelpUrl('oom-risk'),
    'https://github.com/schedule-inspector/schedule-inspector/blob/main/docs/diagnostics.md#oom-risk',
  );
  assert.equal(
    diagnosticHelpUrl('bash-budget'),
    'https://github.com/schedule-inspector/schedule-inspector/blob/main/docs/diagnostics.md#bash-budget',
  );
});
