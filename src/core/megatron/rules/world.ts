// The world must split into TP·PP·CP model replicas (Megatron: "world size is not divisible by total_model_size").
import type { ConfigKey } from '../../types';
import { code, divisors, positive, type Rule } from './rule';

export const worldRule: Rule = {
  family: 'world',
  codes: [code('world-size-not-divisible', 'error')],
  check(ctx) {
    const { worldSize: W, tensorParallel: t, pipelineParallel: p, contextParallel: c } = ctx.cfg;
    if (!(positive(W) && positive(t) && positive(p) && positive(c)) || W % (t * p * c) === 0) return;
    const model = t * p * c;
    // Report on the size the user set that does not divide the world, else on the largest one they set.
    const candidates = (
      [
        ['pipelineParallel', p],
        ['tensorParallel', t],
        ['contextParallel', c],
      ] as [ConfigKey, number][]
    ).filter(([k]) => ctx.explicit(k));
    const target = candidates.find(([, v]) => W % v !== 0) ?? candidates.sort((x, y) => y[1] - x[1])[0];
    const range = target ? ctx.at(target[0]) : (ctx.src.worldSize?.range ?? ctx.input.anchor);
    const worldHow = ctx.src.worldSize?.note ? ` (${ctx.src.worldSize.note})` : '';
    ctx.push({
      code: 'world-size-not-divisible',
      severity: 'error',
      message: `world size ${W}${worldHow} is not divisible by TP·PP·CP = ${t}·${p}·${c} = ${model}; make TP·PP·CP divide ${W} (divisors: ${divisors(W).join(', ')}) or use a multiple of ${model} GPUs`,
      range,
      related: ctx.rel(
        ['tensorParallel', 'TP'],
        ['pipelineParallel', 'PP'],
        ['contextParallel', 'CP'],
        ['gpusPerNode', 'GPUs per node'],
        ['numNodes', 'nodes'],
      ),
    });
  },
};
