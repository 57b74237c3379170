// Bytes per parameter from the precision flags, each through the flag table and RunConfig (a launch line is read),
// against Megatron-LM d98e8a64 and Transformer Engine d0067d0d. Derivations are written next to each expectation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';
import { resolveModelShape, type ModelShape } from '../../../../src/core/model/shape';
import { bytesPerParam, lowPrecisionWeightBytes } from '../../../../src/core/memory/precision';
import { staticMemoryPerRank } from '../../../../src/core/memory/static';

const BASE =
  'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 4 --hidden-size 1024 --num-attention-heads 16 ' +
  '--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --vocab-size 32000 ' +
  '--normalization RMSNorm --disable-bias-linear --position-embedding-type rope --swiglu';

function shapeOf(flags: string): ModelShape {
  const read = readLaunchConfig(`${BASE} ${flags}\n`, 'run.sh');
  const r = resolveModelShape(read.config);
  if (!r.ok) throw new Error(r.missing.join(', '));
  return r.shape;
}

const total = (b: { weight: number; grad: number; optimizer: number }): number => b.weight + b.grad + b.optimizer;

test("mixed precision as in Megatron's distributed-optimizer guide: bf16 18, fp16 20, fp32 16 bytes", () => {
  // bf16: 2 weight + 4 fp32 main grad + 12 (fp32 master + m + v); arguments.py:1204-1216 turns fp32 accumulation on.
  assert.deepEqual(bytesPerParam(shapeOf('--bf16')), { weight: 2, grad: 4, optimizer: 12 });
  // --grad-reduce-in-bf16 keeps 2-byte grads.
  assert.equal(bytesPerParam(shapeOf('--bf16 --grad-reduce-in-bf16')).grad, 2);
  // fp16: 2 + 2 + 16 (the optimizer also keeps an fp32 copy of the gradient).
  assert.equal(total(bytesPerParam(shapeOf('--fp16'))), 20);
  // fp16 with fp32 accumulation: the 4-byte gradient buffer is the main gradient itself, no extra copy: 2 + 4 + 12.
  assert.deepEqual(bytesPerParam(shapeOf('--fp16 --accumulate-allreduce-grads-in-fp32')), {
    weight: 2,
    grad: 4,
    optimizer: 12,
  });
  // fp32: no master copy: 4 + 4 + 8.
  assert.equal(total(bytesPerParam(shapeOf(''))), 16);
  // SGD keeps one momentum buffer: bf16 2 + 4 + (4 master + 4 momentum).
  assert.equal(bytesPerParam(shapeOf('--bf16 --optimizer sgd')).optimizer, 8);
});

test('precision-aware optimizer: dtypes of master weights, grads and moments; bf16 master stored as remainders', () => {
  // Defaults (all fp32) with bf16 weights: TE FusedAdam keeps only the 16-bit remainder of the fp32 master weight
  // (optimizer_config.py:192 store_param_remainders = True; distrib_optimizer.py:1007-1009: an int16 shard): 2 + 4 + 4.
  assert.deepEqual(bytesPerParam(shapeOf('--bf16 --use-precision-aware-optimizer')), {
    weight: 2,
    grad: 4,
    optimizer: 10,
  });
  // bf16 moments and bf16 main grads (arguments.py:1215: no fp32 accumulation then): 2 + 2 + (2 + 2 + 2).
  assert.deepEqual(
    bytesPerParam(
      shapeOf(
        '--bf16 --use-precision-aware-optimizer --main-grads-dtype bf16 --exp-avg-dtype bf16 --exp-avg-sq-dtype bf16',
      ),
    ),
    { weight: 2, grad: 2, optimizer: 6 },
  );
  // fp8 moments: 1 byte each.
  assert.equal(
    bytesPerParam(shapeOf('--bf16 --use-precision-aware-optimizer --exp-avg-dtype fp8 --exp-avg-sq-dtype fp8'))
      .optimizer,
    2 + 1 + 1,
  );
  // The dtypes alone do nothing without the switch (Megatron asserts fp32 then, optimizer_config.py:466-472).
  assert.equal(bytesPerParam(shapeOf('--bf16 --exp-avg-dtype bf16')).optimizer, 12);
  // A non-delayed FP8 recipe: Megatron keeps the fp32 master weights itself (optimizer_config.py:407-414): 4 + 4 + 4.
  assert.equal(
    bytesPerParam(shapeOf('--bf16 --use-precision-aware-optimizer --fp8-format e4m3 --fp8-recipe mxfp8')).optimizer,
    12,
  );
});

