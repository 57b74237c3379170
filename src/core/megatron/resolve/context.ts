// What every resolution step shares: the flag settings, the RunConfig being filled with a source for each field,
// and the helpers that read one flag with its table default. The steps (plain.ts, derived/*) only add values.
import type { CoreDiagnostic, ConfigKey, ConfigSources, DialectId, RunConfig, ValueSource } from '../../types';
import type {
  Dialect,
  NumberKey,
  BoolKey,
  TextKey,
  FlagSpec,
  ListSpec,
  NumberSpec,
  SwitchSpec,
  TextSpec,
} from '../flags/table';
import { flagSpec } from '../flags/lookup';
import { unresolvedAlreadyReported, type FlagSetting } from '../interpret';
import type { WorldInfo } from '../world';
import { parsePyFloat, parsePyInt } from '../pyNumbers';
import { OUT_OF_RANGE, rangeProblem, type RangeProblem } from '../bounds';

export interface ResolveInput {
  settings: Map<string, FlagSetting>;
  world: WorldInfo;
  dialects: Set<Dialect>;
  /** Diagnostics the bash reader already emitted (to avoid a second `unresolved-value` for the same cause). */
  upstream: CoreDiagnostic[];
  format: 'bash' | 'yaml';
  /** The entry script as written (`pretrain_gpt.py`, `$DIR/pretrain_bert.py`): its args_defaults fill unset flags. */
  entry?: string | null;
  /** Which Megatron reads the file, as detected before overrides (read/dialect.ts). */
  dialect?: DialectId;
  /** The release or backend the detection found (Pai's pinned `Megatron-LM-YYMMDD`), when any. */
  dialectVersion?: string;
}

export interface ResolveResult {
  config: RunConfig;
  sources: ConfigSources;
  diagnostics: CoreDiagnostic[];
  /** Parsed `--pipeline-model-parallel-layout` stages (for validation), null when absent or invalid. */
  layoutStages: string[] | null;
}

/**
 * Every RunConfig field, unknown. A constant rather than a function body (RunConfig has a hundred fields); every
 * value is null, so a shallow copy is a fresh config.
 */
const EMPTY_CONFIG: Readonly<RunConfig> = {
  numLayers: null,
  hybridLayerPattern: null,
  hiddenSize: null,
  ffnHiddenSize: null,
  numAttentionHeads: null,
  numQueryGroups: null,
  kvChannels: null,
  seqLength: null,
  maxPositionEmbeddings: null,
  microBatchSize: null,
  globalBatchSize: null,
  tensorParallel: null,
  pipelineParallel: null,
  virtualStages: null,
  contextParallel: null,
  expertParallel: null,
  numExperts: null,
  sequenceParallel: null,
  worldSize: null,
  dataParallel: null,
  numMicrobatches: null,
  paddedVocabSize: null,
  pipeSpSplits: null,
  pipeSpStrategy: null,
  zeroBubbleSchedule: null,
  // ── F: the Zero-Bubble fork's group-interleaved 1F1B ──
  interleaveGroupSize: null,
  // ── E: Vocabulary Parallelism ──
  vocabParallelSchedule: null,
  // ── D: MindSpeed's DualPipeV cool-down ──
  dualpipevDwDetach: null,
  distributedOptimizer: null,
  precision: null,
  swiglu: null,
  recomputeGranularity: null,
  gpusPerNode: null,
  numNodes: null,
  vocabSize: null,
  tokenizerType: null,
  makeVocabSizeDivisibleBy: null,
  untieEmbeddingsAndOutputWeights: null,
  normalization: null,
  positionEmbeddingType: null,
  groupQueryAttention: null,
  useFlashAttn: null,
  attentionBackend: null,
  transformerImpl: null,
  // ── F (issue 13): pre-2024 megatron/model code ──
  legacyModelCode: null,
  // ── E (issue 13): rotary tables, the embedding's SP scatter ──
  rotaryPercent: null,
  cloneScatterOutputInEmbedding: null,
  qkLayernorm: null,
  hiddenDropout: null,
  attentionDropout: null,
  addBiasLinear: null,
  recomputeMethod: null,
  recomputeNumLayers: null,
  recomputeModules: null,
  distributeSavedActivations: null,
  expertTensorParallel: null,
  moeRouterTopk: null,
  moeFfnHiddenSize: null,
  moeSharedExpertIntermediateSize: null,
  moeLayerPattern: null,
  gradReduceInBf16: null,
  numDistributedOptimizerInstances: null,
  numLayersPerVirtualStage: null,
  decoderFirstPipelineNumLayers: null,
  decoderLastPipelineNumLayers: null,
  accountForEmbeddingInPipelineSplit: null,
  accountForLossInPipelineSplit: null,
  layerSplitMethod: null,
  layersPerStage: null,
  noopLayers: null,
  interleavedMinPipeline: null,
  // ── A (issue 13, static memory): DeepSpeed-MoE, sharding, precision, MLA/MTP parameters ──
  moeExpertsPerLayer: null,
  moeResidualMlp: null,
  zeroStage: null,
  useMegatronFsdp: null,
  dataParallelShardingStrategy: null,
  useTorchFsdp2: null,
  ddpBucketSize: null,
  overlapGradReduce: null,
  overlapParamGather: null,
  fp8Recipe: null,
  fp8ParamGather: null,
  firstLastLayersBf16: null,
  numLayersAtStartInBf16: null,
  numLayersAtEndInBf16: null,
  fp4Format: null,
  fp4ParamGather: null,
  accumulateAllreduceGradsInFp32: null,
  usePrecisionAwareOptimizer: null,
  mainGradsDtype: null,
  mainParamsDtype: null,
  expAvgDtype: null,
  expAvgSqDtype: null,
  optimizerCpuOffload: null,
  optimizerOffloadFraction: null,
  optimizerType: null,
  multiLatentAttention: null,
  qLoraRank: null,
  kvLoraRank: null,
  qkHeadDim: null,
  qkPosEmbHeadDim: null,
  vHeadDim: null,
  mtpNumLayers: null,
  fp8Format: null,
  // ── B, memory: activations, offload, interleaved warm-up by version (issue 13) ──
  interleavedWarmup: null,
  microbatchGroupSize: null,
  cpuOffloading: null,
  cpuOffloadingNumLayers: null,
  moeExpertCapacityFactor: null,
  moePadExpertInputToCapacity: null,
  dataloaderAttentionMask: null,
  overlapMoeExpertParallelComm: null,
  // ── G, memory: MoE token dispatch buffers (issue 13) ──
  moeTokenDispatcherType: null,
  // ── C (cost model, issue 14): overlap flags the step time depends on ──
  tpCommOverlap: null,
  trainIters: null,
};

