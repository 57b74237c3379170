// `npm run bench` (straight from TypeScript: `node --import tsx test/bench/bench.ts [name filter]`): runs every
// test/bench/*.bench.ts module and prints one table. A module exports `benches(): BenchCase[]` (one piece of work
// timed many times) and/or `corpora(): BenchCorpus[]` (many inputs, each timed once: the spread over inputs).
// Every figure is also given as a ratio to a fixed baseline workload timed in the same run, so figures from a busy
// and a quiet machine can be compared. Figures go into closing notes; tests never assert on wall time.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface BenchCase {
  name: string;
  /** The work to time; returns something so the optimiser cannot drop it. */
  run: () => unknown;
  /** Work timed elsewhere (another process): returns its own figure in ms, which replaces the wall time of run. */
  measure?: () => number;
  /** Repetitions (default chosen from a warm-up so the case takes ~1 s). */
  iterations?: number;
  /** What the issue asks for, shown beside the figure, e.g. "< 2 ms median". */
  target?: string;
}

export interface BenchCorpus<T = unknown> {
  name: string;
  /** Each input is timed on its own; the row gives p50/p95/p99/max over inputs and names the slowest. */
  inputs: Iterable<T>;
  run: (input: T) => unknown;
  /** Runs before timing, so V8 has compiled the hot paths: the figures are about the algorithms, not the JIT. */
  warmUp?: () => void;
  /** Time each input this many times and keep the fastest (a GC pause or another process is not the code's doing). */
  bestOf?: number;
  /** How the slowest input is named in the table (default: its index). */
  label?: (input: T, index: number) => string;
  target?: string;
}

interface Row {
  name: string;
  times: number[];
  target: string;
  worst?: string;
}

/** A fixed, allocation-heavy pure-JS workload: sort 100k seeded doubles and round-trip them through JSON. */
function baselineWork(): number {
  let a = 12345;
  const xs = new Array<number>(100_000);
  for (let i = 0; i < xs.length; i++) {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    xs[i] = a / 4294967296;
  }
  xs.sort((x, y) => x - y);
  return (JSON.parse(JSON.stringify(xs)) as number[]).length;
}

function timeCase(c: BenchCase): number[] {
  const { measure } = c;
  if (measure) return Array.from({ length: c.iterations ?? 10 }, () => measure());
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
  return times;
}

function timeCorpus<T>(c: BenchCorpus<T>): Row {
  c.warmUp?.();
  const times: number[] = [];
  let worst = -1;
  let worstInput: T | undefined;
  let index = 0;
  for (const input of c.inputs) {
    let best = Infinity;
    for (let k = 0; k < (c.bestOf ?? 1); k++) {
      const t0 = performance.now();
      c.run(input);
      best = Math.min(best, performance.now() - t0);
    }
    if (best > worst) {
      worst = best;
      worstInput = input;
    }
    times.push(best);
    index++;
  }
  const worstIndex = times.indexOf(worst);
  const worstName = worstInput === undefined ? '' : (c.label?.(worstInput, worstIndex) ?? `input ${worstIndex}`);
  return { name: `${c.name} (${index} inputs)`, times, target: c.target ?? '', worst: worstName };
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const filter = process.argv[2] ?? '';
  const baseline = quantile(
    timeCase({ name: 'baseline', run: baselineWork, iterations: 30 }).sort((x, y) => x - y),
    0.5,
  );
  const rows: Row[] = [];
  for (const file of readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort()) {
    // Loaded by name so adding a module is adding a file; tsx compiles it on import.
    const mod = (await import(pathToFileURL(join(__dirname, file)).href)) as {
      benches?: () => BenchCase[];
      corpora?: () => BenchCorpus[];
    };
    for (const c of mod.benches?.() ?? [])
      if (c.name.includes(filter)) rows.push({ name: c.name, times: timeCase(c), target: c.target ?? '' });
    for (const c of mod.corpora?.() ?? []) if (c.name.includes(filter)) rows.push(timeCorpus(c));
  }
  const f3 = (x: number): string => x.toFixed(3);
  const table = [['case', 'median ms', 'p95 ms', 'p99 ms', 'max ms', 'n', '× baseline', 'target / slowest']];
  for (const r of rows) {
    const s = [...r.times].sort((x, y) => x - y);
    const med = quantile(s, 0.5);
    const note = [r.target, r.worst ? `slowest: ${r.worst}` : ''].filter(Boolean).join('; ');
    table.push([
      r.name,
      f3(med),
      f3(quantile(s, 0.95)),
      f3(quantile(s, 0.99)),
      f3(s[s.length - 1] ?? NaN),
      String(s.length),
      (med / baseline).toFixed(4),
      note,
    ]);
  }
  const widths = (table[0] ?? []).map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  const left = new Set([0, 7]);
  for (const r of table)
    console.log(
      r.map((cell, i) => (left.has(i) ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '),
    );
  console.log(
    `baseline (sort + JSON round trip of 100k doubles): median ${f3(baseline)} ms; a ratio is the case's median over it`,
  );
}

void main();
