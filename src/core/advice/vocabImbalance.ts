// The `vocab-stage-critical` diagnostic (issue 18): with a large vocabulary the output layer and loss make the stage
// that holds them the pipeline's bottleneck — every other stage waits for it each microbatch. It reads the simulated
// run (busy time per rank), so it lives here rather than among the megatron/ rules, which see the flags only. It names
// the fixes the file's own Megatron parser has (layer placement flags), prices them by simulating the edited config,
// and prices Vocabulary Parallelism (schedule/vocabParallel.ts) where the schedule is the 1F1B it supports. Memory is
// the other side (issue 18): the input embedding on the first stage and the output layer with its fp32 logits on the
// last can make that stage the one with the highest peak (memory/vocabParallel.ts vocabMemoryCriticalStage); the
// message then gives its peak against the others'. A run that already uses Vocabulary Parallelism gets none of this.
import { planFlagEdit } from '../edits/planFlagEdit';
import { ownScheduleForHint } from './ownSchedule';
import { settingText } from '../edits/settingText';
import { dialectFlag, dialectHasSet } from '../megatron/flags/dialectSets';
import { resolveModelShape, type ModelShape } from '../model/shape';
import { chunkLengths, computeStageMemory } from '../memory/stageMemory';
import { GiB, DEFAULT_OVERHEADS } from '../memory/overheads';
import { vocabMemoryCriticalStage, vocabParallelMemory, type VocabMemoryCriticalStage } from '../memory/vocabParallel';
import { costFlagsOf, outputLayerMs } from '../schedule/costModel';
import { constantsOf, evaluateSchedule, type EngineOptions, type EngineResult } from '../schedule/engine';
import { chunkPlacement, placementTables } from '../schedule/placement';
import {
  simulateVocabParallel,
  vocabCriticalStage,
  vocabParallelDurations,
  vocabStepTimeMs,
  type VocabCriticalStage,
} from '../schedule/vocabParallel';
import type {
  CoreDiagnostic,
  CoreFix,
  LaunchConfigRead,
  RunConfig,
  ScheduleEvaluation,
  SimResult,
  StageMemory,
} from '../types';

/**
 * Vocabulary Parallelism is priced only up to this many rank-steps (p²·(3m+1): its event loop scans every rank per op,
 * 30–60 ns a step): the hint, in the full analysis only, must stay cheap — ~10 ms at most.
 */
const VP_PRICE_MAX_SCAN = 1 << 18;

/**
 * Counts the loss as one layer of the split (TransformerConfig field, transformer_config.py:141 at d98e8a64, made a
 * flag by the argument factory; the split it implies is checked at arguments.py:962-967): it helps only when L + 1 is
 * divisible by PP, so it is named, not priced, for a file whose L is divisible by PP.
 */
const LOSS_FLAG = '--account-for-loss-in-pipeline-split';
const LAYOUT_FLAG = '--pipeline-model-parallel-layout';

const pct = (x: number): string => (100 * x).toFixed(0);
const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));

/**
 * Whether the file's Megatron parser defines a flag (a dialect without an extracted parser: Megatron-LM's table), and
 * the file can say it in its own language: a YAML whose key for it we do not know is not told a command-line flag.
 */
function hasFlag(read: LaunchConfigRead, flag: string): boolean {
  const dialect = read.dialect?.id;
  if (read.format === 'yaml' && settingText(read, flag, '1').startsWith('--')) return false;
  return dialectHasSet(dialect) ? dialectFlag(flag, dialect)?.own === true : true;
}

interface Priced {
  flag: string;
  value: string | null;
  label: string;
  stepTimeMs: number;
}

/** Step time of the file's schedule with some config values changed, or null when that does not simulate. */
function stepWith(read: LaunchConfigRead, sel: ScheduleEvaluation, change: Partial<RunConfig>, options: EngineOptions) {
  const e = evaluateSchedule(
    { ...read.config, ...change },
    {
      schedule: sel.schedule,
      splits: sel.splits,
      virtualStages: sel.virtualStages,
      strategy: read.config.pipeSpStrategy ?? 'average',
      splitsSource: sel.splitsSource,
    },
    { ...options, onlySelected: true, skipBreakdown: true, transientTimeline: true, aggregate: undefined },
  );
  return e.applicable && e.stepTimeMs != null ? e.stepTimeMs : null;
}

/**
 * The fewer-layers-on-the-last-stage fix the file's Megatron accepts, simulated: --decoder-last-pipeline-num-layers
 * (Megatron-LM d98e8a64 arguments.py:3099; the middle stages share the rest evenly or TransformerConfig refuses the
 * split, transformer_config.py:2349-2353), the fastest count within 4 below L/p that leaves a multiple of p − 1. Only on a Megatron-style
 * split the file does not already steer (no first/last counts, layout or fork placement), without VPP.
 */
