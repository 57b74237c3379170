// Published per-GPU memory of NVIDIA's recipes (issue 13): one figure per family — MoE, FP8, FSDP — with the source,
// the tolerance and, where the figure cannot be compared, why. Megatron-Bridge logs memory in GB of 10^9 bytes
// (src/megatron/bridge/training/utils/train_utils.py:1195-1211 at 067f987d: memory_stats / 1.0e9, five significant
// digits), so the figures are converted to GiB here; "peak" is torch's allocated_bytes.all.peak (:171).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../../src/core/analyze';
import { layerLayout } from '../../../../src/core/model/layout';
import { localParamsPerRank } from '../../../../src/core/model/params';
import { resolveModelShape } from '../../../../src/core/model/shape';

const GiB = 2 ** 30;
const GB = 1e9;

function run(text: string) {
  const r = analyze(text, { fileName: 'recipe.sh', gpuId: 'h100-80gb', scope: 'edit' });
  const e = r.selectedSchedule ? r.schedules[r.selectedSchedule] : undefined;
  assert.ok(e?.memory && e.peakMemoryGiBPerStage, 'no memory estimate');
  const allocated = Math.max(...e.peakMemoryGiBPerStage);
  return { r, allocated, stage: e.peakMemoryGiBPerStage.indexOf(allocated) };
}

// ── MoE: Qwen3-30B-A3B on 16 H100, BF16, EP 16 ──
// Recipe: src/megatron/bridge/recipes/qwen/h100/qwen3_moe.py:146-213 (TP 1, PP 1, EP 16, expert TP 1, seq 4096,
// micro-batch 1, no recompute, distributed + precision-aware optimizer with fp32 state, bf16 gradient reduce).
// Figure: docs/training/moe-optimization.md:319-326 — a five-step smoke run with the alltoall dispatcher: "61.351 GB
// peak max allocated memory".
const QWEN3_30B = [
  'torchrun --nproc_per_node 8 --nnodes 2 pretrain_gpt.py \\',
  '  --tensor-model-parallel-size 1 --pipeline-model-parallel-size 1 --expert-model-parallel-size 16 \\',
  '  --expert-tensor-parallel-size 1 --num-layers 48 --hidden-size 2048 --ffn-hidden-size 6144 \\',
  '  --num-attention-heads 32 --group-query-attention --num-query-groups 4 --kv-channels 128 --qk-layernorm \\',
  '  --swiglu --normalization RMSNorm --disable-bias-linear --position-embedding-type rope \\',
  '  --untie-embeddings-and-output-weights --vocab-size 151936 --num-experts 128 --moe-router-topk 8 \\',
  '  --moe-ffn-hidden-size 768 --moe-token-dispatcher-type alltoall --moe-grouped-gemm \\',
  '  --seq-length 4096 --max-position-embeddings 4096 --micro-batch-size 1 --global-batch-size 1024 \\',
  '  --bf16 --use-distributed-optimizer --use-precision-aware-optimizer --grad-reduce-in-bf16 \\',
  '  --main-grads-dtype fp32 --hidden-dropout 0 --attention-dropout 0 --train-iters 100 --lr 3e-4 \\',
  // The smoke run kept the recipe's Transformer Engine graphs over the router and MoE preprocess
  // (docs/training/moe-optimization.md:319-322; qwen3_moe.py cuda_graph_impl / cuda_graph_scope).
  '  --cuda-graph-impl transformer_engine --cuda-graph-modules moe_router moe_preprocess',
  '',
].join('\n');

/** The `not-modelled` hints of a file, as the flags they stand on. */
function hintedFlags(r: ReturnType<typeof analyze>): string[] {
  return r.diagnostics
    .filter((d) => d.code === 'not-modelled')
    .map((d) => /^(--[a-z0-9-]+)/.exec(d.message)?.[1] ?? d.message)
    .sort();
}

test('MoE: Qwen3-30B-A3B EP 16 on H100 — allocated peak within 5 % of the published 61.351 GB', () => {
  const published = (61.351 * GB) / GiB; // 57.14 GiB
  const { r, allocated } = run(QWEN3_30B);
  // The source states max allocated, so the 5 % applies. Ours is 4 % under (54.7 GiB; 53.0 before
  // --qk-layernorm's saved norm inputs were counted, 7 % under). Still not modelled, and both add memory in that run:
  // the Transformer Engine CUDA graphs over moe_router and moe_preprocess (static buffers, "typically a few
  // gigabytes", docs/performance-guide.md:301; hinted on the flags' own line below) and routing imbalance (the smoke
  // run did not force load balancing; we assume perfectly balanced experts).
  assert.ok(Math.abs(allocated / published - 1) <= 0.05, `ours ${allocated.toFixed(1)} GiB, published ${published}`);
  assert.ok(allocated < published);
  // What the estimate leaves out is said on the flags' own lines, so the user reads the gap's cause.
  assert.deepEqual(hintedFlags(r), ['--cuda-graph-impl', '--cuda-graph-modules']);
});

