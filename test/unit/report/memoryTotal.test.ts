// Issue 13: the memory breakdown appears on every surface, with the same total everywhere the number appears — the
// code lens and status bar (present.ts), the oom-risk warning, the hover, the panel's stacked bars (the payload) and
// the CLI. The total is the worst stage's reserved peak, the number the OOM verdict compares with the GPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../src/core/analyze';
import { formatSummary, memoryBreakdownSummary } from '../../../src/report/text';
import { statusLine, summaryLine } from '../../../src/editor/present';
import { hoverMarkdown } from '../../../src/editor/hoverContent';
import { buildAnalysisMessage } from '../../../src/protocol/payload';

// Too big for one 80 GB GPU per stage, so the oom-risk warning names the total too: 13B-like, PP 2, no recompute.
const SCRIPT = [
  'export CUDA_DEVICE_MAX_CONNECTIONS=1',
  'torchrun --nproc_per_node 8 pretrain_gpt.py \\',
  '  --num-layers 40 --hidden-size 5120 --num-attention-heads 40 --seq-length 4096 --max-position-embeddings 4096 \\',
  '  --micro-batch-size 6 --global-batch-size 96 --tensor-model-parallel-size 4 --pipeline-model-parallel-size 2 \\',
  '  --bf16 --vocab-size 32000 --use-flash-attn',
  '',
].join('\n');

test('one total everywhere: lens, status bar, warning, hover, panel bars and CLI show the worst stage’s reserved peak', () => {
  const r = analyze(SCRIPT, { fileName: 'run.sh', gpuId: 'a100-80gb' });
  const e = r.selectedSchedule ? r.schedules[r.selectedSchedule] : undefined;
  assert.ok(e?.memoryBreakdownGiB && e.peakReservedGiBPerStage && e.memory);
  const reserved = Math.max(...e.peakReservedGiBPerStage);
  const shown = reserved.toFixed(1);
  // The breakdown adds up to reserved (overhead is reserved − allocated).
  const b = e.memoryBreakdownGiB;
  const sum =
    b.weights +
    b.grads +
    b.paramGather +
    b.gradBuckets +
    b.optimizer +
    b.activations +
    b.kvCache +
    b.logits +
    b.overhead;
  assert.ok(Math.abs(sum - reserved) < 1e-9, `breakdown ${sum} vs reserved ${reserved}`);
  assert.ok(memoryBreakdownSummary(b).endsWith(`= ${shown} GiB`));

  assert.match(summaryLine(r), new RegExp(`peak ${shown}/80 GiB`));
  assert.match(statusLine(r), new RegExp(`peak ${shown} GiB`));
  const oom = r.diagnostics.find((d) => d.code === 'oom-risk');
  assert.ok(oom, 'the run is over capacity');
  assert.match(oom.message, new RegExp(`needs ${shown} GiB`));
  const flag = r.flags.find((f) => f.flag === '--micro-batch-size');
  assert.ok(flag);
  // Markdown escapes punctuation; the text a user reads is without the backslashes.
  const hover = hoverMarkdown(r, flag, () => '').replace(/\\/g, '');
  assert.match(hover, new RegExp(`peak ${shown}/80 GiB`));
  assert.match(hover, new RegExp(`Memory at the peak: weights [\\d.]+ \\+ .*= ${shown} GiB reserved`));
  const msg = buildAnalysisMessage(r, { fileName: 'run.sh', overrides: {}, canApply: false, canWhatIf: false });
  const header = msg.header.schedules.find((s) => s.schedule === r.selectedSchedule);
  const bars = header?.stageBreakdownGiB;
  assert.ok(bars);
  const stacked = Math.max(...bars.map((stage) => Object.values(stage).reduce((x, y) => x + y, 0)));
  assert.equal(stacked.toFixed(1), shown);
  const cli = formatSummary('run.sh', r);
  assert.match(cli, new RegExp(`Memory {4}stage \\d at its peak: weights .*= ${shown} GiB reserved`));
  assert.match(cli, new RegExp(`▸ ${r.selectedSchedule}.* ${shown} OOM`));
});

// Megatron-FSDP (optim_grads_params, the default strategy): its all-gathered parameters and unsharded gradient
// buckets are their own terms on every surface, and the total is still the one reserved figure.
const FSDP_SCRIPT = [
  'export CUDA_DEVICE_MAX_CONNECTIONS=1',
  'torchrun --nproc_per_node 8 pretrain_gpt.py \\',
  '  --num-layers 32 --hidden-size 4096 --num-attention-heads 32 --seq-length 4096 --max-position-embeddings 4096 \\',
  '  --micro-batch-size 1 --global-batch-size 64 --use-megatron-fsdp --use-distributed-optimizer \\',
  '  --bf16 --vocab-size 32000 --use-flash-attn',
  '',
].join('\n');

test('sharding buffers: param all-gather and grad buckets are their own segments with the same total everywhere', () => {
  const r = analyze(FSDP_SCRIPT, { fileName: 'fsdp.sh', gpuId: 'a100-80gb' });
  const e = r.selectedSchedule ? r.schedules[r.selectedSchedule] : undefined;
  assert.ok(e?.memoryBreakdownGiB && e.peakReservedGiBPerStage && e.memory);
  const b = e.memoryBreakdownGiB;
  assert.ok(b.paramGather > 0.05 && b.gradBuckets > 0.05, JSON.stringify(b));
  const reserved = Math.max(...e.peakReservedGiBPerStage);
  const shown = reserved.toFixed(1);
  const sum = Object.values(b).reduce((x, y) => x + y, 0);
  assert.ok(Math.abs(sum - reserved) < 1e-9, `breakdown ${sum} vs reserved ${reserved}`);
  const summary = memoryBreakdownSummary(b);
  assert.match(summary, /param all-gather [\d.]+ \+ grad buckets [\d.]+ \+ optimizer/);
  assert.ok(summary.endsWith(`= ${shown} GiB`));
  const flag = r.flags.find((f) => f.flag === '--micro-batch-size');
  assert.ok(flag);
  const hover = hoverMarkdown(r, flag, () => '').replace(/\\/g, '');
  assert.match(hover, new RegExp(`param all-gather [\\d.]+ \\+ grad buckets .*= ${shown} GiB reserved`));
  const cli = formatSummary('fsdp.sh', r);
  assert.match(cli, new RegExp(`param all-gather [\\d.]+ \\+ grad buckets .*= ${shown} GiB reserved`));
  const msg = buildAnalysisMessage(r, { fileName: 'fsdp.sh', overrides: {}, canApply: false, canWhatIf: false });
  const bars = msg.header.schedules.find((s) => s.schedule === r.selectedSchedule)?.stageBreakdownGiB;
  assert.ok(bars && bars.every((stage) => stage['paramGather']! > 0 && stage['gradBuckets']! > 0));
  const stacked = Math.max(...bars.map((stage) => Object.values(stage).reduce((x, y) => x + y, 0)));
  assert.equal(stacked.toFixed(1), shown);
});
