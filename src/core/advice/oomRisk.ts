// The `oom-risk` diagnostic: the worst stage's memory against the GPU, the numbers behind it, and the cheapest change
// (distributed optimizer, another schedule from the sweep, recompute, a smaller micro-batch) that makes it fit, with
// a quick fix when every flag of that change has a place in the file.
import { planFlagEdit } from '../edits/planFlagEdit';
import { GiB } from '../memory/overheads';
import { computeStageMemory, worstStage, type MemorySettings } from '../memory/stageMemory';
import type { ModelShape } from '../model/shape';
import type {
  ConfigKey,
  CoreDiagnostic,
  CoreFix,
  LaunchConfigRead,
  ScheduleEvaluation,
  ScheduleName,
  SourceRange,
  SplitStrategy,
  TextEdit,
} from '../types';
import { describeChoice, stepTimeText, type SweepCandidate } from './recommend';

const fmt = (x: number): string => x.toFixed(1);

/** How far above capacity an estimate must be to be called an error: the memory model's target accuracy. */
const OOM_ERROR_MARGIN = 0.1;

/** A change that would bring the worst stage under the limit, and where it goes in the file. */
interface Lever {
  keys: ConfigKey[];
  text: string;
  /** Short title for the quick fix. */
  title: string;
  /** Flag → value edits that make the change ("true" for a store_true flag, null to remove the flag). */
  flags: [string, string | null][];
}

/** Schedules a launch can switch to with flags alone (the zero-bubble variants have no code in Megatron or the Seq1F1B repo). */
const FLAG_REACHABLE: ReadonlySet<ScheduleName> = new Set<ScheduleName>([
  '1f1b',
  '1f1b-interleaved',
  'seq1f1b',
  'seq1f1b-interleaved',
]);

/**
 * The `oom-risk` diagnostic: error when the worst stage's reserved estimate exceeds capacity, warning above
 * warningFraction·capacity. It names the stage, the numbers and the cheapest change that makes it fit, and sits on
 * that change's flag (or, when the flag is absent, on the flag that drives the excess).
 */
