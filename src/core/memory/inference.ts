// Memory of an inference launch (issue 13): what a GPU certainly holds — the weights of its pipeline stage — and why
// the rest (K/V cache, one batch's activations) is not assessed. Never a training estimate: no gradients, no
// optimizer state, no pipeline schedule.
import { layerLayout } from '../model/layout';
import { localParamsPerRank } from '../model/params';
import { resolveModelShape } from '../model/shape';
import type { RunConfig } from '../types';
import { bytesPerParam } from './precision';

export interface InferenceMemory {
  /** Weights on one GPU of the heaviest pipeline stage (after TP/EP sharding), in the parameter dtype. */
  weightsBytes: number;
  /** That stage (0-based). */
  stage: number;
  /** Why the K/V cache and the activations of one batch are not added to the weights. */
  notAssessed: string;
}

/**
 * The K/V cache is sized by the inference engine the entry script builds, not by the model: Megatron-LM's dynamic
 * engine (which its current static engine also runs under the hood) reserves a fixed pool of
 * --inference-dynamic-batching-buffer-size-gb (40 GiB by default, megatron/training/arguments.py:2079-2081 at
 * d98e8a64; ×1024³ in megatron/core/inference/contexts/dynamic_context.py:577), the legacy static context one
 * [max sequence, max requests, heads/t, head dim] pair per layer (static_context.py, arguments.py:2070-2075), and
 * older Megatron and the forks size it from the prompts a request sends. None of that is in the launch file alone.
 */
const INFERENCE_NOT_ASSESSED =
  'the K/V cache and one batch’s activations depend on the inference engine and the requests it serves ' +
  '(Megatron-LM’s dynamic engine reserves --inference-dynamic-batching-buffer-size-gb, 40 GiB by default)';

/** Weights per GPU of an inference launch, or null when the model's sizes are not all known. */
export function inferenceMemory(config: RunConfig): InferenceMemory | null {
  const resolved = resolveModelShape(config);
  if (!resolved.ok) return null;
  const shape = resolved.shape;
  // Inference loads the weights in the parameter dtype (--bf16 / --fp16, fp32 otherwise); no FP8 copies are counted.
  const bytes = bytesPerParam(shape).weight;
  const perRank = localParamsPerRank(shape, layerLayout(shape, 1)).map((l) => (l.dense + l.expert) * bytes);
  const weightsBytes = Math.max(...perRank);
  return { weightsBytes, stage: perRank.indexOf(weightsBytes), notAssessed: INFERENCE_NOT_ASSESSED };
}
