// Seq1F1B sequence chunks k and split strategy: thunlp/Seq1F1B's flags, or MindSpeed's reimplementation.
import type { SplitStrategy } from '../../../types';
import type { FlagSetting } from '../../interpret';
import { parsePyInt } from '../../pyNumbers';
import { explicitSource, numberSpec, textSpec, type ResolveContext } from '../context';

const isStrategy = (v: string | null): v is SplitStrategy => v === 'average' || v === 'uniform_comp';

export function resolveSeq1f1b(ctx: ResolveContext): void {
  const mindSpeed = ctx.settings.get('--enable-seq1f1b');
  if (mindSpeed?.bool) {
    const splits = numberSpec('--seq1f1b-splits');
    if (ctx.settings.has(splits.name)) ctx.number('pipeSpSplits', splits);
    else
      ctx.set('pipeSpSplits', splits.default ?? null, {
        ...explicitSource(mindSpeed),
        status: 'default',
        note: `MindSpeed --seq1f1b-splits defaults to ${splits.default ?? null}`,
      });
    resolveStrategy(ctx, '--seq1f1b-balance-method');
  } else {
    ctx.number('pipeSpSplits', numberSpec('--pipe-sp-splits'));
    resolveStrategy(ctx, '--pipe-sp-strategy');
  }
}

function resolveStrategy(ctx: ResolveContext, flag: string): void {
  const st = ctx.settings.get(flag);
  if (!st) {
    const dflt = textSpec(flag).default ?? null;
    ctx.set('pipeSpStrategy', isStrategy(dflt) ? dflt : null, {
      status: 'default',
      note: `${flag} defaults to ${dflt}`,
    });
    return;
  }
  const v = st.values?.[0] ?? null;
  if (isStrategy(v)) ctx.set('pipeSpStrategy', v, explicitSource(st));
  else ctx.set('pipeSpStrategy', null, ctx.unresolved(st, 'pipeSpStrategy'));
}

/**
 * The zero-bubble schedule the flags select. Megatron-DeepSpeed's --enable-zbh1-pipeline runs ZB-H1 (f4157bea
 * megatron/arguments.py:856). The Zero-Bubble fork's --enable-zero-bubble runs the schedule its pending-backward limit
 * allows: "when number of stages are 8, setting to 16 will use zb2p and setting to 8 will use zb1p. Setting to auto
 * will enable adaptive memory limit" (39f2c186 megatron/core/zbpp_utils.py:27-29) — ZB-1p is ZB-H1, ZB-2p is ZB-H2
 * (simulated as the paper's ZB-H2, schedule/zeroBubbleH2.ts); and --zero-bubble-v-schedule runs ZB-V (:44-45; simulated from
 * the fork's own construction, schedule/zeroBubbleV.ts).
 */
export function resolveZeroBubble(ctx: ResolveContext): void {
  const on = (flag: string): FlagSetting | undefined => {
    const s = ctx.settings.get(flag);
    return s?.bool ? s : undefined;
  };
  const zbh1 = on('--enable-zbh1-pipeline');
  const v = on('--zero-bubble-v-schedule');
  const zb = on('--enable-zero-bubble');
  const p = ctx.config.pipelineParallel;
  if (zbh1) ctx.set('zeroBubbleSchedule', 'zb-h1', explicitSource(zbh1));
  else if (v) {
    // Only the default memory setup 'zb' builds ZB-V (zbv.py); 'half' and 'min' build V-Half and V-Min with
    // zbv_greedy instead (runtime.py:1512-1534; the default is 'zb', zbpp_utils.py:47-49; schedule/vShape.ts).
    const setup = ctx.settings.get('--zero-bubble-v-schedule-mem-setup');
    const value = setup ? setup.values?.[0] : 'zb';
    if (value === 'zb') ctx.set('zeroBubbleSchedule', 'zb-v', explicitSource(v));
    else if (setup && (value === 'half' || value === 'min'))
      ctx.set('zeroBubbleSchedule', value === 'half' ? 'v-half' : 'v-min', explicitSource(setup));
    else {
      ctx.set('zeroBubbleSchedule', null, { status: 'default', note: 'a V schedule that is not simulated' });
      const what = value === 'half' ? 'V-Half' : value === 'min' ? 'V-Min' : 'the V (memory setup unknown)';
      notSimulated(ctx, setup ?? v, what);
    }
  } else if (zb) {
    const pending = ctx.settings.get('--zero-bubble-max-pending-backward');
    const n = pending?.values?.[0] === undefined ? null : parsePyInt(pending.values[0]);
    const schedule =
      n !== null && p !== null && n === p ? 'zb-h1' : n !== null && p !== null && n >= 2 * p ? 'zb-2p' : 'zb-auto';
    ctx.set('zeroBubbleSchedule', schedule, explicitSource(pending && schedule !== 'zb-auto' ? pending : zb));
    if (schedule === 'zb-auto') notSimulated(ctx, zb, 'the adaptive (auto) zero-bubble');
  } else if (!resolveGroupInterleaved(ctx))
    ctx.set('zeroBubbleSchedule', null, { status: 'default', note: 'no zero-bubble schedule flag' });
  // MindSpeed's --schedules-method dualpipev replaces Megatron's 1F1B with DualPipeV (Ascend/MindSpeed 028de58c
  // mindspeed/features_manager/pipeline_parallel/dualpipev_feature.py:15-16, 64-71): two chunks per rank in a V,
  // simulated from DeepSeek's reference order (schedule/dualPipeV.ts).
  const method = ctx.settings.get('--schedules-method');
  if (method?.values?.[0] === 'dualpipev') {
    ctx.set('zeroBubbleSchedule', 'dualpipev', explicitSource(method));
    // Its cool-down splits W off each backward only with --dualpipev-dw-detach (store_true, dualpipev_feature.py:17-18;
    // dualpipev_schedules.py:1521-1538).
    const detach = ctx.settings.get('--dualpipev-dw-detach');
    if (detach) ctx.set('dualpipevDwDetach', detach.bool ?? true, explicitSource(detach));
    else
      ctx.set('dualpipevDwDetach', false, {
        ...explicitSource(method),
        status: 'default',
        note: 'without --dualpipev-dw-detach MindSpeed computes each cool-down weight gradient inside its backward',
      });
  } else ctx.set('dualpipevDwDetach', null, { status: 'default', note: 'DualPipeV is not selected' });
}

