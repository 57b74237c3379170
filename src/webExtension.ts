// The web entry (package.json `browser`): VS Code's web worker extension host in vscode.dev and github.dev. The
// same providers, commands and panel as the desktop entry (src/activate.ts); esbuild.mjs bundles it with the whole
// core into one file (a web worker cannot load dist/core.js lazily) and fails the build on any Node import.
import type * as vscode from 'vscode';
import { activateExtension, type ScheduleInspectorApi } from './activate';

export function activate(context: vscode.ExtensionContext): ScheduleInspectorApi {
  return activateExtension(context, 'web');
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
