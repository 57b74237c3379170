// Current Megatron-LM flags whose only effect here is on memory and which the memory model does not count (yet): they
// are rows so the `not-modelled` hint (rules/notModelled.ts) can stand on their own line. Types, arity and defaults
// are Megatron-LM d98e8a64's parser (add_megatron_arguments, dumped in megatron-flags/megatron-lm-head.tsv); most are
// TransformerConfig fields (megatron/core/transformer/transformer_config.py). Rows of FLAG_SPECS (table.ts).
import { rowBuilders, type FlagSpec } from './spec';

const rows: FlagSpec[] = [];
const { flt, str, on, list } = rowBuilders(rows);

// ── Activation offload and CUDA graphs ──
on('--fine-grained-activation-offloading', 'Offload the activations of chosen modules (--offload-modules) to the CPU.');
list('--offload-modules', 1, 'Modules whose activations fine-grained offloading moves to the CPU.');
flt('--activation-offload-fraction', 'Share of the chosen activations that is offloaded (default 1.0).');
str('--cuda-graph-impl', 'CUDA graph implementation: none, local, transformer_engine, full_iteration.');
list('--cuda-graph-scope', 1, 'Parts of the layer captured in CUDA graphs (deprecated: --cuda-graph-modules).');
list(
  '--cuda-graph-modules',
  1,
  'Parts of the layer captured in CUDA graphs: attn, mlp, moe, moe_router, moe_preprocess, mamba.',
);
on('--enable-cuda-graph', 'Capture the layers in CUDA graphs (older spelling of --cuda-graph-impl local).');
on('--delay-wgrad-compute', 'Delay the weight-gradient GEMMs (keeps their inputs longer).');
on('--overlap-cpu-optimizer-d2h-h2d', 'Overlap the copies of the CPU-offloaded optimizer.');
// ── MoE communication ──
on(
  '--moe-enable-deepep',
  'DeepEP token dispatcher (flex dispatcher); older spelling of --moe-flex-dispatcher-backend.',
);
str('--moe-flex-dispatcher-backend', 'Backend of the flex token dispatcher: deepep, hybridep, ncclep.');
on(
  '--overlap-moe-expert-parallel-comm',
  'Overlap expert-parallel all-to-all with another microbatch (one more warm-up).',
  { keys: ['overlapMoeExpertParallelComm'], key: 'overlapMoeExpertParallelComm', default: false },
);
on('--moe-paged-stash', 'Paged stash of MoE activations.');

export const BUFFER_FLAGS: readonly FlagSpec[] = rows;
