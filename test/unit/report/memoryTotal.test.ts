// Issue 13: the memory breakdown appears on every surface, with the same total everywhere the number appears — the
// code lens and status bar (present.ts), the oom-risk warning, the hover, the panel's stacked bars (the payload) and
// the CLI. The total is the worst stage's reserved peak, the number the OOM verdict compares with the GPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { repoPath } from '../../support/paths';
import { analyze } from '../../../src/core/analyze';
import { formatSummary, memoryBreakdownSummary } from '../../../src/report/text';
import { statusLine, summaryLine } from '../../../src/editor/present';
import { hoverMarkdown } from '../../../src/editor/hoverContent';
import { buildAnalysisMessage } from '../../../src/protocol/payload';
import { toJson } from '../../../src/report/json';

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
  // The breakdown adds up to reserved: reserved − allocated is the allocator cache plus the non-PyTorch memory.
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
    b.fragmentation +
    b.overhead;
  assert.ok(Math.abs(sum - reserved) < 1e-9, `breakdown ${sum} vs reserved ${reserved}`);
  // Both are there (a 1F1B run: the cache is allocated × 7 %; TP 4 and PP 2 groups and the CUDA context outside).
  assert.ok(b.fragmentation > 1 && b.overhead > 1, JSON.stringify(b));
  assert.ok(memoryBreakdownSummary(b).endsWith(`= ${shown} GiB`));
  // The two terms by name, in the order the panel stacks them, then the total (the hover and the CLI print this).
  const tail = `allocator cache ${b.fragmentation.toFixed(1)} \\+ non-PyTorch \\(CUDA, NCCL\\) ${b.overhead.toFixed(1)} = ${shown} GiB reserved`;

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
  assert.match(hover, new RegExp(tail));
  const msg = buildAnalysisMessage(r, { fileName: 'run.sh', overrides: {}, canApply: false, canWhatIf: false });
  const header = msg.header.schedules.find((s) => s.schedule === r.selectedSchedule);
  const bars = header?.stageBreakdownGiB;
  assert.ok(bars);
  const stacked = Math.max(...bars.map((stage) => Object.values(stage).reduce((x, y) => x + y, 0)));
  assert.equal(stacked.toFixed(1), shown);
  // Every stage's bar has both segments, each the stage's own term.
  bars.forEach((stage, i) => {
    const own = e.memory![i]!.breakdownBytes;
    assert.ok(Math.abs(stage['fragmentation']! - own.fragmentation / 2 ** 30) < 1e-12, `stage ${i} cache`);
    assert.ok(Math.abs(stage['overhead']! - own.overhead / 2 ** 30) < 1e-12, `stage ${i} non-PyTorch`);
  });
  const cli = formatSummary('run.sh', r);
  assert.match(cli, new RegExp(`Memory {4}stage \\d at its peak: weights .*= ${shown} GiB reserved`));
  assert.match(cli, new RegExp(tail));
  assert.match(cli, new RegExp(`▸ ${r.selectedSchedule}.* ${shown} OOM`));
  // The CLI's JSON: both keys, summing with the rest to the reserved peak.
  const json = JSON.parse(JSON.stringify(toJson('run.sh', r))) as {
    schedules: Record<string, { memoryBreakdownGiB: Record<string, number>; peakReservedGiBPerStage: number[] }>;
  };
  const j = json.schedules[r.selectedSchedule!]!;
  assert.equal(j.memoryBreakdownGiB['fragmentation'], b.fragmentation);
  assert.equal(j.memoryBreakdownGiB['overhead'], b.overhead);
  const jsonSum = Object.values(j.memoryBreakdownGiB).reduce((x, y) => x + y, 0);
  assert.ok(Math.abs(jsonSum - Math.max(...j.peakReservedGiBPerStage)) < 1e-9);
});

// Seq1F1B: the allocator replay's excess (memory/fragmentation.ts) is in the allocator cache on every surface, not in
// the non-PyTorch term: the cache is well above the 7 % of allocated that 1F1B shows.
test('Seq1F1B: the allocator cache carries the replay’s excess on every surface, with the same total', () => {
  const text = readFileSync(repoPath('media/examples/seq1f1b-30b-64k.sh'), 'utf8');
  const r = analyze(text, { fileName: 'seq1f1b-30b-64k.sh', gpuId: 'a100-80gb' });
  const e = r.selectedSchedule ? r.schedules[r.selectedSchedule] : undefined;
  assert.ok(e?.memoryBreakdownGiB && e.peakReservedGiBPerStage && e.peakMemoryGiBPerStage && e.memory);
  const b = e.memoryBreakdownGiB;
  const reserved = Math.max(...e.peakReservedGiBPerStage);
  const stage = e.peakReservedGiBPerStage.indexOf(reserved);
  const allocated = e.peakMemoryGiBPerStage[stage]!;
  assert.ok(b.fragmentation > allocated * 0.07 + 1, `cache ${b.fragmentation} GiB on ${allocated} GiB allocated`);
  // Outside PyTorch: the CUDA context and the groups' NCCL buffers only, the same on every stage.
  assert.ok(
    b.overhead < 3 && e.memory.every((m) => m.breakdownBytes.overhead === e.memory![0]!.breakdownBytes.overhead),
  );
  const shown = reserved.toFixed(1);
  const tail = `allocator cache ${b.fragmentation.toFixed(1)} \\+ non-PyTorch \\(CUDA, NCCL\\) ${b.overhead.toFixed(1)} = ${shown} GiB reserved`;
  assert.match(formatSummary('seq1f1b-30b-64k.sh', r), new RegExp(tail));
  const flag = r.flags.find((f) => f.flag === '--micro-batch-size');
  assert.ok(flag);
  assert.match(hoverMarkdown(r, flag, () => '').replace(/\\/g, ''), new RegExp(tail));
  assert.match(statusLine(r), new RegExp(`peak ${shown} GiB`));
  const msg = buildAnalysisMessage(r, { fileName: 'x.sh', overrides: {}, canApply: false, canWhatIf: false });
  const bars = msg.header.schedules.find((s) => s.schedule === r.selectedSchedule)?.stageBreakdownGiB;
  assert.ok(bars);
  assert.equal(bars[stage]!['fragmentation'], b.fragmentation);
  assert.equal(
    Object.values(bars[stage]!)
      .reduce((x, y) => x + y, 0)
      .toFixed(1),
    shown,
  );
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
