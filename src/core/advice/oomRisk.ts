// The `oom-risk` diagnostic: the worst stage's memory against the GPU, the numbers behind it, and the cheapest change
// (distributed optimizer, another schedule from the sweep, recompute, a smaller micro-batch) that makes it fit, with
// a quick fix when every flag of that change has a place in the file.
import { planFlagEdit } from '../edits/planFlagEdit';
import { isNemoYaml, settingText } from '../edits/settingText';
import { evaluateSchedule, type EngineOptions } from '../schedule/engine';
import { GiB } from '../memory/overheads';
import { computeStageMemory, worstStage, type MemorySettings } from '../memory/stageMemory';
import type { ModelShape } from '../model/shape';
import type {
  ConfigKey,
  CoreDiagnostic,
  CoreFix,
  LaunchConfigRead,
  RunConfig,
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
  /** The same change as RunConfig fields, to price it with the cost model; absent when the text already says it. */
  patch?: Partial<RunConfig>;
  /**
   * The file's global batch is computed from the edited value (`${multiply:${.micro_batch_size},64}`,
   * `GBS=$((MICRO * …))`), so the edit changes the work per step too: priced in tokens/s, not as the same batch.
   */
  batchFollows?: { from: number; to: number };
}

/** NeMo runs Megatron-Core's schedules only: 1F1B and, with virtual_pipeline_model_parallel_size, interleaved 1F1B. */
const NEMO_REACHABLE: ReadonlySet<ScheduleName> = new Set<ScheduleName>(['1f1b', '1f1b-interleaved']);

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
  engine?: EngineOptions,
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
  const staticGiB = (b.weights + b.grads + b.paramGather + b.gradBuckets + b.optimizer) / GiB;
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
  let message = `Stage ${worst.stage} needs ${fmt(reservedGiB)} GiB reserved of ${fmt(capacityGiB)} GiB${margin} (${parts.join(', ')}).`;

  // A change is offered only if it fits: no allocator replay (it only adds) for one already over the limit without.
  const ifFits: MemorySettings = { ...settings, replayWhen: (plainBytes) => plainBytes / GiB <= limitGiB };
  const lever = findLever(read, shape, evaluation, chunkTokens, strategy, candidates, ifFits, capacityGiB, limitGiB);
  if (lever?.patch && engine)
    lever.text += costText(read.config, evaluation, strategy, lever.patch, engine, lever.batchFollows);
  const activationDriven = b.activations + b.kvCache + b.logits > b.weights + b.grads + b.optimizer;
  let keys: ConfigKey[];
  if (lever) {
    // A schedule's name starts a sentence capitalised; a flag or a YAML key is written as the file spells it.
    const sentence = /^[a-z]+ /.test(lever.text)
      ? lever.text.charAt(0).toUpperCase() + lever.text.slice(1)
      : lever.text;
    message += ` ${sentence}.`;
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
  read: LaunchConfigRead,
  shape: ModelShape,
  evaluation: ScheduleEvaluation,
  lengths: number[],
  currentStrategy: SplitStrategy,
  candidates: SweepCandidate[],
  settings: MemorySettings,
  capacityGiB: number,
  limitGiB: number,
): Lever | null {
  const spare = (reserved: number): string => `fits with ${fmt(capacityGiB - reserved)} GiB to spare`;
  // The change in the file's own language: flags for a bash launch, `model.…` keys for a NeMo YAML.
  const say = (flags: [string, string | null][]): string =>
    flags.map(([f, v]) => settingText(read, f, v)).join(read.format === 'yaml' ? ', ' : ' ');
  const lever = (l: Omit<Lever, 'text'>, r: number, about = ''): Lever => ({
    ...l,
    text: `${say(l.flags)} ${spare(r)} (${about}${fmt(r)} GiB reserved)`,
  });

  if (!shape.distributedOptimizer && shape.dp * shape.cp > 1) {
    const r = reservedWith({ ...shape, distributedOptimizer: true }, evaluation, lengths, settings);
    if (r <= limitGiB)
      return lever(
        {
          keys: ['distributedOptimizer'],
          title: 'Use the distributed optimizer',
          flags: [['--use-distributed-optimizer', 'true']],
          patch: { distributedOptimizer: true },
        },
        r,
      );
  }
  const switched = scheduleLever(read, shape, evaluation, currentStrategy, candidates, spare);
  if (switched) return switched;
  if (shape.recompute == null) {
    const r = reservedWith(
      { ...shape, recompute: 'selective', recomputeModules: ['core_attn'] },
      evaluation,
      lengths,
      settings,
    );
    if (r <= limitGiB)
      return lever(
        {
          keys: ['recomputeGranularity'],
          title: 'Recompute core attention (selective)',
          flags: [['--recompute-granularity', 'selective']],
          patch: { recomputeGranularity: 'selective', recomputeModules: ['core_attn'] },
        },
        r,
      );
  }
  if (shape.microBatch > 1) {
    const half = Math.max(1, Math.floor(shape.microBatch / 2));
    const r = reservedWith({ ...shape, microBatch: half }, evaluation, lengths, settings);
    const m = read.config.numMicrobatches;
    const gbs = read.config.globalBatchSize;
    // A global batch written in terms of the micro-batch shrinks with it: same microbatch count, half the batch.
    const follows = gbs != null && globalBatchFollowsMicroBatch(read);
    if (r <= limitGiB)
      return lever(
        {
          keys: ['microBatchSize'],
          title: `Halve the micro-batch size to ${half}`,
          flags: [['--micro-batch-size', String(half)]],
          ...(follows
            ? {
                patch: { microBatchSize: half, globalBatchSize: (gbs * half) / shape.microBatch },
                batchFollows: { from: gbs, to: (gbs * half) / shape.microBatch },
              }
            : {
                // Same global batch: twice the microbatches of half the size.
                patch: { microBatchSize: half, numMicrobatches: m != null ? (m * shape.microBatch) / half : null },
              }),
        },
        r,
        'about ',
      );
  }
  if (shape.recompute !== 'full') {
    const r = reservedWith(
      { ...shape, recompute: 'full', recomputeMethod: 'uniform', recomputeNumLayers: 1 },
      evaluation,
      lengths,
      settings,
    );
    if (r <= limitGiB)
      return lever(
        {
          keys: ['recomputeGranularity'],
          title: 'Recompute every layer (full, uniform, 1 layer per checkpoint)',
          flags: [
            ['--recompute-granularity', 'full'],
            ['--recompute-method', 'uniform'],
            ['--recompute-num-layers', '1'],
          ],
          patch: { recomputeGranularity: 'full', recomputeMethod: 'uniform', recomputeNumLayers: 1 },
        },
        r,
      );
  }
  return null;
}

