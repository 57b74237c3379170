// Layer placement as each Megatron places layers (issue 12 §3, issue 13 "Layer placement"): the layout string, MindSpeed's
// per-stage list and no-op layers, the Zero-Bubble fork's padding and DeepSpeed's pipeline partition, read from
// launch files written for these tests (test/fixtures/placement/) into the one layout the time and memory models
// use. Every expected count is derived by hand in the test from the framework source cited next to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze } from '../../../../src/core/analyze';
import { layerLayout, layersPerRank, layerSplitProblem } from '../../../../src/core/model/layout';
import { countModelParams } from '../../../../src/core/model/params';
import { resolveModelShape, type ModelShape } from '../../../../src/core/model/shape';
import { readLaunchConfig } from '../../../../src/core/read/readLaunchConfig';
import type { LaunchConfigRead } from '../../../../src/core/types';
import { repoPath } from '../../../support/paths';

const fixture = (name: string): string => readFileSync(repoPath('test/fixtures/placement', name), 'utf8');
const read = (text: string): LaunchConfigRead => readLaunchConfig(text, 'run.sh');

function shapeOf(text: string): ModelShape {
  const r = resolveModelShape(read(text).config);
  if (!r.ok) assert.fail(`unknown ${r.missing.join(', ')}`);
  return r.shape;
}

/** Built decoder layers per virtual stage (vs = chunk·p + rank) of the file's own schedule. */
const perVirtualStage = (shape: ModelShape): number[] =>
  layerLayout(shape, shape.virtualStages).map((s) => s.numLayers);

const codes = (text: string): string[] =>
  read(text)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => d.code);

function ownSchedule(text: string): { applicable: boolean; reason: string | null } {
  const r = analyze(text, { fileName: 'run.sh' });
  const e = r.selectedSchedule ? r.schedules[r.selectedSchedule] : undefined;
  assert.ok(e, 'the file has a schedule');
  return { applicable: e.applicable, reason: e.reason };
}

const LAYOUT = fixture('layout-vpp.sh');
const LIST = fixture('mindspeed-layer-list.sh');
const NOOP = fixture('mindspeed-noop-vpp.sh');
const PADDING = fixture('zero-bubble-padding.sh');
const DEEPSPEED = fixture('deepspeed-uneven.sh');

test('layout "Et*2|t*5|(t*2)*2|tttL" on PP 2: four virtual stages of 2, 5, 4, 3 layers; the interleaved schedule runs', () => {
  // megatron/core/transformer/pipeline_parallel_layer_layout.py:46-55 (d98e8a64): stage i is model chunk ⌊i/2⌋ of PP
  // rank i mod 2, so v = 4 stages / PP 2 = 2. Unrolled: "Ett" | "ttttt" | "tttt" | "tttL": t counts 2, 5, 4, 3 = 14.
  const shape = shapeOf(LAYOUT);
  assert.equal(shape.virtualStages, 2);
  assert.deepEqual(perVirtualStage(shape), [2, 5, 4, 3]);
  const stages = layerLayout(shape, 2);
  // Rank 0 holds stages 1 and 3 (2 + 4 layers and the embedding), rank 1 stages 2 and 4 (5 + 3 and the loss).
  assert.deepEqual(layersPerRank(stages, 2), [6, 8]);
  assert.deepEqual(
    stages.map((s) => [s.rank, s.modelChunk, s.firstLayer, s.hasEmbedding, s.hasLoss]),
    [
      [0, 0, 0, true, false],
      [1, 0, 2, false, false],
      [0, 1, 7, false, false],
      [1, 1, 11, false, true],
    ],
  );
  assert.equal(layerSplitProblem(shape), null);
  // Chunks of 2 and 4 layers on rank 0 are uneven, which a layout may be; and current Megatron-LM runs the
  // interleaved schedule with PP 2 because p2p overlap is on by default (megatron/training/arguments.py:1000-1009,
  // `--no-overlap-p2p-communication` is store_false at :3118).
  assert.deepEqual(ownSchedule(LAYOUT), { applicable: true, reason: null });
  assert.deepEqual(codes(LAYOUT), []);
});

