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
