import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachMemory } from '../../../../src/core/advice/memoryAdvice';
import { evaluateAllSchedules } from '../../../../src/core/schedule/engine';
import { getGpuProfile } from '../../../../src/core/hardware/gpus';
import type { FlagOccurrence, GpuProfile, LaunchConfigRead, RunConfig, SourceRange } from '../../../../src/core/types';
import { blankConfig } from '../../../support/memoryFixtures';

const range = (line: number, column: number, length: number): SourceRange => ({
  line,
  column,
  endLine: line,
  endColumn: column + length,
});

function readOf(fields: Partial<RunConfig>, extra: Partial<LaunchConfigRead> = {}): LaunchConfigRead {
  return {
    format: 'bash',
    isLaunchConfig: true,
    commandRange: range(0, 0, 8),
    config: blankConfig(fields),
    sources: {},
    flags: [],
    diagnostics: [],
    ...extra,
  };
}

// The Seq1F1B repo's 30B / 64K run (exp.sh): TP 8, PP 8, 16 microbatches, no recompute.
const seq30b: Partial<RunConfig> = {
  numLayers: 64,
  hiddenSize: 6144,
  numAttentionHeads: 64,
  seqLength: 65536,
  maxPositionEmbeddings: 65536,
  microBatchSize: 1,
  globalBatchSize: 16,
  tensorParallel: 8,
  pipelineParallel: 8,
  contextParallel: 1,
  dataParallel: 1,
  worldSize: 64,
  numMicrobatches: 16,
  paddedVocabSize: 51200,
  pipeSpSplits: 4,
  pipeSpStrategy: 'uniform_comp',
  sequenceParallel: true,
  distributedOptimizer: true,
  precision: 'bf16',
  swiglu: false,
  untieEmbeddingsAndOutputWeights: true,
  positionEmbeddingType: 'rope',
  useFlashAttn: true,
  hiddenDropout: 0,
  attentionDropout: 0,
  normalization: 'LayerNorm',
  virtualStages: 1,
  expertParallel: 1,
};
const a100 = getGpuProfile('a100-80gb');

function run(read: LaunchConfigRead, gpu: GpuProfile = a100, text?: string) {
  const engine = evaluateAllSchedules(read, { gpu });
  const memory = attachMemory(read, engine.evaluations, engine.selected, { gpu, engine: { gpu }, text });
  return { engine, memory };
}

test('every simulated schedule gets per-stage peaks, a breakdown, an OOM verdict and a memory series', () => {
  const { engine } = run(readOf(seq30b));
  let filled = 0;
  for (const e of Object.values(engine.evaluations)) {
    if (!e?.applicable) continue;
    filled++;
    assert.equal(e.memory!.length, 8);
    assert.equal(e.peakMemoryGiBPerStage!.length, 8);
    assert.equal(e.peakReservedGiBPerStage!.length, 8);
    assert.equal(typeof e.oom, 'boolean');
    assert.ok(e.memoryBreakdownGiB!.weights > 0 && e.memoryBreakdownGiB!.activations > 0);
    for (const stage of e.memory!)
      assert.ok(stage.series.timeMs.length > 2 && stage.series.timeMs.length === stage.series.bytes.length);
    assert.equal(e.oom, Math.max(...e.peakReservedGiBPerStage!) > a100.memoryGiB);
  }
  assert.ok(filled >= 4);
  // The repo's claim: 30B at 64K does not fit with 1F1B without recompute, and does with Seq1F1B.
  assert.equal(engine.evaluations['1f1b']!.oom, true);
  assert.equal(engine.evaluations.seq1f1b!.oom, false);
});

test('oom-risk on the selected 1F1B: error on --pipe-sp-splits, numbers of stage 0, and the Seq1F1B that fits', () => {
  const splitsRange = range(3, 18, 1);
  const seqRange = range(2, 15, 5);
  const read = readOf(
    { ...seq30b, pipeSpSplits: 1 },
    {
      sources: {
        pipeSpSplits: { status: 'explicit', valueRange: splitsRange },
        seqLength: { status: 'explicit', valueRange: seqRange },
      },
    },
  );
  const { engine, memory } = run(read);
  assert.equal(engine.selected, '1f1b');
  const diag = memory.diagnostics.find((d) => d.code === 'oom-risk');
  assert.ok(diag, 'an oom-risk diagnostic');
  assert.equal(diag.severity, 'error');
  assert.deepEqual(diag.range, splitsRange);
  const selected = engine.evaluations['1f1b']!;
  const worst = selected.peakReservedGiBPerStage!.indexOf(Math.max(...selected.peakReservedGiBPerStage!));
  assert.match(
    diag.message,
    new RegExp(
      `^Stage ${worst} needs ${selected.peakReservedGiBPerStage![worst].toFixed(1)} GiB reserved of 80\\.0 GiB \\(activations [0-9.]+ GiB for 8 microbatches in flight`,
    ),
  );
  assert.match(diag.message, /Seq1F1B \(k = \d+, (average|uniform_comp)(, v = 2)?\) fits with [0-9.]+ GiB to spare/);
  assert.equal(diag.fixes, undefined, 'no fix without the document text');
});