function lastStageFix(read: LaunchConfigRead, mdl: ModelShape, sel: ScheduleEvaluation, options: EngineOptions) {
  const p = mdl.pp;
  const L = mdl.numLayers;
  const flag = '--decoder-last-pipeline-num-layers';
  if (mdl.layerSplitMethod !== 'megatron' || mdl.firstStageLayers != null || mdl.lastStageLayers != null) return null;
  if (sel.virtualStages !== 1 || p < 3 || mdl.accountEmbedding || mdl.accountLoss || !hasFlag(read, flag)) return null;
  let best: Priced | null = null;
  for (let n = Math.ceil(L / p) - 1; n >= 1 && Math.ceil(L / p) - n <= 4; n--) {
    if ((L - n) % (p - 1) !== 0) continue;
    const t = stepWith(read, sel, { decoderLastPipelineNumLayers: n }, options);
    if (t != null && (!best || t < best.stepTimeMs))
      best = { flag, value: String(n), label: settingText(read, flag, String(n)), stepTimeMs: t };
  }
  return best;
}

/**
 * The file's 1F1B with Vocabulary Parallelism (Algorithm 2, the fork's default): its step time, and its highest stage
 * peak (allocated) from the plain run's memory, or null.
 */
function vocabParallelPrice(
  mdl: ModelShape,
  m: number,
  read: LaunchConfigRead,
  options: EngineOptions,
  plainMemory: readonly StageMemory[],
): { stepMs: number; peakBytes: number } | null {
  if (mdl.pp * mdl.pp * (3 * m + 1) > VP_PRICE_MAX_SCAN) return null;
  const flags = { ...costFlagsOf(read.config), chunkPlacement: chunkPlacement('1f1b') };
  const d = vocabParallelDurations(mdl, 2, options.gpu, constantsOf(options), flags);
  const run = simulateVocabParallel(mdl.pp, m, 2, d);
  if (typeof run === 'string') return null;
  const figures = { inFlightPerStage: Array.from(run.peakInFlight) };
  const memory = vocabParallelMemory(mdl, plainMemory, figures, m, DEFAULT_OVERHEADS);
  return {
    stepMs: vocabStepTimeMs(run, d.afterFlushMsPerRank),
    peakBytes: Math.max(...memory.map((s) => s.peakBytes)),
  };
}

/** Peaks of the file's own simulated schedule (allocated, peaks only) and the vocabulary memory finding on them. */
function memoryOf(read: LaunchConfigRead, mdl: ModelShape, sim: SimResult, lossRank: number) {
  const lengths = chunkLengths(read.config, mdl.seqLength, sim.spec.splits, read.config.pipeSpStrategy ?? 'average');
  // Allocated figures only: the allocator replay, which moves reserved alone, is not wanted.
  const memory = computeStageMemory(mdl, sim, lengths, { replayWhen: () => false }, true);
  const vShape = chunkPlacement(sim.spec.schedule) === 'v-shape';
  return { memory, finding: vocabMemoryCriticalStage(mdl, memory, sim.spec.virtualStages, vShape, lossRank) };
}

const gib = (bytes: number): string => (bytes / GiB).toFixed(1);

/** The memory sentence: the stage's peak against the others', and the vocabulary's part of it. */
function memorySentence(f: VocabMemoryCriticalStage, p: number, first: boolean): string {
  const where = f.rank === p - 1 ? 'the last pipeline stage' : `pipeline stage ${f.rank}`;
  const whose = [
    ...(f.holds.embedding ? ["the input embedding's"] : []),
    ...(f.holds.outputLayer ? ["the output layer's"] : []),
  ].join(' and ');
  const logits = f.logitsBytes > 0 ? `, and ${gib(f.logitsBytes)} GiB of fp32 logits` : '';
  const subject = first ? `${where[0]!.toUpperCase()}${where.slice(1)} holds` : 'It also holds';
  return (
    `${subject} the most memory: a peak of ${gib(f.peakBytes)} GiB allocated against ${gib(f.nextPeakBytes)} GiB on ` +
    `stage ${f.nextRank}, the highest of the others; ${gib(f.vocabBytes)} GiB of it is the vocabulary's ` +
    `(${whose} weights, gradients and optimizer state${logits}).`
  );
}

interface Findings {
  time: VocabCriticalStage | null;
  memory: VocabMemoryCriticalStage | null;
}

