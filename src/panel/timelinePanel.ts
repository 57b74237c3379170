// The timeline webview panel (VS Code side): one panel that follows the active launch file and re-renders on
// every (debounced) re-analysis. Context is not retained when hidden; the webview persists its UI intent with
// setState, says `ready` on every load, and the host then (re)sends the current analysis. Nothing is posted
// before `ready` or while hidden (VS Code drops those messages); the latest state is sent when it comes back.
import * as vscode from 'vscode';
import { analyze, type AnalysisResult } from '../core/analyze';
import { planFlagEdit } from '../core/edits/planFlagEdit';
import { buildPerfettoTrace } from '../core/trace/perfetto';
import type { TextEdit } from '../core/types';
import {
  PROTOCOL_VERSION,
  isWebviewToHost,
  type HostToWebview,
  type Tab,
  type WhatIfOverrides,
} from '../protocol/messages';
import type { MeasuredPayload } from '../protocol/measured';
import { buildAnalysisMessage } from '../protocol/payload';
import type { AnalysisServiceApi } from '../service/types';
import { handleWebviewMessage, type HostEffects } from './hostMessages';
import { buildPageHtml, createNonce } from '../report/page';
import { SweepGate } from './sweepGate';

const TIMELINE_VIEW_TYPE = 'scheduleInspector.timeline';
/** workspaceState key of the followed document, so a revived panel (after a reload) shows the same file. */
const FOLLOWED_KEY = 'scheduleInspector.timeline.documentUri';

/** Measured data linked to a document (the log comparison lens holds it): trace spans and the log's memory. */
export interface MeasuredSource {
  measuredFor(document: vscode.TextDocument, result: AnalysisResult): MeasuredPayload | null;
  /** A document URI whose measured data changed. */
  readonly onDidChangeMeasured: vscode.Event<string>;
}

export function registerTimelinePanel(
  context: vscode.ExtensionContext,
  service: AnalysisServiceApi,
  log: vscode.LogOutputChannel,
  measured?: MeasuredSource,
): void {
  const manager = new TimelinePanelManager(context, service, log, measured);
  context.subscriptions.push(
    manager,
    vscode.commands.registerCommand('scheduleInspector.openTimeline', (arg?: unknown) =>
      manager.open('timeline', asUri(arg)),
    ),
    vscode.commands.registerCommand('scheduleInspector.compareSchedules', (arg?: unknown) =>
      manager.open('compare', asUri(arg)),
    ),
    vscode.commands.registerCommand('scheduleInspector.exportTrace', (arg?: unknown) =>
      manager.exportTrace(asUri(arg)),
    ),
    vscode.window.registerWebviewPanelSerializer(TIMELINE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, _state: unknown) => manager.revive(panel),
    }),
  );
}

/** Commands get a Uri from code lenses and the status bar, or nothing from the palette; anything else is ignored. */
function asUri(arg: unknown): vscode.Uri | undefined {
  return arg instanceof vscode.Uri ? arg : undefined;
}

function toRange(r: TextEdit['range']): vscode.Range {
  return new vscode.Range(r.line, r.column, r.endLine, r.endColumn);
}

