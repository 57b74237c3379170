// `schedule-inspector analyze FILE`: read one launch file, analyse it, print the text summary or JSON, and write the
// optional trace and HTML report. Rendering lives in report/ (shared with the editor); I/O comes from the caller.
import { basename, resolve } from 'node:path';
import { analyze, type AnalysisResult, type AnalyzeOptions } from '../core/analyze';
import { isKnownGpu, GPU_PROFILES } from '../core/hardware/gpus';
import { parseDialectSetting } from '../core/read/dialect';
import { buildPerfettoTrace } from '../core/trace/perfetto';
import { DIALECT_IDS } from '../core/types';
import { buildReportHtml, findWebviewAssets } from '../report/html';
import { toJson } from '../report/json';
import { formatSummary } from '../report/text';
import { InputError, UsageError, numberOption, parseCliArgs } from './args';
import { stringifyFinite } from './finiteJson';
import { fileErrorText, isSystemError, type CliIo } from './io';

/**
 * Files larger than this are refused rather than read: launch configs are kilobytes (the largest of the 1,938 real
 * ones in the corpus is 20 KB), and the cap bounds what one run reads however the file presents itself.
 */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** What `--trace` / `--report` need besides the result: the text and options to re-run what-ifs for the report. */
interface ArtifactContext {
  result: AnalysisResult;
  text: string;
  options: AnalyzeOptions & { fileName: string };
  json: boolean;
}

export function runAnalyzeCommand(argv: readonly string[], io: CliIo): number {
  const { positional, values, switches } = parseCliArgs(argv, {
    values: ['gpu', 'efficiency', 'trace', 'report', 'dialect'],
    switches: ['json'],
  });
  const [file, ...extra] = positional;
  if (file === undefined || extra.length)
    throw new UsageError(file === undefined ? 'analyze needs a FILE' : 'analyze takes exactly one FILE');
  const gpuId = values.get('gpu');
  if (gpuId !== undefined && !isKnownGpu(gpuId)) {
    throw new UsageError(`unknown GPU '${gpuId}'; known: ${GPU_PROFILES.map((g) => g.id).join(', ')}`);
  }
  const dialectArg = values.get('dialect');
  const dialect = dialectArg === undefined ? undefined : parseDialectSetting(dialectArg);
  if (dialect === null) throw new UsageError(`unknown dialect '${dialectArg}'; known: auto, ${DIALECT_IDS.join(', ')}`);
  const efficiency = numberOption(values, 'efficiency', { min: 0.01, max: 1 });
  const text = readInput(file, io);
  const options: ArtifactContext['options'] = { fileName: basename(file) };
  if (gpuId !== undefined) options.gpuId = gpuId;
  if (efficiency !== undefined) options.efficiency = efficiency;
  if (dialect !== undefined) options.dialect = dialect;
  const result = analyze(text, options);
  const json = switches.has('json');
  // Built in text mode too: a NaN or Infinity in the result is a bug either way, and it must not reach a user as a
  // number (text) or as a null (JSON) — stringifyFinite throws and the run ends as an internal error.
  const jsonText = stringifyFinite(toJson(file, result), 2);
  io.stdout(json ? jsonText + '\n' : formatSummary(file, result));
  writeArtifacts(values, { result, text, options, json }, io);
  return 0;
}

function readInput(file: string, io: CliIo): string {
  try {
    return io.readTextFile(file, MAX_INPUT_BYTES);
  } catch (err) {
    // A file-system error (ENOENT, EACCES, …) is the input's; anything else is our bug and ends as an internal error.
    if (err instanceof InputError || !isSystemError(err)) throw err;
    throw new InputError(`cannot read ${file}: ${fileErrorText(err)}`);
  }
}

/** --trace / --report: written after the summary; their paths go to stderr under --json so stdout stays JSON. */
function writeArtifacts(values: ReadonlyMap<string, string>, ctx: ArtifactContext, io: CliIo): void {
  const say = (line: string): void => (ctx.json ? io.stderr(line + '\n') : io.stdout(line + '\n'));
  const tracePath = values.get('trace');
  if (tracePath !== undefined) {
    const trace = buildPerfettoTrace(ctx.result);
    writeOrFail(tracePath, stringifyFinite(trace), io);
    const note = trace.metadata['note'];
    say(
      `Trace: ${resolve(tracePath)} (${trace.traceEvents.length} events${note ? `; ${String(note)}` : ''}; open in https://ui.perfetto.dev)`,
    );
  }
  const reportPath = values.get('report');
  if (reportPath !== undefined) {
    const assets = findWebviewAssets(__dirname);
    if (!assets)
      throw new UsageError('--report needs the built webview (dist/webview/main.js): run `npm run build` first');
    const { text, options } = ctx;
    const html = buildReportHtml(ctx.result, {
      fileName: options.fileName,
      assets,
      whatIf: (overrides) => analyze(text, { ...options, overrides }),
    });
    writeOrFail(reportPath, html, io);
    say(`Report: ${resolve(reportPath)}`);
  }
}

function writeOrFail(path: string, data: string, io: CliIo): void {
  try {
    io.writeFile(path, data);
  } catch (err) {
    throw new InputError(`cannot write ${path}: ${fileErrorText(err)}`);
  }
}
