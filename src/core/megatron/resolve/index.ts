// Flag settings + world → a RunConfig where every field is filled, with where each value came from.
// Megatron's defaults apply to absent flags; derived values carry their arithmetic in `note`; anything that
// depends on an unknown value is null with a reason instead of a guess.
// First the plain fields (one flag, one field: the flag table says which), then the derived fields in
// dependency order — each step reads only fields set before it.
import { ResolveContext, type ResolveInput, type ResolveResult } from './context';
import { resolvePlainFields } from './plain';
import { resolveExpertTensorParallel, resolveSequenceParallel } from './derived/parallel';
import { resolveShape } from './derived/shape';
import { resolveHybrid } from './derived/hybrid';
import { resolveWorldAndDataParallel } from './derived/world';
import { resolveBatch } from './derived/batch';
import { resolveVirtualPipeline } from './derived/vpp';
import { resolveVocab } from './derived/vocab';
import { resolveSeq1f1b, resolveZeroBubble } from './derived/seq1f1b';
import { resolveVocabParallel } from './derived/vocabParallel';
import { resolvePrecision } from './derived/precision';
import { resolveRecompute } from './derived/recompute';
import { resolveInterleavedWarmup } from './derived/warmup';
import { resolveDataloaderMask } from './derived/dataloaderMask';
import { resolveMoe } from './derived/moe';
import { resolveModelDetails } from './derived/layerDetails';

export { emptyConfig, type ResolveInput, type ResolveResult } from './context';

const DERIVED_STEPS: readonly ((ctx: ResolveContext) => void)[] = [
  resolveExpertTensorParallel, // TP
  resolveHybrid, // L (a hybrid pattern decides it)
  resolveShape, // h, a, swiglu
  resolveWorldAndDataParallel, // world, TP, PP, CP
  resolveBatch, // b, dp
  resolveVirtualPipeline, // L, PP
  resolveSequenceParallel, // TP
  resolveVocab, // TP, padding unit
  resolveSeq1f1b,
  resolveZeroBubble,
  resolveVocabParallel, // the V schedules
  resolvePrecision,
  resolveRecompute,
  resolveInterleavedWarmup, // dialect
  resolveDataloaderMask, // dialect, entry
  resolveMoe, // L, ffn width
  resolveModelDetails,
];

export function resolveConfig(input: ResolveInput): ResolveResult {
  const ctx = new ResolveContext(input);
  resolvePlainFields(ctx);
  for (const step of DERIVED_STEPS) step(ctx);
  return { config: ctx.config, sources: ctx.sources, diagnostics: ctx.diagnostics, layoutStages: ctx.layoutStages };
}
