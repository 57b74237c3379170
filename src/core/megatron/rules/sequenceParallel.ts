// Sequence parallelism: pointless at TP 1; required for MoE with TP > 1.
import { code, positive, type Rule } from './rule';

export const sequenceParallelRule: Rule = {
  family: 'sequenceParallel',
  codes: [code('sequence-parallel-without-tp', 'warning'), code('moe-tp-needs-sequence-parallel', 'warning')],
  check(ctx) {
    const { tensorParallel: t, expertParallel: e } = ctx.cfg;
    const spFlag = ctx.settings.get('--sequence-parallel');
    if (spFlag?.bool && t === 1) {
      ctx.push({
        code: 'sequence-parallel-without-tp',
        severity: 'warning',
        message: `${spFlag.spelling} has no effect with tensor-parallel size 1: Megatron turns sequence parallelism off (it splits activations across the TP group)`,
        range: spFlag.range,
        related: ctx.rel(['tensorParallel', 'TP']),
        fixes: ctx.fixes(ctx.fix('Remove --sequence-parallel', '--sequence-parallel', null, true)),
      });
    }
    if (ctx.moe && positive(t) && t > 1 && ctx.cfg.sequenceParallel === false) {
      const yamlPath = ctx.input.yamlPath;
      ctx.push({
        code: 'moe-tp-needs-sequence-parallel',
        // The --yaml-cfg path runs core_v0.13's check, which is an error; the command line now only warns.
        severity: yamlPath ? 'error' : 'warning',
        message: yamlPath
          ? `MoE with tensor parallelism ${t} requires sequence parallelism ("When using MoE and tensor parallelism, sequence parallelism must be used")`
          : `expert parallelism ${e ?? 1} with tensor parallelism ${t} needs --sequence-parallel (an error in core_v0.13, a warning in current Megatron)`,
        range: ctx.at('tensorParallel'),
        related: ctx.rel(['expertParallel', 'EP'], ['numExperts', 'experts']),
        fixes: ctx.fixes(ctx.fix('Add --sequence-parallel', '--sequence-parallel', 'true', true)),
      });
    }
  },
};
