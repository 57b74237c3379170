// Status bar item for the active launch file: schedule · bubble · worst peak; click opens the timeline. When focus
// moves to something that is not a text editor (the timeline panel, the output view) the item keeps showing the last
// launch file, so the figures stay in sight next to the panel that draws them (issue 17).
import * as vscode from 'vscode';
import type { AnalysisServiceApi } from '../service/types';
import { guarded } from './guard';
import { statusLine, summaryLine } from './present';
import { memoryDetailText, runSummary } from '../protocol/summary';
import { mdText } from './markdown';
import { dialectSummary } from '../report/text';

export class ScheduleStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'scheduleInspector.status',
    vscode.StatusBarAlignment.Right,
    100,
  );
  private readonly disposables: vscode.Disposable[] = [this.item];
  /** The last text document shown; kept while a webview or other non-editor part has focus. */
  private lastDocument: vscode.TextDocument | undefined;

  constructor(
    private readonly service: AnalysisServiceApi,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.item.name = 'Schedule Inspector';
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      service.onDidAnalyze(({ document }) => {
        if (document === this.shownDocument()) this.update();
      }),
    );
    this.update();
  }

  update(): void {
    guarded(
      this.log,
      'status bar',
      () => {
        const document = this.shownDocument();
        this.lastDocument = document;
        const result = document && this.service.get(document);
        if (!document || !result) {
          this.item.hide();
          return;
        }
        const summary = runSummary(result);
        const memory = summary && memoryDetailText(summary);
        this.item.text = `$(pulse) ${statusLine(result)}`;
        this.item.tooltip = new vscode.MarkdownString(
          `**Schedule Inspector** — ${mdText(summaryLine(result))}\n\n` +
            (memory ? `Worst stage: ${mdText(memory)}\n\n` : '') +
            (result.dialect ? `Dialect: ${mdText(dialectSummary(result.dialect))}\n\n` : '') +
            'Click to open the timeline.',
        );
        this.item.command = {
          title: 'Open Timeline',
          command: 'scheduleInspector.openTimeline',
          arguments: [document.uri],
        };
        this.item.backgroundColor = summary?.oom ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
        this.item.show();
      },
      undefined,
    );
  }

  /**
   * The active text editor's document; with no active text editor (a webview or panel has focus), the last one
   * shown while it is still open.
   */
  private shownDocument(): vscode.TextDocument | undefined {
    const active = vscode.window.activeTextEditor?.document;
    if (active) return active;
    const last = this.lastDocument;
    return last && !last.isClosed ? last : undefined;
  }

  /** For tests and the Analyze command: what the item shows now. */
  get text(): string | undefined {
    return this.item.text;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
