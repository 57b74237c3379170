// Issue 17: advice that is better or says there is none. The recommendation is a change only when it fits with margin
// and beats the configured schedule's step time at the same global batch (every sweep candidate keeps the file's
// batch); otherwise it says the configured run is already the fastest that fits, or that nothing searched fits and
// which candidate comes closest, with what was searched. Hand-built candidates, so each verdict is forced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pickRecommendation, type SweepCandidate } from '../../../../src/core/advice/recommend';
import { GiB } from '../../../../src/core/memory/overheads';
import { analyze } from '../../../../src/core/analyze';
import type { ScheduleEvaluation, ScheduleName, StageMemory } from '../../../../src/core/types';
import { repoPath } from '../../../support/paths';

function candidate(schedule: ScheduleName, splits: number, stepTimeMs: number, reservedGiB: number): SweepCandidate {
  return {
    choice: { schedule, splits, strategy: 'average', virtualStages: 1 },
    evaluation: { stepTimeMs } as ScheduleEvaluation,
    memory: [{ stage: 0, peakReservedBytes: reservedGiB * GiB } as StageMemory],
    worstReservedGiB: reservedGiB,
    // 90 % of 80 GiB, the limit pickRecommendation is called with below.
    fits: reservedGiB <= 72,
  };
}

function configured(schedule: ScheduleName, splits: number, stepTimeMs: number, reservedGiB: number) {
  const evaluation = {
    schedule,
    splits,
    virtualStages: 1,
    applicable: true,
    stepTimeMs,
    peakReservedGiBPerStage: [reservedGiB],
  } as ScheduleEvaluation;
  return { evaluation, strategy: 'average' as const };
}

test('a faster schedule that fits is recommended with its gain against the configured one', () => {
  const rec = pickRecommendation(
    [candidate('1f1b', 1, 1000, 60), candidate('seq1f1b', 4, 900, 50)],
    80,
    0.9,
    configured('1f1b', 1, 1000, 60),
  )!;
  assert.equal(rec.verdict, 'faster');
  assert.equal(rec.schedule, 'seq1f1b');
  assert.equal(rec.configuredStepTimeMs, 1000);
  // 900 / 1000 − 1 = −10 %.
  assert.match(rec.reason, /−10\.0 % against the configured 1F1B \(1000 ms\)/);
  assert.match(rec.reason, /Searched: 2 simulated schedules at the file's global batch: 1F1B, Seq1F1B with k ∈ \{4\}/);
});

test('nothing faster than the configured run (within the model’s error) → no change recommended', () => {
  // 990 ms is 1 % faster: inside the 2 % the cost model cannot tell apart, so no switch is advised.
  const rec = pickRecommendation(
    [candidate('1f1b', 1, 1000, 60), candidate('seq1f1b', 2, 990, 55), candidate('seq1f1b', 4, 1100, 50)],
    80,
    0.9,
    configured('1f1b', 1, 1000, 60),
  )!;
  assert.equal(rec.verdict, 'configured-is-fastest');
  assert.match(rec.reason, /^No change recommended: the configured 1F1B \(1000 ms per step\) fits under 72\.0 GiB/);
  assert.match(rec.reason, /the fastest, Seq1F1B \(k = 2, average\): 990 ms, −1\.0 %/);
});

test('the configured run does not fit: a slower one that fits is offered with its step-time cost', () => {
  const rec = pickRecommendation(
    [candidate('1f1b', 1, 1000, 85), candidate('seq1f1b', 4, 1150, 65)],
    80,
    0.9,
    configured('1f1b', 1, 1000, 85),
  )!;
  assert.equal(rec.verdict, 'fits-slower');
  assert.equal(rec.schedule, 'seq1f1b');
  // 1150 / 1000 − 1 = +15 %.
  assert.match(rec.reason, /does not fit under 72\.0 GiB .*\(85\.0 GiB reserved\).*\+15\.0 % step time/);
});

test('nothing searched fits: "no configuration in the searched space fits — the closest is …", never a silent pick', () => {
  const rec = pickRecommendation(
    [candidate('1f1b', 1, 1000, 120), candidate('seq1f1b', 4, 900, 95), candidate('zb-h1', 1, 950, 130)],
    80,
    0.9,
    configured('1f1b', 1, 1000, 120),
  )!;
  assert.equal(rec.verdict, 'none-fits');
  assert.equal(rec.fits, false);
  assert.equal(rec.schedule, 'seq1f1b');
  // 95 − 72 = 23 GiB over the limit.
  assert.match(
    rec.reason,
    /^No configuration in the searched space fits under 72\.0 GiB .*\(searched: 3 simulated schedules .*\); the closest is Seq1F1B \(k = 4, average\) at 95\.0 GiB reserved on stage 0, 23\.0 GiB over/,
  );
});

test('on the demo the recommendation beats the configured Seq1F1B k=4 at the same global batch, and the CLI says so', () => {
  const file = 'media/examples/seq1f1b-30b-64k.sh';
  const r = analyze(readFileSync(repoPath(file), 'utf8'), { fileName: file, gpuId: 'a100-80gb' });
  const rec = r.recommendation;
  assert.ok(rec);
  const own = r.schedules.seq1f1b!;
  assert.equal(rec.configuredStepTimeMs, own.stepTimeMs);
  if (rec.verdict === 'faster') {
    assert.ok(rec.stepTimeMs < own.stepTimeMs! * 0.98, `${rec.stepTimeMs} vs ${own.stepTimeMs}`);
    assert.ok(rec.fits && rec.peakMemoryGiB <= 0.9 * r.gpu.memoryGiB);
  } else assert.equal(rec.verdict, 'configured-is-fastest');
  // Every other simulated schedule that fits is no faster than the recommendation (the what-ifs agree with it).
  for (const e of Object.values(r.schedules))
    if (
      e?.applicable &&
      e.stepTimeMs != null &&
      e.peakReservedGiBPerStage &&
      Math.max(...e.peakReservedGiBPerStage) <= 72
    )
      assert.ok(e.stepTimeMs >= Math.min(rec.stepTimeMs, own.stepTimeMs!) - 1e-6, `${e.schedule} ${e.stepTimeMs}`);
});
