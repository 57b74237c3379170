// Activation recompute: full recompute needs a method and a layer count, selective takes neither, and
// --distribute-saved-activations needs TP and full recompute without SP. Megatron-LM exits on
// --checkpoint-activations, which only Megatron-DeepSpeed accepts.
import { code, positive, type Rule, type RuleContext } from './rule';

export const recomputeRule: Rule = {
  family: 'recompute',
  codes: [code('recompute-config-invalid', 'error'), code('deprecated-flag', 'error')],
  check(ctx) {
    checkGranularity(ctx);
    const { tensorParallel: t, recomputeGranularity: gran } = ctx.cfg;
    const dsa = ctx.settings.get('--distribute-saved-activations');
    if (dsa?.bool) {
      const spFlag = ctx.settings.get('--sequence-parallel');
      if (ctx.cfg.sequenceParallel)
        ctx.push({
          code: 'recompute-config-invalid',
          severity: 'error',
          message: '--distribute-saved-activations cannot be combined with sequence parallelism',
          range: dsa.range,
          related: spFlag ? [{ message: '--sequence-parallel', range: spFlag.range }] : undefined,
        });
      else if (t === 1 || gran !== 'full')
        ctx.push({
          code: 'recompute-config-invalid',
          severity: 'error',
          message: `--distribute-saved-activations needs TP > 1 and full recompute (TP is ${t ?? '?'}, recompute ${gran ?? 'off'})`,
          range: dsa.range,
        });
    }
    const ckpt = ctx.settings.get('--checkpoint-activations');
    // Megatron-DeepSpeed reads it as full recompute (microsoft f4157bea megatron/arguments.py:138-143 left the exit
    // commented out; BigScience 8387ae17 arguments.py:277-278 uses it for distribute-checkpointed-activations), whatever
    // launches it.
    if (ckpt?.bool && !ctx.input.dialects.has('deepspeed') && ctx.input.dialect !== 'megatron-deepspeed') {
      const sure = ctx.input.dialectSure;
      ctx.push({
        code: 'deprecated-flag',
        severity: sure ? 'error' : 'warning',
        message: `Megatron-LM prints a message and exits on --checkpoint-activations: use --recompute-activations (selective) or --recompute-granularity full --recompute-method uniform (Megatron-DeepSpeed still accepts it as full recompute${sure ? '' : '; which Megatron runs this file is decided only by its entry script, which every fork shares'})`,
        range: ckpt.nameRange,
        fixes: [
          {
            title: 'Rename to --recompute-activations',
            edits: [{ range: ckpt.nameRange, newText: '--recompute-activations' }],
          },
        ],
      });
    }
  },
};

function checkGranularity(ctx: RuleContext): void {
  const {
    recomputeGranularity: gran,
    recomputeMethod,
    recomputeNumLayers: rnl,
    numLayers: L,
    pipelineParallel: p,
  } = ctx.cfg;
  const granRange =
    ctx.flagRange('--recompute-granularity') ?? ctx.flagRange('--recompute-activations') ?? ctx.input.anchor;
  if (gran === 'full' && !ctx.input.dialects.has('deepspeed')) {
    if (recomputeMethod === null && ctx.src.recomputeMethod?.status !== 'unresolved') {
      ctx.push({
        code: 'recompute-config-invalid',
        severity: 'error',
        message:
          "full recompute needs --recompute-method uniform or block (TransformerConfig: \"recompute_method must be 'block' or 'uniform'\")",
        range: granRange,
      });
    } else if (rnl === null && ctx.src.recomputeNumLayers?.status !== 'unresolved') {
      ctx.push({
        code: 'recompute-config-invalid',
        severity: 'error',
        message: `full recompute with method ${recomputeMethod} needs --recompute-num-layers`,
        range: ctx.flagRange('--recompute-method') ?? granRange,
      });
    }
  }
  // validate_args refuses a method with selective recompute (Megatron-LM d98e8a64 megatron/training/arguments.py:1425-
  // 1428; yaml_arguments.py:319 for --yaml-cfg); Megatron-Core's TransformerConfig only refuses a layer count
  // (megatron/core/transformer/transformer_config.py:1926-1932). NeMo builds TransformerConfig itself, so there only
  // the layer count counts.
  const offending = ctx.input.nemo
    ? ctx.settings.get('--recompute-num-layers')
    : (ctx.settings.get('--recompute-method') ?? ctx.settings.get('--recompute-num-layers'));
  if (gran === 'selective' && offending) {
    // NeMo's legacy (non-Megatron-Core) models ignore the layer count with selective recompute; only a model built
    // through TransformerConfig (mcore_gpt: True) refuses it, and the YAML alone does not always say which.
    const nemoLegacy = ctx.input.nemo && ctx.settings.get('--use-mcore-models')?.bool !== true;
    ctx.push({
      code: 'recompute-config-invalid',
      severity: nemoLegacy ? 'warning' : 'error',
      message:
        offending.spec.name === '--recompute-num-layers'
          ? `${offending.spelling} is not supported with selective recompute (TransformerConfig: "recompute_num_layers must be None")${nemoLegacy ? "; this holds when NeMo builds the model with Megatron-Core (NeMo's legacy models ignore it)" : ''}`
          : `${offending.spelling} is not supported with selective recompute ("recompute method is not yet supported for selective recomputing granularity")`,
      range: offending.range,
      fixes: ctx.fixes(ctx.fix(`Remove ${offending.spec.name}`, offending.spec.name, null, true)),
    });
  }
  // Megatron-DeepSpeed's --checkpoint-num-layers feeds the same field (it used to land on a missing range here).
  const rnlSetting = ctx.settings.get('--recompute-num-layers') ?? ctx.settings.get('--checkpoint-num-layers');
  if (gran === 'full' && positive(rnl) && positive(L) && positive(p) && L % p === 0 && rnl > L / p && rnlSetting) {
    const flag = rnlSetting.spec.name;
    ctx.push({
      code: 'recompute-config-invalid',
      severity: 'warning',
      message: `${flag} ${rnl} is more than the ${L / p} layers per pipeline stage (L ${L} / PP ${p})`,
      range: rnlSetting.valueRange ?? rnlSetting.range,
    });
  }
}
