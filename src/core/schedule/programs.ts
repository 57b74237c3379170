// Per-stage op programs of every schedule, as the static lists Megatron / Seq1F1B run (spec §1).
// Programs are written straight into packed typed arrays (the SimResult layout) so a million-op schedule
// costs four allocations, not a million objects.
import {
  OP_B,
  OP_F,
  OP_W,
  type NotApplicable,
  type PackedOps,
  type RunConfig,
  type ScheduleName,
  type ScheduleSpec,
} from '../types';
import { writeZbH2Orders } from './zeroBubbleH2';
import { writeZbVOrders } from './zeroBubbleV';
import { writeDualPipeVOrder } from './dualPipeV';
import { dualPipeNotApplicable, writeDualPipeOrder } from './dualPipe';
import { writeVShapeOrders } from './vShape';
import { groupInterleavedSize, writeGroupInterleavedOrders } from './groupInterleaved';

/** Largest number of ops (F + B + W over all stages) we build; beyond this we refuse rather than stall the editor. */
export const DEFAULT_MAX_OPS = 4 * 1024 * 1024;
/** No budget override goes beyond this: see the op packing in simulator.ts. */
export const HARD_MAX_OPS = 2 ** 27;

/** The packed programs: stage r's ops are stageOffsets[r] .. stageOffsets[r+1], in execution order. */
export interface Programs extends Pick<
  PackedOps,
  'opCount' | 'stageOffsets' | 'kind' | 'microbatch' | 'chunk' | 'modelChunk'
> {
  spec: ScheduleSpec;
  zeroBubble: boolean;
  /**
   * DualPipeV and DualPipe (dualPipeV.ts, dualPipe.ts; DualPipe also marks ENTRY and EXIT): PAIR_START on a forward
   * that opens an overlapped F&B pair — it starts only when the next op's (the backward's) input has arrived too; FULL_BACKWARD on a B whose W follows at once and whose
   * gradient leaves when that W ends. The simulator's replay plans hold both of a pair's inputs, so these programs
   * replay like any other.
   */
  opFlags?: Uint8Array;
}

const ZERO_BUBBLE: ReadonlySet<ScheduleName> = new Set<ScheduleName>([
  'zb-h1',
  'seq1f1b-zb',
  'zb-h2',
  'zb-v',
  'dualpipev',
  'dualpipe',
  'v-half',
  'v-min',
  'group-interleaved',
]);

export function isZeroBubble(name: ScheduleName): boolean {
  return ZERO_BUBBLE.has(name);
}

function opsPerStage(spec: ScheduleSpec): number {
  // DualPipe: each microbatch runs one of a rank's two chunks (its direction's), so m units per rank, not m·v.
  const chunks = spec.schedule === 'dualpipe' ? 1 : spec.virtualStages;
  return spec.microbatches * spec.splits * chunks * (isZeroBubble(spec.schedule) ? 3 : 2);
}

/**
 * Why a schedule cannot run with these sizes (Megatron / Seq1F1B repo constraints, spec §1 and §7.8), or null.
 * Sizes are validated first so nothing below has to guard against them.
 */
