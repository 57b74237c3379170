// The webview application: builds the page, validates every incoming message, keeps the UI state, and wires
// the controls (what-ifs go to the host; nothing here touches the launch file).
import { SCHEDULE_NAMES, type ScheduleName, type SplitStrategy } from '../src/core/types';
import {
  LIMITS,
  PROTOCOL_VERSION,
  STRATEGIES,
  SWEEP_SPLITS,
  isHostToWebview,
  type AnalysisHeader,
  type AnalysisMessage,
  type HostToWebview,
  type ScheduleHeader,
  type Tab,
  type WebviewToHost,
} from '../src/protocol/messages';
import { measuredSummarySuffix } from '../src/protocol/measured';
import { unpackTimeline, type TimelineArrays } from '../src/protocol/pack';
import type { ChartTheme } from './charts';
import { CompareView } from './compare/compareView';
import type { HostContext } from './host';
import { PeakBarsChart } from './memoryView/memoryCharts';
import { MemoryOverTimeChart } from './memoryView/memoryOverTime';
import { div, followBrowserTheme, legend, renderHelp, renderStepTime, seq1f1bApplies, summaryLine } from './parts';
import { restoreUiState, type UiState } from './state';
import { observeTheme, paintLegendSwatches, readThemeColors, type ThemeColors } from './theme';
import { lastEndMs } from './timeline/layout';
import { overlayLegend, spansEndMs } from './timeline/overlay';
import { TimelineView } from './timeline/timelineView';
import { VocabRuns } from './timeline/vocabLegend';
import {
  button,
  dropdown,
  integerField,
  registerControls,
  tabs,
  type Control,
  type Dropdown,
  type Tabs,
} from './ui/controls';

/** Controls fire on every keystroke-commit; wait this long so a burst of changes costs one simulation. */
const WHAT_IF_DEBOUNCE_MS = 120;
const LANE_HEIGHT_PX = 24;

/** The toolbar: schedule choice, the what-if fields, and the actions. */
interface Controls {
  schedule: Dropdown;
  splits: Control<number>;
  strategy: Dropdown;
  gpu: Dropdown;
  microbatches: Control<number>;
  apply: Control<void>;
  reset: Control<void>;
  trace: Control<void>;
  png: Control<void>;
}

export class App {
  private ui: UiState;
  private header: AnalysisHeader | null = null;
  private timelines = new Map<ScheduleName, TimelineArrays>();
  private colors: ThemeColors | null = null;
  private sweepRequestId = 0;
  private whatIfTimer = 0;
  /** Messages that failed validation (exposed for tests and for the developer console). */
  rejectedMessages = 0;
  /** Time from receiving an analysis to the timeline's first paint of it, ms (read by the bench). */
  lastAnalysisPaintMs = 0;
  /** Where that time went: unpacking and validating the buffers, and the first layout + draw. */
  lastAnalysisUnpackMs = 0;
  /** The compare view's update for the latest analysis, while it waits for the frame after the timeline. */
  private pendingCompare: (() => void) | null = null;

