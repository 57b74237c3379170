// The long fuzz run of issue 15: seeded inputs (test/support/analysisFuzz.ts: mutated launch fixtures, bash and
// YAML, and hostile one-liners) through analyze(), the path of the editor and the CLI, in worker threads with a
// per-input timeout, so a hang is reported rather than waited on.
// Usage: npm run fuzz -- [--count N] [--seed S] [--jobs J] [--timeout-ms MS] [--out DIR]
//   --count       inputs (default 100,000)          --seed     PRNG seed (default 20261207, as the unit test)
//   --jobs        worker threads (default 1)        --timeout-ms  an input still running after this is a hang (2000)
//   --out         where failing and slowest inputs are written (default a temp folder, printed)
// Prints the counts of throws, non-finite numbers, internal errors and timeouts, the wall and CPU time per input (p50,
// p99, p99.9, max; CPU time is what to judge a run on a loaded machine by), the simulated ops per input, the 20
// slowest inputs by wall and the 10 by CPU time, each with its class (which generator made it, the file, the schedule,
// ops spent and how many evaluations were sampled), and the peak heap of the slowest one (re-run alone). Exits 1
// when anything but time went wrong. The core and the corpus generator are bundled with esbuild into a temporary
// folder (as scripts/corpus.mjs does), so a build writing dist/ cannot race it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { runPool } from './lib/workerPool.mjs';

const DEFAULTS = { count: 100_000, seed: 20261207, jobs: 1, timeoutMs: 2000, out: null };
/** The acceptance goals of issue 15, printed next to the figures. */
const GOAL_MAX_MS = 100;
const GOAL_P99_MS = 20;
const SHOW = 120;

// ─── Worker: analyse one input at a time ─────────────────────────────────────────────────────────

function runWorker() {
  const { analyze, nonFinitePath, fixtureInputs } = createRequire(import.meta.url)(workerData.bundle);
  // Warm up before timing anything: every launch fixture analysed once, so V8 has compiled the core's hot paths. The
  // editor's extension host is warm after its first file; without this the first inputs measured the JIT (~100+ ms).
  for (const f of fixtureInputs()) analyze(f.text, { fileName: f.fileName });
  parentPort.on('message', ({ id, text, fileName }) => {
    const before = getHeapStatistics();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let problem = null;
    let kind = null;
    let work = null;
    try {
      const result = analyze(text, { fileName });
      // What the input made the core do, for its class in the slowest list: the work budget spent, the schedule,
      // how many evaluations were sampled, and the reading time (the reader has its own budget, not counted in ops).
      const evaluations = Object.values(result.schedules ?? {}).filter((e) => e?.applicable);
      work = {
        ops: result.simulatedOps ?? 0,
        schedule: result.selectedSchedule,
        simulated: evaluations.length,
        sampled: evaluations.filter((e) => e.extrapolated).length,
        readMs: result.timingsMs.read,
      };
      const internal = result.diagnostics.find((d) => d.code === 'internal-error');
      const where = nonFinitePath(result);
      if (internal) [kind, problem] = ['internal', internal.message];
      else if (where) [kind, problem] = ['nonFinite', `non-finite number at ${where}`];
    } catch (err) {
      [kind, problem] = ['throw', err instanceof Error ? `${err.name}: ${err.message}` : String(err)];
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const after = getHeapStatistics();
    parentPort.postMessage({
      id,
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
      kind,
      problem,
      work,
      // V8 grows the committed heap to the peak and shrinks it lazily: after − before bounds the peak from below.
      heapBytes: after.total_heap_size - before.total_heap_size + (after.used_heap_size - before.used_heap_size),
      committedBytes: after.total_heap_size,
    });
  });
  parentPort.postMessage('ready');
}

// ─── Main thread ────────────────────────────────────────────────────────────────────────────────

function parseArgs(argv) {
  const opts = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--count') opts.count = Math.max(1, Math.floor(Number(value())));
    else if (a === '--seed') opts.seed = Number(value());
    else if (a === '--jobs') opts.jobs = Math.max(1, Math.floor(Number(value())));
    else if (a === '--timeout-ms') opts.timeoutMs = Math.max(50, Number(value()));
    else if (a === '--out') opts.out = value();
    else
      throw new Error(
        `unknown option ${a}\nusage: npm run fuzz -- [--count N] [--seed S] [--jobs J] [--timeout-ms MS] [--out DIR]`,
      );
  }
  if (!Number.isFinite(opts.count) || !Number.isFinite(opts.seed)) throw new Error('--count and --seed take numbers');
  return opts;
}

