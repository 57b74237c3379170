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
      /^\$\(pulse\) seq1f1b k=4 · [\d.]+ m?s\/step · [\d.]+[kM]? tok\/s · bubble [\d.]+ % · peak [\d.]+\/80 GiB reserved \(stage \d\)$/,
    );
    assert.strictEqual(summary.command, 'scheduleInspector.analyze');
    assert.deepStrictEqual([timeline.title, timeline.command], ['Open timeline', 'scheduleInspector.openTimeline']);
    assert.deepStrictEqual(
      [compare.title, compare.command],
      ['Compare schedules', 'scheduleInspector.compareSchedules'],
    );
    assert.strictEqual(String(timeline.arguments?.[0]), document.uri.toString());
  });

  test('a launch that tees to an existing log: predicted vs measured, over the steady iterations', async () => {
    // logs/tee-run.log: 40 iterations, the first 10 at 900 ms (warm-up, left out), then 30 at 120 ms.
    const { document } = await openFixture('tee-log.sh');
    await analysed(api, document);
    const found = await waitFor('the log comparison lens', async () => {
      const l = await lenses(document.uri);
      return l.find((x) => x.command?.title.startsWith('$(graph)'));
    });
    assert.match(
      found.command!.title,
      /^\$\(graph\) predicted [\d.]+ m?s · measured 120 ms \([+-][\d.]+ %, 30 iterations\) — tee-run\.log$/,
    );
    assert.strictEqual(found.range.start.line, lineOf(document, 'torchrun'));
    // Clicking it opens the log (VS Code hands the `vscode.open` command back under an internal id).
    assert.ok(JSON.stringify(found.command!.arguments ?? []).includes('logs/tee-run.log'));
  });

  test('no lens on files that are not launches', async () => {
    const { document } = await openFixture('build-docs.sh');
    assert.deepStrictEqual(await lenses(document.uri), []);
  });
});
