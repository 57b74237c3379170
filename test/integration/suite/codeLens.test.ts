// The summary above the launch command and its actions.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { activate, analysed, closeAll, lineOf, openFixture, waitFor, type Api } from './helpers';

async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  // The second argument resolves the lenses, as the editor does for visible ones.
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10)) ?? [];
}

suite('Code lens', () => {
  let api: Api;
  suiteSetup(async () => {
    api = await activate();
  });
  teardown(closeAll);

  test('above torchrun: schedule, step time, bubble, worst peak; Open timeline; Compare schedules', async () => {
    const { document } = await openFixture('seq1f1b-7b-16k.sh');
    await analysed(api, document);
    const found = await waitFor('code lenses', async () => {
      const l = await lenses(document.uri);
      return l.length === 3 ? l : undefined;
    });
    const line = lineOf(document, 'torchrun');
    assert.ok(
      found.every((l) => l.range.start.line === line),
      'all lenses sit on the launch command',
    );
    const [summary, timeline, compare] = found.map((l) => l.command!);
    assert.match(
      summary.title,
      /^\$\(pulse\) seq1f1b k=4 · [\d.]+ m?s\/step · bubble [\d.]+ % · peak [\d.]+\/80 GiB \(stage \d\)$/,
    );
    assert.strictEqual(summary.command, 'scheduleInspector.analyze');
    assert.deepStrictEqual([timeline.title, timeline.command], ['Open timeline', 'scheduleInspector.openTimeline']);
    assert.deepStrictEqual(
      [compare.title, compare.command],
      ['Compare schedules', 'scheduleInspector.compareSchedules'],
    );
    assert.strictEqual(String(timeline.arguments?.[0]), document.uri.toString());
  });

  test('no lens on files that are not launches', async () => {
    const { document } = await openFixture('build-docs.sh');
    assert.deepStrictEqual(await lenses(document.uri), []);
  });
});
