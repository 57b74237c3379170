// Megatron-Core ≥ 0.10's interleaved schedule runs microbatches in groups of G =
// --microbatch-group-size-per-virtual-pipeline-stage (default p, model_parallel_config.py:567-568 at d98e8a64) and
// checks G before the first step (megatron/core/pipeline_parallel/schedules.py at d98e8a64):
//   :1160-1168  G > m or G < p → ValueError ("should range in [PP, M]");
//   :1172-1180  0 < m mod G < p → RuntimeError (a last group shorter than p would leave dependency bubbles).
// The flag and both checks arrived together with the tunable schedule (core_r0.10.0); the forks pinned to an older
// Megatron do not know the flag at all. Without the flag G = p, and the classic "microbatches divisible by PP" rule
// (batch.ts) is the same check.
import { parsePyInt } from '../pyNumbers';
import type { SourceRange } from '../../types';
import { code, positive, type Rule, type RuleContext } from './rule';

export const microbatchGroupRule: Rule = {
  family: 'microbatchGroup',
  // Which Megatron runs the file is decided per file (resolve/derived/warmup.ts: Megatron-LM ≥ core 0.10, MindSpeed-LLM
  // on core_v0.12.1 and Pai's snapshots from 2024-11 run the grouped schedule; the older forks never parse the flag),
  // so the check asks the resolved warm-up rule rather than a registry-wide dialect list.
  codes: [code('microbatch-group-size-invalid', 'error')],
  check(ctx) {
    const setting = ctx.settings.get('--microbatch-group-size-per-virtual-pipeline-stage');
    const text = setting?.values?.[0];
    // Only the interleaved schedule reads G; a file whose Megatron runs the old warm-up has no such flag (unknown:
    // the flag itself says the Megatron is ≥ 0.10, where it arrived together with these checks).
    if (!setting || text === undefined || !ctx.vppOn || ctx.cfg.interleavedWarmup === 'legacy') return;
    const g = parsePyInt(text);
    const { pipelineParallel: p, numMicrobatches: m } = ctx.cfg;
    if (g === null || !positive(p) || p < 2) return;
    const range = setting.valueRange ?? setting.range;
    const report = (message: string): void => push(ctx, range, message, p, m);
    const needs = (why: string): string =>
      `${why}: Megatron's interleaved schedule needs PP ≤ group size ≤ microbatches per step and raises a ValueError otherwise`;
    if (g < p) report(needs(`microbatch group size ${g} is below PP ${p}`));
    else if (positive(m) && g > m)
      report(needs(`microbatch group size ${g} is more than the ${m} microbatches per step`));
    else if (positive(m) && m % g > 0 && m % g < p)
      report(
        `the last microbatch group holds ${m % g} of ${m} microbatches (m mod ${g}), fewer than PP ${p}; Megatron raises a RuntimeError — use a group size that divides ${m} or leaves at least ${p}`,
      );
  },
};

/** The diagnostic, with a fix to G = p (Megatron's default), offered when that is itself valid. */
function push(ctx: RuleContext, range: SourceRange, message: string, p: number, m: number | null): void {
  const pValid = m === null || (m >= p && m % p === 0);
  ctx.push({
    code: 'microbatch-group-size-invalid',
    severity: 'error',
    message,
    range,
    related: ctx.rel(['pipelineParallel', 'PP'], ['numMicrobatches', 'microbatches per step']),
    fixes: pValid
      ? ctx.fixes(
          ctx.fix(
            `Set the microbatch group size to PP (${p})`,
            '--microbatch-group-size-per-virtual-pipeline-stage',
            String(p),
            true,
          ),
        )
      : undefined,
  });
}
