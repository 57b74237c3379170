import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { analyze, type AnalysisResult } from '../core/analyze';
import { formatChunkLengths } from '../core/format';
import { isKnownGpu, GPU_PROFILES } from '../core/hardware/gpus';
import { SCHEDULE_NAMES, type CoreDiagnostic, type ScheduleEvaluation } from '../core/types';
import { UsageError, numberOption, parseCliArgs } from './args';
import { buildPerfettoTrace } from '../core/trace/perfetto';
import { buildReportHtml, findWebviewAssets } from '../panel/report';

/** Files larger than this are refused rather than read: launch configs are kilobytes, not gigabytes. */
const MAX_INPUT_BYTES = 16 * 1024 * 1024;

export function runAnalyzeCommand(argv: string[]): number {
  const { positional, values, switches } = parseCliArgs(argv, { values: ['gpu', 'efficiency', 'trace', 'report'], switches: ['json'] });
  if (positional.length !== 1) throw new UsageError(positional.length ? 'analyze takes exactly one FILE' : 'analyze needs a FILE');
  const file = positional[0];
  const gpuId = values.get('gpu');
  if (gpuId !== undefined && !isKnownGpu(gpuId)) {
    throw new UsageError(`unknown GPU '${gpuId}'; known: ${GPU_PROFILES.map((g) => g.id).join(', ')}`);
  }
  const efficiency = numberOption(values, 'efficiency', { min: 0.01, max: 1 });
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_INPUT_BYTES) throw new UsageError(`${file} is ${size} bytes; launch configs over ${MAX_INPUT_BYTES} bytes are not analysed`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const result = analyze(text, { fileName: basename(file), gpuId, efficiency });
  if (switches.has('json')) {
    process.stdout.write(JSON.stringify(toJson(file, result), null, 2) + '\n');
  } else {
    process.stdout.write(formatSummary(file, result));
  }
  writeArtifacts(values, result, text, { fileName: basename(file), gpuId, efficiency }, switches.has('json'));
  return 0;
}

/** --trace / --report: written after the summary; their paths go to stderr under --json so stdout stays JSON. */
function writeArtifacts(values: Map<string, string>, result: AnalysisResult, text: string, opts: { fileName: string; gpuId?: string; efficiency?: number }, json: boolean): void {
  const say = (line: string): boolean => (json ? process.stderr : process.stdout).write(line + '\n');
  const tracePath = values.get('trace');
  if (tracePath !== undefined) {
    const trace = buildPerfettoTrace(result);
    writeOrFail(tracePath, JSON.stringify(trace));
    say(`Trace: ${resolve(tracePath)} (${trace.traceEvents.length} events${trace.metadata.note ? `; ${String(trace.metadata.note)}` : ''}; open in https://ui.perfetto.dev)`);
  }
  const reportPath = values.get('report');
  if (reportPath !== undefined) {
    const assets = findWebviewAssets(__dirname);
    if (!assets) throw new UsageError('--report needs the built webview (dist/webview/main.js): run `npm run build` first');
    const html = buildReportHtml(result, { fileName: opts.fileName, assets, whatIf: (overrides) => analyze(text, { ...opts, overrides }) });
    writeOrFail(reportPath, html);
    say(`Report: ${resolve(reportPath)}`);
  }
}

