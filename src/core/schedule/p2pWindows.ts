// The p2p windows of a simulated timeline (when each op's input left its sender and arrived), for the timeline and the
// trace only: computed from the finished start and end times on first read, never by the simulation itself.
import { OP_B, OP_F, OP_W, type SimResult } from '../types';
import { placementTables, type Neighbours } from './placement';
import type { Programs } from './programs';
import { ENTRY, EXIT, FULL_BACKWARD } from './dualPipeV';

const F: typeof OP_F = OP_F;
const B: typeof OP_B = OP_B;
const W: typeof OP_W = OP_W;
const ENTRY_FLAG: typeof ENTRY = ENTRY;
const EXIT_FLAG: typeof EXIT = EXIT;
const FULL_BACKWARD_FLAG: typeof FULL_BACKWARD = FULL_BACKWARD;

/**
 * The p2p windows (when each op's input left its sender and arrived) are drawn by the timeline and the trace only, so
 * they are computed on first read: a getter replaced by plain data properties, which spreads, structuredClone and
 * JSON see like any other field. A sender's completion is its op's end (the loop wrote both from one addition).
 */
export function withLazyP2pWindows(
  result: Omit<SimResult, 'p2pStart' | 'p2pEnd'>,
  prog: Programs,
  p2p: Float64Array,
  hops: Neighbours,
): SimResult {
  const compute = (): void => {
    const windows = p2pWindows(result, prog, p2p, hops);
    for (const [name, value] of [
      ['p2pStart', windows.start],
      ['p2pEnd', windows.end],
    ] as const)
      Object.defineProperty(result, name, { value, writable: true, enumerable: true, configurable: true });
  };
  for (const name of ['p2pStart', 'p2pEnd'] as const) {
    Object.defineProperty(result, name, {
      get(): Float64Array {
        compute();
        return (result as SimResult)[name];
      },
      enumerable: true,
      configurable: true,
    });
  }
  return result as SimResult;
}

function p2pWindows(
  sim: Omit<SimResult, 'p2pStart' | 'p2pEnd'>,
  prog: Programs,
  p2p: Float64Array,
  hops: Neighbours,
): { start: Float64Array; end: Float64Array } {
  const { stages: p, microbatches: m, splits: k, virtualStages: v } = prog.spec;
  const { stageOf } = placementTables(prog.spec);
  const { kind, microbatch, chunk, modelChunk, stageOffsets, opCount: n, end } = sim;
  const units = p * v * m * k;
  const mk = m * k;
  const lastUnits = (p * v - 1) * mk;
  const flags = prog.opFlags;
  // When each F (first half) and B (second half) sent its output, by unit, as the event loop's `done` held them: a
  // full backward's gradient leaves when its W (the next op, started at the B's end) ends.
  const done = new Float64Array(2 * units);
  const unitOf = (q: number, r: number): number =>
    (stageOf[modelChunk[q]! * p + r]! * m + microbatch[q]!) * k + chunk[q]!;
  for (let r = 0; r < p; r++)
    for (let q = stageOffsets[r]!; q < stageOffsets[r + 1]!; q++)
      if (kind[q] !== W)
        done[(kind[q] === B ? units : 0) + unitOf(q, r)] =
          kind[q] === B && flags && (flags[q]! & FULL_BACKWARD_FLAG) !== 0 ? end[q + 1]! : end[q]!;
  const from = new Float64Array(n).fill(NaN);
  const to = new Float64Array(n).fill(NaN);
  for (let r = 0; r < p; r++) {
    // `!` reads: q < opCount, units < 2·units, cost slots < p·v·k, p2p slots < 2·p·k (the sizes built above and by
    // the simulation).
    for (let q = stageOffsets[r]!; q < stageOffsets[r + 1]!; q++) {
      const unit = unitOf(q, r);
      const slot = Math.floor(unit / mk) * k + chunk[q]!;
      const hop = kind[q] === F ? hops.hopF[slot]! : kind[q] === B ? hops.hopB[slot]! : -1;
      // No message into a direction's first forward (ENTRY) or its loss stage's backward (EXIT).
      const none = flags ? flags[q]! & (kind[q] === F ? ENTRY_FLAG : kind[q] === B ? EXIT_FLAG : 0) : 0;
      if (hop < 0 || none !== 0) continue;
      if (kind[q] === F && unit >= mk) {
        from[q] = done[unit - mk]!;
        to[q] = from[q]! + p2p[hop]!;
      } else if (kind[q] === B && unit < lastUnits) {
        from[q] = done[units + unit + mk]!;
        to[q] = from[q]! + p2p[hop]!;
      }
    }
  }
  return { start: from, end: to };
}
