// World size from the launcher (megatron/world.ts), and the data-parallel size it leaves: world / (TP·PP·CP).
import { firstUnknown, type ResolveContext } from '../context';

export function resolveWorldAndDataParallel(ctx: ResolveContext): void {
  const { world } = ctx.input;
  ctx.set('gpusPerNode', world.gpusPerNode.value, world.gpusPerNode.source);
  ctx.set('numNodes', world.numNodes.value, world.numNodes.source);
  ctx.set('worldSize', world.worldSize.value, world.worldSize.source);
  const W = world.worldSize.value;
  const { tensorParallel: t, pipelineParallel: p, contextParallel: c } = ctx.config;
  if (W === null || t === null || p === null || c === null) {
    ctx.blocked(
      'dataParallel',
      `depends on the ${firstUnknown([
        ['world size', W],
        ['TP', t],
        ['PP', p],
        ['CP', c],
      ])}, which is unknown`,
    );
    return;
  }
  const model = t * p * c;
  if (W % model !== 0 || model === 0) ctx.blocked('dataParallel', `world ${W} is not divisible by TP·PP·CP = ${model}`);
  else {
    const dp = W / model;
    ctx.derived('dataParallel', dp, `world / (TP·PP·CP) = ${W} / (${t}·${p}·${c}) = ${dp}`, [
      'worldSize',
      'tensorParallel',
      'pipelineParallel',
      'contextParallel',
    ]);
  }
}
