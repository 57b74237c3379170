// Memory views: per-stage memory over time on the timeline's time axis (a stepped line per stage, capacity line,
// peak markers), and per-stage peak memory as stacked bars of its breakdown.
import type { ChartDataset, ChartOptions, Point } from 'chart.js';
import { Chart, type ChartTheme } from '../charts';
import { formatMs } from '../timeline/draw';
import { GUTTER_PX } from '../timeline/timelineView';
import type { Viewport } from '../timeline/viewport';

const BYTES_PER_GiB = 2 ** 30;
/** Past this many stages a legend entry per stage is noise; the tooltip still names the stage. */
const MAX_LEGEND_STAGES = 8;
const RIGHT_MARGIN_PX = 12;

export interface MemorySeries {
  stages: number;
  memOffsets: Int32Array;
  memTimeMs: Float64Array;
  memBytes: Float64Array;
  makespanMs: number;
}

export class MemoryOverTimeChart {
  private chart: Chart<'line', Point[]> | null = null;
  private data: MemorySeries | null = null;
  private capacityGiB = 0;
  private theme: ChartTheme | null = null;
  private pendingRange: Viewport | null = null;
  private rangeFrame = 0;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    this.rebuild();
  }

  setData(data: MemorySeries | null, capacityGiB: number, range: Viewport | null): void {
    this.data = data;
    this.capacityGiB = capacityGiB;
    this.pendingRange = range;
    this.rebuild();
  }

  hasData(): boolean {
    return !!this.data && this.data.memTimeMs.length > 0;
  }

  /** Follows the timeline's window; coalesced to one chart update per animation frame. */
  setRange(vp: Viewport): void {
    this.pendingRange = vp;
    if (this.rangeFrame || !this.chart) return;
    this.rangeFrame = requestAnimationFrame(() => {
      this.rangeFrame = 0;
      this.applyRange();
      this.chart?.update('none');
    });
  }

  private applyRange(): void {
    const x = this.chart?.options.scales?.x;
    if (!x || !this.pendingRange) return;
    x.min = this.pendingRange.t0Ms;
    x.max = this.pendingRange.t1Ms;
  }

  private rebuild(): void {
    this.chart?.destroy();
    this.chart = null;
    const d = this.data;
    const theme = this.theme;
    if (!d || !theme || d.memTimeMs.length === 0) return;
    const datasets: ChartDataset<'line', Point[]>[] = [];
    const peaks: Point[] = [];
    for (let r = 0; r < d.stages; r++) {
      const points: Point[] = [];
      let peak: Point | null = null;
      for (let i = d.memOffsets[r]; i < d.memOffsets[r + 1]; i++) {
        const p = { x: d.memTimeMs[i], y: d.memBytes[i] / BYTES_PER_GiB };
        points.push(p);
        if (!peak || p.y > (peak.y ?? -Infinity)) peak = p;
      }
      // Hold the last value to the end of the step so the line spans the whole timeline.
      if (points.length) points.push({ x: d.makespanMs, y: points[points.length - 1].y });
      if (peak) peaks.push(peak);
      const color = theme.series[r % theme.series.length];
      datasets.push({ label: `stage ${r}`, data: points, borderColor: color, backgroundColor: color, borderWidth: 1.25, pointRadius: 0, stepped: 'after', parsing: false, normalized: true });
    }
    datasets.push({ label: 'peak', data: peaks, showLine: false, pointRadius: 4, pointStyle: 'triangle', borderColor: theme.foreground, backgroundColor: theme.foreground, parsing: false });
    if (this.capacityGiB > 0) {
      datasets.push({ label: `capacity ${this.capacityGiB.toFixed(0)} GiB`, data: [{ x: 0, y: this.capacityGiB }, { x: d.makespanMs, y: this.capacityGiB }], borderColor: theme.capacity, backgroundColor: theme.capacity, borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, parsing: false });
    }
    const options: ChartOptions<'line'> = {
      responsive: true,
      parsing: false,
      normalized: true,
      layout: { padding: { left: 0, right: RIGHT_MARGIN_PX, top: 4, bottom: 0 } },
      interaction: { mode: 'nearest', intersect: false, axis: 'x' },
      plugins: {
        decimation: { enabled: true, algorithm: 'min-max' },
        legend: { labels: { color: theme.foreground, boxWidth: 12, filter: (item) => d.stages <= MAX_LEGEND_STAGES || !String(item.text).startsWith('stage ') } },
        tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label ?? ''}: ${(ctx.parsed.y ?? 0).toFixed(2)} GiB` } },
      },
      scales: {
        x: { type: 'linear', min: 0, max: d.makespanMs, ticks: { color: theme.foreground, align: 'inner', maxRotation: 0, callback: (v, _i, ticks) => formatMs(Number(v), ticks.length > 1 ? Math.abs(ticks[1].value - ticks[0].value) : 1) }, grid: { color: theme.grid } },
        y: {
          type: 'linear',
          beginAtZero: true,
          ticks: { color: theme.foreground },
          grid: { color: theme.grid },
          title: { display: true, text: 'GiB', color: theme.foreground },
          // Same width as the timeline's lane-label gutter, so both plots share one time axis on screen.
          afterFit: (scale) => { scale.width = GUTTER_PX; },
        },
      },
    };
    this.chart = new Chart(this.canvas, { type: 'line', data: { datasets }, options });
    if (this.pendingRange) {
      this.applyRange();
      this.chart.update('none');
    }
  }
}

export interface PeakBarsData {
  stages: number;
  peakGiBPerStage: number[] | null;
  breakdownGiB: Record<string, number>[] | null;
}

const BREAKDOWN_ORDER = ['weights', 'grads', 'optimizer', 'activations', 'kvCache', 'logits', 'overhead'];

export class PeakBarsChart {
  private chart: Chart | null = null;
  private data: PeakBarsData | null = null;
  private capacityGiB = 0;
  private theme: ChartTheme | null = null;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    this.rebuild();
  }

  setData(data: PeakBarsData | null, capacityGiB: number): void {
    this.data = data;
    this.capacityGiB = capacityGiB;
    this.rebuild();
  }

  private rebuild(): void {
    this.chart?.destroy();
    this.chart = null;
    const d = this.data;
    const theme = this.theme;
    if (!d || !theme || (!d.breakdownGiB && !d.peakGiBPerStage)) return;
    const labels = Array.from({ length: d.stages }, (_, r) => `stage ${r}`);
    const datasets: ChartDataset<'bar' | 'line', number[]>[] = [];
    if (d.breakdownGiB) {
      const keys = BREAKDOWN_ORDER.filter((k) => d.breakdownGiB!.some((b) => (b[k] ?? 0) > 0));
      keys.forEach((k, i) => {
        const color = theme.series[i % theme.series.length];
        datasets.push({ type: 'bar', label: k, data: d.breakdownGiB!.map((b) => b[k] ?? 0), backgroundColor: color, borderColor: color, stack: 'peak' });
      });
    } else if (d.peakGiBPerStage) {
      datasets.push({ type: 'bar', label: 'peak', data: d.peakGiBPerStage, backgroundColor: theme.series[0], stack: 'peak' });
    }
    if (this.capacityGiB > 0) {
      datasets.push({ type: 'line', label: `capacity ${this.capacityGiB.toFixed(0)} GiB`, data: labels.map(() => this.capacityGiB), borderColor: theme.capacity, backgroundColor: theme.capacity, borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 });
    }
    this.chart = new Chart(this.canvas, {
      type: 'bar',
      data: { labels, datasets: datasets as ChartDataset<'bar', number[]>[] },
      options: {
        responsive: true,
        plugins: { legend: { labels: { color: theme.foreground, boxWidth: 12 } }, tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label ?? ''}: ${(ctx.parsed.y ?? 0).toFixed(2)} GiB` } } },
        scales: {
          x: { stacked: true, ticks: { color: theme.foreground }, grid: { color: theme.grid } },
          y: { stacked: true, beginAtZero: true, ticks: { color: theme.foreground }, grid: { color: theme.grid }, title: { display: true, text: 'GiB at the stage peak', color: theme.foreground } },
        },
      },
    });
  }
}
