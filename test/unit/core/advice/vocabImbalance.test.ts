// vocab-stage-critical (issue 18): the stage that holds the output layer and loss is the pipeline's bottleneck. The
// figures in the message are recomputed here from the simulated run (busy time per rank) and the cost model's output
// layer; the fix is checked by applying it and analysing the edited file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze, type AnalysisResult } from '../../../../src/core/analyze';
import { applyEdits } from '../../../../src/core/edits/planFlagEdit';
import { resolveModelShape } from '../../../../src/core/model/shape';
import { getGpuProfile } from '../../../../src/core/hardware/gpus';
import { costFlagsOf, DEFAULT_COST_CONSTANTS, outputLayerMs } from '../../../../src/core/schedule/costModel';
import {
  simulateVocabParallel,
  vocabParallelDurations,
  vocabStepTimeMs,
} from '../../../../src/core/schedule/vocabParallel';
import type { CoreDiagnostic } from '../../../../src/core/types';
import { repoPath } from '../../../support/paths';

// The VocabularyParallelism fork's quick experiment (pretrain_gpt.sh, 8 GPUs, 256k vocabulary, sequence 4096).
const VP_256K = readFileSync(repoPath('test/fixtures/vocab/vocab-parallel-256k.sh'), 'utf8');
const withFlag = (text: string, from: string, to: string): string => {
  assert.ok(text.includes(from), from);
  return text.replace(from, to);
};

const vocabDiagnostic = (r: AnalysisResult): CoreDiagnostic | undefined =>
  r.diagnostics.find((d) => d.code === 'vocab-stage-critical');

test('fires on the 256k-vocabulary 1F1B run with the lead and the vocabulary share of the last stage', () => {
  const r = analyze(VP_256K, { fileName: 'pretrain_gpt.sh' });
  const d = vocabDiagnostic(r);
  assert.ok(d, r.diagnostics.map((x) => x.code).join(' '));
  assert.equal(d.severity, 'information');
  // On the pipeline size: the line that decides how the layers and the vocabulary are spread.
  assert.equal(
    d.range.line,
    VP_256K.split('\n').findIndex((l) => l.includes('--pipeline-model-parallel-size')),
  );
  const sim = r.schedules['1f1b']!.sim!;
  const busy = Array.from(sim.busy);
  const next = Math.max(...busy.slice(0, 7));
  const shape = resolveModelShape(r.config);
  assert.ok(shape.ok);
  const gpu = getGpuProfile('a100-80gb');
  const out = outputLayerMs(shape.shape, gpu, DEFAULT_COST_CONSTANTS, costFlagsOf(r.config));
  const vocabMs = 24 * (out.forwardMs + out.inputGradMs + out.weightGradMs);
  assert.match(d.message, new RegExp(`busy ${Math.round(100 * (busy[7]! / next - 1))} % longer`));
  assert.match(d.message, new RegExp(`vocabulary are ${Math.round((100 * vocabMs) / busy[7]!)} % of its time`));
  assert.match(d.message, /256,000-entry vocabulary/);
  // Megatron-LM has --account-for-loss-in-pipeline-split and layouts; 32 layers on 8 stages leave no last-stage count
  // that the other 7 stages share evenly (29, 30, 31 are not multiples of 7), so no priced fix and no quick fix.
  assert.match(d.message, /--account-for-loss-in-pipeline-split \(when L \+ 1 is divisible by PP\)/);
  assert.match(d.message, /--pipeline-model-parallel-layout/);
  assert.equal(d.fixes, undefined);
  // Vocabulary Parallelism priced on the same model: Algorithm 2 (the fork's default).
  const dur = vocabParallelDurations(shape.shape, 2, gpu, DEFAULT_COST_CONSTANTS, costFlagsOf(r.config));
  const run = simulateVocabParallel(8, 24, 2, dur);
  assert.ok(typeof run !== 'string');
  const vpMs = vocabStepTimeMs(run, dur.afterFlushMsPerRank);
  assert.ok(vpMs < 0.75 * r.schedules['1f1b']!.stepTimeMs!);
  assert.match(d.message, new RegExp(`all 8 stages: ${vpMs.toFixed(0)} ms`));
});

test('a last-stage layer count Megatron accepts is priced by simulation, and the quick fix removes the imbalance', () => {
  // PP 4: 8 layers a stage, the last with the output layer (~4.5 layers' worth). Candidates below 8 that leave a
  // multiple of 3 for the other stages: 5 (27 = 3·9); 7 and 6 do not (25, 26).
  const text = withFlag(VP_256K, '--pipeline-model-parallel-size 8', '--pipeline-model-parallel-size 4');
  const before = analyze(text, { fileName: 'pretrain_gpt.sh' });
  const d = vocabDiagnostic(before);
  assert.ok(d);
  assert.match(d.message, /--decoder-last-pipeline-num-layers 5 \((\d+) ms\)/);
  const priced = Number(/--decoder-last-pipeline-num-layers 5 \((\d+) ms\)/.exec(d.message)![1]);
  assert.equal(d.fixes?.length, 1);
  assert.equal(d.fixes![0]!.preferred, true);
  const fixed = applyEdits(text, d.fixes![0]!.edits);
  assert.match(fixed, /--decoder-last-pipeline-num-layers 5/);
  const after = analyze(fixed, { fileName: 'pretrain_gpt.sh' });
  const step = after.schedules['1f1b']!.stepTimeMs!;
  assert.equal(Math.round(step), priced);
  assert.ok(step < before.schedules['1f1b']!.stepTimeMs!);
  // 5 layers + the output layer against 9: within the 25 % margin, so the diagnostic is gone.
  assert.equal(vocabDiagnostic(after), undefined);
});

