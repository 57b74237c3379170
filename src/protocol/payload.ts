// Turns an AnalysisResult into the `analysis` message: a small JSON header plus one packed ArrayBuffer per
// simulated schedule. Used by the panel host and by the CLI's standalone report, so both render the same data.
import type { AnalysisResult } from '../core/analyze';
import { GPU_PROFILES } from '../core/hardware/gpus';
import { SCHEDULE_NAMES, type ScheduleEvaluation, type StageMemory } from '../core/types';
import { PROTOCOL_VERSION, type AnalysisMessage, type ScheduleHeader, type WhatIfOverrides } from './messages';
import { packTimeline } from './pack';
import { runSummary } from './summary';

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
    schedules.push(scheduleHeader(e, timeline));
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
    ...(e.vocabParallel && { vocabParallel: e.vocabParallel }),
    oom: e.oom,
    stageBreakdownGiB: e.memory ? e.memory.map(breakdownGiB) : null,
    timeline,
  };
}

function breakdownGiB(m: StageMemory): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m.breakdownBytes)) out[k] = v / BYTES_PER_GiB;
  return out;
}
