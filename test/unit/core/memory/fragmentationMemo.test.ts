// The allocator replay (memory/fragmentation.ts) is remembered across analyses, by the timeline's program and the
// byte plans it replays (issue 13: the replays were half of a Seq1F1B file's full analysis, and the editor analyses
// the file again after every pause in typing). An edit that leaves the replay's inputs alone replays nothing and
// shows the same memory; one that changes them (a dropout mask, the GPU's room) replays again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze, type AnalyzeOptions } from '../../../../src/core/analyze';
import { CachingAllocator } from '../../../../src/core/memory/allocator';
import { repoPath } from '../../../support/paths';

const demo = readFileSync(repoPath('media/examples/seq1f1b-30b-64k.sh'), 'utf8');

/** The analysis and how many mallocs the allocator model served during it. */
function analysed(text: string, options: AnalyzeOptions = {}): { mallocs: number; memory: unknown } {
  const original = CachingAllocator.prototype.malloc;
  let mallocs = 0;
  CachingAllocator.prototype.malloc = function (this: CachingAllocator, bytes: number): number {
    mallocs++;
    return original.call(this, bytes);
  };
  try {
    const result = analyze(text, { fileName: 'seq1f1b-30b-64k.sh', ...options });
    const memory = Object.values(result.schedules).map((e) => [e?.schedule, e?.peakReservedGiBPerStage]);
    return { mallocs, memory: [memory, result.recommendation, result.diagnostics.map((d) => d.message)] };
  } finally {
    CachingAllocator.prototype.malloc = original;
  }
}

test('an edit that leaves the replayed allocations alone replays nothing and shows the same memory', () => {
  // A new learning rate: a new configuration (so the sweep memo misses and every evaluation runs again), the same
  // model, timelines and room.
  const first = analysed(demo.replace('--lr 6.0e-5', '--lr 7.5e-5'));
  const again = analysed(demo.replace('--lr 6.0e-5', '--lr 8.0e-5'));
  assert.ok(first.mallocs > 0 || again.mallocs === 0, 'the first analysis replays unless an earlier test did');
  assert.equal(again.mallocs, 0);
  assert.deepEqual(again.memory, first.memory);
});

test('an edit to what the replay reads replays again: a dropout mask per layer, a GPU of another size', () => {
  analysed(demo);
  const dropout = analysed(demo.replace('--hidden-dropout 0', '--hidden-dropout 0.1'));
  assert.ok(demo.includes('--hidden-dropout 0'), 'the fixture sets the hidden dropout');
  assert.ok(dropout.mallocs > 0);
  assert.notDeepEqual(dropout.memory, analysed(demo).memory);
  // The H200 leaves the allocator another room (143,771 MiB less the same overheads; the A100's default is 81,920).
  assert.ok(analysed(demo, { gpuId: 'h200-141gb' }).mallocs > 0);
  assert.equal(analysed(demo, { gpuId: 'h200-141gb' }).mallocs, 0);
});
