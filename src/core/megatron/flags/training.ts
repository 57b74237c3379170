// Flags of the run around the model: batch sizes and training length, optimizer and LR schedule, data,
// checkpointing, logging and profiling, and the kernel-fusion switches. Most are listed only so they are not
// reported as unknown. Rows of FLAG_SPECS (table.ts).
import { rowBuilders, type FlagSpec } from './spec';

const rows: FlagSpec[] = [];
const { int, flt, str, on, list } = rowBuilders(rows);

// ── Batch and training length ──
int('--micro-batch-size', 'Micro-batch size b (required).', {
  keys: ['microBatchSize'],
  key: 'microBatchSize',
  default: null,
  requiredReason: '--micro-batch-size is not given (Megatron requires it)',
});
int('--global-batch-size', 'Global batch size; default b·dp. Must be divisible by b·dp.', {
  keys: ['globalBatchSize', 'numMicrobatches'],
});
int('--batch-size', 'Removed.', {
  deprecated: {
    severity: 'error',
    message: 'removed; use --micro-batch-size (and --global-batch-size)',
    renameTo: '--micro-batch-size',
  },
});
list('--rampup-batch-size', 3, 'Batch ramp-up: start increment samples.', { exactValues: 3 });
str('--step-batch-size-schedule', 'Step batch-size schedule "THR:BS …" (HEAD); conflicts with --global-batch-size.');
on('--decrease-batch-size-if-needed', 'Round the global batch down to a multiple of b·dp.');
int('--train-iters', 'Training iterations.', { keys: ['trainIters'], key: 'trainIters', default: null });
int('--train-samples', 'Training samples.');
int('--eval-iters', 'Evaluation iterations.');
int('--eval-interval', 'Evaluation interval.');
int('--log-interval', 'Logging interval.');
int('--save-interval', 'Checkpoint interval.');
int('--exit-interval', 'Exit after this many iterations.');
int('--exit-duration-in-mins', 'Exit after this many minutes.');
on('--exit-signal-handler', 'Save and exit on SIGTERM.');
flt('--lr', 'Learning rate.');
flt('--min-lr', 'Minimum learning rate.');
str('--lr-decay-style', 'LR decay style.');
int('--lr-decay-iters', 'LR decay iterations.');
int('--lr-decay-samples', 'LR decay samples.');
int('--lr-warmup-iters', 'LR warmup iterations.');
int('--lr-warmup-samples', 'LR warmup samples.');
flt('--lr-warmup-fraction', 'LR warmup fraction.');
flt('--lr-warmup-init', 'Initial warmup LR.');
flt('--warmup', 'Removed.', {
  deprecated: { severity: 'error', message: 'removed; use --lr-warmup-fraction', renameTo: '--lr-warmup-fraction' },
});
flt('--weight-decay', 'Weight decay.');
flt('--start-weight-decay', 'Initial weight decay.');
flt('--end-weight-decay', 'Final weight decay.');
str('--weight-decay-incr-style', 'Weight decay schedule.');
flt('--clip-grad', 'Gradient clipping.');
flt('--adam-beta1', 'Adam beta1.');
flt('--adam-beta2', 'Adam beta2.');
flt('--adam-eps', 'Adam epsilon.');
flt('--sgd-momentum', 'SGD momentum.');
str('--optimizer', 'Optimizer (adam, sgd, …).', { keys: ['optimizerType'], key: 'optimizerType', default: 'adam' });
int('--seed', 'Random seed.');
on('--override-opt_param-scheduler', 'Use the command-line LR schedule over the checkpoint.');
on('--use-checkpoint-opt_param-scheduler', 'Use the checkpoint LR schedule.');
on('--use-checkpoint-args', 'Take model arguments from the checkpoint.');
on('--calculate-per-token-loss', 'Per-token loss.');
on('--cross-entropy-loss-fusion', 'Fused cross entropy.');
str('--cross-entropy-fusion-impl', 'Cross entropy fusion implementation.');
int('--empty-unused-memory-level', 'Empty the CUDA cache between steps.');
on('--check-for-nan-in-loss-and-grad', 'NaN checks.');
str('--rerun-mode', 'Rerun state machine mode.');
on('--deterministic-mode', 'Deterministic kernels.');
on('--manual-gc', 'Manual garbage collection.');
int('--manual-gc-interval', 'GC interval.');

