// Hovers on flags: meaning, resolved value and where it came from, and what-if tables.
import * as assert from 'assert';
import { activate, analysed, closeAll, hoverAt, lineOf, openFixture, positionOf, rendered, type Api } from './helpers';

suite('Hover', () => {
  let api: Api;
  suiteSetup(async () => {
    api = await activate();
  });
  teardown(closeAll);

  test('--pipeline-model-parallel-size shows its value through $PP and a what-if table over p', async () => {
    const { document } = await openFixture('seq1f1b-7b-16k.sh');
    await analysed(api, document);
    const text = await hoverAt(document.uri, positionOf(document, '--pipeline-model-parallel-size'));
    assert.match(text, /--pipeline-model-parallel-size/);
    assert.match(text, /Value: `4`/);
    const ppLine = lineOf(document, 'PP=4') + 1;
    assert.ok(
      text.includes(`\`$PP\` = \`4\` (line ${ppLine})`),
      'the variable chain names the definition and its line',
    );
    // Issue 17: four figures (step time, tokens/s, reserved peak, what else the edit changed), so it fits a hover.
    assert.match(text, /\| p \(PP\) \| step \| tok\/s \| GiB reserved \| also changes \|/);
    assert.match(text, /\| \*\*4\*\* \(now\) \| [\d.]+ m?s \| [\d.]+[kM]? \| [\d.]+( \*\*OOM\*\*)? \| — \|/);
    // Other p values are real analyses: each row has its own figures or names why it cannot run.
    const rows = text.split('\n').filter((l) => /^\| (1|2|8|16) \|/.test(l));
    assert.ok(rows.length >= 2, `expected rows for other p values, got:\n${text}`);
  });

  test('--pipe-sp-splits tabulates k over the candidateSplits setting', async () => {
    const { document } = await openFixture('seq1f1b-7b-16k.sh');
    await analysed(api, document);
    const text = await hoverAt(document.uri, positionOf(document, '--pipe-sp-splits'));
    for (const k of ['1', '2', '8']) assert.match(text, new RegExp(`^\\| ${k} \\| `, 'm'), `row for k=${k}`);
    assert.match(text, /^\| \*\*4\*\* \(now\) \| [\d.]+ m?s \|/m);
    assert.match(rendered(text), /sequence chunks \(average\): (\d+ · ){3}\d+ tokens/);
  });

  test('a flag outside the what-if set still explains itself', async () => {
    const { document } = await openFixture('seq1f1b-7b-16k.sh');
    await analysed(api, document);
    const text = await hoverAt(document.uri, positionOf(document, '--hidden-size'));
    assert.match(text, /--hidden-size/);
    assert.match(text, /Value: `4096`/);
    assert.doesNotMatch(text, /step time/);
  });

  test('no hover from us off the flags (comments, the launcher)', async () => {
    const { document } = await openFixture('seq1f1b-7b-16k.sh');
    await analysed(api, document);
    const text = await hoverAt(document.uri, positionOf(document, 'Seq1F1B on one node'));
    assert.doesNotMatch(text, /Value:/);
  });

  test('YAML keys get the same hover', async () => {
    const { document } = await openFixture('nemo-gpt-7b.yaml');
    await analysed(api, document);
    const text = await hoverAt(document.uri, positionOf(document, 'pipeline_model_parallel_size'));
    assert.match(text, /pipeline.model.parallel.size/);
    assert.match(text, /Value: `4`/);
  });
});