test('Megatron-LM with --no-overlap-p2p-communication refuses PP 2 for the interleaved schedule', () => {
  // megatron/training/arguments.py:1005-1009 (d98e8a64): without p2p overlap, PP must be > 2.
  const text = LAYOUT.replace('    --bf16', '    --no-overlap-p2p-communication \\\n    --bf16');
  assert.equal(read(text).config.interleavedMinPipeline, 3);
  assert.deepEqual(codes(text), ['vpp-needs-more-stages']);
  const own = ownSchedule(text);
  assert.equal(own.applicable, false);
  assert.match(own.reason ?? '', /more than 2 pipeline stages \(p=2\)/);
});

test('MindSpeed-LLM --num-layer-list 7,8,8,7 places 30 layers on PP 4; no divisibility error, 1F1B runs', () => {
  // mindspeed_llm/core/transformer/transformer_block.py:92-96 (c77308a1): rank r builds num_layer_list[r] layers,
  // after the earlier ranks' (training/arguments.py:94-106 prefix sums); 7 + 8 + 8 + 7 = 30 = --num-layers.
  const shape = shapeOf(LIST);
  assert.equal(shape.layerSplitMethod, 'num-layer-list');
  assert.deepEqual(perVirtualStage(shape), [7, 8, 8, 7]);
  assert.deepEqual(
    layerLayout(shape, 1).map((s) => s.firstLayer),
    [0, 7, 15, 23],
  );
  assert.deepEqual(codes(LIST), []);
  assert.deepEqual(ownSchedule(LIST), { applicable: true, reason: null });
  // A list that does not sum to --num-layers is refused by MindSpeed-LLM (training/arguments.py:145-147): no placement.
  const wrong = LIST.replace('7,8,8,7', '7,8,8,8');
  assert.equal(read(wrong).config.layersPerStage, null);
  assert.match(ownSchedule(wrong).reason ?? '', /MindSpeed-LLM would not accept this --num-layer-list/);
});

test('MindSpeed --noop-layers 0,7 with 2 layers per virtual stage on PP 2: 1, 2, 2, 1 built layers; no weights for the no-ops', () => {
  // Megatron's split (v = (8/2)/2 = 2): virtual stage vs holds slots 2vs, 2vs+1. MindSpeed builds slot i as a
  // NoopTransformerLayer when i is listed (mindspeed/core/pipeline_parallel/noop_layers/transformer.py:34-45 at
  // 028de58c): slot 0 (vs 0) and slot 7 (vs 3) are identities. Built: 1, 2, 2, 1; ranks 1 + 2 = 3 and 2 + 1 = 3.
  const shape = shapeOf(NOOP);
  assert.deepEqual(perVirtualStage(shape), [1, 2, 2, 1]);
  assert.deepEqual(layersPerRank(layerLayout(shape, 2), 2), [3, 3]);
  // The model has 6 real layers: the same count with 6 layers and no no-op list.
  const six = shapeOf(NOOP.replace('--noop-layers 0,7', '').replace('--num-layers 8', '--num-layers 6'));
  assert.equal(countModelParams(shape).total, countModelParams(six).total);
  // PP 2 with a virtual pipeline: MindSpeed-LLM lifts Megatron's check even with --no-overlap-p2p-communication
  // (features_manager/megatron_basic/training_basic.py:69-76 at c77308a1).
  assert.equal(read(NOOP).config.interleavedMinPipeline, 2);
  assert.deepEqual(codes(NOOP), []);
  assert.deepEqual(ownSchedule(NOOP), { applicable: true, reason: null });
});

test('Zero-Bubble fork --allow-padding-num-layers: 30 layers on PP 8 → 3, 4, 4, 4, 4, 4, 4, 3 (legacy models)', () => {
  // megatron/training/arguments.py:260-269 (39f2c186): L' = 30 − 30 mod 8 + 8 = 32. legacy/model/transformer.py:
  // 1776-1789: every rank gets 32/8 = 4, minus one for _index in range(−1, 32 − 30 − 1) = −1, 0: the last rank, then
  // the first.
  const shape = shapeOf(PADDING);
  assert.equal(shape.layerSplitMethod, 'zero-bubble-padding');
  assert.deepEqual(perVirtualStage(shape), [3, 4, 4, 4, 4, 4, 4, 3]);
  assert.equal(shape.numLayers, 30);
  assert.deepEqual(codes(PADDING), []);
  assert.deepEqual(ownSchedule(PADDING), { applicable: true, reason: null });
  // The fork's Megatron-Core path has no padding code: get_num_layers_to_build (core/transformer/transformer_block.py:
  // 52-80) builds 32/8 = 4 layers on every rank from the padded count, i.e. 32 real layers.
  const mcore = shapeOf(PADDING.replace('    --use-legacy-models \\\n', ''));
  assert.deepEqual(perVirtualStage(mcore), [4, 4, 4, 4, 4, 4, 4, 4]);
  assert.equal(mcore.numLayers, 32);
});

