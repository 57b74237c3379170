// PyTorch profiler traces (Chrome trace JSON, the `*.pt.trace.json` that torch.profiler's
// tensorboard_trace_handler / export_chrome_trace write, one file per rank) read for the spans of Megatron's
// forward_step and backward_step (megatron/core/pipeline_parallel/schedules.py defines both; with_stack=True records
// them as `python_function` events named '…/schedules.py(N): forward_step', and a record_function / NVTX range of that
// name appears as `user_annotation` on the CPU and `gpu_user_annotation` on the GPU stream). Complete events only
// (`"ph": "X"`, ts and dur in µs). Rank from the trace's `distributedInfo.rank` (Kineto writes it under
// torch.distributed).
//
// Bounded whatever the file: the text is scanned in chunks as a stream of characters (strings and escapes tracked),
// only the event objects of the traceEvents array are cut out, and only those naming one of the two steps are parsed
// — a 1 GB trace is read in one pass with at most one event object held. At most MAX_SPANS spans are kept (counted
// past that), an event object over MAX_EVENT_CHARS is skipped, and both are said in `problems`.
import type { AnalysisResult } from '../analyze';
import { OP_B, OP_F, OP_W } from '../types';
import { stageOf } from './compare';

export interface TraceSpan {
  kind: 'forward' | 'backward';
  startUs: number;
  durUs: number;
  /** A GPU-side range (gpu_user_annotation): the device's time, not the CPU's. */
  onGpu: boolean;
}

export interface ChromeTrace {
  rank: number | null;
  spans: TraceSpan[];
  /** Spans past MAX_SPANS: counted, not kept. */
  droppedSpans: number;
  /** Event objects scanned. */
  events: number;
  bytes: number;
  problems: string[];
}