test('oom-risk is a warning between warningFraction and capacity, and absent below', () => {
  const first = run(readOf(seq30b)).engine.evaluations.seq1f1b!;
  const reserved = Math.max(...first.peakReservedGiBPerStage!);
  const tight: GpuProfile = { ...a100, memoryGiB: reserved / 0.95 };
  const warn = run(readOf(seq30b), tight).memory.diagnostics.filter((d) => d.code === 'oom-risk');
  assert.equal(warn.length, 1);
  assert.equal(warn[0].severity, 'warning');
  assert.match(warn[0].message, /GiB, above the 90 % margin \(/);
  assert.equal(warn[0].range.line, 0, 'falls back to the command when no flag has a source');
  assert.equal(run(readOf(seq30b)).memory.diagnostics.filter((d) => d.code === 'oom-risk').length, 0);
});

test('the recommendation fits and no simulated schedule that fits is faster', () => {
  const { engine, memory } = run(readOf(seq30b));
  const rec = memory.recommendation!;
  assert.ok(rec.fits);
  assert.ok(rec.peakMemoryGiB <= 0.9 * a100.memoryGiB);
  for (const e of Object.values(engine.evaluations)) {
    if (!e?.applicable || e.stepTimeMs == null) continue;
    if (Math.max(...e.peakReservedGiBPerStage!) <= 0.9 * a100.memoryGiB)
      assert.ok(rec.stepTimeMs <= e.stepTimeMs + 1e-6, `${e.schedule} ${e.stepTimeMs} < ${rec.stepTimeMs}`);
  }
});

test('weights alone too large: the message says so and points at the parallelism', () => {
  const ppRange = range(1, 40, 1);
  const read = readOf(
    {
      ...seq30b,
      numLayers: 80,
      hiddenSize: 8192,
      numAttentionHeads: 64,
      ffnHiddenSize: 28672,
      swiglu: true,
      seqLength: 4096,
      maxPositionEmbeddings: 4096,
      tensorParallel: 1,
      pipelineParallel: 2,
      worldSize: 2,
      numMicrobatches: 4,
      globalBatchSize: 4,
      pipeSpSplits: 1,
      distributedOptimizer: false,
    },
    { sources: { pipelineParallel: { status: 'explicit', valueRange: ppRange } } },
  );
  const { memory } = run(read);
  const diag = memory.diagnostics.find((d) => d.code === 'oom-risk')!;
  assert.equal(diag.severity, 'error');
  assert.match(diag.message, /weights and optimizer state alone take [0-9.]+ GiB/);
  assert.deepEqual(diag.range, ppRange);
});

test('with the document text, the oom-risk fix rewrites --pipe-sp-splits in place', () => {
  const text = 'torchrun pretrain_gpt.py \\\n  --pipe-sp-splits 1 \\\n  --seq-length 65536\n';
  const flagOcc = (flag: string, line: number, value: string, keys: (keyof RunConfig)[]): FlagOccurrence => ({
    flag,
    spelling: flag,
    range: range(line, 2, flag.length),
    valueRange: range(line, 3 + flag.length, value.length),
    value,
    origins: [],
    keys,
    doc: '',
  });
  const flags = [
    flagOcc('--pipe-sp-splits', 1, '1', ['pipeSpSplits']),
    flagOcc('--seq-length', 2, '65536', ['seqLength']),
  ];
  const read = readOf(
    { ...seq30b, pipeSpSplits: 1 },
    {
      flags,
      sources: {
        pipeSpSplits: {
          status: 'explicit',
          range: flags[0].range,
          valueRange: flags[0].valueRange!,
          flag: '--pipe-sp-splits',
        },
      },
    },
  );
  const diag = run(read, a100, text).memory.diagnostics.find((d) => d.code === 'oom-risk')!;
  const k = /k = (\d+)/.exec(diag.message)![1];
  assert.ok(diag.fixes && diag.fixes.length === 1, 'a fix');
  const edit = diag.fixes[0].edits.find((e) => e.range.line === 1 && e.range.column === 19);
  assert.ok(edit, JSON.stringify(diag.fixes[0].edits));
  assert.equal(edit.newText, k);
});

test('a webview what-if (engine overrides) gets memory numbers but no diagnostic on the file', () => {
  const read = readOf({ ...seq30b, pipeSpSplits: 1 });
  const engineOptions = { gpu: a100, overrides: { schedule: '1f1b' as const } };
  const engine = evaluateAllSchedules(read, engineOptions);
  const memory = attachMemory(read, engine.evaluations, engine.selected, { gpu: a100, engine: engineOptions });
  assert.equal(engine.evaluations['1f1b']!.oom, true);
  assert.equal(memory.diagnostics.length, 0);
});

test('values we had to assume are named in the oom-risk message', () => {
  const { memory } = run(readOf({ ...seq30b, pipeSpSplits: 1, precision: null, dataParallel: null, worldSize: null }));
  const diag = memory.diagnostics.find((d) => d.code === 'oom-risk')!;
  assert.match(diag.message, /Assumed: data-parallel size 1, bf16 \(precision unknown\)\./);
  // An estimate that rests on guessed values is not certain, so it is a warning that says so (issue 12 §3).
  assert.equal(diag.severity, 'warning');
  assert.match(diag.message, /An estimate, not a certainty: it rests on the values assumed above\.$/);
});
