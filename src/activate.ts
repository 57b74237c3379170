// Wiring only, shared by the two entries VS Code loads: src/extension.ts (desktop and remote extension hosts, Node)
// and src/webExtension.ts (vscode.dev / github.dev, a web worker). Everything registered here is free of Node: the
// providers read documents through the service, and files (the example, training logs, exported traces and PNGs)
// through workspace.fs and VS Code's own dialogs, which every host provides. esbuild.mjs checks that the web bundle
// has no Node import, and tsconfig.web.json type-checks its graph without Node's globals.
// Activation stays cheap: nothing here reads files; documents are analysed when they are open and look like a launch.
// The desktop build loads the analysis core (dist/core.js) on the first analysis, not here (esbuild.mjs): so nothing
// in activateExtension() may call into src/core beyond the small leaves esbuild.mjs keeps eager.
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

/** Which extension host runs us; named in the log so a report from vscode.dev says so. */
export type ExtensionRuntime = 'desktop' | 'web';

/** What activate() returns; the integration suite reads it to tell "not analysed yet" from "analysed, nothing found". */
export interface ScheduleInspectorApi {
  readonly service: AnalysisServiceApi;
}

export function activateExtension(context: vscode.ExtensionContext, runtime: ExtensionRuntime): ScheduleInspectorApi {
  const log = vscode.window.createOutputChannel('Schedule Inspector', { log: true });
  context.subscriptions.push(log);
  // Called through a closure: the service's default parameter would read the core's export, and so load the core,
  // while the extension activates.
  const service = new AnalysisService(log, (text, options) => analyze(text, options));
  context.subscriptions.push(service);
  try {
    registerProviders(context, service, log);
    // Documents already open (the one whose language activated us) get analysed now, not on their next edit —
    // right after activation returns, so that loading the core and the first analysis are not activation time.
    const first = setTimeout(() => service.analyzeOpenDocuments(), 0);
    context.subscriptions.push({ dispose: () => clearTimeout(first) });
  } catch (err) {
    // A wiring failure must leave a trace the user can find, not a silently dead extension.
    log.error(`activation failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    void vscode.window.showErrorMessage('Schedule Inspector failed to start; see the "Schedule Inspector" log.');
  }
  log.info(`activated (${runtime} extension host, VS Code ${vscode.version}, ${vscode.env.appName})`);
  return { service };
}

/** Every provider, command and the panel: the same set on both hosts (none of them needs Node). */
function registerProviders(
  context: vscode.ExtensionContext,
  service: AnalysisService,
  log: vscode.LogOutputChannel,
): void {
  context.subscriptions.push(new ScheduleDiagnostics(service, log));
  context.subscriptions.push(vscode.languages.registerHoverProvider(SELECTOR, new ScheduleHoverProvider(service, log)));
  const inlay = new MemoryInlayHintsProvider(service, log);
  context.subscriptions.push(inlay, vscode.languages.registerInlayHintsProvider(SELECTOR, inlay));
  const lens = new ScheduleCodeLensProvider(service, log);
  context.subscriptions.push(lens, vscode.languages.registerCodeLensProvider(SELECTOR, lens));
  // Predicted vs measured, when the file has a training log (and the Compare With Training Log… command). On the
  // web the log is read through workspace.fs like any file of the opened repository.
  const logLens = new LogComparisonLens(service, log, context.workspaceState);
  context.subscriptions.push(
    logLens,
    vscode.languages.registerCodeLensProvider(SELECTOR, logLens),
    vscode.languages.registerHoverProvider(SELECTOR, logLens),
  );
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
  registerTimelinePanel(context, service, log, logLens);
}
