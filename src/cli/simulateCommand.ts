// `schedule-inspector simulate`: one schedule at abstract costs, for checking the engine against hand
// calculations and the Seq1F1B paper's figures. F and B are one whole microbatch's forward / backward on one
// stage; each op is a 1/(k·v) share of it. For zero-bubble schedules --backward without --weight is the whole
// backward, split evenly into B (input gradient) and W (weight gradient) — for GEMMs the two are the same
// FLOPs — while with --weight, --backward is the input-gradient part alone.
import { OP_B, OP_F, SCHEDULE_NAMES, type ScheduleName, type SimResult } from '../core/types';
import { isZeroBubble } from '../core/schedule/programs';
import { isSimResult, simulateSchedule, uniformCosts } from '../core/schedule/simulator';
import { UsageError, numberOption, parseCliArgs } from './args';
import { NonFiniteNumberError, stringifyFinite } from './finiteJson';
import type { CliIo } from './io';

/**
 * Bound on each cost: a makespan sums at most HARD_MAX_OPS (2^27) op costs plus their transfers, so with costs up to
 * 1e12 it stays below ~3e20 — finite. `--forward 1e308` would overflow the sum to Infinity and the bubble to NaN.
 */
const MAX_COST = 1e12;

export function runSimulateCommand(argv: readonly string[], io: CliIo): number {
  const { positional, values, switches } = parseCliArgs(argv, {
    values: ['schedule', 'pp', 'microbatches', 'splits', 'vpp', 'forward', 'backward', 'weight', 'p2p'],
    switches: ['summary', 'json'],
  });
  const [stray] = positional;
  if (stray !== undefined) throw new UsageError(`simulate takes no positional arguments (got '${stray}')`);
  const schedule = values.get('schedule');
  if (schedule === undefined) throw new UsageError(`simulate needs --schedule (one of ${SCHEDULE_NAMES.join(', ')})`);
  if (!(SCHEDULE_NAMES as readonly string[]).includes(schedule))
    throw new UsageError(`unknown schedule '${schedule}'; known: ${SCHEDULE_NAMES.join(', ')}`);
  const name = schedule as ScheduleName;
  const pp = numberOption(values, 'pp', { integer: true, min: 1 });
  const m = numberOption(values, 'microbatches', { integer: true, min: 1 });
  if (pp === undefined) throw new UsageError('simulate needs --pp P (pipeline stages)');
  if (m === undefined) throw new UsageError('simulate needs --microbatches M');
  const k = numberOption(values, 'splits', { integer: true, min: 1 }) ?? 1;
  // ZB-V always runs two chunks per rank (its V), and DualPipe one per direction, so that is their default.
  const v = numberOption(values, 'vpp', { integer: true, min: 1 }) ?? (name === 'zb-v' || name === 'dualpipe' ? 2 : 1);
  if (values.has('forward') !== values.has('backward') || (values.has('weight') && !values.has('backward'))) {
    throw new UsageError('--forward and --backward go together (and --weight needs both)');
  }
  const cost = { min: 0, max: MAX_COST };
  const forward = numberOption(values, 'forward', cost) ?? 1;
  const backwardGiven = numberOption(values, 'backward', cost) ?? 2;
  const weightGiven = numberOption(values, 'weight', cost);
  const p2p = numberOption(values, 'p2p', cost) ?? 0;
  const zb = isZeroBubble(name);
  if (weightGiven !== undefined && !zb)
    throw new UsageError(
      `--weight applies only to the zero-bubble schedules (zb-h1, seq1f1b-zb, zb-h2, zb-v), not ${name}`,
    );
  const backward = zb && weightGiven === undefined ? backwardGiven / 2 : backwardGiven;
  const weight = zb ? (weightGiven ?? backwardGiven / 2) : 0;

  const spec = { schedule: name, stages: pp, microbatches: m, splits: k, virtualStages: v };
  const costs = uniformCosts(spec, forward, backward, weight, p2p);
  const result = simulateSchedule(spec, costs);
  if (!isSimResult(result))
    throw new UsageError(`${name} with p=${pp}, m=${m}, k=${k}, v=${v} cannot be simulated: ${result.reason}`);

  const input = { schedule: name, pp, microbatches: m, splits: k, vpp: v, forward, backward, weight, p2p };
  // Checked in both modes: a NaN or Infinity is a bug, never a figure to print (or to write as JSON null).
  const head = stringifyFinite(summaryHead(result, input));
  if (!switches.has('json')) {
    io.stdout(
      `${name} p=${pp} m=${m} k=${k} v=${v}: makespan ${round(result.makespan)}, bubble ${(100 * result.bubbleFraction).toFixed(2)} %, ` +
        `peak units per stage [${Array.from(result.peakUnits).join(', ')}] (${result.opCount} ops; --json for the timeline)\n`,
    );
    return 0;
  }
  writeJson(result, head, switches.has('summary'), io);
  return 0;
}

/** Times are sums of user-given costs; 12 significant digits hide float noise like 28.499999999999996. */
function round(x: number): number {
  return Number(x.toPrecision(12));
}

function summaryHead(r: SimResult, input: Record<string, unknown>): Record<string, unknown> {
  return {
    ...input,
    makespan: round(r.makespan),
    bubbleFraction: r.bubbleFraction,
    peakUnitsPerStage: Array.from(r.peakUnits),
    opCount: r.opCount,
  };
}

/** `open` is the summary object's JSON (already checked finite); the timeline is appended to it stage by stage. */
function writeJson(r: SimResult, open: string, summary: boolean, io: CliIo): void {
  if (summary) {
    io.stdout(open + '\n');
    return;
  }
  // A million-op timeline is ~80 MB of JSON: write it a stage at a time instead of building one string.
  io.exitOnBrokenPipe();
  io.stdout(open.slice(0, -1) + ',"stages":[');
  for (let s = 0; s < r.spec.stages; s++) io.stdout((s ? ',' : '') + '[' + stageOpsJson(r, s).join(',') + ']');
  io.stdout(']}\n');
}

/** The hand-built op objects skip stringifyFinite; `${NaN}` would make the whole output unparsable. */
function finite(x: number, path: string): number {
  if (!Number.isFinite(x)) throw new NonFiniteNumberError(x, path);
  return x;
}

function stageOpsJson(r: SimResult, stage: number): string[] {
  const parts: string[] = [];
  // stageOffsets has stages + 1 entries and every q below is < opCount, the length of each op array: the `!`s
  // are bounds the types cannot carry, in a loop that runs once per op.
  const first = r.stageOffsets[stage]!;
  const last = r.stageOffsets[stage + 1]!;
  for (let q = first; q < last; q++) {
    const kind = r.kind[q] === OP_F ? 'F' : r.kind[q] === OP_B ? 'B' : 'W';
    const start = finite(round(r.start[q]!), `stages[${stage}][${q - first}].start`);
    const end = finite(round(r.end[q]!), `stages[${stage}][${q - first}].end`);
    parts.push(
      `{"kind":"${kind}","microbatch":${r.microbatch[q]!},"chunk":${r.chunk[q]!},"modelChunk":${r.modelChunk[q]!},"start":${start},"end":${end}}`,
    );
  }
  return parts;
}
