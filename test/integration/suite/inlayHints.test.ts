// Inline derived values next to the flags they come from.
import * as assert from 'assert';
import * as vscode from 'vscode';
import {
  activate,
  analysed,
  closeAll,
  inlayHints,
  labelOf,
  lineOf,
  openFixture,
  setSetting,
  waitFor,
  type Api,
} from './helpers';

suite('Inlay hints', () => {
  let api: Api;
  suiteSetup(async () => {
    api = await activate();
  });
  teardown(closeAll);

  test('DP and microbatches, bubble, worst-stage peak and chunk lengths sit on their flags', async () => {
    const { document } = await openFixture('seq1f1b-7b-16k.sh');
    await analysed(api, document);
    const hints = await waitFor('inlay hints', async () => {
      const h = await inlayHints(document);
      return h.length >= 4 ? h : undefined;
    });
    const on = (needle: string) => hints.filter((h) => h.position.line === lineOf(document, needle)).map(labelOf);
    assert.deepStrictEqual(on('--global-batch-size'), ['DP=1 · 32 microbatches']);
    assert.match(on('--pipeline-model-parallel-size')[0] ?? '', /^bubble \d+\.\d %$/);
    assert.match(on('--micro-batch-size')[0] ?? '', /^peak \d+\.\d\/80 GiB reserved \(stage [0-3]\)$/);
    const chunks = on('--pipe-sp-splits')[0] ?? '';
    assert.match(chunks, /^chunks \d+·\d+·\d+·\d+$/);
    const sum = chunks
      .slice('chunks '.length)
      .split('·')
      .map(Number)
      .reduce((a, b) => a + b, 0);
    assert.strictEqual(sum, 16384, 'the chunks cover the sequence exactly');
    // Hints sit at the end of the value, after the text the user typed.
    const gbsLine = lineOf(document, '--global-batch-size');
    const gbsHint = hints.find((h) => h.position.line === gbsLine)!;
    assert.strictEqual(gbsHint.position.character, document.lineAt(gbsLine).text.indexOf('$GBS') + '$GBS'.length);
  });

  test('only hints inside the requested range are returned', async () => {
    const { document } = await openFixture('seq1f1b-7b-16k.sh');
    await analysed(api, document);
    const line = lineOf(document, '--global-batch-size');
    const hints = await inlayHints(document, new vscode.Range(line, 0, line, 200));
    assert.deepStrictEqual(hints.map(labelOf), ['DP=1 · 32 microbatches']);
    assert.deepStrictEqual(await inlayHints(document, new vscode.Range(0, 0, 3, 0)), []);
  });

  test('scheduleInspector.inlayHints.enabled = false turns them off', async () => {
    const { document } = await openFixture('seq1f1b-7b-16k.sh');
    await waitFor('inlay hints', async () => (await inlayHints(document)).length > 0);
    try {
      await setSetting('inlayHints.enabled', false);
      await waitFor('no inlay hints', async () => (await inlayHints(document)).length === 0);
    } finally {
      await setSetting('inlayHints.enabled', undefined);
    }
    await waitFor('inlay hints back', async () => (await inlayHints(document)).length > 0);
  });
});
