// The standalone report's measured overlay (issue 19): `analyze FILE --log LOG --profile TRACE… --report OUT.html`
// puts the log's steady step time and per-stage peaks and the traces' aligned spans in the page's analysis header —
// the member the panel fills, built by the same builders (protocol/measuredPayload.ts) and checked by the same guard
// (isHostToWebview → isMeasuredPayload) the page runs on its data block.
//
// The log is written here in Megatron-LM d98e8a64's formats: the iteration line of training_log
// (megatron/training/training.py:3567-3641), report_memory's '[Rank r] (after N iterations) memory (MB) | …' from
// data-parallel rank 0 of each stage (megatron/core/utils.py report_memory, MB = 1024² bytes). The traces are
// Kineto Chrome-trace JSON with Megatron's forward_step / backward_step ranges (schedules.py) and distributedInfo.
// Stage of a rank: pp outermost in the default order tp-cp-ep-dp-pp (parallel_state.py:617), so with 8 ranks and
// PP 2, ranks 0-3 are stage 0 and 4-7 stage 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../../src/core/analyze';
import { readChromeTrace } from '../../../src/core/logs/chromeTrace';
import { compareWithLog } from '../../../src/core/logs/compare';
import { readMegatronLog } from '../../../src/core/logs/megatronLog';
import type { MeasuredPayload } from '../../../src/protocol/measured';
import { isHostToWebview, type AnalysisMessage } from '../../../src/protocol/messages';
import { decodeReportMessages } from '../../../src/protocol/reportData';
import { buildReportHtml, findWebviewAssets, reportMeasured } from '../../../src/report/html';
import { logTestScript, runCliCaptured } from '../../support/cliHarness';

const { dir, script } = logTestScript('si-report-measured-', test.after);
const SCRIPT_TEXT = readFileSync(script, 'utf8');

/** 10 warm-up lines at 900 ms, then 30 at 120 ms; report_memory from ranks 0 and 4 after iteration 10. */
function megatronLog(): string {
  const lines: string[] = [];
  for (let i = 1; i <= 40; i++) {
    lines.push(
      ` [2026-12-01 10:00:00.000000] iteration ${String(i).padStart(8)}/    1000 | consumed samples: ${String(i * 16).padStart(12)} | elapsed time per iteration (ms): ${i <= 10 ? '900.0' : '120.0'} | global batch size:    16 | loss scale: 1.0 | number of skipped iterations:   0 | number of nan iterations:   0 |`,
    );
    if (i === 10)
      lines.push(
        '[Rank 0] (after 10 iterations) memory (MB) | allocated: 1020.5 | max allocated: 1310.0 | reserved: 1536.0 | max reserved: 1536.0',
        '[Rank 4] (after 10 iterations) memory (MB) | allocated: 990.0 | max allocated: 1250.0 | reserved: 1472.0 | max reserved: 1472.0',
      );
  }
  return lines.join('\n') + '\n';
}

function trace(rank: number, forwardUs: number): string {
  const ev = (name: string, ts: number, dur: number): object => ({
    ph: 'X',
    cat: 'gpu_user_annotation',
    name,
    pid: 0,
    tid: 7,
    ts,
    dur,
  });
  // Rank 4's first forward starts after rank 0's (it waits for the activation): 13 ms later on the shared clock.
  const t0 = 1_733_500_000_000_000 + (rank >= 4 ? 13_000 : 0);
  return JSON.stringify({
    schemaVersion: 1,
    distributedInfo: { backend: 'nccl', rank, world_size: 8 },
    traceEvents: [ev('forward_step', t0, forwardUs), ev('backward_step', t0 + 30_000, 2 * forwardUs)],
  });
}

const logPath = join(dir, 'run.log');
writeFileSync(logPath, megatronLog());
const tracePaths = [0, 4].map((rank) => {
  const p = join(dir, `rank${rank}.pt.trace.json`);
  writeFileSync(p, trace(rank, 12_000));
  return p;
});

/** The page's data block, decoded as the page decodes it, each message through the page's guard. */
function pageMessages(html: string): unknown[] {
  const m = /<script type="application\/json" id="si-report-data">([^<]*)<\/script>/.exec(html);
  assert.ok(m, 'no data block');
  const messages = decodeReportMessages(m[1]!);
  for (const msg of messages) assert.ok(isHostToWebview(msg), JSON.stringify(msg).slice(0, 300));
  return messages;
}

