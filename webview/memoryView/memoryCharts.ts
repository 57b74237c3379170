// Memory views: per-stage peak memory as stacked bars of its breakdown (chart.js). The memory-over-time line has its
// own canvas renderer in memoryOverTime.ts: chart.js could not follow the timeline's pan/zoom within a frame.
import type { ChartDataset } from 'chart.js';
import { Chart, type ChartTheme } from '../charts';

export interface PeakBarsData {
  stages: number;
  peakGiBPerStage: number[] | null;
  breakdownGiB: Record<string, number>[] | null;
}

// The order of the CLI's and the hover's sum (report/text.ts BREAKDOWN_TERMS); a term that is zero on every stage
// gets no bar segment (most runs have no sharding buffers).
const BREAKDOWN_ORDER = [
  'weights',
  'grads',
  'paramGather',
  'gradBuckets',
  'optimizer',
  'activations',
  'kvCache',
  'logits',
  'overhead',
];
/** Legend names, the words report/text.ts uses for the same terms. */
const BREAKDOWN_LABELS: Record<string, string> = {
  kvCache: 'K/V cache',
  paramGather: 'param all-gather',
  gradBuckets: 'grad buckets',
};

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
          label: BREAKDOWN_LABELS[k] ?? k,
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
