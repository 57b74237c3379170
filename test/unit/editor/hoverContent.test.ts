import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { hoverMarkdown } from '../../../src/editor/hoverContent';
import { mdCode } from '../../../src/editor/markdown';
import { evaluation, flag, r, result } from '../../support/editorFixtures';

const lines: Record<number, string> = { 9: 'PP=4', 11: 'PP_SP=4', 14: 'GBS=32' };
const getText = (range: { line: number; column: number; endColumn: number }) =>
  (lines[range.line] ?? '').slice(range.column, range.endColumn);

test('value, variable chain with line numbers, derived layout', () => {
  const res = result();
  const md = hoverMarkdown(res, res.flags[0], getText);
  assert.match(md, /^\*\*`--pipeline-model-parallel-size`\*\*/);
  assert.match(md, /Number of pipeline stages\\\./);
  assert.match(md, /Value: `4`, from `\$PP` = `4` \(line 10\)/);
  assert.match(md, /world 8 = TP 2 × PP 4 × CP 1 × DP 1/);
  assert.match(md, /8 layers per stage/);
  assert.match(
    md,
    /seq1f1b k=4: 1\\\.23 s\/step · 1000 tok\/s, bubble 9\\\.8 %, peak 65\\\.0\/80 GiB reserved \\\(stage 0\\\)/,
  );
});

test('unresolved values say why', () => {
  const res = result({
    sources: { worldSize: { status: 'unresolved', reason: '$(nvidia-smi …) is only known at run time' } },
  });
  const f = flag({
    flag: '--nproc_per_node',
    keys: ['worldSize'],
    range: r(3, 0, 16),
    valueRange: r(3, 17, 31),
    value: null,
    origins: [],
  });
  assert.match(
    hoverMarkdown(res, f, getText),
    /Value: unresolved — \$\\\(nvidia\\-smi …\\\) is only known at run time/,
  );
});

test('a later occurrence that overrides this one is pointed out', () => {
  const res = result();
  const again = flag({
    flag: '--micro-batch-size',
    keys: ['microBatchSize'],
    range: r(45, 4, 22),
    valueRange: r(45, 23, 24),
    value: '2',
  });
  res.flags.push(again);
  assert.match(hoverMarkdown(res, res.flags[2], getText), /Overridden by `--micro-batch-size` on line 46/);
  assert.doesNotMatch(hoverMarkdown(res, again, getText), /Overridden/);
});

test('code spans survive backticks in file text', () => {
  assert.equal(mdCode('a`b'), '``a`b``');
  assert.equal(mdCode('`x'), '`` `x ``');
});

test('what a value rests on is named in the hover, so a warning instead of an error can be traced to it', () => {
  const res = result({
    sources: {
      pipelineParallel: {
        status: 'explicit',
        assumptions: ['$PP_OVERRIDE is not set in the environment', 'each node has 8 GPUs'],
      },
    },
  });
  assert.match(
    hoverMarkdown(res, res.flags[0], getText),
    /Assumes \$PP\\_OVERRIDE is not set in the environment; each node has 8 GPUs/,
  );
});

test('the step time says what dominates it, largest part first, parts under 1 % left out', () => {
  // 10 s: compute 6 s, bubble 2.5 s, TP comm 1 s, non-GEMM 0.45 s, optimizer 0.05 s (0.5 %: left out).
  const e = evaluation({
    stepTimeMs: 10_000,
    stepTimeBreakdown: {
      rank: 3,
      computeMs: 6000,
      nonGemmMs: 450,
      commMs: 1000,
      recomputeMs: 0,
      overheadMs: 0,
      idleMs: 2500,
      p2pMs: 300,
      dpMs: 0,
      optimizerMs: 50,
    },
  });
  const res = result({ schedules: { seq1f1b: e } });
  // Markdown escapes (`\.`, `\+`) removed: what the hover shows.
  const shown = hoverMarkdown(res, res.flags[0], getText).replace(/\\(.)/g, '$1');
  assert.match(
    shown,
    /Step time: compute 60\.0 %, bubble \+ p2p waits 25\.0 %, TP\/EP\/CP comm 10\.0 %, non-GEMM 4\.5 %$/,
  );
});

test('with a what-if table, the table comes right after the value and everything else goes below it', () => {
  // Issue 17: a hover has little height; the table must be visible without scrolling, the breakdowns can wait.
  const e = evaluation({
    memoryBreakdownGiB: {
      weights: 10,
      grads: 5,
      paramGather: 0,
      gradBuckets: 0,
      optimizer: 20,
      activations: 25,
      kvCache: 0,
      logits: 1,
      fragmentation: 2.5,
      overhead: 1.5,
    },
    peakReservedGiBPerStage: [65],
  });
  const res = result({ schedules: { seq1f1b: e } });
  const rows = [
    { label: '4', current: true, result: res },
    { label: '8', current: false, result: res },
  ];
  const md = hoverMarkdown(res, res.flags[0], getText, { header: 'p (PP)', rows });
  const table = md.indexOf('| p (PP) |');
  const memory = md.indexOf('Memory at the peak');
  assert.ok(table > 0 && memory > table, `table at ${table}, memory breakdown at ${memory}`);
  assert.ok(md.indexOf('Value: ') < table, 'the value stays above the table');
  assert.ok(md.indexOf('Number of pipeline stages') > table, 'the flag’s meaning follows the table');
  // The breakdown adds up to the reserved peak: 10 + 5 + 20 + 25 + 1 + 2.5 + 1.5 = 65.
  // (Markdown-escaped, as the hover shows it.)
  assert.ok(md.includes('allocator cache 2\\.5 \\+ non\\-PyTorch \\(CUDA, NCCL\\) 1\\.5 = 65\\.0 GiB reserved'), md);
  assert.doesNotMatch(md, /NaN/);
});
