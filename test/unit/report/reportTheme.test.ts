// The standalone report has no VS Code to define the --vscode-* colours, and the webview toolkit reads its controls'
// colours from exactly those variables on <body> (@vscode/webview-ui-toolkit dist/utilities/theme/applyTheme.js),
// falling back to its built-in dark palette: on a light page that was light grey on white (issue 17). So the report's
// stylesheet defines every colour variable the toolkit maps, for the dark base and the light theme alike.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { repoPath } from '../../support/paths';

const css = readFileSync(repoPath('media/webview.css'), 'utf8');
const tokens = readFileSync(repoPath('node_modules/@vscode/webview-ui-toolkit/dist/design-tokens.js'), 'utf8');

/** The --vscode-* variables a CSS rule with exactly this selector defines. */
function definedBy(selector: string): Set<string> {
  const at = css.indexOf(`${selector} {`);
  assert.ok(at >= 0, `media/webview.css has no rule "${selector}"`);
  const body = css.slice(at, css.indexOf('}', at));
  return new Set([...body.matchAll(/(--vscode-[\w.-]+)\s*:/g)].map((m) => m[1] ?? ''));
}

/** The toolkit's mapped VS Code variables, by design token name (`create('name', '--vscode-…')`). */
const mapped = new Map(
  [...tokens.matchAll(/create\('([\w-]+)', '(--vscode-[\w.-]+)'\)/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
);

/** Tokens of components the webview does not register (ui/controls.ts) or that are not colours. */
const UNUSED = [
  'font-family',
  'font-weight',
  'type-ramp-base-font-size',
  'badge-background',
  'badge-foreground',
  'checkbox-background',
  'checkbox-border',
  'checkbox-foreground',
  'progress-background',
  'link-foreground',
  'link-active-foreground',
  'scrollbar-slider-background',
  'scrollbar-slider-hover-background',
  'scrollbar-slider-active-background',
  'input-placeholder-foreground',
  // Only drawn in high-contrast themes, which define them (below); VS Code leaves them unset elsewhere too.
  'contrast-border',
  'contrast-active-border',
  // Its own --fake-vscode-token (no VS Code variable).
  'button-icon-hover-background',
];

test('the toolkit still maps the VS Code variables this test reads', () => {
  assert.ok(mapped.size >= 30, `only ${mapped.size} mappings found: has design-tokens.js changed shape?`);
  assert.equal(mapped.get('foreground'), '--vscode-foreground');
  assert.equal(mapped.get('panel-tab-foreground'), '--vscode-panelTitle-inactiveForeground');
});

test('the report defines every toolkit colour variable for its dark base, and the light theme overrides the ones that differ', () => {
  const base = definedBy('body.si-standalone');
  const missing = [...mapped].filter(([token, v]) => !UNUSED.includes(token) && !base.has(v)).map(([, v]) => v);
  assert.deepEqual(missing, [], "toolkit variables the report leaves to the toolkit's dark defaults");
  // Every background and foreground the light theme needs differs from the dark base's value.
  const light = definedBy('body.si-standalone.vscode-light');
  for (const v of [
    '--vscode-foreground',
    '--vscode-editor-background',
    '--vscode-dropdown-background',
    '--vscode-input-background',
    '--vscode-panelTitle-activeForeground',
    '--vscode-panelTitle-inactiveForeground',
  ])
    assert.ok(light.has(v), `the light report keeps the dark ${v}`);
});

test('both high-contrast report themes define the contrast borders the toolkit draws there', () => {
  for (const kind of ['vscode-high-contrast', 'vscode-high-contrast-light']) {
    const hc = definedBy(`body.si-standalone.${kind}`);
    for (const v of ['--vscode-contrastBorder', '--vscode-contrastActiveBorder', '--vscode-focusBorder'])
      assert.ok(hc.has(v), `${kind} lacks ${v}`);
  }
});
