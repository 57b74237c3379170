// Layer implementation details the cost and memory models read: position embedding, flash attention,
// transformer implementation, linear biases.
import { explicitSource, switchSpec, textSpec, type ResolveContext } from '../context';

export function resolveModelDetails(ctx: ResolveContext): void {
  const { settings } = ctx;
  const position = textSpec('--position-embedding-type');
  const rotary = settings.get('--use-rotary-position-embeddings');
  if (settings.has(position.name)) ctx.text('positionEmbeddingType', position);
  else if (rotary?.bool) ctx.set('positionEmbeddingType', 'rope', explicitSource(rotary));
  else
    ctx.set('positionEmbeddingType', position.default ?? null, {
      status: 'default',
      note: `Megatron default ${position.default ?? null}`,
    });

  const flash = settings.get('--use-flash-attn') ?? settings.get('--use-flash-attn-v2');
  if (flash?.bool !== undefined) ctx.set('useFlashAttn', flash.bool, explicitSource(flash));
  else
    ctx.set('useFlashAttn', switchSpec('--use-flash-attn').default ?? false, {
      status: 'default',
      note: '--use-flash-attn not given',
    });

  const impl = textSpec('--transformer-impl');
  if (settings.has(impl.name)) ctx.text('transformerImpl', impl);
  else if (ctx.input.dialects.has('seq1f1b') || ctx.input.dialects.has('deepspeed'))
    ctx.set('transformerImpl', 'local', {
      status: 'default',
      note: 'pre-2024 Megatron forks (Seq1F1B, Megatron-DeepSpeed) build local layers',
    });
  else ctx.set('transformerImpl', impl.default ?? null, { status: 'default', note: 'Megatron default since 2024-04' });
  // Which fork's pre-2024 megatron/model code builds the model, whatever --transformer-impl says (its embedding and
  // rotary code do not change with it); the memory model reads what that code keeps (memory/activations.ts).
  const legacy = ctx.input.dialects.has('seq1f1b')
    ? 'seq1f1b'
    : ctx.input.dialects.has('deepspeed')
      ? 'deepspeed'
      : null;
  ctx.set('legacyModelCode', legacy, {
    status: 'derived',
    note: legacy ? `the ${legacy} dialect builds its own megatron/model` : 'Megatron-Core or a fork of it',
  });

  // Megatron-Core's --no-clone-scatter-output-in-embedding (store_false into clone_scatter_output_in_embedding,
  // default True: megatron/training/arguments.py:2373 builds it from transformer_config.py:1171 through
  // argument_utils.py:194 at d98e8a64; an explicit add_argument from 19afb900, 2023-11, until 639c08ab).
  const noClone = settings.get('--no-clone-scatter-output-in-embedding');
  if (noClone?.bool !== undefined) ctx.set('cloneScatterOutputInEmbedding', !noClone.bool, explicitSource(noClone));
  else ctx.set('cloneScatterOutputInEmbedding', true, { status: 'default', note: 'Megatron-Core clones the SP shard' });

  const noBias = settings.get('--disable-bias-linear');
  const addBias = settings.get('--add-bias-linear');
  if (noBias?.bool !== undefined) ctx.set('addBiasLinear', !noBias.bool, explicitSource(noBias));
  else if (addBias?.bool !== undefined) ctx.set('addBiasLinear', addBias.bool, explicitSource(addBias));
  else
    ctx.set('addBiasLinear', true, {
      status: 'default',
      note: 'linear layers have biases unless --disable-bias-linear',
    });
}
