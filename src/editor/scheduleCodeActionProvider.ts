// Quick fixes are the core's own fixes (it only offers edits it is certain about); this class only maps them back
// onto the diagnostics VS Code hands us.
import * as vscode from 'vscode';
import type { CoreDiagnostic } from '../core/types';
import type { AnalysisServiceApi } from '../service/types';
import { guarded } from './guard';
import { DIAGNOSTIC_SOURCE } from './scheduleDiagnostics';
import { toRange, toTextEdit } from './ranges';

function codeOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c == null) return undefined;
  return typeof c === 'object' ? String(c.value) : String(c);
}

export class ScheduleCodeActionProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = {
    providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
  };

  constructor(
    private readonly service: AnalysisServiceApi,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
    token: vscode.CancellationToken,
  ): vscode.CodeAction[] {
    return guarded(
      this.log,
      'code actions',
      () => {
        const ours = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
        if (ours.length === 0 || token.isCancellationRequested) return [];
        if (context.only && !vscode.CodeActionKind.QuickFix.intersects(context.only)) return [];
        const result = this.service.get(document);
        if (!result) return [];
        const actions: vscode.CodeAction[] = [];
        for (const diag of ours) {
          const core = result.diagnostics.find(
            (c) => c.code === codeOf(diag) && toRange(c.range, document).isEqual(diag.range),
          );
          if (core) for (const fix of core.fixes ?? []) actions.push(this.toAction(document, diag, core, fix));
        }
        return actions;
      },
      [],
    );
  }

  private toAction(
    document: vscode.TextDocument,
    diag: vscode.Diagnostic,
    _core: CoreDiagnostic,
    fix: NonNullable<CoreDiagnostic['fixes']>[number],
  ): vscode.CodeAction {
    const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
    const edit = new vscode.WorkspaceEdit();
    edit.set(
      document.uri,
      fix.edits.map((e) => toTextEdit(e, document)),
    );
    action.edit = edit;
    action.diagnostics = [diag];
    action.isPreferred = fix.preferred === true;
    return action;
  }
}
