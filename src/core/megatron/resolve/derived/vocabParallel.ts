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
  if (isOn(interlaced)) {
    ctx.set('vocabParallelSchedule', 'interlaced', explicitSource(interlaced));
    notSimulated(
      ctx,
      interlaced,
      'The interlaced pipeline (--use-interlaced-schedule: the vocabulary layers run tensor-parallel style with synchronous all-reduces, Lin et al., OSDI 2024) is not simulated: this file is shown as plain 1F1B, with the output layer on the last stage',
    );
  } else if (isOn(unfused)) ctx.set('vocabParallelSchedule', 'vocab-1', explicitSource(unfused));
  else ctx.set('vocabParallelSchedule', 'vocab-2', explicitSource(enable));
  // The Zero-Bubble fork's v-half-vocab branch runs the same flag on V-Half (92895b9a megatron/training/arguments.py:
  // 327-331 asserts --zero-bubble-v-schedule-mem-setup half); its S/T passes inside the V are not ported.
  const zb = ctx.config.zeroBubbleSchedule;
  if (zb === 'v-half' || zb === 'v-min' || zb === 'zb-v')
    notSimulated(
      ctx,
      enable,
      'V-Half with Vocabulary Parallelism (the Zero-Bubble fork’s v-half-vocab branch) is not simulated: its order of the vocabulary passes inside the V is not ported, so this file is shown as the V schedule with the output layer on one stage',
    );
}

function notSimulated(ctx: ResolveContext, at: FlagSetting, message: string): void {
  ctx.diagnostics.push({ code: 'schedule-not-simulated', severity: 'information', message, range: at.range });
}
