// Batch sizes: the global batch over b·dp, microbatches for the interleaved schedule, the batch-size schedules
// and ramp-up, and the training length.
import { parsePyInt } from '../pyNumbers';
import { code, nearestMultiples, positive, type Rule, type RuleContext } from './rule';

export const batchRule: Rule = {
  family: 'batch',
  codes: [
    code('global-batch-not-divisible', 'error'),
    code('interleaved-microbatches-not-divisible', 'error'),
    code('batch-schedule-conflict', 'error'),
    code('rampup-batch-not-divisible', 'error'),
    code('invalid-flag-value', 'error'),
    code('train-length-conflict', 'error'),
  ],
  check(ctx) {
    checkGlobalBatch(ctx);
    checkInterleavedMicrobatches(ctx);
    checkSchedules(ctx);
    checkRampup(ctx);
    const iters = ctx.settings.get('--train-iters');
    const samples = ctx.settings.get('--train-samples');
    if (iters && samples) {
      ctx.push({
        code: 'train-length-conflict',
        severity: 'error',
        message: 'give either --train-iters or --train-samples, not both',
        range: samples.range,
        related: [{ message: '--train-iters', range: iters.range }],
      });
    }
  },
};

function checkGlobalBatch(ctx: RuleContext): void {
  const { globalBatchSize: gbs, microBatchSize: b, dataParallel: dp } = ctx.cfg;
  const decrease = ctx.settings.get('--decrease-batch-size-if-needed')?.bool;
  if (
    !(positive(gbs) && positive(b) && positive(dp)) ||
    gbs % (b * dp) === 0 ||
    decrease ||
    !ctx.explicit('globalBatchSize')
  )
    return;
  const unit = b * dp;
  const { down, up } = nearestMultiples(gbs, unit);
  // The nearer multiple is the preferred fix; below wins a tie.
  const downFix =
    down !== null
      ? ctx.fix(`Set global batch size to ${down}`, '--global-batch-size', String(down), gbs - down <= up - gbs)
      : null;
  const upFix = ctx.fix(
    `Set global batch size to ${up}`,
    '--global-batch-size',
    String(up),
    down === null || up - gbs < gbs - down,
  );
  ctx.push({
    code: 'global-batch-not-divisible',
    severity: 'error',
    message: `global batch size ${gbs} is not divisible by micro-batch size ${b} × data-parallel size ${dp} = ${unit}; use ${down !== null ? `${down} or ${up}` : up}`,
    range: ctx.at('globalBatchSize'),
    related: ctx.rel(['microBatchSize', 'micro-batch size'], ['dataParallel', 'data-parallel size']),
    fixes: ctx.fixes(downFix, upFix),
  });
}

function checkInterleavedMicrobatches(ctx: RuleContext): void {
  const { numMicrobatches: M, pipelineParallel: p, microBatchSize: b, dataParallel: dp, virtualStages: v } = ctx.cfg;
  if (!ctx.vppOn || !(positive(M) && positive(p) && positive(b) && positive(dp))) return;
  // An explicit group size is checked by microbatchGroup.ts (Megatron-Core ≥ 0.10 has no m mod p rule then).
  const groupText = ctx.settings.get('--microbatch-group-size-per-virtual-pipeline-stage')?.values?.[0];
  if (groupText !== undefined && parsePyInt(groupText) !== null && ctx.cfg.interleavedWarmup !== 'legacy') return;
  if (M >= p && M % p === 0) return;
  const { down, up } = nearestMultiples(M * b * dp, b * dp * p);
  const canFix = ctx.settings.has('--global-batch-size') && ctx.explicit('globalBatchSize');
  ctx.push({
    code: 'interleaved-microbatches-not-divisible',
    severity: 'error',
    message: `with the interleaved schedule (${v ? `${v} virtual stages` : 'virtual pipeline'}) the ${M} microbatches per step must be a multiple of PP ${p} and at least ${p}; use global batch ${down !== null ? `${down} or ${up}` : up} (${down !== null ? `${down / (b * dp)} or ` : ''}${up / (b * dp)} microbatches)`,
    range: canFix ? ctx.at('globalBatchSize') : ctx.at('microBatchSize'),
    related: ctx.rel(
      ['pipelineParallel', 'PP'],
      ['microBatchSize', 'micro-batch size'],
      ['dataParallel', 'data-parallel size'],
    ),
    fixes: canFix
      ? ctx.fixes(
          down !== null ? ctx.fix(`Set global batch size to ${down}`, '--global-batch-size', String(down), true) : null,
          ctx.fix(`Set global batch size to ${up}`, '--global-batch-size', String(up), down === null),
        )
      : undefined,
  });
}

function checkSchedules(ctx: RuleContext): void {
  const step = ctx.settings.get('--step-batch-size-schedule');
  const gbsSetting = ctx.settings.get('--global-batch-size');
  const decrease = ctx.settings.get('--decrease-batch-size-if-needed');
  if (step && gbsSetting) {
    ctx.push({
      code: 'batch-schedule-conflict',
      severity: 'error',
      message:
        'current Megatron rejects --step-batch-size-schedule together with --global-batch-size ("Cannot specify both"); keep one',
      range: step.range,
      related: [{ message: '--global-batch-size', range: gbsSetting.range }],
    });
  }
  if (step && decrease?.bool) {
    ctx.push({
      code: 'batch-schedule-conflict',
      severity: 'error',
      message: '--decrease-batch-size-if-needed cannot be combined with --step-batch-size-schedule',
      range: decrease.range,
    });
  }
}

function checkRampup(ctx: RuleContext): void {
  const { globalBatchSize: gbs, microBatchSize: b, dataParallel: dp } = ctx.cfg;
  const ramp = ctx.settings.get('--rampup-batch-size');
  if (!ramp?.values || ramp.values.length !== 3) return;
  const [start, incr, samples] = ramp.values.map((x) => parsePyInt(x));
  const range = ramp.valueRange ?? ramp.range;
  const iters = ctx.settings.get('--train-iters');
  if (iters) {
    ctx.push({
      code: 'batch-schedule-conflict',
      severity: 'error',
      message:
        'batch-size ramp-up needs sample-based training (--train-samples); with --train-iters Megatron stops with "expected no batch-size rampup for iteration-based training"',
      range,
      related: [{ message: '--train-iters', range: iters.range }],
    });
  }
  if (start == null || incr == null || samples == null || start <= 0 || incr <= 0 || samples < 0) {
    ctx.push({
      code: 'invalid-flag-value',
      severity: 'error',
      message: `--rampup-batch-size takes start > 0, increment > 0 and samples ≥ 0, got ${ramp.values.join(' ')}`,
      range,
    });
  } else if (positive(gbs)) {
    if (gbs < start || (gbs - start) % incr !== 0) {
      ctx.push({
        code: 'rampup-batch-not-divisible',
        severity: 'error',
        message: `ramp-up from ${start} in steps of ${incr} never reaches global batch ${gbs}: (${gbs} − ${start}) must be a multiple of ${incr}`,
        range,
      });
    } else if (positive(b) && positive(dp)) {
      const bad: number[] = [];
      for (let size = start; size <= gbs && bad.length < 4; size += incr) if (size % (b * dp) !== 0) bad.push(size);
      if (bad.length)
        ctx.push({
          code: 'rampup-batch-not-divisible',
          severity: 'error',
          message: `ramp-up batch sizes ${bad.join(', ')} are not divisible by micro-batch ${b} × data-parallel ${dp} = ${b * dp}`,
          range,
        });
    }
  }
}
