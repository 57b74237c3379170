// The desktop entry (package.json `main`): VS Code's Node extension host, locally or over Remote-SSH / WSL /
// containers (`extensionKind: workspace`). The wiring is shared with the web entry (src/webExtension.ts).
import type * as vscode from 'vscode';
import { activateExtension, type ScheduleInspectorApi } from './activate';

export function activate(context: vscode.ExtensionContext): ScheduleInspectorApi {
  return activateExtension(context, 'desktop');
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
