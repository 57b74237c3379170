// Compare: the schedules side by side as a table, small multiples of their timelines on one shared time scale,
// and a k-sweep chart (step time and peak memory vs k, for both partition strategies) computed by the host.
import type { ScheduleName } from '../../src/core/types';
import type { ScheduleHeader, SweepPoint } from '../../src/protocol/messages';
import { Chart, type ChartTheme } from '../charts';
import { seq1f1bApplies } from '../parts';
import { tidyReason } from './reasons';
import type { ThemeColors } from '../theme';
import { lastEndMs, type TimelineOps } from '../timeline/layout';
import { TimelineView } from '../timeline/timelineView';

export interface CompareEntry {
  header: ScheduleHeader;
  ops: TimelineOps | null;
}

const fmt = (x: number | null | undefined, digits: number, suffix = ''): string =>
  x == null || !Number.isFinite(x) ? '—' : `${x.toFixed(digits)}${suffix}`;

export class CompareView {
  readonly element: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly marks: HTMLUListElement;
  private readonly notApplicable: HTMLUListElement;
  private readonly sweepBox: HTMLElement;
  private readonly sweepHeading: HTMLElement;
  /** False when no Seq1F1B schedule can run on the file: then k means nothing and the sweep is not shown. */
  private sweepApplies = false;
  private readonly multiples: HTMLElement;
  private readonly sweepCanvas: HTMLCanvasElement;
  private readonly sweepNote: HTMLElement;
  private views: TimelineView[] = [];
  private sweepChart: Chart | null = null;
  private sweep: { schedule: ScheduleName; points: SweepPoint[] } | null = null;
  private theme: ChartTheme | null = null;
  private colors: ThemeColors | null = null;
  onSelect: (schedule: ScheduleName) => void = () => undefined;

  constructor() {
    this.element = document.createElement('div');
    this.element.className = 'si-compare';
    this.table = document.createElement('table');
    this.table.className = 'si-table';
    const tableWrap = document.createElement('div');
    tableWrap.className = 'si-table-wrap';
    tableWrap.append(this.table);
    this.marks = document.createElement('ul');
    this.marks.className = 'si-marks';
    this.notApplicable = document.createElement('ul');
    this.notApplicable.className = 'si-na-list';
    this.multiples = document.createElement('div');
    this.multiples.className = 'si-multiples';
    this.sweepBox = document.createElement('div');
    this.sweepBox.className = 'si-chart-box si-sweep';
    this.sweepCanvas = document.createElement('canvas');
    this.sweepNote = document.createElement('p');
    this.sweepNote.className = 'si-note';
    this.sweepBox.append(this.sweepCanvas);
    const h1 = heading('Schedules');
    const h2 = heading('Timelines (same time scale)');
    this.sweepHeading = heading('k sweep');
    this.element.append(
      h1,
      tableWrap,
      this.notApplicable,
      this.marks,
      h2,
      this.multiples,
      this.sweepHeading,
      this.sweepNote,
      this.sweepBox,
    );
    this.showSweepSection();
  }

  setColors(colors: ThemeColors, theme: ChartTheme): void {
    this.colors = colors;
    this.theme = theme;
    for (const v of this.views) v.setColors(colors);
    this.renderSweep();
  }

  setData(entries: CompareEntry[], selected: ScheduleName | null): void {
    this.sweepApplies = seq1f1bApplies(entries.map((e) => e.header));
    this.renderTable(entries, selected);
    this.renderMultiples(entries);
    this.showSweepSection();
  }

  setSweep(schedule: ScheduleName, points: SweepPoint[]): void {
    this.sweep = { schedule, points };
    this.renderSweep();
    this.showSweepSection();
  }

  setSweepNote(text: string): void {
    this.sweepNote.textContent = text;
    this.showSweepSection();
  }

  /** The k sweep only where k applies, and only once there is something in it (a note or points). */
  private showSweepSection(): void {
    const hasPoints = !!this.sweep?.points.length;
    const show = this.sweepApplies && (hasPoints || !!this.sweepNote.textContent);
    this.sweepHeading.hidden = !show;
    this.sweepNote.hidden = !show;
    this.sweepBox.hidden = !show || !hasPoints;
  }

