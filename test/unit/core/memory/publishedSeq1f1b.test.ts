// Published Seq1F1B memory (seq1f1b.md §5) as tests: the repo's own figure and MindSpeed's stage-1 figures.
//
// The figure: thunlp/Seq1F1B picture/seq1f1b_memory.svg (HEAD 689346613f71; matplotlib, bars as paths), the
// README's "Memory usage comparison". Its values are read off the SVG geometry: each panel's y ticks 0 / 25 / 50 GB
// give the scale (2.7B panel: 0 → y 143.24, 50 → 87.89; 30B panel: 0 → 143.24, 25 → 114.44), each bar's height is its
// value. The repo logs torch.cuda.max_memory_reserved() in GiB per stage (training.py:54, seq1f1b.md §3.4), so these
// are reserved GiB; which stage is plotted is not said — we compare the worst stage, the figure we show. Torch's
// reserved counts the caching allocator's segments only; ours also holds the CUDA context and NCCL buffers (1.25 GiB
// at TP 1, 1.9 GiB at TP 8, overheads.ts), so on the allocator's part alone every ratio below is that much lower.
// Under Seq1F1B the reserved figure also holds what the caching allocator cannot reuse (fragmentation.ts).
// The runs: run.sh (bf16, flash attention, SP, distributed optimizer, rope, untied embeddings, dropout 0, GPT-2 BPE,
// micro-batch 1), exp.sh for the 30B (TP 8, PP 8, uniform_comp, k = 4, 16 microbatches), PP 8 / TP 1 for the 2.7B.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../../src/core/analyze';

// The figure's four series (legend order 1F1B, 1F1B-I, Seq1F1B, Seq1F1B-I; fills #b0a8b9, #4b4453, white hatch, grey
// hatch). Seq1F1B-I and 1F1B-I ran with --num-layers-per-virtual-pipeline-stage L/PP/2 (exp.sh sweeps VPP 2 and 4; the
// figure does not say which; v = 2 is the one within the tolerances below, v = 4 is 22 % lower at 64k).
const FIGURE = {
  '2.7B': {
    L: 32,
    h: 2560,
    heads: 32,
    tp: 1,
    nodes: 1,
    seq1f1b: { 16384: 29.85, 24576: 41.45, 32768: 53.1 },
    seq1f1bI: { 16384: 29.7, 24576: 41.9, 32768: 54.45 },
  },
  '30B': {
    L: 64,
    h: 6144,
    heads: 64,
    tp: 8,
    nodes: 8,
    seq1f1b: { 32768: 37.6, 49152: 54.7, 65536: 67.5 },
    seq1f1bI: { 32768: 38.65, 49152: 55.55, 65536: 66.9 },
  },
} as const;
// 1F1B bars where it did not run out of memory: 2.7B at 16k / 24k, 30B at 32k; 1F1B-I only 2.7B at 16k.
const FIGURE_1F1B = { '2.7B': { 16384: 51.4, 24576: 74.3 }, '30B': { 32768: 71.4 } } as const;
const FIGURE_1F1B_I_27B_16K = 70.95;

function script(model: keyof typeof FIGURE, seq: number, splits: number, vpp = 1): string {
  const m = FIGURE[model];
  return [
    '# schedule-inspector: dialect=seq1f1b',
    `torchrun --nproc_per_node 8 --nnodes ${m.nodes} pretrain_gpt.py \\`,
    `  --tensor-model-parallel-size ${m.tp} --pipeline-model-parallel-size 8 \\`,
    `  --pipe-sp-strategy ${splits > 1 ? 'uniform_comp' : 'average'} --pipe-sp-splits ${splits} \\`,
    ...(vpp > 1 ? [`  --num-layers-per-virtual-pipeline-stage ${m.L / 8 / vpp} \\`] : []),
    `  --num-layers ${m.L} --hidden-size ${m.h} --num-attention-heads ${m.heads} \\`,
    `  --seq-length ${seq} --max-position-embeddings ${seq} --micro-batch-size 1 --global-batch-size 16 \\`,
    '  --train-iters 10 --lr 6e-5 --use-flash-attn --data-path d --vocab-file v.json --merge-file m.txt \\',
    '  --bf16 --position-embedding-type rope --untie-embeddings-and-output-weights --use-distributed-optimizer \\',
    '  --hidden-dropout 0 --attention-dropout 0 --sequence-parallel --no-async-tensor-model-parallel-allreduce',
    '',
  ].join('\n');
}

