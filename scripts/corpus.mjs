// Corpus measurement (issue 12 §4): analyse every launch file under a folder the way the editor does and print how
// the reader fares on real files — crashes, time per file, launches seen, files simulated with a memory estimate,
// files with an error, and which codes fire where.
// Usage: npm run corpus -- DIR [--json OUT] [--jobs N] [--timeout-ms MS] [--gpu ID]
//   DIR          a folder of launch files; its first folder level is reported as the repository
//                (the corpus layout is DIR/<owner>__<repo>/<path with / replaced by __>)
//   --json OUT   also write the per-file results (codes with line and message) for later sessions
//   --jobs N     worker threads (default 1: timings stay comparable on a shared machine)
//   --timeout-ms a file still running after this long is stopped and reported (default 10000)
// The core is bundled with esbuild into a temporary folder of its own (as json-parity.mjs does), so it never races
// a build writing dist/; each file is analysed in a worker thread, so the timings exclude process and bundle start.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { runPool } from './lib/workerPool.mjs';

/** The CLI's own input cap (src/cli/analyzeCommand.ts): bigger files are not launch configs. */
const MAX_INPUT_BYTES = 16 * 1024 * 1024;
/** The acceptance bound of issue 12: no file may take longer than this. */
const SLOW_FILE_MS = 1000;
const DEFAULT_TIMEOUT_MS = 10_000;

// What makes a file a launch file (issue 12 §4, the same test /work/corpus/.collect.sh applies when collecting):
// a shell script that names a Megatron entry or flag, or a YAML file with Megatron/NeMo model keys.
const SHELL_LAUNCH = /pretrain_|--num-layers|--pipeline-model-parallel-size|megatron/i;
const YAML_LAUNCH =
  /(^|\s)(num_layers|num-layers|--num-layers|pipeline_model_parallel_size|tensor_model_parallel_size|pipeline-model-parallel-size|tensor-model-parallel-size)[:= ]/m;

function isLaunchFile(name, text) {
  if (/\.sh$/i.test(name)) return SHELL_LAUNCH.test(text);
  return YAML_LAUNCH.test(text);
}

const WARM_UP_SCRIPT = [
  'torchrun --nproc_per_node 8 pretrain_gpt.py \\',
  '  --num-layers 24 --hidden-size 2048 --num-attention-heads 16 --seq-length 4096 --max-position-embeddings 4096 \\',
  '  --micro-batch-size 1 --global-batch-size 64 --pipeline-model-parallel-size 4 --tensor-model-parallel-size 2 \\',
  '  --vocab-size 32000 --bf16 --train-iters 10 --lr 1e-4',
  '',
].join('\n');

// ─── Worker: one file at a time, timed around analyze() only ───────────────────────────────────

async function runWorker() {
  // CommonJS bundle: the yaml package requires Node built-ins dynamically, which an ESM bundle cannot do.
  const { analyze } = createRequire(import.meta.url)(workerData.bundle);
  parentPort.on('message', ({ id, path, fileName }) => {
    const text = readFileSync(path, 'utf8');
    const t0 = performance.now();
    try {
      const result = analyze(text, { fileName, gpuId: workerData.gpuId });
      const ms = performance.now() - t0;
      const own = result.selectedSchedule ? result.schedules[result.selectedSchedule] : undefined;
      parentPort.postMessage({
        id,
        ms,
        launch: result.isLaunchConfig,
        schedule: result.selectedSchedule,
        // Present once the reader detects dialects (issue 12 §1); absent on older trees.
        dialect: result.dialect?.id ?? null,
        kind: result.scriptKind?.id ?? null,
        // Why the file's own schedule has no memory estimate, when it has none (the engine's own words).
        notAnalysedWhy: own ? (own.reason ?? null) : result.isLaunchConfig ? 'no schedule selected' : null,
        analysed: Boolean(own && !own.whatIf && own.peakMemoryGiBPerStage),
        diagnostics: result.diagnostics.map((d) => ({
          severity: d.severity,
          code: d.code,
          line: d.range.line + 1,
          message: d.message,
        })),
      });
    } catch (err) {
      const crash = err instanceof Error ? `${err.message}\n${err.stack ?? ''}`.slice(0, 2000) : String(err);
      parentPort.postMessage({ id, ms: performance.now() - t0, crash });
    }
  });
  // The first analysis pays for loading and compiling the core's code paths: do it here, so that cost stays with
  // start-up (the editor pays it once per session) and not with whichever file happens to come first.
  analyze(WARM_UP_SCRIPT, { fileName: 'warm-up.sh', gpuId: workerData.gpuId });
  parentPort.postMessage('ready');
}