function messageOf(
  found: Findings,
  mdl: ModelShape,
  stepMs: number,
  fixes: Priced[],
  vp: { stepMs: number; peakBytes: number } | null,
  textFixes: string[],
): string {
  const p = mdl.pp;
  const parts: string[] = [];
  const { time, memory } = found;
  if (time) {
    const where = time.rank === p - 1 ? 'The last pipeline stage' : `Pipeline stage ${time.rank}`;
    const lead = time.busyMs / time.nextBusiestMs - 1;
    parts.push(
      `${where} is the bottleneck: it is busy ${pct(lead)} % longer than any other stage, and the output layer and ` +
        `loss over the ${mdl.vocabPadded.toLocaleString('en-US')}-entry vocabulary are ${pct(time.vocabMs / time.busyMs)} % of its time ` +
        `(simulated step ${ms(stepMs)} ms).`,
    );
  }
  // The finding first, then the layer moves for it; with a time finding the memory sentence follows the moves.
  const memoryLine = memory ? memorySentence(memory, p, !time || time.rank !== memory.rank) : null;
  if (memoryLine && !time) parts.push(memoryLine);
  const moves = [...fixes.map((f) => `${f.label} (${ms(f.stepTimeMs)} ms)`), ...textFixes];
  if (moves.length) parts.push(`Fewer layers on ${time ? 'it' : 'the last stage'}: ${moves.join(', or ')}.`);
  if (memoryLine && time) parts.push(memoryLine);
  if (vp)
    parts.push(
      `Vocabulary Parallelism (sail-sg/VocabularyParallelism, --enable-vocab-parallel; 1F1B, untied embeddings) ` +
        `would split the vocabulary layers over all ${p} stages: ${ms(vp.stepMs)} ms, highest stage peak ${gib(vp.peakBytes)} GiB allocated.`,
    );
  return parts.join(' ');
}

/**
 * The `vocab-stage-critical` diagnostic on the pipeline size, or null: the file's own simulated schedule, the stage
 * that holds the loss busier than every other by VOCAB_CRITICAL_MARGIN with the vocabulary work at least half of that
 * lead. Like the bubble hint, only for the file's own schedule in a full analysis.
 */
export function vocabImbalanceDiagnostic(
  read: LaunchConfigRead,
  engine: EngineResult,
  options: EngineOptions,
  text?: string,
): CoreDiagnostic | null {
  const own = ownScheduleForHint(read, engine, options);
  // With Vocabulary Parallelism (simulated or not) the vocabulary layers are on every stage already.
  if (!own || read.config.vocabParallelSchedule != null) return null;
  const { selected, sel, range } = own;
  if (!sel?.applicable || sel.stepTimeMs == null || !sel.sim) return null;
  const resolved = resolveModelShape(read.config);
  if (!resolved.ok || resolved.shape.pp < 2) return null;
  const mdl = resolved.shape;
  const sim = sel.sim;
  const p = mdl.pp;
  const flags = { ...costFlagsOf(read.config), chunkPlacement: chunkPlacement(selected) };
  const out = outputLayerMs(mdl, options.gpu, constantsOf(options), flags);
  const vocabMs = new Float64Array(p);
  const lossRank = placementTables(sim.spec).rankOf[p * sim.spec.virtualStages - 1]!;
  vocabMs[lossRank] = sim.spec.microbatches * (out.forwardMs + out.inputGradMs + out.weightGradMs);
  const finding = vocabCriticalStage(sim.busy, vocabMs);
  const { memory, finding: memoryFinding } = memoryOf(read, mdl, sim, lossRank);
  if (!finding && !memoryFinding) return null;
  const stepMs = sel.stepTimeMs;
  const last = finding ? lastStageFix(read, mdl, sel, options) : null;
  const fixes = last && last.stepTimeMs < stepMs ? [last] : [];
  const m = sim.spec.microbatches;
  const vp = selected === '1f1b' && sel.extrapolated == null ? vocabParallelPrice(mdl, m, read, options, memory) : null;
  const lastStage = finding != null || memoryFinding?.rank === lossRank;
  const textFixes = [
    ...(lastStage && hasFlag(read, LOSS_FLAG) && !mdl.accountLoss
      ? [`${settingText(read, LOSS_FLAG, 'true')} (when L + 1 is divisible by PP)`]
      : []),
    ...(lastStage && hasFlag(read, LAYOUT_FLAG) ? [`a ${settingText(read, LAYOUT_FLAG, '…').replace(/ …$/, '')}`] : []),
  ];
  const quick: CoreFix[] = [];
  if (text !== undefined)
    for (const f of fixes) {
      const edits = planFlagEdit(text, read, f.flag, f.value);
      if (edits.length)
        quick.push({
          title: `Move layers off the vocabulary stage: ${f.label} (${ms(f.stepTimeMs)} ms/step)`,
          edits,
          ...(quick.length === 0 && { preferred: true }),
        });
    }
  return {
    code: 'vocab-stage-critical',
    severity: 'information',
    message: messageOf({ time: finding, memory: memoryFinding }, mdl, stepMs, fixes, vp, textFixes),
    range,
    ...(quick.length ? { fixes: quick } : {}),
  };
}
