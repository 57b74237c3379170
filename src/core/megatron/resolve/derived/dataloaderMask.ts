// Whether the data loader hands the model a full causal attention mask. Megatron-LM's GPT dataset builds
// torch.tril(torch.ones((s, s))) per sample and turns it into a bool mask (megatron/core/datasets/gpt_dataset.py:833-836
// and :870-872 at d98e8a64) unless --no-create-attention-mask-in-dataloader (megatron/training/arguments.py:3332-3334);
// pretrain_gpt.py's get_batch moves it to the GPU of the first and last pipeline stage on every TP rank
// (megatron/core/utils.py get_batch_on_this_tp_rank :2267-2298), where it lives while that microbatch's forward
// runs: b·s² bytes, the one full-sequence term that grows with s² under flash attention. The Seq1F1B fork removed
// the mask for that reason (thunlp/Seq1F1B megatron/utils.py:150-153: "long sequence will causal OOM here").
import type { ResolveContext } from '../context';
import { explicitSource } from '../context';

/** The GPT-style entry scripts whose get_batch goes through the GPT dataset's mask. */
const GPT_ENTRY = /(^|\/)pretrain_(gpt|mamba)\.py$/;

export function resolveDataloaderMask(ctx: ResolveContext): void {
  const off = ctx.settings.get('--no-create-attention-mask-in-dataloader');
  if (off && off.bool !== false) {
    ctx.set('dataloaderAttentionMask', false, {
      ...explicitSource(off),
      note: 'the data loader builds no attention mask',
    });
    return;
  }
  const { dialect, entry, format } = ctx.input;
  // Of the YAML files only Megatron-LM's own functional tests name an entry script (read/yamlLaunch.ts).
  const megatronLm = dialect === 'megatron-lm' || (dialect === undefined && format === 'yaml' && entry != null);
  if (megatronLm && GPT_ENTRY.test(entry ?? ''))
    ctx.set('dataloaderAttentionMask', true, {
      status: 'default',
      note: "Megatron-LM's GPT dataset builds a b×s×s causal mask per microbatch (--no-create-attention-mask-in-dataloader turns it off)",
    });
  else ctx.set('dataloaderAttentionMask', null, { status: 'default', note: 'not a Megatron-LM GPT data loader' });
}
