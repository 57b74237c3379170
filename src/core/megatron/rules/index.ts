// Megatron's validate_args / TransformerConfig / ModelParallelConfig rules (megatron.md §2) and the Seq1F1B
// requirements (seq1f1b.md §6), as diagnostics that name the numbers and the fix. Each lands on the flag that
// most needs changing; `related` points at the other inputs. Rules only fire on known values: an unresolved
// input never produces a guess.
// The registry: one family per file, run in this order (the order of their diagnostics on equal ranges), and
// every diagnostic code the user can see with its default severity, docs anchor and where it applies.
import type { CoreDiagnostic } from '../../types';
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
  code('internal-error', 'warning'), // analyze()
];

/** Every diagnostic code the core emits, once (a code raised in two places keeps its first entry). */
export const DIAGNOSTIC_CODES: ReadonlyMap<string, CodeInfo> = new Map(
  [...RULES.flatMap((r) => r.codes), ...OTHER_CODES].reverse().map((c): [string, CodeInfo] => [c.code, c]),
);

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
