// Predicted vs measured in the editor (issue 19): a code lens above the launch command — "predicted 46.2 s ·
// measured 49.8 s (+7.8 %, 120 iterations)" — when the file has a training log: the one picked with "Compare With
// Training Log…", a `# schedule-inspector: log=PATH` directive, or the file the launch tees its output to, when it
// exists. A log is decoded and parsed a megabyte at a time (the reader keeps aggregates, not the text; the bytes
// themselves come whole, as workspace.fs has no streaming read, hence the size cap) and re-read only when it changes.
import * as vscode from 'vscode';
import type { AnalysisResult } from '../core/analyze';
import { compareWithLog, type LogComparison } from '../core/logs/compare';
import { MegatronLogReader, type MegatronLog } from '../core/logs/megatronLog';
import { findLogLinks } from '../core/read/logLink';
import type { AnalysisServiceApi } from '../service/types';
import { guarded } from './guard';
import { formatDurationMs } from '../core/format';
import { toRange } from './ranges';

/** Logs past this are not read in the editor (the CLI reads up to 4 GiB): reading would hold the extension host. */
const MAX_EDITOR_LOG_BYTES = 256 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;

interface CachedLog {
  mtime: number;
  size: number;
  log: MegatronLog;
}

async function readLog(uri: vscode.Uri): Promise<MegatronLog> {
  const bytes = await vscode.workspace.fs.readFile(uri);
  const decoder = new TextDecoder('utf-8');
  const reader = new MegatronLogReader();
  for (let i = 0; i < bytes.length; i += CHUNK_BYTES)
    reader.push(decoder.decode(bytes.subarray(i, i + CHUNK_BYTES), { stream: i + CHUNK_BYTES < bytes.length }));
  return reader.finish();
}

/** The lens title: what a user compares at a glance. */
export function comparisonTitle(c: LogComparison, logName: string): string {
  const s = c.steady;
  if (s.stepTimeMs === null) return `$(graph) ${logName}: ${s.reason ?? 'no measured step time'}`;
  const predicted = c.predictedStepTimeMs === null ? 'not simulated' : formatDurationMs(c.predictedStepTimeMs);
  const delta =
    c.stepTimeDeltaPercent === null
      ? ''
      : ` (${c.stepTimeDeltaPercent >= 0 ? '+' : ''}${c.stepTimeDeltaPercent.toFixed(1)} %, ${s.steadyIterations} iterations)`;
  const differs = c.argDifferences.length
    ? ` — the log ran another configuration (${c.argDifferences.map((d) => `${d.name} ${d.log}`).join(', ')})`
    : '';
  return `$(graph) predicted ${predicted} · measured ${formatDurationMs(s.stepTimeMs)}${delta} — ${logName}${differs}`;
}

export class LogComparisonLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  /** Logs the user picked, by document URI: they beat what the file says. */
  private readonly picked = new Map<string, vscode.Uri>();
  private readonly logs = new Map<string, CachedLog>();
  private readonly comparisons = new Map<string, { log: vscode.Uri; comparison: LogComparison }>();

  constructor(
    private readonly service: AnalysisServiceApi,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      service.onDidAnalyze(({ document, result }) => void this.refresh(document, result)),
      vscode.commands.registerCommand('scheduleInspector.compareWithLog', (uri?: vscode.Uri) => this.pick(uri)),
    );
  }

  private async pick(uri?: vscode.Uri): Promise<void> {
    const document = uri
      ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())
      : vscode.window.activeTextEditor?.document;
    if (!document) return;
    const chosen = await vscode.window.showOpenDialog({
      title: 'Training log to compare with',
      canSelectMany: false,
      defaultUri: vscode.Uri.joinPath(document.uri, '..'),
      filters: { 'Training logs': ['log', 'txt', 'out'], 'All files': ['*'] },
    });
    if (!chosen?.[0]) return;
    this.picked.set(document.uri.toString(), chosen[0]);
    const result = this.service.get(document);
    if (result) await this.refresh(document, result);
  }

  /** The log for this document, if any exists: the picked one, else the first link whose file exists. */
  private async logFor(document: vscode.TextDocument): Promise<vscode.Uri | undefined> {
    const picked = this.picked.get(document.uri.toString());
    if (picked) return picked;
    const folder = vscode.Uri.joinPath(document.uri, '..');
    for (const link of findLogLinks(document.getText())) {
      const uri = link.path.startsWith('/')
        ? document.uri.with({ path: link.path })
        : vscode.Uri.joinPath(folder, link.path);
      try {
        await vscode.workspace.fs.stat(uri);
        return uri;
      } catch {
        // not there (yet): the run has not written it, or it lives on the cluster
      }
    }
    return undefined;
  }

  private async refresh(document: vscode.TextDocument, result: AnalysisResult): Promise<void> {
    const key = document.uri.toString();
    try {
      const uri = await this.logFor(document);
      if (!uri) {
        if (this.comparisons.delete(key)) this.changed.fire();
        return;
      }
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.size > MAX_EDITOR_LOG_BYTES) {
        this.output.warn(
          `training log ${uri.fsPath} is ${stat.size} bytes; the editor reads logs up to ${MAX_EDITOR_LOG_BYTES} (the CLI's --log reads more)`,
        );
        return;
      }
      let cached = this.logs.get(uri.toString());
      if (!cached || cached.mtime !== stat.mtime || cached.size !== stat.size) {
        cached = { mtime: stat.mtime, size: stat.size, log: await readLog(uri) };
        this.logs.set(uri.toString(), cached);
      }
      this.comparisons.set(key, { log: uri, comparison: compareWithLog(result, cached.log) });
      this.changed.fire();
    } catch (err) {
      this.output.warn(`training log for ${document.uri.fsPath}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** For the integration suite and the hover: the comparison shown for a document. */
  comparisonFor(document: vscode.TextDocument): LogComparison | undefined {
    return this.comparisons.get(document.uri.toString())?.comparison;
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    return guarded(
      this.output,
      'log comparison lens',
      () => {
        const entry = this.comparisons.get(document.uri.toString());
        const result = this.service.get(document);
        if (!entry || !result?.commandRange) return [];
        const line = toRange(result.commandRange, document).start.line;
        const name = entry.log.path.split('/').pop() ?? entry.log.path;
        return [
          new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
            title: comparisonTitle(entry.comparison, name),
            tooltip: `Predicted by the simulation of this file's schedule; measured over the steady iterations of ${entry.log.fsPath} (the first log line and the first iterations are warm-up and left out). Click to open the log.`,
            command: 'vscode.open',
            arguments: [entry.log],
          }),
        ];
      },
      [],
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