/** The fastest schedule from the sweep that fits and the file can switch to with its own settings. */
function scheduleLever(
  read: LaunchConfigRead,
  shape: ModelShape,
  evaluation: ScheduleEvaluation,
  currentStrategy: SplitStrategy,
  candidates: SweepCandidate[],
  spare: (reserved: number) => string,
): Lever | null {
  const sim = evaluation.sim!;
  const nemo = isNemoYaml(read);
  const reachable = nemo ? NEMO_REACHABLE : FLAG_REACHABLE;
  const fitting = candidates.filter((c) => c.fits && reachable.has(c.choice.schedule));
  if (fitting.length === 0) return null;
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
    const v = best.choice.virtualStages;
    const perChunk = shape.numLayers / shape.pp / v;
    // Back to one chunk per rank means removing the VPP setting; otherwise set layers per virtual stage (NeMo:
    // virtual stages per rank, its virtual_pipeline_model_parallel_size).
    if (nemo) flags.push(['--num-virtual-stages-per-pipeline-rank', v > 1 ? String(v) : null]);
    else flags.push(['--num-layers-per-virtual-pipeline-stage', v > 1 ? String(perChunk) : null]);
    keys.push('numLayersPerVirtualStage', 'virtualStages');
  }
  // The sweep simulated it at the file's global batch: its step time is already the price.
  const step = best.evaluation.stepTimeMs!;
  const now = evaluation.stepTimeMs;
  const change = now ? `, ${signedPercent(step / now - 1)} step time` : '';
  return {
    keys,
    text: `${name} ${spare(best.worstReservedGiB)} (${fmt(best.worstReservedGiB)} GiB reserved, ${stepTimeText(step)} per step${change})`,
    title: `Switch to ${name}`,
    flags,
  };
}

/** `+31.2 %`, `−4.0 %`. */
function signedPercent(fraction: number): string {
  return `${fraction < 0 ? '−' : '+'}${Math.abs(fraction * 100).toFixed(1)} %`;
}

/**
 * What the change costs in step time, from the cost model: the configured schedule simulated again with the changed
 * configuration at the same global batch (`, +31.2 % step time (41.6 s → 54.6 s)`); empty when it cannot be priced
 * (the work budget is spent, or the engine refuses the variant).
 */
/**
 * Whether the global batch is computed from the micro-batch's own definition: one of the variables or YAML keys the
 * global batch passed through is the text that sets the micro-batch (the same source range).
 */
function globalBatchFollowsMicroBatch(read: LaunchConfigRead): boolean {
  const micro = read.sources.microBatchSize;
  const gbs = read.sources.globalBatchSize;
  if (!micro || !gbs?.origins?.length) return false;
  const microRanges = [micro.valueRange, ...(micro.origins ?? []).map((o) => o.range)].filter(
    (x): x is SourceRange => x != null,
  );
  const same = (a: SourceRange, b: SourceRange): boolean =>
    a.line === b.line && a.column === b.column && a.endLine === b.endLine && a.endColumn === b.endColumn;
  return gbs.origins.some((o) => microRanges.some((r) => same(o.range, r)));
}

function costText(
  config: RunConfig,
  evaluation: ScheduleEvaluation,
  strategy: SplitStrategy,
  patch: Partial<RunConfig>,
  engine: EngineOptions,
  batchFollows?: { from: number; to: number },
): string {
  const before = evaluation.stepTimeMs;
  if (before == null || before <= 0) return '';
  let after: number | null;
  try {
    const e = evaluateSchedule(
      { ...config, ...patch },
      {
        schedule: evaluation.schedule,
        splits: evaluation.splits,
        strategy,
        virtualStages: evaluation.virtualStages,
        splitsSource: 'fixed',
      },
      { ...engine, skipBreakdown: true },
    );
    after = e.applicable ? e.stepTimeMs : null;
  } catch {
    return ''; // no price rather than a wrong one
  }
  if (after == null) return '';
  if (batchFollows) {
    // Unequal work per step: compare throughput (tokens per second of the whole run), which is what the step buys.
    const tokS = (batch: number, ms: number): number => (batch * (config.seqLength ?? 0)) / (ms / 1000);
    const ratio = tokS(batchFollows.to, after) / tokS(batchFollows.from, before);
    return `; the global batch follows it (${batchFollows.from} → ${batchFollows.to}), so ${signedPercent(ratio - 1)} tokens/s (${stepTimeText(before)} → ${stepTimeText(after)} per step)`;
  }
  return `, ${signedPercent(after / before - 1)} step time at the same global batch (${stepTimeText(before)} → ${stepTimeText(after)})`;
}