/** Worst stage's reserved peak (GiB) of the file's own schedule. */
function worstReserved(model: keyof typeof FIGURE, seq: number, splits: number, vpp = 1): number {
  const r = analyze(script(model, seq, splits, vpp), { fileName: 'run.sh', gpuId: 'a100-80gb', scope: 'edit' });
  const e = r.selectedSchedule ? r.schedules[r.selectedSchedule] : undefined;
  const want = (splits > 1 ? 'seq1f1b' : '1f1b') + (vpp > 1 ? '-interleaved' : '');
  assert.equal(r.selectedSchedule, want);
  assert.ok(e?.peakReservedGiBPerStage, `${model} ${seq}: no memory estimate`);
  return Math.max(...e.peakReservedGiBPerStage);
}

const ratios = (model: keyof typeof FIGURE, series: 'seq1f1b' | 'seq1f1bI'): number[] =>
  Object.entries(FIGURE[model][series]).map(
    ([seq, published]) => worstReserved(model, Number(seq), 4, series === 'seq1f1bI' ? 2 : 1) / published,
  );

test('Seq1F1B figure, 2.7B on 8 GPUs (TP 1): 1F1B and 1F1B-I within 2.5 %, Seq1F1B within 5 %, Seq1F1B-I 10 %', () => {
  // The whole-microbatch schedules check what the layers keep: 32·h bytes per token per layer with flash attention,
  // dropout 0 and micro-batch 1 (activations.ts; the b = 1 attention output is one tensor, transformer.py:513-515),
  // plus the fork's four bf16 rotary tables per layer, 8·d = 640 bytes per token (+0.8 %, legacyModelCode.test.ts),
  // plus 7 % allocator overhead. Ours: +2.0 % and −0.4 % (1F1B), +0.5 % (1F1B-I).
  for (const [seq, published] of Object.entries(FIGURE_1F1B['2.7B'])) {
    const ours = worstReserved('2.7B', Number(seq), 1);
    assert.ok(Math.abs(ours / published - 1) <= 0.025, `1F1B ${seq}: ours ${ours.toFixed(1)}, published ${published}`);
  }
  const interleaved = worstReserved('2.7B', 16384, 1, 2);
  assert.ok(Math.abs(interleaved / FIGURE_1F1B_I_27B_16K - 1) <= 0.025, `1F1B-I 16k: ours ${interleaved.toFixed(1)}`);
  // The 32k 1F1B run is an "x" in the figure (out of memory on 80 GB): ours is over capacity too.
  assert.ok(worstReserved('2.7B', 32768, 1) > 80);
  // The Seq1F1B schedules add the caching allocator's replay (fragmentation.ts; below): Seq1F1B +3.0 / +3.5 / +1.0 %,
  // Seq1F1B-I +8.7 / +5.6 / +3.6 %.
  for (const r of ratios('2.7B', 'seq1f1b')) assert.ok(Math.abs(r - 1) <= 0.05, `Seq1F1B: ${r.toFixed(3)}`);
  for (const r of ratios('2.7B', 'seq1f1bI')) assert.ok(Math.abs(r - 1) <= 0.1, `Seq1F1B-I: ${r.toFixed(3)}`);
});

test("Seq1F1B figure, 30B at TP 8: 1F1B within 7 % once the fork's embedding view and rotary tables count", () => {
  // The accounting that gives the 2.7B 1F1B bars was 12.9 % under the 30B 1F1B bar (62.2 against 71.4 GiB). Two
  // things the fork keeps at TP 8 and not at TP 1 (legacyModelCode.test.ts derives both):
  // - the embedding output behind its SP shard: the scatter's shard is a view of the whole [s, b, h] output
  //   (core/tensor_parallel/mappings.py:64, model/language_model.py:246-249) and the first layer keeps it, so stage 0
  //   holds 2·h·(1 − 1/t) more bytes per token of each microbatch in flight: 8 · 32768 · 6144 · 2 · 7/8 = 2.63 GiB;
  // - four bf16 rotary tables per layer (transformer.py:847-848, rotary_pos_embedding.py:51):
  //   8·d = 768 bytes per token per layer whatever t, +3.1 % of the layers' 24,576 at TP 8 (+0.8 % at TP 1): 1.50 GiB.
  // With the 7 % allocator term that is 62.2 + 4.4 = 66.6 GiB: −6.8 %.
  const oneF1B = worstReserved('30B', 32768, 1);
  const published = FIGURE_1F1B['30B'][32768];
  assert.ok(Math.abs(oneF1B / published - 1) <= 0.07, `ours ${oneF1B.toFixed(1)}`);
  // 1F1B at 48k and 64k is an "x" (out of memory): ours too.
  assert.ok(worstReserved('30B', 49152, 1) > 80);
});

