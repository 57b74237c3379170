// An inference launch's memory (issue 13): the weights per GPU, and "not assessed" with the reason for the K/V cache
// and one batch's activations — never a training estimate or a training OOM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../../src/core/analyze';
import { formatSummary } from '../../../../src/report/text';
import { toJson } from '../../../../src/report/json';
import { hoverMarkdown } from '../../../../src/editor/hoverContent';

const GiB = 2 ** 30;

// Llama-2-70B-like shape on Megatron-LM's text generation server: TP 2 × PP 2 on 4 GPUs, bf16.
const SERVER = [
  'torchrun --nproc_per_node 4 tools/run_text_generation_server.py \\',
  '  --tensor-model-parallel-size 2 --pipeline-model-parallel-size 2 \\',
  '  --num-layers 80 --hidden-size 8192 --ffn-hidden-size 28672 --num-attention-heads 64 \\',
  '  --group-query-attention --num-query-groups 8 --swiglu --normalization RMSNorm --disable-bias-linear \\',
  '  --position-embedding-type rope --untie-embeddings-and-output-weights --vocab-size 32000 \\',
  '  --seq-length 4096 --max-position-embeddings 4096 --micro-batch-size 1 --bf16 --load /ckpt',
  '',
].join('\n');

test('inference: the heaviest stage’s weights per GPU, by hand; no schedule, no OOM verdict', () => {
  const r = analyze(SERVER, { fileName: 'serve.sh', gpuId: 'a100-80gb' });
  assert.equal(r.scriptKind?.id, 'inference');
  assert.deepEqual(r.schedules, {});
  assert.ok(!r.diagnostics.some((d) => d.code === 'oom-risk'));
  const m = r.inferenceMemory;
  assert.ok(m);
  // One layer: Q and O 2h², K and V 2·h·(g·d) with d = 128, SwiGLU MLP 3·h·f, two RMSNorm weights 2h.
  const h = 8192;
  const layer = 2 * h * h + 2 * h * 8 * 128 + 3 * h * 28672 + 2 * h;
  // 40 layers a stage; the first adds the embedding, the last the output layer and the final norm — the last is
  // heavier by h. All but the norms split over TP 2 (32000 is a multiple of 128·2, so the vocabulary is not padded).
  const V = 32000;
  const last = (40 * (layer - 2 * h)) / 2 + 40 * 2 * h + (V * h) / 2 + h;
  assert.equal(m.stage, 1);
  assert.equal(m.weightsBytes, 2 * last);
  assert.match(m.notAssessed, /K\/V cache/);
  // The CLI and the JSON say it, with the reason.
  assert.match(
    formatSummary('serve.sh', r),
    new RegExp(
      `Memory {4}inference: weights ${(m.weightsBytes / GiB).toFixed(1)} GiB per GPU \\(stage 1\\); not assessed: the K/V cache`,
    ),
  );
  assert.deepEqual(toJson('serve.sh', r)['inferenceMemory'], m);
  const flag = r.flags.find((f) => f.flag === '--tensor-model-parallel-size');
  assert.ok(flag);
  assert.match(
    hoverMarkdown(r, flag, () => '').replace(/\\/g, ''),
    /Inference memory: weights [\d.]+ GiB per GPU; not assessed/,
  );
});

test('training launches carry no inference figure', () => {
  const r = analyze(SERVER.replace('tools/run_text_generation_server.py', 'pretrain_gpt.py'), { fileName: 't.sh' });
  assert.equal(r.scriptKind?.id, 'training');
  assert.equal(r.inferenceMemory, undefined);
  assert.equal(toJson('t.sh', r)['inferenceMemory'], undefined);
});