test('Zero-Bubble padding with 2 layers per virtual stage: v from the padded count, chunks −1 and 0 lose one', () => {
  // arguments.py:288-296: v = (32/8)/2 = 2. transformer.py:1745-1762: 16 chunks of 2, minus one at chunk −1 (vs 15,
  // rank 7 chunk 1) and chunk 0 (vs 0, rank 0 chunk 0).
  const text = PADDING.replace('    --bf16', '    --num-layers-per-virtual-pipeline-stage 2 \\\n    --bf16');
  const shape = shapeOf(text);
  assert.equal(shape.virtualStages, 2);
  assert.deepEqual(perVirtualStage(shape), [1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1]);
  assert.deepEqual(codes(text), []);
});

test('Megatron-DeepSpeed with DeepSpeed pipeline: 30 layers on PP 4 → 8, 8, 7, 7; without --deepspeed it is an error', () => {
  // pretrain_gpt.py:51 builds GPTModelPipe under --deepspeed; gpt_model.py:459-463 partitions with
  // 'type:transformer': partition_balanced (deepspeed/runtime/utils.py:627-665 at edaa7221) weighs the 30
  // ParallelTransformerLayerPipe specs 1, the rest 0, and minimises max − min: counts of 7 and 8 (cost 1), two of
  // each to sum to 30. Its `>=` keeps the latest split point for every prefix, so the last stages get the smaller
  // count (running partition_balanced on the bf16 spec list [0, 0, 1×30, 0, 0, 0] gives parts [0, 10, 18, 25, 35] → 8, 8, 7, 7).
  const shape = shapeOf(DEEPSPEED);
  assert.equal(shape.layerSplitMethod, 'deepspeed-balanced');
  assert.deepEqual(perVirtualStage(shape), [8, 8, 7, 7]);
  assert.deepEqual(codes(DEEPSPEED), []);
  assert.deepEqual(ownSchedule(DEEPSPEED), { applicable: true, reason: null });
  // Without --deepspeed the fork's own ParallelTransformer asserts num_layers % PP == 0
  // (megatron/model/transformer.py:1613-1614 in Microsoft's Megatron-DeepSpeed).
  const plain = DEEPSPEED.replace('    --deepspeed \\\n', '');
  assert.equal(read(plain).config.layerSplitMethod, 'megatron');
  assert.deepEqual(codes(plain), ['layers-not-divisible-by-pp']);
  assert.match(ownSchedule(plain).reason ?? '', /divisible by the pipeline size \(30 layers, p=4\)/);
});

test('Megatron-DeepSpeed and the Seq1F1B fork need PP > 2 for a virtual pipeline whatever the p2p overlap', () => {
  // Microsoft Megatron-DeepSpeed megatron/arguments.py:172-175 and thunlp/Seq1F1B megatron/arguments.py:141-144
  // assert pipeline_model_parallel_size > 2 as soon as --num-layers-per-virtual-pipeline-stage is given.
  const ds = DEEPSPEED.replace('--pipeline-model-parallel-size 4', '--pipeline-model-parallel-size 2')
    .replace('--num-layers 30', '--num-layers 32')
    .replace('    --bf16', '    --num-layers-per-virtual-pipeline-stage 8 \\\n    --bf16');
  assert.equal(read(ds).config.interleavedMinPipeline, 3);
  assert.ok(codes(ds).includes('vpp-needs-more-stages'));
});

test('a what-if with another v spreads each rank of a stated placement over the chunks', () => {
  // The list gives ranks 7, 8, 8, 7 for v = 1; asked for v = 2 (a what-if), rank r's layers split as evenly as
  // possible, the earlier chunk taking the extra one: rank 0 → 4 + 3, rank 1 → 4 + 4.
  const shape = shapeOf(LIST);
  assert.deepEqual(
    layerLayout(shape, 2).map((s) => s.numLayers),
    [4, 4, 4, 4, 3, 4, 4, 3],
  );
});
