// Vocabulary Parallelism (Yeung et al., MLSys 2025; sail-sg/VocabularyParallelism 6191c3bf): which schedule the
// fork's flags run at the vocabulary layers. The fork picks its forward-backward function in
// megatron/core/pipeline_parallel/schedules.py:107-121 — a virtual pipeline first, then --use-interlaced-schedule,
// then --enable-vocab-parallel (vocab_parallel_schedule.py), else plain 1F1B — and validate_args turns the two
// variant flags off without --enable-vocab-parallel (megatron/training/arguments.py:318-320).
import type { FlagSetting } from '../../interpret';
import { explicitSource, type ResolveContext } from '../context';

const isOn = (s: FlagSetting | undefined): s is FlagSetting => s?.bool === true;

export function resolveVocabParallel(ctx: ResolveContext): void {
  const enable = ctx.settings.get('--enable-vocab-parallel');
  if (!isOn(enable)) {
    ctx.set('vocabParallelSchedule', null, { status: 'default', note: 'no --enable-vocab-parallel' });
    return;
  }
  const interlaced = ctx.settings.get('--use-interlaced-schedule');
  const unfused = ctx.settings.get('--disable-backward-fusion');
  // The interlaced pipeline (schedule/vocabInterlaced.ts) and Vocabulary Parallelism on 1F1B (vocabParallel.ts) or,
  // on the Zero-Bubble fork's v-half-vocab branch, on V-Half (vocabVHalf.ts; 92895b9a megatron/training/
  // arguments.py:327-331 asserts --zero-bubble-v-schedule-mem-setup half) are simulated.
  if (isOn(interlaced)) ctx.set('vocabParallelSchedule', 'interlaced', explicitSource(interlaced));
  else if (isOn(unfused)) ctx.set('vocabParallelSchedule', 'vocab-1', explicitSource(unfused));
  else ctx.set('vocabParallelSchedule', 'vocab-2', explicitSource(enable));
  // ZB-V and V-Min: the branch's assert stops the run; the file is shown as the V schedule without the passes.
  const zb = ctx.config.zeroBubbleSchedule;
  if (zb === 'v-min' || zb === 'zb-v')
    notSimulated(
      ctx,
      enable,
      'Vocabulary Parallelism on ZB-V or V-Min is not simulated: the Zero-Bubble fork’s v-half-vocab branch runs it on V-Half only (it asserts --zero-bubble-v-schedule-mem-setup half), so this file is shown as the V schedule with the output layer on one stage',
    );
}

function notSimulated(ctx: ResolveContext, at: FlagSetting, message: string): void {
  ctx.diagnostics.push({ code: 'schedule-not-simulated', severity: 'information', message, range: at.range });
}
