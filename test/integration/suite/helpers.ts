// What the tests share: opening fixtures the way a user does, and polling (never fixed sleeps) for what VS Code shows.
import * as assert from 'assert';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'schedule-inspector.schedule-inspector';
export const SOURCE = 'Schedule Inspector';

/** The extension's exported API: lets a test tell "not analysed" from "analysed, nothing to show". */
export interface Api {
  service: { get(document: vscode.TextDocument): { isLaunchConfig: boolean } | undefined };
}

export async function activate(): Promise<Api> {
  const ext = vscode.extensions.getExtension<Api>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

let coreSilent: string | undefined;

/**
 * Waits until the service analysed the document as a launch. If the core once failed to recognise a fixture, later
 * calls fail at once with the same reason, so a broken core costs one timeout instead of one per test.
 */
export async function analysed<T extends { isLaunchConfig: boolean }>(
  api: { service: { get(d: vscode.TextDocument): T | undefined } },
  document: vscode.TextDocument,
): Promise<T> {
  if (coreSilent) assert.fail(`skipped wait: ${coreSilent}`);
  try {
    return await waitFor(
      `${document.uri.path.split('/').pop()} to be analysed as a launch`,
      () => {
        const r = api.service.get(document);
        return r?.isLaunchConfig ? r : undefined;
      },
      20_000,
    );
  } catch (err) {
    coreSilent = `the core did not recognise ${document.uri.path.split('/').pop()} as a launch within 20 s`;
    throw err;
  }
}

export function fixtureUri(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the suite runs with the fixtures folder open');
  return vscode.Uri.joinPath(folder.uri, name);
}

export async function openFixture(name: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(fixtureUri(name));
  return vscode.window.showTextDocument(document, { preview: false });
}

/** Polls `probe` until it returns a value other than undefined/false; fails with `what` and the last value seen. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      assert.fail(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
}

export function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' && d.code !== null ? String(d.code.value) : String(d.code);
}

/** Waits until the analysis published diagnostics that contain `code`. */
export function waitForCode(uri: vscode.Uri, code: string, timeoutMs?: number): Promise<vscode.Diagnostic> {
  return waitFor(
    `diagnostic '${code}' on ${uri.path.split('/').pop()} (have: ${ours(uri).map(codeOf).join(', ') || 'none'})`,
    () => ours(uri).find((d) => codeOf(d) === code),
    timeoutMs,
  );
}

/** The 0-based line of the first line containing `needle`. */
export function lineOf(document: vscode.TextDocument, needle: string): number {
  for (let i = 0; i < document.lineCount; i++) if (document.lineAt(i).text.includes(needle)) return i;
  assert.fail(`'${needle}' not in ${document.fileName}`);
}

/** Position inside the first occurrence of `needle` (offset characters into it). */
export function positionOf(document: vscode.TextDocument, needle: string, offset = 2): vscode.Position {
  const line = lineOf(document, needle);
  return new vscode.Position(line, document.lineAt(line).text.indexOf(needle) + offset);
}

export function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n---\n');
}

/** Hover markdown as it reads on screen: backslash escapes removed (file text is escaped so it shows literally). */
export function rendered(markdown: string): string {
  return markdown.replace(/\\([\\`*_{}[\]()#+\-.!|<>~])/g, '$1');
}

export async function hoverAt(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position);
  return hoverText(hovers ?? []);
}

export function labelOf(h: vscode.InlayHint): string {
  return typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('');
}

export async function inlayHints(document: vscode.TextDocument, range?: vscode.Range): Promise<vscode.InlayHint[]> {
  const full = range ?? new vscode.Range(0, 0, document.lineCount, 0);
  return (
    (await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', document.uri, full)) ??
    []
  );
}

export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('scheduleInspector').update(key, value, vscode.ConfigurationTarget.Global);
}

export async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
