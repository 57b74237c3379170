// chart.js with tree-shaken registration: only the controllers, elements, scales and plugins we draw with.
// Summary charts only: the timeline itself is our canvas renderer (chart.js needs ~0.5 s per update at 50k bars).
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  LogarithmicScale,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  LogarithmicScale,
  PointElement,
  Tooltip,
);
// Charts are redrawn on every pan/zoom frame and every what-if; animation would lag behind the timeline.
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

export { Chart };

export interface ChartTheme {
  foreground: string;
  grid: string;
  series: string[];
  /** The allocator-cache memory segment's colour (theme.ts Palette.memoryCache). */
  cache: string;
  capacity: string;
}
