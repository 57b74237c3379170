// Chrome/Perfetto JSON trace of a simulated step, for ui.perfetto.dev or chrome://tracing: one process per
// pipeline stage, the step as an outer complete ("X") slice with every F/B/W op nested inside it, p2p transfers
// on their own thread with flow arrows from the sending op to the receiving op, and memory as a counter track.
// Pure: returns a plain object; the CLI and the panel write it out.
import type { AnalysisResult } from '../analyze';
import { placementTables } from '../schedule/placement';
import {
  OP_B,
  OP_F,
  type ScheduleEvaluation,
  type ScheduleName,
  SCHEDULE_NAMES,
  type SimResult,
  type StageMemory,
} from '../types';

/** Trace Event Format timestamps are microseconds; the simulator's unit is milliseconds. */
const US_PER_MS = 1000;
const BYTES_PER_GiB = 2 ** 30;
const TID_COMPUTE = 1;
const TID_P2P = 2;
const KIND_NAMES = ['F', 'B', 'W'];
/** Trace process id of pipeline stage r. */
const pid = (r: number): number => r + 1;

export interface TraceEvent {
  name: string;
  ph: 'X' | 'M' | 'C' | 's' | 'f';
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  cat?: string;
  id?: number;
  bp?: 'e';
  args?: Record<string, unknown>;
}

export interface PerfettoTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  metadata: Record<string, unknown>;
}

/** Picks the schedule to export: the requested one, else the analysis' selection, else the first simulated. */
function pickSchedule(result: AnalysisResult, schedule?: ScheduleName | null): ScheduleEvaluation | null {
  const simulated = (name: ScheduleName | null | undefined): ScheduleEvaluation | null => {
    const e = name ? result.schedules[name] : undefined;
    return e?.sim && e.sim.opCount > 0 ? e : null;
  };
  if (schedule) return simulated(schedule);
  return simulated(result.selectedSchedule) ?? SCHEDULE_NAMES.map(simulated).find((e) => e) ?? null;
}

