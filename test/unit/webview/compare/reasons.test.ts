// The compare table says a schedule's refusal once, not once per candidate k (issue 17). The inputs are the engine's
// own refusals for a real configuration, so a change of its wording shows here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../../src/core/analyze';
import { tidyReason } from '../../../../webview/compare/reasons';

/** Seq1F1B on a 3-token sequence: every candidate k > 1 fails the average split's divisibility, each naming its k. */
const script = (seqLength: number): string =>
  `torchrun --nproc_per_node 8 pretrain_gpt.py --pipeline-model-parallel-size 2 --num-layers 4 --hidden-size 512 ` +
  `--num-attention-heads 8 --seq-length ${seqLength} --max-position-embeddings 4096 --micro-batch-size 1 ` +
  `--global-batch-size 8 --use-seq1f1b\n`;

test('a refusal repeated for every candidate k is said once, naming the k values it covers', () => {
  const reason = analyze(script(3), { fileName: 'x.sh' }).schedules.seq1f1b?.reason ?? '';
  assert.match(reason, /^no candidate k applies \(k=2: .*; k=4: .*; k=8: /, 'the engine still lists one refusal per k');
  const tidy = tidyReason(reason);
  assert.equal(
    tidy,
    "no candidate k (2, 4, 8) applies: the repo's average split needs k to divide the sequence length (S=3); its p2p shapes would mismatch",
  );
});

test('different refusals are grouped by text; other reasons pass through unchanged', () => {
  assert.equal(
    tidyReason('no candidate k applies (k=2: too short (S=3, k=2); k=4: too short (S=3, k=4); k=8: deadlocks)'),
    'no candidate k applies: k = 2, 4: too short (S=3); k = 8: deadlocks',
  );
  const plain = "the Seq1F1B repo's interleaved schedule needs more than 2 pipeline stages (p=2)";
  assert.equal(tidyReason(plain), plain);
  assert.equal(tidyReason('no candidate k applies (something else)'), 'no candidate k applies (something else)');
});
