// The recommendation sweep walks memory for the peaks only (liveness.ts PEAKS_ONLY): no series is kept, and every
// stage's peak — bytes, time and breakdown, and the most units live — must be the walk with a series' own, for every
// schedule (W ops that free units, Seq1F1B's K/V cache, virtual stages).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCHEDULE_NAMES, type ScheduleSpec, type SimResult } from '../../../../src/core/types';
import { isSimResult, simulateSchedule, uniformCosts } from '../../../../src/core/schedule/simulator';
import { chunkPlacement } from '../../../../src/core/schedule/placement';
import { PEAKS_ONLY, walkLiveness } from '../../../../src/core/memory/liveness';
import { computeStageMemory } from '../../../../src/core/memory/stageMemory';
import { smallRun } from '../../../support/memoryFixtures';

test('a peaks-only walk has the peaks of the walk with a series, on every stage of every schedule', () => {
  for (const schedule of SCHEDULE_NAMES) {
    const interleaved = schedule === '1f1b-interleaved' || schedule === 'seq1f1b-interleaved';
    const v2 = interleaved || schedule === 'group-interleaved' || chunkPlacement(schedule) === 'v-shape';
    const [p, v] = [4, v2 ? 2 : 1];
    const k = schedule === 'seq1f1b-interleaved' ? 4 : schedule.startsWith('seq1f1b') ? 3 : 1;
    const m = 12;
    const spec: ScheduleSpec = { schedule, stages: p, microbatches: m, splits: k, virtualStages: v };
    const sim = simulateSchedule(spec, uniformCosts(spec, 1, 2, 1, 0.1));
    assert.ok(isSimResult(sim), schedule);
    const { shape, tables } = smallRun(p, v, k, m, 1536);
    const statics = Array.from({ length: p }, (_, r) => 2e9 + r);
    const withSeries = walkLiveness(sim as SimResult, tables, statics);
    const peaks = walkLiveness(sim as SimResult, tables, statics, PEAKS_ONLY);
    for (let r = 0; r < p; r++) {
      const { series, ...peak } = peaks[r]!;
      const { series: full, ...expected } = withSeries[r]!;
      assert.deepEqual(peak, expected, `${schedule} stage ${r}`);
      assert.deepEqual([series.timeMs.length, series.bytes.length], [0, 0], `${schedule} stage ${r}: no series`);
      // The series walk's own figures agree: its highest point is the peak.
      assert.equal(Math.max(...full.bytes), expected.peakBytes, `${schedule} stage ${r}`);
    }
    // computeStageMemory passes it through: the same reserved peaks, no series.
    const a = computeStageMemory(
      shape,
      sim as SimResult,
      Array.from({ length: k }, () => 1536),
    );
    const b = computeStageMemory(
      shape,
      sim as SimResult,
      Array.from({ length: k }, () => 1536),
      {},
      true,
    );
    assert.deepEqual(
      b.map((x) => x.peakReservedBytes),
      a.map((x) => x.peakReservedBytes),
      schedule,
    );
    assert.ok(b.every((x) => x.series.timeMs.length === 0));
  }
});
