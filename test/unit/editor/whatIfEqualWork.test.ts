// Issue 17 acceptance: the PP what-if on the demo compares unlike runs unless it says so. The demo computes
// DP = GPUS_PER_NODE·NNODES / (TP·PP) and GLOBAL_BATCH = MICRO_BATCH·NUM_MICRO·DP, so lowering PP raises DP and with it
// the global batch: PP 2 trains 4× the tokens of PP 8 per step. Its step time is longer, yet per token it is faster.
// The table must say what else changed and rank the rows by tokens/s correctly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze } from '../../../src/core/analyze';
import { planFlagEdit } from '../../../src/core/edits/planFlagEdit';
import { computeWhatIfRows, whatIfCandidates, whatIfKey, whatIfTable } from '../../../src/editor/whatIf';
import { repoPath } from '../../support/paths';

const DEMO = 'media/examples/seq1f1b-30b-64k.sh';

/** `28.6k` → 28600; `812` → 812 (the table's tok/s column). */
function parseTokensPerSecond(cell: string): number {
  const m = /^([\d.]+)(k|M)?$/.exec(cell.trim());
  assert.ok(m, cell);
  return Number(m[1]) * (m[2] === 'k' ? 1e3 : m[2] === 'M' ? 1e6 : 1);
}

test('PP what-if on the demo: the rows say the global batch changed, and tokens/s ranks them correctly', () => {
  const text = readFileSync(repoPath(DEMO), 'utf8');
  const base = analyze(text, { fileName: DEMO, gpuId: 'a100-80gb' });
  const flag = base.flags.find((f) => f.flag === '--pipeline-model-parallel-size');
  assert.ok(flag);
  const candidates = whatIfCandidates(flag, [], (v) => planFlagEdit(text, base, flag.flag, v));
  const rows = computeWhatIfRows(
    text,
    base,
    candidates,
    { fileName: DEMO, gpuId: 'a100-80gb', scope: 'selected' },
    analyze,
    Date.now,
    Infinity,
  );
  const table = whatIfTable('p (PP)', rows, whatIfKey(flag));

  // Derived from the script alone: 64 GPUs, TP 8, 16 microbatches of 1 sequence of 65,536 tokens per DP replica.
  const tokensPerStep = (pp: number): number => 1 * 16 * ((8 * 8) / (8 * pp)) * 65_536;
  const byPp = new Map<number, { stepMs: number; tps: number; cells: string[] }>();
  for (const pp of [2, 4, 8]) {
    const row = rows.find((r) => r.label === String(pp));
    const e = row?.result?.selectedSchedule ? row.result.schedules[row.result.selectedSchedule] : undefined;
    assert.ok(e?.stepTimeMs, `PP ${pp} simulated`);
    assert.equal(row!.result!.config.globalBatchSize! * row!.result!.config.seqLength!, tokensPerStep(pp));
    const line = table.split('\n').find((l) => l.startsWith(`| ${pp} |`) || l.startsWith(`| **${pp}** (now) |`));
    assert.ok(line, `row for PP ${pp}`);
    const cells = line.split('|').map((c) => c.trim());
    // Tokens per second from the script's own arithmetic and the row's step time, not from the engine's field.
    const tps = tokensPerStep(pp) / (e.stepTimeMs / 1000);
    assert.ok(Math.abs(parseTokensPerSecond(cells[3]!) - tps) / tps < 0.005, `PP ${pp}: ${cells[3]} vs ${tps}`);
    byPp.set(pp, { stepMs: e.stepTimeMs, tps, cells });
  }
  const pp2 = byPp.get(2)!;
  const pp4 = byPp.get(4)!;
  const pp8 = byPp.get(8)!;
  // The trap the issue describes: PP 2's step is longer because it does 4× the work…
  assert.ok(pp2.stepMs > 3 * pp8.stepMs, `${pp2.stepMs} vs ${pp8.stepMs}`);
  // …and per token it is the faster one (fewer stages, smaller bubble share per token).
  assert.ok(pp2.tps > pp8.tps, `PP 2 ${pp2.tps} tok/s > PP 8 ${pp8.tps} tok/s`);
  assert.ok(pp4.tps > pp8.tps);
  // What else changed, in the row: DP and the global batch by the script's formula.
  assert.equal(pp2.cells[5], 'DP 1→4, global batch 16→64');
  assert.equal(pp4.cells[5], 'DP 1→2, global batch 16→32');
  assert.equal(pp8.cells[5], '—');
  assert.match(table, /global batch differs between rows.*compare tokens\/s/);
  // Fits a hover: five columns, no row wider than a hover line comfortably holds.
  assert.match(table, /^\| p \(PP\) \| step \| tok\/s \| GiB reserved \| also changes \|$/m);
  // Rendered width (markdown escapes removed): each row fits one hover line of ~80 characters.
  for (const line of table.split('\n').filter((l) => l.startsWith('|')))
    assert.ok(line.replace(/\\/g, '').length <= 80, `${line.length} chars: ${line}`);
});

test('a what-if at equal global batch (micro batch) says nothing else changed and shows no tokens/s warning', () => {
  const text = readFileSync(repoPath('media/examples/llama2-7b-1f1b.sh'), 'utf8');
  const base = analyze(text, { fileName: 'llama.sh', gpuId: 'a100-80gb' });
  const flag = base.flags.find((f) => f.flag === '--micro-batch-size');
  assert.ok(flag);
  const candidates = whatIfCandidates(flag, [], (v) => planFlagEdit(text, base, flag.flag, v));
  const rows = computeWhatIfRows(
    text,
    base,
    candidates,
    { fileName: 'llama.sh', scope: 'selected' },
    analyze,
    Date.now,
    Infinity,
  );
  const table = whatIfTable('micro batch', rows, whatIfKey(flag));
  // Micro batch 2 halves the microbatches per step (global batch / (micro × DP)), and that is all.
  const two = table.split('\n').find((l) => l.startsWith('| 2 |'));
  assert.ok(two, table);
  assert.match(two, /\| microbatches 64→32 \|$/);
  assert.doesNotMatch(table, /global batch differs/);
});
