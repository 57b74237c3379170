// What one analysis computes once and reads many times (issues 15 and 16: per-input cost). An analysis evaluates the
// same configuration up to ~60 times — the file's schedules, the Seq1F1B k candidates, the recommendation sweep, the
// priced advice — and each evaluation used to resolve its own model shape, so nothing keyed by the shape could be
// shared between them. analyze() makes one memo per analysis and passes it in EngineOptions (never module state: it
// dies with the analysis, and a RunConfig is not changed once read, so a shape resolved from it stays right).
import { resolveModelShape, type ShapeResult } from '../model/shape';
import type { RunConfig } from '../types';

export interface AnalysisMemo {
  /** The model shape of each configuration this analysis evaluated: one object, so caches keyed by it are shared. */
  readonly shapes: WeakMap<RunConfig, ShapeResult>;
}

export function newAnalysisMemo(): AnalysisMemo {
  return { shapes: new WeakMap() };
}

/**
 * The configuration's model shape, resolved once per analysis (`memo`), or afresh without one. The shape object is
 * only read by its users (the cost model, the memory model and the sweep key their own tables by it).
 */
export function memoShape(config: RunConfig, memo: AnalysisMemo | undefined): ShapeResult {
  if (!memo) return resolveModelShape(config);
  let resolved = memo.shapes.get(config);
  if (!resolved) memo.shapes.set(config, (resolved = resolveModelShape(config)));
  return resolved;
}