export function scheduleNotApplicable(spec: ScheduleSpec, maxOps = DEFAULT_MAX_OPS): string | null {
  const { schedule: name, stages: p, microbatches: m, splits: k, virtualStages: v } = spec;
  for (const [label, value] of [
    ['pipeline stages p', p],
    ['microbatches m', m],
    ['splits k', k],
    ['virtual stages v', v],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) return `${label} must be a positive integer (got ${value})`;
  }
  if (k > 65535 || v > 65535) return 'splits and virtual stages above 65535 are not supported';
  switch (name) {
    case 'gpipe':
    case '1f1b':
    case 'zb-h1':
    case 'zb-h2':
      if (k !== 1) return `${name} does not split sequences (k=${k}); use the seq1f1b variants for k > 1`;
      if (v !== 1) return `${name} has no virtual stages (v=${v}); use 1f1b-interleaved for v > 1`;
      break;
    case 'zb-v':
      if (k !== 1) return `zb-v does not split sequences (k=${k})`;
      // The fork sets two model chunks per rank itself (zbpp_utils.py:116-118).
      if (v !== 2) return `ZB-V runs exactly 2 model chunks per rank in a V (v=${v})`;
      break;
    case 'group-interleaved':
      if (k !== 1) return `group-interleaved 1F1B does not split sequences (k=${k})`;
      if (v < 2) return 'group-interleaved 1F1B needs at least 2 virtual stages per rank (v=1 is plain 1F1B)';
      if (p < 2) return `the Zero-Bubble fork's runtime needs pipeline parallelism (p=${p})`;
      break;
    case 'v-half':
    case 'v-min':
      if (k !== 1) return `${name} does not split sequences (k=${k})`;
      // --zero-bubble-v-schedule sets two model chunks per rank (zbpp_utils.py:116-118), as for ZB-V.
      if (v !== 2)
        return `${name === 'v-half' ? 'V-Half' : 'V-Min'} runs exactly 2 model chunks per rank in a V (v=${v})`;
      // "zero bubble must be enabled with pipeline parallelism" (zbpp_utils.py:133-134; the V implies it, :121-122).
      if (p < 2) return `the Zero-Bubble fork's V schedules need pipeline parallelism (p=${p})`;
      break;
    case 'dualpipev':
      if (k !== 1) return `dualpipev does not split sequences (k=${k})`;
      if (v !== 2) return `DualPipeV runs exactly 2 model chunks per rank in a V (v=${v})`;
      // MindSpeed refuses PP 1 and fewer than 2·PP − 1 microbatches (dualpipev_feature.py:40-49 at 028de58c);
      // DeepSeek's reference asks 2·PP (dualpipev.py:318). 2·PP − 1 is the least for which every phase has a length.
      if (p < 2 || m < 2 * p - 1)
        return `DualPipeV needs PP ≥ 2 and microbatches ≥ 2·PP − 1 (PP=${p}, m=${m}); MindSpeed raises an AssertionError otherwise`;
      break;
    case 'dualpipe': {
      if (k !== 1) return `dualpipe does not split sequences (k=${k})`;
      if (v !== 2) return `DualPipe runs exactly 2 model chunks per rank, one per direction (v=${v})`;
      const why = dualPipeNotApplicable(p, m);
      if (why) return why;
      break;
    }
    case '1f1b-interleaved':
      if (k !== 1) return `1f1b-interleaved does not split sequences (k=${k}); use seq1f1b-interleaved`;
      if (v < 2) return 'interleaved 1F1B needs at least 2 virtual stages per rank (v=1 is plain 1F1B)';
      // Whether p = 2 is allowed depends on the Megatron and its p2p overlap (the engine asks the config:
      // RunConfig.interleavedMinPipeline); the program itself is sound for any p ≥ 2.
      if (p < 2) return `the interleaved schedule needs pipeline parallelism (p=${p})`;
      if (spec.interleavedWarmup === 'grouped') {
        const why = groupedNotApplicable(p, m, spec.microbatchGroupSize ?? p);
        if (why) return why;
      } else if (m % p !== 0)
        return `Megatron's interleaved schedule needs microbatches divisible by p (m=${m}, p=${p}); it raises a RuntimeError otherwise`;
      break;
    case 'seq1f1b':
    case 'seq1f1b-zb':
      if (k < 2)
        return `${name} needs at least 2 sequence splits (k=${k}; k=1 is plain ${name === 'seq1f1b' ? '1F1B' : 'ZB-H1'})`;
      if (v !== 1) return `${name} has no virtual stages (v=${v}); use seq1f1b-interleaved`;
      if (p < 2)
        return 'Seq1F1B needs pipeline parallelism (p ≥ 2): the repo never changed the no-pipelining path, which would train on part of each sequence only';
      break;
    case 'seq1f1b-interleaved':
      if (k < 2) return `seq1f1b-interleaved needs at least 2 sequence splits (k=${k}; k=1 is interleaved 1F1B)`;
      if (v < 2) return 'seq1f1b-interleaved needs at least 2 virtual stages per rank (v=1 is plain Seq1F1B)';
      // The Seq1F1B repo's Megatron asserts PP > 2 for any virtual pipeline (megatron/arguments.py:141-144).
      if (p <= 2) return `the Seq1F1B repo's interleaved schedule needs more than 2 pipeline stages (p=${p})`;
      if (m % p !== 0) return `the interleaved schedule needs microbatches divisible by p (m=${m}, p=${p})`;
      if (p % k !== 0)
        return `Seq1F1B-I needs k to divide p (k=${k}, p=${p}): the repo's single chunk-offset counter drifts and the op order deadlocks otherwise`;
      break;
    default:
      return `unknown schedule '${String(name)}'`;
  }
  const ops = p * opsPerStage(spec);
  // The simulator packs a unit index and 5 bits of kind and flags into an int32 (simulator.ts): no budget past 2^27.
  const budget = Math.min(maxOps, HARD_MAX_OPS);
  if (ops > budget)
    return `${ops.toLocaleString('en-US')} ops exceed the simulator's budget of ${budget.toLocaleString('en-US')} (p·m·k·v·${isZeroBubble(name) ? 3 : 2}); lower m or k`;
  return null;
}