export function oomRiskDiagnostic(
  read: LaunchConfigRead,
  shape: ModelShape,
  evaluation: ScheduleEvaluation,
  chunkTokens: number[],
  strategy: SplitStrategy,
  candidates: SweepCandidate[],
  settings: MemorySettings,
  capacityGiB: number,
  warningFraction: number,
  text?: string,
): CoreDiagnostic | null {
  const memory = evaluation.memory!;
  const sim = evaluation.sim!;
  const worst = worstStage(memory);
  const reservedGiB = worst.peakReservedBytes / GiB;
  const limitGiB = warningFraction * capacityGiB;
  if (reservedGiB <= limitGiB) return null;
  // Over capacity by more than the estimate's own margin is an error; within it, a warning (the memory model aims at
  // 10 % of reserved memory, issue 13).
  const severity = reservedGiB > capacityGiB * (1 + OOM_ERROR_MARGIN) ? 'error' : 'warning';
  const b = worst.breakdownBytes;
  const staticGiB = (b.weights + b.grads + b.optimizer) / GiB;
  const unitsPerMicrobatch = sim.spec.splits * sim.spec.virtualStages;
  const liveUnits = sim.peakUnits?.[worst.stage];
  let inFlight = '';
  if (liveUnits != null && liveUnits > 0) {
    inFlight =
      unitsPerMicrobatch === 1
        ? ` for ${liveUnits} microbatch${liveUnits === 1 ? '' : 'es'} in flight`
        : ` for ${liveUnits} units (${fmt(liveUnits / unitsPerMicrobatch)} microbatch-equivalents) in flight`;
  }
  const parts = [
    `activations ${fmt(b.activations / GiB)} GiB${inFlight}`,
    `weights + grads + optimizer ${fmt(staticGiB)} GiB`,
  ];
  if (b.kvCache > 0) parts.push(`K/V cache ${fmt(b.kvCache / GiB)} GiB`);
  if (b.logits > 0.05 * worst.peakBytes) parts.push(`logits ${fmt(b.logits / GiB)} GiB`);
  const margin =
    reservedGiB <= capacityGiB
      ? `, above the ${Math.round(warningFraction * 100)} % margin`
      : severity === 'warning'
        ? ` (within the estimate's ${Math.round(OOM_ERROR_MARGIN * 100)} % margin of it)`
        : '';
  let message = `Stage ${worst.stage} needs ${fmt(reservedGiB)} GiB of ${fmt(capacityGiB)} GiB${margin} (${parts.join(', ')}).`;

  const lever = findLever(shape, evaluation, chunkTokens, strategy, candidates, settings, capacityGiB, limitGiB);
  const activationDriven = b.activations + b.kvCache + b.logits > b.weights + b.grads + b.optimizer;
  let keys: ConfigKey[];
  if (lever) {
    message += ` ${lever.text.charAt(0).toUpperCase()}${lever.text.slice(1)}`;
    const drivers: ConfigKey[] = activationDriven
      ? ['seqLength', 'microBatchSize']
      : ['pipelineParallel', 'tensorParallel'];
    keys = [...lever.keys, ...drivers];
  } else if (activationDriven) {
    message +=
      ' No schedule, recompute or micro-batch change fits on its own; shorten the sequence or add tensor/context parallelism.';
    keys = ['seqLength', 'microBatchSize', 'tensorParallel', 'contextParallel'];
  } else {
    message += ` The weights and optimizer state alone take ${fmt(staticGiB)} GiB; raise tensor or pipeline parallelism${shape.distributedOptimizer || shape.dp * shape.cp === 1 ? '' : ', or use --use-distributed-optimizer'}.`;
    keys = ['pipelineParallel', 'tensorParallel', 'distributedOptimizer'];
  }
  const diagnostic: CoreDiagnostic = { code: 'oom-risk', severity, message, range: rangeFor(read, keys) };
  const fix = lever && text != null ? buildFix(text, read, lever) : null;
  if (fix) diagnostic.fixes = [fix];
  return diagnostic;
}

/** A quick fix only when every flag of the change has a place in the file; a partial edit would not fit. */
function buildFix(text: string, read: LaunchConfigRead, lever: Lever): CoreFix | null {
  const edits: TextEdit[] = [];
  for (const [flag, value] of lever.flags) {
    const planned = planFlagEdit(text, read, flag, value);
    if (planned.length === 0) return null;
    edits.push(...planned);
  }
  return { title: lever.title, edits, preferred: true };
}

function rangeFor(read: LaunchConfigRead, keys: ConfigKey[]): SourceRange {
  for (const key of keys) {
    const source = read.sources[key];
    const range = source?.valueRange ?? source?.range;
    if (range) return range;
  }
  return read.commandRange ?? { line: 0, column: 0, endLine: 0, endColumn: 1 };
}

function reservedWith(
  shape: ModelShape,
  evaluation: ScheduleEvaluation,
  lengths: number[],
  settings: MemorySettings,
): number {
  return worstStage(computeStageMemory(shape, evaluation.sim!, lengths, settings)).peakReservedBytes / GiB;
}

/**
 * Tries the changes from cheapest in step time to dearest and returns the first that fits: the distributed optimizer,
 * another schedule or k from the sweep, selective recompute, half the micro-batch, full recompute. The what-ifs that
 * keep the schedule are re-evaluated on the same timeline (a smaller micro-batch also doubles the microbatch count in
 * reality; the in-flight count stays the same once m ≥ p, so the estimate holds).
 */
