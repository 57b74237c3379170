// Which warm-up rule the file's Megatron gives the interleaved schedule (cost-model.md §3). Megatron-LM's "tunable
// schedule" (ADLR/megatron-lm!2117, 2024-11-01, first released in core_r0.10.0) warms rank r up with
// 2(p−r−1) + (v−1)·G microbatch-chunks (megatron/core/pipeline_parallel/schedules.py:964-965 at d98e8a64) and goes
// all-forward only when that reaches m·v (:976-978). Before it, and in the forks built on older Megatron, m = p meant
// all forwards first: thunlp/Seq1F1B megatron/core/pipeline_parallel/schedules.py:463-465, microsoft/Megatron-DeepSpeed
// :461, sail-sg/zero-bubble-pipeline-parallelism :652, core_r0.9.0 :664.
import type { DialectId } from '../../../types';
import type { ResolveContext } from '../context';

/** Dialects whose current code runs Megatron-Core ≥ 0.10's schedules. */
const GROUPED: ReadonlySet<DialectId> = new Set<DialectId>([
  'megatron-lm', // d98e8a64 schedules.py:964-965
  'mindspeed-llm', // installs Megatron core_v0.12.1 (MindSpeed-LLM docs/en/pytorch/training/install_guide.md:185)
  'slime', // runs a current Megatron-LM
  'nemo-2',
  'megatron-bridge',
]);

/** Forks pinned to a Megatron from before the tunable schedule. */
const LEGACY: ReadonlySet<DialectId> = new Set<DialectId>([
  'megatron-deepspeed',
  'seq1f1b',
  'zero-bubble',
  'vocab-parallel', // 6191c3bf arguments.py has no --microbatch-group-size-per-virtual-pipeline-stage
]);

/** Pai-Megatron-Patch's backends are Megatron-LM snapshots named by date (`Megatron-LM-241113`): the rule follows it. */
const PAI_SNAPSHOT = /^Megatron-LM-(\d{6})$/;
/** The day the tunable schedule landed on Megatron-LM main, as Pai names its snapshots. */
const TUNABLE_SCHEDULE_SINCE = 241101;

export function resolveInterleavedWarmup(ctx: ResolveContext): void {
  const { dialect, dialectVersion } = ctx.input;
  // Of the YAML files only Megatron-LM's own functional tests name an entry script (read/yamlLaunch.ts): they run the
  // repository's current schedules.
  if (dialect === undefined && ctx.input.format === 'yaml' && ctx.input.entry != null) {
    ctx.set('interleavedWarmup', 'grouped', {
      status: 'default',
      note: "Megatron-LM's functional tests run Megatron-Core ≥ 0.10: warm-up 2(p−r−1) + (v−1)·G chunks",
    });
    return;
  }
  if (dialect === undefined) {
    ctx.set('interleavedWarmup', null, { status: 'default', note: 'which Megatron runs the file is not known' });
    return;
  }
  if (LEGACY.has(dialect))
    ctx.set('interleavedWarmup', 'legacy', {
      status: 'default',
      note: `${dialect} runs the interleaved schedule of Megatron before core 0.10: all forwards first when m = p`,
    });
  else if (GROUPED.has(dialect))
    ctx.set('interleavedWarmup', 'grouped', {
      status: 'default',
      note: `${dialect} runs Megatron-Core ≥ 0.10: warm-up 2(p−r−1) + (v−1)·G chunks`,
    });
  else if (dialect === 'pai-megatron-patch' && dialectVersion !== undefined && PAI_SNAPSHOT.test(dialectVersion)) {
    const day = Number(PAI_SNAPSHOT.exec(dialectVersion)?.[1]);
    const grouped = day >= TUNABLE_SCHEDULE_SINCE;
    ctx.set('interleavedWarmup', grouped ? 'grouped' : 'legacy', {
      status: 'default',
      note: `Pai-Megatron-Patch backend ${dialectVersion} is ${grouped ? 'after' : 'before'} Megatron-LM's tunable schedule (2024-11-01)`,
    });
  } else
    ctx.set('interleavedWarmup', null, { status: 'default', note: `the Megatron release of ${dialect} is not known` });
}
