// Megatron's validate_args / TransformerConfig / ModelParallelConfig rules (megatron.md §2) and the Seq1F1B
// requirements (seq1f1b.md §6), as diagnostics that name the numbers and the fix. Each lands on the flag that
// most needs changing; `related` points at the other inputs. Rules only fire on known values: an unresolved
// input never produces a guess.
// The registry: one family per file, run in this order (the order of their diagnostics on equal ranges), and
// every diagnostic code the user can see with its default severity, docs anchor and where it applies.
import type { CoreDiagnostic, ScriptKind } from '../../types';
import type { Dialect } from '../flags/table';
import { code, RuleContext, type Applicability, type CodeInfo, type Rule, type ValidateContext } from './rule';
import { parallelRule } from './parallel';
import { worldRule } from './world';
import { shapeRule } from './shape';
import { sequenceParallelRule } from './sequenceParallel';
import { expertsRule } from './experts';
import { layersRule } from './layers';
import { vppRule } from './vpp';
import { batchRule } from './batch';
import { requiredRule } from './required';
import { precisionRule } from './precision';
import { recomputeRule } from './recompute';
import { seq1f1bRule } from './seq1f1b';
import { cudaConnectionsRule } from './cudaConnections';
import { notModelledRule } from './notModelled';
import { microbatchGroupRule } from './microbatchGroup';
import { vocabParallelRule } from './vocabParallel';

export type { ValidateContext } from './rule';

export const RULES: readonly Rule[] = [
  parallelRule,
  worldRule,
  shapeRule,
  sequenceParallelRule,
  expertsRule,
  layersRule,
  vppRule,
  batchRule,
  requiredRule,
  precisionRule,
  recomputeRule,
  seq1f1bRule,
  cudaConnectionsRule,
  notModelledRule,
  microbatchGroupRule,
  vocabParallelRule,
];

/** Codes raised outside the rule families (argument interpreter, readers, engine, memory model, analyze()). */
const OTHER_CODES: readonly CodeInfo[] = [
  code('unknown-flag', 'warning'), // megatron/interpret.ts
  code('underscore-flag', 'hint'),
  code('deprecated-flag', 'warning'),
  code('invalid-flag-value', 'error'),
  code('duplicate-flag', 'hint'),
  code('unexpected-argument', 'warning'),
  code('unresolved-value', 'warning'), // megatron/resolve, megatron/world.ts, the bash and YAML readers
  code('invalid-moe-layer-freq', 'error'), // megatron/resolve/derived/moe.ts
  code('yaml-syntax', 'error'), // yaml/reader.ts
  code('bash-syntax', 'warning'), // bash/syntax: a construct the parser cannot read, or its nesting/word limits
  code('bash-budget', 'warning'), // bash/interp/budget.ts: steps, argv fields, call depth or eval/bash -c size ran out
  code('sourced-file-not-read', 'information'),
  code('unquoted-glob', 'hint'),
  code('bubble', 'information'), // advice/bubbleHint.ts
  code('oom-risk', 'warning'), // advice/oomRisk.ts
  code('file-too-large', 'information'), // read/readLaunchConfig.ts
  code('unknown-dialect', 'warning'), // read/dialect.ts: a directive naming no known dialect
  code('schedule-not-simulated', 'information'), // megatron/resolve/derived/seq1f1b.ts: ZB-2p / auto / ZB-V
  code('vocab-size-assumed', 'information'), // megatron/resolve/derived/vocab.ts: a tokenizer only sized at run time
  code('internal-error', 'warning'), // analyze()
  code('value-out-of-range', 'warning'), // megatron/resolve/context.ts against megatron/bounds.ts
  code('not-simulated', 'information'), // advice/notSimulated.ts: the file's own schedule is not simulated
  code('vocab-stage-critical', 'information'), // advice/vocabImbalance.ts: the output layer's stage is the bottleneck
];

// Which launches a code is right for (issue 12 §2). Inference and evaluation entry scripts (Megatron-LM d98e8a64
// tools/run_text_generation_server.py:123, MindSpeed-LLM inference.py:101, evaluation.py:376) go through
// initialize_megatron, i.e. Megatron's parser, validate_args and the microbatch calculator (megatron/training/
// global_vars.py:148), and build the model through TransformerConfig — so every argument, batch and model check
// holds for them as for training. What only a training step has: the pipeline schedule (the interleaved microbatch
// groups, megatron/core/pipeline_parallel/schedules.py:1172; Seq1F1B's splits), the memory of gradients and
// optimizer state, and fp8 parameter gathering, which validate_args allows without the distributed optimizer in
// inference mode (megatron/training/arguments.py:1095-1097). A converter parses its own arguments and only
// describes the model; a data-preprocessing script takes none of Megatron's.
const TRAINING: readonly ScriptKind[] = ['training'];
/** Megatron's argument parser and initialize_megatron run: training, inference, evaluation. */
const MEGATRON_RUN: readonly ScriptKind[] = ['training', 'inference', 'evaluation'];
/** The model's own shape: a converter's model flags must describe a valid model too. */
const DESCRIBES_MODEL: readonly ScriptKind[] = ['training', 'inference', 'evaluation', 'conversion'];

