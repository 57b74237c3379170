// Optimizer sharding (Megatron's distributed optimizer, or DeepSpeed ZeRO ≥ 1), parameter precision, FP8 format.
import type { Precision, ValueSource } from '../../../types';
import { parsePyInt } from '../../pyNumbers';
import { explicitSource, switchSpec, textSpec, type ResolveContext } from '../context';

export function resolvePrecision(ctx: ResolveContext): void {
  const { settings } = ctx;
  const zero = settings.get('--zero-stage');
  const zeroText = zero?.values?.[0];
  if (!settings.has('--use-distributed-optimizer') && zero && zeroText !== undefined) {
    const stage = parsePyInt(zeroText);
    const shards = stage !== null && stage >= 1;
    ctx.set('distributedOptimizer', stage === null ? null : shards, {
      ...explicitSource(zero),
      status: 'derived',
      note: `DeepSpeed ZeRO stage ${zeroText} ${shards ? 'shards' : 'does not shard'} optimizer state`,
    });
  } else ctx.switch('distributedOptimizer', switchSpec('--use-distributed-optimizer'));
  resolveZeroStage(ctx);

  const bf16 = settings.get('--bf16');
  const fp16 = settings.get('--fp16');
  let precision: Precision = 'fp32';
  let precisionSource: ValueSource = { status: 'default', note: 'neither --bf16 nor --fp16: fp32' };
  if (bf16?.bool) {
    precision = 'bf16';
    precisionSource = explicitSource(bf16);
  } else if (fp16?.bool) {
    precision = 'fp16';
    precisionSource = explicitSource(fp16);
  }
  ctx.set('precision', precision, precisionSource);

  const fp8Old = settings.get('--fp8-hybrid') ?? settings.get('--fp8-e4m3');
  if (!settings.has('--fp8-format') && fp8Old?.bool)
    ctx.set('fp8Format', fp8Old.spec.name === '--fp8-hybrid' ? 'hybrid' : 'e4m3', explicitSource(fp8Old));
  else ctx.text('fp8Format', textSpec('--fp8-format'));
}

/**
 * DeepSpeed's ZeRO stage. DeepSpeed takes it from the JSON config (zero_optimization.stage); Megatron-DeepSpeed's
 * --zero-stage (arguments.py:1487 at f4157bea) only mirrors it for the model code (e.g. pretrain_gpt.py:49), and
 * the example scripts pass the same variable to both. So --zero-stage stands for the stage; without it the stage
 * lives only in a JSON we do not read and stays unknown (the memory model then shards nothing).
 */
function resolveZeroStage(ctx: ResolveContext): void {
  const zero = ctx.settings.get('--zero-stage');
  const text = zero?.values?.[0];
  if (!zero) {
    const note = ctx.input.dialects.has('deepspeed')
      ? 'no --zero-stage: the stage is in the DeepSpeed JSON config, which is not read (no ZeRO sharding assumed)'
      : 'not a DeepSpeed run';
    ctx.set('zeroStage', null, { status: 'default', note });
    return;
  }
  if (text === undefined) {
    ctx.set('zeroStage', null, ctx.unresolved(zero, 'zeroStage'));
    return;
  }
  const stage = parsePyInt(text);
  if (stage === null || stage < 0 || stage > 3) {
    ctx.set('zeroStage', null, {
      ...explicitSource(zero),
      status: 'unresolved',
      reason: `ZeRO stage '${text}' is not 0–3`,
    });
    return;
  }
  ctx.set('zeroStage', stage, explicitSource(zero));
}