  private renderTable(entries: CompareEntry[], selected: ScheduleName | null): void {
    const thead = document.createElement('thead');
    const hr = document.createElement('tr');
    for (const c of COLUMNS) {
      const th = document.createElement('th');
      th.textContent = c.label;
      th.title = c.title;
      if (c.numeric) th.className = 'si-num';
      hr.append(th);
    }
    thead.append(hr);
    const tbody = document.createElement('tbody');
    const applicable = entries.filter((e) => e.header.applicable);
    const best = Math.min(...applicable.flatMap((e) => (e.header.stepTimeMs != null ? [e.header.stepTimeMs] : [])));
    for (const { header: h } of applicable) tbody.append(this.scheduleRow(h, h.stepTimeMs === best, selected));
    this.table.replaceChildren(thead, tbody);
    // Schedules that cannot run: under the table (long reasons would stretch its columns), one line per distinct
    // reason (several Seq1F1B variants usually share one).
    const byReason = new Map<string, ScheduleName[]>();
    for (const { header: h } of entries.filter((e) => !e.header.applicable)) {
      const reason = tidyReason(h.reason ?? 'no reason given');
      byReason.set(reason, [...(byReason.get(reason) ?? []), h.schedule]);
    }
    this.notApplicable.replaceChildren(
      ...[...byReason].map(([reason, names]) => {
        const li = document.createElement('li');
        li.dataset['schedules'] = names.join(' ');
        const who = document.createElement('span');
        who.className = 'si-na-names';
        who.textContent = names.join(', ');
        li.append(who, document.createTextNode(` — not applicable: ${reason}`));
        return li;
      }),
    );
    this.notApplicable.hidden = byReason.size === 0;
    this.renderMarks(applicable, Number.isFinite(best));
  }