// ── FP8: Llama 3 70B SFT on 32 H100, FP8 current scaling ──
// Recipe: src/megatron/bridge/perf_recipes/llama/h100/llama3.py:343-366 (TP 4, PP 4, VP 5, SP, micro-batch 1,
// GBS 32, seq 4096, distributed optimizer, bf16 gradient reduce); _perf_precision("fp8_cs")
// (perf_recipes/_common.py:110-112) = mixed_precision.py:284-302 (hybrid, tensorwise, fp8_param_gather) with
// first_last_layers_bf16 off. Figures: skills/nemo-mbridge-perf-memory-tuning/SKILL.md:176-190, peak memory 58.8 GB
// (TP 4 PP 4 VP 5 DP 2), 53.2 GB (TP 4 PP 8 VP 5 DP 1), 50.2 GB (TP 8 PP 4 VP 5 DP 1).
function llama70b(tp: number, pp: number): string {
  return [
    'torchrun --nproc_per_node 8 --nnodes 4 pretrain_gpt.py \\',
    `  --tensor-model-parallel-size ${tp} --pipeline-model-parallel-size ${pp} \\`,
    `  --num-layers-per-virtual-pipeline-stage ${80 / pp / 5} --sequence-parallel \\`,
    '  --num-layers 80 --hidden-size 8192 --ffn-hidden-size 28672 --num-attention-heads 64 \\',
    '  --group-query-attention --num-query-groups 8 --swiglu --normalization RMSNorm --disable-bias-linear \\',
    '  --position-embedding-type rope --untie-embeddings-and-output-weights --vocab-size 128256 \\',
    '  --seq-length 4096 --max-position-embeddings 8192 --micro-batch-size 1 --global-batch-size 32 \\',
    '  --bf16 --fp8-format hybrid --fp8-recipe tensorwise --fp8-param-gather --use-distributed-optimizer \\',
    '  --grad-reduce-in-bf16 --hidden-dropout 0 --attention-dropout 0 --train-iters 100 --lr 5e-6 \\',
    // The recipe's TE graphs over the dense MLP and TP communication overlap (llama3.py:360-366).
    '  --cuda-graph-impl transformer_engine --cuda-graph-modules mlp --tp-comm-overlap',
    '',
  ].join('\n');
}

test('FP8: Llama 3 70B FP8-CS on H100 — the three layouts within 12 % and in the published order', () => {
  const rows = [
    { tp: 4, pp: 4, publishedGB: 58.8 },
    { tp: 4, pp: 8, publishedGB: 53.2 },
    { tp: 8, pp: 4, publishedGB: 50.2 },
  ];
  const ours = rows.map(({ tp, pp, publishedGB }) => {
    const { r, allocated, stage } = run(llama70b(tp, pp));
    // --tp-comm-overlap's userbuffers are counted (reserved, not allocated); the CUDA graphs are said to be left out.
    assert.deepEqual(hintedFlags(r), ['--cuda-graph-impl', '--cuda-graph-modules']);
    // The recipe sets disable_parameter_transpose_cache (llama3.py:350), a TransformerConfig field with no
    // Megatron-LM flag (arguments.py:2340 copies it from the config): TE then keeps no column-wise FP8 copy of the
    // weights between microbatches (transformer_engine.py:1339: is_first_microbatch = None), one byte per FP8
    // parameter less than the launch file alone tells us.
    const resolved = resolveModelShape(r.config);
    assert.ok(resolved.ok);
    const fp8Params = localParamsPerRank(resolved.shape, layerLayout(resolved.shape, 5))[stage]!.lowPrecisionDense;
    const corrected = allocated - fp8Params / GiB;
    const published = (publishedGB * GB) / GiB;
    // Not modelled: the recipe's TE CUDA graphs over "mlp" (static buffers per captured layer) and the
    // --tp-comm-overlap userbuffers; the published 58.8 GB run also failed on fragmentation, which allocated
    // memory does not show. Ours is 8-11 % high on TP 4 and 10 % low on TP 8.
    assert.ok(
      Math.abs(corrected / published - 1) <= 0.12,
      `TP ${tp} PP ${pp}: ours ${corrected.toFixed(1)} GiB, published ${published.toFixed(1)}`,
    );
    return corrected;
  });
  assert.ok(ours[0]! > ours[1]! && ours[1]! > ours[2]!, `order ${ours.map((x) => x.toFixed(1)).join(' > ')}`);
});

test('FSDP: the public figure found cannot be compared (stated)', () => {
  // NVIDIA/Megatron-LM issue #2772 (2025-12-29): Qwen3-30B-A3B on 32 H800, max reserved 45,552 MB with EP 8 and
  // 55,638 MB with EP 8 + Megatron-FSDP. Not a test: the copy of the thread we could read truncates the launch
  // arguments (micro-batch, recompute and sharding strategy are not visible), and the maintainers treated the
  // FSDP+EP excess as a bug (double sharding of EP-owned experts, PR #2833), so the figure is not the design's
  // memory. Megatron-Bridge's own estimator is a formula, not a measurement (docs/training/memory-estimator.md).
  // What we can check without it: Megatron-FSDP on the same EP 8 run shards weights and gradients and adds its
  // gather and bucket buffers, each visible as its own term (memoryTotal.test.ts checks the surfaces).
  const ep8 = QWEN3_30B.replace('--nnodes 2', '--nnodes 4').replace(
    '--expert-model-parallel-size 16',
    '--expert-model-parallel-size 8',
  );
  const plain = run(ep8);
  const fsdp = run(ep8.replace('--use-distributed-optimizer', '--use-distributed-optimizer --use-megatron-fsdp'));
  const b = fsdp.r.schedules[fsdp.r.selectedSchedule!]!.memoryBreakdownGiB!;
  assert.ok(b.paramGather > 0 && b.gradBuckets > 0);
  assert.ok(fsdp.allocated < plain.allocated);
});

