// The commands this layer owns: Analyze, Select GPU, Open Example. (Timeline, Compare and Export belong to the panel.)
import * as vscode from 'vscode';
import { GPU_PROFILES, isKnownGpu } from '../core/hardware/gpus';
import { formatSummary } from '../report/text';
import type { AnalysisService } from '../service/analysisService';
import { SECTION } from '../settings/schema';
import { summaryLine } from './present';

const EXAMPLE_PATH = ['media', 'examples', 'seq1f1b-30b-64k.sh'];

/** The launch document a command acts on: an explicit URI argument (code lens, status bar) or the active editor. */
async function targetDocument(arg: unknown): Promise<vscode.TextDocument | undefined> {
  if (arg instanceof vscode.Uri) return vscode.workspace.openTextDocument(arg);
  return vscode.window.activeTextEditor?.document;
}

export function registerEditorCommands(
  context: vscode.ExtensionContext,
  service: AnalysisService,
  log: vscode.LogOutputChannel,
): void {
  const summaryChannel = vscode.window.createOutputChannel('Schedule Inspector: Analysis');
  context.subscriptions.push(summaryChannel);

  const wrap =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R | undefined> => {
      try {
        return await fn(...args);
      } catch (err) {
        log.error(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        void vscode.window.showErrorMessage(
          `Schedule Inspector: ${name} failed (details in the "Schedule Inspector" log).`,
        );
        return undefined;
      }
    };

  context.subscriptions.push(
    vscode.commands.registerCommand(
      'scheduleInspector.analyze',
      wrap('Analyze', async (arg?: unknown) => {
        const document = await targetDocument(arg);
        if (!document) {
          void vscode.window.showInformationMessage('Schedule Inspector: open a launch script first.');
          return undefined;
        }
        const result = service.reanalyze(document);
        if (!result) {
          void vscode.window.showInformationMessage('Schedule Inspector: no Megatron-style launch found in this file.');
          return undefined;
        }
        const name = document.isUntitled ? document.fileName : vscode.workspace.asRelativePath(document.uri);
        const summary = formatSummary(name, result);
        summaryChannel.clear();
        summaryChannel.append(summary);
        summaryChannel.show(true);
        void vscode.window.showInformationMessage(`Schedule Inspector: ${summaryLine(result)}`);
        // Returned so callers (and tests) get exactly what the user was shown.
        return summary;
      }),
    ),

    vscode.commands.registerCommand(
      'scheduleInspector.selectGpu',
      wrap('Select GPU', async (arg?: unknown) => {
        const config = vscode.workspace.getConfiguration(SECTION);
        let id = typeof arg === 'string' && isKnownGpu(arg) ? arg.toLowerCase() : undefined;
        if (!id) {
          const current = config.get<string>('gpu');
          const pick = await vscode.window.showQuickPick(
            GPU_PROFILES.map((g) => ({
              label: g.name,
              description: `${g.id}${g.id === current ? ' (current)' : ''}`,
              detail: `${g.memoryGiB.toFixed(1)} GiB · ${g.peakTflops16} TFLOP/s bf16 · NVLink ${g.intraNodeGBps} GB/s · network ${g.interNodeGBps} GB/s`,
              id: g.id,
            })),
            {
              title: 'Schedule Inspector: GPU for the cost and memory models',
              placeHolder: 'Select the GPU your job runs on',
            },
          );
          id = pick?.id;
        }
        if (!id) return undefined;
        // Write where the value is currently set so a workspace setting is not silently shadowed by a user one.
        const inspected = config.inspect<string>('gpu');
        const target =
          inspected?.workspaceFolderValue !== undefined
            ? vscode.ConfigurationTarget.WorkspaceFolder
            : inspected?.workspaceValue !== undefined
              ? vscode.ConfigurationTarget.Workspace
              : vscode.ConfigurationTarget.Global;
        await config.update('gpu', id, target);
        return id;
      }),
    ),

    vscode.commands.registerCommand(
      'scheduleInspector.openExample',
      wrap('Open Example', async () => {
        const uri = vscode.Uri.joinPath(context.extensionUri, ...EXAMPLE_PATH);
        const bytes = await vscode.workspace.fs.readFile(uri);
        // An untitled copy: the user can edit and experiment without touching the bundled file.
        const document = await vscode.workspace.openTextDocument({
          content: new TextDecoder().decode(bytes),
          language: 'shellscript',
        });
        await vscode.window.showTextDocument(document);
        return document.uri;
      }),
    ),
  );
}
