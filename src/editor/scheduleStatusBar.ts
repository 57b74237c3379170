// Status bar item for the active launch file: schedule · bubble · worst peak; click opens the timeline.
import * as vscode from 'vscode';
import type { AnalysisServiceApi } from '../service/types';
import { guarded } from './guard';
import { statusLine, summaryLine, selectedEvaluation } from './present';
import { mdText } from './markdown';
import { dialectSummary } from '../report/text';

export class ScheduleStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'scheduleInspector.status',
    vscode.StatusBarAlignment.Right,
    100,
  );
  private readonly disposables: vscode.Disposable[] = [this.item];

  constructor(
    private readonly service: AnalysisServiceApi,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.item.name = 'Schedule Inspector';
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      service.onDidAnalyze(({ document }) => {
        if (document === vscode.window.activeTextEditor?.document) this.update();
      }),
    );
    this.update();
  }

  update(): void {
    guarded(
      this.log,
      'status bar',
      () => {
        const document = vscode.window.activeTextEditor?.document;
        const result = document && this.service.get(document);
        if (!document || !result) {
          this.item.hide();
          return;
        }
        const e = selectedEvaluation(result);
        this.item.text = `$(pulse) ${statusLine(result)}`;
        this.item.tooltip = new vscode.MarkdownString(
          `**Schedule Inspector** — ${mdText(summaryLine(result))}\n\n` +
            (result.dialect ? `Dialect: ${mdText(dialectSummary(result.dialect))}\n\n` : '') +
            'Click to open the timeline.',
        );
        this.item.command = {
          title: 'Open Timeline',
          command: 'scheduleInspector.openTimeline',
          arguments: [document.uri],
        };
        this.item.backgroundColor = e?.oom ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
        this.item.show();
      },
      undefined,
    );
  }

  /** For tests and the Analyze command: what the item shows now. */
  get text(): string | undefined {
    return this.item.text;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
