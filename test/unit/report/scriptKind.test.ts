// The script kind where the dialect is shown (issue 12 §2): `--json` (`scriptKind`, `scriptKindEvidence`), the CLI's
// `Kind` line, the code lens / status bar text and the hover on the entry script. The fixture is an inference server:
// Megatron-LM d98e8a64 keeps tools/run_text_generation_server.py for serving a trained model, not for training it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyze } from '../../../src/core/analyze';
import { toJson } from '../../../src/report/json';
import { formatSummary } from '../../../src/report/text';
import { dialectAt, statusLine, summaryLine } from '../../../src/editor/present';
import { dialectHoverMarkdown } from '../../../src/editor/hoverContent';
import { REPO_ROOT } from '../../support/paths';

const server = readFileSync(path.join(REPO_ROOT, 'test/fixtures/kinds/text_generation_server.sh'), 'utf8');
const ENTRY = '/workspace/Megatron-LM/tools/run_text_generation_server.py';

test('--json: scriptKind and every piece of evidence with its 0-based line, weight and the deciding one', () => {
  const json = toJson('s.sh', analyze(server, { fileName: 'serve/text_generation_server.sh', scope: 'selected' }));
  assert.equal(json.scriptKind, 'inference');
  assert.deepEqual(json.scriptKindEvidence, [
    { kind: 'inference', what: `entry script ${ENTRY}`, line: 3, weight: 3, decided: true },
    { kind: 'inference', what: 'file name text_generation_server.sh', line: null, weight: 1, decided: false },
  ]);
  // Nothing simulated: no schedule table, no recommendation.
  assert.deepEqual([json.selectedSchedule, json.schedules, json.recommendation], [null, {}, null]);
  const notALaunch = toJson('p.sh', analyze('echo hello\n', { fileName: 'p.sh' }));
  assert.deepEqual([notALaunch.scriptKind, notALaunch.scriptKindEvidence], [null, []]);
});

test('the text summary says what the launch runs right after the dialect, and that nothing is simulated', () => {
  const lines = formatSummary('s.sh', analyze(server, { fileName: 's.sh', scope: 'selected' })).split('\n');
  assert.match(lines[1] ?? '', /^ {2}Dialect {3}megatron-lm/);
  assert.equal(
    lines[2],
    `  Kind      inference — decided by entry script ${ENTRY} (line 4); not a training launch, so no schedule or training memory is simulated and the training-step checks are skipped`,
  );
  assert.doesNotMatch(lines.join('\n'), /Schedules on/);
});

test('code lens, status bar and the hover on the entry script name the kind', () => {
  const r = analyze(server, { fileName: 's.sh' });
  assert.equal(
    summaryLine(r),
    `inference launch (entry script ${ENTRY}): not a training run, so no schedule is simulated`,
  );
  assert.equal(statusLine(r), 'Schedule Inspector: inference, not simulated');
  const entryColumn = (server.split('\n')[3] ?? '').indexOf(ENTRY);
  const onEntry = dialectAt(r, 3, entryColumn + 3);
  assert.ok(onEntry);
  const md = dialectHoverMarkdown(onEntry);
  assert.match(md, /^\*\*Dialect:\*\* megatron\\-lm/);
  assert.match(md, /comment\._\n\n\*\*Kind:\*\* inference — decided by entry script/);
  // A training launch reads as before in the lens; its hover says training.
  const trained = analyze(server.replace('tools/run_text_generation_server.py', 'pretrain_gpt.py'), {
    fileName: 't.sh',
  });
  assert.doesNotMatch(summaryLine(trained), /training run/);
  const trainedHover = dialectAt(trained, 3, entryColumn + 3);
  assert.ok(trainedHover);
  assert.match(dialectHoverMarkdown(trainedHover), /\*\*Kind:\*\* training — decided by entry script/);
});
