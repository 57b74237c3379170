// Calibrating memory from a Seq1F1B log (core/logs/calibrate.ts fitMemory, issue 13): the heaviest stage's allocator
// cache includes the allocator replay's excess (memory/fragmentation.ts), which PyTorch's own max-reserved figure
// already contains. The fitted non-PyTorch total must not take that excess in as well: the replay still runs in the
// calibrated analysis, so the excess would be counted twice. The log is written in Megatron-LM d98e8a64's formats
// (training.py:3567-3641 step lines, common_utils.py:312-333 report_memory in MB = 2^20 bytes), without an
// arguments block (the global batch size of the step lines is checked).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze, type AnalyzeOptions } from '../../../../src/core/analyze';
import { calibrateFromLog } from '../../../../src/core/logs/calibrate';
import { readMegatronLog } from '../../../../src/core/logs/megatronLog';
import { repoPath } from '../../../support/paths';

const GiB = 2 ** 30;
const text = readFileSync(repoPath('media/examples/seq1f1b-30b-64k.sh'), 'utf8');
const OPTIONS: AnalyzeOptions = { fileName: 'seq1f1b-30b-64k.sh', gpuId: 'a100-80gb' };
/** What PyTorch reserved beyond the model's PyTorch-side reserved (allocated + allocator cache) on every stage, GiB. */
const UNPLACED_GIB = 1.5;

test('a Seq1F1B log: the fitted non-PyTorch total leaves the replay’s excess in the allocator cache, counted once', () => {
  const base = analyze(text, { ...OPTIONS, scope: 'selected' });
  const e = base.schedules[base.selectedSchedule!]!;
  assert.equal(e.schedule, 'seq1f1b');
  const memory = e.memory!;
  const c = base.config;
  const world = c.worldSize!;
  const p = c.pipelineParallel!;
  // The replay's excess sits on the heaviest stage only: its cache is well above 7 % of its allocated peak.
  const heaviest = memory.reduce((a, m) => (m.peakBytes > a.peakBytes ? m : a));
  const excess = heaviest.breakdownBytes.fragmentation - 0.07 * heaviest.peakBytes;
  assert.ok(excess > GiB, `replay excess ${excess / GiB} GiB`);
  // The run PyTorch measured: on each stage, the model's allocated + cache + UNPLACED_GIB (no noise).
  const maxReservedGiB = memory.map((m) => (m.peakBytes + m.breakdownBytes.fragmentation) / GiB + UNPLACED_GIB);
  const step = (e.stepTimeMs ?? 0) * 1.2;
  const lines: string[] = [];
  for (let it = 10; it <= 400; it += 10) {
    lines.push(
      ` [2026-12-01 10:00:00.000000] iteration ${String(it).padStart(8)}/     400 | consumed samples: ${it * c.globalBatchSize!} |` +
        ` elapsed time per iteration (ms): ${step.toFixed(1)} | learning rate: 3.000000E-04 | global batch size: ${c.globalBatchSize} |` +
        ' lm loss: 7.1E+00 | loss scale: 1.0 | number of skipped iterations:   0 | number of nan iterations:   0 |',
    );
    if (it === 10)
      // One report per stage, from its first rank (pipeline outermost: stage = rank / (world / p)).
      memory.forEach((m, stage) => {
        const alloc = (m.peakBytes / GiB) * 1024;
        const res = maxReservedGiB[stage]! * 1024;
        lines.push(
          `[Rank ${stage * (world / p)}] (after ${it} iterations) memory (MB) | allocated: ${(alloc * 0.7).toFixed(3)} | max allocated: ${alloc.toFixed(3)} | reserved: ${res.toFixed(3)} | max reserved: ${res.toFixed(3)}`,
        );
      });
  }
  const outcome = calibrateFromLog(text, OPTIONS, readMegatronLog(lines.join('\n') + '\n'), 'run.log');
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.reasons.join('; '));
  assert.equal(outcome.fit.measured.memoryStages, p);
  // Expected: the model's own non-PyTorch memory (the same on every stage) plus the unplaced 1.5 GiB, to the MB
  // rounding of the log. Counting the replay's excess as non-PyTorch would add excess × 2 / p (~1.6 GiB here).
  const nonPyTorch = heaviest.breakdownBytes.overhead / GiB;
  const knob = outcome.fit.knobs.overheadGiB!;
  assert.ok(Math.abs(knob - (nonPyTorch + UNPLACED_GIB)) < 1e-3, `knob ${knob} vs ${nonPyTorch + UNPLACED_GIB}`);
  // The calibrated analysis predicts what PyTorch measured plus the memory outside it, on every stage.
  const after = analyze(text, { ...OPTIONS, calibration: outcome.fit.knobs });
  const calibrated = after.schedules[after.selectedSchedule!]!;
  calibrated.peakReservedGiBPerStage!.forEach((gib, stage) =>
    assert.ok(
      Math.abs(gib - (maxReservedGiB[stage]! + nonPyTorch)) < 1e-3,
      `stage ${stage}: ${gib} vs measured ${maxReservedGiB[stage]} + ${nonPyTorch}`,
    ),
  );
});