/**
 * The fork's runtime (schedules.py:109-111 at 39f2c186) is on with --enable-zb-runtime or an --interleave-group-size
 * above 0 (zbpp_utils.py:80-86); on a VPP model that selects no other of its schedules it runs the group-interleaved
 * 1F1B with that group size (runtime.py:1448-1478; --num-seq-splits > 1 and --enable-1f1b-v are taken first, :1405,
 * :1427). With --recompute-method chunk it builds recomputation passes instead (group_interleaved_1f1b.py:367-372),
 * which we do not simulate. Returns whether the runtime took the file's schedule.
 */
function resolveGroupInterleaved(ctx: ResolveContext): boolean {
  const size = ctx.settings.get('--interleave-group-size');
  const raw = size?.values?.[0];
  const g = raw === undefined ? null : parsePyInt(raw);
  if (size && g !== null && g > 0) ctx.set('interleaveGroupSize', g, explicitSource(size));
  else ctx.set('interleaveGroupSize', null, { status: 'default', note: '--interleave-group-size unset or 0' });
  const runtime = ctx.settings.get('--enable-zb-runtime');
  const at = size && g !== null && g > 0 ? size : runtime?.bool ? runtime : null;
  const v = ctx.config.virtualStages;
  if (!at || v == null || v < 2 || ctx.settings.get('--enable-1f1b-v')?.bool) return false;
  const seqSplits = ctx.settings.get('--num-seq-splits')?.values?.[0];
  if (seqSplits !== undefined && (parsePyInt(seqSplits) ?? 1) > 1) return false;
  const method = ctx.settings.get('--recompute-method');
  if (method && (method.values?.[0] ?? method.forkValue) === 'chunk') {
    ctx.set('zeroBubbleSchedule', null, {
      status: 'default',
      note: 'a group-interleaved schedule that is not simulated',
    });
    notSimulated(ctx, method, 'the group-interleaved 1F1B with recomputation passes (--recompute-method chunk)');
    return true;
  }
  if (at === runtime) {
    // Without a group size the fork's block divides by 0 (group_interleaved_1f1b.py:79): nothing to simulate.
    ctx.set('zeroBubbleSchedule', null, {
      status: 'default',
      note: 'a group-interleaved schedule without a group size',
    });
    notSimulated(ctx, at, 'the group-interleaved 1F1B without --interleave-group-size');
    return true;
  }
  ctx.set('zeroBubbleSchedule', 'group-interleaved', explicitSource(at));
  return true;
}

/** Say on the flag that its schedule is not one we simulate, and what is shown instead. */
function notSimulated(ctx: ResolveContext, at: FlagSetting, what: string): void {
  ctx.diagnostics.push({
    code: 'schedule-not-simulated',
    severity: 'information',
    message: `${what} schedule is not simulated yet: this file is shown as 1F1B (interleaved with VPP), and ZB-H1 — the zero-bubble schedule at 1F1B's memory — is among the what-ifs`,
    range: at.range,
  });
}
