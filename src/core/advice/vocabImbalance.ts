// The `vocab-stage-critical` diagnostic (issue 18): with a large vocabulary the output layer and loss make the stage
// that holds them the pipeline's bottleneck — every other stage waits for it each microbatch. It reads the simulated
// run (busy time per rank), so it lives here rather than among the megatron/ rules, which see the flags only. It names
// the fixes the file's own Megatron parser has (layer placement flags), prices them by simulating the edited config,
// and prices Vocabulary Parallelism (schedule/vocabParallel.ts) where the schedule is the 1F1B it supports.
import { planFlagEdit } from '../edits/planFlagEdit';
import { ownScheduleForHint } from './ownSchedule';
import { settingText } from '../edits/settingText';
import { dialectFlag, dialectHasSet } from '../megatron/flags/dialectSets';
import { resolveModelShape, type ModelShape } from '../model/shape';
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
import type { CoreDiagnostic, CoreFix, LaunchConfigRead, RunConfig, ScheduleEvaluation } from '../types';

/** Vocabulary Parallelism is priced only up to this many ops (p·(3m+1)): the hint must stay cheap. */
const VP_PRICE_MAX_OPS = 1 << 16;

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

/** Step time of the file's 1F1B with Vocabulary Parallelism (Algorithm 2, the fork's default), or null. */
function vocabParallelStepMs(mdl: ModelShape, m: number, read: LaunchConfigRead, options: EngineOptions) {
  if (mdl.pp * (3 * m + 1) > VP_PRICE_MAX_OPS) return null;
  const flags = { ...costFlagsOf(read.config), chunkPlacement: chunkPlacement('1f1b') };
  const d = vocabParallelDurations(mdl, 2, options.gpu, constantsOf(options), flags);
  const run = simulateVocabParallel(mdl.pp, m, 2, d);
  return typeof run === 'string' ? null : vocabStepTimeMs(run, d.afterFlushMsPerRank);
}

function messageOf(
  finding: VocabCriticalStage,
  mdl: ModelShape,
  stepMs: number,
  fixes: Priced[],
  vpMs: number | null,
  textFixes: string[],
): string {
  const p = mdl.pp;
  const where = finding.rank === p - 1 ? 'The last pipeline stage' : `Pipeline stage ${finding.rank}`;
  const lead = finding.busyMs / finding.nextBusiestMs - 1;
  const parts = [
    `${where} is the bottleneck: it is busy ${pct(lead)} % longer than any other stage, and the output layer and ` +
      `loss over the ${mdl.vocabPadded.toLocaleString('en-US')}-entry vocabulary are ${pct(finding.vocabMs / finding.busyMs)} % of its time ` +
      `(simulated step ${ms(stepMs)} ms).`,
  ];
  const moves = [...fixes.map((f) => `${f.label} (${ms(f.stepTimeMs)} ms)`), ...textFixes];
  if (moves.length) parts.push(`Fewer layers on it: ${moves.join(', or ')}.`);
  if (vpMs != null)
    parts.push(
      `Vocabulary Parallelism (sail-sg/VocabularyParallelism, --enable-vocab-parallel; 1F1B, untied embeddings) ` +
        `would split the vocabulary layers over all ${p} stages: ${ms(vpMs)} ms.`,
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
  if (!own) return null;
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
  if (!finding) return null;
  const stepMs = sel.stepTimeMs;
  const last = lastStageFix(read, mdl, sel, options);
  const fixes = last && last.stepTimeMs < stepMs ? [last] : [];
  const m = sim.spec.microbatches;
  const vpMs = selected === '1f1b' && sel.extrapolated == null ? vocabParallelStepMs(mdl, m, read, options) : null;
  const textFixes = [
    ...(hasFlag(read, LOSS_FLAG) && !mdl.accountLoss
      ? [`${settingText(read, LOSS_FLAG, 'true')} (when L + 1 is divisible by PP)`]
      : []),
    ...(hasFlag(read, LAYOUT_FLAG) ? [`a ${settingText(read, LAYOUT_FLAG, '…').replace(/ …$/, '')}`] : []),
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
    message: messageOf(finding, mdl, stepMs, fixes, vpMs, textFixes),
    range,
    ...(quick.length ? { fixes: quick } : {}),
  };
}
