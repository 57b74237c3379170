// `schedule-inspector analyze FILE`: read one launch file, analyse it, print the text summary or JSON, and write the
// optional trace and HTML report. Rendering lives in report/ (shared with the editor); I/O comes from the caller.
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { version as packageVersion } from '../../package.json';
import { analyze, type AnalysisResult, type AnalyzeOptions } from '../core/analyze';
import { isKnownGpu, GPU_PROFILES } from '../core/hardware/gpus';
import { parseDialectSetting } from '../core/read/dialect';
import { calibrateFromLog, type CalibrationOutcome } from '../core/logs/calibrate';
import { ChromeTraceReader, compareTraces, type ChromeTrace } from '../core/logs/chromeTrace';
import { compareWithLog, type LogComparison } from '../core/logs/compare';
import { MegatronLogReader, type MegatronLog } from '../core/logs/megatronLog';
import { buildPerfettoTrace } from '../core/trace/perfetto';
import { DIALECT_IDS } from '../core/types';
import type { MeasuredPayload } from '../protocol/measured';
import { buildReportHtml, findWebviewAssets, reportMeasured } from '../report/html';
import { toJson } from '../report/json';
import {
  calibrationToJson,
  comparisonToJson,
  formatCalibration,
  formatComparison,
  formatTraceComparison,
  traceComparisonToJson,
} from '../report/logComparison';
import { buildSarif } from '../report/sarif';
import { formatSummary } from '../report/text';
import { EXIT_CODES, InputError, UsageError, numberOption, parseCliArgs } from './args';
import { stringifyFinite } from './finiteJson';
import { expandInputs } from './inputs';
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
  /** What --log / --profile measured, for the report's overlay. */
  measured?: MeasuredPayload | null;
}

type Format = 'text' | 'json' | 'sarif';
type FailOn = 'error' | 'warning' | 'never';
const FORMATS: readonly Format[] = ['text', 'json', 'sarif'];
const FAIL_ON: readonly FailOn[] = ['error', 'warning', 'never'];

function formatOf(values: ReadonlyMap<string, string>, switches: ReadonlySet<string>): Format {
  const given = values.get('format');
  if (given !== undefined && !FORMATS.includes(given as Format))
    throw new UsageError(`unknown format '${given}'; known: ${FORMATS.join(', ')}`);
  if (switches.has('json') && given !== undefined && given !== 'json')
    throw new UsageError(`--json and --format ${given} ask for different outputs`);
  return switches.has('json') ? 'json' : ((given as Format | undefined) ?? 'text');
}

function failOnOf(values: ReadonlyMap<string, string>): FailOn {
  const given = values.get('fail-on') ?? 'never';
  if (!FAIL_ON.includes(given as FailOn)) throw new UsageError(`--fail-on takes ${FAIL_ON.join(', ')}; got '${given}'`);
  return given as FailOn;
}

/** Whether a diagnostic is at or above the --fail-on level (warning includes errors). */
function fails(severity: string, failOn: FailOn): boolean {
  return failOn === 'error'
    ? severity === 'error'
    : failOn === 'warning' && (severity === 'error' || severity === 'warning');
}

function analyzeOptions(values: ReadonlyMap<string, string>): Omit<AnalyzeOptions, 'fileName'> {
  const gpuId = values.get('gpu');
  if (gpuId !== undefined && !isKnownGpu(gpuId)) {
    throw new UsageError(`unknown GPU '${gpuId}'; known: ${GPU_PROFILES.map((g) => g.id).join(', ')}`);
  }
  const dialectArg = values.get('dialect');
  const dialect = dialectArg === undefined ? undefined : parseDialectSetting(dialectArg);
  if (dialect === null) throw new UsageError(`unknown dialect '${dialectArg}'; known: auto, ${DIALECT_IDS.join(', ')}`);
  const efficiency = numberOption(values, 'efficiency', { min: 0.01, max: 1 });
  const options: Omit<AnalyzeOptions, 'fileName'> = {};
  if (gpuId !== undefined) options.gpuId = gpuId;
  if (efficiency !== undefined) options.efficiency = efficiency;
  if (dialect !== undefined) options.dialect = dialect;
  return options;
}

