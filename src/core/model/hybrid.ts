// A hybrid (Mamba) model is read and checked, but not simulated: the cost model charges attention + MLP per layer
// and the memory model keeps a transformer layer's activations, so a Mamba layer would be priced as something it
// is not. Saying so beats a confident wrong step time.
import { describeHybrid } from '../megatron/resolve/derived/hybrid';
import type { RunConfig } from '../types';

/** Why the run is not simulated, or null when its layers are transformer layers. */
export function hybridNotModelled(config: Pick<RunConfig, 'hybridLayerPattern'>): string | null {
  const layers = config.hybridLayerPattern;
  if (layers == null) return null;
  return `not simulated: a hybrid Mamba model (${describeHybrid(layers)} layers); the cost and memory models know transformer layers only`;
}
