// Seq1F1B's own requirements (thunlp/Seq1F1B, seq1f1b.md §6): a pipeline, flash attention for k > 1, a sequence
// the 'average' split can cut, and k dividing PP when interleaved.
import { code, nearestMultiples, positive, type Rule, type RuleContext } from './rule';

export const seq1f1bRule: Rule = {
  family: 'seq1f1b',
  codes: [
    code('seq1f1b-needs-pipeline', 'error'),
    code('seq1f1b-needs-flash-attn', 'error'),
    code('seq-not-divisible-by-splits', 'warning'),
    code('seq1f1b-interleaved-splits', 'warning'),
    code('uniform-comp-without-splits', 'hint'),
  ],
  check(ctx) {
    const k = ctx.cfg.pipeSpSplits;
    if (positive(k) && k > 1) checkSplits(ctx, k);
    const strategySetting = ctx.settings.get('--pipe-sp-strategy') ?? ctx.settings.get('--seq1f1b-balance-method');
    if (k === 1 && ctx.cfg.pipeSpStrategy === 'uniform_comp' && strategySetting) {
      ctx.push({
        code: 'uniform-comp-without-splits',
        severity: 'hint',
        message:
          'uniform_comp only matters when the sequence is split (--pipe-sp-splits > 1); with 1 chunk it has no effect',
        range: strategySetting.valueRange ?? strategySetting.range,
      });
    }
  },
};

function checkSplits(ctx: RuleContext, k: number): void {
  const { pipelineParallel: p, seqLength: s } = ctx.cfg;
  const splitsSetting =
    ctx.settings.get('--pipe-sp-splits') ??
    ctx.settings.get('--seq1f1b-splits') ??
    ctx.settings.get('--enable-seq1f1b');
  const splitsRange = splitsSetting ? (splitsSetting.valueRange ?? splitsSetting.range) : ctx.input.anchor;
  if (p === 1) {
    ctx.push({
      code: 'seq1f1b-needs-pipeline',
      severity: 'error',
      message: `Seq1F1B splits the sequence across pipeline stages; with PP 1 (no pipelining) --pipe-sp-splits ${k} is unsupported`,
      range: splitsRange,
      related: ctx.rel(['pipelineParallel', 'PP']),
    });
  } else if (positive(p) && !ctx.cfg.useFlashAttn) {
    ctx.push({
      code: 'seq1f1b-needs-flash-attn',
      severity: 'error',
      message: `Seq1F1B with ${k} sequence chunks asserts --use-flash-attn (it calls flash-attn 2's varlen kernels directly)`,
      range: splitsRange,
      fixes: ctx.fixes(ctx.fix('Add --use-flash-attn', '--use-flash-attn', 'true', true)),
    });
  }
  if (ctx.cfg.pipeSpStrategy === 'average' && positive(s) && s % k !== 0) {
    const { down, up } = nearestMultiples(s, k);
    ctx.push({
      code: 'seq-not-divisible-by-splits',
      severity: 'warning',
      message: `seq length ${s} is not divisible by ${k} chunks; the Seq1F1B 'average' split assumes S % k == 0 (use ${down ?? k} or ${up}, or --pipe-sp-strategy uniform_comp)`,
      range: splitsRange,
      related: ctx.rel(['seqLength', 'seq length']),
    });
  }
  if (ctx.vppOn && positive(p) && p % k !== 0) {
    ctx.push({
      code: 'seq1f1b-interleaved-splits',
      severity: 'warning',
      message: `interleaved Seq1F1B expects k to divide PP: ${k} chunks with PP ${p}`,
      range: splitsRange,
      related: ctx.rel(['pipelineParallel', 'PP']),
    });
  }
}
