// `npm run bench`: runs every test/bench/*.bench.ts module and prints one table. Each module exports
// `benches(): BenchCase[]`. Figures go into closing notes; tests never assert on wall time.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchCase {
  name: string;
  /** The work to time; returns something so the optimiser cannot drop it. */
  run: () => unknown;
  /** Repetitions (default chosen from a warm-up so the case takes ~1 s). */
  iterations?: number;
  /** What the issue asks for, shown beside the figure, e.g. "< 2 ms median". */
  target?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main(): void {
  const dir = __dirname;
  const modules = readdirSync(dir).filter((f) => f.endsWith('.bench.js')).sort();
  const rows: string[][] = [['case', 'median ms', 'p95 ms', 'max ms', 'n', 'target']];
  for (const file of modules) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(dir, file)) as { benches: () => BenchCase[] };
    for (const c of mod.benches()) {
      const w0 = performance.now();
      c.run();
      const warm = performance.now() - w0;
      const n = c.iterations ?? Math.max(3, Math.min(2000, Math.round(1000 / Math.max(warm, 0.01))));
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        c.run();
        times.push(performance.now() - t0);
      }
      const sorted = [...times].sort((a, b) => a - b);
      rows.push([c.name, median(times).toFixed(3), sorted[Math.floor(sorted.length * 0.95)].toFixed(3), sorted[sorted.length - 1].toFixed(3), String(n), c.target ?? '']);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((cell, i) => (i === 0 || i === 5 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
}

main();
