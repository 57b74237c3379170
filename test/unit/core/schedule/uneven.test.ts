// Spec §2.5: uneven chunk costs. Pure FLOP-proportional durations (B = 2F per chunk, zero communication,
// one microbatch's F on one stage = 1), p = 8, m = 16, k = 4, 7B (L=32, h=4096, n=32, V=32768).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  averageSplit,
  sequenceFlops,
  solverChunkFlops,
  uniformCompSplit,
  type SolverModel,
} from '../../../../src/core/schedule/partition';
import { isSimResult, simulateSchedule, type SimCosts } from '../../../../src/core/schedule/simulator';
import { checkTimeline } from '../../../support/scheduleCheck';

const MODEL_7B: SolverModel = {
  numLayers: 32,
  hiddenSize: 4096,
  ffnHiddenSize: 4 * 4096,
  numAttentionHeads: 32,
  paddedVocabSize: 32768,
};
const p = 8,
  m = 16,
  k = 4;

function makespanFor(lengths: number[], S: number): number {
  const T = sequenceFlops(MODEL_7B, S);
  let prefix = 0;
  const share = lengths.map((x) => solverChunkFlops(MODEL_7B, x, (prefix += x)) / T);
  const forward = new Float64Array(p * k);
  const backward = new Float64Array(p * k);
  for (let s = 0; s < p; s++)
    for (let j = 0; j < k; j++) {
      forward[s * k + j] = share[j];
      backward[s * k + j] = 2 * share[j];
    }
  const costs: SimCosts = {
    forward,
    backward,
    weight: new Float64Array(p * k),
    p2pForward: new Float64Array(k),
    p2pBackward: new Float64Array(k),
  };
  const spec = { schedule: 'seq1f1b' as const, stages: p, microbatches: m, splits: k, virtualStages: 1 };
  const r = simulateSchedule(spec, costs);
  assert.ok(isSimResult(r));
  assert.equal(checkTimeline(r, costs, false), null);
  return r.makespan;
}

// [S, spec's Seq1F1B average, spec's uniform_comp]
const ROWS: [number, number, number][] = [
  [32768, 67.82, 53.26],
  [65536, 74.27, 53.26],
  [131072, 80.23, 53.25],
];
const ONE_F1B = 3 * (m + p - 1); // 69.00
const IDEAL = 3 * (m + (p - 1) / k); // 53.25

for (const [S, specAverage, specUniform] of ROWS) {
  test(`§2.5 S=${S}: uniform_comp ≈ ideal ${IDEAL} (spec ${specUniform}); average ≈ spec ${specAverage}`, () => {
    // The spec's uniform_comp column matches the solver rounded to 1 token to the printed 2 decimals.
    const uniform = makespanFor(uniformCompSplit(MODEL_7B, S, k, 1), S);
    assert.equal(Math.round(uniform * 100) / 100, specUniform);
    // Rounded to TP=8 (the table's splits), the imbalance costs under 0.1 time units.
    assert.ok(makespanFor(uniformCompSplit(MODEL_7B, S, k, 8), S) - IDEAL < 0.1);
    // average: our simulator and an independent one (the timeline checker re-derives every start) agree on
    // 68.01 / 74.46 / 80.40, 0.19 above the spec's figures; the spec's reference sim is not available to
    // pin the difference down, so this checks the size of the effect to 0.3 %.
    const average = makespanFor(averageSplit(S, k), S);
    assert.ok(Math.abs(average / specAverage - 1) < 0.003, `average ${average} vs spec ${specAverage}`);
  });
}

test('§2.5: with average splits long sequences make Seq1F1B slower than 1F1B; at 32K it is still faster', () => {
  assert.ok(makespanFor(averageSplit(32768, k), 32768) < ONE_F1B);
  assert.ok(makespanFor(averageSplit(65536, k), 65536) > ONE_F1B);
  assert.ok(makespanFor(averageSplit(131072, k), 131072) > ONE_F1B);
});