test('FP8 weights: cached row- and column-wise copies, or FP8 parameters alone with --fp8-param-gather', () => {
  // Megatron passes is_first_microbatch (extensions/transformer_engine.py:1338-1345), so TE caches the quantized
  // weight (module/linear.py:1958) in both usages for training (linear.py:465-470): bf16 2 + FP8 1 + 1.
  assert.equal(lowPrecisionWeightBytes(shapeOf('--bf16 --fp8-format hybrid')), 4);
  // MXFP8: an E8M0 scale per 32 values for each usage, on top of the bf16 parameter.
  assert.equal(lowPrecisionWeightBytes(shapeOf('--bf16 --fp8-format e4m3 --fp8-recipe mxfp8')), 2 + 2 * (1 + 1 / 32));
  // --fp8-param-gather: the parameter is the FP8 tensor (row-wise + its column-wise form), no bf16 copy.
  assert.equal(lowPrecisionWeightBytes(shapeOf('--bf16 --fp8-format hybrid --fp8-param-gather')), 2);
  // NVFP4: half a byte plus an E4M3 scale per 16 values, two usages.
  assert.equal(lowPrecisionWeightBytes(shapeOf('--bf16 --fp4-format e2m1')), 2 + 2 * (0.5 + 1 / 16));
  assert.equal(lowPrecisionWeightBytes(shapeOf('--bf16')), 2);
});

test('FP8 touches decoder linear weights only, and not the layers --first-last-layers-bf16 keeps in bf16', () => {
  const h = 1024;
  const f = Math.floor((8 * h) / 3 / 64) * 64; // Megatron's SwiGLU default width: 2688
  const linear = 4 * h * h + 3 * h * f; // Q, K, V, O + gate, up, down (no biases)
  const bf16 = staticMemoryPerRank(shapeOf('--bf16'), 1)[0]?.weightsBytes ?? 0;
  const fp8 = staticMemoryPerRank(shapeOf('--bf16 --fp8-format hybrid'), 1)[0]?.weightsBytes ?? 0;
  // Four layers' linear weights each gain 2 bytes; embeddings, output layer and norms do not.
  assert.equal(fp8 - bf16, 4 * linear * 2);
  const ends = staticMemoryPerRank(shapeOf('--bf16 --fp8-format hybrid --first-last-layers-bf16'), 1)[0];
  // --num-layers-at-start-in-bf16 and --num-layers-at-end-in-bf16 default to 1: two of the four layers stay bf16.
  assert.equal((ends?.weightsBytes ?? 0) - bf16, 2 * linear * 2);
});

test('optimizer CPU offload keeps 1 − fraction of the optimizer state on the GPU', () => {
  const on = staticMemoryPerRank(
    shapeOf('--bf16 --use-precision-aware-optimizer --optimizer-cpu-offload --optimizer-offload-fraction 0.75'),
    1,
  )[0];
  const off = staticMemoryPerRank(shapeOf('--bf16 --use-precision-aware-optimizer'), 1)[0];
  assert.ok(on && off);
  // With offload the optimizer still stores bf16 master remainders (optimizer_config.py:407-414 lists
  // optimizer_cpu_offload among those cases), so the GPU keeps 25 % of the same 10 bytes per parameter.
  assert.equal(on.optimizerBytes, off.optimizerBytes * 0.25);
  // The default fraction is 1.0 (arguments.py): everything on the CPU.
  const all = staticMemoryPerRank(shapeOf('--bf16 --use-precision-aware-optimizer --optimizer-cpu-offload'), 1)[0];
  assert.equal(all?.optimizerBytes, 0);
});