function findLever(
  shape: ModelShape,
  evaluation: ScheduleEvaluation,
  lengths: number[],
  currentStrategy: SplitStrategy,
  candidates: SweepCandidate[],
  settings: MemorySettings,
  capacityGiB: number,
  limitGiB: number,
): Lever | null {
  const sim = evaluation.sim!;
  const spare = (reserved: number): string => `fits with ${fmt(capacityGiB - reserved)} GiB to spare`;

  if (!shape.distributedOptimizer && shape.dp * shape.cp > 1) {
    const r = reservedWith({ ...shape, distributedOptimizer: true }, evaluation, lengths, settings);
    if (r <= limitGiB)
      return {
        keys: ['distributedOptimizer'],
        text: `--use-distributed-optimizer ${spare(r)} (${fmt(r)} GiB).`,
        title: 'Use the distributed optimizer',
        flags: [['--use-distributed-optimizer', 'true']],
      };
  }
  const fitting = candidates.filter((c) => c.fits && FLAG_REACHABLE.has(c.choice.schedule));
  if (fitting.length > 0) {
    const best = fitting.reduce((a, b) => (b.evaluation.stepTimeMs! < a.evaluation.stepTimeMs! ? b : a));
    const name = describeChoice(best.choice);
    const flags: [string, string | null][] = [];
    const keys: ConfigKey[] = [];
    if (best.choice.splits !== sim.spec.splits) {
      flags.push(['--pipe-sp-splits', String(best.choice.splits)]);
      keys.push('pipeSpSplits');
    }
    if (best.choice.splits > 1 && best.choice.strategy !== currentStrategy) {
      flags.push(['--pipe-sp-strategy', best.choice.strategy]);
      keys.push('pipeSpStrategy');
    }
    if (best.choice.virtualStages !== sim.spec.virtualStages) {
      const perChunk = shape.numLayers / shape.pp / best.choice.virtualStages;
      // Back to one chunk per rank means removing the VPP flag; otherwise set layers per virtual stage.
      flags.push(['--num-layers-per-virtual-pipeline-stage', best.choice.virtualStages > 1 ? String(perChunk) : null]);
      keys.push('numLayersPerVirtualStage', 'virtualStages');
    }
    return {
      keys,
      text: `${name} ${spare(best.worstReservedGiB)} (${fmt(best.worstReservedGiB)} GiB, ${stepTimeText(best.evaluation.stepTimeMs!)} per step).`,
      title: `Switch to ${name}`,
      flags,
    };
  }
  if (shape.recompute == null) {
    const r = reservedWith(
      { ...shape, recompute: 'selective', recomputeModules: ['core_attn'] },
      evaluation,
      lengths,
      settings,
    );
    if (r <= limitGiB)
      return {
        keys: ['recomputeGranularity'],
        text: `--recompute-granularity selective ${spare(r)} (${fmt(r)} GiB).`,
        title: 'Recompute core attention (selective)',
        flags: [['--recompute-granularity', 'selective']],
      };
  }
  if (shape.microBatch > 1) {
    const half = Math.max(1, Math.floor(shape.microBatch / 2));
    const r = reservedWith({ ...shape, microBatch: half }, evaluation, lengths, settings);
    if (r <= limitGiB)
      return {
        keys: ['microBatchSize'],
        text: `--micro-batch-size ${half} ${spare(r)} (about ${fmt(r)} GiB).`,
        title: `Halve the micro-batch size to ${half}`,
        flags: [['--micro-batch-size', String(half)]],
      };
  }
  if (shape.recompute !== 'full') {
    const r = reservedWith(
      { ...shape, recompute: 'full', recomputeMethod: 'uniform', recomputeNumLayers: 1 },
      evaluation,
      lengths,
      settings,
    );
    if (r <= limitGiB) {
      return {
        keys: ['recomputeGranularity'],
        text: `--recompute-granularity full --recompute-method uniform --recompute-num-layers 1 ${spare(r)} (${fmt(r)} GiB).`,
        title: 'Recompute every layer (full, uniform, 1 layer per checkpoint)',
        flags: [
          ['--recompute-granularity', 'full'],
          ['--recompute-method', 'uniform'],
          ['--recompute-num-layers', '1'],
        ],
      };
    }
  }
  return null;
}
