// Issue 17, "one number, one definition": every surface renders the configured run's figures from the one summary
// (src/protocol/summary.ts) — code lens, status bar (and its tooltip), inlay hint, hover, the oom-risk warning, the
// panel payload (summary and stacked bars), the CLI text and the JSON. For every example, launch fixture and
// integration fixture (bash scripts and NeMo YAML), this renders each surface and asserts it shows the same reserved
// GiB, the same allocated GiB and the same step time, and that each GiB figure says which one it is.
//
// Independent of the summary code: the reserved figure is recomputed here as the maximum of the evaluation's
// per-stage reserved peaks, the allocated one as that stage's allocated peak, and the breakdown's terms must add up
// to the reserved figure (reserved = allocated terms + allocator/CUDA overhead).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { analyze, type AnalysisResult } from '../../../src/core/analyze';
import { formatDurationMs } from '../../../src/core/format';
import { formatSummary } from '../../../src/report/text';
import { toJson } from '../../../src/report/json';
import { inlayHintSpecs, lastFlagFor, statusLine, summaryLine } from '../../../src/editor/present';
import { hoverMarkdown } from '../../../src/editor/hoverContent';
import { buildAnalysisMessage } from '../../../src/protocol/payload';
import { runSummary } from '../../../src/protocol/summary';
import { repoPath } from '../../support/paths';

const DIRS = ['media/examples', 'test/fixtures/launch', 'test/integration/fixtures'];

function files(): string[] {
  const out: string[] = [];
  for (const dir of DIRS)
    for (const name of readdirSync(repoPath(dir)).sort()) if (/\.(sh|ya?ml)$/.test(name)) out.push(`${dir}/${name}`);
  return out;
}

/** Markdown escapes punctuation; the text a user reads is without the backslashes. */
const plain = (md: string): string => md.replace(/\\/g, '');
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

interface Checked {
  file: string;
  reserved: string;
  oomMessage: boolean;
}

