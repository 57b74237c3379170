// Megatron's required arguments on the command-line path, and --yaml-cfg, which makes it ignore the command line.
import { code, type OpenArgs, type Rule } from './rule';

const REQUIRED = ['--hidden-size', '--num-attention-heads', '--max-position-embeddings', '--micro-batch-size'];

export const requiredRule: Rule = {
  family: 'required',
  codes: [code('missing-required-arg', 'error'), code('yaml-cfg-ignores-args', 'warning')],
  check(ctx) {
    const { settings } = ctx;
    if (!ctx.input.yamlPath) {
      const missing: string[] = [];
      if (
        !settings.has('--num-layers') &&
        !settings.has('--decoder-num-layers') &&
        !settings.has('--encoder-num-layers') &&
        !settings.has('--hybrid-layer-pattern') &&
        // Current Megatron-LM reads it as --hybrid-layer-pattern, which sets num_layers (arguments.py:744-797 at
        // d98e8a64); releases up to core_r0.16 still require --num-layers, so its absence is not certain there.
        !settings.has('--hybrid-override-pattern')
      )
        missing.push('--num-layers');
      for (const f of REQUIRED) if (!settings.has(f)) missing.push(f);
      if (!settings.has('--seq-length') && !settings.has('--encoder-seq-length')) missing.push('--seq-length');
      // Filled in before Megatron checks them: slime sets seq_length 4096 and max_position_embeddings = seq_length
      // (THUDM/slime 624b824a slime/backends/megatron_utils/arguments.py:164-169); Retro reads both from its project
      // config (--retro-project-dir; Zero-Bubble 39f2c186 megatron/training/arguments.py:94-130, Megatron-LM alike).
      const filled =
        ctx.input.dialect === 'slime' || settings.has('--retro-project-dir')
          ? ['--seq-length', '--max-position-embeddings']
          : [];
      for (const f of filled) if (missing.includes(f)) missing.splice(missing.indexOf(f), 1);
      const fromCheckpoint = settings.get('--use-checkpoint-args')?.bool;
      if (missing.length && !settings.has('--yaml-cfg') && !fromCheckpoint) {
        // Flags can still arrive through the script's own arguments: then the absence is an assumption, not a fact.
        const open = ctx.input.runtimeArgs[0] ?? foreignEntry(ctx.input.megatronEntry);
        const them = missing.length > 1 ? 'they are' : 'it is';
        ctx.push({
          code: 'missing-required-arg',
          severity: open ? 'warning' : 'error',
          message: open
            ? `Megatron requires ${missing.join(', ')}; ${them} not set in this command, so ${open.what} must add ${missing.length > 1 ? 'them' : 'it'}`
            : `Megatron requires ${missing.join(', ')}; ${them} not set in this command`,
          range: ctx.input.anchor,
        });
      }
    }
    const yamlCfg = settings.get('--yaml-cfg');
    if (yamlCfg && !ctx.input.yamlPath) {
      ctx.push({
        code: 'yaml-cfg-ignores-args',
        severity: 'warning',
        message:
          'with --yaml-cfg Megatron ignores every other command-line argument; the values shown here come from the command line and may not be what runs',
        range: yamlCfg.range,
      });
    }
  },
};

/** An entry script outside the Megatron family may parse (and default) its own arguments: where the flags may come. */
function foreignEntry(megatronEntry: boolean | null): OpenArgs | undefined {
  return megatronEntry === false
    ? {
        range: { line: 0, column: 0, endLine: 0, endColumn: 0 },
        what: "the entry script (not one of Megatron's own, so it may parse and default its own arguments)",
      }
    : undefined;
}