function writeOrFail(path: string, data: string): void {
  try {
    writeFileSync(path, data);
  } catch (err) {
    throw new UsageError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function diagnosticToJson(d: CoreDiagnostic): Record<string, unknown> {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    line: d.range.line,
    column: d.range.column,
    endLine: d.range.endLine,
    endColumn: d.range.endColumn,
  };
}

function evaluationToJson(e: ScheduleEvaluation): Record<string, unknown> {
  // sim and memory are large typed arrays meant for the webview, not for JSON consumers.
  const { sim: _sim, memory: _memory, ...rest } = e;
  return rest;
}

export function toJson(file: string, r: AnalysisResult): Record<string, unknown> {
  const schedules: Record<string, unknown> = {};
  for (const name of SCHEDULE_NAMES) {
    const e = r.schedules[name];
    if (e) schedules[name] = evaluationToJson(e);
  }
  return {
    file,
    format: r.format,
    isLaunchConfig: r.isLaunchConfig,
    config: r.config,
    diagnostics: r.diagnostics.map(diagnosticToJson),
    gpu: { id: r.gpu.id, memoryGiB: r.gpu.memoryGiB },
    partition: r.partition,
    selectedSchedule: r.selectedSchedule,
    schedules,
    recommendation: r.recommendation,
  };
}

const pct = (x: number | null | undefined): string => (x == null ? '—' : `${(x * 100).toFixed(1)} %`);
const num = (x: number | null | undefined, digits = 0): string => (x == null ? '?' : x.toFixed(digits));

export function formatSummary(file: string, r: AnalysisResult): string {
  const out: string[] = [];
  out.push(`Schedule Inspector — ${file}`);
  if (!r.isLaunchConfig) {
    out.push('  No Megatron-style launch found in this file.');
  } else {
    const c = r.config;
    out.push(`  Model     L=${num(c.numLayers)} h=${num(c.hiddenSize)} heads=${num(c.numAttentionHeads)} ffn=${num(c.ffnHiddenSize)} seq=${num(c.seqLength)} vocab=${num(c.paddedVocabSize)} ${c.precision ?? ''}`);
    out.push(`  Layout    world=${num(c.worldSize)} = TP ${num(c.tensorParallel)} × PP ${num(c.pipelineParallel)} × CP ${num(c.contextParallel)} × DP ${num(c.dataParallel)}${c.virtualStages && c.virtualStages > 1 ? ` · VPP ${c.virtualStages}` : ''}${c.sequenceParallel ? ' · SP' : ''}`);
    out.push(`  Batch     micro=${num(c.microBatchSize)} global=${num(c.globalBatchSize)} → ${num(c.numMicrobatches)} microbatches per step`);
    out.push(`  Seq1F1B   k=${num(c.pipeSpSplits)} strategy=${c.pipeSpStrategy ?? '?'}${r.partition ? ` chunks ${formatChunkLengths(r.partition.lengths)}` : ''}`);
    const names = SCHEDULE_NAMES.filter((n) => r.schedules[n]);
    if (names.length) {
      out.push(`  Schedules on ${r.gpu.name}:`);
      out.push('    schedule              k  v   step ms   bubble   tok/s      TFLOP/s  allocated peak GiB (worst stage)');
      for (const n of names) {
        const e = r.schedules[n]!;
        const mark = n === r.selectedSchedule ? '▸' : ' ';
        if (!e.applicable) {
          out.push(`  ${mark} ${n.padEnd(20)}  n/a: ${e.reason ?? ''}`);
          continue;
        }
        const peak = e.peakMemoryGiBPerStage ? Math.max(...e.peakMemoryGiBPerStage) : null;
        out.push(
          `  ${mark} ${n.padEnd(20)} ${String(e.splits).padStart(2)} ${String(e.virtualStages).padStart(2)} ${num(e.stepTimeMs, 1).padStart(9)} ${pct(e.bubbleFraction).padStart(8)} ${num(e.tokensPerSecond).padStart(9)} ${num(e.tflopsPerGpu, 1).padStart(8)}  ${peak == null ? '—' : peak.toFixed(1)}${e.oom ? ' OOM' : ''}`,
        );
      }
    }
    if (r.recommendation) {
      const rec = r.recommendation;
      // The recommendation's peak is the reserved estimate (what decides "fits"), the table's the allocated one.
      out.push(`  Recommendation: ${rec.schedule} k=${rec.splits}${rec.virtualStages > 1 ? ` v=${rec.virtualStages}` : ''} ${rec.strategy} — ${rec.stepTimeMs.toFixed(1)} ms/step, worst stage ${rec.peakMemoryGiB.toFixed(1)} GiB reserved`);
    }
  }
  if (r.diagnostics.length) {
    out.push(`  Diagnostics (${r.diagnostics.length}):`);
    for (const d of r.diagnostics) out.push(`    ${file}:${d.range.line + 1}:${d.range.column + 1} ${d.severity} [${d.code}] ${d.message}`);
  } else {
    out.push('  No problems found.');
  }
  return out.join('\n') + '\n';
}
