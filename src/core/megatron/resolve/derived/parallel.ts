// Parallel sizes that follow from others: expert TP defaults to TP; sequence parallelism is off at TP = 1.
import { explicitSource, numberSpec, switchSpec, type ResolveContext } from '../context';

export function resolveExpertTensorParallel(ctx: ResolveContext): void {
  const t = ctx.config.tensorParallel;
  if (ctx.settings.has('--expert-tensor-parallel-size'))
    ctx.number('expertTensorParallel', numberSpec('--expert-tensor-parallel-size'));
  else if (t !== null) ctx.derived('expertTensorParallel', t, `defaults to TP = ${t}`, ['tensorParallel']);
  else ctx.blocked('expertTensorParallel', 'defaults to TP, which is unresolved');
}

/** Megatron switches sequence parallelism off when TP = 1. */
export function resolveSequenceParallel(ctx: ResolveContext): void {
  const t = ctx.config.tensorParallel;
  const sp = ctx.settings.get('--sequence-parallel');
  if (!sp || !sp.bool) ctx.switch('sequenceParallel', switchSpec('--sequence-parallel'));
  else if (t === null)
    ctx.set('sequenceParallel', null, {
      ...explicitSource(sp),
      status: 'unresolved',
      reason: 'Megatron turns it off when TP = 1, and TP is unknown',
    });
  else if (t === 1)
    ctx.set('sequenceParallel', false, {
      ...explicitSource(sp),
      status: 'derived',
      note: 'requested, but Megatron turns sequence parallelism off when TP = 1',
    });
  else ctx.set('sequenceParallel', true, explicitSource(sp));
}