export function buildPerfettoTrace(result: AnalysisResult, schedule?: ScheduleName | null): PerfettoTrace {
  const e = pickSchedule(result, schedule);
  const metadata: Record<string, unknown> = {
    generator: 'schedule-inspector',
    gpu: result.gpu.id,
    timeUnit: 'simulated ms (ts/dur in µs)',
  };
  if (!e?.sim) {
    metadata['note'] = schedule ? `no simulated timeline for ${schedule}` : 'no schedule was simulated for this file';
    return { traceEvents: [], displayTimeUnit: 'ms', metadata };
  }
  const sim = e.sim;
  const p = sim.spec.stages;
  Object.assign(metadata, {
    schedule: e.schedule,
    stages: p,
    microbatches: sim.spec.microbatches,
    splits: sim.spec.splits,
    virtualStages: sim.spec.virtualStages,
    stepTimeMs: e.stepTimeMs ?? sim.makespan,
    bubbleFraction: e.bubbleFraction ?? sim.bubbleFraction,
  });
  const events: TraceEvent[] = [];
  pushStageTracks(events, e.schedule, sim);

  // Locate each op's sender: F on virtual stage s receives from F on s−1, B from B on s+1 (same unit).
  const vstages = p * Math.max(1, sim.spec.virtualStages);
  const mbs = sim.spec.microbatches;
  const ks = Math.max(1, sim.spec.splits);
  const key = (kind: number, vs: number, mb: number, chunk: number): number =>
    ((kind * vstages + vs) * mbs + mb) * ks + chunk;
  // `!` reads: every op array of a SimResult has opCount entries and stageOffsets p + 1, so i < opCount and the
  // sender (an op index from byUnit) are in bounds.
  const { kind: kinds, microbatch, chunk, modelChunk, start, end, p2pStart, p2pEnd, stageOffsets } = sim;
  const stageOf = new Int32Array(sim.opCount);
  const vsOf = placementTables(sim.spec).stageOf;
  const byUnit = new Map<number, number>();
  for (let r = 0; r < p; r++) {
    for (let i = stageOffsets[r]!; i < stageOffsets[r + 1]!; i++) {
      stageOf[i] = r;
      byUnit.set(key(kinds[i]!, vsOf[modelChunk[i]! * p + r]!, microbatch[i]!, chunk[i]!), i);
    }
  }

  let flowId = 0;
  for (let i = 0; i < sim.opCount; i++) {
    const r = stageOf[i]!;
    const kind = kinds[i]!;
    const [mb, j, mc, t0, t1] = [microbatch[i]!, chunk[i]!, modelChunk[i]!, start[i]!, end[i]!];
    const unit = `mb${mb}${ks > 1 ? `.${j}` : ''}${sim.spec.virtualStages > 1 ? ` v${mc}` : ''}`;
    events.push({
      name: `${KIND_NAMES[kind] ?? '?'} ${unit}`,
      ph: 'X',
      pid: pid(r),
      tid: TID_COMPUTE,
      ts: t0 * US_PER_MS,
      dur: (t1 - t0) * US_PER_MS,
      cat: KIND_NAMES[kind] ?? 'op',
      args: { microbatch: mb, chunk: j, modelChunk: mc },
    });
    const ps = p2pStart[i]!;
    const pe = p2pEnd[i]!;
    if (!(pe >= ps)) continue;
    events.push({
      name: `recv ${KIND_NAMES[kind]} ${unit}`,
      ph: 'X',
      pid: pid(r),
      tid: TID_P2P,
      ts: ps * US_PER_MS,
      dur: (pe - ps) * US_PER_MS,
      cat: 'p2p',
    });
    const vs = vsOf[mc * p + r]!;
    const fromVs = kind === OP_F ? vs - 1 : kind === OP_B ? vs + 1 : -1;
    const sender = fromVs >= 0 && fromVs < vstages ? byUnit.get(key(kind, fromVs, mb, j)) : undefined;
    if (sender === undefined) continue;
    const id = ++flowId;
    // The flow start must lie inside the sender's slice to bind to it; its last instant belongs to the next one.
    const sendTs = (start[sender]! + (end[sender]! - start[sender]!) * 0.999) * US_PER_MS;
    events.push({ name: 'p2p', ph: 's', cat: 'p2p', id, pid: pid(stageOf[sender]!), tid: TID_COMPUTE, ts: sendTs });
    events.push({ name: 'p2p', ph: 'f', bp: 'e', cat: 'p2p', id, pid: pid(r), tid: TID_COMPUTE, ts: t0 * US_PER_MS });
  }

  pushMemoryCounters(events, e.memory ?? []);
  return { traceEvents: events, displayTimeUnit: 'ms', metadata };
}

/** One process per stage (stage r is pid r + 1), its compute and p2p threads, and the step as the outer slice. */
function pushStageTracks(events: TraceEvent[], schedule: ScheduleName, sim: SimResult): void {
  for (let r = 0; r < sim.spec.stages; r++) {
    events.push({ name: 'process_name', ph: 'M', pid: pid(r), args: { name: `stage ${r}` } });
    events.push({ name: 'process_sort_index', ph: 'M', pid: pid(r), args: { sort_index: r } });
    events.push({ name: 'thread_name', ph: 'M', pid: pid(r), tid: TID_COMPUTE, args: { name: 'compute' } });
    events.push({ name: 'thread_name', ph: 'M', pid: pid(r), tid: TID_P2P, args: { name: 'p2p recv' } });
    events.push({
      name: `${schedule} step`,
      ph: 'X',
      pid: pid(r),
      tid: TID_COMPUTE,
      ts: 0,
      dur: sim.makespan * US_PER_MS,
      cat: 'step',
      args: { busyMs: sim.busy[r], peakUnits: sim.peakUnits[r] },
    });
  }
}

/** Each stage's allocated-memory series as a counter track of its process. */
function pushMemoryCounters(events: TraceEvent[], memory: StageMemory[]): void {
  for (const m of memory) {
    const { timeMs, bytes } = m.series;
    timeMs.forEach((t, j) => {
      const b = bytes[j];
      if (b !== undefined)
        events.push({
          name: 'memory',
          ph: 'C',
          pid: pid(m.stage),
          ts: t * US_PER_MS,
          args: { allocatedGiB: b / BYTES_PER_GiB },
        });
    });
  }
}