/**
 * Megatron-Core ≥ 0.10 checks the microbatch group G instead of m mod p: p ≤ G ≤ m (schedules.py:1160-1168 at
 * d98e8a64), and a last group of fewer than p microbatches is refused (:1172-1180). With G = p both say m mod p = 0.
 */
function groupedNotApplicable(p: number, m: number, g: number): string | null {
  if (!Number.isInteger(g) || g < p || g > m)
    return `Megatron's interleaved schedule needs p ≤ microbatch group size ≤ m (group ${g}, p=${p}, m=${m}); it raises a ValueError otherwise`;
  const last = m % g;
  if (last > 0 && last < p)
    return `Megatron's interleaved schedule needs m mod group size to be 0 or at least p (m=${m}, group ${g}, p=${p}); it raises a RuntimeError otherwise`;
  return null;
}

/**
 * The warm-up fields of a spec: Megatron-Core ≥ 0.10's grouped rule when the file's Megatron runs it (interleaved 1F1B
 * only; the Seq1F1B fork's interleaved schedule keeps the old rule). Nothing when the rule is legacy or unknown.
 * Also the other order variants a config picks: the group-interleaved group size, MindSpeed's DualPipeV cool-down.
 */
export function interleavedWarmupOf(
  config: Pick<RunConfig, 'interleavedWarmup' | 'microbatchGroupSize' | 'overlapMoeExpertParallelComm'> &
    Partial<Pick<RunConfig, 'interleaveGroupSize' | 'dualpipevDwDetach'>>,
  schedule: ScheduleName,
): Pick<ScheduleSpec, 'interleavedWarmup' | 'microbatchGroupSize' | 'moeOverlapWarmup' | 'dualPipeVWholeCooldown'> {
  // MindSpeed's DualPipeV without --dualpipev-dw-detach keeps its cool-down backwards whole (dualPipeV.ts).
  if (schedule === 'dualpipev') return config.dualpipevDwDetach === false ? { dualPipeVWholeCooldown: true } : {};
  // The Zero-Bubble fork's group-interleaved 1F1B: its own group size (groupInterleaved.ts).
  if (schedule === 'group-interleaved')
    return config.interleaveGroupSize != null ? { microbatchGroupSize: config.interleaveGroupSize } : {};
  if (schedule !== '1f1b-interleaved' || config.interleavedWarmup !== 'grouped') return {};
  const g = config.microbatchGroupSize;
  return {
    interleavedWarmup: 'grouped',
    ...(g != null && g > 0 && { microbatchGroupSize: g }),
    ...(config.overlapMoeExpertParallelComm === true && { moeOverlapWarmup: true as const }),
  };
}

export function buildPrograms(spec: ScheduleSpec, maxOps = DEFAULT_MAX_OPS): Programs | NotApplicable {
  const reason = scheduleNotApplicable(spec, maxOps);
  if (reason) return { applicable: false, reason };
  return buildProgramsUnchecked(spec);
}

/**
 * The op lists without the applicability rules (sizes must still be positive integers). For tests that show
 * why a rule exists, e.g. that Seq1F1B-I with k ∤ p deadlocks in the simulator.
 */
/**
 * The op arrays of a program, sized for `opCount` ops on `stages` stages (stage offsets zeroed): the one layout the
 * simulator, the wire format and the test fixtures that build timelines by hand all share.
 */
export function allocOpArrays(
  opCount: number,
  stages: number,
): Pick<PackedOps, 'opCount' | 'stageOffsets' | 'kind' | 'microbatch' | 'chunk' | 'modelChunk'> {
  return {
    opCount,
    stageOffsets: new Int32Array(stages + 1),
    kind: new Uint8Array(opCount),
    microbatch: new Int32Array(opCount),
    chunk: new Uint16Array(opCount),
    modelChunk: new Uint16Array(opCount),
  };
}

