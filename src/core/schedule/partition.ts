// PLACEHOLDER until the schedule engine lands (issue 3).
import type { RunConfig, SplitStrategy } from '../types';
/** Chunk lengths (tokens) of one sequence cut into k pieces, first chunk first; sums to seqLength. */
export function partitionSequence(config: RunConfig, splits: number, _strategy: SplitStrategy): number[] {
  const s = config.seqLength ?? 0;
  return Array.from({ length: splits }, () => Math.floor(s / splits));
}
