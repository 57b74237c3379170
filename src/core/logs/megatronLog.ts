// Megatron-LM training logs, read line by line (issue 19): the iteration lines, the per-rank memory report, the
// timers and the printed arguments — each in the format Megatron-LM prints it (d98e8a64, cited per pattern) — and
// what NeMo, the Seq1F1B fork and the Zero-Bubble fork print instead or besides (otherFormats.ts). The reader takes
// chunks, so a 100 MB log is read without holding it: it keeps at most MAX_ITERATION_RECORDS iteration records and
// MAX_MEMORY_RECORDS memory records, and aggregates past that. Lines end at '\n', '\r\n' or a lone '\r' (tqdm
// progress bars redraw with '\r'). It never executes or evaluates anything.
import { nemoRankMemory, nemoStep, seq1f1bStageReservedGiB, zeroBubbleMemory } from './otherFormats';

/** One `iteration N/ M | … |` line: averages over the log interval that ends at `iteration`. */
export interface IterationRecord {
  iteration: number;
  /** Iterations this line averages (the gap since the previous line; the first line counts from 0). */
  intervalIterations: number;
  elapsedMsPerIteration: number;
  tflopsPerGpu: number | null;
  globalBatchSize: number | null;
  skippedIterations: number;
  nanIterations: number;
  /** 1-based line in the log. */
  line: number;
}

/** `[Rank r] (after N iterations) memory (MB) | allocated: … | max allocated: … | reserved: … | max reserved: …`. */
export interface MemoryRecord {
  rank: number;
  /** What the report was taken after, as printed (`after 10 iterations`). */
  label: string;
  /** Mebibytes, as Megatron divides by 1024·1024 (common_utils.py:320). */
  allocatedMiB: number;
  maxAllocatedMiB: number;
  reservedMiB: number;
  maxReservedMiB: number;
  line: number;
}

/** Peak memory of one pipeline stage as a fork or NeMo prints it (GiB; null: that kind is not printed). */
export interface StageMemoryRecord {
  stage: number;
  maxAllocatedGiB: number | null;
  maxReservedGiB: number | null;
  /** Which print it came from, for the comparison's wording. */
  source: 'seq1f1b mem_each_stage' | 'zero-bubble MEMORY' | 'nemo max_memory';
}

/** One global rank's peak reserved from NeMo's MemoryProfileCallback line (mapped to its stage by compare.ts). */
export interface RankMemoryRecord {
  rank: number;
  maxReservedGiB: number;
  line: number;
}

/** The formats whose lines the log held. */
export type LogFormat = 'megatron-lm' | 'nemo' | 'seq1f1b' | 'zero-bubble';

export interface TimerRecord {
  name: string;
  minMs: number;
  maxMs: number;
}

export interface MegatronLog {
  iterations: IterationRecord[];
  /** Iteration lines past MAX_ITERATION_RECORDS: counted, and their time summed, but not kept one by one. */
  droppedIterations: { lines: number; iterations: number; elapsedMsTotal: number };
  memory: MemoryRecord[];
  /** Per-stage peaks from the forks' and NeMo's prints, the maximum seen for each stage. */
  stageMemory: Map<number, StageMemoryRecord>;
  /** Per-rank peaks NeMo's MemoryProfileCallback prints (rank 0 only unless NEMO_TESTING=1: otherFormats.ts). */
  rankMemory: RankMemoryRecord[];
  formats: LogFormat[];
  /** The last report of each timer (`(min, max) time across ranks (ms):` blocks), by name. */
  timers: Map<string, TimerRecord>;
  /** The `arguments` block Megatron prints at start-up: name → value as printed. */
  args: Map<string, string>;
  /** Total lines read and bytes seen. */
  lines: number;
  bytes: number;
  /** Why parts could not be read (a truncated last line, a malformed iteration line), with 1-based lines. */
  problems: { line: number; message: string }[];
}

/** Enough for a day of training logged every iteration; longer logs keep their sums only. */
export const MAX_ITERATION_RECORDS = 200_000;
const MAX_MEMORY_RECORDS = 10_000;
const MAX_ARGS = 5_000;
const MAX_PROBLEMS = 100;
/** A longer line is not one Megatron prints (its longest are the iteration lines, < 2 KB); it is skipped. */
const MAX_LINE_CHARS = 64 * 1024;

// training.py:3567-3641 (training_log): ' iteration {:8d}/{:8d} |' then ' | '-separated 'key: value' fields.
const ITERATION = /\biteration\s+(\d+)\/\s*(\d+)\s*\|(.*)$/;
// common_utils.py:321-333 (report_memory) and the '[Rank {}] {}' print.
const MEMORY =
  /\[Rank (\d+)\]\s*\((.*?)\)\s*memory \(MB\)\s*\|\s*allocated:\s*([\d.]+)\s*\|\s*max allocated:\s*([\d.]+)\s*\|\s*reserved:\s*([\d.]+)\s*\|\s*max reserved:\s*([\d.]+)/;
