// Predicted vs measured in the editor (issue 19): a code lens above the launch command — "predicted 46.2 s ·
// measured 49.8 s (+7.8 %, 120 iterations)" — and the same line in a hover on the launch command and on the log's
// path, when the file has a training log: the one picked with "Compare With Training Log…", a
// `# schedule-inspector: log=PATH` directive, or the file the launch tees its output to, when it exists. A log is
// decoded and parsed a megabyte at a time (the reader keeps aggregates, not the text; the bytes themselves come
// whole, as workspace.fs has no streaming read, hence the size cap) and re-read only when it changes.
// "Calibrate From Training Log" fits the cost model's knobs to that log (core/logs/calibrate.ts), keeps them per
// file in the workspace state, and the service then analyses the file — and every what-if of it — with them.
import * as vscode from 'vscode';
import type { AnalysisResult, CalibrationKnobs } from '../core/analyze';
import { calibrateFromLog, type CalibrationOutcome } from '../core/logs/calibrate';
import { compareWithLog, type LogComparison } from '../core/logs/compare';
import { MegatronLogReader, type MegatronLog } from '../core/logs/megatronLog';
import { ChromeTraceReader, type ChromeTrace } from '../core/logs/chromeTrace';
import { findLogLinks, findTraceLinks } from '../core/read/logLink';
import type { MeasuredPayload } from '../protocol/measured';
import {
  buildMeasuredMemory,
  buildMeasuredSpans,
  buildMeasuredStep,
  measuredSpansKey,
} from '../protocol/measuredPayload';
import { calibrationKnobsText, comparisonHeadline, stageMemoryText } from '../report/logComparison';
import type { AnalysisService } from '../service/analysisService';
import { guarded } from './guard';
import { formatDurationMs } from '../core/format';
import { toRange } from './ranges';

/** Workspace-state key of the calibrations: document URI → knobs. */
const CALIBRATIONS_KEY = 'scheduleInspector.calibrations';

/** Logs past this are not read in the editor (the CLI reads up to 4 GiB): reading would hold the extension host. */
const MAX_EDITOR_LOG_BYTES = 256 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;
/**
 * Profiler traces past this are not read in the editor: the bytes come whole (workspace.fs), though the reader keeps
 * only the spans (core/logs/chromeTrace.ts streams); one rank's few profiled steps are tens of MB.
 */
const MAX_EDITOR_TRACE_BYTES = 512 * 1024 * 1024;
/** Trace files overlaid at most: one per pipeline stage is what the timeline can show. */
const MAX_TRACE_FILES = 64;

async function readTrace(uri: vscode.Uri): Promise<ChromeTrace> {
  const bytes = await vscode.workspace.fs.readFile(uri);
  const decoder = new TextDecoder('utf-8');
  const reader = new ChromeTraceReader();
  for (let i = 0; i < bytes.length; i += CHUNK_BYTES)
    reader.push(decoder.decode(bytes.subarray(i, i + CHUNK_BYTES), { stream: i + CHUNK_BYTES < bytes.length }));
  return reader.finish();
}

interface CachedTrace {
  mtime: number;
  size: number;
  trace: ChromeTrace;
}

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
function comparisonTitle(c: LogComparison, logName: string): string {
  if (c.steady.stepTimeMs === null) return `$(graph) ${logName}: ${comparisonHeadline(c)}`;
  const differs = c.argDifferences.length
    ? ` — the log ran another configuration (${c.argDifferences.map((d) => `${d.name} ${d.log}`).join(', ')})`
    : '';
  return `$(graph) ${comparisonHeadline(c)} — ${logName}${differs}`;
}

/** A stored calibration, checked field by field: the workspace state may hold what an older version wrote. */
function validKnobs(v: unknown): CalibrationKnobs | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const k = v as Record<string, unknown>;
  const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (typeof k['gpuId'] !== 'string' || typeof k['fromLog'] !== 'string') return undefined;
  if (!finite(k['efficiency']) || k['efficiency'] <= 0 || k['efficiency'] > 1) return undefined;
  if (!finite(k['stepOverheadMs']) || k['stepOverheadMs'] < 0) return undefined;
  if (k['overheadGiB'] !== null && (!finite(k['overheadGiB']) || k['overheadGiB'] < 0)) return undefined;
  return {
    gpuId: k['gpuId'],
    efficiency: k['efficiency'],
    stepOverheadMs: k['stepOverheadMs'],
    overheadGiB: k['overheadGiB'] as number | null,
    fromLog: k['fromLog'],
  };
}

