// Issue 18: a launch that enables Vocabulary Parallelism (sail-sg/VocabularyParallelism's --enable-vocab-parallel) is
// shown as what it runs — "Vocabulary Parallelism (algorithm N) on 1F1B" with the vocabulary-parallel step time — on
// every surface that names the schedule (code lens, status bar, hover, CLI text, JSON, the panel's header, from which
// webview/parts.ts summaryLine says over the timeline that the run is drawn). The step time is recomputed here from
// the evaluation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze } from '../../../src/core/analyze';
import { formatDurationMs } from '../../../src/core/format';
import { formatSummary } from '../../../src/report/text';
import { toJson } from '../../../src/report/json';
import { lastFlagFor, statusLine, summaryLine } from '../../../src/editor/present';
import { hoverMarkdown } from '../../../src/editor/hoverContent';
import { buildAnalysisMessage } from '../../../src/protocol/payload';
import { repoPath } from '../../support/paths';

const FORK = readFileSync(repoPath('test/fixtures/vocab/vocab-parallel-fork.sh'), 'utf8');
const plain = (md: string): string => md.replace(/\\/g, '');

test('every surface names Vocabulary Parallelism on 1F1B and shows its step time, not plain 1F1B’s', () => {
  const file = 'pretrain_gpt.sh';
  const r = analyze(FORK, { fileName: file });
  const e = r.schedules['1f1b']!;
  assert.ok(e.vocabParallel && e.stepTimeMs != null);
  const label = 'Vocabulary Parallelism (algorithm 2) on 1F1B';
  const step = formatDurationMs(e.stepTimeMs);
  const plainStep = formatDurationMs(e.vocabParallel.plainStepTimeMs);
  assert.notEqual(step, plainStep);
  const lens = summaryLine(r);
  assert.ok(lens.includes(label) && lens.includes(`${step}/step`), lens);
  assert.ok(statusLine(r).startsWith(label), statusLine(r));
  const hover = plain(hoverMarkdown(r, lastFlagFor(r, 'pipelineParallel')!, () => ''));
  assert.ok(hover.includes(`${label}: ${step}/step`), hover);
  assert.ok(
    hover.includes(`Without Vocabulary Parallelism (plain 1F1B, the output layer on the last stage): ${plainStep}`),
  );
  assert.ok(formatSummary(file, r).includes(`${step}/step`));
  const json = JSON.parse(JSON.stringify(toJson(file, r))) as {
    summary: { scheduleLabel: string };
    schedules: { '1f1b': { vocabParallel: { algorithm: number; plainStepTimeMs: number } } };
  };
  assert.equal(json.summary.scheduleLabel, label);
  assert.equal(json.schedules['1f1b'].vocabParallel.algorithm, 2);
  // The panel: the header carries the figures, and the line over the timeline says what the timeline is.
  const msg = buildAnalysisMessage(r, { fileName: file, overrides: {}, canApply: false, canWhatIf: false });
  const sh = msg.header.schedules.find((s) => s.schedule === '1f1b')!;
  assert.equal(sh.vocabParallel?.algorithm, 2);
  assert.equal(sh.vocabParallel?.plainStepTimeMs, e.vocabParallel.plainStepTimeMs);
  assert.equal(sh.stepTimeMs, e.stepTimeMs);
});
