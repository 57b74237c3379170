// Global batch (default b·dp) and microbatches per step (GBS / (b·dp)).
import { firstUnknown, numberSpec, type ResolveContext } from '../context';

export function resolveBatch(ctx: ResolveContext): void {
  const { microBatchSize: b, dataParallel: dp } = ctx.config;
  let gbs: number | null = null;
  if (ctx.settings.has('--global-batch-size')) gbs = ctx.number('globalBatchSize', numberSpec('--global-batch-size'));
  else if (ctx.settings.has('--step-batch-size-schedule'))
    ctx.blocked('globalBatchSize', 'the batch size follows --step-batch-size-schedule');
  else if (b !== null && dp !== null) {
    gbs = b * dp;
    ctx.derived('globalBatchSize', gbs, `default b·dp = ${b}·${dp} = ${gbs}`, ['microBatchSize', 'dataParallel']);
  } else
    ctx.blocked(
      'globalBatchSize',
      `defaults to b·dp, and ${b === null ? 'the micro-batch size' : 'the data-parallel size'} is unknown`,
    );

  if (gbs === null || b === null || dp === null) {
    ctx.blocked(
      'numMicrobatches',
      `depends on the ${firstUnknown([
        ['global batch size', gbs],
        ['micro-batch size', b],
        ['data-parallel size', dp],
      ])}, which is unknown`,
    );
  } else if (b * dp === 0 || gbs % (b * dp) !== 0)
    ctx.blocked('numMicrobatches', `global batch ${gbs} is not divisible by b·dp = ${b * dp}`);
  else
    ctx.derived('numMicrobatches', gbs / (b * dp), `GBS / (b·dp) = ${gbs} / (${b}·${dp}) = ${gbs / (b * dp)}`, [
      'globalBatchSize',
      'microBatchSize',
      'dataParallel',
    ]);
}