  readonly timeline: TimelineView;
  private readonly memoryChart: MemoryOverTimeChart;
  private readonly peakChart: PeakBarsChart;
  private readonly compare: CompareView;
  private readonly tabs: Tabs;
  private readonly title = div('si-title');
  private readonly status = div('si-status');
  private readonly notice = div('si-notice');
  /** True while the notice reports corrupt data from the last analysis, the only notice an analysis may clear. */
  private noticeFromAnalysis = false;
  private readonly summary = div('si-summary');
  private readonly stepTime = div('si-steptime');
  private readonly help = div('si-help');
  /** The measured-spans legend and toggle (issue 19), empty when no trace is linked. */
  private readonly overlayBox = div('si-overlay-box');
  /** Whether measured spans are drawn (the toggle); kept for the session, on by default. */
  private overlayShown = true;
  /** D (issue 18): vocabulary-parallel runs, their legend row and the plain-1F1B toggle. */
  private readonly vocab = new VocabRuns(() => this.renderSchedule());
  private readonly emptyNote = div('si-empty');
  private readonly memoryNote = div('si-note');
  private readonly ctl: Controls;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: HostContext,
  ) {
    registerControls();
    this.ui = restoreUiState(host.getState());
    // The report has no VS Code theme: it follows the browser's colour-scheme and contrast preferences.
    if (!host.connected) followBrowserTheme();

    const header = div('si-header');
    header.append(this.title, this.status);
    const controls = div('si-controls');
    this.ctl = this.createControls();
    // The standalone report has no host to simulate a what-if, write the file or save a trace: it gets only the
    // controls that work there (choosing among the simulated schedules, and a PNG it downloads itself), never
    // disabled ones that can do nothing (issue 17).
    const c = this.ctl;
    const hostOnly = host.connected ? [c.splits, c.strategy, c.gpu, c.microbatches, c.apply, c.reset, c.trace] : [];
    controls.append(c.schedule.element, ...hostOnly.map((x) => x.element), c.png.element);

    const timelineTab = div('si-tab');
    const timelineBox = div('si-timeline');
    const memTimeBox = div('si-chart-box si-memtime');
    const memTimeCanvas = document.createElement('canvas');
    memTimeBox.append(memTimeCanvas);
    const key = legend();
    timelineTab.append(this.summary, this.stepTime, key, this.help, this.emptyNote, timelineBox, memTimeBox);
    key.after(this.overlayBox, this.vocab.box);
    const memoryTab = div('si-tab');
    const peaksBox = div('si-chart-box si-peaks');
    const peaksCanvas = document.createElement('canvas');
    peaksBox.append(peaksCanvas);
    memoryTab.append(this.memoryNote, peaksBox);
    this.compare = new CompareView();

    this.timeline = new TimelineView(timelineBox, {
      interactive: true,
      laneHeightPx: LANE_HEIGHT_PX,
      showAxis: true,
      showLabels: true,
    });
    this.memoryChart = new MemoryOverTimeChart(memTimeCanvas);
    this.peakChart = new PeakBarsChart(peaksCanvas);
    this.tabs = tabs(
      [
        { id: 'timeline', label: 'Timeline', content: timelineTab },
        { id: 'memory', label: 'Memory', content: memoryTab },
        { id: 'compare', label: 'Compare', content: this.compare.element },
      ],
      this.ui.tab,
      (id) => this.onTab(id as Tab),
    );
    this.notice.hidden = true;
    this.root.append(header, controls, this.notice, this.tabs.element);

    this.timeline.onViewportChange = (vp) => {
      this.memoryChart.setRange(vp);
      this.ui.viewport = vp;
      this.saveStateSoon();
    };
    this.timeline.onHighlightChange = (mb) => {
      this.ui.highlightMicrobatch = mb;
      this.saveState();
    };
    this.compare.onSelect = (s) => this.onScheduleChosen(s);
    this.applyTheme();
    observeTheme(() => this.applyTheme());
    this.setControlsEnabled(false);
    this.showEmpty('Waiting for an analysis…');

    host.onMessage((data) => this.receive(data));
    this.post({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
  }

  /** The toolbar's controls, wired to their handlers; syncControls fills in the GPU list and the analysed values. */
  private createControls(): Controls {
    return {
      schedule: dropdown(
        'si-schedule',
        'Schedule',
        SCHEDULE_NAMES.map((s) => ({ value: s, label: s })),
        this.ui.schedule ?? 'seq1f1b',
        (v) => this.onScheduleChosen(v as ScheduleName),
      ),
      splits: integerField('si-splits', 'k', this.ui.overrides.splits ?? 1, 1, LIMITS.maxSplits, (k) =>
        this.setOverride({ splits: k }),
      ),
      strategy: dropdown(
        'si-strategy',
        'Strategy',
        STRATEGIES.map((s) => ({ value: s, label: s })),
        this.ui.overrides.strategy ?? 'average',
        (v) => this.setOverride({ strategy: v as SplitStrategy }),
      ),
      gpu: dropdown('si-gpu', 'GPU', [], '', (v) => this.setOverride({ gpuId: v })),
      microbatches: integerField(
        'si-microbatches',
        'Microbatches',
        this.ui.overrides.microbatches ?? 1,
        1,
        LIMITS.maxMicrobatches,
        (m) => this.setOverride({ microbatches: m }),
      ),
      apply: button('si-apply', 'Apply to file', () =>
        this.post({ type: 'applyToFile', protocolVersion: PROTOCOL_VERSION, overrides: this.ui.overrides }),
      ),
      reset: button(
        'si-reset',
        'Reset what-if',
        () => {
          this.ui.overrides = {};
          this.saveState();
          this.requestWhatIf();
        },
        true,
      ),
      trace: button(
        'si-trace',
        'Export trace',
        () => this.post({ type: 'exportTrace', protocolVersion: PROTOCOL_VERSION, schedule: this.currentSchedule() }),
        true,
      ),
      png: button('si-png', 'Save PNG', () => this.savePng(), true),
    };
  }

  receive(data: unknown): void {
    if (!isHostToWebview(data)) {
      this.rejectedMessages++;
      console.warn('[schedule-inspector] rejected a malformed message from the host');
      return;
    }
    this.handle(data);
  }

  private handle(msg: HostToWebview): void {
    switch (msg.type) {
      case 'analysis':
        this.onAnalysis(msg);
        break;
      case 'noAnalysis':
        this.header = null;
        this.timelines.clear();
        this.vocab.clear();
        this.title.textContent = 'Schedule Inspector';
        this.status.textContent = '';
        this.setControlsEnabled(false);
        this.showEmpty(msg.reason);
        break;
      case 'sweep':
        if (msg.requestId === this.sweepRequestId) {
          this.compare.setSweep(msg.schedule, msg.points);
          this.compare.setSweepNote('');
        }
        break;
      case 'showTab':
        this.tabs.select(msg.tab);
        this.onTab(msg.tab);
        break;
      case 'notice':
        this.showNotice(msg.text, msg.level);
        break;
    }
  }

  private onAnalysis(msg: AnalysisMessage): void {
    const t0 = performance.now();
    const h = msg.header;
    this.header = h;
    this.timelines.clear();
    const problems: string[] = [];
    for (const s of h.schedules) {
      if (!s.timeline) continue;
      const t = unpackTimeline(s.timeline.layout, msg.buffers[s.timeline.bufferIndex]);
      if (typeof t === 'string') problems.push(`${s.schedule}: ${t}`);
      else this.timelines.set(s.schedule, t);
    }
    problems.push(...this.vocab.load(h, msg.buffers));
    this.lastAnalysisUnpackMs = performance.now() - t0;
    if (problems.length) {
      this.rejectedMessages++;
      this.showNotice(`Ignored corrupt timeline data (${problems.join('; ')})`, 'error');
      this.noticeFromAnalysis = true;
    } else if (this.noticeFromAnalysis) {
      // Other notices ("Applied 1 change to the file") must outlive the re-analysis their own edit triggers.
      this.hideNotice();
    }
    // Host overrides win (they describe what was simulated); keep the user's schedule choice if it still exists.
    this.ui.overrides = { ...h.overrides };
    const previous = this.ui.schedule;
    const preferred = [this.ui.schedule, h.overrides.schedule ?? null, h.selectedSchedule].find(
      (s): s is ScheduleName => !!s && this.timelines.has(s),
    );
    this.ui.schedule = preferred ?? [...this.timelines.keys()][0] ?? h.selectedSchedule;
    if (previous !== this.ui.schedule) this.ui.viewport = null;
    this.title.textContent = h.fileName;
    this.syncControls();
    this.renderSchedule(t0);
    // The compare view (a table and a small timeline per schedule) is built after the frame that shows the
    // timeline when its tab is hidden (issue 16: first paint), or at once when it is the tab on screen.
    const rows = h.schedules.map((s) => ({ header: s, ops: this.timelines.get(s.schedule) ?? null }));
    const selected = this.ui.schedule;
    this.pendingCompare = () => this.compare.setData(rows, selected);
    if (this.ui.tab === 'compare') this.flushCompare();
    else requestAnimationFrame(() => setTimeout(() => this.flushCompare(), 0));
    if (this.ui.tab === 'compare') this.requestSweep();
    this.saveState();
  }

  private currentSchedule(): ScheduleName | null {
    return this.ui.schedule;
  }

  private currentHeader(): ScheduleHeader | null {
    return this.header?.schedules.find((s) => s.schedule === this.ui.schedule) ?? null;
  }

  private renderSchedule(t0 = performance.now()): void {
    const h = this.header;
    const sh = this.currentHeader();
    const plain = this.ui.schedule ? (this.timelines.get(this.ui.schedule) ?? null) : null;
    this.vocab.renderFor(plain ? sh : null);
    if (!h || !sh || !plain) {
      this.timeline.setOverlay(null);
      this.overlayBox.replaceChildren();
      this.timeline.setData(null, null, null);
      this.memoryChart.setData(null, 0, null);
      this.peakChart.setData(null, 0);
      const reason = !h
        ? 'Waiting for an analysis…'
        : sh && !sh.applicable
          ? `${sh.schedule} does not apply: ${sh.reason ?? ''}`
          : h.schedules.length === 0
            ? 'No schedule could be simulated for this file yet.'
            : `No simulated timeline for ${this.ui.schedule ?? 'this schedule'}.`;
      this.showEmpty(reason);
      this.summary.textContent = '';
      renderStepTime(this.stepTime, null, null);
      this.help.hidden = true;
      return;
    }
    this.emptyNote.hidden = true;
    const { ops, vocab } = this.vocab.shown(sh, plain);
    const makespan = sh.stepTimeMs && sh.stepTimeMs > 0 ? Math.max(sh.stepTimeMs, lastEndMs(ops)) : lastEndMs(ops);
    const spans = h.measured?.spans ?? null;
    this.renderOverlayLegend();
    const shownSpans = spans && this.overlayShown ? spans : null;
    // A measured step longer than the simulated one can be panned to: the view extends to the last span's end.
    const extent = Math.max(makespan, shownSpans ? spansEndMs(shownSpans) : 0);
    this.timeline.setOverlay(shownSpans);
    this.timeline.setData(
      ops,
      {
        schedule: sh.schedule,
        splits: sh.splits,
        virtualStages: sh.virtualStages,
        makespanMs: makespan,
        extentMs: extent,
        ...(vocab && { vocab }),
      },
      this.ui.viewport,
    );
    this.timeline.setHighlight(this.ui.highlightMicrobatch);
    const peaks = sh.peakReservedGiBPerStage ?? sh.peakMemoryGiBPerStage;
    // DOM writes before the timeline's draw reads its width: one page layout, not a second at the frame (issue 16).
    this.summary.textContent = summaryLine(sh, ops, peaks, h.gpu.name, this.vocab.showsPlain(sh));
    this.summary.textContent += measuredSummarySuffix(h.measured?.step, sh, h.overrides); // the linked log's step
    renderStepTime(this.stepTime, sh.stepTimeBreakdown ?? null, sh.stepTimeMs);
    renderHelp(this.help, sh.splits, sh.virtualStages);
    this.help.hidden = false;
    this.status.textContent = Object.keys(h.overrides).length ? 'what-if (file unchanged)' : '';
    this.timeline.drawNow();
    this.lastAnalysisPaintMs = performance.now() - t0;
    // Charts after the frame that shows the timeline (rAF, then a task): the memory line, then the peak bars.
    requestAnimationFrame(() =>
      setTimeout(() => {
        this.memoryChart.setData(
          {
            stages: ops.stages,
            memOffsets: ops.memOffsets,
            memTimeMs: ops.memTimeMs,
            memBytes: ops.memBytes,
            makespanMs: makespan,
          },
          h.gpu.memoryGiB,
          this.timeline.viewport,
        );
        const measured = h.measured?.memory ?? null;
        this.memoryNote.textContent =
          (sh.stageBreakdownGiB
            ? `Memory per stage (${sh.schedule}) at each stage's peak, by category: the tensors, then the allocator cache (what PyTorch's caching allocator holds beyond them) and the memory outside PyTorch (CUDA context, NCCL), stacking to the reserved peak in the summary. Dashed line: ${h.gpu.name} capacity.`
            : 'The memory model gave no per-stage breakdown for this schedule.') +
          (measured
            ? ` Markers: the measured max reserved (▲, against the bar's top) and max allocated (○, against the dash at the predicted allocated peak) from ${measured.source}, the largest over the ranks that report on each stage.`
            : '');
        setTimeout(() =>
          this.peakChart.setData(
            {
              stages: ops.stages,
              peakGiBPerStage: peaks,
              breakdownGiB: sh.stageBreakdownGiB,
              predictedAllocatedGiB: sh.peakMemoryGiBPerStage,
              measured,
            },
            h.gpu.memoryGiB,
          ),
        );
      }, 0),
    );
  }

  /** The measured-spans legend row for the current analysis (nothing when no trace is linked). */
  private renderOverlayLegend(): void {
    const spans = this.header?.measured?.spans ?? null;
    const toggle = (shown: boolean): void => {
      this.overlayShown = shown;
      this.renderSchedule();
    };
    this.overlayBox.replaceChildren(...(spans ? [overlayLegend(spans, this.overlayShown, toggle)] : []));
  }

  private onScheduleChosen(s: ScheduleName): void {
    if (s === this.ui.schedule) return;
    this.ui.schedule = s;
    this.ui.viewport = null;
    this.ui.highlightMicrobatch = -1;
    this.ctl.schedule.set(s);
    this.showSplitControls();
    this.renderSchedule();
    this.pendingCompare = null;
    if (this.header)
      this.compare.setData(
        this.header.schedules.map((x) => ({ header: x, ops: this.timelines.get(x.schedule) ?? null })),
        s,
      );
    this.saveState();
    // A schedule the analysis did not simulate needs the host; one it did is shown at once.
    if (!this.timelines.has(s) && this.host.connected) this.setOverride({ schedule: s });
  }

  private setOverride(patch: UiState['overrides']): void {
    this.hideNotice();
    this.ui.overrides = { ...this.ui.overrides, ...patch };
    this.saveState();
    this.requestWhatIf();
  }

  private requestWhatIf(): void {
    if (!this.host.connected) return;
    clearTimeout(this.whatIfTimer);
    this.status.textContent = 'simulating…';
    this.whatIfTimer = window.setTimeout(
      () => this.post({ type: 'whatIf', protocolVersion: PROTOCOL_VERSION, overrides: this.ui.overrides }),
      WHAT_IF_DEBOUNCE_MS,
    );
  }

  private requestSweep(): void {
    const h = this.header;
    // No host to answer in the report, and no sweep where no Seq1F1B schedule can run.
    if (!h || !this.host.connected || !seq1f1bApplies(h.schedules)) return;
    const family: ScheduleName = this.ui.schedule?.startsWith('seq1f1b') ? this.ui.schedule : 'seq1f1b';
    this.sweepRequestId++;
    this.compare.setSweepNote(`Simulating ${family} for k = ${SWEEP_SPLITS.join(', ')}…`);
    this.post({
      type: 'requestSweep',
      protocolVersion: PROTOCOL_VERSION,
      requestId: this.sweepRequestId,
      schedule: family,
      splits: SWEEP_SPLITS,
    });
  }

  /** Builds the compare view from the latest analysis if that is still to be done (once per analysis). */
  private flushCompare(): void {
    const build = this.pendingCompare;
    this.pendingCompare = null;
    build?.();
  }

  private onTab(tab: Tab): void {
    this.ui.tab = tab;
    if (tab === 'compare') this.flushCompare();
    this.saveState();
    // Canvases in a hidden view have no size; draw them now that they are visible.
    this.timeline.requestDraw();
    this.compare.redraw();
    if (tab === 'compare') this.requestSweep();
  }

  private syncControls(): void {
    const h = this.header;
    if (!h) return;
    const o = h.overrides;
    const sh = this.currentHeader();
    // In the report a schedule without a timeline cannot be shown (no host to simulate it): offer only those.
    const offered = this.host.connected ? SCHEDULE_NAMES : SCHEDULE_NAMES.filter((n) => this.timelines.has(n));
    this.ctl.schedule.setChoices(
      offered.map((n) => ({ value: n, label: n })),
      this.ui.schedule ?? '',
    );
    this.showSplitControls();
    this.ctl.splits.set(o.splits ?? h.config.splits ?? sh?.splits ?? 1);
    this.ctl.strategy.set(o.strategy ?? h.config.strategy ?? 'average');
    this.ctl.gpu.setChoices(
      h.gpus.map((g) => ({ value: g.id, label: g.name })),
      o.gpuId ?? h.gpu.id,
    );
    this.ctl.microbatches.set(o.microbatches ?? h.config.microbatches ?? sh?.timeline?.microbatches ?? 1);
    this.setControlsEnabled(true);
  }

  /**
   * k and the split strategy mean something only for the Seq1F1B family, and only when one of those schedules can
   * run on this file (none can at p = 1, for instance): otherwise they are hidden rather than shown doing nothing.
   */
  private showSplitControls(): void {
    const show = !!this.ui.schedule?.startsWith('seq1f1b') && seq1f1bApplies(this.header?.schedules ?? []);
    this.ctl.splits.element.hidden = !show;
    this.ctl.strategy.element.hidden = !show;
  }

  private setControlsEnabled(enabled: boolean): void {
    const whatIf = enabled && !!this.header?.canWhatIf && this.host.connected;
    for (const c of [this.ctl.splits, this.ctl.strategy, this.ctl.gpu, this.ctl.microbatches, this.ctl.reset])
      c.setDisabled(!whatIf);
    this.ctl.schedule.setDisabled(!enabled);
    this.ctl.apply.setDisabled(!(whatIf && this.header?.canApply));
    this.ctl.trace.setDisabled(!(enabled && this.host.connected));
    this.ctl.png.setDisabled(!enabled);
  }

  private applyTheme(): void {
    this.colors = readThemeColors();
    const theme: ChartTheme = {
      foreground: this.colors.normal.foreground,
      grid: this.colors.normal.grid,
      series: this.colors.normal.memory,
      cache: this.colors.normal.memoryCache,
      capacity: this.colors.normal.capacity,
    };
    this.timeline.setColors(this.colors);
    this.memoryChart.setTheme(theme);
    this.peakChart.setTheme(theme);
    this.compare.setColors(this.colors, theme);
    this.vocab.setColors(this.colors);
    paintLegendSwatches(this.colors);
  }

  private savePng(): void {
    this.timeline.drawNow();
    this.timeline.canvas.toBlob((blob) => {
      if (!blob) return;
      if (!this.host.connected) {
        // The report saves through the browser: a download link to the PNG (no host to write the file).
        const a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = `${this.ui.schedule ?? 'timeline'}-timeline.png`;
        a.click();
        // Revoked later, not at once: the browser reads the blob after this handler returns.
        setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
        return;
      }
      const reader = new FileReader();
      reader.onload = () => {
        const url = String(reader.result);
        this.post({ type: 'savePng', protocolVersion: PROTOCOL_VERSION, pngBase64: url.slice(url.indexOf(',') + 1) });
      };
      reader.readAsDataURL(blob);
    }, 'image/png');
  }

  private post(msg: WebviewToHost): void {
    this.host.post(msg);
  }

  private saveTimer = 0;
  private saveStateSoon(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => this.saveState(), 200);
  }

  private saveState(): void {
    this.host.setState(this.ui);
  }

  private showEmpty(text: string): void {
    this.emptyNote.textContent = text;
    this.emptyNote.hidden = false;
  }

  private showNotice(text: string, level: 'info' | 'error'): void {
    this.notice.textContent = text;
    this.notice.className = `si-notice si-notice-${level}`;
    this.notice.hidden = false;
    this.noticeFromAnalysis = false;
  }

  private hideNotice(): void {
    this.notice.hidden = true;
    this.noticeFromAnalysis = false;
  }
}