export const MAX_SPANS = 100_000;
/** PyTorch's events are a few hundred bytes (a long python stack name a few KB); a larger object is not one of them. */
const MAX_EVENT_CHARS = 64 * 1024;
const FORWARD = /(?:^|[\s.:/(])forward_step(?:$|[\s(])/;
const BACKWARD = /(?:^|[\s.:/(])backward_step(?:$|[\s(])/;
const RANK = /"distributedInfo"\s*:\s*\{[^{}]*?"rank"\s*:\s*(\d+)/;
/** Characters kept from one chunk to the next for the distributedInfo search (the block is < 300 bytes). */
const RANK_WINDOW = 512;

export class ChromeTraceReader {
  private readonly trace: ChromeTrace = { rank: null, spans: [], droppedSpans: 0, events: 0, bytes: 0, problems: [] };
  /** Nesting depth ({ and [) outside strings. */
  private depth = 0;
  /** The depth at which event objects open: 2 inside {"traceEvents": [ … ]}, 1 for a bare array of events. */
  private eventDepth = 0;
  private inString = false;
  private escaped = false;
  /** The event object being cut out; null when outside one or skipping an oversized one. */
  private event: string[] | null = null;
  private eventChars = 0;
  private skipping = false;
  private tail = '';

  push(chunk: string): void {
    this.trace.bytes += chunk.length;
    if (this.trace.rank === null) {
      const m = RANK.exec(this.tail + chunk);
      if (m) this.trace.rank = Number(m[1]);
      this.tail = chunk.slice(-RANK_WINDOW);
    }
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === 0x5c) this.escaped = true;
        else if (ch === 0x22) this.inString = false;
        continue;
      }
      if (ch === 0x22) this.inString = true;
      else if (ch === 0x7b || ch === 0x5b) {
        if (this.eventDepth === 0) this.eventDepth = ch === 0x5b ? 1 : 2;
        if (ch === 0x7b && this.depth === this.eventDepth) {
          this.event = [];
          this.eventChars = 0;
          this.skipping = false;
          from = i;
        }
        this.depth++;
      } else if (ch === 0x7d || ch === 0x5d) {
        this.depth--;
        if (ch === 0x7d && this.depth === this.eventDepth && this.event) {
          this.take(chunk.slice(from, i + 1));
          this.endEvent();
        }
      }
    }
    if (this.event) this.take(chunk.slice(from));
  }

  finish(): ChromeTrace {
    if (this.depth !== 0 || this.inString)
      this.trace.problems.push('the trace ends inside an object: it is cut off (spans read up to there are kept)');
    if (this.trace.events === 0) this.trace.problems.push('no trace events found: not a Chrome trace JSON');
    if (this.trace.droppedSpans)
      this.trace.problems.push(`${this.trace.droppedSpans} spans past the first ${MAX_SPANS} were counted, not kept`);
    return this.trace;
  }

  private take(part: string): void {
    if (!this.event || this.skipping) return;
    this.eventChars += part.length;
    if (this.eventChars > MAX_EVENT_CHARS) {
      this.skipping = true;
      this.event = [];
      if (!this.trace.problems.some((p) => p.startsWith('an event object over')))
        this.trace.problems.push(`an event object over ${MAX_EVENT_CHARS} characters was skipped`);
      return;
    }
    this.event.push(part);
  }

  private endEvent(): void {
    const parts = this.event;
    this.event = null;
    this.trace.events++;
    if (!parts || this.skipping) return;
    const text = parts.join('');
    if (!text.includes('forward_step') && !text.includes('backward_step')) return;
    const span = spanOf(text);
    if (!span) return;
    if (this.trace.spans.length < MAX_SPANS) this.trace.spans.push(span);
    else this.trace.droppedSpans++;
  }
}

/** The span one event object describes, when it is a complete event of forward_step or backward_step. */
function spanOf(text: string): TraceSpan | null {
  let e: unknown;
  try {
    e = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof e !== 'object' || e === null) return null;
  const { ph, name, ts, dur, cat } = e as Record<string, unknown>;
  if (ph !== 'X' || typeof name !== 'string' || typeof ts !== 'number' || typeof dur !== 'number') return null;
  if (!Number.isFinite(ts) || !Number.isFinite(dur) || dur < 0) return null;
  const kind = FORWARD.test(name) ? 'forward' : BACKWARD.test(name) ? 'backward' : null;
  if (!kind) return null;
  return { kind, startUs: ts, durUs: dur, onGpu: cat === 'gpu_user_annotation' };
}

export function readChromeTrace(text: string): ChromeTrace {
  const reader = new ChromeTraceReader();
  reader.push(text);
  return reader.finish();
}

export interface SpanSummary {
  forwardMs: number | null;
  forwardCount: number;
  backwardMs: number | null;
  backwardCount: number;
  /** GPU ranges when the trace has them (the device's time), else the CPU's python / annotation ranges. */
  onGpu: boolean;
}

/** Mean forward and backward span of one rank's trace, GPU ranges preferred over CPU ones when both are there. */
export function summarizeSpans(trace: ChromeTrace): SpanSummary {
  const gpu = trace.spans.some((s) => s.onGpu);
  const chosen = trace.spans.filter((s) => s.onGpu === gpu);
  const mean = (kind: TraceSpan['kind']): { ms: number | null; count: number } => {
    const of = chosen.filter((s) => s.kind === kind);
    return { ms: of.length ? of.reduce((a, s) => a + s.durUs, 0) / of.length / 1000 : null, count: of.length };
  };
  const f = mean('forward');
  const b = mean('backward');
  return { forwardMs: f.ms, forwardCount: f.count, backwardMs: b.ms, backwardCount: b.count, onGpu: gpu };
}

export interface TraceStageComparison {
  rank: number;
  stage: number;
  measured: SpanSummary;
  /** Mean simulated forward / backward op of that stage (backward with its weight gradients, as backward_step runs them unless the schedule splits W). */
  predictedForwardMs: number | null;
  predictedBackwardMs: number | null;
}

/** Mean simulated op time per stage, by kind (F, and B + W unless the schedule runs W on its own). */
function predictedOpMs(result: AnalysisResult, stage: number): { forward: number | null; backward: number | null } {
  const own = result.selectedSchedule ? result.schedules[result.selectedSchedule] : undefined;
  const sim = own?.applicable ? own.sim : undefined;
  if (!sim || stage >= sim.spec.stages) return { forward: null, backward: null };
  const sums = [0, 0, 0];
  const counts = [0, 0, 0];
  for (let q = sim.stageOffsets[stage]!; q < sim.stageOffsets[stage + 1]!; q++) {
    const k = sim.kind[q]!;
    sums[k]! += sim.end[q]! - sim.start[q]!;
    counts[k]!++;
  }
  const separateW = isZeroBubbleName(sim.spec.schedule);
  const f = counts[OP_F]! ? sums[OP_F]! / counts[OP_F]! : null;
  const bOps = counts[OP_B]!;
  const b = bOps ? (sums[OP_B]! + (separateW ? 0 : sums[OP_W]!)) / bOps : null;
  return { forward: f, backward: b };
}

const isZeroBubbleName = (name: string): boolean => name.startsWith('zb') || name === 'seq1f1b-zb';

/** Each trace's rank on its pipeline stage, with the simulated mean op of that stage beside the measured spans. */
export function compareTraces(result: AnalysisResult, traces: readonly ChromeTrace[]): TraceStageComparison[] {
  const c = result.config;
  const p = c.pipelineParallel ?? 1;
  const world = c.worldSize ?? null;
  return traces.map((trace, i) => {
    const rank = trace.rank ?? i;
    const stage =
      world !== null && world % p === 0
        ? stageOf(rank, world, c.tensorParallel ?? 1, c.contextParallel ?? 1, p, false)
        : 0;
    const predicted = predictedOpMs(result, stage);
    return {
      rank,
      stage,
      measured: summarizeSpans(trace),
      predictedForwardMs: predicted.forward,
      predictedBackwardMs: predicted.backward,
    };
  });
}
