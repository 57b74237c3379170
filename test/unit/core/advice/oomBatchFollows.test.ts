// Issue 17 (found in the code-server acceptance run, test/integration/oneTruthUi.mjs): a global batch written in terms
// of the micro-batch — NeMo's `global_batch_size: ${multiply:${.micro_batch_size},64}`, OmegaConf's `multiply`
// resolver registered as `lambda x, y: x * y` (NeMo 8cfedd72 nemo/core/config/hydra_runner.py:48) — halves with the
// micro-batch. The oom-risk fix "model.micro_batch_size: 1" then changes the work per step, so the message must not
// price it "at the same global batch": it says the batch change and the tokens/s, checked here against the edited
// file analysed from scratch (an independent path through the reader and the simulator).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze } from '../../../../src/core/analyze';
import { applyEdits } from '../../../../src/core/edits/planFlagEdit';
import { repoPath } from '../../../support/paths';

const FILE = 'test/integration/fixtures/nemo-llama3-70b-oom.yaml';

function oomOf(text: string) {
  const r = analyze(text, { fileName: FILE, gpuId: 'a100-80gb' });
  const d = r.diagnostics.find((x) => x.code === 'oom-risk');
  assert.ok(d, 'Llama 3 70B at micro-batch 2 without recompute is over 80 GB');
  return { r, d };
}

const tokensPerSecond = (r: ReturnType<typeof analyze>): number => {
  const ms = r.schedules[r.selectedSchedule!]!.stepTimeMs!;
  return (r.config.globalBatchSize! * r.config.seqLength!) / (ms / 1000);
};

test('NeMo: halving a micro-batch the global batch is computed from states the batch change and the tokens/s', () => {
  const text = readFileSync(repoPath(FILE), 'utf8');
  const { r, d } = oomOf(text);
  assert.equal(r.config.globalBatchSize, 128, 'multiply(2, 64)');
  assert.match(d.message, /model\.micro_batch_size: 1 fits/);
  assert.doesNotMatch(d.message, /at the same global batch/);
  const m =
    /the global batch follows it \(128 → 64\), so ([+−])([\d.]+) % tokens\/s \(([\d.]+) s → ([\d.]+) s per step\)/.exec(
      d.message,
    );
  assert.ok(m, d.message);
  const fix = d.fixes?.[0];
  assert.ok(fix, 'a quick fix');
  const fixed = analyze(applyEdits(text, fix.edits), { fileName: FILE, gpuId: 'a100-80gb' });
  assert.equal(fixed.config.microBatchSize, 1);
  assert.equal(fixed.config.globalBatchSize, 64, 'multiply(1, 64): the interpolation follows the edited key');
  assert.equal(fixed.config.numMicrobatches, r.config.numMicrobatches, 'same microbatch count, half the batch');
  const stated = (m[1] === '−' ? -1 : 1) * (Number(m[2]) / 100);
  const measured = tokensPerSecond(fixed) / tokensPerSecond(r) - 1;
  assert.ok(Math.abs(stated - measured) < 0.001, `${d.message} vs ${measured}`);
  const afterS = fixed.schedules[fixed.selectedSchedule!]!.stepTimeMs! / 1000;
  assert.ok(Math.abs(Number(m[4]) - afterS) < 0.05, `${m[4]} s vs the edited file's ${afterS} s`);
});

test('NeMo: with a literal global batch the same fix keeps the batch and is priced at equal work', () => {
  const text = readFileSync(repoPath(FILE), 'utf8').replace(
    /global_batch_size: \$\{multiply:\$\{\.micro_batch_size\},64\}/,
    'global_batch_size: 128',
  );
  const { r, d } = oomOf(text);
  assert.equal(r.config.globalBatchSize, 128);
  assert.match(d.message, /model\.micro_batch_size: 1 fits .* step time at the same global batch/);
  assert.doesNotMatch(d.message, /follows it/);
});
