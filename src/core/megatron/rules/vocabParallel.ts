// The Vocabulary Parallelism fork's own checks (sail-sg/VocabularyParallelism 6191c3bf megatron/training/
// arguments.py): --enable-vocab-parallel (:304-320) and --enable-layer-redistribution (:283-294). Each assert stops
// validate_args, so each is an error. The Zero-Bubble fork's v-half-vocab branch (92895b9a arguments.py:306-341)
// makes the same checks except that it runs vocabulary parallelism on its V (which sets the virtual pipeline itself)
// rather than refusing a virtual pipeline.
import { code, positive, type Rule, type RuleContext } from './rule';

const ENABLE = '--enable-vocab-parallel';
const REDISTRIBUTE = '--enable-layer-redistribution';
const FINAL = '--final-stage-num-layers';
const VPP = '--num-layers-per-virtual-pipeline-stage';

export const vocabParallelRule: Rule = {
  family: 'vocabParallel',
  codes: [
    code('vocab-parallel-invalid', 'error'),
    code('vocab-parallel-flag-ignored', 'hint'),
    code('layer-redistribution-invalid', 'error'),
  ],
  check(ctx) {
    const enable = ctx.settings.get(ENABLE);
    if (enable?.bool === true) checkVocabParallel(ctx);
    else ignoredVariants(ctx);
    if (ctx.settings.get(REDISTRIBUTE)?.bool === true) checkRedistribution(ctx);
  },
};

function checkVocabParallel(ctx: RuleContext): void {
  const range = ctx.flagRange(ENABLE) ?? ctx.input.anchor;
  const { pipelineParallel: p, tensorParallel: t, makeVocabSizeDivisibleBy: unit } = ctx.cfg;
  const invalid = (message: string, related = ctx.rel(['pipelineParallel', 'PP'])): void =>
    ctx.push({ code: 'vocab-parallel-invalid', severity: 'error', message, range, related });
  // :306-307 "pipeline parallel size must be > 1 when vocab parallel is enabled".
  if (p === 1) invalid(`${ENABLE} splits the vocabulary layers over the pipeline stages; the fork asserts PP > 1`);
  // :308-309: the virtual pipeline size is set whenever the VPP flag is given (:258-273), even to 1.
  const vpp = ctx.settings.get(VPP);
  if (vpp && ctx.input.dialect !== 'zero-bubble')
    ctx.push({
      code: 'vocab-parallel-invalid',
      severity: 'error',
      message: `${ENABLE} runs on non-interleaved 1F1B only: the fork asserts no virtual pipeline (${VPP})`,
      range: vpp.range,
      related: [{ message: `${ENABLE} is set here`, range }],
    });
  // C (issue 18): the Zero-Bubble fork's v-half-vocab branch runs it on V-Half only (92895b9a arguments.py:330-333).
  if (ctx.input.dialect === 'zero-bubble' && ctx.cfg.zeroBubbleSchedule !== 'v-half')
    invalid(
      `${ENABLE} on the Zero-Bubble fork (its v-half-vocab branch) requires the V-Half schedule (--zero-bubble-v-schedule with --zero-bubble-v-schedule-mem-setup half): the branch asserts it`,
    );
  // :310-315: the padding unit must be a multiple of TP·PP, so that every device's vocabulary shard is whole.
  if (positive(p) && positive(t) && positive(unit) && unit % (t * p) !== 0)
    invalid(
      `${ENABLE} needs --make-vocab-size-divisible-by (${unit}) to be a multiple of TP·PP = ${t * p}: the fork asserts it so that the padded vocabulary splits evenly over all ${t * p} model-parallel GPUs`,
      ctx.rel(['makeVocabSizeDivisibleBy', 'padding unit'], ['tensorParallel', 'TP'], ['pipelineParallel', 'PP']),
    );
  // :316-317: the output layer is split over the devices, the input embedding separately.
  if (ctx.cfg.untieEmbeddingsAndOutputWeights === false)
    ctx.push({
      code: 'vocab-parallel-invalid',
      severity: 'error',
      message: `${ENABLE} requires --untie-embeddings-and-output-weights: the fork asserts it (the input embedding and the output layer are split separately)`,
      range,
      fixes: ctx.fixes(
        ctx.fix('Add --untie-embeddings-and-output-weights', '--untie-embeddings-and-output-weights', 'true', true),
      ),
    });
}

/** :318-320: without --enable-vocab-parallel validate_args sets both variant flags to False. */
function ignoredVariants(ctx: RuleContext): void {
  for (const flag of ['--use-interlaced-schedule', '--disable-backward-fusion']) {
    const s = ctx.settings.get(flag);
    if (s?.bool === true)
      ctx.push({
        code: 'vocab-parallel-flag-ignored',
        severity: 'hint',
        message: `${flag} has no effect without ${ENABLE}: the fork's validate_args turns it off`,
        range: s.range,
      });
  }
}

function checkRedistribution(ctx: RuleContext): void {
  const at = ctx.flagRange(REDISTRIBUTE) ?? ctx.input.anchor;
  const { pipelineParallel: p, numLayers: L } = ctx.cfg;
  const push = (message: string, range = at): void =>
    ctx.push({ code: 'layer-redistribution-invalid', severity: 'error', message, range });
  // :284-285, :287-288, :289-290, :291-292.
  if (p === 1) push(`${REDISTRIBUTE} requires pipeline-model-parallel-size > 1 (PP is 1)`);
  const finalSetting = ctx.settings.get(FINAL);
  const raw = finalSetting?.values?.[0];
  const final = raw === undefined ? 0 : Number(raw);
  if (Number.isInteger(final) && positive(L) && (final < 0 || final > L))
    push(`${FINAL} ${final} must be between 0 and the number of layers (${L})`, ctx.flagRange(FINAL) ?? at);
  const vpp = ctx.settings.get(VPP);
  if (vpp) push(`${REDISTRIBUTE} does not support interleaved schedules (${VPP})`, vpp.range);
  const legacy = ctx.settings.get('--use-legacy-models');
  if (legacy?.bool === true) push(`${REDISTRIBUTE} is only supported with Megatron-Core models`, legacy.range);
}