function checkSurfaces(file: string, r: AnalysisResult): Checked | null {
  const s = runSummary(r);
  const e = r.selectedSchedule ? r.schedules[r.selectedSchedule] : undefined;
  if (!s || !e?.peakReservedGiBPerStage || !e.peakMemoryGiBPerStage) return null;
  // The figures, derived here from the evaluation rather than taken from the summary.
  const reservedGiB = Math.max(...e.peakReservedGiBPerStage);
  const stage = e.peakReservedGiBPerStage.indexOf(reservedGiB);
  const allocatedGiB = e.peakMemoryGiBPerStage[stage]!;
  const reserved = reservedGiB.toFixed(1);
  const allocated = allocatedGiB.toFixed(1);
  const cap = Math.round(r.gpu.memoryGiB);
  const step = formatDurationMs(e.stepTimeMs);
  const peak = `peak ${reserved}/${cap} GiB reserved (stage ${stage})`;
  assert.equal(s.memory?.stage, stage, file);
  assert.equal(s.memory?.reservedGiB, reservedGiB, file);
  assert.equal(s.memory?.allocatedGiB, allocatedGiB, file);
  assert.ok(allocatedGiB <= reservedGiB + 1e-9, `${file}: allocated ${allocated} ≤ reserved ${reserved}`);
  if (e.memoryBreakdownGiB) {
    const sum = Object.values(e.memoryBreakdownGiB).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - reservedGiB) < 1e-6, `${file}: breakdown ${sum} = reserved ${reservedGiB}`);
  }

  // Code lens and status bar.
  const lens = summaryLine(r);
  assert.ok(lens.includes(peak), `${file}: lens "${lens}"`);
  assert.ok(lens.includes(`${step}/step`), `${file}: lens step "${lens}"`);
  assert.ok(statusLine(r).includes(`peak ${reserved} GiB reserved`), `${file}: status "${statusLine(r)}"`);
  // Inlay hint at the micro-batch flag, when the file has one.
  if (lastFlagFor(r, 'microBatchSize')) {
    const hint = inlayHintSpecs(r).find((h) => h.label.startsWith('peak '));
    assert.equal(hint?.label, peak + (s.oom ? ' OOM' : ''), file);
    assert.ok(hint.tooltip.includes(`${reserved} GiB reserved, ${allocated} GiB allocated`), `${file}: tooltip`);
  }
  // Hover on a schedule-driving flag.
  const flag = lastFlagFor(r, 'pipelineParallel') ?? lastFlagFor(r, 'microBatchSize');
  if (flag) {
    const hover = plain(hoverMarkdown(r, flag, () => ''));
    assert.ok(hover.includes(peak), `${file}: hover`);
    assert.ok(hover.includes(`${step}/step`), `${file}: hover step`);
    if (e.memoryBreakdownGiB) assert.match(hover, new RegExp(`= ${esc(reserved)} GiB reserved`), file);
  }
  // The oom-risk warning names the same reserved figure.
  const oom = r.diagnostics.find((d) => d.code === 'oom-risk');
  if (oom) assert.match(oom.message, new RegExp(`needs ${esc(reserved)} GiB reserved of`), file);
  // Panel payload: the summary itself, and the stacked bars of the worst stage add up to it.
  const msg = buildAnalysisMessage(r, { fileName: file, overrides: {}, canApply: false, canWhatIf: false });
  assert.deepEqual(msg.header.summary, s, file);
  const bars = msg.header.schedules.find((x) => x.schedule === r.selectedSchedule)?.stageBreakdownGiB;
  if (bars) {
    const stacked = Object.values(bars[stage]!).reduce((a, b) => a + b, 0);
    assert.equal(stacked.toFixed(1), reserved, `${file}: panel bars`);
  }
  // CLI text and JSON.
  const cli = formatSummary(file, r);
  assert.match(
    cli,
    new RegExp(
      `Run .* ${esc(step)}/step .*peak stage ${stage}: ${esc(reserved)} GiB reserved, ${esc(allocated)} GiB allocated`,
    ),
    file,
  );
  assert.match(cli, new RegExp(`▸ ${esc(r.selectedSchedule!)} .* ${esc(reserved)}( OOM)?\\n`), file);
  const json = JSON.parse(JSON.stringify(toJson(file, r))) as { summary: unknown };
  assert.deepEqual(json.summary, JSON.parse(JSON.stringify(s)), `${file}: JSON summary`);
  return { file, reserved, oomMessage: oom != null };
}

test('every surface shows the same reserved and allocated GiB and step time, for examples, fixtures and NeMo YAML', () => {
  const checked: Checked[] = [];
  for (const file of files()) {
    const text = readFileSync(repoPath(file), 'utf8');
    const r = analyze(text, { fileName: file, gpuId: 'a100-80gb' });
    const c = checkSurfaces(file, r);
    if (c) checked.push(c);
  }
  // The set must cover bash and YAML, and the run that is over capacity (the oom-risk message is a surface too).
  const names = checked.map((c) => c.file);
  assert.ok(names.includes('media/examples/nemo-gpt-8b.yaml'), names.join(' '));
  assert.ok(names.includes('test/fixtures/launch/nemo-llama3-70b.yaml'), names.join(' '));
  assert.ok(names.includes('media/examples/seq1f1b-30b-64k.sh'));
  assert.ok(names.includes('test/integration/fixtures/oom-30b-64k-1f1b.sh'));
  assert.ok(checked.length >= 20, `${checked.length} files checked`);
  assert.ok(checked.filter((c) => c.oomMessage).length >= 1, 'at least one oom-risk message was compared');
});

test('a run that is not simulated shows no figure anywhere, and the summary is null on every surface', () => {
  const text = 'torchrun pretrain_gpt.py --num-layers 2\n';
  const r = analyze(text, { fileName: 'x.sh' });
  assert.equal(runSummary(r), null);
  assert.doesNotMatch(summaryLine(r), /GiB/);
  assert.doesNotMatch(statusLine(r), /GiB/);
  assert.equal(
    buildAnalysisMessage(r, { fileName: 'x', overrides: {}, canApply: false, canWhatIf: false }).header.summary,
    null,
  );
  assert.equal((toJson('x.sh', r) as { summary: unknown }).summary, null);
  assert.doesNotMatch(formatSummary('x.sh', r), /^ {2}Run /m);
});
