// The one place that runs the core on open documents. Providers and the panel read from here; nothing else
// parses launch scripts. Results are cached by URI + document version, re-analysis on typing is debounced
// (trailing edge), and a result is never published for a version the document has already left.
// Two scopes (issue 16): an edit is analysed with scope 'edit' (the file's own schedule, bounded work); once the user
// pauses for IDLE_MS the same version is analysed in full (every schedule, bubble hint, sweep) and published again.
// The next edit cancels a full analysis that has not started. Opening a file, the Analyze command and a settings
// change analyse in full at once.
import * as vscode from 'vscode';
import { analyze, type AnalysisResult, type AnalyzeOptions, type CalibrationKnobs } from '../core/analyze';
import {
  analysisFileName,
  isCandidateLanguage,
  looksLikeLaunch,
  MAX_ANALYSED_CHARS,
  MAX_ANALYSED_LINES,
} from '../settings/documents';
import { readAnalyzeOptions } from '../settings/read';
import { SECTION } from '../settings/schema';
import { IdleRunner } from './idle';
import type { AnalysisEvent, AnalysisServiceApi } from './types';

const DEBOUNCE_MS = 250;
/** Pause after the edit-path result before the full analysis of that version runs. */
const IDLE_MS = 750;

interface CacheEntry {
  version: number;
  /** Undefined when the document was looked at and is not a launch config. */
  result: AnalysisResult | undefined;
  /** What listeners have not been told yet (analysis done by a synchronous get() between debounces). */
  unpublished: AnalysisResult | undefined;
  /** 'edit' until the full analysis of this version has run. */
  scope: Scope;
}

type Scope = 'edit' | 'full';

export class AnalysisService implements AnalysisServiceApi, vscode.Disposable {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly idle = new IdleRunner(IDLE_MS);
  private readonly emitter = new vscode.EventEmitter<AnalysisEvent>();
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  private currentOptions: AnalyzeOptions;
  /** Issue 19: knobs fitted from a training log, by document URI (editor/logComparisonLens.ts sets and stores them). */
  private readonly calibrations = new Map<string, CalibrationKnobs>();