export function emptyConfig(): RunConfig {
  return { ...EMPTY_CONFIG };
}

export const explicitSource = (s: FlagSetting): ValueSource => ({
  status: 'explicit',
  range: s.range,
  ...(s.valueRange && { valueRange: s.valueRange }),
  origins: s.origins,
  flag: s.spelling,
  ...(s.assumptions?.length && { assumptions: s.assumptions }),
});

/** The assumptions of several sources, each once (a derived value rests on everything its inputs rest on). */
export function mergedAssumptions(sources: readonly (ValueSource | undefined)[]): string[] {
  const out = new Set<string>();
  for (const s of sources) for (const a of s?.assumptions ?? []) out.add(a);
  return [...out];
}

export class ResolveContext {
  readonly config = emptyConfig();
  readonly sources: ConfigSources = {};
  readonly diagnostics: CoreDiagnostic[] = [];
  /** Parsed `--pipeline-model-parallel-layout`, set by the virtual-pipeline step. */
  layoutStages: string[] | null = null;
  private readonly reportedRoots = new Set<string>();

  constructor(readonly input: ResolveInput) {}

  get settings(): Map<string, FlagSetting> {
    return this.input.settings;
  }

  /**
   * Every value enters the config here, so this is the one gate of megatron/bounds.ts: a number that is not finite,
   * cannot be divided by or would size an absurd amount of work becomes unknown with its reason (issue 15), before
   * any later step reads it.
   */
  set<K extends ConfigKey>(key: K, value: RunConfig[K], source: ValueSource): void {
    const problem = rangeProblem(key, value, source.flag ?? key);
    if (problem !== null) {
      this.refuse(key, problem, source);
      return;
    }
    this.config[key] = value;
    this.sources[key] = source;
  }

  /** A value outside the analysed range: unknown, with the reason, and a diagnostic where the file sets it. */
  private refuse(key: ConfigKey, problem: RangeProblem, source: ValueSource): void {
    this.config[key] = null;
    this.sources[key] = { ...source, status: 'unresolved', reason: `${OUT_OF_RANGE}${problem.message}` };
    const range = source.valueRange ?? source.range;
    // A derived value has no place in the file; its reason still reaches the engine's "not simulated" line.
    if (!range || problem.report === 'none') return;
    this.diagnostics.push(
      problem.report === 'error'
        ? { code: 'invalid-flag-value', severity: 'error', message: problem.message, range }
        : {
            code: 'value-out-of-range',
            severity: 'warning',
            message: `${problem.message}; ${key} is taken as unknown, so the checks and the simulation that need it are skipped`,
            range,
          },
    );
  }

  /** A value computed from others; `from` names the inputs whose assumptions it inherits. */
  derived<K extends ConfigKey>(key: K, value: RunConfig[K], note: string, from: readonly ConfigKey[] = []): void {
    const assumptions = mergedAssumptions(from.map((k) => this.sources[k]));
    this.set(key, value, assumptions.length ? { status: 'derived', note, assumptions } : { status: 'derived', note });
  }

  /** The field is unknown because an input it depends on is. */
  blocked(key: ConfigKey, reason: string): void {
    this.config[key] = null;
    this.sources[key] = { status: 'unresolved', reason };
  }

