// Every contributed command runs from the API as from the palette.
import * as assert from 'assert';
import * as vscode from 'vscode';
import {
  activate,
  analysed,
  closeAll,
  inlayHints,
  labelOf,
  openFixture,
  setSetting,
  waitFor,
  type Api,
} from './helpers';

const COMMANDS = [
  'scheduleInspector.analyze',
  'scheduleInspector.openTimeline',
  'scheduleInspector.compareSchedules',
  'scheduleInspector.selectGpu',
  'scheduleInspector.exportTrace',
  'scheduleInspector.openExample',
];

function webviewTabs(): vscode.TabInputWebview[] {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .map((t) => t.input)
    .filter((i): i is vscode.TabInputWebview => i instanceof vscode.TabInputWebview);
}

suite('Commands', () => {
  let api: Api;
  suiteSetup(async () => {
    api = await activate();
  });
  teardown(closeAll);

  test('all commands are registered', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of COMMANDS) assert.ok(all.includes(c), `${c} is not registered`);
  });

  test('Analyze Launch Script returns and shows the summary of the active script', async () => {
    await openFixture('seq1f1b-7b-16k.sh');
    const summary = await vscode.commands.executeCommand<string>('scheduleInspector.analyze');
    assert.match(summary, /seq1f1b-7b-16k\.sh/);
    assert.match(summary, /world=8 = TP 2 × PP 4 × CP 1 × DP 1/);
    assert.match(summary, /▸ seq1f1b\s+4/, 'the configured schedule is marked');
  });

  test('Select GPU writes the setting and the analysis follows it', async () => {
    const { document } = await openFixture('seq1f1b-7b-16k.sh');
    await analysed(api, document);
    try {
      const id = await vscode.commands.executeCommand<string>('scheduleInspector.selectGpu', 'h200-141gb');
      assert.strictEqual(id, 'h200-141gb');
      assert.strictEqual(vscode.workspace.getConfiguration('scheduleInspector').get('gpu'), 'h200-141gb');
      await waitFor('peak hint against 140 GiB', async () =>
        (await inlayHints(document)).map(labelOf).find((l) => /^peak .*\/140 GiB/.test(l)),
      );
    } finally {
      await setSetting('gpu', undefined);
    }
  });

  test('Open Example opens an analysed copy of the bundled Seq1F1B script', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>('scheduleInspector.openExample');
    assert.strictEqual(uri.scheme, 'untitled', 'a copy, so the bundled file is never edited');
    const document = vscode.window.activeTextEditor?.document;
    assert.strictEqual(document?.uri.toString(), uri.toString());
    assert.strictEqual(document.languageId, 'shellscript');
    assert.match(document.getText(), /pretrain_gpt/);
    await analysed(api, document);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('Open Timeline and Compare Schedules open the timeline panel', async () => {
    const { document } = await openFixture('seq1f1b-7b-16k.sh');
    await analysed(api, document);
    await vscode.commands.executeCommand('scheduleInspector.openTimeline', document.uri);
    await waitFor('a timeline webview tab', () =>
      webviewTabs().find((t) => t.viewType.includes('scheduleInspector.timeline')),
    );
    await closeAll();
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('scheduleInspector.compareSchedules', document.uri);
    await waitFor('a timeline webview tab for the comparison', () =>
      webviewTabs().find((t) => t.viewType.includes('scheduleInspector.timeline')),
    );
  });

  test('Export Perfetto Trace saves the simulated timeline where the save dialog points', async () => {
    const { document } = await openFixture('seq1f1b-7b-16k.sh');
    await analysed(api, document);
    const target = vscode.Uri.joinPath(document.uri, '..', 'seq1f1b-7b-16k.trace.json');
    // The command waits for the save dialog; accept its suggested path as a user pressing Enter would.
    const running = vscode.commands.executeCommand('scheduleInspector.exportTrace', document.uri);
    try {
      const written = await waitFor('the trace file', async () => {
        await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
        try {
          return await vscode.workspace.fs.readFile(target);
        } catch {
          return undefined;
        }
      });
      const trace = JSON.parse(new TextDecoder().decode(written)) as { traceEvents: { ph: string; name?: string }[] };
      assert.ok(trace.traceEvents.filter((e) => e.ph === 'X').length > 100, 'one complete event per simulated op');
      await running;
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    }
  });
});
