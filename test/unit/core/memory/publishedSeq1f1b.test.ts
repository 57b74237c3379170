// Published Seq1F1B memory (seq1f1b.md §5) as tests: the repo's own figure and MindSpeed's stage-1 figures.
//
// The figure: thunlp/Seq1F1B picture/seq1f1b_memory.svg (HEAD 689346613f71; matplotlib, bars as paths), the
// README's "Memory usage comparison". Its values are read off the SVG geometry: each panel's y ticks 0 / 25 / 50 GB
// give the scale (2.7B panel: 0 → y 143.24, 50 → 87.89; 30B panel: 0 → 143.24, 25 → 114.44), each bar's height is its
// value. The repo logs torch.cuda.max_memory_reserved() in GiB per stage (seq1f1b.md §3.4), so these are reserved
// GiB; which stage is plotted is not said — we compare the worst stage, the figure we show.
// The runs: run.sh (bf16, flash attention, SP, distributed optimizer, rope, untied embeddings, dropout 0, GPT-2 BPE,
// micro-batch 1), exp.sh for the 30B (TP 8, PP 8, uniform_comp, k = 4, 16 microbatches), PP 8 / TP 1 for the 2.7B.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../../src/core/analyze';

const FIGURE = {
  '2.7B': { L: 32, h: 2560, heads: 32, tp: 1, nodes: 1, seq1f1b: { 16384: 29.8, 24576: 41.4, 32768: 53.1 } },
  '30B': { L: 64, h: 6144, heads: 64, tp: 8, nodes: 8, seq1f1b: { 32768: 37.6, 49152: 54.7, 65536: 67.5 } },
} as const;
// 1F1B bars where it did not run out of memory: 2.7B at 16k / 24k, 30B at 32k.
const FIGURE_1F1B = { '2.7B': { 16384: 51.4, 24576: 74.3 }, '30B': { 32768: 71.4 } } as const;

function script(model: keyof typeof FIGURE, seq: number, splits: number): string {
  const m = FIGURE[model];
  return [
    '# schedule-inspector: dialect=seq1f1b',
    `torchrun --nproc_per_node 8 --nnodes ${m.nodes} pretrain_gpt.py \\`,
    `  --tensor-model-parallel-size ${m.tp} --pipeline-model-parallel-size 8 \\`,
    `  --pipe-sp-strategy uniform_comp --pipe-sp-splits ${splits} \\`,
    `  --num-layers ${m.L} --hidden-size ${m.h} --num-attention-heads ${m.heads} \\`,
    `  --seq-length ${seq} --max-position-embeddings ${seq} --micro-batch-size 1 --global-batch-size 16 \\`,
    '  --train-iters 10 --lr 6e-5 --use-flash-attn --data-path d --vocab-file v.json --merge-file m.txt \\',
    '  --bf16 --position-embedding-type rope --untie-embeddings-and-output-weights --use-distributed-optimizer \\',
    '  --hidden-dropout 0 --attention-dropout 0 --sequence-parallel --no-async-tensor-model-parallel-allreduce',
    '',
  ].join('\n');
}

/** Worst stage's reserved peak (GiB) of the file's own schedule. */
function worstReserved(model: keyof typeof FIGURE, seq: number, splits: number): number {
  const r = analyze(script(model, seq, splits), { fileName: 'run.sh', gpuId: 'a100-80gb', scope: 'edit' });
  const e = r.selectedSchedule ? r.schedules[r.selectedSchedule] : undefined;
  assert.equal(r.selectedSchedule, splits > 1 ? 'seq1f1b' : '1f1b');
  assert.ok(e?.peakReservedGiBPerStage, `${model} ${seq}: no memory estimate`);
  return Math.max(...e.peakReservedGiBPerStage);
}

test('Seq1F1B figure, 2.7B on 8 GPUs (TP 1): Seq1F1B and 1F1B within 8 % of the published reserved GiB', () => {
  for (const [seq, published] of Object.entries(FIGURE['2.7B'].seq1f1b)) {
    const ours = worstReserved('2.7B', Number(seq), 4);
    assert.ok(
      Math.abs(ours / published - 1) <= 0.08,
      `Seq1F1B ${seq}: ours ${ours.toFixed(1)}, published ${published}`,
    );
  }
  for (const [seq, published] of Object.entries(FIGURE_1F1B['2.7B'])) {
    const ours = worstReserved('2.7B', Number(seq), 1);
    assert.ok(Math.abs(ours / published - 1) <= 0.08, `1F1B ${seq}: ours ${ours.toFixed(1)}, published ${published}`);
  }
  // The 32k 1F1B run is an "x" in the figure (out of memory on 80 GB): ours is over capacity too.
  assert.ok(worstReserved('2.7B', 32768, 1) > 80);
});

