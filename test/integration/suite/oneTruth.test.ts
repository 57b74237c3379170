// Issue 17 in a real VS Code: the same reserved GiB on the code lens, the inlay hint and the oom-risk warning of a
// NeMo YAML; the NeMo OOM quick fix edits a `model.*` key; a launch that cannot be simulated says why in the Problems
// view, and its "Assume N GPUs" quick fix makes it simulated.
import * as assert from 'assert';
import * as vscode from 'vscode';
import {
  activate,
  analysed,
  closeAll,
  codeOf,
  inlayHints,
  labelOf,
  lineOf,
  openFixture,
  ours,
  waitFor,
  waitForCode,
  type Api,
} from './helpers';

async function quickFixes(document: vscode.TextDocument, diag: vscode.Diagnostic): Promise<vscode.CodeAction[]> {
  const actions =
    (await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      document.uri,
      diag.range,
      vscode.CodeActionKind.QuickFix.value,
    )) ?? [];
  return actions.filter((a) => a.kind?.value === 'quickfix');
}

suite('One truth on every surface (issue 17)', () => {
  let api: Api;
  suiteSetup(async () => {
    api = await activate();
  });
  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await closeAll();
  });

  test('NeMo YAML over capacity: lens, inlay hint and warning show one reserved GiB; the fix edits the YAML key', async () => {
    const { document } = await openFixture('nemo-llama3-70b-oom.yaml');
    await analysed(api, document);
    const oom = await waitForCode(document.uri, 'oom-risk');
    const reserved = /needs ([\d.]+) GiB reserved of/.exec(oom.message)?.[1];
    assert.ok(reserved, oom.message);
    const lenses = await waitFor('code lenses', async () => {
      const found =
        (await vscode.commands.executeCommand<vscode.CodeLens[]>(
          'vscode.executeCodeLensProvider',
          document.uri,
          1000,
        )) ?? [];
      return found.some((l) => l.command?.title.includes('GiB')) ? found : undefined;
    });
    const summary = lenses.find((l) => l.command?.title.includes('GiB'))!.command!.title;
    assert.ok(summary.includes(`peak ${reserved}/80 GiB reserved`), summary);
    const hint = await waitFor('peak inlay hint', async () =>
      (await inlayHints(document)).map(labelOf).find((l) => l.startsWith('peak ')),
    );
    assert.ok(hint.startsWith(`peak ${reserved}/80 GiB reserved`), hint);
    // The fix names and edits a model.* key, never a command-line flag.
    assert.doesNotMatch(oom.message, /--micro-batch-size|--recompute/);
    assert.match(oom.message, /model\.\w+: /);
    const [fix] = (await quickFixes(document, oom)).filter((a) => a.isPreferred);
    assert.ok(fix?.edit, 'a preferred quick fix with an edit');
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    const micro = document.lineAt(lineOf(document, 'micro_batch_size:')).text;
    assert.match(micro, /^\s+micro_batch_size: 1$/, micro);
  });

  test('an unknown GPU count is an information diagnostic on $NNODES; "Assume N GPUs" makes the file simulated', async () => {
    const { document } = await openFixture('unset-nnodes.sh');
    await analysed(api, document);
    const diag = await waitForCode(document.uri, 'not-simulated');
    assert.strictEqual(diag.severity, vscode.DiagnosticSeverity.Information);
    assert.strictEqual(document.getText(diag.range), '$NNODES');
    assert.match(diag.message, /GPU count is unknown/);
    const assume = (await quickFixes(document, diag)).filter((a) => /^Assume 2 nodes \(16 GPUs\)/.test(a.title));
    assert.strictEqual(assume.length, 1, 'one "Assume 2 nodes" action');
    assert.ok(await vscode.workspace.applyEdit(assume[0]!.edit!));
    assert.match(document.lineAt(diag.range.start.line).text, /--nnodes \$\{NNODES:-2\} pretrain_gpt\.py/);
    await waitFor('the not-simulated diagnostic to clear', () =>
      ours(document.uri).every((d) => codeOf(d) !== 'not-simulated'),
    );
    await waitFor('DP inlay hint with the assumed 16 GPUs', async () =>
      (await inlayHints(document)).map(labelOf).find((l) => l === 'DP=4 · 16 microbatches'),
    );
  });
});
