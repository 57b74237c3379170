// What the Problems panel shows for launch scripts with known mistakes, and that other files stay untouched.
import * as assert from 'assert';
import * as vscode from 'vscode';
import {
  activate,
  analysed,
  closeAll,
  codeOf,
  lineOf,
  openFixture,
  ours,
  setSetting,
  waitFor,
  waitForCode,
  type Api,
} from './helpers';

suite('Diagnostics', () => {
  let api: Api;
  suiteSetup(async () => {
    api = await activate();
  });
  teardown(closeAll);

  test('global batch not divisible by micro batch × DP is an error on the --global-batch-size line', async () => {
    const { document } = await openFixture('gbs-not-divisible.sh');
    await analysed(api, document);
    const d = await waitForCode(document.uri, 'global-batch-not-divisible');
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
    assert.strictEqual(d.source, 'Schedule Inspector');
    assert.strictEqual(d.range.start.line, lineOf(document, '--global-batch-size 30'));
    assert.match(d.message, /30/, 'the message names the offending value');
    const target = typeof d.code === 'object' ? d.code.target : undefined;
    assert.strictEqual(
      target?.toString(true),
      'https://github.com/schedule-inspector/schedule-inspector/blob/main/docs/diagnostics.md#global-batch-not-divisible',
    );
  });

  test('--sequence-parallel with TP=1 is a warning on the flag', async () => {
    const { document } = await openFixture('sp-without-tp.sh');
    await analysed(api, document);
    const line = lineOf(document, '--sequence-parallel');
    const d = await waitForCode(document.uri, 'sequence-parallel-without-tp');
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Warning);
    assert.strictEqual(d.range.start.line, line);
    assert.strictEqual(document.getText(d.range), '--sequence-parallel');
    // Related information points at where TP comes from, so the user sees both ends of the conflict.
    const tpLine = document.getText().split('\n').indexOf('TP=1');
    assert.ok(
      (d.relatedInformation ?? []).some((r) => r.location.range.start.line === tpLine),
      `related: ${JSON.stringify((d.relatedInformation ?? []).map((r) => [r.message, r.location.range.start.line]))}`,
    );
    assert.ok(
      !ours(document.uri).some((x) => x.severity === vscode.DiagnosticSeverity.Error),
      `no errors expected, got ${ours(document.uri).map(codeOf).join(', ')}`,
    );
  });

  test('a GPU count from $(nvidia-smi …) is reported as unresolved, not guessed', async () => {
    const { document } = await openFixture('unresolved-gpus.sh');
    await analysed(api, document);
    const d = await waitForCode(document.uri, 'unresolved-value');
    const lines = [lineOf(document, 'nvidia-smi'), lineOf(document, 'torchrun')];
    const related = (d.relatedInformation ?? []).map((r) => r.location.range.start.line);
    assert.ok(
      lines.includes(d.range.start.line) || related.some((l) => lines.includes(l)),
      `range ${d.range.start.line} (related ${related}) should point at the nvidia-smi definition or its use`,
    );
    assert.notStrictEqual(
      d.severity,
      vscode.DiagnosticSeverity.Error,
      'an unknown value is not a mistake in the script',
    );
  });

  test('30B at 64K with plain 1F1B warns about running out of memory', async () => {
    const { document } = await openFixture('oom-30b-64k-1f1b.sh');
    await analysed(api, document);
    const d = await waitForCode(document.uri, 'oom-risk', 30_000);
    assert.ok(d.severity === vscode.DiagnosticSeverity.Warning || d.severity === vscode.DiagnosticSeverity.Error);
    assert.match(d.message, /GiB/);
  });

  test('a large pipeline bubble is hinted, and the hint follows the bubbleHintThreshold setting', async () => {
    const { document } = await openFixture('bubble-few-microbatches.sh');
    await analysed(api, document);
    await waitForCode(document.uri, 'bubble');
    try {
      await setSetting('bubbleHintThreshold', 0.99);
      await waitFor(
        'the bubble hint to go away at threshold 99 %',
        () => !ours(document.uri).some((d) => codeOf(d) === 'bubble'),
      );
    } finally {
      await setSetting('bubbleHintThreshold', undefined);
    }
    await waitForCode(document.uri, 'bubble');
  });

  test('editing the script re-analyses it: fixing the global batch clears the error', async () => {
    const editor = await openFixture('gbs-not-divisible.sh');
    await analysed(api, editor.document);
    const uri = editor.document.uri;
    await waitForCode(uri, 'global-batch-not-divisible');
    const line = lineOf(editor.document, '--global-batch-size 30');
    const col = editor.document.lineAt(line).text.indexOf('30');
    // Several quick edits in a row: only the final text counts (debounced, stale results dropped).
    for (const text of ['31', '33', '32']) {
      const ok = await editor.edit((b) => b.replace(new vscode.Range(line, col, line, col + 2), text));
      assert.ok(ok);
    }
    await waitFor(
      'the divisibility error to clear after the edit',
      () => !ours(uri).some((d) => codeOf(d) === 'global-batch-not-divisible'),
    );
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('a shell script that is not a launch gets no analysis and no diagnostics', async () => {
    const { document } = await openFixture('build-docs.sh');
    // Positive control: the analysis service is live (another file gets its diagnostics) ...
    const other = await openFixture('gbs-not-divisible.sh');
    await analysed(api, other.document);
    await waitForCode(other.document.uri, 'global-batch-not-divisible');
    // ... and this one is left alone, by decision rather than by delay.
    assert.strictEqual(api.service.get(document), undefined);
    assert.deepStrictEqual(ours(document.uri), []);
  });

  test('a clean Seq1F1B script has no errors', async () => {
    const { document } = await openFixture('seq1f1b-7b-16k.sh');
    await analysed(api, document);
    const errors = ours(document.uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
    assert.deepStrictEqual(
      errors.map((d) => `${codeOf(d)}: ${d.message}`),
      [],
    );
  });
});