async function bundle(tmp) {
  const esbuild = await import('esbuild');
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = join(tmp, 'fuzz.cjs');
  await esbuild.build({
    stdin: {
      contents: [
        "export { analyze } from './src/core/analyze';",
        "export { analysisFuzzInputs, fixtureInputs, nonFinitePath } from './test/support/analysisFuzz';",
      ].join('\n'),
      resolveDir: root,
      loader: 'ts',
    },
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    logLevel: 'warning',
    // test/support/paths.ts finds the repository from its own folder; the bundle lives in a temporary one.
    define: { __dirname: JSON.stringify(join(root, 'test', 'support')) },
  });
  return out;
}

/** Runs the inputs through `jobs` workers (scripts/lib/workerPool.mjs: a hang or a dead worker is one result). */
function runAll(inputs, opts, bundlePath, onResult) {
  return runPool({
    count: inputs.length,
    jobs: opts.jobs,
    timeoutMs: opts.timeoutMs,
    script: fileURLToPath(import.meta.url),
    workerData: { bundle: bundlePath },
    message: (i) => ({ text: inputs[i].text, fileName: inputs[i].fileName }),
    onResult,
    onTimeout: (i) =>
      onResult(i, { ms: opts.timeoutMs, kind: 'timeout', problem: `still running after ${opts.timeoutMs} ms` }),
    // The worker died (out of memory, stack): that is a crash of the host in the editor.
    onDeath: (i, err) => onResult(i, { ms: 0, kind: 'throw', problem: `worker died: ${err.message}` }),
  });
}