// ─── Main thread: collect, bundle, dispatch, summarise ─────────────────────────────────────────

function parseArgs(argv) {
  const opts = { dir: null, json: null, jobs: 1, timeoutMs: DEFAULT_TIMEOUT_MS, gpuId: 'a100-80gb' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--json') opts.json = value();
    else if (a === '--jobs') opts.jobs = Math.max(1, Number(value()) || 1);
    else if (a === '--timeout-ms') opts.timeoutMs = Math.max(100, Number(value()) || DEFAULT_TIMEOUT_MS);
    else if (a === '--gpu') opts.gpuId = value();
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else if (opts.dir === null) opts.dir = a;
    else throw new Error('corpus takes exactly one DIR');
  }
  if (opts.dir === null) throw new Error('usage: npm run corpus -- DIR [--json OUT] [--jobs N] [--timeout-ms MS]');
  return opts;
}

/** Every .sh/.yaml/.yml under dir that passes the launch-file test; the rest are only counted. */
function collect(dir) {
  const files = [];
  let skipped = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      // Hidden entries (.git, the corpus's own .collect.sh) and installed packages are not launch files.
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      if (e.isDirectory()) {
        walk(p);
      } else if (e.isFile() && /\.(sh|ya?ml)$/i.test(e.name)) {
        if (statSync(p).size <= MAX_INPUT_BYTES && isLaunchFile(e.name, readFileSync(p, 'utf8'))) files.push(p);
        else skipped++;
      }
    }
  };
  walk(dir);
  return { files, skipped };
}

/** Repository = first folder level under DIR; the file name handed to analyze() restores the corpus's flattened path. */
function describe(dir, path) {
  const rel = relative(dir, path).split(sep).join('/');
  const slash = rel.indexOf('/');
  const repo = slash < 0 ? '.' : rel.slice(0, slash);
  const fileName = join(dirname(rel), basename(rel).replaceAll('__', '/'));
  return { rel, repo, fileName };
}

async function bundleCore(tmp) {
  const esbuild = await import('esbuild');
  const root = fileURLToPath(new URL('..', import.meta.url));
  const bundle = join(tmp, 'analyze.cjs');
  await esbuild.build({
    entryPoints: [join(root, 'src/core/analyze.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    logLevel: 'warning',
  });
  return bundle;
}

/** Runs every file through `jobs` workers (scripts/lib/workerPool.mjs: a hang or a dead worker is one result). */
async function runAll(files, dir, opts, bundle) {
  const results = new Array(files.length);
  await runPool({
    count: files.length,
    jobs: opts.jobs,
    timeoutMs: opts.timeoutMs,
    script: fileURLToPath(import.meta.url),
    workerData: { bundle, gpuId: opts.gpuId },
    message: (i) => ({ path: files[i], fileName: describe(dir, files[i]).fileName }),
    onResult: (i, msg) => (results[i] = msg),
    onTimeout: (i) => (results[i] = { ms: opts.timeoutMs, timedOut: true }),
    onDeath: (i, err) => (results[i] = { ms: 0, crash: `worker died: ${err.message}` }),
  });
  return results;
}

// ─── Summary ───────────────────────────────────────────────────────────────────────────────────

/** Nearest-rank percentile of an ascending array. */
const percentile = (sortedMs, p) =>
  sortedMs.length ? sortedMs[Math.max(0, Math.ceil(p * sortedMs.length) - 1)] : Number.NaN;
const pct = (n, of) => (of ? `${((100 * n) / of).toFixed(1)} %` : '–');
const ms1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');

/** code → { count, files, example } over the rows, for one severity. */
function codeTable(rows, severity) {
  const table = new Map();
  for (const r of rows) {
    const seen = new Set();
    for (const d of r.diagnostics ?? []) {
      if (d.severity !== severity) continue;
      const entry = table.get(d.code) ?? { count: 0, files: 0, example: `${r.file}:${d.line}` };
      entry.count++;
      if (!seen.has(d.code)) entry.files++;
      seen.add(d.code);
      table.set(d.code, entry);
    }
  }
  return [...table].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]));
}