export function buildProgramsUnchecked(spec: ScheduleSpec): Programs {
  const p = spec.stages;
  const perStage = opsPerStage(spec);
  const opCount = p * perStage;
  const prog: Programs = { spec: { ...spec }, zeroBubble: isZeroBubble(spec.schedule), ...allocOpArrays(opCount, p) };
  for (let r = 0; r <= p; r++) prog.stageOffsets[r] = r * perStage;
  if (spec.schedule === 'zb-h2') {
    // Built for all stages at once: each stage's order depends on when its neighbours' ops finish (zeroBubbleH2.ts).
    writeZbH2Orders(p, spec.microbatches, prog);
    return prog;
  }
  if (spec.schedule === 'zb-v') {
    // The fork's construction also places every stage at once (zeroBubbleV.ts).
    writeZbVOrders(p, spec.microbatches, prog);
    return prog;
  }
  if (spec.schedule === 'group-interleaved') {
    const g = groupInterleavedSize(p, spec.microbatchGroupSize);
    writeGroupInterleavedOrders(p, spec.microbatches, spec.virtualStages, g, prog);
    return prog;
  }
  if (spec.schedule === 'v-half' || spec.schedule === 'v-min') {
    // Built from the fork's repeating pattern for all stages at once (vShape.ts).
    writeVShapeOrders(p, spec.microbatches, spec.schedule === 'v-half' ? 'half' : 'min', prog);
    return prog;
  }
  if (spec.schedule === 'dualpipev') {
    const opFlags = new Uint8Array(opCount);
    prog.opFlags = opFlags;
    for (let r = 0; r < p; r++) {
      const end = writeDualPipeVOrder(
        { ...prog, opFlags },
        r * perStage,
        p,
        r,
        spec.microbatches,
        spec.dualPipeVWholeCooldown === true,
      );
      if (end !== (r + 1) * perStage)
        throw new Error(`DualPipeV rank ${r} has ${end - r * perStage} ops, expected ${perStage}`);
    }
    return prog;
  }
  if (spec.schedule === 'dualpipe') {
    const opFlags = new Uint8Array(opCount);
    prog.opFlags = opFlags;
    for (let r = 0; r < p; r++) {
      const end = writeDualPipeOrder({ ...prog, opFlags }, r * perStage, p, r, spec.microbatches);
      if (end !== (r + 1) * perStage)
        throw new Error(`DualPipe rank ${r} has ${end - r * perStage} ops, expected ${perStage}`);
    }
    return prog;
  }
  for (let r = 0; r < p; r++) {
    const w = new Writer(prog, r * perStage);
    switch (spec.schedule) {
      case 'gpipe':
        writeGpipe(w, spec.microbatches);
        break;
      case '1f1b':
      case 'seq1f1b':
        writeSeq1f1b(w, p, r, spec.microbatches, spec.splits, false);
        break;
      case 'zb-h1':
      case 'seq1f1b-zb':
        writeSeq1f1b(w, p, r, spec.microbatches, spec.splits, true);
        break;
      case '1f1b-interleaved':
        if (spec.interleavedWarmup === 'grouped') writeInterleavedGrouped(w, p, r, spec, spec.microbatchGroupSize ?? p);
        else writeInterleaved(w, p, r, spec.microbatches, 1, spec.virtualStages);
        break;
      case 'seq1f1b-interleaved':
        // The Seq1F1B fork's schedule (old warm-up rule): there is no grouped variant of it.
        writeInterleaved(w, p, r, spec.microbatches, spec.splits, spec.virtualStages);
        break;
    }
    if (w.pos !== (r + 1) * perStage)
      throw new Error(`program of stage ${r} has ${w.pos - r * perStage} ops, expected ${perStage}`);
  }
  return prog;
}

class Writer {
  constructor(
    private readonly prog: Programs,
    public pos: number,
  ) {}
  put(kind: number, microbatch: number, chunk: number, modelChunk: number): void {
    const q = this.pos++;
    this.prog.kind[q] = kind;
    this.prog.microbatch[q] = microbatch;
    this.prog.chunk[q] = chunk;
    this.prog.modelChunk[q] = modelChunk;
  }
}

/** All forwards, then all backwards in FIFO order, as Megatron's all-forward-all-backward path does (§1.2). */
function writeGpipe(w: Writer, m: number): void {
  for (let i = 0; i < m; i++) w.put(OP_F, i, 0, 0);
  for (let i = 0; i < m; i++) w.put(OP_B, i, 0, 0);
}

/**
 * 1F1B (k=1) and Seq1F1B (§1.3, §1.5): warm-up p−r−1+(k−1) forwards, then F/B pairs, then the cool-down.
 * Backwards pop the oldest microbatch's chunks last-first (the repo's two-level queue), which the causal
 * dK/dV hand-down needs. Zero-bubble (§1.7): W of backward unit u runs right after B of backward unit u+r,
 * so rank 0 does W at once and the last rank lags by p−1; the r left over close the program.
 */