test('Seq1F1B figure at TP 8 within 6 %: what the caching allocator reserves beyond allocated (stated)', () => {
  // Ours at TP 8: Seq1F1B +1.4 / −4.0 / −2.3 %, Seq1F1B-I +4.4 / +1.5 / +5.5 %.
  for (const r of ratios('30B', 'seq1f1b')) assert.ok(Math.abs(r - 1) <= 0.06, `30B Seq1F1B: ${r.toFixed(3)}`);
  for (const r of ratios('30B', 'seq1f1bI')) assert.ok(Math.abs(r - 1) <= 0.06, `30B Seq1F1B-I: ${r.toFixed(3)}`);
  // What closed the gap. With allocated · 1.07 + the non-PyTorch part alone, the non-interleaved bars were −6.4 /
  // −9.1 / −10.4 % at TP 1 and −8.0 / −14.1 / −11.7 % at TP 8, while the bars equal the Seq1F1B-I ones within 3 %
  // although Seq1F1B-I keeps more units in flight on rank 0 ((v−1)p + 2(p−1) + k = 26 chunks of 1/(k·v) against
  // p + k − 1 = 11 of 1/k: +18 % of the layers' activations, seq1f1b.md §3.2). Read in the fork at 6893466 and
  // counted, and so not the gap: the per-layer K/V prefix cache (transformer.py:54-63) and the dK/dV pair (:117-153),
  // flash attention's saved q/k/v/out and fp32 log-sum-exp (:93-95), the column-parallel layers' sequence-sharded
  // saved inputs with the all-gather in a global buffer (megatron/core/tensor_parallel/layers.py:323-339) re-gathered
  // in backward (:353-395), the row-parallel outputs reduce-scattered into new tensors (transients), no s×s mask
  // (megatron/utils.py:150-153), the chunk's tokens sliced as views of the sample (pretrain_gpt.py get_batch_sp),
  // pseudo-freed stage outputs (schedules.py:1097, :1277) and 11 units on rank 0 (:1176-1182). A TorchScript mask of
  // the bias-dropout-add at dropout 0 (transformer.py:897-902) would put the TP 1 1F1B bars 5-7 % over.
  // What it is: the caching allocator under Seq1F1B's sizes. The FLOP-balanced split makes chunk 0 the longest
  // (32k: 11,080 / 8,408 / 7,064 / 6,216 tokens), each chunk's torch.cat makes a longer prefix tensor per layer and
  // frees the shorter one, and backward makes dK/dV pairs that shrink chunk by chunk: freed blocks rarely fit the
  // next request, and best fit splits them and cudaMallocs beside them (allocator.test.ts derives the prefix case by
  // hand). Replaying stage 0's allocations and frees in the simulated order through the allocator's rules
  // (fragmentation.ts) gives reserved − allocated of 2.8 / 5.2 / 6.1 GiB (2.7B Seq1F1B), 3.5 / 5.5 / 6.4 GiB (30B
  // Seq1F1B), 2.5 / 3.9 / 5.5 and 2.8 / 5.2 / 5.6 GiB (Seq1F1B-I), and ≤ 0.3 GiB for 1F1B, whose sizes repeat every
  // microbatch (not replayed). Measured while building it, on all 16 microbatches with the temporaries below: equal
  // chunks without a prefix cache give 0.01-0.24 GiB; equal chunks with the cache 0.6-3.2 GiB; the real split
  // without the cache 0.5-5.0 GiB — both effects count. Adding the layers' temporaries the replay leaves out (the
  // QKV output before the copies, row-parallel outputs before their reduce-scatter, the backward's gradients, the
  // embedding's dense weight gradient) changed the extra by −2.4 … +0.8 GiB and kept every bar within 10 % (30B
  // Seq1F1B 48k: −5.2 % with them); the replay keeps to what the activation model counts.
  const stage0 = (model: keyof typeof FIGURE, seq: number): { allocated: number; reserved: number } => {
    const r = analyze(script(model, seq, 4), { fileName: 'run.sh', gpuId: 'a100-80gb', scope: 'edit' });
    const m = r.schedules.seq1f1b?.memory?.[0];
    assert.ok(m);
    return { allocated: m.peakBytes / 2 ** 30, reserved: m.peakReservedBytes / 2 ** 30 };
  };
  // 30B at 48k: 42.15 GiB allocated; · 1.07 + 1.9 GiB non-PyTorch = 47.0; the replay's 5.5 GiB makes it 52.5.
  const { allocated, reserved } = stage0('30B', 49152);
  const replayed = reserved - (allocated * 1.07 + 1.9);
  assert.ok(replayed > 4.5 && replayed < 6.5, `replayed ${replayed.toFixed(2)} GiB`);
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