/** Why training launches have no estimate: the engine's reason with numbers and flag lists kept (they are the point). */
function reasonTable(rows) {
  const table = new Map();
  for (const r of rows) {
    const why = r.crash ? 'crash' : r.timedOut ? 'timed out' : (r.notAnalysedWhy ?? 'no estimate (no reason given)');
    const key = why.replace(/\d+(\.\d+)?/g, 'N').slice(0, 140);
    const entry = table.get(key) ?? { count: 0, example: r.file };
    entry.count++;
    table.set(key, entry);
  }
  return [...table].sort((a, b) => b[1].count - a[1].count).slice(0, 15);
}

function summarise(rows) {
  const sorted = rows.map((r) => r.ms).sort((a, b) => a - b);
  const launches = rows.filter((r) => r.launch);
  const training = launches.filter((r) => (r.kind ?? 'training') === 'training');
  return {
    files: rows.length,
    crashes: rows.filter((r) => r.crash).length,
    timeouts: rows.filter((r) => r.timedOut).length,
    internalErrors: rows.filter((r) => r.diagnostics?.some((d) => d.code === 'internal-error')).length,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    maxMs: sorted.at(-1) ?? Number.NaN,
    launch: launches.length,
    analysed: rows.filter((r) => r.analysed).length,
    training: training.length,
    trainingAnalysed: training.filter((r) => r.analysed).length,
    whyNot: reasonTable(training.filter((r) => !r.analysed)),
    withError: rows.filter((r) => r.diagnostics?.some((d) => d.severity === 'error')).length,
    errors: codeTable(rows, 'error'),
    warnings: codeTable(rows, 'warning'),
  };
}

function printCodes(lines, title, table, indent) {
  if (!table.length) {
    lines.push(`${indent}${title}: none`);
    return;
  }
  lines.push(`${indent}${title} (code  diagnostics  files  example):`);
  const width = Math.max(...table.map(([c]) => c.length));
  for (const [code, e] of table)
    lines.push(
      `${indent}  ${code.padEnd(width)}  ${String(e.count).padStart(6)}  ${String(e.files).padStart(5)}  ${e.example}`,
    );
}

function printBlock(lines, s, indent) {
  const row = (label, value) => lines.push(`${indent}${label.padEnd(24)}${value}`);
  row('files', String(s.files));
  row('crashes', String(s.crashes));
  row('timeouts', String(s.timeouts));
  row('internal errors', `${s.internalErrors} files with internal-error`);
  row('time per file', `p50 ${ms1(s.p50Ms)} ms  p95 ${ms1(s.p95Ms)} ms  max ${ms1(s.maxMs)} ms`);
  row('launch detected', `${s.launch} (${pct(s.launch, s.files)})`);
  row('analysed', `${s.analysed} (${pct(s.analysed, s.files)} of files, ${pct(s.analysed, s.launch)} of launches)`);
  row('training launches', `${s.training}, analysed ${s.trainingAnalysed} (${pct(s.trainingAnalysed, s.training)})`);
  row('files with ≥ 1 error', `${s.withError} (${pct(s.withError, s.files)})`);
  printCodes(lines, 'error codes', s.errors, indent);
  printCodes(lines, 'warning codes', s.warnings, indent);
  if (s.whyNot.length) {
    lines.push(`${indent}training launches not analysed, by reason (count  reason  example):`);
    for (const [why, e] of s.whyNot) lines.push(`${indent}  ${String(e.count).padStart(5)}  ${why}  ${e.example}`);
  }
}