// ── Data ──
// nargs='*' in Megatron-LM d98e8a64 (megatron-lm-head.tsv).
list('--data-path', 0, 'Training data prefixes (with optional weights).');
list('--train-data-path', 0, 'Training data.');
list('--valid-data-path', 0, 'Validation data.');
list('--test-data-path', 0, 'Test data.');
str('--data-cache-path', 'Dataset index cache.');
str('--split', 'Train/valid/test split, e.g. 99,1,0.');
on('--mock-data', 'Synthetic data.');
int('--num-workers', 'Data loader workers.');
str('--dataloader-type', 'single or cyclic.');
str('--data-impl', 'Dataset implementation (older Megatron).');
on('--no-mmap-bin-files', 'Do not mmap dataset files.');
on('--reset-position-ids', 'Reset position ids at EOD.');
on('--reset-attention-mask', 'Reset attention mask at EOD.');
on('--eod-mask-loss', 'Mask loss at EOD.');
on('--create-attention-mask-in-dataloader', 'Build attention masks in the data loader.');
on('--no-create-attention-mask-in-dataloader', 'Do not build attention masks in the data loader.', {
  keys: ['dataloaderAttentionMask'],
});
int('--num-dataset-builder-threads', 'Dataset builder threads.');

// ── Checkpoint, logging, profiling ──
str('--save', 'Checkpoint output directory.');
str('--load', 'Checkpoint to load.');
str('--pretrained-checkpoint', 'Pretrained checkpoint.');
on('--no-load-optim', 'Do not load optimizer state.');
on('--no-load-rng', 'Do not load RNG state.');
on('--no-save-optim', 'Do not save optimizer state.');
on('--no-save-rng', 'Do not save RNG state.');
on('--finetune', 'Start from iteration 0.');
str('--ckpt-format', 'Checkpoint format.');
on('--use-dist-ckpt', 'Distributed checkpoint.');
on('--auto-detect-ckpt-format', 'Detect the checkpoint format.');
str('--dist-ckpt-format', 'Distributed checkpoint format.');
on('--async-save', 'Asynchronous checkpoint save.');
int('--ckpt-step', 'Checkpoint step to load.');
str('--tensorboard-dir', 'TensorBoard directory.');
int('--tensorboard-log-interval', 'TensorBoard interval.');
int('--tensorboard-queue-size', 'TensorBoard queue size.');
on('--log-params-norm', 'Log parameter norm.');
on('--log-num-zeros-in-grad', 'Log zero gradients.');
on('--log-throughput', 'Log throughput.');
on('--log-timers-to-tensorboard', 'Timers to TensorBoard.');
on('--log-validation-ppl-to-tensorboard', 'Validation perplexity to TensorBoard.');
on('--log-memory-to-tensorboard', 'Memory to TensorBoard.');
on('--log-batch-size-to-tensorboard', 'Batch size to TensorBoard.');
on('--log-world-size-to-tensorboard', 'World size to TensorBoard.');
on('--log-loss-scale-to-tensorboard', 'Loss scale to TensorBoard.');
on('--log-device-memory-used', 'Log device memory.');
on('--log-optimizer-states-to-tensorboard', 'Optimizer states to TensorBoard (Megatron-DeepSpeed).', {
  dialect: 'deepspeed',
});
int('--timing-log-level', 'Timer detail level.');
str('--timing-log-option', 'Timer aggregation.');
str('--wandb-project', 'Weights & Biases project.');
str('--wandb-exp-name', 'Weights & Biases run name.');
str('--wandb-save-dir', 'Weights & Biases directory.');
int('--logging-level', 'Python logging level.');
on('--profile', 'Profile with nsys / PyTorch.');
int('--profile-step-start', 'First profiled step.');
int('--profile-step-end', 'Last profiled step.');
list('--profile-ranks', 1, 'Profiled ranks.');
on('--use-pytorch-profiler', 'PyTorch profiler.');
on('--record-memory-history', 'Record CUDA memory history.');
str('--yaml-cfg', 'Experimental YAML config; all other command-line arguments are then ignored.');

// ── Kernel fusions (bool-True fields; their --no- forms are the usual spelling) ──
on('--no-masked-softmax-fusion', 'Disable masked softmax fusion.');
on('--no-bias-gelu-fusion', 'Disable bias-GeLU fusion.');
on('--no-bias-swiglu-fusion', 'Disable bias-SwiGLU fusion.');
on('--no-bias-dropout-fusion', 'Disable bias-dropout fusion.');
on('--no-rope-fusion', 'Disable RoPE fusion.');
on('--no-persist-layer-norm', 'Disable persistent LayerNorm.');
on('--no-gradient-accumulation-fusion', 'Disable gradient accumulation fusion.');
on('--no-async-tensor-model-parallel-allreduce', 'Disable async TP all-reduce.', {
  deprecated: {
    severity: 'hint',
    message: 'removed from Megatron-LM on 2026-01-29; older releases and forks (Seq1F1B) accept it',
  },
});

export const TRAINING_FLAGS: readonly FlagSpec[] = rows;
