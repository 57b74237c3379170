// Flags only forks of Megatron-LM define: Seq1F1B, MindSpeed's Seq1F1B, zero-bubble and Megatron-DeepSpeed. Each
// row names its `dialect`. Rows of FLAG_SPECS (table.ts).
import { rowBuilders, type FlagSpec } from './spec';

const rows: FlagSpec[] = [];
const { int, str, on, choice } = rowBuilders(rows);

// ── Seq1F1B (thunlp/Seq1F1B) ──
int('--pipe-sp-splits', 'Seq1F1B: sequence chunks per microbatch k (1 = plain 1F1B).', {
  keys: ['pipeSpSplits'],
  dialect: 'seq1f1b',
  default: 1,
});
choice(
  '--pipe-sp-strategy',
  ['average', 'uniform_comp'],
  'Seq1F1B: how to cut the sequence (uniform_comp balances FLOPs).',
  { keys: ['pipeSpStrategy'], dialect: 'seq1f1b', default: 'average' },
);
// ── MindSpeed's Seq1F1B reimplementation ──
on('--enable-seq1f1b', 'MindSpeed: turn Seq1F1B on.', { keys: ['pipeSpSplits'], dialect: 'mindspeed' });
int('--seq1f1b-splits', 'MindSpeed: sequence chunks per microbatch k (default 4).', {
  keys: ['pipeSpSplits'],
  dialect: 'mindspeed',
  default: 4,
});
choice('--seq1f1b-balance-method', ['average', 'uniform_comp'], 'MindSpeed: how to cut the sequence.', {
  keys: ['pipeSpStrategy'],
  dialect: 'mindspeed',
  default: 'average',
});
// ── MindSpeed / MindSpeed-LLM layer placement (features_manager/pipeline_parallel/{num_layer_list,noop_layers}.py) ──
str('--num-layer-list', 'MindSpeed-LLM: decoder layers per pipeline stage, e.g. 16,16,16,13 (sum = --num-layers).', {
  dialect: 'mindspeed',
});
str('--noop-layers', 'MindSpeed: 0-based indices of layers built as no-ops (counted in --num-layers), e.g. 61,62,63.', {
  dialect: 'mindspeed',
});
int(
  '--first-k-dense-replace',
  'MindSpeed-LLM: the first K decoder layers stay dense; MoE layers follow --moe-layer-freq after them.',
  { dialect: 'mindspeed' },
);
on('--layerwise-disaggregated-training', 'MindSpeed-LLM: u-shaped split; --num-layer-list then has PP + 1 entries.', {
  dialect: 'mindspeed',
});
// ── Zero bubble (sail-sg/zero-bubble-pipeline-parallelism) ──
// megatron/core/zbpp_utils.py:27-45 at 39f2c186: the pending-backward limit is a string ("auto" by default).
on(
  '--enable-zero-bubble',
  'Zero-bubble pipeline schedule (ZB-1p at a pending-backward limit of PP, else ZB-2p/auto).',
  {
    dialect: 'zero-bubble',
  },
);
on('--zero-bubble-v-schedule', 'Zero-bubble V schedule (ZB-V).', { dialect: 'zero-bubble' });
str(
  '--zero-bubble-max-pending-backward',
  'Zero-bubble: backward passes a stage may defer (PP → ZB-1p, 2·PP → ZB-2p, auto).',
  {
    dialect: 'zero-bubble',
    default: 'auto',
  },
);
on('--enable-optimizer-post-validation', 'Zero-bubble optimizer post-validation.', { dialect: 'zero-bubble' });
on('--allow-padding-num-layers', 'Zero-bubble: allow padded layer counts.', { dialect: 'zero-bubble' });
// ── Vocabulary Parallelism (sail-sg/VocabularyParallelism 6191c3bf megatron/training/arguments.py:1504-1520; the
// Zero-Bubble fork's v-half-vocab branch defines all but --use-interlaced-schedule). Resolved in
// resolve/derived/vocabParallel.ts. ──
on('--enable-vocab-parallel', 'Vocabulary Parallelism: the vocabulary layers split over all pipeline stages.', {
  keys: ['vocabParallelSchedule'],
  dialect: 'vocab-parallel',
});
on('--disable-backward-fusion', 'Vocabulary Parallelism with two all-reduce barriers (Algorithm 1) instead of one.', {
  keys: ['vocabParallelSchedule'],
  dialect: 'vocab-parallel',
});
on('--use-interlaced-schedule', 'The interlaced pipeline (Lin et al., OSDI 2024) at the vocabulary layers.', {
  keys: ['vocabParallelSchedule'],
  dialect: 'vocab-parallel',
});
on('--enable-layer-redistribution', 'Vocabulary Parallelism fork: --final-stage-num-layers on the last stage.', {
  dialect: 'vocab-parallel',
});
int('--final-stage-num-layers', 'Vocabulary Parallelism fork: decoder layers on the last stage (redistribution).', {
  dialect: 'vocab-parallel',
  default: 0,
});
// ── Megatron-DeepSpeed ──
on('--deepspeed', 'Run under DeepSpeed.', { dialect: 'deepspeed' });
str('--deepspeed_config', 'DeepSpeed JSON config.', { dialect: 'deepspeed', aliases: ['--deepspeed-config'] });
int('--zero-stage', 'DeepSpeed ZeRO stage (≥ 1 shards optimizer state).', {
  dialect: 'deepspeed',
  keys: ['distributedOptimizer', 'zeroStage'],
  aliases: ['--zero_stage'],
});
int('--num-key-value-heads', 'Megatron-DeepSpeed spelling of the KV head count (GQA when < heads).', {
  dialect: 'deepspeed',
  keys: ['numQueryGroups', 'groupQueryAttention'],
});
// ── Pai-Megatron-Patch ──
// alibaba/Pai-Megatron-Patch megatron_patch/arguments.py:108; its Falcon-40B attention builds
// (n_head_kv·2 + heads)·head_dim QKV outputs (megatron_patch/model/falcon40b/transformer.py:418): grouped K/V heads.
int('--n-head-kv', 'Pai-Megatron-Patch (Falcon) spelling of the KV head count (GQA when < heads).', {
  dialect: 'pai',
  keys: ['numQueryGroups', 'groupQueryAttention'],
});
// microsoft/Megatron-DeepSpeed f4157bea megatron/arguments.py:856: "Activate zero bubble pipeline parallelism schedule".
on('--enable-zbh1-pipeline', 'Megatron-DeepSpeed: the ZB-H1 zero-bubble schedule.', { dialect: 'deepspeed' });
on('--deepspeed-activation-checkpointing', 'DeepSpeed activation checkpointing.', { dialect: 'deepspeed' });
on('--partition-activations', 'Partition checkpointed activations (DeepSpeed).', { dialect: 'deepspeed' });
on('--no-pipeline-parallel', 'Disable DeepSpeed pipeline engine.', { dialect: 'deepspeed' });
int('--ds-sequence-parallel-size', 'DeepSpeed-Ulysses sequence parallel size: splits the sequence and divides DP.', {
  dialect: 'deepspeed',
  keys: ['contextParallel'],
});

export const FORK_FLAGS: readonly FlagSpec[] = rows;
