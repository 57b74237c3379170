// Experts over expert parallelism, the expert grid over the world, and distributed-optimizer instances over dp·cp.
import { code, divisors, positive, type Rule } from './rule';

export const expertsRule: Rule = {
  family: 'experts',
  codes: [
    code('experts-not-divisible-by-ep', 'error'),
    code('expert-grid-not-divisible', 'error'),
    code('distributed-optimizer-instances-not-divisible', 'error'),
  ],
  check(ctx) {
    const {
      expertParallel: e,
      numExperts: E,
      worldSize: W,
      pipelineParallel: p,
      dataParallel: dp,
      contextParallel: c,
    } = ctx.cfg;
    if (positive(e) && e > 1) {
      if (E === null && ctx.src.numExperts?.status !== 'unresolved') {
        ctx.push({
          code: 'experts-not-divisible-by-ep',
          severity: 'error',
          message: `expert-parallel size ${e} needs --num-experts (a multiple of ${e})`,
          range: ctx.at('expertParallel'),
        });
      } else if (positive(E) && E % e !== 0) {
        ctx.push({
          code: 'experts-not-divisible-by-ep',
          severity: 'error',
          message: `${E} experts are not divisible by expert-parallel size ${e}; use an EP that divides ${E} (${divisors(E).join(', ')})`,
          range: ctx.at('expertParallel'),
          related: ctx.rel(['numExperts', 'experts']),
        });
      }
    }
    const etp = ctx.cfg.expertTensorParallel;
    if (ctx.moe && positive(W) && positive(etp) && positive(e) && positive(p) && W % (etp * e * p) !== 0) {
      ctx.push({
        code: 'expert-grid-not-divisible',
        severity: 'error',
        message: `world size ${W} is not divisible by expert-TP·EP·PP = ${etp}·${e}·${p} = ${etp * e * p}; use a multiple of ${etp * e * p} GPUs or smaller expert sizes`,
        range: ctx.explicit('expertParallel') ? ctx.at('expertParallel') : ctx.at('pipelineParallel'),
        related: ctx.rel(
          ['expertTensorParallel', 'expert TP'],
          ['pipelineParallel', 'PP'],
          ['gpusPerNode', 'GPUs per node'],
          ['numNodes', 'nodes'],
        ),
      });
    }
    const inst = ctx.cfg.numDistributedOptimizerInstances;
    if (positive(dp) && positive(c) && positive(inst) && (dp * c) % inst !== 0) {
      ctx.push({
        code: 'distributed-optimizer-instances-not-divisible',
        severity: 'error',
        message: `data-parallel size ${dp} × CP ${c} = ${dp * c} is not divisible by --num-distributed-optimizer-instances ${inst}`,
        range: ctx.at('numDistributedOptimizerInstances'),
      });
    }
  },
};
