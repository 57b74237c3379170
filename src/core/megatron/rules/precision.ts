// Precision and optimizer flags that need each other: one of bf16/fp16, and the parameter-gather overlaps that
// only work with the distributed optimizer.
import { code, type Rule } from './rule';

export const precisionRule: Rule = {
  family: 'precision',
  codes: [
    code('precision-conflict', 'error'),
    code('overlap-param-gather-requirements', 'error'),
    code('fp8-param-gather-needs-distributed-optimizer', 'error'),
  ],
  check(ctx) {
    const { settings } = ctx;
    const bf16 = settings.get('--bf16');
    const fp16 = settings.get('--fp16');
    if (bf16?.bool && fp16?.bool) {
      const later =
        bf16.range.line > fp16.range.line ||
        (bf16.range.line === fp16.range.line && bf16.range.column > fp16.range.column)
          ? bf16
          : fp16;
      const other = later === bf16 ? fp16 : bf16;
      ctx.push({
        code: 'precision-conflict',
        severity: 'error',
        message: '--bf16 and --fp16 are mutually exclusive; keep one',
        range: later.range,
        related: [{ message: other.spelling, range: other.range }],
        fixes: ctx.fixes(ctx.fix(`Remove ${later.spec.name}`, later.spec.name, null, true)),
      });
    }
    const shardedOptimizer = ctx.cfg.distributedOptimizer || settings.get('--use-megatron-fsdp')?.bool;
    const opg = settings.get('--overlap-param-gather');
    if (opg?.bool) {
      if (!shardedOptimizer) {
        ctx.push({
          code: 'overlap-param-gather-requirements',
          severity: 'error',
          message:
            '--overlap-param-gather is only supported with the distributed optimizer (--use-distributed-optimizer)',
          range: opg.range,
          fixes: ctx.fixes(ctx.fix('Add --use-distributed-optimizer', '--use-distributed-optimizer', 'true', true)),
        });
      }
      if (!settings.get('--overlap-grad-reduce')?.bool) {
        ctx.push({
          code: 'overlap-param-gather-requirements',
          severity: 'error',
          message: 'Megatron requires --overlap-grad-reduce with --overlap-param-gather',
          range: opg.range,
          fixes: ctx.fixes(ctx.fix('Add --overlap-grad-reduce', '--overlap-grad-reduce', 'true', true)),
        });
      }
    }
    const fp8pg = settings.get('--fp8-param-gather');
    if (fp8pg?.bool && !shardedOptimizer) {
      ctx.push({
        code: 'fp8-param-gather-needs-distributed-optimizer',
        severity: 'error',
        message: '--fp8-param-gather needs the distributed optimizer (or Megatron-FSDP)',
        range: fp8pg.range,
        fixes: ctx.fixes(ctx.fix('Add --use-distributed-optimizer', '--use-distributed-optimizer', 'true', true)),
      });
    }
  },
};
