// Turns an AnalysisResult into the `analysis` message: a small JSON header plus one packed ArrayBuffer per
// simulated schedule. Used by the panel host and by the CLI's standalone report, so both render the same data.
import type { AnalysisResult } from '../core/analyze';
import { GPU_PROFILES } from '../core/hardware/gpus';
import { SCHEDULE_NAMES, type ScheduleEvaluation, type StageMemory, type VocabParallelFigures } from '../core/types';
import { PROTOCOL_VERSION, type AnalysisMessage, type ScheduleHeader, type WhatIfOverrides } from './messages';
import { packTimeline } from './pack';
import { runSummary } from './summary';
import { vocabTimeline } from './vocabTimeline';

const BYTES_PER_GiB = 2 ** 30;

export interface PayloadMeta {
  fileName: string;
  overrides: WhatIfOverrides;
  canApply: boolean;
  canWhatIf: boolean;
}

export function buildAnalysisMessage(result: AnalysisResult, meta: PayloadMeta): AnalysisMessage {
  const buffers: ArrayBuffer[] = [];
  const schedules: ScheduleHeader[] = [];
  for (const name of SCHEDULE_NAMES) {
    const e = result.schedules[name];
    if (!e) continue;
    let timeline: ScheduleHeader['timeline'] = null;
    if (e.sim && e.sim.opCount > 0) {
      const packed = packTimeline(e.sim, e.memory);
      timeline = { bufferIndex: buffers.length, layout: packed.layout, microbatches: e.sim.spec.microbatches };
      buffers.push(packed.buffer);
    }
    schedules.push({ ...scheduleHeader(e, timeline), ...vocabTimelineRef(e, buffers) });
  }
  const c = result.config;
  return {
    type: 'analysis',
    protocolVersion: PROTOCOL_VERSION,
    header: {
      fileName: meta.fileName,
      gpu: { id: result.gpu.id, name: result.gpu.name, memoryGiB: result.gpu.memoryGiB },
      gpus: GPU_PROFILES.map((g) => ({ id: g.id, name: g.name })),
      selectedSchedule: result.selectedSchedule,
      config: {
        stages: c.pipelineParallel ?? null,
        microbatches: c.numMicrobatches ?? null,
        splits: c.pipeSpSplits ?? null,
        strategy: c.pipeSpStrategy ?? null,
        virtualStages: c.virtualStages ?? null,
      },
      schedules,
      overrides: meta.overrides,
      canApply: meta.canApply,
      canWhatIf: meta.canWhatIf,
      summary: runSummary(result),
    },
    buffers,
  };
}

function scheduleHeader(e: ScheduleEvaluation, timeline: ScheduleHeader['timeline']): ScheduleHeader {
  return {
    schedule: e.schedule,
    applicable: e.applicable,
    reason: e.reason,
    splits: e.splits,
    virtualStages: e.virtualStages,
    whatIf: e.whatIf,
    stepTimeMs: e.stepTimeMs,
    bubbleFraction: e.bubbleFraction,
    tokensPerSecond: e.tokensPerSecond,
    peakMemoryGiBPerStage: e.peakMemoryGiBPerStage,
    peakReservedGiBPerStage: e.peakReservedGiBPerStage,
    ...(e.stepTimeBreakdown && { stepTimeBreakdown: e.stepTimeBreakdown }),
    ...(e.vocabParallel && { vocabParallel: vocabFigures(e.vocabParallel) }),
    oom: e.oom,
    stageBreakdownGiB: e.memory ? e.memory.map(breakdownGiB) : null,
    timeline,
  };
}

/** The figures without the run, which travels packed (vocabTimelineRef). */
function vocabFigures(vp: VocabParallelFigures): Omit<VocabParallelFigures, 'run' | 'durations'> {
  const { run: _run, durations: _durations, ...figures } = vp;
  return figures;
}

/** D (issue 18): the vocabulary-parallel run packed into one more buffer, when the evaluation kept one. */
function vocabTimelineRef(e: ScheduleEvaluation, buffers: ArrayBuffer[]): Pick<ScheduleHeader, 'vocabTimeline'> {
  const t = e.vocabParallel ? vocabTimeline(e.vocabParallel) : null;
  if (!t || t.ops.opCount === 0) return {};
  // No memory series: the memory model walks plain 1F1B, whose times are not this run's.
  const packed = packTimeline(t.ops, undefined, t.collectives);
  buffers.push(packed.buffer);
  return { vocabTimeline: { bufferIndex: buffers.length - 1, layout: packed.layout } };
}

function breakdownGiB(m: StageMemory): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m.breakdownBytes)) out[k] = v / BYTES_PER_GiB;
  return out;
}
