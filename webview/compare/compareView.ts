// Compare: the schedules side by side as a table, small multiples of their timelines on one shared time scale,
// and a k-sweep chart (step time and peak memory vs k, for both partition strategies) computed by the host.
import type { ScheduleName } from '../../src/core/types';
import type { ScheduleHeader, SweepPoint } from '../../src/protocol/messages';
import { Chart, type ChartTheme } from '../charts';
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
    this.multiples = document.createElement('div');
    this.multiples.className = 'si-multiples';
    const sweepBox = document.createElement('div');
    sweepBox.className = 'si-chart-box si-sweep';
    this.sweepCanvas = document.createElement('canvas');
    this.sweepNote = document.createElement('p');
    this.sweepNote.className = 'si-note';
    sweepBox.append(this.sweepCanvas);
    const h1 = heading('Schedules');
    const h2 = heading('Timelines (same time scale)');
    const h3 = heading('k sweep');
    this.element.append(h1, this.table, h2, this.multiples, h3, this.sweepNote, sweepBox);
  }

  setColors(colors: ThemeColors, theme: ChartTheme): void {
    this.colors = colors;
    this.theme = theme;
    for (const v of this.views) v.setColors(colors);
    this.renderSweep();
  }

  setData(entries: CompareEntry[], selected: ScheduleName | null): void {
    this.renderTable(entries, selected);
    this.renderMultiples(entries);
  }

  setSweep(schedule: ScheduleName, points: SweepPoint[]): void {
    this.sweep = { schedule, points };
    this.renderSweep();
  }

  setSweepNote(text: string): void {
    this.sweepNote.textContent = text;
  }

  private renderTable(entries: CompareEntry[], selected: ScheduleName | null): void {
    const head = ['schedule', 'k', 'v', 'step time', 'bubble', 'worst-stage peak (reserved)', 'OOM'];
    const thead = document.createElement('thead');
    const hr = document.createElement('tr');
    for (const h of head) {
      const th = document.createElement('th');
      th.textContent = h;
      hr.append(th);
    }
    thead.append(hr);
    const tbody = document.createElement('tbody');
    const best = Math.min(
      ...entries.flatMap((e) => (e.header.applicable && e.header.stepTimeMs != null ? [e.header.stepTimeMs] : [])),
    );
    for (const e of entries) {
      const h = e.header;
      const tr = document.createElement('tr');
      tr.dataset['schedule'] = h.schedule;
      if (h.schedule === selected) tr.classList.add('si-selected');
      const peaks = h.peakReservedGiBPerStage ?? h.peakMemoryGiBPerStage;
      const peak = peaks?.length ? Math.max(...peaks) : null;
      const cells = h.applicable
        ? [
            h.schedule + (h.whatIf ? ' (what-if)' : ''),
            String(h.splits),
            String(h.virtualStages),
            fmt(h.stepTimeMs, 1, ' ms') + (h.stepTimeMs === best ? ' ★' : ''),
            fmt(h.bubbleFraction == null ? null : h.bubbleFraction * 100, 1, ' %'),
            fmt(peak, 1, ' GiB'),
            h.oom == null ? '—' : h.oom ? 'OOM' : 'fits',
          ]
        : [h.schedule, '', '', `n/a: ${h.reason ?? ''}`, '', '', ''];
      cells.forEach((text, i) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (i === 6 && h.oom) td.classList.add('si-oom');
        tr.append(td);
      });
      if (h.applicable) tr.addEventListener('click', () => this.onSelect(h.schedule));
      tbody.append(tr);
    }
    this.table.replaceChildren(thead, tbody);
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

function heading(text: string): HTMLElement {
  const h = document.createElement('h3');
  h.textContent = text;
  return h;
}
