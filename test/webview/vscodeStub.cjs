// A stub of the VS Code extension API: what activate() and the providers use, with a host that opens documents,
// asks the providers what a user would see (diagnostics, hover, inlay hints, code lenses, quick fixes, status bar,
// the timeline panel, commands) and reports it as plain JSON. One plain script for both runtimes of
// test/webview/webExtension.mjs: a web worker (importScripts, loading dist/web/extension.js as VS Code's web worker
// extension host does) and Node (the desktop bundle, for the parity check). It holds no analysis logic of its own.
// Wrapped in a function so that, loaded by importScripts, it leaves no globals for the bundle to collide with.
(function stubModule(root) {
  'use strict';

  function createVscodeStub() {
    const log = [];
    const settings = new Map();
    const files = new Map();
    const documents = [];
    const commands = new Map();
    const providers = { hover: [], inlay: [], lens: [], actions: [] };
    const collections = [];
    const statusItems = [];
    const panels = [];
    const messages = [];
    const host = { saveTarget: undefined };

    class Disposable {
      constructor(fn) {
        this.fn = fn;
      }
      static from(...ds) {
        return new Disposable(() => ds.forEach((d) => d.dispose()));
      }
      dispose() {
        this.fn?.();
        this.fn = undefined;
      }
    }
    class EventEmitter {
      listeners = new Set();
      event = (listener, thisArg) => {
        const l = thisArg ? listener.bind(thisArg) : listener;
        this.listeners.add(l);
        return new Disposable(() => this.listeners.delete(l));
      };
      fire(e) {
        for (const l of [...this.listeners]) l(e);
      }
      dispose() {
        this.listeners.clear();
      }
    }

    class Uri {
      constructor(scheme, authority, path, query = '', fragment = '') {
        Object.assign(this, { scheme, authority, path, query, fragment });
      }
      static parse(s) {
        const m = /^([a-zA-Z][\w+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(s);
        if (!m) throw new Error(`stub Uri.parse: ${s}`);
        return new Uri(m[1], m[2] ?? '', m[3], m[4] ?? '', m[5] ?? '');
      }
      static file(path) {
        return new Uri('file', '', path);
      }
      static joinPath(base, ...segments) {
        const parts = base.path.split('/');
        for (const seg of segments.flatMap((s) => s.split('/')))
          if (seg === '..') parts.pop();
          else if (seg && seg !== '.') parts.push(seg);
        return base.with({ path: parts.join('/') || '/' });
      }
      with(change) {
        const u = { ...this, ...change };
        return new Uri(u.scheme, u.authority, u.path, u.query, u.fragment);
      }
      get fsPath() {
        return this.path;
      }
      toString() {
        const q = this.query ? `?${this.query}` : '';
        const f = this.fragment ? `#${this.fragment}` : '';
        return this.scheme === 'untitled'
          ? `untitled:${this.path}`
          : `${this.scheme}://${this.authority}${this.path}${q}${f}`;
      }
      toJSON() {
        return this.toString();
      }
    }

    class Position {
      constructor(line, character) {
        this.line = line;
        this.character = character;
      }
      compareTo(o) {
        return this.line - o.line || this.character - o.character;
      }
      isEqual(o) {
        return this.compareTo(o) === 0;
      }
    }
    class Range {
      constructor(a, b, c, d) {
        [this.start, this.end] = a instanceof Position ? [a, b] : [new Position(a, b), new Position(c, d)];
      }
      contains(x) {
        if (x instanceof Range) return this.contains(x.start) && this.contains(x.end);
        return x.compareTo(this.start) >= 0 && x.compareTo(this.end) <= 0;
      }
      isEqual(o) {
        return this.start.isEqual(o.start) && this.end.isEqual(o.end);
      }
      toJSON() {
        return [this.start.line, this.start.character, this.end.line, this.end.character];
      }
    }

    class TextDocument {
      constructor(uri, languageId, text) {
        Object.assign(this, { uri, languageId, text, version: 1, isClosed: false });
      }
      get fileName() {
        return this.uri.path;
      }
      get isUntitled() {
        return this.uri.scheme === 'untitled';
      }
      get lines() {
        return this.text.split('\n');
      }
      get lineCount() {
        return this.lines.length;
      }
      offsetAt(p) {
        const lines = this.lines;
        let o = 0;
        for (let i = 0; i < p.line; i++) o += lines[i].length + 1;
        return o + p.character;
      }
      validatePosition(p) {
        const lines = this.lines;
        const line = Math.min(Math.max(0, p.line), lines.length - 1);
        return new Position(line, Math.min(Math.max(0, p.character), lines[line].length));
      }
      validateRange(r) {
        return new Range(this.validatePosition(r.start), this.validatePosition(r.end));
      }
      getText(range) {
        if (!range) return this.text;
        const r = this.validateRange(range);
        return this.text.slice(this.offsetAt(r.start), this.offsetAt(r.end));
      }
    }

    const onDidOpen = new EventEmitter();
    const onDidChange = new EventEmitter();
    const onDidClose = new EventEmitter();
    const onDidChangeConfiguration = new EventEmitter();
    const onDidChangeActiveEditor = new EventEmitter();
    let activeTextEditor;
    let untitled = 0;
    const cancellation = { isCancellationRequested: false, onCancellationRequested: () => new Disposable() };

    const window = {
      get activeTextEditor() {
        return activeTextEditor;
      },
      get visibleTextEditors() {
        return activeTextEditor ? [activeTextEditor] : [];
      },
      onDidChangeActiveTextEditor: onDidChangeActiveEditor.event,
      createOutputChannel: (name) => {
        const line = (level) => (msg) => log.push({ channel: name, level, msg: String(msg) });
        return {
          name,
          trace: line('trace'),
          debug: line('debug'),
          info: line('info'),
          warn: line('warn'),
          error: line('error'),
          append: line('append'),
          appendLine: line('append'),
          clear() {},
          show() {},
          dispose() {},
        };
      },
      createStatusBarItem: (id) => {
        const item = { id, visible: false, show: () => (item.visible = true), hide: () => (item.visible = false) };
        item.dispose = () => {};
        statusItems.push(item);
        return item;
      },
      showInformationMessage: async (m) => void messages.push({ level: 'info', m }),
      showWarningMessage: async (m) => void messages.push({ level: 'warning', m }),
      showErrorMessage: async (m) => void messages.push({ level: 'error', m }),
      showQuickPick: async () => undefined,
      showOpenDialog: async () => undefined,
      showSaveDialog: async () => host.saveTarget,
      showTextDocument: async (doc) => {
        activeTextEditor = { document: doc };
        onDidChangeActiveEditor.fire(activeTextEditor);
        return activeTextEditor;
      },
      createWebviewPanel: (viewType, title) => {
        const onMessage = new EventEmitter();
        const onDispose = new EventEmitter();
        const panel = {
          viewType,
          title,
          visible: true,
          posted: [],
          onDidChangeViewState: new EventEmitter().event,
          onDidDispose: onDispose.event,
          reveal() {},
          dispose: () => onDispose.fire(),
          webview: {
            html: '',
            options: {},
            cspSource: 'https://webview.stub',
            asWebviewUri: (u) => u.with({ scheme: 'https', authority: 'webview.stub' }),
            onDidReceiveMessage: onMessage.event,
            postMessage: async (m) => (panel.posted.push(m), true),
          },
          receive: (m) => onMessage.fire(m),
        };
        panels.push(panel);
        return panel;
      },
      registerWebviewPanelSerializer: () => new Disposable(),
    };

    const workspace = {
      get textDocuments() {
        return documents.filter((d) => !d.isClosed);
      },
      onDidOpenTextDocument: onDidOpen.event,
      onDidChangeTextDocument: onDidChange.event,
      onDidCloseTextDocument: onDidClose.event,
      onDidChangeConfiguration: onDidChangeConfiguration.event,
      getConfiguration: (section) => ({
        get: (key, def) => (settings.has(`${section}.${key}`) ? settings.get(`${section}.${key}`) : def),
        inspect: () => ({}),
        update: async (key, value) => {
          settings.set(`${section}.${key}`, value);
          onDidChangeConfiguration.fire({ affectsConfiguration: (s) => `${section}.${key}`.startsWith(s) });
        },
      }),
      asRelativePath: (u) => (typeof u === 'string' ? u : u.path.replace(/^\//, '')),
      fs: {
        readFile: async (u) => {
          const bytes = files.get(u.toString());
          if (!bytes) throw new Error(`stub fs: no file ${u.toString()}`);
          return bytes;
        },
        stat: async (u) => {
          const bytes = files.get(u.toString());
          if (!bytes) throw new Error(`stub fs: no file ${u.toString()}`);
          return { type: 1, size: bytes.length, mtime: 1, ctime: 1 };
        },
        writeFile: async (u, bytes) => void files.set(u.toString(), bytes),
        isWritableFileSystem: () => true,
      },
      openTextDocument: async (arg) => {
        if (arg instanceof Uri) {
          const open = documents.find((d) => !d.isClosed && d.uri.toString() === arg.toString());
          return (
            open ??
            hostApi.openDocument(arg.toString(), 'shellscript', new TextDecoder().decode(files.get(arg.toString())))
          );
        }
        return hostApi.openDocument(`untitled:Untitled-${++untitled}`, arg.language, arg.content ?? '');
      },
      applyEdit: async (edit) => {
        for (const [uri, edits] of edit.entries()) {
          const doc = documents.find((d) => !d.isClosed && d.uri.toString() === uri.toString());
          if (!doc) return false;
          const sorted = [...edits].sort((a, b) => doc.offsetAt(b.range.start) - doc.offsetAt(a.range.start));
          let text = doc.text;
          for (const e of sorted)
            text = text.slice(0, doc.offsetAt(e.range.start)) + e.newText + text.slice(doc.offsetAt(e.range.end));
          hostApi.setText(doc, text);
        }
        return true;
      },
    };

    const languages = {
      createDiagnosticCollection: (name) => {
        const map = new Map();
        const c = {
          name,
          set: (uri, diags) => void map.set(uri.toString(), diags),
          delete: (uri) => void map.delete(uri.toString()),
          get: (uri) => map.get(uri.toString()),
          dispose: () => map.clear(),
        };
        collections.push(c);
        return c;
      },
      registerHoverProvider: (_s, p) => (providers.hover.push(p), new Disposable()),
      registerInlayHintsProvider: (_s, p) => (providers.inlay.push(p), new Disposable()),
      registerCodeLensProvider: (_s, p) => (providers.lens.push(p), new Disposable()),
      registerCodeActionsProvider: (_s, p) => (providers.actions.push(p), new Disposable()),
    };

    class WorkspaceEdit {
      map = new Map();
      replace(uri, range, newText) {
        this.edits(uri).push(new TextEdit(range, newText));
      }
      set(uri, edits) {
        this.edits(uri).push(...edits);
      }
      edits(uri) {
        if (!this.map.has(uri.toString())) this.map.set(uri.toString(), { uri, edits: [] });
        return this.map.get(uri.toString()).edits;
      }
      entries() {
        return [...this.map.values()].map((e) => [e.uri, e.edits]);
      }
    }
    class TextEdit {
      constructor(range, newText) {
        Object.assign(this, { range, newText });
      }
    }
    class CodeActionKind {
      constructor(value) {
        this.value = value;
      }
      intersects(o) {
        return this.value === o.value || this.value.startsWith(`${o.value}.`) || o.value.startsWith(`${this.value}.`);
      }
      static QuickFix = new CodeActionKind('quickfix');
    }

    const vscode = {
      version: '1.90.0-stub',
      env: { appName: 'VS Code API stub', uiKind: 2, language: 'en' },
      UIKind: { Desktop: 1, Web: 2 },
      Disposable,
      EventEmitter,
      Uri,
      Position,
      Range,
      Location: class {
        constructor(uri, range) {
          Object.assign(this, { uri, range });
        }
      },
      Diagnostic: class {
        constructor(range, message, severity) {
          Object.assign(this, { range, message, severity });
        }
      },
      DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
      DiagnosticRelatedInformation: class {
        constructor(location, message) {
          Object.assign(this, { location, message });
        }
      },
      MarkdownString: class {
        constructor(value = '') {
          this.value = value;
        }
        appendMarkdown(s) {
          this.value += s;
          return this;
        }
      },
      Hover: class {
        constructor(contents, range) {
          Object.assign(this, { contents, range });
        }
      },
      InlayHint: class {
        constructor(position, label, kind) {
          Object.assign(this, { position, label, kind });
        }
      },
      CodeLens: class {
        constructor(range, command) {
          Object.assign(this, { range, command });
        }
      },
      CodeAction: class {
        constructor(title, kind) {
          Object.assign(this, { title, kind });
        }
      },
      CodeActionKind,
      WorkspaceEdit,
      TextEdit,
      ThemeColor: class {
        constructor(id) {
          this.id = id;
        }
      },
      StatusBarAlignment: { Left: 1, Right: 2 },
      ViewColumn: { Active: -1, Beside: -2, One: 1 },
      ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
      window,
      workspace,
      languages,
      commands: {
        registerCommand: (id, fn) => {
          if (commands.has(id)) throw new Error(`command ${id} registered twice`);
          commands.set(id, fn);
          return new Disposable(() => commands.delete(id));
        },
        executeCommand: async (id, ...args) => {
          const fn = commands.get(id);
          if (!fn) throw new Error(`stub: command ${id} not registered`);
          return fn(...args);
        },
      },
    };

    const hostApi = {
      vscode,
      host,
      log,
      files,
      commands,
      providers,
      statusItems,
      panels,
      messages,
      /** Opens (and shows) a document as VS Code does: the open event first, then the active editor change. */
      openDocument(uri, languageId, text) {
        const doc = new TextDocument(Uri.parse(uri), languageId, text);
        documents.push(doc);
        onDidOpen.fire(doc);
        activeTextEditor = { document: doc };
        onDidChangeActiveEditor.fire(activeTextEditor);
        return doc;
      },
      setText(doc, text) {
        doc.text = text;
        doc.version++;
        onDidChange.fire({ document: doc, contentChanges: [{ text }] });
      },
      diagnostics: (doc) => collections.flatMap((c) => c.get(doc.uri) ?? []),
      cancellation,
    };
    return hostApi;
  }

  const wait = (ms) => new Promise((r) => setTimeout(r, ms));

  /** Base64 of bytes, for ArrayBuffers in panel messages (the `$b64` marker of src/protocol/reportData.ts). */
  function toBase64(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }
  const encodeMessage = (m) =>
    JSON.parse(JSON.stringify(m, (_k, v) => (v instanceof ArrayBuffer ? { $b64: toBase64(new Uint8Array(v)) } : v)));

  function diagnosticView(d) {
    return {
      code: typeof d.code === 'object' ? d.code.value : d.code,
      help: typeof d.code === 'object' ? String(d.code.target) : undefined,
      severity: d.severity,
      source: d.source,
      message: d.message,
      range: d.range.toJSON(),
      related: (d.relatedInformation ?? []).map((r) => ({ message: r.message, range: r.location.range.toJSON() })),
    };
  }

  /**
   * Activates `extension` against a fresh stub, opens `example` (a launch script) from a GitHub-like virtual workspace
   * and reports what a user would see, step by step. `extensionFiles` are the extension's own files by path
   * (media/examples/…), read through workspace.fs as on the web.
   */
  async function runScenario(loadExtension, { example, extensionFiles }) {
    const stub = createVscodeStub();
    const { vscode } = stub;
    const extensionUri = vscode.Uri.parse('https://extension.stub/schedule-inspector');
    for (const [path, text] of Object.entries(extensionFiles))
      stub.files.set(vscode.Uri.joinPath(extensionUri, path).toString(), new TextEncoder().encode(text));
    const state = new Map();
    const memento = {
      get: (k, d) => (state.has(k) ? state.get(k) : d),
      update: async (k, v) => void state.set(k, v),
      keys: () => [...state.keys()],
    };
    const context = { subscriptions: [], extensionUri, workspaceState: memento, globalState: memento };
    const extension = loadExtension(vscode);
    const api = extension.activate(context);
    const report = { activated: typeof api?.service?.get === 'function' };

    const uri = 'vscode-vfs://github/example/launch-scripts/pretrain_seq1f1b.sh';
    const doc = stub.openDocument(uri, 'shellscript', example);
    await wait(50);
    report.see = await whatUserSees(stub, doc);
    // The panel before the edits below, so that it shows the example as written.
    report.panel = await panelScenario(stub, doc);

    // Make the example run out of memory (the walkthrough's step): PP_SP=1, then the quick fix.
    const line = example.split('\n').findIndex((l) => l.startsWith('PP_SP='));
    await vscode.workspace.applyEdit(oneLineEdit(vscode, doc, line, 'PP_SP=1'));
    await vscode.commands.executeCommand('scheduleInspector.analyze', doc.uri);
    const oom = stub.diagnostics(doc).find((d) => d.code?.value === 'oom-risk');
    report.oom = oom ? diagnosticView(oom) : null;
    const actions = oom ? await codeActions(stub, doc, oom) : [];
    report.oomActions = actions.map((a) => ({
      title: a.title,
      preferred: a.isPreferred,
      edits: a.edit.entries().flatMap(([, es]) => es.map((e) => ({ range: e.range.toJSON(), newText: e.newText }))),
    }));
    const preferred = actions.find((a) => a.isPreferred) ?? actions[0];
    if (preferred) {
      await vscode.workspace.applyEdit(preferred.edit);
      await vscode.commands.executeCommand('scheduleInspector.analyze', doc.uri);
    }
    report.afterFix = {
      codes: stub.diagnostics(doc).map((d) => d.code?.value),
      lens: (await lenses(stub, doc))[0]?.title,
    };

    report.example = await openExample(stub);
    // How long each analysis took in this runtime (the service's own trace lines); printed, never compared.
    report.analysedMs = stub.log.flatMap((l) => /^analysed .* in (\d+) ms/.exec(l.msg)?.[1] ?? []).map(Number);
    report.log = stub.log.filter((l) => l.level === 'error' || l.level === 'warn' || /^activated/.test(l.msg));
    report.messages = stub.messages;
    for (const d of context.subscriptions.splice(0)) d.dispose();
    return report;
  }

  function oneLineEdit(vscode, doc, line, text) {
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(line, 0, line, doc.lines[line].length), text);
    return edit;
  }

  async function codeActions(stub, doc, diag) {
    const context = { diagnostics: [diag], only: undefined, triggerKind: 1 };
    const out = [];
    for (const p of stub.providers.actions)
      out.push(...((await p.provideCodeActions(doc, diag.range, context, stub.cancellation)) ?? []));
    return out;
  }

  async function lenses(stub, doc) {
    const out = [];
    for (const p of stub.providers.lens)
      for (const l of (await p.provideCodeLenses(doc, stub.cancellation)) ?? []) {
        const resolved = l.command ? l : await p.resolveCodeLens(l, stub.cancellation);
        out.push({ range: resolved.range.toJSON(), title: resolved.command.title, command: resolved.command.command });
      }
    return out;
  }

  async function whatUserSees(stub, doc) {
    const { vscode } = stub;
    const whole = new vscode.Range(0, 0, doc.lineCount, 0);
    const hints = [];
    for (const p of stub.providers.inlay)
      for (const h of (await p.provideInlayHints(doc, whole, stub.cancellation)) ?? [])
        hints.push({ position: [h.position.line, h.position.character], label: h.label, tooltip: h.tooltip });
    const ppLine = doc.lines.findIndex((l) => l.includes('--pipeline-model-parallel-size'));
    const ppAt = new vscode.Position(ppLine, doc.lines[ppLine].indexOf('--pipeline') + 3);
    const hovers = [];
    for (const p of stub.providers.hover) {
      const h = await p.provideHover(doc, ppAt, stub.cancellation);
      if (h)
        hovers.push({ range: h.range.toJSON(), markdown: h.contents.value, trusted: h.contents.isTrusted === true });
    }
    const item = stub.statusItems.find((i) => i.id === 'scheduleInspector.status');
    return {
      diagnostics: stub.diagnostics(doc).map(diagnosticView),
      hints,
      hovers,
      lenses: await lenses(stub, doc),
      status: item && {
        visible: item.visible,
        text: item.text,
        tooltip: item.tooltip?.value,
        command: item.command?.command,
      },
    };
  }

  /** Open Timeline from the code lens; the webview says `ready`; then Export Trace and Save PNG from the webview. */
  async function panelScenario(stub, doc) {
    const { vscode } = stub;
    await vscode.commands.executeCommand('scheduleInspector.openTimeline', doc.uri);
    const panel = stub.panels[0];
    if (!panel) return null;
    panel.receive({ type: 'ready', protocolVersion: 1 });
    await wait(20);
    const html = panel.webview.html;
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? null;
    const nonce = /nonce-([^']+)'/.exec(csp ?? '')?.[1] ?? null;
    const result = {
      viewType: panel.viewType,
      title: panel.title,
      csp: nonce ? csp.replaceAll(nonce, 'NONCE') : csp,
      nonce,
    };
    result.posted = panel.posted.map(encodeMessage);
    stub.host.saveTarget = vscode.Uri.parse('vscode-vfs://github/example/launch-scripts/out.trace.json');
    panel.receive({ type: 'exportTrace', protocolVersion: 1, schedule: 'seq1f1b' });
    await wait(50);
    result.traceBytes = stub.files.get(stub.host.saveTarget.toString())?.length ?? 0;
    stub.host.saveTarget = vscode.Uri.parse('vscode-vfs://github/example/launch-scripts/out.png');
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    panel.receive({ type: 'savePng', protocolVersion: 1, pngBase64: toBase64(png) });
    await wait(50);
    result.pngBytes = [...(stub.files.get(stub.host.saveTarget.toString()) ?? [])];
    result.notices = panel.posted.filter((m) => m.type === 'notice').map((m) => m.text);
    return result;
  }

  async function openExample(stub) {
    const uri = await stub.vscode.commands.executeCommand('scheduleInspector.openExample');
    const doc = stub.vscode.window.activeTextEditor?.document;
    await wait(20);
    return {
      uri: String(uri),
      languageId: doc?.languageId,
      lines: doc?.lineCount,
      lens: (await lenses(stub, doc))[0]?.title,
    };
  }

  root.module.exports = { createVscodeStub, runScenario };
})(typeof module === 'object' ? { module } : globalThis);
