// Parallel sizes and the micro-batch size must be at least 1 (argparse accepts 0 and negative numbers; Megatron
// then fails deep inside initialisation).
import { code, type Rule } from './rule';

const SIZES: [
  'tensorParallel' | 'pipelineParallel' | 'contextParallel' | 'expertParallel' | 'microBatchSize',
  string,
][] = [
  ['tensorParallel', '--tensor-model-parallel-size'],
  ['pipelineParallel', '--pipeline-model-parallel-size'],
  ['contextParallel', '--context-parallel-size'],
  ['expertParallel', '--expert-model-parallel-size'],
  ['microBatchSize', '--micro-batch-size'],
];

export const parallelRule: Rule = {
  family: 'parallel',
  codes: [code('invalid-flag-value', 'error')],
  check(ctx) {
    for (const [key, flag] of SIZES) {
      const v = ctx.cfg[key];
      if (v !== null && v <= 0)
        ctx.push({
          code: 'invalid-flag-value',
          severity: 'error',
          message: `${flag} must be at least 1, got ${v}`,
          range: ctx.at(key),
        });
    }
  },
};