test('Seq1F1B figure, 30B on 64 GPUs (TP 8): ours is 8-15 % low, and the gap grows with the sequence (stated)', () => {
  // At TP 1 the same model of memory is within 7 %; at TP 8 the measured bars grow by 29.9 GiB from 32k to 64k
  // where ours grows by 24.5. Checked in the repo's code and counted already: the per-layer K/V cache of the prefix
  // and its dK/dV pair (megatron/model/transformer.py:54-63, :117-153), flash attention's saved q/k/v/out and fp32
  // log-sum-exp (:88-91), column-parallel layers saving only their sequence-sharded input and re-gathering it in
  // backward (megatron/core/tensor_parallel/layers.py:323-365), rotary tables in the parameter dtype. What is not
  // modelled and may explain it: the caching allocator's rounding of uniform_comp's four chunk sizes (we apply 7 %
  // of allocated throughout), and the one-layer transients of backward (the all-gathered input and the full-width
  // grad_input before the reduce-scatter, 2·x·h bytes each, layers.py:358-395).
  const ratios: number[] = [];
  for (const [seq, published] of Object.entries(FIGURE['30B'].seq1f1b)) {
    const ours = worstReserved('30B', Number(seq), 4);
    ratios.push(ours / published);
    assert.ok(ours < published && ours >= published * 0.84, `${seq}: ours ${ours.toFixed(1)}, published ${published}`);
  }
  const [r32, , r64] = ratios;
  assert.ok(r64! < r32!, 'the gap grows from 32k to 64k');
  const oneF1B = worstReserved('30B', 32768, 1);
  assert.ok(oneF1B < FIGURE_1F1B['30B'][32768] && oneF1B >= FIGURE_1F1B['30B'][32768] * 0.9);
  // 1F1B at 48k and 64k is an "x" (out of memory): ours too.
  assert.ok(worstReserved('30B', 49152, 1) > 80);
});

test('MindSpeed Seq1F1B stage-1 figures: the direction holds; the absolute figures are not comparable (stated)', () => {
  // MindSpeed's documentation (seq1f1b.md §5.2, Ascend NPUs, 16K tokens, 4 splits, "recomputation on"): Qwen3-4B
  // PP 8 TP 1 stage-1 memory 46,214 MB with 1F1B, 26,942 MB with Seq1F1B (−42 %); trimmed DeepSeek-V3 PP 4 TP 2
  // 31,122 → 24,539 MB (−21 %). Not comparable in absolute terms: NPU memory with MindSpeed's own kernels, the
  // recompute granularity, the placement of Qwen3-4B's 36 layers on 8 stages and the DeepSeek-V3 trim are not given.
  // What must hold is the direction on the stage-1 figure: Seq1F1B below 1F1B.
  const qwen = (splits: number): number => {
    const text = [
      'torchrun --nproc_per_node 8 pretrain_gpt.py --use-mcore-models --use-flash-attn --use-distributed-optimizer \\',
      '  --tensor-model-parallel-size 1 --pipeline-model-parallel-size 8 --num-layer-list 4,5,5,5,5,4,4,4 \\',
      '  --num-layers 36 --hidden-size 2560 --ffn-hidden-size 9728 --num-attention-heads 32 --kv-channels 128 \\',
      '  --group-query-attention --num-query-groups 8 --swiglu --normalization RMSNorm --disable-bias-linear \\',
      '  --position-embedding-type rope --padded-vocab-size 151936 --make-vocab-size-divisible-by 1 --bf16 \\',
      '  --seq-length 16384 --max-position-embeddings 16384 --micro-batch-size 1 --global-batch-size 64 \\',
      `  --hidden-dropout 0 --attention-dropout 0 --handler-name GeneralPretrainHandler --data-path d ${splits > 1 ? `--enable-seq1f1b --seq1f1b-splits ${splits}` : ''}`,
      '',
    ].join('\n');
    const r = analyze(text, { fileName: 'qwen3.sh', gpuId: 'a100-80gb', scope: 'edit' });
    const e = r.selectedSchedule ? r.schedules[r.selectedSchedule] : undefined;
    assert.ok(e?.peakReservedGiBPerStage);
    return e.peakReservedGiBPerStage[0]!;
  };
  const seq = qwen(4);
  const plain = qwen(1);
  assert.ok(seq < plain * 0.8, `stage 0: Seq1F1B ${seq.toFixed(1)} vs 1F1B ${plain.toFixed(1)}`);
});
