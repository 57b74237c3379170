// The one analysis service every provider and the webview panel read from (implemented in analysisService.ts).
import type * as vscode from 'vscode';
import type { AnalysisResult, AnalyzeOptions } from '../core/analyze';

export interface AnalysisEvent {
  document: vscode.TextDocument;
  result: AnalysisResult;
}

export interface AnalysisServiceApi {
  /** Cached analysis for the document's current version, or a fresh one (synchronous; the core is fast). Undefined for files we leave alone. */
  get(document: vscode.TextDocument): AnalysisResult | undefined;
  /** A what-if analysis with overrides from the webview controls; never cached, never touches the file. */
  analyzeWhatIf(
    document: vscode.TextDocument,
    overrides: NonNullable<AnalyzeOptions['overrides']>,
  ): AnalysisResult | undefined;
  /** Fires after a (debounced) re-analysis of an open document, and after settings change. */
  readonly onDidAnalyze: vscode.Event<AnalysisEvent>;
  /** Options derived from the `scheduleInspector.*` settings. */
  options(): AnalyzeOptions;
}
