// --qk-layernorm (issue 13): what the per-head norms of queries and keys keep for backward, derived by hand from
// Megatron-Core and Transformer Engine, through the launch line, and what it does to a published figure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../../src/core/analyze';
import { layerActivationBytes } from '../../../../src/core/memory/activations';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';
import { resolveModelShape, type ModelShape } from '../../../../src/core/model/shape';

const LINE =
  'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 4 --hidden-size 2048 --num-attention-heads 32 ' +
  '--group-query-attention --num-query-groups 4 --kv-channels 128 --seq-length 4096 --max-position-embeddings 4096 ' +
  '--micro-batch-size 1 --vocab-size 32000 --bf16 --swiglu --disable-bias-linear --position-embedding-type rope ' +
  '--hidden-dropout 0 --attention-dropout 0';

function shapeOf(flags: string): ModelShape {
  const read = readLaunchConfig(`${LINE} ${flags}\n`, 'run.sh');
  const r = resolveModelShape(read.config);
  if (!r.ok) throw new Error(r.missing.join(', '));
  return r.shape;
}

const layer = (shape: ModelShape, tokens: number): number =>
  layerActivationBytes(shape, false, tokens, tokens, { selective: false });

test('--qk-layernorm: the norms keep Q and a copy of K, plus fp32 statistics per head and token', () => {
  // Megatron-Core d98e8a64 attention.py:1913-1918 splits the grouped QKV output into views and reshapes the query
  // to [s, b, np, hn] — a copy whenever a rank holds more than one query group, since heads of one group are not
  // evenly strided across groups; :1932-1936 then runs q_layernorm(query) and k_layernorm(key). TENorm's RMSNorm
  // saves `input.contiguous()` (the query copy as is; a new contiguous copy of the key view) and the fp32
  // reciprocal std of every row it normalises (TransformerEngine d0067d0 ops/basic/rmsnorm.py:189, :209); LayerNorm
  // saves the mean as well (ops/basic/layer_norm.py:206, :228).
  // TP 2, 32 heads of 128 (hq 4096), 4 groups → per rank 16 query heads and 2 KV heads: Q input 2·16·128 = 4096 bytes
  // a token, K input 2·2·128 = 512, RMSNorm statistics 4·(16 + 2) = 72 → 4680 bytes a token.
  const tp2 = '--tensor-model-parallel-size 2 --normalization RMSNorm';
  const tokens = 4096;
  const extra = layer(shapeOf(`${tp2} --qk-layernorm`), tokens) - layer(shapeOf(tp2), tokens);
  assert.equal(extra, 4680 * tokens);
  // LayerNorm norms also keep the fp32 mean: 8·(16 + 2) = 144 → 4752 bytes a token.
  const ln = '--tensor-model-parallel-size 2';
  assert.equal(layer(shapeOf(`${ln} --qk-layernorm`), tokens) - layer(shapeOf(ln), tokens), 4752 * tokens);
  // TP 8 over 4 groups: one KV head per rank (of its group, attention.py:1855-1871), 4 query heads:
  // 2·4·128 + 2·1·128 + 4·(4 + 1) = 1300 bytes a token.
  const tp8 = '--tensor-model-parallel-size 8 --normalization RMSNorm';
  assert.equal(layer(shapeOf(`${tp8} --qk-layernorm`), tokens) - layer(shapeOf(tp8), tokens), 1300 * tokens);
});

test('--qk-layernorm is read from the launch line; MLA and the pre-2024 forks have no such norm', () => {
  assert.equal(shapeOf('--qk-layernorm').qkLayernorm, true);
  assert.equal(shapeOf('').qkLayernorm, false);
  // MLA's norms are on the q/kv latents, counted with MLA (multi_latent_attention.py), not per head.
  const mla =
    '--multi-latent-attention --q-lora-rank 1536 --kv-lora-rank 512 --qk-head-dim 128 --qk-pos-emb-head-dim 64 --v-head-dim 128';
  assert.equal(shapeOf(`${mla} --qk-layernorm`).qkLayernorm, false);
});

test('--qk-layernorm moves the estimate of a whole run: 48 layers of Qwen3-30B-A3B, 4096 tokens', () => {
  const qwen = [
    'torchrun --nproc_per_node 8 --nnodes 2 pretrain_gpt.py \\',
    '  --tensor-model-parallel-size 1 --pipeline-model-parallel-size 1 --expert-model-parallel-size 16 \\',
    '  --num-layers 48 --hidden-size 2048 --ffn-hidden-size 6144 --num-attention-heads 32 \\',
    '  --group-query-attention --num-query-groups 4 --kv-channels 128 --swiglu --normalization RMSNorm \\',
    '  --disable-bias-linear --position-embedding-type rope --vocab-size 151936 --num-experts 128 \\',
    '  --moe-router-topk 8 --moe-ffn-hidden-size 768 --moe-grouped-gemm --seq-length 4096 \\',
    '  --max-position-embeddings 4096 --micro-batch-size 1 --global-batch-size 1024 --bf16 \\',
    '  --use-distributed-optimizer --hidden-dropout 0 --attention-dropout 0 --train-iters 10 --lr 1e-4',
    '',
  ].join('\n');
  const peak = (text: string): number => {
    const r = analyze(text, { fileName: 'qwen.sh', gpuId: 'h100-80gb', scope: 'edit' });
    const e = r.selectedSchedule ? r.schedules[r.selectedSchedule] : undefined;
    assert.ok(e?.peakMemoryGiBPerStage);
    return Math.max(...e.peakMemoryGiBPerStage) * 2 ** 30;
  };
  // PP 1: the one microbatch in flight holds all 48 layers. Per token (TP 1): Q 2·4096 + K 2·512 + 4·(32 + 4) = 9360
  // bytes; 48 · 4096 · 9360 bytes = 1.71 GiB more.
  const moved = peak(qwen.replace('--kv-channels 128', '--kv-channels 128 --qk-layernorm')) - peak(qwen);
  assert.ok(Math.abs(moved - 48 * 4096 * 9360) < 1, `moved ${moved}`);
});