// timers.py:343-356: '(min, max) time across ranks (ms):' / 'max time across ranks (ms):' then one line per timer,
// the name padded with dots to 48: '    forward-backward ........: (1.00, 2.00)' or ': 2.00'.
const TIMER_HEADER = /(?:\(min, max\)|max) time across ranks \(ms\):\s*$/;
const TIMER_LINE = /^\s+(\S.*?)\s\.+:\s*(?:\(([\d.]+),\s*([\d.]+)\)|([\d.]+))\s*$/;
// arguments.py:1990-2002 (_print_args): '---- arguments ----', '  name ..... value', '---- end of arguments ----'.
const ARGS_START = /^-{3,} arguments -{3,}\s*$/;
const ARGS_END = /^-{3,} end of arguments -{3,}\s*$/;
const ARG_LINE = /^\s+(\w+) \.+ (.*)$/;

/** The ' key: value |' fields of an iteration line after the counter. */
function fields(rest: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of rest.split('|')) {
    const i = part.indexOf(':');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

const num = (s: string | undefined): number | null => {
  if (s === undefined) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
};

/** Reads a log fed in chunks of any size (lines may span chunks). */
export class MegatronLogReader {
  private readonly log: MegatronLog = {
    iterations: [],
    droppedIterations: { lines: 0, iterations: 0, elapsedMsTotal: 0 },
    memory: [],
    stageMemory: new Map(),
    rankMemory: [],
    formats: [],
    timers: new Map(),
    args: new Map(),
    lines: 0,
    bytes: 0,
    problems: [],
  };
  private pending = '';
  private inArgs = false;
  private inTimers = false;
  private lastIteration = 0;

  push(chunk: string): void {
    this.log.bytes += chunk.length;
    let start = 0;
    let text = chunk;
    if (this.pending) {
      text = this.pending + chunk;
      this.pending = '';
    }
    // The next '\n' and the next '\r', each searched again only once passed (one scan of the chunk for each).
    let n = text.indexOf('\n');
    let r = text.indexOf('\r');
    for (;;) {
      if (n >= 0 && n < start) n = text.indexOf('\n', start);
      if (r >= 0 && r < start) r = text.indexOf('\r', start);
      const end = r < 0 ? n : n < 0 ? r : Math.min(n, r);
      // '\r\n' is one end; a '\r' at the chunk's end waits for the next chunk, which may start with its '\n'.
      if (end < 0 || (end === r && r + 1 === text.length)) break;
      this.line(text.slice(start, end));
      start = end + (end === r && n === r + 1 ? 2 : 1);
    }
    const rest = text.slice(start);
    // A run-away line without newlines is cut rather than buffered without end.
    this.pending = rest.length > MAX_LINE_CHARS ? '' : rest;
    if (rest.length > MAX_LINE_CHARS) {
      this.log.lines++;
      this.problem(`line longer than ${MAX_LINE_CHARS} characters skipped`);
    }
  }

  finish(): MegatronLog {
    if (this.pending) {
      const last = this.pending.endsWith('\r') ? this.pending.slice(0, -1) : this.pending;
      this.pending = '';
      const before = this.log.iterations.length;
      this.line(last);
      if (ITERATION.test(last) && this.log.iterations.length === before)
        this.problem('the last line is cut off (the log ends mid-line)');
    }
    return this.log;
  }

  private problem(message: string): void {
    if (this.log.problems.length < MAX_PROBLEMS) this.log.problems.push({ line: this.log.lines, message });
  }

  private line(text: string): void {
    this.log.lines++;
    if (text.length > MAX_LINE_CHARS) {
      this.problem(`line longer than ${MAX_LINE_CHARS} characters skipped`);
      return;
    }
    if (this.inArgs) {
      if (ARGS_END.test(text)) this.inArgs = false;
      else {
        const m = ARG_LINE.exec(text);
        if (m && this.log.args.size < MAX_ARGS) this.log.args.set(m[1] as string, (m[2] as string).trim());
      }
      return;
    }
    if (ARGS_START.test(text)) {
      this.inArgs = true;
      return;
    }
    if (this.inTimers) {
      const m = TIMER_LINE.exec(text);
      if (m) {
        const max = num(m[3] ?? m[4]);
        const min = num(m[2] ?? m[4]);
        if (max !== null && min !== null)
          this.log.timers.set(m[1] as string, { name: m[1] as string, minMs: min, maxMs: max });
        return;
      }
      this.inTimers = false;
    }
    if (TIMER_HEADER.test(text)) {
      this.inTimers = true;
      return;
    }
    if (text.includes('memory (MB)')) this.memoryLine(text);
    else if (text.includes('train_step_timing')) this.nemoLine(text);
    else if (text.includes('on_train_batch_end rank:')) this.nemoRankLine(text);
    else if (text.includes('MEMORY: rank')) this.zeroBubbleLine(text);
    else if (text.includes('iteration') && text.includes('|')) this.iterationLine(text);
  }

  private saw(format: LogFormat): void {
    if (!this.log.formats.includes(format)) this.log.formats.push(format);
  }

  private stagePeak(
    stage: number,
    source: StageMemoryRecord['source'],
    allocated: number | null,
    reserved: number | null,
  ) {
    if (this.log.stageMemory.size >= MAX_MEMORY_RECORDS && !this.log.stageMemory.has(stage)) return;
    const entry = this.log.stageMemory.get(stage) ?? { stage, maxAllocatedGiB: null, maxReservedGiB: null, source };
    const max = (a: number | null, b: number | null): number | null =>
      a === null ? b : b === null ? a : Math.max(a, b);
    entry.maxAllocatedGiB = max(entry.maxAllocatedGiB, allocated);
    entry.maxReservedGiB = max(entry.maxReservedGiB, reserved);
    this.log.stageMemory.set(stage, entry);
  }

  /** Keeps (or past the cap, sums) a record; its interval and line are set here (callers pass 0). */
  private record(record: IterationRecord): void {
    const intervalIterations = record.iteration > this.lastIteration ? record.iteration - this.lastIteration : 1;
    this.lastIteration = record.iteration;
    record.intervalIterations = intervalIterations;
    record.line = this.log.lines;
    if (this.log.iterations.length < MAX_ITERATION_RECORDS) this.log.iterations.push(record);
    else {
      const d = this.log.droppedIterations;
      d.lines++;
      d.iterations += intervalIterations;
      d.elapsedMsTotal += record.elapsedMsPerIteration * intervalIterations;
    }
  }

  private nemoLine(text: string): void {
    const step = nemoStep(text);
    if (!step) return;
    this.saw('nemo');
    this.record({
      iteration: step.iteration,
      elapsedMsPerIteration: step.elapsedMsPerIteration,
      tflopsPerGpu: null,
      globalBatchSize: step.globalBatchSize,
      skippedIterations: 0,
      nanIterations: 0,
      intervalIterations: 0,
      line: 0,
    });
    // The global-zero rank prints: stage 0 in every rank order Megatron builds.
    if (step.maxAllocatedGiB !== null || step.maxReservedGiB !== null)
      this.stagePeak(0, 'nemo max_memory', step.maxAllocatedGiB, step.maxReservedGiB);
  }

  private nemoRankLine(text: string): void {
    const m = nemoRankMemory(text);
    if (!m || this.log.rankMemory.length >= MAX_MEMORY_RECORDS) return;
    this.saw('nemo');
    this.log.rankMemory.push({ ...m, line: this.log.lines });
  }

  private zeroBubbleLine(text: string): void {
    const m = zeroBubbleMemory(text);
    if (!m) return;
    this.saw('zero-bubble');
    this.stagePeak(m.stage, 'zero-bubble MEMORY', m.maxAllocatedGiB, null);
  }

  private iterationLine(text: string): void {
    const m = ITERATION.exec(text);
    if (!m) return;
    const iteration = Number(m[1]);
    const f = fields(m[3] as string);
    const elapsed = num(f.get('elapsed time per iteration (ms)'));
    if (elapsed === null || elapsed < 0) {
      // Evaluation lines and other prints that mention iterations carry no elapsed time; only a cut line is a problem.
      if (f.size === 0) this.problem(`iteration ${iteration}: the line ends before its fields`);
      return;
    }
    const stages = f.get('mem_each_stage');
    this.saw(stages !== undefined || f.has('TFlops/s') ? 'seq1f1b' : 'megatron-lm');
    if (stages !== undefined)
      seq1f1bStageReservedGiB(stages).forEach((gib, stage) => {
        if (gib !== null) this.stagePeak(stage, 'seq1f1b mem_each_stage', null, gib);
      });
    this.record({
      iteration,
      elapsedMsPerIteration: elapsed,
      // Megatron-LM's field; the Seq1F1B fork prints ' TFlops/s: {:.2f} |' (training.py:672).
      tflopsPerGpu: num(f.get('throughput per GPU (TFLOP/s/GPU)') ?? f.get('TFlops/s')),
      globalBatchSize: num(f.get('global batch size')),
      skippedIterations: num(f.get('number of skipped iterations')) ?? 0,
      nanIterations: num(f.get('number of nan iterations')) ?? 0,
      intervalIterations: 0,
      line: 0,
    });
  }

  private memoryLine(text: string): void {
    const m = MEMORY.exec(text);
    if (!m || this.log.memory.length >= MAX_MEMORY_RECORDS) return;
    this.log.memory.push({
      rank: Number(m[1]),
      label: m[2] as string,
      allocatedMiB: Number(m[3]),
      maxAllocatedMiB: Number(m[4]),
      reservedMiB: Number(m[5]),
      maxReservedMiB: Number(m[6]),
      line: this.log.lines,
    });
  }
}

/** The whole log at once (tests, small files); the editor and CLI feed chunks. */
export function readMegatronLog(text: string): MegatronLog {
  const reader = new MegatronLogReader();
  reader.push(text);
  return reader.finish();
}