export function runAnalyzeCommand(argv: readonly string[], io: CliIo): number {
  const { positional, values, switches } = parseCliArgs(argv, {
    values: ['gpu', 'efficiency', 'trace', 'report', 'dialect', 'format', 'fail-on', 'log', 'profile'],
    switches: ['json', 'calibrate'],
  });
  if (!positional.length) throw new UsageError('analyze needs a FILE (or several, a directory or a glob pattern)');
  const format = formatOf(values, switches);
  const failOn = failOnOf(values);
  const base = analyzeOptions(values);
  const files = expandInputs(positional);
  // One named file keeps the single-file outputs (one JSON object, the artifacts); anything else is a batch.
  const single = files.length === 1 && positional.length === 1 && files[0] === positional[0];
  if (!single && (values.has('trace') || values.has('report') || values.has('log') || values.has('profile')))
    throw new UsageError('--trace, --report, --log and --profile take exactly one FILE');
  if (switches.has('calibrate') && !values.has('log')) throw new UsageError('--calibrate needs --log LOG to fit from');
  if (single) {
    const file = files[0] as string;
    const text = readInput(file, io);
    const options: ArtifactContext['options'] = { ...base, fileName: basename(file) };
    const logPath = values.get('log');
    const log = logPath === undefined ? undefined : readLog(logPath, io);
    // --calibrate: fit the knobs to the log first, so the summary, the comparison and the artifacts are calibrated.
    const calibration =
      log && logPath !== undefined && switches.has('calibrate')
        ? calibrateFromLog(text, options, log, logPath)
        : undefined;
    if (calibration?.ok) options.calibration = calibration.fit.knobs;
    const result = analyze(text, options);
    const comparison = log ? compareWithLog(result, log) : undefined;
    const one: Analysed = { file, result };
    if (comparison && logPath !== undefined) Object.assign(one, { comparison, logPath });
    if (calibration) one.calibration = calibration;
    const profiles = values.get('profile');
    const traces = profiles === undefined ? [] : profiles.split(',').map((path) => readProfile(path, io));
    if (profiles !== undefined)
      one.traces = compareTraces(result, traces).map((c, i) => ({ ...c, problems: traces[i]?.problems ?? [] }));
    io.stdout(render(format, [one]));
    const measured = reportMeasured(
      result,
      comparison && logPath !== undefined ? { name: basename(logPath), comparison } : null,
      traces.map((trace, i) => ({ name: basename(profiles?.split(',')[i] ?? ''), trace })),
    );
    writeArtifacts(values, { result, text, options, json: format !== 'text', measured }, io);
    return result.diagnostics.some((d) => fails(d.severity, failOn)) ? EXIT_CODES.findings : EXIT_CODES.ok;
  }
  const analysed: Analysed[] = [];
  let refused = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readInput(file, io);
    } catch (err) {
      // In a batch one unreadable file is reported and skipped; the run still ends with exit 2 for it.
      if (!(err instanceof InputError)) throw err;
      io.stderr(`schedule-inspector: ${err.message}\n`);
      refused++;
      continue;
    }
    analysed.push({ file, result: analyze(text, { ...base, fileName: basename(file) }) });
  }
  io.stdout(render(format, analysed));
  if (refused) return EXIT_CODES.usageOrInput;
  const failed = analysed.some(({ result }) => result.diagnostics.some((d) => fails(d.severity, failOn)));
  return failed ? EXIT_CODES.findings : EXIT_CODES.ok;
}

/**
 * The whole output for the analysed files. JSON: one object for one file, an array for a batch. Built in text mode
 * too: a NaN or Infinity in a result is a bug either way, and it must not reach a user as a number (text) or as a
 * null (JSON) — stringifyFinite throws and the run ends as an internal error.
 */
interface Analysed {
  file: string;
  result: AnalysisResult;
  comparison?: LogComparison;
  logPath?: string;
  calibration?: CalibrationOutcome;
  traces?: TraceComparisonWithProblems[];
}

type TraceComparisonWithProblems = ReturnType<typeof compareTraces>[number] & { problems: string[] };

function render(format: Format, analysed: readonly Analysed[]): string {
  const objects = analysed.map(({ file, result, comparison, logPath, calibration, traces }) => ({
    ...toJson(file, result),
    ...(comparison && logPath !== undefined && comparisonToJson(logPath, comparison)),
    ...(calibration && { calibration: calibrationToJson(calibration) }),
    ...(traces && { measuredTrace: traceComparisonToJson(traces) }),
  }));
  const jsonText = stringifyFinite(analysed.length === 1 ? objects[0] : objects, 2);
  if (format === 'json') return jsonText + '\n';
  if (format === 'sarif')
    return (
      stringifyFinite(
        buildSarif(
          analysed.map(({ file, result }) => ({ uri: sarifUri(file), result })),
          { version: packageVersion },
        ),
        2,
      ) + '\n'
    );
  return analysed
    .map(
      ({ file, result, comparison, logPath, calibration, traces }) =>
        formatSummary(file, result) +
        (comparison && logPath !== undefined ? formatComparison(logPath, comparison) : '') +
        (calibration ? formatCalibration(calibration) : '') +
        (traces ? formatTraceComparison(traces) : ''),
    )
    .join('\n');
}

/**
 * SARIF artifact URIs: relative with forward slashes inside the working directory (GitHub resolves them against the
 * checkout), an absolute file URI for anything outside it.
 */
function sarifUri(file: string): string {
  const rel = relative(process.cwd(), resolve(file));
  if (rel.startsWith('..') || isAbsolute(rel)) return pathToFileURL(resolve(file)).href;
  return rel.split(sep).join('/');
}

/**
 * Training logs are read in chunks up to this size: a week of logging every iteration is a few hundred MB; past
 * 4 GiB is not a log of one run.
 */
const MAX_LOG_BYTES = 4 * 1024 ** 3;

function readLog(path: string, io: CliIo): MegatronLog {
  const reader = new MegatronLogReader();
  try {
    io.readTextChunks(path, MAX_LOG_BYTES, (chunk) => reader.push(chunk));
  } catch (err) {
    if (err instanceof InputError || !isSystemError(err)) throw err;
    throw new InputError(`cannot read ${path}: ${fileErrorText(err)}`);
  }
  return reader.finish();
}

/** A PyTorch profiler trace (Chrome trace JSON), scanned in chunks like a log (core/logs/chromeTrace.ts). */
function readProfile(path: string, io: CliIo): ChromeTrace {
  const reader = new ChromeTraceReader();
  try {
    io.readTextChunks(path, MAX_LOG_BYTES, (chunk) => reader.push(chunk));
  } catch (err) {
    if (err instanceof InputError || !isSystemError(err)) throw err;
    throw new InputError(`cannot read ${path}: ${fileErrorText(err)}`);
  }
  return reader.finish();
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
      measured: ctx.measured ?? null,
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
