// The titles VS Code's Settings editor shows for our settings. It has no per-setting title: it derives one from the
// key (microsoft/vscode src/vs/workbench/contrib/preferences/browser/settingsTreeModels.ts, `settingKeyToDisplayFormat`
// → `wordifyKey`; read in the VS Code 1.139.1 workbench that tools/code-server ships, where `setting.title` is only set
// for the synthetic extension-recommendation rows). `overheadGiB` came out as "Overhead Gi B" (issue 17).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { repoPath } from '../../support/paths';

/** VS Code's acronyms and term mappings, as in that function (only the ones that could touch our keys matter). */
const ACRONYMS = new Set(['css', 'html', 'scss', 'less', 'json', 'js', 'ts', 'ie', 'id', 'php', 'scm']);

/** VS Code's wordifyKey on the last key segment (the part after the section). */
function wordify(key: string): string {
  return key
    .replace(/\.([a-z0-9])/g, (_m, c: string) => ` › ${c.toUpperCase()}`)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]{1,})([A-Z][a-z])/g, '$1 $2')
    .replace(/^[a-z]/g, (c) => c.toUpperCase())
    .replace(/\b\w+\b/g, (w) => (ACRONYMS.has(w.toLowerCase()) ? w.toUpperCase() : w));
}

const props = (
  JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, unknown> } };
  }
).contributes.configuration.properties;
const labels = Object.keys(props).map((k) => wordify(k.slice('scheduleInspector.'.length)));

test('the wordify copy reproduces the label the issue saw for the old key', () => {
  assert.equal(wordify('overheadGiB'), 'Overhead Gi B');
  assert.equal(wordify('inlayHints.enabled'), 'Inlay Hints › Enabled');
});

test('no settings title has a stray one- or two-letter fragment of a split unit ("Gi B", "Mi B", "M S")', () => {
  for (const label of labels) {
    for (const word of label.split(/[\s›]+/).filter(Boolean))
      assert.ok(word.length > 2 || /^[A-Z]{2}$/.test(word), `settings title "${label}" has the fragment "${word}"`);
  }
  assert.ok(labels.includes('Memory Overhead'), labels.join(', '));
});
