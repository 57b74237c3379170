// Virtual pipeline (interleaved schedule): one flag only, chunks that divide the stage's layers, and enough
// pipeline stages for the p2p pattern.
import { parsePyInt } from '../pyNumbers';
import { code, divisors, positive, type Rule, type RuleContext } from './rule';

export const vppRule: Rule = {
  family: 'vpp',
  codes: [
    code('vpp-flags-conflict', 'error'),
    code('layers-not-divisible-by-virtual-stage', 'error'),
    code('vpp-needs-more-stages', 'error'),
  ],
  check(ctx) {
    const [firstFlag, secondFlag] = ctx.vppFlags;
    const second = secondFlag === undefined ? undefined : ctx.settings.get(secondFlag);
    if (second)
      ctx.push({
        code: 'vpp-flags-conflict',
        severity: 'error',
        message: `only one of ${ctx.vppFlags.join(', ')} may be given`,
        range: second.range,
      });
    checkChunks(ctx);
    const p = ctx.cfg.pipelineParallel;
    const vppSetting = firstFlag === undefined ? undefined : ctx.settings.get(firstFlag);
    if (!ctx.vppOn || !positive(p) || !vppSetting) return;
    // The smallest PP by dialect and p2p overlap (resolve/derived/placement.ts: current Megatron-LM 2 unless
    // --no-overlap-p2p-communication, the Seq1F1B fork and Megatron-DeepSpeed 3, MindSpeed-LLM 2).
    const least = ctx.cfg.interleavedMinPipeline ?? 2;
    const fork = ctx.input.dialects.has('seq1f1b') || ctx.input.dialects.has('deepspeed');
    if (p <= 1 || p < least) {
      ctx.push({
        code: 'vpp-needs-more-stages',
        severity: 'error',
        message:
          p <= 1
            ? `a virtual pipeline needs pipeline-parallel size > 1 (PP is ${p})`
            : `a virtual pipeline with PP ${p} needs PP > 2 ${fork ? 'in this Megatron version' : 'with --no-overlap-p2p-communication'} (to avoid several p2p sends and receives between the same 2 ranks)`,
        range: vppSetting.valueRange ?? vppSetting.range,
        related: ctx.rel(['pipelineParallel', 'PP']),
      });
    }
  },
};

function checkChunks(ctx: RuleContext): void {
  const { numLayers: L, pipelineParallel: p, numLayersPerVirtualStage: n } = ctx.cfg;
  const perStage = ctx.settings.get('--num-layers-per-virtual-pipeline-stage');
  if (perStage && positive(L) && positive(p) && positive(n) && L % p === 0 && (L / p) % n !== 0) {
    ctx.push({
      code: 'layers-not-divisible-by-virtual-stage',
      severity: 'error',
      message: `${L / p} layers per pipeline stage (${L} / PP ${p}) are not divisible by ${n} layers per virtual stage; use one of ${divisors(L / p).join(', ')}`,
      range: perStage.valueRange ?? perStage.range,
      related: ctx.rel(['numLayers', 'layers'], ['pipelineParallel', 'PP']),
    });
  }
  const perRank = ctx.settings.get('--num-virtual-stages-per-pipeline-rank');
  const rankText = perRank?.values?.[0];
  const vRank = rankText === undefined ? null : parsePyInt(rankText);
  const acc = ctx.accountedLayers;
  if (
    perRank &&
    positive(vRank) &&
    positive(L) &&
    positive(p) &&
    !ctx.unevenPipeline &&
    (L + acc) % p === 0 &&
    ((L + acc) / p) % vRank !== 0
  ) {
    ctx.push({
      code: 'layers-not-divisible-by-virtual-stage',
      severity: 'error',
      message: `${(L + acc) / p} layers per pipeline stage are not divisible by ${vRank} virtual stages; use one of ${divisors((L + acc) / p).join(', ')}`,
      range: perRank.valueRange ?? perRank.range,
      related: ctx.rel(['numLayers', 'layers'], ['pipelineParallel', 'PP']),
    });
  }
}
