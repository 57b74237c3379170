// Megatron's validate_args / TransformerConfig / ModelParallelConfig rules (megatron.md §2) and the Seq1F1B
// requirements (seq1f1b.md §6), as diagnostics that name the numbers and the fix. Each lands on the flag that
// most needs changing; `related` points at the other inputs. Rules only fire on known values: an unresolved
// input never produces a guess.
import type { CoreDiagnostic, CoreFix, ConfigKey, LaunchConfigRead, SourceRange, ValueSource } from '../types';
import type { Dialect } from './flags';
import type { FlagSetting } from './interpret';
import { planFlagEdit } from './edits';
import { parsePyInt } from './util';

export interface ValidateContext {
  text: string;
  read: LaunchConfigRead;
  settings: Map<string, FlagSetting>;
  dialects: Set<Dialect>;
  /** Where a diagnostic about a missing flag goes (the entry script, or the YAML document start). */
  anchor: SourceRange;
  /** CUDA_DEVICE_MAX_CONNECTIONS as the script leaves it: undefined = not set in the file. */
  cudaMaxConnections?: { value: string | null; range: SourceRange };
  layoutStages: string[] | null;
  yamlPath: boolean;
}

function divisors(n: number, limit = 12): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n && out.length < limit; d++) if (n % d === 0) out.push(d);
  return out;
}

/** Nearest multiples of `unit` below (≥ unit) and above `value`. */
function nearestMultiples(value: number, unit: number): { down: number | null; up: number } {
  const down = Math.floor(value / unit) * unit;
  return { down: down >= unit ? down : null, up: Math.ceil(value / unit) * unit === value ? value + unit : Math.ceil(value / unit) * unit };
}

