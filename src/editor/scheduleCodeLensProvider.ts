// Above the launch command: the configured schedule's step time, bubble and worst-stage peak, plus "Open timeline"
// and "Compare schedules". Titles are filled in resolveCodeLens so scrolling through long scripts stays cheap.
import * as vscode from 'vscode';
import type { AnalysisServiceApi } from '../service/types';
import { guarded } from './guard';
import { summaryLine } from './present';
import { toRange } from './ranges';

type LensKind = 'summary' | 'timeline' | 'compare';

class ScheduleCodeLens extends vscode.CodeLens {
  constructor(
    range: vscode.Range,
    readonly document: vscode.TextDocument,
    readonly kind: LensKind,
  ) {
    super(range);
  }
}

export class ScheduleCodeLensProvider implements vscode.CodeLensProvider<ScheduleCodeLens>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly service: AnalysisServiceApi,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(service.onDidAnalyze(() => this.changed.fire()));
  }

  provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): ScheduleCodeLens[] {
    return guarded(
      this.log,
      'code lens',
      () => {
        const result = this.service.get(document);
        if (!result?.commandRange || token.isCancellationRequested) return [];
        const line = toRange(result.commandRange, document).start.line;
        const range = new vscode.Range(line, 0, line, 0);
        return (['summary', 'timeline', 'compare'] as const).map((kind) => new ScheduleCodeLens(range, document, kind));
      },
      [],
    );
  }

  resolveCodeLens(lens: ScheduleCodeLens, token: vscode.CancellationToken): ScheduleCodeLens {
    return guarded(
      this.log,
      'code lens resolve',
      () => {
        const uri = lens.document.uri;
        if (lens.kind === 'timeline') {
          lens.command = { title: 'Open timeline', command: 'scheduleInspector.openTimeline', arguments: [uri] };
        } else if (lens.kind === 'compare') {
          lens.command = {
            title: 'Compare schedules',
            command: 'scheduleInspector.compareSchedules',
            arguments: [uri],
          };
        } else {
          const result = token.isCancellationRequested ? undefined : this.service.get(lens.document);
          lens.command = {
            title: `$(pulse) ${result ? summaryLine(result) : 'Schedule Inspector'}`,
            tooltip:
              'Configured schedule on the selected GPU: step time, pipeline bubble, worst-stage peak memory. Click for the full analysis.',
            command: 'scheduleInspector.analyze',
            arguments: [uri],
          };
        }
        return lens;
      },
      lens,
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
