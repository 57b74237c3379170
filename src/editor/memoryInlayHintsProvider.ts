// Derived values at the end of the flags they come from: `DP=8 · 64 microbatches`, `bubble 9.8 %`,
// `peak 61.2/80 GiB (stage 0)`, `chunks 4930·4238·3776·3440`. Only hints inside the requested range are returned.
import * as vscode from 'vscode';
import type { AnalysisServiceApi } from '../service/types';
import { readSettings } from '../settings/read';
import { SECTION } from '../settings/schema';
import { guarded } from './guard';
import { inlayHintSpecs } from './present';

export class MemoryInlayHintsProvider implements vscode.InlayHintsProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly service: AnalysisServiceApi,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      service.onDidAnalyze(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.inlayHints.enabled`)) this.changed.fire();
      }),
    );
  }

  provideInlayHints(
    document: vscode.TextDocument,
    range: vscode.Range,
    token: vscode.CancellationToken,
  ): vscode.InlayHint[] {
    return guarded(
      this.log,
      'inlay hints',
      () => {
        if (!readSettings().inlayHintsEnabled) return [];
        const result = this.service.get(document);
        if (!result || token.isCancellationRequested) return [];
        const hints: vscode.InlayHint[] = [];
        for (const spec of inlayHintSpecs(result)) {
          const position = document.validatePosition(new vscode.Position(spec.line, spec.character));
          if (!range.contains(position)) continue;
          const hint = new vscode.InlayHint(position, spec.label);
          hint.paddingLeft = true;
          hint.tooltip = spec.tooltip;
          hints.push(hint);
        }
        return hints;
      },
      [],
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
