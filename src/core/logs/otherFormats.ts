// The lines other launchers and forks print that Megatron-LM's own reader (megatronLog.ts) does not know, each in the
// format its source prints it. Pure string → record functions; the reader decides when to call them.
//
// NeMo 2 (NVIDIA/NeMo 8cfedd72):
// - ProgressPrinter.on_train_batch_end (nemo/lightning/pytorch/callbacks/progress_printer.py:124-142, format_string
//   :55-63): 'Training epoch {e}, iteration {n-1}/{total-1} | lr: 1.499e-07 | global_step: 0 | reduced_train_loss:
//   11.03 | train_step_timing in s: 10.31 | …'; every metric but global_step is the mean over log_interval steps
//   (average_metrics_dict :76-84); integers print bare, the rest with 4 significant digits (`{val:.4}`).
// - the metrics come from MegatronStrategy.training_step (nemo/lightning/pytorch/strategies/megatron_strategy.py:
//   765-812): global_step, and with log_memory_usage max_memory_reserved / max_memory_allocated in bytes
//   (torch.cuda.max_memory_*), on the global-zero rank that prints;
// - TimingCallback (nemo/utils/exp_manager.py:331-347) logs 'train_step_timing in s' to Lightning's progress bar: the
//   tqdm postfix 'key=value, …' (MegatronProgressBar, progress_bar.py:30-52);
// - DeltaTimingCallback._on_batch_end (exp_manager.py:442-452): 'Step {k}: train_step_timing in s={dt}' per step.
// - Which ranks print: NeMo's logger gets a stream handler on global rank 0 only, unless NEMO_TESTING=1 gives every
//   rank one (nemo/utils/nemo_logging.py:86-103); the ProgressPrinter line is that rank's `print` of its own metrics
//   (the strategy logs torch.cuda.max_memory_* without sync_dist). So a NeMo log's memory is global rank 0's — stage
//   0 in Megatron's default rank order — and the other stages are not in it.
// - MemoryProfileCallback.on_train_end (nemo/lightning/pytorch/callbacks/memory_profiler.py:82-84): 'on_train_batch_end
//   rank: {global rank} mem: {torch.cuda.memory_allocated() GiB} / {torch.cuda.max_memory_reserved() GiB}' through the
//   same logger: rank 0's line, or every rank's with NEMO_TESTING=1. The first figure is the allocation at the end
//   of training (not a peak); the second is the peak reserved.
// Seq1F1B fork (thunlp/Seq1F1B 6893466, megatron/training.py:652-676): the iteration line adds ' toks/s: {:.2f} |',
// ' TFlops/s: {:.2f} |' and ' mem_each_stage: {} |' — every pipeline stage's torch.cuda.max_memory_reserved() in GiB
// (get_mem, :53-57, all-gathered over the pipeline group), each str() cut to 4 characters.
// Zero-Bubble fork (sail-sg/zero-bubble-pipeline-parallelism 39f2c186, megatron/core/pipeline_parallel/zerobubble/
// runtime.py:197-201, with --profile-memory-iter ≥ 0): 'MEMORY: rank {pipeline rank} iteration {i} max_allocated:
// {bytes // 10^6} current_allocated: {…}'.

export interface NemoStep {
  /** 1-based count of optimizer steps done (global_step + 1), or the iteration index + 1 when global_step is absent. */
  iteration: number;
  /** Mean step time over the printed interval, ms. */
  elapsedMsPerIteration: number;
  /** Whether the figure averages the steps since the previous line (ProgressPrinter) or is one step's (the others). */
  averaged: boolean;
  globalBatchSize: number | null;
  maxAllocatedGiB: number | null;
  maxReservedGiB: number | null;
}

const GiB = 2 ** 30;
const TIMING_KEY = 'train_step_timing in s';

const num = (s: string | undefined): number | null => {
  if (s === undefined) return null;
  const n = Number(s.trim());
  return s.trim() !== '' && Number.isFinite(n) ? n : null;
};

const PRINTER = /Training epoch (\d+), iteration (\d+)\/(\d+)((?: \| [^|]*)*)\s*$/;
const DELTA = /Step (\d+): train_step_timing in s=([-+\d.eE]+)/;
/** tqdm's bar then its postfix in brackets: '… 10/100 [00:20<03:00, v_num=0, …, train_step_timing in s=1.61]'. */
const TQDM_POSTFIX = /\[[^\]]*?,\s*([^\]]*train_step_timing in s=[^\]]*)\]/;

function step(f: Map<string, string>, index: number, averaged: boolean): NemoStep | null {
  const seconds = num(f.get(TIMING_KEY));
  if (seconds === null || seconds < 0) return null;
  const globalStep = num(f.get('global_step'));
  const reserved = num(f.get('max_memory_reserved'));
  const allocated = num(f.get('max_memory_allocated'));
  return {
    iteration: (globalStep ?? index) + 1,
    elapsedMsPerIteration: seconds * 1000,
    averaged,
    globalBatchSize: num(f.get('global_batch_size')),
    maxAllocatedGiB: allocated === null ? null : allocated / GiB,
    maxReservedGiB: reserved === null ? null : reserved / GiB,
  };
}

function split(text: string, sep: string, kv: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(sep)) {
    const i = part.lastIndexOf(kv);
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + kv.length).trim());
  }
  return out;
}

/** A NeMo training step line in any of its three prints, or null. */
export function nemoStep(text: string): NemoStep | null {
  const printer = PRINTER.exec(text);
  if (printer) return step(split(printer[4] as string, ' | ', ': '), Number(printer[2]), true);
  const delta = DELTA.exec(text);
  if (delta) return step(new Map([[TIMING_KEY, delta[2] as string]]), Number(delta[1]), false);
  const tqdm = TQDM_POSTFIX.exec(text);
  if (tqdm) return step(split(tqdm[1] as string, ', ', '='), 0, false);
  return null;
}

/** Seq1F1B's ' mem_each_stage: 34.5,30.1,… |' field: max reserved GiB by stage (a cut-off figure is skipped). */
export function seq1f1bStageReservedGiB(field: string): (number | null)[] {
  return field.split(',').map((s) => {
    const v = num(s);
    return v !== null && v >= 0 ? v : null;
  });
}

const ZB_MEMORY = /MEMORY: rank (\d+) iteration (\d+) max_allocated: (\d+) current_allocated: (\d+)/;

/** The Zero-Bubble fork's per-stage memory line: the stage (pipeline rank) and its max allocated, GiB. */
export function zeroBubbleMemory(text: string): { stage: number; maxAllocatedGiB: number } | null {
  const m = ZB_MEMORY.exec(text);
  if (!m) return null;
  return { stage: Number(m[1]), maxAllocatedGiB: (Number(m[3]) * 1e6) / GiB };
}

const NEMO_RANK_MEMORY = /on_train_batch_end rank: (\d+) mem: ([-+\d.eE]+) \/ ([-+\d.eE]+)/;

/** MemoryProfileCallback's end-of-training line: the global rank and its peak reserved GiB (Python's 1024³ GiB). */
export function nemoRankMemory(text: string): { rank: number; maxReservedGiB: number } | null {
  const m = NEMO_RANK_MEMORY.exec(text);
  if (!m) return null;
  const reserved = num(m[3]);
  if (reserved === null || reserved < 0 || num(m[2]) === null) return null;
  return { rank: Number(m[1]), maxReservedGiB: reserved };
}