function writeSeq1f1b(w: Writer, p: number, r: number, m: number, k: number, zeroBubble: boolean): void {
  const units = m * k;
  const warmup = Math.min(p - r - 1 + (k - 1), units);
  const steady = units - warmup;
  let nextW = 0;
  const backward = (t: number): void => {
    const i = Math.floor(t / k);
    w.put(OP_B, i, k - 1 - (t - i * k), 0);
    if (zeroBubble && t >= r) {
      const u = t - r;
      const iu = Math.floor(u / k);
      w.put(OP_W, iu, k - 1 - (u - iu * k), 0);
      nextW = u + 1;
    }
  };
  for (let u = 0; u < warmup; u++) w.put(OP_F, Math.floor(u / k), u % k, 0);
  for (let t = 0; t < steady; t++) {
    const u = warmup + t;
    w.put(OP_F, Math.floor(u / k), u % k, 0);
    backward(t);
  }
  for (let t = steady; t < units; t++) backward(t);
  if (zeroBubble) {
    for (let u = nextW; u < units; u++) {
      const iu = Math.floor(u / k);
      w.put(OP_W, iu, k - 1 - (u - iu * k), 0);
    }
  }
}

/**
 * Megatron's interleaved schedule (§1.4), with Seq1F1B-I's chunk units in place of microbatches (§1.6, the
 * repo / Eq. 6 variant: groups of p units, warm-up +k−1). Forward n runs model chunk ⌊(n mod pv)/p⌋ on unit
 * ⌊n/pv⌋·p + n mod p; backward n runs model chunk v−1−⌊(n mod pv)/p⌋ and, within it, pops units in the
 * Seq1F1B partial order. With m = p Megatron runs all forwards first.
 */
function writeInterleaved(w: Writer, p: number, r: number, m: number, k: number, v: number): void {
  const total = m * k * v;
  const pv = p * v;
  const warmup = m === p ? total : Math.min((v - 1) * p + 2 * (p - r - 1) + (k - 1), total);
  const forward = (n: number): void => {
    const inGroup = n % pv;
    const u = Math.floor(n / pv) * p + (inGroup % p);
    w.put(OP_F, Math.floor(u / k), u % k, Math.floor(inGroup / p));
  };
  const backward = (n: number): void => {
    const inGroup = n % pv;
    const t = Math.floor(n / pv) * p + (inGroup % p);
    const i = Math.floor(t / k);
    w.put(OP_B, i, k - 1 - (t - i * k), v - 1 - Math.floor(inGroup / p));
  };
  for (let n = 0; n < warmup; n++) forward(n);
  for (let t = 0; t < total - warmup; t++) {
    forward(warmup + t);
    backward(t);
  }
  for (let t = Math.max(0, total - warmup); t < total; t++) backward(t);
}

/**
 * Megatron-Core ≥ 0.10's interleaved schedule (cost-model.md §3). The order of (microbatch, model chunk) pairs is
 * get_schedule_table (schedules.py:989-1017 at d98e8a64): microbatches in groups of G (the last group takes the rest),
 * every model chunk of a group before the next group; backward walks the same table with the chunk reversed
 * (get_model_chunk_id(forward=False)). Rank r warms up with 2(p−r−1) + (v−1)·G chunks, all of them only when that
 * reaches m·v (get_pp_rank_microbatches, :964-978) — m = p alone no longer means all-forward.
 * --overlap-moe-expert-parallel-comm schedules one chunk more (:966-970) so that each steady-state forward can run
 * beside an independent backward.
 */
function writeInterleavedGrouped(w: Writer, p: number, r: number, spec: ScheduleSpec, g: number): void {
  const { microbatches: m, virtualStages: v } = spec;
  const total = m * v;
  const warmup = Math.min(2 * (p - r - 1) + (v - 1) * g + (spec.moeOverlapWarmup ? 1 : 0), total);
  const entry = (n: number): { mb: number; chunk: number } => {
    // Every group before the last holds G·v entries, so the group of entry n is ⌊n / (G·v)⌋.
    const group = Math.floor(n / (g * v));
    const first = group * g;
    const size = Math.min(g, m - first);
    const inGroup = n - group * g * v;
    return { mb: first + (inGroup % size), chunk: Math.floor(inGroup / size) };
  };
  const forward = (n: number): void => {
    const e = entry(n);
    w.put(OP_F, e.mb, 0, e.chunk);
  };
  const backward = (n: number): void => {
    const e = entry(n);
    w.put(OP_B, e.mb, 0, v - 1 - e.chunk);
  };
  for (let n = 0; n < warmup; n++) forward(n);
  for (let t = 0; t < total - warmup; t++) {
    forward(warmup + t);
    backward(t);
  }
  for (let t = total - warmup; t < total; t++) backward(t);
}
