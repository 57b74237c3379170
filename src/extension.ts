// Wiring only: create the log, the analysis service and the providers, and hand every disposable to VS Code.
// Activation stays cheap: nothing here reads files; documents are analysed when they are open and look like a launch.
// The packaged build loads the analysis core (dist/core.js) on the first analysis, not here (esbuild.mjs): so
// nothing in activate() may call into src/core beyond the small leaves esbuild.mjs keeps eager.
import * as vscode from 'vscode';
import { analyze } from './core/analyze';
import { AnalysisService } from './service/analysisService';
import type { AnalysisServiceApi } from './service/types';
import { ScheduleDiagnostics } from './editor/scheduleDiagnostics';
import { ScheduleHoverProvider } from './editor/scheduleHoverProvider';
import { MemoryInlayHintsProvider } from './editor/memoryInlayHintsProvider';
import { ScheduleCodeLensProvider } from './editor/scheduleCodeLensProvider';
import { LogComparisonLens } from './editor/logComparisonLens';
import { ScheduleCodeActionProvider } from './editor/scheduleCodeActionProvider';
import { ScheduleStatusBar } from './editor/scheduleStatusBar';
import { registerEditorCommands } from './editor/commands';
import { registerTimelinePanel } from './panel/timelinePanel';

/**
 * Shell scripts and YAML of any scheme: on disk, untitled (Open Example), or in a virtual workspace (a GitHub
 * repository opened remotely, vscode-vfs://…) — the core reads only the text, and package.json declares
 * `virtualWorkspaces`. The service still skips output channels and git's old versions.
 */
const SELECTOR: vscode.DocumentSelector = [{ language: 'shellscript' }, { language: 'yaml' }];

/** What activate() returns; the integration suite reads it to tell "not analysed yet" from "analysed, nothing found". */
export interface ScheduleInspectorApi {
  readonly service: AnalysisServiceApi;
}

export function activate(context: vscode.ExtensionContext): ScheduleInspectorApi {
  const log = vscode.window.createOutputChannel('Schedule Inspector', { log: true });
  context.subscriptions.push(log);
  // Called through a closure: the service's default parameter would read the core's export, and so load the core,
  // while the extension activates.
  const service = new AnalysisService(log, (text, options) => analyze(text, options));
  context.subscriptions.push(service);
  try {
    context.subscriptions.push(new ScheduleDiagnostics(service, log));
    context.subscriptions.push(
      vscode.languages.registerHoverProvider(SELECTOR, new ScheduleHoverProvider(service, log)),
    );
    const inlay = new MemoryInlayHintsProvider(service, log);
    context.subscriptions.push(inlay, vscode.languages.registerInlayHintsProvider(SELECTOR, inlay));
    const lens = new ScheduleCodeLensProvider(service, log);
    context.subscriptions.push(lens, vscode.languages.registerCodeLensProvider(SELECTOR, lens));
    // Predicted vs measured, when the file has a training log (and the Compare With Training Log… command).
    const logLens = new LogComparisonLens(service, log);
    context.subscriptions.push(logLens, vscode.languages.registerCodeLensProvider(SELECTOR, logLens));
    context.subscriptions.push(
      vscode.languages.registerCodeActionsProvider(
        SELECTOR,
        new ScheduleCodeActionProvider(service, log),
        ScheduleCodeActionProvider.metadata,
      ),
    );
    context.subscriptions.push(new ScheduleStatusBar(service, log));
    registerEditorCommands(context, service, log);
    // Open Timeline, Compare Schedules and Export Perfetto Trace belong to the panel.
    registerTimelinePanel(context, service, log);
    // Documents already open (the one whose language activated us) get analysed now, not on their next edit —
    // right after activation returns, so that loading the core and the first analysis are not activation time.
    const first = setTimeout(() => service.analyzeOpenDocuments(), 0);
    context.subscriptions.push({ dispose: () => clearTimeout(first) });
  } catch (err) {
    // A wiring failure must leave a trace the user can find, not a silently dead extension.
    log.error(`activation failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    void vscode.window.showErrorMessage('Schedule Inspector failed to start; see the "Schedule Inspector" log.');
  }
  log.info(`activated (VS Code ${vscode.version}, ${vscode.env.appName})`);
  return { service };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