export class LogComparisonLens implements vscode.CodeLensProvider, vscode.HoverProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  /** Logs the user picked, by document URI: they beat what the file says. */
  private readonly picked = new Map<string, vscode.Uri>();
  private readonly logs = new Map<string, CachedLog>();
  /** By document URI; `schedule` is the file's own (the one the log's run measured). */
  private readonly comparisons = new Map<
    string,
    { log: vscode.Uri; comparison: LogComparison; schedule: string | null }
  >();
  /** Traces the user picked with "Overlay Profiler Trace…", by document URI: they beat a trace= directive. */
  private readonly pickedTraces = new Map<string, vscode.Uri[]>();
  private readonly traceCache = new Map<string, CachedTrace>();
  /** The traces read for each document, for the panel's overlay. */
  private readonly traces = new Map<string, { name: string; trace: ChromeTrace }[]>();
  private readonly measuredChanged = new vscode.EventEmitter<string>();
  /** The last spans built per document, with the traces and the analysis key they were built from. */
  private readonly spansMemo = new Map<
    string,
    { traces: unknown; key: string; spans: ReturnType<typeof buildMeasuredSpans> }
  >();
  /** Fires a document URI when its measured data (log memory, traces) changed: the panel re-sends its analysis. */
  readonly onDidChangeMeasured = this.measuredChanged.event;

  constructor(
    private readonly service: AnalysisService,
    private readonly output: vscode.LogOutputChannel,
    private readonly state: vscode.Memento,
  ) {
    // Calibrations of earlier sessions apply from the first analysis on.
    const stored = state.get<Record<string, unknown>>(CALIBRATIONS_KEY) ?? {};
    for (const [uri, value] of Object.entries(stored)) {
      const knobs = validKnobs(value);
      if (knobs) service.setCalibration(uri, knobs);
    }
    this.disposables.push(
      service.onDidAnalyze(({ document, result }) => void this.refresh(document, result)),
      vscode.commands.registerCommand('scheduleInspector.compareWithLog', (uri?: vscode.Uri) => this.pick(uri)),
      vscode.commands.registerCommand('scheduleInspector.calibrateFromLog', (uri?: vscode.Uri) => this.calibrate(uri)),
      vscode.commands.registerCommand('scheduleInspector.resetCalibration', (uri?: vscode.Uri) =>
        this.resetCalibration(uri),
      ),
      vscode.commands.registerCommand('scheduleInspector.overlayTrace', (uri?: vscode.Uri) => this.pickTraces(uri)),
      this.measuredChanged,
    );
  }

  private documentOf(uri?: vscode.Uri): vscode.TextDocument | undefined {
    return uri
      ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())
      : vscode.window.activeTextEditor?.document;
  }

  private async pick(uri?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const document = this.documentOf(uri);
    if (!document) return undefined;
    const chosen = await vscode.window.showOpenDialog({
      title: 'Training log to compare with',
      canSelectMany: false,
      defaultUri: vscode.Uri.joinPath(document.uri, '..'),
      filters: { 'Training logs': ['log', 'txt', 'out'], 'All files': ['*'] },
    });
    if (!chosen?.[0]) return undefined;
    this.picked.set(document.uri.toString(), chosen[0]);
    const result = this.service.get(document);
    if (result) await this.refresh(document, result);
    return chosen[0];
  }

  /** "Overlay Profiler Trace…": one Chrome-trace JSON per rank, drawn over the panel's timeline. */
  private async pickTraces(uri?: vscode.Uri): Promise<number | undefined> {
    const document = this.documentOf(uri);
    if (!document) {
      void vscode.window.showInformationMessage('Schedule Inspector: open a launch script first.');
      return undefined;
    }
    const chosen = await vscode.window.showOpenDialog({
      title: 'PyTorch profiler traces to overlay (one per rank)',
      canSelectMany: true,
      defaultUri: vscode.Uri.joinPath(document.uri, '..'),
      filters: { 'Chrome trace JSON': ['json'], 'All files': ['*'] },
    });
    if (!chosen?.length) return undefined;
    this.pickedTraces.set(document.uri.toString(), chosen.slice(0, MAX_TRACE_FILES));
    const result = this.service.get(document);
    if (result) await this.refresh(document, result);
    const read = this.traces.get(document.uri.toString()) ?? [];
    const spans = read.reduce((n, t) => n + t.trace.spans.length, 0);
    const problems = read.flatMap((t) => t.trace.problems.map((p) => `${t.name}: ${p}`));
    const message = `Schedule Inspector: ${spans} forward/backward spans from ${read.length} trace${read.length === 1 ? '' : 's'}${chosen.length > MAX_TRACE_FILES ? ` (the first ${MAX_TRACE_FILES} files)` : ''}; open the timeline to see them.${problems.length ? ` ${problems.slice(0, 3).join('; ')}` : ''}`;
    if (spans === 0) void vscode.window.showWarningMessage(message);
    else void vscode.window.showInformationMessage(message);
    return spans;
  }

  /** The traces for this document: the picked ones, else those a trace= directive names that exist. */
  private async traceUrisFor(document: vscode.TextDocument): Promise<vscode.Uri[]> {
    const picked = this.pickedTraces.get(document.uri.toString());
    if (picked) return picked;
    const folder = vscode.Uri.joinPath(document.uri, '..');
    const out: vscode.Uri[] = [];
    for (const link of findTraceLinks(document.getText()).slice(0, MAX_TRACE_FILES)) {
      const uri = link.path.startsWith('/')
        ? document.uri.with({ path: link.path })
        : vscode.Uri.joinPath(folder, link.path);
      try {
        await vscode.workspace.fs.stat(uri);
        out.push(uri);
      } catch {
        // not written yet, or on the cluster
      }
    }
    return out;
  }

  /** Each trace parsed once per size and modification time; a file past the cap is left out and logged. */
  private async readTraces(uris: readonly vscode.Uri[]): Promise<{ name: string; trace: ChromeTrace }[]> {
    const out: { name: string; trace: ChromeTrace }[] = [];
    for (const uri of uris) {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.size > MAX_EDITOR_TRACE_BYTES) {
        this.output.warn(
          `profiler trace ${uri.fsPath} is ${stat.size} bytes; the editor reads up to ${MAX_EDITOR_TRACE_BYTES}`,
        );
        continue;
      }
      let cached = this.traceCache.get(uri.toString());
      if (!cached || cached.mtime !== stat.mtime || cached.size !== stat.size) {
        cached = { mtime: stat.mtime, size: stat.size, trace: await readTrace(uri) };
        this.traceCache.set(uri.toString(), cached);
      }
      out.push({ name: uri.path.split('/').pop() ?? uri.path, trace: cached.trace });
    }
    return out;
  }

  /**
   * What the panel shows beside its analysis of this document (`result`, which may be a what-if): the traces'
   * spans aligned on its simulated timeline and the log's per-stage peaks. Null when nothing is linked.
   */
  measuredFor(document: vscode.TextDocument, result: AnalysisResult): MeasuredPayload | null {
    const key = document.uri.toString();
    const traces = this.traces.get(key) ?? [];
    const entry = this.comparisons.get(key);
    let spans: ReturnType<typeof buildMeasuredSpans> = null;
    if (traces.length) {
      const memo = this.spansMemo.get(key);
      const analysisKey = measuredSpansKey(result);
      spans =
        memo && memo.traces === traces && memo.key === analysisKey ? memo.spans : buildMeasuredSpans(result, traces);
      this.spansMemo.set(key, { traces, key: analysisKey, spans });
    }
    const logName = entry ? (entry.log.path.split('/').pop() ?? entry.log.path) : '';
    const memory = entry
      ? buildMeasuredMemory(logName, entry.comparison.memory, result.config.pipelineParallel ?? 1)
      : null;
    const step = entry ? buildMeasuredStep(logName, entry.comparison, entry.schedule) : null;
    return spans || memory || step ? { spans, memory, step } : null;
  }

  /**
   * "Calibrate From Training Log": the document's log (asked for when it has none), the fit, and — when it fits —
   * the knobs stored and the document re-analysed with them. Returns the outcome (for the integration suite).
   */
  private async calibrate(uri?: vscode.Uri): Promise<CalibrationOutcome | undefined> {
    const document = this.documentOf(uri);
    if (!document) {
      void vscode.window.showInformationMessage('Schedule Inspector: open a launch script first.');
      return undefined;
    }
    const logUri = (await this.logFor(document)) ?? (await this.pick(document.uri));
    if (!logUri) return undefined;
    const log = await this.cachedLog(logUri, true);
    if (!log) return undefined;
    const name = vscode.workspace.asRelativePath(logUri, false);
    const options = { ...this.service.optionsFor(document), calibration: undefined };
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Schedule Inspector: calibrating from ${name}…` },
      () => Promise.resolve(calibrateFromLog(document.getText(), options, log, name)),
    );
    if (!outcome.ok) {
      void vscode.window.showWarningMessage(`Schedule Inspector: not calibrated — ${outcome.reasons.join('; ')}`);
      return outcome;
    }
    await this.storeCalibration(document, outcome.fit.knobs);
    const { before, after } = outcome.fit.predictedStepTimeMs;
    void vscode.window.showInformationMessage(
      `Schedule Inspector: calibrated from ${name}: ${calibrationKnobsText(outcome.fit.knobs)}. Predicted step ${formatDurationMs(before)} → ${formatDurationMs(after)}; every what-if of this file uses them.`,
    );
    return outcome;
  }

  private async resetCalibration(uri?: vscode.Uri): Promise<void> {
    const document = this.documentOf(uri);
    if (document && this.service.calibrationFor(document)) await this.storeCalibration(document, undefined);
  }

  private async storeCalibration(document: vscode.TextDocument, knobs: CalibrationKnobs | undefined): Promise<void> {
    const key = document.uri.toString();
    this.service.setCalibration(key, knobs);
    const stored = { ...(this.state.get<Record<string, unknown>>(CALIBRATIONS_KEY) ?? {}) };
    if (knobs) stored[key] = knobs;
    else delete stored[key];
    await this.state.update(CALIBRATIONS_KEY, stored);
    // The comparison is refreshed before the command returns, so the lens never shows the old prediction beside the
    // new calibration.
    const result = this.service.reanalyze(document);
    if (result) await this.refresh(document, result);
  }

  /** The parsed log, re-read only when its size or modification time changed; undefined past the editor's cap. */
  private async cachedLog(uri: vscode.Uri, interactive = false): Promise<MegatronLog | undefined> {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.size > MAX_EDITOR_LOG_BYTES) {
      const message = `training log ${uri.fsPath} is ${stat.size} bytes; the editor reads logs up to ${MAX_EDITOR_LOG_BYTES} (the CLI's --log reads more)`;
      this.output.warn(message);
      if (interactive) void vscode.window.showWarningMessage(`Schedule Inspector: ${message}`);
      return undefined;
    }
    let cached = this.logs.get(uri.toString());
    if (!cached || cached.mtime !== stat.mtime || cached.size !== stat.size) {
      cached = { mtime: stat.mtime, size: stat.size, log: await readLog(uri) };
      this.logs.set(uri.toString(), cached);
    }
    return cached.log;
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
    const before = this.measuredKey(key);
    try {
      await this.refreshTraces(document);
      const uri = await this.logFor(document);
      if (!uri) {
        if (this.comparisons.delete(key)) this.changed.fire();
        return;
      }
      const log = await this.cachedLog(uri);
      if (!log) return;
      this.comparisons.set(key, {
        log: uri,
        comparison: compareWithLog(result, log),
        schedule: result.selectedSchedule,
      });
      this.changed.fire();
    } catch (err) {
      this.output.warn(`training log for ${document.uri.fsPath}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      // The panel re-sends only when what it would draw changed (not on every re-analysis of an edit).
      if (this.measuredKey(key) !== before) this.measuredChanged.fire(key);
    }
  }

  private async refreshTraces(document: vscode.TextDocument): Promise<void> {
    const key = document.uri.toString();
    try {
      const uris = await this.traceUrisFor(document);
      const read = uris.length ? await this.readTraces(uris) : [];
      const old = this.traces.get(key);
      // The same parsed traces keep the same array, so the panel's span memo (measuredFor) holds across edits.
      const same = old?.length === read.length && read.every((t, i) => old[i]?.trace === t.trace);
      if (!uris.length) this.traces.delete(key);
      else if (!same) this.traces.set(key, read);
    } catch (err) {
      this.output.warn(
        `profiler trace for ${document.uri.fsPath}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /** Identity of the measured data held for a document (the parsed objects are replaced when a file changes). */
  private measuredKey(key: string): string {
    const c = this.comparisons.get(key);
    const memory = c
      ? JSON.stringify(c.comparison.memory.map((m) => [m.stage, m.measuredMaxAllocatedGiB, m.measuredMaxReservedGiB]))
      : '';
    const traces = (this.traces.get(key) ?? []).map((t) => `${t.name}:${t.trace.bytes}:${t.trace.spans.length}`);
    const step = c ? `${c.schedule ?? ''}:${c.comparison.steady.stepTimeMs ?? ''}` : '';
    return `${c?.log.toString() ?? ''}|${memory}|${step}|${traces.join(',')}`;
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
        const range = new vscode.Range(line, 0, line, 0);
        const knobs = this.service.calibrationFor(document);
        const calibration = knobs
          ? new vscode.CodeLens(range, {
              title: `$(check) ${this.calibrationState(knobs, result)} — reset`,
              tooltip: `${calibrationKnobsText(knobs)}. Click to reset to the model's own constants.`,
              command: 'scheduleInspector.resetCalibration',
              arguments: [document.uri],
            })
          : new vscode.CodeLens(range, {
              title: `Calibrate from ${name}`,
              tooltip:
                "Fit the cost model's GEMM efficiency, per-step overhead and memory overhead to this log's measured run; every later analysis and what-if of this file uses them.",
              command: 'scheduleInspector.calibrateFromLog',
              arguments: [document.uri],
            });
        return [
          new vscode.CodeLens(range, {
            title: comparisonTitle(entry.comparison, name),
            tooltip: `Predicted by the simulation of this file's schedule; measured over the steady iterations of ${entry.log.fsPath} (the first log line and the first iterations are warm-up and left out). Click to open the log.`,
            command: 'vscode.open',
            arguments: [entry.log],
          }),
          calibration,
        ];
      },
      [],
    );
  }

  /** "calibrated from logs/run.log", or why the calibration does not apply (it was measured on another GPU). */
  private calibrationState(knobs: CalibrationKnobs, result: AnalysisResult): string {
    return result.gpu.id === knobs.gpuId
      ? `calibrated from ${knobs.fromLog}`
      : `calibration from ${knobs.fromLog} is for ${knobs.gpuId}, not applied on ${result.gpu.id}`;
  }

  /** The comparison and the calibration in use, on the launch command's first line and on the log's path. */
  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    return guarded(
      this.output,
      'log comparison hover',
      () => {
        const result = this.service.get(document);
        const entry = this.comparisons.get(document.uri.toString());
        const knobs = this.service.calibrationFor(document);
        if (!result?.commandRange || (!entry && !knobs)) return undefined;
        const onCommand = toRange(result.commandRange, document).start.line === position.line;
        const link = findLogLinks(document.getText()).find((l) => toRange(l.range, document).contains(position));
        if (!onCommand && !link) return undefined;
        const md = new vscode.MarkdownString();
        if (entry) {
          const name = vscode.workspace.asRelativePath(entry.log, false);
          md.appendMarkdown(`**Measured** (${name}): ${comparisonHeadline(entry.comparison)}`);
          for (const m of entry.comparison.memory) md.appendMarkdown(`  \n${stageMemoryText(m)}`);
          if (entry.comparison.memoryNote) md.appendMarkdown(`  \n${entry.comparison.memoryNote}`);
        }
        if (knobs)
          md.appendMarkdown(
            `${entry ? '\n\n' : ''}${this.calibrationState(knobs, result)}: ${calibrationKnobsText(knobs)}`,
          );
        return new vscode.Hover(md);
      },
      undefined,
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