/** An input's class: the generator that made it, the file, and what it made the core do. */
function classOf(input, work) {
  const what = !work
    ? 'no result'
    : work.schedule == null
      ? `no schedule (read ${fmt(work.readMs)})`
      : `${work.schedule}, ${work.ops.toLocaleString('en-US')} ops, ${work.simulated} simulated${work.sampled ? ` (${work.sampled} sampled)` : ''}`;
  return `[${input.origin ?? '?'}] ${input.fileName}: ${what}`;
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const fmt = (ms) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
const shown = (text) => {
  const s = JSON.stringify(text.length > SHOW ? `${text.slice(0, SHOW)}…` : text);
  return text.length > SHOW ? `${s} (${text.length.toLocaleString('en-US')} chars)` : s;
};

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const tmp = mkdtempSync(join(tmpdir(), 'si-fuzz-'));
  const outDir = opts.out ?? join(tmpdir(), `si-fuzz-inputs-${opts.seed}`);
  mkdirSync(outDir, { recursive: true });
  try {
    const bundlePath = await bundle(tmp);
    const { analysisFuzzInputs } = createRequire(import.meta.url)(bundlePath);
    const inputs = [...analysisFuzzInputs(opts.seed, opts.count)];
    const times = new Float64Array(inputs.length);
    const cpuTimes = new Float64Array(inputs.length);
    const works = new Array(inputs.length).fill(null);
    const counts = { throw: 0, nonFinite: 0, internal: 0, timeout: 0 };
    const failures = [];
    let maxHeapGrowth = { bytes: 0, id: -1 };
    const t0 = performance.now();
    let reported = 0;
    await runAll(inputs, opts, bundlePath, (id, r) => {
      times[id] = r.ms;
      cpuTimes[id] = r.cpuMs ?? r.ms;
      works[id] = r.work ?? null;
      if (r.kind) {
        counts[r.kind]++;
        if (failures.length < 20) failures.push({ id, ...r });
      }
      if ((r.heapBytes ?? 0) > maxHeapGrowth.bytes) maxHeapGrowth = { bytes: r.heapBytes, id };
      if (++reported % 10_000 === 0)
        process.stderr.write(
          `  ${reported.toLocaleString('en-US')} inputs, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`,
        );
    });
    const wall = (performance.now() - t0) / 1000;
    const sorted = Float64Array.from(times).sort();
    const sortedCpu = Float64Array.from(cpuTimes).sort();
    const order = [...times.keys()].sort((a, b) => times[b] - times[a]);
    const slow = order.slice(0, 20);
    const slowCpu = [...cpuTimes.keys()].sort((a, b) => cpuTimes[b] - cpuTimes[a]).slice(0, 10);
    const sortedOps = Float64Array.from(works, (w) => w?.ops ?? 0).sort();
    const overCpu = cpuTimes.filter((ms) => ms >= GOAL_MAX_MS).length;
    const over = times.filter((ms) => ms >= GOAL_MAX_MS).length;

    // The slowest input alone in a fresh worker: its committed heap is the peak one analysis needed.
    // A timed-out input is given ten times as long here, so its heap is measured too.
    let peak = null;
    if (slow.length) {
      const again = { ...opts, jobs: 1, timeoutMs: opts.timeoutMs * 10 };
      await runAll([inputs[slow[0]]], again, bundlePath, (_, r) => (peak = r));
    }

    const p = (q) => fmt(quantile(sorted, q));
    const c = (q) => fmt(quantile(sortedCpu, q));
    const lines = [
      `fuzz: ${inputs.length.toLocaleString('en-US')} inputs, seed ${opts.seed}, ${opts.jobs} job(s), ${wall.toFixed(0)} s`,
      `  throws ${counts.throw}   non-finite ${counts.nonFinite}   internal errors ${counts.internal}   timeouts (> ${opts.timeoutMs} ms) ${counts.timeout}`,
      `  time per input: p50 ${p(0.5)}  p99 ${p(0.99)} (goal < ${GOAL_P99_MS} ms)  p99.9 ${p(0.999)}  max ${fmt(sorted[sorted.length - 1] ?? 0)}  ≥ ${GOAL_MAX_MS} ms: ${over}`,
      // CPU time of the process while the input ran (its worker, V8's GC helpers; the other workers too when
      // --jobs > 1): on a machine other processes load, wall time stretches and CPU time much less.
      `  CPU time per input${opts.jobs > 1 ? ' (all workers, so an over-estimate with --jobs > 1)' : ''}: p50 ${c(0.5)}  p99 ${c(0.99)}  p99.9 ${c(0.999)}  max ${fmt(sortedCpu[sortedCpu.length - 1] ?? 0)}  ≥ ${GOAL_MAX_MS} ms: ${overCpu}`,
      `  simulated ops per input: p50 ${quantile(sortedOps, 0.5)}  p99 ${quantile(sortedOps, 0.99)}  p99.9 ${quantile(sortedOps, 0.999)}  max ${sortedOps[sortedOps.length - 1] ?? 0}`,
      `  peak heap of the slowest input (#${slow[0]}, alone in a fresh worker): ${peak?.committedBytes ? `${(peak.committedBytes / 2 ** 20).toFixed(0)} MiB committed V8 heap (${fmt(peak.ms)} alone)` : `n/a (${peak?.problem ?? 'not run'})`}; largest heap growth during one input: ${(maxHeapGrowth.bytes / 2 ** 20).toFixed(0)} MiB (#${maxHeapGrowth.id})`,
      '  slowest inputs (wall):',
      ...slow.map((id) => `    #${id} ${fmt(times[id])} (CPU ${fmt(cpuTimes[id])}) ${classOf(inputs[id], works[id])}`),
      '  slowest inputs (CPU):',
      ...slowCpu.map(
        (id) => `    #${id} CPU ${fmt(cpuTimes[id])} (wall ${fmt(times[id])}) ${classOf(inputs[id], works[id])}`,
      ),
      '  texts of the slowest (wall):',
      ...slow.slice(0, 10).map((id) => `    #${id} ${inputs[id].fileName} ${shown(inputs[id].text)}`),
    ];
    // Every input's times, for finding the slow classes (sort -k3 -n).
    writeFileSync(
      join(outDir, 'times.tsv'),
      `id\twallMs\tcpuMs\tops\tfile\tclass\n${[...times.keys()].map((id) => `${id}\t${times[id].toFixed(2)}\t${cpuTimes[id].toFixed(2)}\t${works[id]?.ops ?? ''}\t${inputs[id].fileName}\t${classOf(inputs[id], works[id])}`).join('\n')}\n`,
    );
    for (const id of slow.slice(0, 3))
      writeFileSync(join(outDir, `slow-${id}-${inputs[id].fileName}`), inputs[id].text);
    if (failures.length) {
      lines.push('  failures:');
      for (const f of failures) {
        const file = join(outDir, `fail-${f.id}-${inputs[f.id].fileName}`);
        writeFileSync(file, inputs[f.id].text);
        lines.push(`    #${f.id} ${f.kind}: ${String(f.problem).slice(0, 300)}  (input: ${file})`);
      }
    }
    lines.push(`  inputs written to ${outDir}`);
    console.log(lines.join('\n'));
    process.exitCode = counts.throw + counts.nonFinite + counts.internal + counts.timeout > 0 ? 1 : 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 2;
  });
} else runWorker();