const measuredOf = (messages: unknown[]): MeasuredPayload | null | undefined =>
  (messages[0] as AnalysisMessage).header.measured;

const GiB = (mib: number): number => mib / 1024;

function checkMeasured(measured: MeasuredPayload | null | undefined, own: string): void {
  assert.ok(measured);
  // The steady mean: the first line and the first 10 iterations are warm-up (compare.ts WARMUP_ITERATIONS).
  assert.deepEqual(measured.step, {
    source: 'run.log',
    schedule: own,
    measuredMs: 120,
    steadyIterations: 30,
    warmupLines: 10,
  });
  assert.deepEqual(measured.memory, {
    source: 'run.log',
    stages: [
      { stage: 0, maxAllocatedGiB: GiB(1310), maxReservedGiB: GiB(1536) },
      { stage: 1, maxAllocatedGiB: GiB(1250), maxReservedGiB: GiB(1472) },
    ],
  });
  const spans = measured.spans;
  assert.ok(spans);
  assert.equal(spans.source, 'rank0.pt.trace.json, rank4.pt.trace.json');
  assert.equal(spans.onGpu, true);
  // Stage 0's first forward is aligned to the simulated one (at 0); the rest keep their distances (ms).
  assert.deepEqual(
    spans.stage.map((s, i) => [s, spans.kind[i], spans.startMs[i], spans.durMs[i]]),
    [
      [0, 0, 0, 12],
      [1, 0, 13, 12],
      [0, 1, 30, 24],
      [1, 1, 43, 24],
    ],
  );
}

test('reportMeasured + buildReportHtml: the page header carries the log and traces, through the page guard', () => {
  const result = analyze(SCRIPT_TEXT, { fileName: 'run.sh' });
  const comparison = compareWithLog(result, readMegatronLog(megatronLog()));
  const traces = [0, 4].map((rank) => ({
    name: `rank${rank}.pt.trace.json`,
    trace: readChromeTrace(trace(rank, 12_000)),
  }));
  const measured = reportMeasured(result, { name: 'run.log', comparison }, traces);
  checkMeasured(measured, result.selectedSchedule!);
  // The real page shell with stand-in assets: this test does not depend on a built dist/.
  const script = join(dir, 'main.js');
  const style = join(dir, 'webview.css');
  writeFileSync(script, '/* webview */');
  writeFileSync(style, '/* style */');
  const html = buildReportHtml(result, { fileName: 'run.sh', assets: { script, style }, measured });
  checkMeasured(measuredOf(pageMessages(html)), result.selectedSchedule!);
  // Nothing measured: no member (the report of a file alone is byte-for-byte what it was).
  assert.equal(reportMeasured(result, null, []), null);
  const plain = buildReportHtml(result, { fileName: 'run.sh', assets: { script, style } });
  assert.equal(measuredOf(pageMessages(plain)), undefined);
});

test('a log with too few steady iterations sends its memory but no step time', () => {
  const result = analyze(SCRIPT_TEXT, { fileName: 'run.sh' });
  const short = megatronLog().split('\n').slice(0, 14).join('\n') + '\n';
  const measured = reportMeasured(
    result,
    { name: 'run.log', comparison: compareWithLog(result, readMegatronLog(short)) },
    [],
  );
  assert.ok(measured);
  assert.equal(measured.step, null);
  assert.equal(measured.spans, null);
  assert.equal(measured.memory?.stages.length, 2);
});

test('analyze --log --profile --report: the CLI writes the overlay into the page', (t) => {
  if (!findWebviewAssets(__dirname)) {
    t.skip('dist/webview/main.js is not built (npm run build)');
    return;
  }
  const out = join(dir, 'report.html');
  const run = runCliCaptured('analyze', script, '--log', logPath, '--profile', tracePaths.join(','), '--report', out);
  assert.equal(run.code, 0, run.stderr);
  const result = analyze(SCRIPT_TEXT, { fileName: 'run.sh' });
  checkMeasured(measuredOf(pageMessages(readFileSync(out, 'utf8'))), result.selectedSchedule!);
  // Without --log and --profile the page has no measured member.
  const bare = join(dir, 'bare.html');
  assert.equal(runCliCaptured('analyze', script, '--report', bare).code, 0);
  assert.equal(measuredOf(pageMessages(readFileSync(bare, 'utf8'))), undefined);
});