export function validateConfig(ctx: ValidateContext): CoreDiagnostic[] {
  const { read, settings, text } = ctx;
  const cfg = read.config;
  const src = read.sources;
  const out: CoreDiagnostic[] = [];

  const explicit = (key: ConfigKey): boolean => src[key]?.status === 'explicit' || (src[key]?.status === 'derived' && !!src[key]?.range);
  const at = (key: ConfigKey): SourceRange => {
    const s = src[key];
    return s?.valueRange ?? s?.range ?? ctx.anchor;
  };
  const flagRange = (flag: string): SourceRange | null => {
    const s = settings.get(flag);
    return s ? s.valueRange ?? s.range : null;
  };
  const rel = (...items: [ConfigKey, string][]): { message: string; range: SourceRange }[] => {
    const r: { message: string; range: SourceRange }[] = [];
    for (const [key, label] of items) {
      const s: ValueSource | undefined = src[key];
      if (!s) continue;
      if (s.range) r.push({ message: `${label}: ${String(cfg[key])}`, range: s.valueRange ?? s.range });
      for (const o of s.origins ?? []) r.push({ message: `${label} comes from ${o.name}`, range: o.range });
    }
    return r;
  };
  const fix = (title: string, flag: string, value: string | null, preferred = false): CoreFix | null => {
    const edits = planFlagEdit(text, read, flag, value);
    return edits.length ? { title, edits, preferred: preferred || undefined } : null;
  };
  const fixes = (...f: (CoreFix | null)[]): CoreFix[] | undefined => {
    const list = f.filter((x): x is CoreFix => x !== null);
    return list.length ? list : undefined;
  };
  const push = (d: CoreDiagnostic): void => {
    if (!d.related?.length) delete d.related;
    if (!d.fixes?.length) delete d.fixes;
    out.push(d);
  };

  const { tensorParallel: t, pipelineParallel: p, contextParallel: c, expertParallel: e, worldSize: W, dataParallel: dp } = cfg;
  const { numLayers: L, hiddenSize: h, numAttentionHeads: a, seqLength: s, microBatchSize: b, globalBatchSize: gbs } = cfg;
  const E = cfg.numExperts;

  // ── Parallel sizes must be positive ──
  for (const [key, flag] of [['tensorParallel', '--tensor-model-parallel-size'], ['pipelineParallel', '--pipeline-model-parallel-size'], ['contextParallel', '--context-parallel-size'], ['expertParallel', '--expert-model-parallel-size'], ['microBatchSize', '--micro-batch-size']] as [ConfigKey, string][]) {
    const v = cfg[key] as number | null;
    if (v !== null && v <= 0) push({ code: 'invalid-flag-value', severity: 'error', message: `${flag} must be at least 1, got ${v}`, range: at(key) });
  }
  const positive = (x: number | null): x is number => x !== null && x > 0;

  // ── World ──
  if (positive(W) && positive(t) && positive(p) && positive(c) && W % (t * p * c) !== 0) {
    const model = t * p * c;
    const candidates: [ConfigKey, number][] = ([['pipelineParallel', p], ['tensorParallel', t], ['contextParallel', c]] as [ConfigKey, number][]).filter(([k]) => explicit(k));
    const target = candidates.find(([, v]) => W % v !== 0) ?? candidates.sort((x, y) => y[1] - x[1])[0];
    const range = target ? at(target[0]) : src.worldSize?.range ?? ctx.anchor;
    const worldHow = src.worldSize?.note ? ` (${src.worldSize.note})` : '';
    push({
      code: 'world-size-not-divisible',
      severity: 'error',
      message: `world size ${W}${worldHow} is not divisible by TP·PP·CP = ${t}·${p}·${c} = ${model}; make TP·PP·CP divide ${W} (divisors: ${divisors(W).join(', ')}) or use a multiple of ${model} GPUs`,
      range,
      related: rel(['tensorParallel', 'TP'], ['pipelineParallel', 'PP'], ['contextParallel', 'CP'], ['gpusPerNode', 'GPUs per node'], ['numNodes', 'nodes']),
    });
  }

  // ── Model shape vs TP ──
  if (positive(a) && positive(t) && a % t !== 0) {
    push({
      code: 'heads-not-divisible-by-tp',
      severity: 'error',
      message: `${a} attention heads are not divisible by tensor-parallel size ${t}; use a TP that divides ${a} (${divisors(a).join(', ')})`,
      range: explicit('tensorParallel') ? at('tensorParallel') : at('numAttentionHeads'),
      related: rel(['numAttentionHeads', 'heads']),
    });
  }
  const g = cfg.numQueryGroups;
  if (cfg.groupQueryAttention && positive(g) && positive(t) && g % t !== 0 && t % g !== 0) {
    push({
      code: 'query-groups-not-divisible-by-tp',
      severity: 'error',
      message: `${g} query groups and TP ${t}: one must divide the other (Megatron: num_query_groups % TP == 0 or TP % num_query_groups == 0)`,
      range: at('numQueryGroups'),
      related: rel(['tensorParallel', 'TP']),
    });
  }
  const qg = settings.get('--num-query-groups');
  if (qg && !cfg.groupQueryAttention && !settings.has('--num-key-value-heads')) {
    push({
      code: 'query-groups-ignored',
      severity: 'warning',
      message: `--num-query-groups ${qg.values?.[0] ?? ''} has no effect without --group-query-attention: Megatron silently uses ${a ?? 'a'} K/V heads (one per attention head)`.replace('  ', ' '),
      range: qg.range,
      fixes: fixes(fix('Add --group-query-attention', '--group-query-attention', 'true', true), fix('Remove --num-query-groups', '--num-query-groups', null)),
    });
  }
  if (positive(h) && positive(a) && !settings.has('--kv-channels') && h % a !== 0) {
    push({
      code: 'hidden-not-divisible-by-heads',
      severity: 'error',
      message: `hidden size ${h} is not divisible by ${a} attention heads (head dim ${(h / a).toFixed(2)}); Megatron asserts h % a == 0 unless --kv-channels is given`,
      range: at('hiddenSize'),
      related: rel(['numAttentionHeads', 'heads']),
    });
  }
  if (positive(c) && c > 1 && positive(s) && s % (2 * c) !== 0) {
    push({
      code: 'cp-seq-not-divisible',
      severity: 'error',
      message: `seq length ${s} must be a multiple of 2·CP = ${2 * c} with context parallelism ${c}; use ${nearestMultiples(s, 2 * c).down ?? nearestMultiples(s, 2 * c).up} or ${nearestMultiples(s, 2 * c).up}`,
      range: at('seqLength'),
      related: rel(['contextParallel', 'CP']),
    });
  }
  const maxPos = cfg.maxPositionEmbeddings;
  if (positive(maxPos) && positive(s) && maxPos < s) {
    push({
      code: 'max-position-less-than-seq',
      severity: 'error',
      message: `max position embeddings ${maxPos} is smaller than seq length ${s}; Megatron requires max_position_embeddings ≥ seq_length`,
      range: at('maxPositionEmbeddings'),
      related: rel(['seqLength', 'seq length']),
      fixes: fixes(fix(`Set --max-position-embeddings to ${s}`, '--max-position-embeddings', String(s), true)),
    });
  }

  // ── Sequence parallel ──
  const spFlag = settings.get('--sequence-parallel');
  if (spFlag?.bool && t === 1) {
    push({
      code: 'sequence-parallel-without-tp',
      severity: 'warning',
      message: `${spFlag.spelling} has no effect with tensor-parallel size 1: Megatron turns sequence parallelism off (it splits activations across the TP group)`,
      range: spFlag.range,
      related: rel(['tensorParallel', 'TP']),
      fixes: fixes(fix('Remove --sequence-parallel', '--sequence-parallel', null, true)),
    });
  }
  const moe = positive(E) || (positive(e) && e > 1);
  if (moe && positive(t) && t > 1 && cfg.sequenceParallel === false) {
    push({
      code: 'moe-tp-needs-sequence-parallel',
      severity: ctx.yamlPath ? 'error' : 'warning',
      message: ctx.yamlPath
        ? `MoE with tensor parallelism ${t} requires sequence parallelism ("When using MoE and tensor parallelism, sequence parallelism must be used")`
        : `expert parallelism ${e ?? 1} with tensor parallelism ${t} needs --sequence-parallel (an error in core_v0.13, a warning in current Megatron)`,
      range: at('tensorParallel'),
      related: rel(['expertParallel', 'EP'], ['numExperts', 'experts']),
      fixes: fixes(fix('Add --sequence-parallel', '--sequence-parallel', 'true', true)),
    });
  }

  // ── Experts ──
  if (positive(e) && e > 1) {
    if (E === null && src.numExperts?.status !== 'unresolved') {
      push({ code: 'experts-not-divisible-by-ep', severity: 'error', message: `expert-parallel size ${e} needs --num-experts (a multiple of ${e})`, range: at('expertParallel') });
    } else if (positive(E) && E % e !== 0) {
      push({
        code: 'experts-not-divisible-by-ep',
        severity: 'error',
        message: `${E} experts are not divisible by expert-parallel size ${e}; use an EP that divides ${E} (${divisors(E).join(', ')})`,
        range: at('expertParallel'),
        related: rel(['numExperts', 'experts']),
      });
    }
  }
  const etp = cfg.expertTensorParallel;
  if (moe && positive(W) && positive(etp) && positive(e) && positive(p) && W % (etp * e * p) !== 0) {
    push({
      code: 'expert-grid-not-divisible',
      severity: 'error',
      message: `world size ${W} is not divisible by expert-TP·EP·PP = ${etp}·${e}·${p} = ${etp * e * p}; use a multiple of ${etp * e * p} GPUs or smaller expert sizes`,
      range: explicit('expertParallel') ? at('expertParallel') : at('pipelineParallel'),
      related: rel(['expertTensorParallel', 'expert TP'], ['pipelineParallel', 'PP'], ['gpusPerNode', 'GPUs per node'], ['numNodes', 'nodes']),
    });
  }
  const inst = cfg.numDistributedOptimizerInstances;
  if (positive(dp) && positive(c) && positive(inst) && (dp * c) % inst !== 0) {
    push({
      code: 'distributed-optimizer-instances-not-divisible',
      severity: 'error',
      message: `data-parallel size ${dp} × CP ${c} = ${dp * c} is not divisible by --num-distributed-optimizer-instances ${inst}`,
      range: at('numDistributedOptimizerInstances'),
    });
  }

  // ── Layers vs pipeline ──
  const acc = (cfg.accountForEmbeddingInPipelineSplit ? 1 : 0) + (cfg.accountForLossInPipelineSplit ? 1 : 0);
  const uneven = cfg.decoderFirstPipelineNumLayers !== null || cfg.decoderLastPipelineNumLayers !== null;
  const layout = settings.has('--pipeline-model-parallel-layout');
  if (positive(L) && positive(p) && !uneven && !layout && (L + acc) % p !== 0) {
    const total = L + acc;
    push({
      code: 'layers-not-divisible-by-pp',
      severity: 'error',
      message: `${L} layers${acc ? ` + ${acc} (embedding/loss counted as layers) = ${total}` : ''} are not divisible by pipeline-parallel size ${p}; use a PP that divides ${total} (${divisors(total).join(', ')}) or uneven PP (--decoder-first/last-pipeline-num-layers)`,
      range: explicit('pipelineParallel') ? at('pipelineParallel') : at('numLayers'),
      related: rel(['numLayers', 'layers']),
    });
  }
  if (uneven && positive(L) && positive(p)) {
    const first = cfg.decoderFirstPipelineNumLayers;
    const last = cfg.decoderLastPipelineNumLayers;
    const middleStages = p - (first !== null ? 1 : 0) - (last !== null ? 1 : 0);
    const middleLayers = L - (first ?? 0) - (last ?? 0);
    if (acc) push({ code: 'uneven-pipeline-split', severity: 'error', message: 'uneven PP (--decoder-first/last-pipeline-num-layers) cannot be combined with --account-for-embedding/loss-in-pipeline-split', range: flagRange('--decoder-first-pipeline-num-layers') ?? flagRange('--decoder-last-pipeline-num-layers')! });
    else if ((middleStages <= 0 && middleLayers !== 0) || middleLayers < 0 || (middleStages > 0 && middleLayers % middleStages !== 0)) {
      push({
        code: 'uneven-pipeline-split',
        severity: 'error',
        message: `uneven PP: ${middleLayers} middle layers remain for ${middleStages} middle stages (L ${L} − first ${first ?? 0} − last ${last ?? 0}); they must divide evenly`,
        range: flagRange('--decoder-first-pipeline-num-layers') ?? flagRange('--decoder-last-pipeline-num-layers')!,
        related: rel(['numLayers', 'layers'], ['pipelineParallel', 'PP']),
      });
    }
  }
  const layoutSetting = settings.get('--pipeline-model-parallel-layout');
  if (layoutSetting?.values) {
    const stages = ctx.layoutStages;
    const range = layoutSetting.valueRange ?? layoutSetting.range;
    if (!stages) push({ code: 'invalid-pipeline-layout', severity: 'error', message: `cannot read the layout '${layoutSetting.values[0]}': stages are separated by '|', repeats are (…)*n, symbols E, t, m, L`, range });
    else {
      const tCount = stages.join('').split('').filter((ch) => ch === 't').length;
      if (positive(p) && stages.length % p !== 0) push({ code: 'invalid-pipeline-layout', severity: 'error', message: `the layout has ${stages.length} stages, not a multiple of PP ${p}`, range });
      else if (positive(L) && tCount !== L) push({ code: 'invalid-pipeline-layout', severity: 'error', message: `the layout places ${tCount} decoder layers (t) but --num-layers is ${L}`, range, related: rel(['numLayers', 'layers']) });
    }
  }

  // ── Virtual pipeline ──
  const vppFlags = ['--num-layers-per-virtual-pipeline-stage', '--num-virtual-stages-per-pipeline-rank', '--pipeline-model-parallel-layout'].filter((f) => settings.has(f));
  if (vppFlags.length > 1) {
    push({ code: 'vpp-flags-conflict', severity: 'error', message: `only one of ${vppFlags.join(', ')} may be given`, range: settings.get(vppFlags[1])!.range });
  }
  const perStage = settings.get('--num-layers-per-virtual-pipeline-stage');
  const n = cfg.numLayersPerVirtualStage;
  if (perStage && positive(L) && positive(p) && positive(n) && L % p === 0 && (L / p) % n !== 0) {
    push({
      code: 'layers-not-divisible-by-virtual-stage',
      severity: 'error',
      message: `${L / p} layers per pipeline stage (${L} / PP ${p}) are not divisible by ${n} layers per virtual stage; use one of ${divisors(L / p).join(', ')}`,
      range: perStage.valueRange ?? perStage.range,
      related: rel(['numLayers', 'layers'], ['pipelineParallel', 'PP']),
    });
  }
  const perRank = settings.get('--num-virtual-stages-per-pipeline-rank');
  const vRank = perRank?.values ? parsePyInt(perRank.values[0]) : null;
  if (perRank && positive(vRank) && positive(L) && positive(p) && !uneven && (L + acc) % p === 0 && ((L + acc) / p) % vRank !== 0) {
    push({
      code: 'layers-not-divisible-by-virtual-stage',
      severity: 'error',
      message: `${(L + acc) / p} layers per pipeline stage are not divisible by ${vRank} virtual stages; use one of ${divisors((L + acc) / p).join(', ')}`,
      range: perRank.valueRange ?? perRank.range,
      related: rel(['numLayers', 'layers'], ['pipelineParallel', 'PP']),
    });
  }
  const v = cfg.virtualStages;
  const vppOn = vppFlags.length > 0 && (v === null || v > 1);
  if (vppOn && positive(p)) {
    const noOverlap = settings.get('--no-overlap-p2p-communication')?.bool === false || settings.has('--no-overlap-p2p-communication');
    const old = ctx.dialects.has('seq1f1b');
    if (p <= 1 || ((noOverlap || old) && p <= 2)) {
      const vppSetting = settings.get(vppFlags[0])!;
      push({
        code: 'vpp-needs-more-stages',
        severity: 'error',
        message:
          p <= 1
            ? `a virtual pipeline needs pipeline-parallel size > 1 (PP is ${p})`
            : `a virtual pipeline with PP ${p} needs PP > 2 ${old ? 'in this Megatron version' : 'with --no-overlap-p2p-communication'} (to avoid several p2p sends and receives between the same 2 ranks)`,
      range: vppSetting.valueRange ?? vppSetting.range,
      related: rel(['pipelineParallel', 'PP']),
      });
    }
  }

  // ── Batch ──
  const gbsSetting = settings.get('--global-batch-size');
  const decrease = settings.get('--decrease-batch-size-if-needed')?.bool;
  if (positive(gbs) && positive(b) && positive(dp) && gbs % (b * dp) !== 0 && !decrease && explicit('globalBatchSize')) {
    const unit = b * dp;
    const { down, up } = nearestMultiples(gbs, unit);
    const downFix = down !== null ? fix(`Set global batch size to ${down}`, '--global-batch-size', String(down), gbs - down <= up - gbs) : null;
    const upFix = fix(`Set global batch size to ${up}`, '--global-batch-size', String(up), down === null || up - gbs < gbs - down);
    push({
      code: 'global-batch-not-divisible',
      severity: 'error',
      message: `global batch size ${gbs} is not divisible by micro-batch size ${b} × data-parallel size ${dp} = ${unit}; use ${down !== null ? `${down} or ${up}` : up}`,
      range: at('globalBatchSize'),
      related: rel(['microBatchSize', 'micro-batch size'], ['dataParallel', 'data-parallel size']),
      fixes: fixes(downFix, upFix),
    });
  }
  const M = cfg.numMicrobatches;
  if (vppOn && positive(M) && positive(p) && positive(b) && positive(dp)) {
    const groupSetting = settings.get('--microbatch-group-size-per-virtual-pipeline-stage');
    const group = groupSetting?.values ? parsePyInt(groupSetting.values[0]) ?? p : p;
    if (M < group || (M % group !== 0 && M % group < p)) {
      const unit = b * dp * p;
      const { down, up } = nearestMultiples(M * b * dp, unit);
      const canFix = gbsSetting && explicit('globalBatchSize');
      push({
        code: 'interleaved-microbatches-not-divisible',
        severity: 'error',
        message: `with the interleaved schedule (${v ? `${v} virtual stages` : 'virtual pipeline'}) the ${M} microbatches per step must be a multiple of PP ${p}${group !== p ? ` (group size ${group})` : ''} and at least ${group}; use global batch ${down !== null ? `${down} or ${up}` : up} (${down !== null ? `${down / (b * dp)} or ` : ''}${up / (b * dp)} microbatches)`,
        range: canFix ? at('globalBatchSize') : at('microBatchSize'),
        related: rel(['pipelineParallel', 'PP'], ['microBatchSize', 'micro-batch size'], ['dataParallel', 'data-parallel size']),
        fixes: canFix ? fixes(down !== null ? fix(`Set global batch size to ${down}`, '--global-batch-size', String(down), true) : null, fix(`Set global batch size to ${up}`, '--global-batch-size', String(up), down === null)) : undefined,
      });
    }
  }
  const step = settings.get('--step-batch-size-schedule');
  if (step && gbsSetting) {
    push({ code: 'batch-schedule-conflict', severity: 'error', message: 'current Megatron rejects --step-batch-size-schedule together with --global-batch-size ("Cannot specify both"); keep one', range: step.range, related: [{ message: '--global-batch-size', range: gbsSetting.range }] });
  }
  if (step && decrease) {
    push({ code: 'batch-schedule-conflict', severity: 'error', message: '--decrease-batch-size-if-needed cannot be combined with --step-batch-size-schedule', range: settings.get('--decrease-batch-size-if-needed')!.range });
  }
  const ramp = settings.get('--rampup-batch-size');
  if (ramp?.values && ramp.values.length === 3) {
    const [start, incr, samples] = ramp.values.map((x) => parsePyInt(x));
    const range = ramp.valueRange ?? ramp.range;
    if (settings.has('--train-iters')) {
      push({ code: 'batch-schedule-conflict', severity: 'error', message: 'batch-size ramp-up needs sample-based training (--train-samples); with --train-iters Megatron stops with "expected no batch-size rampup for iteration-based training"', range, related: [{ message: '--train-iters', range: settings.get('--train-iters')!.range }] });
    }
    if (start === null || incr === null || samples === null || start <= 0 || incr <= 0 || samples < 0) {
      push({ code: 'invalid-flag-value', severity: 'error', message: `--rampup-batch-size takes start > 0, increment > 0 and samples ≥ 0, got ${ramp.values.join(' ')}`, range });
    } else if (positive(gbs)) {
      if (gbs < start || (gbs - start) % incr !== 0) {
        push({ code: 'rampup-batch-not-divisible', severity: 'error', message: `ramp-up from ${start} in steps of ${incr} never reaches global batch ${gbs}: (${gbs} − ${start}) must be a multiple of ${incr}`, range });
      } else if (positive(b) && positive(dp)) {
        const bad: number[] = [];
        for (let size = start; size <= gbs && bad.length < 4; size += incr) if (size % (b * dp) !== 0) bad.push(size);
        if (bad.length) push({ code: 'rampup-batch-not-divisible', severity: 'error', message: `ramp-up batch sizes ${bad.join(', ')} are not divisible by micro-batch ${b} × data-parallel ${dp} = ${b * dp}`, range });
      }
    }
  }
  if (settings.has('--train-iters') && settings.has('--train-samples')) {
    push({ code: 'train-length-conflict', severity: 'error', message: 'give either --train-iters or --train-samples, not both', range: settings.get('--train-samples')!.range, related: [{ message: '--train-iters', range: settings.get('--train-iters')!.range }] });
  }

  // ── Required arguments (command-line path) ──
  if (!ctx.yamlPath) {
    const missing: string[] = [];
    if (!settings.has('--num-layers') && !settings.has('--decoder-num-layers') && !settings.has('--encoder-num-layers') && !settings.has('--hybrid-layer-pattern')) missing.push('--num-layers');
    for (const f of ['--hidden-size', '--num-attention-heads', '--max-position-embeddings', '--micro-batch-size']) if (!settings.has(f)) missing.push(f);
    if (!settings.has('--seq-length') && !settings.has('--encoder-seq-length')) missing.push('--seq-length');
    const yamlCfg = settings.has('--yaml-cfg');
    const fromCheckpoint = settings.get('--use-checkpoint-args')?.bool;
    if (missing.length && !yamlCfg && !fromCheckpoint) {
      push({ code: 'missing-required-arg', severity: 'error', message: `Megatron requires ${missing.join(', ')}; ${missing.length > 1 ? 'they are' : 'it is'} not set in this command (unless added at run time, e.g. through "$@")`, range: ctx.anchor });
    }
  }
  const yamlCfg = settings.get('--yaml-cfg');
  if (yamlCfg && !ctx.yamlPath) {
    push({ code: 'yaml-cfg-ignores-args', severity: 'warning', message: 'with --yaml-cfg Megatron ignores every other command-line argument; the values shown here come from the command line and may not be what runs', range: yamlCfg.range });
  }

  // ── Precision, optimizer, recompute ──
  const bf16 = settings.get('--bf16');
  const fp16 = settings.get('--fp16');
  if (bf16?.bool && fp16?.bool) {
    const later = bf16.range.line > fp16.range.line || (bf16.range.line === fp16.range.line && bf16.range.column > fp16.range.column) ? bf16 : fp16;
    const other = later === bf16 ? fp16 : bf16;
    push({ code: 'precision-conflict', severity: 'error', message: '--bf16 and --fp16 are mutually exclusive; keep one', range: later.range, related: [{ message: other.spelling, range: other.range }], fixes: fixes(fix(`Remove ${later.spec.name}`, later.spec.name, null, true)) });
  }
  const opg = settings.get('--overlap-param-gather');
  if (opg?.bool) {
    if (!cfg.distributedOptimizer && !settings.get('--use-megatron-fsdp')?.bool) {
      push({ code: 'overlap-param-gather-requirements', severity: 'error', message: '--overlap-param-gather is only supported with the distributed optimizer (--use-distributed-optimizer)', range: opg.range, fixes: fixes(fix('Add --use-distributed-optimizer', '--use-distributed-optimizer', 'true', true)) });
    }
    if (!settings.get('--overlap-grad-reduce')?.bool) {
      push({ code: 'overlap-param-gather-requirements', severity: 'error', message: 'Megatron requires --overlap-grad-reduce with --overlap-param-gather', range: opg.range, fixes: fixes(fix('Add --overlap-grad-reduce', '--overlap-grad-reduce', 'true', true)) });
    }
  }
  const fp8pg = settings.get('--fp8-param-gather');
  if (fp8pg?.bool && !cfg.distributedOptimizer && !settings.get('--use-megatron-fsdp')?.bool) {
    push({ code: 'fp8-param-gather-needs-distributed-optimizer', severity: 'error', message: '--fp8-param-gather needs the distributed optimizer (or Megatron-FSDP)', range: fp8pg.range, fixes: fixes(fix('Add --use-distributed-optimizer', '--use-distributed-optimizer', 'true', true)) });
  }
  const gran = cfg.recomputeGranularity;
  const granRange = flagRange('--recompute-granularity') ?? flagRange('--recompute-activations') ?? ctx.anchor;
  if (gran === 'full' && !ctx.dialects.has('deepspeed')) {
    if (cfg.recomputeMethod === null && src.recomputeMethod?.status !== 'unresolved') {
      push({ code: 'recompute-config-invalid', severity: 'error', message: "full recompute needs --recompute-method uniform or block (TransformerConfig: \"recompute_method must be 'block' or 'uniform'\")", range: granRange });
    } else if (cfg.recomputeNumLayers === null && src.recomputeNumLayers?.status !== 'unresolved') {
      push({ code: 'recompute-config-invalid', severity: 'error', message: `full recompute with method ${cfg.recomputeMethod} needs --recompute-num-layers`, range: flagRange('--recompute-method') ?? granRange });
    }
  }
  if (gran === 'selective' && (settings.has('--recompute-method') || settings.has('--recompute-num-layers'))) {
    const offending = settings.get('--recompute-method') ?? settings.get('--recompute-num-layers')!;
    push({ code: 'recompute-config-invalid', severity: 'error', message: `${offending.spelling} is not supported with selective recompute ("recompute method is not yet supported for selective recomputing granularity")`, range: offending.range, fixes: fixes(fix(`Remove ${offending.spec.name}`, offending.spec.name, null, true)) });
  }
  const rnl = cfg.recomputeNumLayers;
  if (gran === 'full' && positive(rnl) && positive(L) && positive(p) && L % p === 0 && rnl > L / p) {
    push({ code: 'recompute-config-invalid', severity: 'warning', message: `--recompute-num-layers ${rnl} is more than the ${L / p} layers per pipeline stage (L ${L} / PP ${p})`, range: flagRange('--recompute-num-layers')! });
  }
  const dsa = settings.get('--distribute-saved-activations');
  if (dsa?.bool) {
    if (cfg.sequenceParallel) push({ code: 'recompute-config-invalid', severity: 'error', message: '--distribute-saved-activations cannot be combined with sequence parallelism', range: dsa.range, related: spFlag ? [{ message: '--sequence-parallel', range: spFlag.range }] : undefined });
    else if (t === 1 || gran !== 'full') push({ code: 'recompute-config-invalid', severity: 'error', message: `--distribute-saved-activations needs TP > 1 and full recompute (TP is ${t ?? '?'}, recompute ${gran ?? 'off'})`, range: dsa.range });
  }
  const ckpt = settings.get('--checkpoint-activations');
  if (ckpt?.bool && !ctx.dialects.has('deepspeed')) {
    push({
      code: 'deprecated-flag',
      severity: 'error',
      message: 'Megatron-LM prints a message and exits on --checkpoint-activations: use --recompute-activations (selective) or --recompute-granularity full --recompute-method uniform (Megatron-DeepSpeed still accepts it as full recompute)',
      range: ckpt.nameRange,
      fixes: [{ title: 'Rename to --recompute-activations', edits: [{ range: ckpt.nameRange, newText: '--recompute-activations' }] }],
    });
  }

  // ── Seq1F1B ──
  const k = cfg.pipeSpSplits;
  const splitsSetting = settings.get('--pipe-sp-splits') ?? settings.get('--seq1f1b-splits') ?? settings.get('--enable-seq1f1b');
  const splitsRange = splitsSetting ? splitsSetting.valueRange ?? splitsSetting.range : ctx.anchor;
  if (positive(k) && k > 1) {
    if (p === 1) {
      push({ code: 'seq1f1b-needs-pipeline', severity: 'error', message: `Seq1F1B splits the sequence across pipeline stages; with PP 1 (no pipelining) --pipe-sp-splits ${k} is unsupported`, range: splitsRange, related: rel(['pipelineParallel', 'PP']) });
    } else if (positive(p) && !cfg.useFlashAttn) {
      push({ code: 'seq1f1b-needs-flash-attn', severity: 'error', message: `Seq1F1B with ${k} sequence chunks asserts --use-flash-attn (it calls flash-attn 2's varlen kernels directly)`, range: splitsRange, fixes: fixes(fix('Add --use-flash-attn', '--use-flash-attn', 'true', true)) });
    }
    if (cfg.pipeSpStrategy === 'average' && positive(s) && s % k !== 0) {
      push({ code: 'seq-not-divisible-by-splits', severity: 'warning', message: `seq length ${s} is not divisible by ${k} chunks; the Seq1F1B 'average' split assumes S % k == 0 (use ${nearestMultiples(s, k).down ?? k} or ${nearestMultiples(s, k).up}, or --pipe-sp-strategy uniform_comp)`, range: splitsRange, related: rel(['seqLength', 'seq length']) });
    }
    if (vppOn && positive(p) && p % k !== 0) {
      push({ code: 'seq1f1b-interleaved-splits', severity: 'warning', message: `interleaved Seq1F1B expects k to divide PP: ${k} chunks with PP ${p}`, range: splitsRange, related: rel(['pipelineParallel', 'PP']) });
    }
  }
  const strategySetting = settings.get('--pipe-sp-strategy') ?? settings.get('--seq1f1b-balance-method');
  if (k === 1 && cfg.pipeSpStrategy === 'uniform_comp' && strategySetting) {
    push({ code: 'uniform-comp-without-splits', severity: 'hint', message: 'uniform_comp only matters when the sequence is split (--pipe-sp-splits > 1); with 1 chunk it has no effect', range: strategySetting.valueRange ?? strategySetting.range });
  }

  // ── CUDA_DEVICE_MAX_CONNECTIONS ──
  if ((positive(t) && t > 1) || (positive(c) && c > 1)) {
    const cmc = ctx.cudaMaxConnections;
    if (cmc && cmc.value !== null && cmc.value !== '1') {
      push({ code: 'cuda-device-max-connections', severity: 'warning', message: `CUDA_DEVICE_MAX_CONNECTIONS is ${cmc.value}; with TP ${t} / CP ${c} Megatron requires 1 on GPUs before Blackwell (so communication kernels are scheduled before compute)`, range: cmc.range });
    } else if (!cmc && !ctx.yamlPath) {
      push({ code: 'cuda-device-max-connections', severity: 'information', message: `TP ${t} / CP ${c}: Megatron requires CUDA_DEVICE_MAX_CONNECTIONS=1 on GPUs before Blackwell, and this script does not set it (export CUDA_DEVICE_MAX_CONNECTIONS=1 unless your environment does)`, range: at(positive(t) && t > 1 ? 'tensorParallel' : 'contextParallel') });
    }
  }
  return out;
}