  private scheduleRow(h: ScheduleHeader, fastest: boolean, selected: ScheduleName | null): HTMLTableRowElement {
    const tr = document.createElement('tr');
    tr.dataset['schedule'] = h.schedule;
    if (h.schedule === selected) tr.classList.add('si-selected');
    const peaks = h.peakReservedGiBPerStage ?? h.peakMemoryGiBPerStage;
    const peak = peaks?.length ? Math.max(...peaks) : null;
    const cells = [
      h.schedule + (h.whatIf ? ' (what-if)' : ''),
      String(h.splits),
      String(h.virtualStages),
      fmt(h.stepTimeMs, 1, ' ms') + (fastest ? ' ★' : ''),
      fmt(h.bubbleFraction == null ? null : h.bubbleFraction * 100, 1, ' %'),
      fmt(peak, 1, ' GiB'),
      h.oom == null ? '—' : h.oom ? 'OOM' : 'fits',
    ];
    cells.forEach((text, i) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (COLUMNS[i]?.numeric) td.className = 'si-num';
      if (i === cells.length - 1 && h.oom) td.classList.add('si-oom');
      tr.append(td);
    });
    // A row picks the schedule for the timeline: by click, or Enter / Space once focused with Tab.
    tr.tabIndex = 0;
    tr.addEventListener('click', () => this.onSelect(h.schedule));
    tr.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      e.preventDefault();
      this.onSelect(h.schedule);
    });
    return tr;
  }

  /** The legend: what each mark in the table means, for the marks it shows. */
  private renderMarks(applicable: CompareEntry[], hasBest: boolean): void {
    const items = [
      ...(hasBest ? ['★ the shortest step time among the schedules that run'] : []),
      ...(applicable.some((e) => e.header.whatIf)
        ? ['(what-if) a schedule the file does not configure, simulated on the same model, cluster and batch']
        : []),
      "reserved peak: the worst stage's peak as PyTorch reserves it, plus the memory outside PyTorch — the figure the code lens and status bar show",
      ...(applicable.some((e) => e.header.oom) ? ["OOM: that peak is above the GPU's memory"] : []),
      'Click a row (or Tab to it and press Enter) to show that schedule in the Timeline tab.',
    ];
    this.marks.replaceChildren(
      ...items.map((t) => {
        const li = document.createElement('li');
        li.textContent = t;
        return li;
      }),
    );
  }

  private renderMultiples(entries: CompareEntry[]): void {
    this.multiples.replaceChildren();
    for (const v of this.views) v.dispose();
    this.views = [];
    const withTimeline = entries.flatMap(({ header, ops }) => (ops ? [{ header, ops }] : []));
    const maxSpan = Math.max(
      1,
      ...withTimeline.map((e) => e.header.stepTimeMs ?? 0),
      ...withTimeline.map((e) => lastEndMs(e.ops)),
    );
    for (const e of withTimeline) {
      const box = document.createElement('div');
      box.className = 'si-multiple';
      box.dataset['schedule'] = e.header.schedule;
      const title = document.createElement('div');
      title.className = 'si-multiple-title';
      title.textContent = `${e.header.schedule} · ${fmt(e.header.stepTimeMs, 1, ' ms')} · bubble ${fmt(e.header.bubbleFraction == null ? null : e.header.bubbleFraction * 100, 1, ' %')}`;
      const host = document.createElement('div');
      host.className = 'si-multiple-canvas';
      box.append(title, host);
      this.multiples.append(box);
      const stages = e.ops.stages;
      const view = new TimelineView(host, {
        interactive: false,
        laneHeightPx: Math.max(3, Math.min(10, Math.floor(96 / stages))),
        showAxis: false,
        showLabels: false,
      });
      // One time scale for all: the window is the slowest schedule's step, so shorter steps end early.
      view.setData(
        e.ops,
        {
          schedule: e.header.schedule,
          splits: e.header.splits,
          virtualStages: e.header.virtualStages,
          makespanMs: maxSpan,
        },
        { t0Ms: 0, t1Ms: maxSpan },
      );
      if (this.colors) view.setColors(this.colors);
      box.addEventListener('click', () => this.onSelect(e.header.schedule));
      this.views.push(view);
    }
  }

  private renderSweep(): void {
    this.sweepChart?.destroy();
    this.sweepChart = null;
    const theme = this.theme;
    const s = this.sweep;
    if (!theme || !s || s.points.length === 0) return;
    const ks = [...new Set(s.points.map((p) => p.splits))].sort((a, b) => a - b);
    const series = (strategy: string, field: 'stepTimeMs' | 'peakGiB'): (number | null)[] =>
      ks.map((k) => s.points.find((p) => p.splits === k && p.strategy === strategy)?.[field] ?? null);
    const [c0, c1, c2, c3] = theme.series;
    this.sweepChart = new Chart(this.sweepCanvas, {
      type: 'line',
      data: {
        labels: ks.map(String),
        datasets: [
          {
            label: 'step time · average',
            data: series('average', 'stepTimeMs'),
            borderColor: c0,
            backgroundColor: c0,
            yAxisID: 'time',
          },
          {
            label: 'step time · uniform_comp',
            data: series('uniform_comp', 'stepTimeMs'),
            borderColor: c1,
            backgroundColor: c1,
            yAxisID: 'time',
            borderDash: [4, 3],
          },
          {
            label: 'peak memory · average',
            data: series('average', 'peakGiB'),
            borderColor: c2,
            backgroundColor: c2,
            yAxisID: 'mem',
          },
          {
            label: 'peak memory · uniform_comp',
            data: series('uniform_comp', 'peakGiB'),
            borderColor: c3,
            backgroundColor: c3,
            yAxisID: 'mem',
            borderDash: [4, 3],
          },
        ],
      },
      options: {
        responsive: true,
        spanGaps: true,
        plugins: { legend: { labels: { color: theme.foreground, boxWidth: 12 } } },
        scales: {
          x: {
            type: 'category',
            title: { display: true, text: `k (${s.schedule})`, color: theme.foreground },
            ticks: { color: theme.foreground },
            grid: { color: theme.grid },
          },
          time: {
            type: 'linear',
            position: 'left',
            title: { display: true, text: 'step time, ms', color: theme.foreground },
            ticks: { color: theme.foreground },
            grid: { color: theme.grid },
          },
          mem: {
            type: 'linear',
            position: 'right',
            title: { display: true, text: 'worst-stage reserved peak, GiB', color: theme.foreground },
            ticks: { color: theme.foreground },
            grid: { drawOnChartArea: false },
          },
        },
      },
    });
  }

  redraw(): void {
    for (const v of this.views) v.requestDraw();
    this.sweepChart?.resize();
  }
}

/** The table's columns: short labels that do not wrap, the full meaning on hover. */
const COLUMNS: { label: string; title: string; numeric: boolean }[] = [
  { label: 'schedule', title: 'Pipeline schedule', numeric: false },
  { label: 'k', title: 'Sequence chunks per microbatch (Seq1F1B; 1 otherwise)', numeric: true },
  { label: 'v', title: 'Model chunks per stage (interleaved schedules; 1 otherwise)', numeric: true },
  { label: 'step time', title: 'Simulated time of one training step', numeric: true },
  { label: 'bubble', title: 'Share of the step the stages sit idle', numeric: true },
  { label: 'reserved peak', title: "The worst stage's reserved memory peak", numeric: true },
  { label: 'memory', title: "Whether that peak fits the GPU's memory", numeric: false },
];

function heading(text: string): HTMLElement {
  const h = document.createElement('h3');
  h.textContent = text;
  return h;
}
