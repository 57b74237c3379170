// Memory views: per-stage memory over time on the timeline's time axis (a stepped line per stage, capacity line,
// peak markers), and per-stage peak memory as stacked bars of its breakdown.
import type { ChartDataset, ChartOptions, Point } from 'chart.js';
import { Chart, type ChartTheme } from '../charts';
import { formatMs } from '../timeline/draw';
import { decimateSteps } from './decimate';
import { GUTTER_PX } from '../timeline/timelineView';
import type { Viewport } from '../timeline/viewport';

const BYTES_PER_GiB = 2 ** 30;
/** Past this many stages a legend entry per stage is noise; the tooltip still names the stage. */
const MAX_LEGEND_STAGES = 8;
const RIGHT_MARGIN_PX = 12;
/** Points handed to chart.js per update, all stages together: ~1 µs each per update keeps a frame in budget. */
const MAX_CHART_POINTS = 3000;

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
    const x = this.chart?.options.scales?.['x'];
    const d = this.data;
    if (!x || !d || !this.pendingRange || !this.chart) return;
    const { t0Ms, t1Ms } = this.pendingRange;
    x.min = t0Ms;
    x.max = t1Ms;
    const buckets = this.bucketsPerStage();
    // rebuild() made one dataset per stage, first; memOffsets has stages + 1 entries (unpackTimeline checks it).
    this.chart.data.datasets.slice(0, d.stages).forEach((dataset, r) => {
      const points = decimateSteps(
        d.memTimeMs,
        d.memBytes,
        d.memOffsets[r]!,
        d.memOffsets[r + 1]!,
        t0Ms,
        t1Ms,
        buckets,
        1 / BYTES_PER_GiB,
      );
      // Hold the last value to the window's right edge so the step line spans the plot.
      const last = points.at(-1);
      if (last) points.push({ x: Math.min(t1Ms, Math.max(last.x, d.makespanMs)), y: last.y });
      dataset.data = points;
    });
  }

  private bucketsPerStage(): number {
    const d = this.data;
    const widthPx = this.canvas.clientWidth || 1000;
    return Math.max(
      8,
      Math.min(Math.floor(widthPx / 2), Math.floor(MAX_CHART_POINTS / (4 * Math.max(1, d?.stages ?? 1)))),
    );
  }

  /** Points currently given to chart.js (for tests and the bench). */
  pointCount(): number {
    return this.chart ? this.chart.data.datasets.reduce((s, ds) => s + ds.data.length, 0) : 0;
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
      const peak = stagePeak(d, r);
      if (peak) peaks.push(peak);
      const color = theme.series[r % theme.series.length] ?? theme.foreground;
      // Data is filled per window by applyRange (decimated); chart.js' own decimation would rescan everything.
      datasets.push({
        label: `stage ${r}`,
        data: [],
        borderColor: color,
        backgroundColor: color,
        borderWidth: 1.25,
        pointRadius: 0,
        pointHitRadius: 4,
        stepped: 'after',
        parsing: false,
        normalized: true,
        spanGaps: true,
      });
    }
    datasets.push({
      label: 'peak',
      data: peaks,
      showLine: false,
      pointRadius: 4,
      pointStyle: 'triangle',
      borderColor: theme.foreground,
      backgroundColor: theme.foreground,
      parsing: false,
    });
    if (this.capacityGiB > 0) {
      datasets.push({
        label: `capacity ${this.capacityGiB.toFixed(0)} GiB`,
        data: [
          { x: 0, y: this.capacityGiB },
          { x: d.makespanMs, y: this.capacityGiB },
        ],
        borderColor: theme.capacity,
        backgroundColor: theme.capacity,
        borderDash: [6, 4],
        borderWidth: 1.5,
        pointRadius: 0,
        parsing: false,
      });
    }
    let maxBytes = 0;
    for (const bytes of d.memBytes) if (bytes > maxBytes) maxBytes = bytes;
    const yMax = niceCeil(Math.max(this.capacityGiB, maxBytes / BYTES_PER_GiB) * 1.05);
    const options: ChartOptions<'line'> = {
      responsive: true,
      parsing: false,
      normalized: true,
      layout: { padding: { left: 0, right: RIGHT_MARGIN_PX, top: 4, bottom: 0 } },
      interaction: { mode: 'nearest', intersect: false, axis: 'x' },
      plugins: {
        legend: { display: d.stages <= MAX_LEGEND_STAGES, labels: { color: theme.foreground, boxWidth: 12 } },
        tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label ?? ''}: ${(ctx.parsed.y ?? 0).toFixed(2)} GiB` } },
      },
      scales: {
        x: {
          type: 'linear',
          min: 0,
          max: d.makespanMs,
          ticks: {
            color: theme.foreground,
            align: 'inner',
            maxRotation: 0,
            callback: (v, _i, ticks) => formatMs(Number(v), tickStepMs(ticks)),
          },
          grid: { color: theme.grid },
        },
        y: {
          type: 'linear',
          // Fixed limits: chart.js then skips rescanning every point for its range on each pan/zoom update.
          min: 0,
          max: yMax,
          ticks: { color: theme.foreground, maxRotation: 0 },
          grid: { color: theme.grid },
          title: { display: true, text: 'GiB', color: theme.foreground },
          // Same width as the timeline's lane-label gutter, so both plots share one time axis on screen.
          afterFit: (scale) => {
            scale.width = GUTTER_PX;
          },
        },
      },
    };
    this.chart = new Chart(this.canvas, { type: 'line', data: { datasets }, options });
    this.pendingRange ??= { t0Ms: 0, t1Ms: d.makespanMs };
    this.applyRange();
    this.chart.update('none');
  }
}

/** Rounds up to 1, 2, 2.5 or 5 × 10ⁿ so the top tick is a round number. */
/** The highest point of stage r's series (GiB), or null when it has none. */
function stagePeak(d: MemorySeries, r: number): Point | null {
  // memOffsets has stages + 1 entries and its values index memBytes/memTimeMs (unpackTimeline checks both).
  let peak = -1;
  for (let i = d.memOffsets[r]!; i < d.memOffsets[r + 1]!; i++)
    if (peak < 0 || d.memBytes[i]! > d.memBytes[peak]!) peak = i;
  return peak >= 0 ? { x: d.memTimeMs[peak]!, y: d.memBytes[peak]! / BYTES_PER_GiB } : null;
}

/** The axis step between ticks, which sets how many decimals the labels need. */
function tickStepMs(ticks: readonly { value: number }[]): number {
  const [a, b] = ticks;
  return a && b ? Math.abs(b.value - a.value) : 1;
}

function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const pow = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= x) return m * pow;
  return 10 * pow;
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
        datasets.push({
          type: 'bar',
          label: k,
          data: d.breakdownGiB!.map((b) => b[k] ?? 0),
          backgroundColor: color,
          borderColor: color,
          stack: 'peak',
        });
      });
    } else if (d.peakGiBPerStage) {
      datasets.push({
        type: 'bar',
        label: 'peak',
        data: d.peakGiBPerStage,
        backgroundColor: theme.series[0],
        stack: 'peak',
      });
    }
    const capacity = this.capacityGiB;
    this.chart = new Chart(this.canvas, {
      type: 'bar',
      data: { labels, datasets: datasets as ChartDataset<'bar', number[]>[] },
      // The capacity is a property of the GPU, not of a stage: a rule across the whole plot, drawn over the bars.
      plugins: [
        {
          id: 'capacityRule',
          afterDatasetsDraw: (chart) => {
            const y = chart.scales['y'];
            if (!(capacity > 0) || !y) return;
            const py = y.getPixelForValue(capacity);
            const ctx = chart.ctx;
            ctx.save();
            ctx.strokeStyle = theme.capacity;
            ctx.lineWidth = 1.5;
            ctx.setLineDash([6, 4]);
            ctx.beginPath();
            ctx.moveTo(chart.chartArea.left, py);
            ctx.lineTo(chart.chartArea.right, py);
            ctx.stroke();
            ctx.fillStyle = theme.capacity;
            ctx.textAlign = 'right';
            ctx.textBaseline = 'bottom';
            ctx.fillText(`capacity ${capacity.toFixed(0)} GiB`, chart.chartArea.right - 4, py - 3);
            ctx.restore();
          },
        },
      ],
      options: {
        responsive: true,
        plugins: {
          legend: { labels: { color: theme.foreground, boxWidth: 12 } },
          tooltip: {
            callbacks: { label: (ctx) => `${ctx.dataset.label ?? ''}: ${(ctx.parsed.y ?? 0).toFixed(2)} GiB` },
          },
        },
        scales: {
          x: { stacked: true, ticks: { color: theme.foreground }, grid: { color: theme.grid } },
          y: {
            stacked: true,
            beginAtZero: true,
            suggestedMax: capacity > 0 ? capacity * 1.05 : undefined,
            ticks: { color: theme.foreground },
            grid: { color: theme.grid },
            title: { display: true, text: 'GiB at the stage peak', color: theme.foreground },
          },
        },
      },
    });
  }
}
