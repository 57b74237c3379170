// The layer layout of `--pipeline-model-parallel-layout` as stages (the grammar itself is layoutSyntax.ts; the
// `--moe-layer-freq` list language is layerFreq.ts). Nothing is evaluated.
import { readLayout } from './layoutSyntax';

/**
 * The stages of a `--pipeline-model-parallel-layout` string (one string of E/L/t/m per stage), or null when Megatron
 * would not read it; readLayout (layoutSyntax.ts) says why.
 */
export function parseLayout(text: string): string[] | null {
  const read = readLayout(text);
  return read.ok ? read.stages : null;
}
