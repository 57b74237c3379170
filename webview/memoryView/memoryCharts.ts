// Memory views: per-stage peak memory as stacked bars of its breakdown (chart.js). The memory-over-time line has its
// own canvas renderer in memoryOverTime.ts: chart.js could not follow the timeline's pan/zoom within a frame.
import type { ChartDataset } from 'chart.js';
import type { MeasuredMemory } from '../../src/protocol/measured';
import { MEMORY_TERMS } from '../../src/protocol/memoryTerms';
import { Chart, type ChartTheme } from '../charts';

export interface PeakBarsData {
  stages: number;
  peakGiBPerStage: number[] | null;
  breakdownGiB: Record<string, number>[] | null;
  /** Predicted allocated peak per stage: the kind a log's "max allocated" is compared with (issue 19). */
  predictedAllocatedGiB?: number[] | null;
  /** A linked training log's measured peaks per stage, each kind marked against its own predicted kind. */
  measured?: MeasuredMemory | null;
}

/**
 * Markers of the measured peaks (issue 19): the reserved peak against the bar's top (the stack sums to the predicted
 * reserved peak), the allocated peak against a dash at the predicted allocated peak. Each marker is its own stack,
 * so chart.js does not add them to the bars or to each other. Null entries (a stage no rank reported) draw nothing.
 */
function markerDatasets(d: PeakBarsData, theme: ChartTheme): ChartDataset<'line', (number | null)[]>[] {
  const m = d.measured;
  if (!m) return [];
  const byStage = (pick: (s: MeasuredMemory['stages'][number]) => number | null): (number | null)[] =>
    Array.from({ length: d.stages }, (_, r) => {
      const row = m.stages.find((s) => s.stage === r);
      return row ? pick(row) : null;
    });
  const marker = (
    label: string,
    data: (number | null)[],
    pointStyle: 'triangle' | 'circle' | 'line',
    filled: boolean,
  ): ChartDataset<'line', (number | null)[]> => ({
    type: 'line',
    label,
    data,
    stack: label,
    // Drawn over the bars: chart.js draws higher orders first (the bars' order is 0).
    order: -1,
    showLine: false,
    pointStyle,
    pointRadius: pointStyle === 'line' ? 14 : 6,
    pointHoverRadius: pointStyle === 'line' ? 14 : 7,
    pointBorderWidth: 2,
    borderColor: theme.foreground,
    backgroundColor: filled ? theme.foreground : 'transparent',
  });
  const out = [
    marker(
      `measured max reserved (${m.source})`,
      byStage((s) => s.maxReservedGiB),
      'triangle',
      true,
    ),
    marker(
      `measured max allocated (${m.source})`,
      byStage((s) => s.maxAllocatedGiB),
      'circle',
      false,
    ),
  ];
  if (d.predictedAllocatedGiB) out.push(marker('predicted allocated', d.predictedAllocatedGiB, 'line', false));
  return out;
}

// The terms in the order and words of the CLI's and the hover's sum (protocol/memoryTerms.ts); a term that is zero on
// every stage gets no bar segment (most runs have no sharding buffers).
/** The term drawn in the theme's cache colour (ChartTheme.cache) rather than the next colour of the series. */
const CACHE_TERM = 'fragmentation';

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
      const terms = MEMORY_TERMS.filter(({ key }) => d.breakdownGiB!.some((b) => (b[key] ?? 0) > 0));
      // The allocator cache is always its own grey (it holds no tensors); the tensor terms and the non-PyTorch term
      // take the series in order, so each keeps the colour it had before the cache was a term of its own.
      let next = 0;
      terms.forEach(({ key, label }) => {
        const color = key === CACHE_TERM ? theme.cache : theme.series[next++ % theme.series.length];
        datasets.push({
          type: 'bar',
          label,
          data: d.breakdownGiB!.map((b) => b[key] ?? 0),
          backgroundColor: color,
          borderColor: color,
          stack: 'peak',
          pointStyle: 'rect',
        });
      });
    } else if (d.peakGiBPerStage) {
      datasets.push({
        type: 'bar',
        label: 'peak',
        data: d.peakGiBPerStage,
        backgroundColor: theme.series[0],
        stack: 'peak',
        pointStyle: 'rect',
      });
    }
    datasets.push(...(markerDatasets(d, theme) as ChartDataset<'line', number[]>[]));
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
          // Point styles in the legend: the measured markers are told apart by shape (bars show as squares).
          legend: { labels: { color: theme.foreground, boxWidth: 12, usePointStyle: !!d.measured } },
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