class TimelinePanelManager implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private documentUri: string | undefined;
  private overrides: WhatIfOverrides = {};
  private ready = false;
  /** Something changed while the webview could not receive it; resend on `ready` / when visible. */
  private stale = false;
  private pendingTab: Tab | undefined;
  /** One per panel: a new panel (or a revived one) starts with no sweep in flight. */
  private sweeps = new SweepGate();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly service: AnalysisServiceApi,
    private readonly log: vscode.LogOutputChannel,
    private readonly measured: MeasuredSource | undefined,
  ) {
    this.documentUri = context.workspaceState.get<string>(FOLLOWED_KEY);
    if (measured)
      this.disposables.push(
        measured.onDidChangeMeasured((uri) => {
          if (this.panel && uri === this.documentUri) this.sendAnalysis();
        }),
      );
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (!this.panel || !editor) return;
        const uri = editor.document.uri.toString();
        if (uri === this.documentUri || !this.service.get(editor.document)?.isLaunchConfig) return;
        this.follow(editor.document);
      }),
      service.onDidAnalyze((e) => {
        if (this.panel && e.document.uri.toString() === this.documentUri) this.sendAnalysis();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (this.panel && d.uri.toString() === this.documentUri) this.sendAnalysis();
      }),
    );
  }

  open(tab: Tab, uri: vscode.Uri | undefined): void {
    const doc = this.pickDocument(uri);
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(
        TIMELINE_VIEW_TYPE,
        'Schedule Timeline',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        this.panelOptions(),
      );
      this.attach(panel);
    } else {
      this.panel.reveal(undefined, true);
    }
    if (doc) this.follow(doc);
    else this.sendAnalysis();
    this.pendingTab = tab;
    this.flushTab();
  }

  revive(panel: vscode.WebviewPanel): void {
    this.panel?.dispose();
    // Options are reset on revive so the resource roots match this installation's paths.
    panel.webview.options = this.panelOptions();
    this.attach(panel);
    const doc = this.findDocument(this.documentUri) ?? this.pickDocument(undefined);
    if (doc) this.follow(doc);
  }

  async exportTrace(uri: vscode.Uri | undefined): Promise<void> {
    const doc = this.pickDocument(uri) ?? this.findDocument(this.documentUri);
    const result = doc ? this.service.get(doc) : undefined;
    if (!doc || !result?.isLaunchConfig) {
      void vscode.window.showInformationMessage(
        'Schedule Inspector: open a Megatron launch script to export its trace.',
      );
      return;
    }
    const trace = buildPerfettoTrace(result);
    if (trace.traceEvents.length === 0) {
      void vscode.window.showWarningMessage(
        `Schedule Inspector: nothing to export (${String(trace.metadata['note'] ?? 'no timeline')}).`,
      );
      return;
    }
    await this.saveBytes('trace', new TextEncoder().encode(JSON.stringify(trace)), doc);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private panelOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    const root = this.context.extensionUri;
    return {
      enableScripts: true,
      enableFindWidget: false,
      // Context is rebuilt from setState + a fresh analysis; retaining it would cost memory for nothing.
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(root, 'dist', 'webview'), vscode.Uri.joinPath(root, 'media')],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.ready = false;
    this.sweeps.cancel();
    this.sweeps = new SweepGate();
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'timeline.svg');
    const webview = panel.webview;
    const root = this.context.extensionUri;
    webview.html = buildPageHtml({
      kind: 'webview',
      nonce: createNonce(),
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview', 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'media', 'webview.css')).toString(),
    });
    this.panelDisposables.push(
      webview.onDidReceiveMessage((raw: unknown) => this.onMessage(raw)),
      panel.onDidChangeViewState(() => {
        // A hidden panel without retained context reloads and says `ready` again; a visible one may just need the update.
        if (panel.visible && this.ready && this.stale) this.sendAnalysis();
        // "Compare Schedules" on a panel that was in the background asks for its tab once it is visible.
        if (panel.visible) this.flushTab();
      }),
      panel.onDidDispose(() => {
        this.panel = undefined;
        this.ready = false;
        this.sweeps.cancel();
        for (const d of this.panelDisposables.splice(0)) d.dispose();
      }),
    );
  }

  private onMessage(raw: unknown): void {
    if (isWebviewToHost(raw) && raw.type === 'ready') {
      this.ready = true;
      this.sendAnalysis();
      this.flushTab();
      return;
    }
    void handleWebviewMessage(raw, this.effects());
  }

  private effects(): HostEffects {
    return {
      log: this.log,
      post: (msg) => this.post(msg),
      analyze: (overrides) => this.analyzeFollowed(overrides),
      documentText: () => {
        const doc = this.findDocument(this.documentUri);
        const result = doc ? this.service.get(doc) : undefined;
        return doc && result ? { text: doc.getText(), result } : undefined;
      },
      planFlagEdit: (text, read, flag, value) => planFlagEdit(text, read, flag, value),
      applyEdits: async (edits) => {
        const doc = this.findDocument(this.documentUri);
        if (!doc) return false;
        const edit = new vscode.WorkspaceEdit();
        for (const e of edits) edit.replace(doc.uri, toRange(e.range), e.newText);
        return vscode.workspace.applyEdit(edit);
      },
      saveFile: (kind, bytes) => {
        const doc = this.findDocument(this.documentUri);
        return this.saveBytes(kind, bytes, doc);
      },
      setOverrides: (overrides) => {
        this.overrides = overrides;
        this.sendAnalysis();
      },
      currentOverrides: () => ({ ...this.overrides }),
      sweeps: this.sweeps,
    };
  }

  /** Save dialog next to the launch file; the path comes from the user, never from the webview. */
  private async saveBytes(
    kind: 'trace' | 'png',
    bytes: Uint8Array,
    doc: vscode.TextDocument | undefined,
  ): Promise<string | undefined> {
    const ext = kind === 'trace' ? 'trace.json' : 'timeline.png';
    // Next to the launch file wherever it can be written (on disk or in a writable virtual workspace); a read-only
    // or untitled document leaves the dialog at its default.
    const base =
      doc && (doc.uri.scheme === 'file' || vscode.workspace.fs.isWritableFileSystem(doc.uri.scheme) === true)
        ? vscode.Uri.joinPath(
            doc.uri,
            '..',
            `${
              doc.uri.path
                .split('/')
                .pop()
                ?.replace(/\.[^.]*$/, '') ?? 'schedule'
            }.${ext}`,
          )
        : undefined;
    const target = await vscode.window.showSaveDialog({
      ...(base && { defaultUri: base }),
      filters: kind === 'trace' ? { 'Perfetto / Chrome trace': ['json'] } : { 'PNG image': ['png'] },
      saveLabel: kind === 'trace' ? 'Export trace' : 'Save PNG',
    });
    if (!target) return undefined;
    await vscode.workspace.fs.writeFile(target, bytes);
    this.log.info(`saved ${kind} to ${target.fsPath} (${bytes.length} bytes)`);
    return target.fsPath;
  }

  private analyzeFollowed(overrides: WhatIfOverrides): AnalysisResult | undefined {
    const doc = this.findDocument(this.documentUri);
    if (!doc) return undefined;
    const { gpuId, ...rest } = overrides;
    if (gpuId !== undefined) {
      // The service's what-if keeps the configured GPU; a GPU what-if runs the pure core directly.
      if (!this.service.get(doc)) return undefined;
      return analyze(doc.getText(), { ...this.service.options(), fileName: doc.fileName, gpuId, overrides: rest });
    }
    return Object.keys(rest).length ? this.service.analyzeWhatIf(doc, rest) : this.service.get(doc);
  }

  private follow(doc: vscode.TextDocument): void {
    const uri = doc.uri.toString();
    if (uri !== this.documentUri) {
      this.documentUri = uri;
      this.overrides = {};
      void this.context.workspaceState.update(FOLLOWED_KEY, uri);
    }
    this.sendAnalysis();
  }

  private sendAnalysis(): void {
    // A new analysis (edit, what-if, other document) makes a running sweep's points describe the old one; the
    // webview asks again after this analysis when it shows the Compare tab.
    this.sweeps.cancel();
    // A webview that cannot receive gets everything again on `ready` / when shown; do not analyse for nothing.
    if (!this.panel || !this.ready || !this.panel.visible) {
      this.stale = true;
      return;
    }
    const doc = this.findDocument(this.documentUri);
    if (!doc) {
      this.post({
        type: 'noAnalysis',
        protocolVersion: PROTOCOL_VERSION,
        reason: 'Open a Megatron-LM / Seq1F1B launch script to see its pipeline timeline.',
      });
      return;
    }
    const t0 = Date.now();
    let result: AnalysisResult | undefined;
    try {
      result = this.analyzeFollowed(this.overrides);
    } catch (err) {
      this.log.error(`timeline: analysis failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    if (!result?.isLaunchConfig) {
      this.post({
        type: 'noAnalysis',
        protocolVersion: PROTOCOL_VERSION,
        reason: `${doc.uri.path.split('/').pop() ?? 'This file'} does not look like a Megatron launch script.`,
      });
      return;
    }
    const msg = buildAnalysisMessage(result, {
      fileName: doc.uri.path.split('/').pop() ?? doc.fileName,
      overrides: this.overrides,
      canApply: !doc.isClosed,
      canWhatIf: true,
    });
    try {
      msg.header.measured = this.measured?.measuredFor(doc, result) ?? null;
    } catch (err) {
      // Measured data is an extra: a bug there must not cost the panel its analysis.
      this.log.error(
        `timeline: measured data failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    }
    this.post(msg);
    this.log.trace(
      `timeline: sent analysis (${msg.buffers.reduce((s, b) => s + b.byteLength, 0)} bytes packed) in ${Date.now() - t0} ms`,
    );
  }

  private flushTab(): void {
    if (this.pendingTab && this.ready && this.panel?.visible) {
      this.post({ type: 'showTab', protocolVersion: PROTOCOL_VERSION, tab: this.pendingTab });
      this.pendingTab = undefined;
    }
  }

  private post(msg: HostToWebview): void {
    if (!this.panel || !this.ready || !this.panel.visible) {
      this.stale = true;
      return;
    }
    this.stale = false;
    void this.panel.webview.postMessage(msg).then((delivered) => {
      if (!delivered) this.stale = true;
    });
  }

  private pickDocument(uri: vscode.Uri | undefined): vscode.TextDocument | undefined {
    if (uri) return this.findDocument(uri.toString());
    const active = vscode.window.activeTextEditor?.document;
    if (active && this.service.get(active)?.isLaunchConfig) return active;
    return vscode.window.visibleTextEditors.map((e) => e.document).find((d) => this.service.get(d)?.isLaunchConfig);
  }

  private findDocument(uri: string | undefined): vscode.TextDocument | undefined {
    return uri ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri && !d.isClosed) : undefined;
  }
}
