// Stands in for the webview panel when src/panel/timelinePanel.ts is not part of the build, so the contributed
// commands still answer instead of failing with "command not found".
import * as vscode from 'vscode';

export function registerTimelineFallback(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  for (const id of ['scheduleInspector.openTimeline', 'scheduleInspector.compareSchedules', 'scheduleInspector.exportTrace']) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, () => {
        log.warn(`${id}: the timeline panel is not available in this build`);
        void vscode.window.showWarningMessage('Schedule Inspector: the timeline is not available in this build.');
      }),
    );
  }
}
