// Core diagnostics → one DiagnosticCollection. Published on every analysis event, cleared when the document closes
// or stops being a launch config.
import * as vscode from 'vscode';
import type { CoreDiagnostic, Severity } from '../core/types';
import type { AnalysisServiceApi } from '../service/types';
import { guarded } from './guard';
import { diagnosticHelpUrl } from '../report/docs';
import { toRange } from './ranges';

export const DIAGNOSTIC_SOURCE = 'Schedule Inspector';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

function toDiagnostic(d: CoreDiagnostic, document: vscode.TextDocument): vscode.Diagnostic {
  const diag = new vscode.Diagnostic(
    toRange(d.range, document),
    d.message,
    SEVERITY[d.severity] ?? vscode.DiagnosticSeverity.Warning,
  );
  diag.source = DIAGNOSTIC_SOURCE;
  diag.code = { value: d.code, target: vscode.Uri.parse(diagnosticHelpUrl(d.code)) };
  if (d.related?.length) {
    diag.relatedInformation = d.related.map(
      (r) =>
        new vscode.DiagnosticRelatedInformation(
          new vscode.Location(document.uri, toRange(r.range, document)),
          r.message,
        ),
    );
  }
  return diag;
}

export class ScheduleDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('scheduleInspector');
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor(service: AnalysisServiceApi, log: vscode.LogOutputChannel) {
    this.disposables.push(
      service.onDidAnalyze(({ document, result }) =>
        guarded(
          log,
          'diagnostics',
          () => {
            if (document.isClosed) return;
            if (!result.isLaunchConfig) this.collection.delete(document.uri);
            else
              this.collection.set(
                document.uri,
                result.diagnostics.map((d) => toDiagnostic(d, document)),
              );
          },
          undefined,
        ),
      ),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