  readonly onDidAnalyze = this.emitter.event;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly analyzeFn: (text: string, options: AnalyzeOptions) => AnalysisResult = analyze,
  ) {
    this.currentOptions = readAnalyzeOptions();
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.refresh(d, 'full')),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) this.schedule(e.document);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SECTION)) this.onSettingsChanged();
      }),
    );
  }

  /** Analyse documents that were already open when the extension activated (activation follows their opening). */
  analyzeOpenDocuments(): void {
    for (const d of vscode.workspace.textDocuments) this.refresh(d, 'full');
  }

  options(): AnalyzeOptions {
    return { ...this.currentOptions };
  }

  /** The current version's result: the full one when it has run, else the edit path's (the full one follows on idle). */
  get(document: vscode.TextDocument): AnalysisResult | undefined {
    const entry = this.run(document, 'edit');
    if (entry.scope === 'edit' && !this.idle.pending(document.uri.toString())) this.deferFull(document);
    return entry.result;
  }

  analyzeWhatIf(
    document: vscode.TextDocument,
    overrides: NonNullable<AnalyzeOptions['overrides']>,
  ): AnalysisResult | undefined {
    if (!this.get(document)) return undefined;
    return this.safeAnalyze(document, document.getText(), { ...this.optionsFor(document), overrides });
  }

  /** analyze() on edited text with the document's options, selected schedule only; for hover what-ifs. Never cached. */
  analyzeText(document: vscode.TextDocument, text: string): AnalysisResult | undefined {
    return this.safeAnalyze(document, text, { ...this.optionsFor(document), scope: 'selected' });
  }

  optionsFor(document: vscode.TextDocument): AnalyzeOptions {
    const calibration = this.calibrations.get(document.uri.toString());
    return {
      ...this.currentOptions,
      fileName: analysisFileName(document.fileName, document.languageId),
      ...(calibration && { calibration }),
    };
  }

  /** Sets (or, undefined, clears) a document's calibration; the caller re-analyses the document if it is open. */
  setCalibration(uri: string, knobs: CalibrationKnobs | undefined): void {
    if (knobs) this.calibrations.set(uri, knobs);
    else this.calibrations.delete(uri);
    this.cache.delete(uri);
  }

  calibrationFor(document: vscode.TextDocument): CalibrationKnobs | undefined {
    return this.calibrations.get(document.uri.toString());
  }

  /** Re-analyse now (the Analyze command), bypassing the debounce. */
  reanalyze(document: vscode.TextDocument): AnalysisResult | undefined {
    this.cancelTimer(document.uri.toString());
    this.cache.delete(document.uri.toString());
    return this.refresh(document, 'full');
  }

  /** Analyses if needed and tells listeners about anything they have not seen yet. */
  private refresh(document: vscode.TextDocument, scope: Scope): AnalysisResult | undefined {
    const entry = this.run(document, scope);
    const event = entry.unpublished;
    entry.unpublished = undefined;
    if (event) {
      try {
        this.emitter.fire({ document, result: event });
      } catch (err) {
        this.log.error(`listener failed for ${document.uri.toString(true)}: ${String(err)}`);
      }
    }
    return entry.result;
  }

  private schedule(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    // A document we never analysed and that does not look like a launch stays free: no timer per keystroke.
    if (!this.cache.get(key)?.result && !this.isCandidate(document)) return;
    this.cancelTimer(key);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (document.isClosed) return;
        const result = this.refresh(document, 'edit');
        if (result && this.cache.get(key)?.scope === 'edit') this.deferFull(document);
      }, DEBOUNCE_MS),
    );
  }

  /** The full analysis of the version now cached, once the user has paused; a newer edit cancels it (schedule()). */
  private deferFull(document: vscode.TextDocument): void {
    const version = document.version;
    this.idle.schedule(document.uri.toString(), () => {
      if (!document.isClosed && document.version === version) this.refresh(document, 'full');
    });
  }

  /** The cache entry for the document's current version, analysing it in `scope` if it has no result that wide. */
  private run(document: vscode.TextDocument, scope: Scope): CacheEntry {
    const key = document.uri.toString();
    const cached = this.cache.get(key);
    // Versions only grow; a late request for an older version must not replace a newer result.
    if (cached && (cached.version > document.version || (cached.version === document.version && covers(cached, scope))))
      return cached;
    const raw = this.isCandidate(document)
      ? this.safeAnalyze(document, document.getText(), { ...this.optionsFor(document), scope })
      : undefined;
    const result = raw?.isLaunchConfig ? raw : undefined;
    let unpublished: AnalysisResult | undefined = result;
    // Something shown before must be cleared: listeners get a non-launch result for this document.
    if (!result && (cached?.result || cached?.unpublished))
      unpublished = raw ?? this.safeAnalyze(document, '', this.optionsFor(document));
    // A document that is not a launch has nothing more to analyse in full.
    const entry: CacheEntry = { version: document.version, result, unpublished, scope: result ? scope : 'full' };
    this.cache.set(key, entry);
    return entry;
  }

  private isCandidate(document: vscode.TextDocument): boolean {
    if (!isCandidateLanguage(document.languageId, document.fileName)) return false;
    if (document.uri.scheme === 'output' || document.uri.scheme === 'git') return false;
    // getText() on a huge file is itself a cost; launch configs are kilobytes.
    if (document.lineCount > MAX_ANALYSED_LINES) return false;
    const text = document.getText();
    return text.length <= MAX_ANALYSED_CHARS && looksLikeLaunch(text);
  }

  private safeAnalyze(
    document: vscode.TextDocument,
    text: string,
    options: AnalyzeOptions,
  ): AnalysisResult | undefined {
    const t0 = Date.now();
    try {
      const result = this.analyzeFn(text, options);
      const ms = Date.now() - t0;
      this.log.trace(
        `analysed ${document.uri.toString(true)} v${document.version} in ${ms} ms (read ${result.timingsMs.read.toFixed(1)}, schedules ${result.timingsMs.schedules.toFixed(1)}, memory ${result.timingsMs.memory.toFixed(1)})`,
      );
      return result;
    } catch (err) {
      // analyze() promises not to throw on user input; if it does, that is our bug, not the user's.
      this.log.error(
        `analysis failed for ${document.uri.toString(true)}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      return undefined;
    }
  }

  private onSettingsChanged(): void {
    const next = readAnalyzeOptions();
    // Display-only settings (inlay hints on/off) do not change any result: no re-analysis for them.
    if (JSON.stringify(next) === JSON.stringify(this.currentOptions)) return;
    this.currentOptions = next;
    this.log.info(`settings changed: ${JSON.stringify(this.currentOptions)}`);
    const docs = vscode.workspace.textDocuments.filter((d) => this.cache.has(d.uri.toString()));
    this.cache.clear();
    for (const d of docs) {
      this.cancelTimer(d.uri.toString());
      this.refresh(d, 'full');
    }
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    this.cancelTimer(key);
    this.cache.delete(key);
  }

  private cancelTimer(key: string): void {
    const t = this.timers.get(key);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(key);
    this.idle.cancel(key);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.idle.dispose();
    this.cache.clear();
    for (const d of this.disposables) d.dispose();
  }
}

/** A cached result serves a request when it is as wide: a full analysis serves both scopes, an edit one only edits. */
function covers(entry: CacheEntry, scope: Scope): boolean {
  return entry.scope === 'full' || scope === 'edit';
}