  /** The source of a flag whose value cannot be read; reports it once per root cause. */
  unresolved(s: FlagSetting, key: ConfigKey): ValueSource {
    if (!s.invalid && !unresolvedAlreadyReported(s, this.input.upstream, this.reportedRoots)) {
      const origin = s.origins[s.origins.length - 1];
      const d: CoreDiagnostic = {
        code: 'unresolved-value',
        severity: 'warning',
        message: `${s.spelling} cannot be resolved statically (${s.reason ?? 'unknown value'}); ${key} is unknown, so checks and the simulation that need it are skipped`,
        range: s.valueRange ?? s.range,
      };
      if (origin) d.related = [{ message: `${origin.name} is defined here`, range: origin.range }];
      this.diagnostics.push(d);
    }
    return {
      status: 'unresolved',
      range: s.range,
      ...(s.valueRange && { valueRange: s.valueRange }),
      origins: s.origins,
      flag: s.spelling,
      reason: s.invalid ? `${s.spelling} has an invalid value` : (s.reason ?? 'unknown value'),
    };
  }

  /** First of `flags` the file sets (argparse would see only one of them). */
  first(flags: readonly string[]): FlagSetting | undefined {
    for (const f of flags) {
      const s = this.settings.get(f);
      if (s) return s;
    }
    return undefined;
  }

  /** A number flag into `key`: its value when given, else the table's default (or "not given" / required). */
  number(key: NumberKey, spec: NumberSpec): number | null {
    const s = this.first([spec.name, ...(spec.fallbacks ?? [])]);
    if (s) {
      const text = s.values?.[0];
      const v = text === undefined ? null : spec.type === 'int' ? parsePyInt(text) : parsePyFloat(text);
      this.set(key, v, v !== null ? explicitSource(s) : this.unresolved(s, key));
      return v;
    }
    const dflt = spec.default ?? null;
    if (dflt !== null) this.set(key, dflt, { status: 'default', note: `Megatron default for ${spec.name}` });
    else
      this.set(
        key,
        null,
        spec.requiredReason
          ? { status: 'unresolved', reason: spec.requiredReason }
          : { status: 'default', note: `${spec.name} not given` },
      );
    return dflt;
  }

  /** A store_true flag into `key`: on/off when given, else the table's default. */
  switch(key: BoolKey, spec: SwitchSpec): boolean {
    const s = this.settings.get(spec.name);
    if (s && s.bool !== undefined) {
      this.set(key, s.bool, explicitSource(s));
      return s.bool;
    }
    const dflt = spec.default ?? false;
    this.set(key, dflt, { status: 'default', note: `${spec.name} not given` });
    return dflt;
  }

  /** A string flag into `key`: its text when given, else the table's default. */
  text(key: TextKey, spec: TextSpec): string | null {
    const v = this.textOf(key, spec);
    this.set(key, v.value, v.source);
    return v.value;
  }

  /**
   * A string flag's value and source without storing it, for fields whose type is a literal union: the caller
   * narrows the text (the interpreter has already checked it against the table's choices).
   */
  textOf(key: ConfigKey, spec: TextSpec): { value: string | null; source: ValueSource } {
    const s = this.settings.get(spec.name);
    if (s) {
      const value = s.values?.[0] ?? null;
      return { value, source: value !== null ? explicitSource(s) : this.unresolved(s, key) };
    }
    const dflt = spec.default ?? null;
    return {
      value: dflt,
      source: {
        status: 'default',
        note: dflt === null ? `${spec.name} not given` : `Megatron default for ${spec.name}`,
      },
    };
  }
}

// Typed table lookups for the derived steps, which read flags that feed several fields by name.
function specOf(name: string): FlagSpec {
  const spec = flagSpec(name);
  // The names below are literals of this folder; a typo is a programming error the unit tests hit at once.
  if (!spec) throw new Error(`flag table has no ${name}`);
  return spec;
}
export function numberSpec(name: string): NumberSpec {
  const spec = specOf(name);
  if (spec.type !== 'int' && spec.type !== 'float') throw new Error(`${name} is not a number flag`);
  return spec;
}
export function switchSpec(name: string): SwitchSpec {
  const spec = specOf(name);
  if (spec.type !== 'store_true' && spec.type !== 'store_false') throw new Error(`${name} is not a switch`);
  return spec;
}
export function textSpec(name: string): TextSpec {
  const spec = specOf(name);
  if (spec.type !== 'str' && spec.type !== 'choice') throw new Error(`${name} is not a string flag`);
  return spec;
}

export function listSpec(name: string): ListSpec {
  const spec = specOf(name);
  if (spec.type !== 'nargs') throw new Error(`${name} is not a list flag`);
  return spec;
}

/** Name of the first input that is unknown, for "depends on …" reasons (callers have checked that one is). */
export function firstUnknown(pairs: [string, number | null][]): string {
  return pairs.find(([, v]) => v === null)?.[0] ?? 'input';
}