const scoped = (kinds: readonly ScriptKind[], codes: string[]): [string, readonly ScriptKind[]][] =>
  codes.map((c) => [c, kinds]);

const KINDS_BY_CODE: ReadonlyMap<string, readonly ScriptKind[]> = new Map([
  ...scoped(TRAINING, [
    'interleaved-microbatches-not-divisible',
    'microbatch-group-size-invalid',
    'fp8-param-gather-needs-distributed-optimizer',
    'seq1f1b-needs-pipeline',
    'seq1f1b-needs-flash-attn',
    'seq-not-divisible-by-splits',
    'seq1f1b-interleaved-splits',
    'uniform-comp-without-splits',
    'bubble',
    'oom-risk',
    'schedule-not-simulated',
    'not-simulated',
    'vocab-stage-critical',
    'not-modelled', // only a training launch gets the memory estimate it is about
  ]),
  ...scoped(MEGATRON_RUN, [
    'global-batch-not-divisible',
    'batch-schedule-conflict',
    'rampup-batch-not-divisible',
    'train-length-conflict',
    'distributed-optimizer-instances-not-divisible',
    'overlap-param-gather-requirements',
    'recompute-config-invalid',
    'cuda-device-max-connections',
    'world-size-not-divisible',
    'experts-not-divisible-by-ep',
    'expert-grid-not-divisible',
    'layers-not-divisible-by-pp',
    'uneven-pipeline-split',
    'invalid-pipeline-layout',
    'vpp-flags-conflict',
    'layers-not-divisible-by-virtual-stage',
    'vpp-needs-more-stages',
    'sequence-parallel-without-tp',
    'moe-tp-needs-sequence-parallel',
    'missing-required-arg',
    'vocab-size-assumed',
    'yaml-cfg-ignores-args',
    'unknown-flag',
    'unexpected-argument',
    'vocab-parallel-invalid',
    'vocab-parallel-flag-ignored',
    'layer-redistribution-invalid',
  ]),
  // The model's own shape and how a known Megatron flag is spelled and valued.
  ...scoped(DESCRIBES_MODEL, [
    'value-out-of-range',
    'heads-not-divisible-by-tp',
    'query-groups-not-divisible-by-tp',
    'query-groups-ignored',
    'hidden-not-divisible-by-heads',
    'cp-seq-not-divisible',
    'max-position-less-than-seq',
    'invalid-moe-layer-freq',
    'precision-conflict',
    'invalid-flag-value',
    'deprecated-flag',
    'underscore-flag',
    'duplicate-flag',
  ]),
]);

/** Every diagnostic code the core emits, once (a code raised in two places keeps its first entry). */
export const DIAGNOSTIC_CODES: ReadonlyMap<string, CodeInfo> = new Map(
  [...RULES.flatMap((r) => r.codes), ...OTHER_CODES].reverse().map((c): [string, CodeInfo] => {
    const kinds = KINDS_BY_CODE.get(c.code);
    return [c.code, kinds ? { ...c, appliesTo: { ...c.appliesTo, kinds } } : c];
  }),
);

/** The code is right for a launch of this kind (unregistered codes and the readers' own codes: every kind). */
export function codeAppliesToKind(code: string, kind: ScriptKind): boolean {
  const kinds = DIAGNOSTIC_CODES.get(code)?.appliesTo.kinds;
  return !kinds || kinds.includes(kind);
}

/** Issue 12 fills `appliesTo`; until then every code applies to every dialect. */
function applies(appliesTo: Applicability, dialects: Set<Dialect>): boolean {
  if (appliesTo.dialects === 'all') return true;
  const own: ReadonlySet<Dialect> = dialects.size ? dialects : new Set<Dialect>(['megatron']);
  return appliesTo.dialects.some((d) => own.has(d));
}

export function validateConfig(input: ValidateContext): CoreDiagnostic[] {
  const out: CoreDiagnostic[] = [];
  for (const rule of RULES) {
    const ctx = new RuleContext(input);
    rule.check(ctx);
    for (const d of ctx.out) {
      const info = rule.codes.find((c) => c.code === d.code);
      if (!info || applies(info.appliesTo, input.dialects)) out.push(d);
    }
  }
  return out;
}