// ── MoE + MLA: Moonlight 16B on 8 H100, BF16, TP 2, EP 8, with selective recompute modules ──
// Recipe: src/megatron/bridge/recipes/moonlight/h100/moonlight_16b.py:157-290 (TP 2, PP 1, EP 8, expert TP 1, SP,
// seq 4096, micro-batch 1, alltoall with permute fusion, distributed + precision-aware optimizer with bf16 main grads
// and moments); the architecture as slime's scripts/models/moonlight.sh writes it as Megatron flags (27 layers, the
// first dense, MLA with kv-lora 512, 64 experts top-6, two shared experts). Figures:
// skills/nemo-mbridge-perf-activation-recompute/SKILL.md:106-126 (GBS 4, mock data; "Peak allocated memory is the
// maximum post-optimizer value reported after iteration 2"), one row per --recompute-modules setting.
function moonlight(recompute: string): string {
  return [
    'torchrun --nproc_per_node 8 pretrain_gpt.py \\',
    '  --tensor-model-parallel-size 2 --pipeline-model-parallel-size 1 --expert-model-parallel-size 8 \\',
    '  --expert-tensor-parallel-size 1 --sequence-parallel --num-layers 27 --hidden-size 2048 \\',
    '  --ffn-hidden-size 11264 --num-attention-heads 16 --kv-channels 128 --normalization RMSNorm \\',
    '  --position-embedding-type rope --swiglu --untie-embeddings-and-output-weights --disable-bias-linear \\',
    '  --vocab-size 163840 --multi-latent-attention --kv-lora-rank 512 --qk-head-dim 128 \\',
    '  --qk-pos-emb-head-dim 64 --v-head-dim 128 --qk-layernorm --num-experts 64 \\',
    "  --moe-layer-freq '[0]+[1]*26' --moe-ffn-hidden-size 1408 --moe-router-topk 6 \\",
    '  --moe-shared-expert-intermediate-size 2816 --moe-router-score-function sigmoid \\',
    '  --moe-router-enable-expert-bias --moe-token-dispatcher-type alltoall --moe-grouped-gemm \\',
    '  --moe-permute-fusion --seq-length 4096 --max-position-embeddings 8192 --micro-batch-size 1 \\',
    '  --global-batch-size 4 --bf16 --use-distributed-optimizer --overlap-grad-reduce --overlap-param-gather \\',
    '  --use-precision-aware-optimizer --main-grads-dtype bf16 --exp-avg-dtype bf16 --exp-avg-sq-dtype bf16 \\',
    `  --hidden-dropout 0 --attention-dropout 0 --train-iters 20 --lr 1e-4 ${recompute}`,
    '',
  ].join('\n');
}

test('MoE + MLA: Moonlight 16B — selective recompute moves the allocated peak as measured; the level is 13 % under (stated)', () => {
  const gb = (modules: string): number => {
    const flags = modules ? `--recompute-granularity selective --recompute-modules ${modules}` : '';
    return (run(moonlight(flags)).allocated * GiB) / GB;
  };
  const control = gb('');
  // core_attn recomputes nothing that fused attention keeps (no scores): published -0.01 %.
  assert.ok(Math.abs(gb('core_attn') / control - 1) < 0.001);
  // mla_up_proj frees the up-projected Q, K, V (published -0.716 GB), moe_act the experts' activation outputs
  // (published -0.677 GB). Ours: -0.91 and -0.90 GB, each within 0.25 GB.
  assert.ok(Math.abs(gb('mla_up_proj') - control - -0.716) < 0.25, `mla_up_proj ${gb('mla_up_proj') - control}`);
  assert.ok(Math.abs(gb('moe_act') - control - -0.677) < 0.25, `moe_act ${gb('moe_act') - control}`);
  // The level: ours 31.7 GB against 36.618, 13.5 % under — outside the 5 % and not explained. Static memory
  // is 22.4 GB of it (weights and bf16 grads 2.6 B local parameters each, optimizer 6 bytes a parameter sharded as
  // the distributed optimizer does) and the run's activations would have to be ~1.7× ours. The published deltas are
  // also ~75 % of ours and `layernorm` saved nothing there (ours: -0.45 GB), which says the run peaks where part of
  // the activations are already freed, with a transient we do not model (candidates: the alltoall dispatcher's
  // backward buffers, TE's fused cross entropy). Pinned so a change that moves it is seen.
  assert.ok(control / 36.618 - 1 > -0.15 && control < 36.618, `control ${control.toFixed(2)} GB`);
});