/** One line per detected dialect, when the tree under test reports dialects at all. */
function printDialects(lines, rows) {
  if (!rows.some((r) => r.dialect)) return;
  lines.push('', 'by dialect (files  launch  analysed  with error):');
  const ids = [...new Set(rows.map((r) => r.dialect ?? '(none)'))].sort();
  for (const id of ids) {
    const s = summarise(rows.filter((r) => (r.dialect ?? '(none)') === id));
    lines.push(
      `  ${id.padEnd(20)} ${String(s.files).padStart(5)}  ${pct(s.launch, s.files).padStart(7)}  ${pct(s.analysed, s.files).padStart(7)}  ${pct(s.withError, s.files).padStart(7)}`,
    );
  }
}

function report(rows, meta) {
  const lines = [
    `Schedule Inspector corpus: ${meta.dir} — ${rows.length} launch files (${meta.skipped} .sh/.yaml files skipped as not launch files), GPU ${meta.gpuId}, ${meta.jobs} worker(s)`,
    '',
  ];
  const total = summarise(rows);
  printBlock(lines, total, '');
  const bad = rows.filter((r) => r.crash || r.timedOut || r.ms > SLOW_FILE_MS);
  lines.push('', `files over ${SLOW_FILE_MS} ms, timed out or crashed: ${bad.length}`);
  for (const r of bad) {
    const what = r.crash ? `crash: ${r.crash.split('\n')[0]}` : r.timedOut ? 'timed out' : 'slow';
    lines.push(`  ${r.file}  ${ms1(r.ms)} ms  ${what}`);
  }
  for (const r of rows.filter((x) => x.diagnostics?.some((d) => d.code === 'internal-error')))
    lines.push(`  internal-error: ${r.file}`);
  printDialects(lines, rows);
  const repos = [...new Set(rows.map((r) => r.repo))].sort();
  for (const repo of repos) {
    lines.push('', `── ${repo}`);
    printBlock(lines, summarise(rows.filter((r) => r.repo === repo)), '  ');
  }
  return { text: lines.join('\n'), total };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const dir = resolve(opts.dir);
  const { files, skipped } = collect(dir);
  const tmp = mkdtempSync(join(tmpdir(), 'si-corpus-'));
  try {
    const bundle = await bundleCore(tmp);
    const raw = await runAll(files, dir, opts, bundle);
    const rows = raw.map((r, i) => {
      const { rel, repo } = describe(dir, files[i]);
      return { file: rel, repo, ...r, ms: Math.round(r.ms * 100) / 100 };
    });
    const { text, total } = report(rows, { dir, skipped, gpuId: opts.gpuId, jobs: opts.jobs });
    console.log(text);
    if (opts.json) {
      const { errors, warnings, whyNot, ...figures } = total;
      const json = {
        dir,
        gpu: opts.gpuId,
        totals: {
          ...figures,
          errors: Object.fromEntries(errors),
          warnings: Object.fromEntries(warnings),
          whyNot: Object.fromEntries(whyNot),
        },
        files: rows.map(({ id: _id, ...r }) => r),
      };
      writeFileSync(opts.json, JSON.stringify(json, null, 1) + '\n');
      console.log(`\nper-file results written to ${opts.json}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (isMainThread) await main();
else await runWorker();
