// package.json declares `virtualWorkspaces: true`, so a launch file that is not on disk — a GitHub repository opened
// remotely (vscode-vfs://…), any file system or content provider — must get the same diagnostics, hover, inlay hints,
// code lens, quick fixes and timeline as a file (issue 15). The test serves the fixtures under a scheme of its own
// through a TextDocumentContentProvider: neither `file` nor `untitled`, which the providers were once limited to.
import * as assert from 'assert';
import * as vscode from 'vscode';
import {
  activate,
  analysed,
  closeAll,
  fixtureUri,
  hoverAt,
  inlayHints,
  labelOf,
  lineOf,
  positionOf,
  waitFor,
  waitForCode,
  type Api,
} from './helpers';

const SCHEME = 'si-virtual-test';

/** Serves `si-virtual-test:/repo/<fixture>` with the text of the fixture of that name. */
class FixtureContentProvider implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const name = uri.path.split('/').pop() ?? '';
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(fixtureUri(name)));
  }
}

async function openVirtual(name: string): Promise<vscode.TextDocument> {
  let document = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: SCHEME, path: `/repo/${name}` }));
  // Language comes from the extension (.sh → shellscript); set it if a host without the shell grammar did not.
  if (name.endsWith('.sh') && document.languageId !== 'shellscript')
    document = await vscode.languages.setTextDocumentLanguage(document, 'shellscript');
  await vscode.window.showTextDocument(document, { preview: false });
  assert.strictEqual(document.uri.scheme, SCHEME);
  return document;
}

suite('Virtual documents', () => {
  let api: Api;
  let registration: vscode.Disposable;
  suiteSetup(async () => {
    api = await activate();
    registration = vscode.workspace.registerTextDocumentContentProvider(SCHEME, new FixtureContentProvider());
  });
  suiteTeardown(() => registration.dispose());
  teardown(closeAll);

  test('hover, inlay hints and code lens work on a document of a custom scheme', async () => {
    const document = await openVirtual('seq1f1b-7b-16k.sh');
    await analysed(api, document);
    const hover = await hoverAt(document.uri, positionOf(document, '--pipeline-model-parallel-size'));
    assert.match(hover, /Value: `4`/);
    const hints = await waitFor('inlay hints', async () => {
      const h = await inlayHints(document);
      return h.length >= 4 ? h : undefined;
    });
    const onGbs = hints.filter((h) => h.position.line === lineOf(document, '--global-batch-size')).map(labelOf);
    assert.deepStrictEqual(onGbs, ['DP=1 · 32 microbatches']);
    const lenses = await waitFor('code lenses', async () => {
      const l =
        (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 10)) ??
        [];
      return l.length === 3 ? l : undefined;
    });
    assert.match(lenses[0].command?.title ?? '', /^\$\(pulse\) seq1f1b k=4 · /);
    assert.deepStrictEqual(
      lenses.slice(1).map((l) => l.command?.command),
      ['scheduleInspector.openTimeline', 'scheduleInspector.compareSchedules'],
    );
  });

  test('diagnostics and their quick fixes are offered on a document of a custom scheme', async () => {
    const document = await openVirtual('gbs-not-divisible.sh');
    await analysed(api, document);
    const diag = await waitForCode(document.uri, 'global-batch-not-divisible');
    assert.strictEqual(diag.range.start.line, lineOf(document, '--global-batch-size 30'));
    const actions =
      (await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        document.uri,
        diag.range,
        vscode.CodeActionKind.QuickFix.value,
      )) ?? [];
    // Offered, not applied: a content provider's document is read-only.
    const fixes = actions.filter((a) => a.kind?.value === 'quickfix' && /global batch/i.test(a.title));
    assert.ok(fixes.length > 0, `no quick fix offered (got: ${actions.map((a) => a.title).join('; ') || 'none'})`);
    assert.ok(
      fixes.every((f) => f.edit?.entries().every(([uri]) => uri.toString() === document.uri.toString())),
      'every fix edits the virtual document itself',
    );
  });

  test('the timeline panel follows a document of a custom scheme', async () => {
    const document = await openVirtual('seq1f1b-7b-16k.sh');
    await analysed(api, document);
    await vscode.commands.executeCommand('scheduleInspector.openTimeline', document.uri);
    await waitFor('a timeline webview tab', () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .some(
          (t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('scheduleInspector.timeline'),
        ),
    );
  });
});
