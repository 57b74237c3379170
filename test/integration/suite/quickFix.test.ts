// Quick fixes come from the core; applying one must leave a script Megatron accepts.
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
  waitFor,
  waitForCode,
  type Api,
} from './helpers';

suite('Quick fix', () => {
  let api: Api;
  suiteSetup(async () => {
    api = await activate();
  });
  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await closeAll();
  });

  test('the preferred fix for an indivisible global batch makes it divisible and clears the error', async () => {
    const editor = await openFixture('gbs-not-divisible.sh');
    const { document } = editor;
    await analysed(api, document);
    const diag = await waitForCode(document.uri, 'global-batch-not-divisible');
    const actions =
      (await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        document.uri,
        diag.range,
        vscode.CodeActionKind.QuickFix.value,
      )) ?? [];
    const fixes = actions.filter((a) => a.kind?.value === 'quickfix' && /global batch/i.test(a.title));
    assert.ok(fixes.length > 0, `no quick fix offered (got: ${actions.map((a) => a.title).join('; ') || 'none'})`);
    const preferred = fixes.filter((a) => a.isPreferred);
    assert.strictEqual(preferred.length, 1, 'exactly one preferred fix');
    assert.ok(preferred[0].edit, 'the fix carries its edit');
    assert.ok(await vscode.workspace.applyEdit(preferred[0].edit!));
    const text = document.lineAt(lineOf(document, '--global-batch-size')).text;
    const gbs = Number(/--global-batch-size[ =](\d+)/.exec(text)?.[1]);
    assert.ok(
      gbs > 0 && gbs % (2 * 2) === 0,
      `global batch ${gbs} must be a multiple of micro 2 × DP 2 (line: ${text.trim()})`,
    );
    await waitFor(
      'the error to clear',
      () => !ours(document.uri).some((d) => codeOf(d) === 'global-batch-not-divisible'),
    );
  });

  test('removing --sequence-parallel under TP=1 is offered and applied', async () => {
    const { document } = await openFixture('sp-without-tp.sh');
    await analysed(api, document);
    const diag = await waitForCode(document.uri, 'sequence-parallel-without-tp');
    const actions =
      (await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        document.uri,
        diag.range,
        vscode.CodeActionKind.QuickFix.value,
      )) ?? [];
    const fix = actions.find(
      (a) => a.isPreferred && a.kind?.value === 'quickfix' && /sequence.parallel/i.test(a.title),
    );
    assert.ok(fix?.edit, `no preferred fix (got: ${actions.map((a) => a.title).join('; ') || 'none'})`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.doesNotMatch(document.getText(), /--sequence-parallel/);
    // The rest of the command survives the edit: still one launch, with the flags after the removed one.
    assert.match(document.getText(), /--mock-data/);
    await analysed(api, document);
    await waitFor(
      'the warning to clear',
      () => !ours(document.uri).some((d) => codeOf(d) === 'sequence-parallel-without-tp'),
    );
  });

  test('the bubble hint offers Seq1F1B, and after applying it the hint is gone and the code lens shows Seq1F1B', async () => {
    const { document } = await openFixture('bubble-few-microbatches.sh');
    await analysed(api, document);
    const diag = await waitForCode(document.uri, 'bubble');
    const actions =
      (await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        document.uri,
        diag.range,
        vscode.CodeActionKind.QuickFix.value,
      )) ?? [];
    const fix = actions.find((a) => a.isPreferred && /--pipe-sp-splits \d+/.test(a.title));
    assert.ok(fix?.edit, `no Seq1F1B fix (got: ${actions.map((a) => a.title).join('; ') || 'none'})`);
    const k = /--pipe-sp-splits (\d+)/.exec(fix.title)![1];
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.match(document.getText(), new RegExp(`--pipe-sp-splits ${k}\\b`));
    await analysed(api, document);
    await waitFor('the bubble hint to clear', () => !ours(document.uri).some((d) => codeOf(d) === 'bubble'));
    const lenses =
      (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 10)) ??
      [];
    assert.ok(
      lenses.some((l) => new RegExp(`seq1f1b k=${k}`).test(l.command?.title ?? '')),
      `lenses: ${lenses.map((l) => l.command?.title).join(' | ')}`,
    );
  });
});