test('silent where the vocabulary does not decide the critical stage, and in the edit path', () => {
  // GPT-2's 50,304 entries on 16 layers a stage: the output layer is under a layer's worth, a lead of about 5 %.
  const small = withFlag(
    withFlag(VP_256K, '--vocab-size 256000', '--vocab-size 50304'),
    '--pipeline-model-parallel-size 8',
    '--pipeline-model-parallel-size 2',
  );
  assert.equal(vocabDiagnostic(analyze(small, { fileName: 'pretrain_gpt.sh' })), undefined);
  // The edit path simulates the file's schedule only and gives no advice (like the bubble hint).
  assert.equal(vocabDiagnostic(analyze(VP_256K, { fileName: 'pretrain_gpt.sh', scope: 'edit' })), undefined);
});

test('only the flags the file’s Megatron defines: Megatron-DeepSpeed has no account-for or last-stage flags', () => {
  const text = withFlag(VP_256K, '--pipeline-model-parallel-size 8', '--pipeline-model-parallel-size 4');
  const d = vocabDiagnostic(analyze(text, { fileName: 'pretrain_gpt.sh', dialect: 'megatron-deepspeed' }));
  assert.ok(d);
  assert.doesNotMatch(d.message, /--account-for|--decoder-last|--pipeline-model-parallel-layout/);
  assert.equal(d.fixes, undefined);
  assert.match(d.message, /Vocabulary Parallelism/);
});

// The memory side (issue 18). Parameter state per parameter on this file: bf16 weight 2 + fp32 gradient 4 + fp32 master
// weight, Adam m and v 12 bytes (distributed optimizer on DP 1); a vocabulary layer has V·h = 256,000 · 4096 parameters.
const VOCAB_LAYER_GIB = (256_000 * 4096 * (2 + 4 + 12)) / 2 ** 30;

test('memory: the first stage holds the most because of the input embedding, and the message says so', () => {
  const r = analyze(VP_256K, { fileName: 'pretrain_gpt.sh' });
  const d = vocabDiagnostic(r);
  assert.ok(d);
  const peaks = r.schedules['1f1b']!.peakMemoryGiBPerStage!;
  // Stage 0 (p microbatches of activations and the embedding) leads stage 7 (the output layer and its logits).
  const next = Math.max(...peaks.slice(1));
  assert.equal(peaks.indexOf(next), 7);
  assert.match(
    d.message,
    new RegExp(
      `Pipeline stage 0 holds the most memory: a peak of ${peaks[0]!.toFixed(1)} GiB allocated against ` +
        `${next.toFixed(1)} GiB on stage 7, the highest of the others; ${VOCAB_LAYER_GIB.toFixed(1)} GiB of it is the ` +
        `vocabulary's \\(the input embedding's weights, gradients and optimizer state\\)`,
    ),
  );
  // Vocabulary Parallelism's highest stage, priced in the same sentence as its step time.
  const vp = analyze(VP_256K.replace('--lr 6.0e-5', '--lr 6.0e-5 --enable-vocab-parallel'), {
    fileName: 'pretrain_gpt.sh',
  });
  const vpPeak = Math.max(...vp.schedules['1f1b']!.peakMemoryGiBPerStage!);
  assert.match(d.message, new RegExp(`highest stage peak ${vpPeak.toFixed(1)} GiB allocated`));
  assert.ok(vpPeak < peaks[0]!);
});

test('memory: with full recomputation the last stage holds the most, for its output layer and fp32 logits', () => {
  // Full recomputation keeps one layer input per microbatch: stage 0's p microbatches no longer outweigh the output
  // layer's parameter state (17.6 GiB) and the logits (at least s·V·4 bytes = 3.9 GiB fp32) on stage 7.
  const text = withFlag(
    VP_256K,
    '  --bf16 \\\n',
    '  --bf16 \\\n  --recompute-granularity full \\\n  --recompute-method uniform \\\n  --recompute-num-layers 1 \\\n',
  );
  const r = analyze(text, { fileName: 'pretrain_gpt.sh' });
  const d = vocabDiagnostic(r);
  assert.ok(d);
  const peaks = r.schedules['1f1b']!.peakMemoryGiBPerStage!;
  const others = Math.max(...peaks.slice(0, 7));
  assert.ok(peaks[7]! > 1.1 * others, `${peaks[7]} vs ${others}`);
  const m =
    /It also holds the most memory: a peak of ([\d.]+) GiB allocated against ([\d.]+) GiB on stage (\d), the highest of the others; ([\d.]+) GiB of it is the vocabulary's \(the output layer's weights, gradients and optimizer state, and ([\d.]+) GiB of fp32 logits\)/.exec(
      d.message,
    );
  assert.ok(m, d.message);
  assert.equal(m[1], peaks[7]!.toFixed(1));
  assert.equal(m[2], others.toFixed(1));
  assert.equal(Number(m[3]), peaks.indexOf(others));
  const logits = Number(m[5]);
  assert.ok(logits >= (4096 * 256_000 * 4) / 2 ** 30 - 0.05, `logits ${logits}`);
  assert.ok(Math.abs(Number(m[4]) - (VOCAB_LAYER_GIB + logits)) <= 0.1, m[4]);
});
