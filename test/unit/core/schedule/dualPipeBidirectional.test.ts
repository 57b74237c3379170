// DualPipe, the bidirectional schedule: DeepSeek-V3 technical report (arXiv 2412.19437) §3.2.1; reference code
// deepseek-ai/DualPipe 3da1bbe dualpipe/dualpipe.py (DualPipe.step :294-440), ported in src/core/schedule/dualPipe.ts.
// p ranks (even), rank r holds model stages r and p − 1 − r (examples/example_dualpipe.py:138); the first half of the
// m microbatches (even, ≥ 2p: dualpipe.py:332-333) enters at rank 0, the second half at rank p − 1 (:145-150). Our
// numbering: microbatches 0…m/2 − 1 run direction 0 (model chunk 0, virtual stage r on rank r), m/2…m − 1 direction 1
// (model chunk 1, virtual stage 2p − 1 − r = model stage p − 1 − r). The README's table ("Pipeline Bubbles and Memory
// Usage Comparison", PP = the number of stages = p here): DualPipe bubble (PP/2 − 1)(F&B + B − 3W), parameters 2× per
// device, activations PP + 1 per device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OP_B, OP_F, OP_W, type ScheduleSpec } from '../../../../src/core/types';
import { analyze } from '../../../../src/core/analyze';
import { buildProgramsUnchecked, scheduleNotApplicable } from '../../../../src/core/schedule/programs';
import { chunkPlacement, placementTables } from '../../../../src/core/schedule/placement';
import { ENTRY, EXIT } from '../../../../src/core/schedule/dualPipeV';
import { uniformCosts, type SimCosts } from '../../../../src/core/schedule/simulator';
import { sweepExclusions } from '../../../../src/core/advice/recommend';
import { resolveModelShape } from '../../../../src/core/model/shape';
import { GPU_PROFILES } from '../../../../src/core/hardware/gpus';
import { buildStageCosts, costFlagsOf, DEFAULT_COST_CONSTANTS } from '../../../../src/core/schedule/costModel';
import { evaluateSchedule, stepTimeLowerBound } from '../../../../src/core/schedule/engine';
import {
  checkTimeline,
  prng,
  randInt,
  randomVCosts,
  simulateChecked,
  opListOf,
  assertMatchesPicture,
} from '../../../support/scheduleCheck';

const spec = (p: number, m: number): ScheduleSpec => ({
  schedule: 'dualpipe',
  stages: p,
  microbatches: m,
  splits: 1,
  virtualStages: 2,
});

/** Every chunk (a whole model stage) takes f for its forward, b for its backward for inputs, w for its weights. */
function costs(p: number, f: number, b: number, w: number): SimCosts {
  return {
    forward: new Float64Array(2 * p).fill(f),
    backward: new Float64Array(2 * p).fill(b),
    weight: new Float64Array(2 * p).fill(w),
    p2pForward: new Float64Array(1),
    p2pBackward: new Float64Array(1),
  };
}

// opListOf(r, rank): rank's ops as F0a …, a = direction 0 (model chunk 0), b = direction 1 (model chunk 1)..
const opList = opListOf;

test('placement: direction 0 down the ranks on virtual stages 0…p − 1, direction 1 back up on p…2p − 1', () => {
  assert.equal(chunkPlacement('dualpipe'), 'v-shape');
  // Rank r: model stages r and p − 1 − r (example_dualpipe.py:138); virtual stage p + x is model stage x on rank p − 1 − x.
  assert.deepEqual(Array.from(placementTables(spec(4, 8)).rankOf), [0, 1, 2, 3, 3, 2, 1, 0]);
});

test('DualPipe p=4 m=8, written out by hand from DualPipe.step', () => {
  // dualpipe.py:334-424 with num_half_ranks = 2, half_num_chunks = 4, half_rank = min(r, 3 − r); ranks 1 and 2 are the
  // middle ranks (:45); on ranks 2, 3 (second half) phase 0 is direction 1 (:355-356, :68). Pairs F&B are F then a full
  // backward (B, then its W at once); a zero-bubble B leaves its W in the FIFO for the next _weight_chunk.
  // Rank 0 (half_rank 0): step 1, 2 × F0: F0a F1a. Step 2, 1 × F0 F1: F2a F4b. Step 3, 1 × B1 (zb) W F1: B4b W4b F5b.
  // Step 4, 4 − 4 + 0 + 1 = 1 × pair(F0, B1), pair(F1, B0): F3a B5b W5b, F6b B0a W0a. Step 5, 1 × B1 (full), pair(F1, B0):
  // B6b W6b, F7b B1a W1a. Step 6, 1 × B1 B0, zero bubble from i = 0 after the B1 (half_rank even): B7b W7b B2a. Step 7,
  // 1 × W B0 (zb): W2a B3a. Step 8: W3a.
  // Rank 1 (half_rank 1, middle): step 2, 2 × F0 F1: F0a F4b F1a F5b. Step 4, 2 ×: i = 0 the middle rank's F0 and B1 not
  // overlapped (:385-391): F2a B4b W4b, then F6b B0a W0a; i = 1: F3a B5b W5b, F7b B1a W1a. Step 6, 2 ×, zero bubble
  // from i = 1 before the B1 (half_rank odd): B6b W6b B2a W2a, B7b B3a. Step 8: W7b W3a.
  // Rank 2 (half_rank 1, middle, second half: phase 0 = direction 1): F4b F0a F5b F1a; F6b B0a W0a, F2a B4b W4b,
  // F7b B1a W1a, F3a B5b W5b; B2a W2a B6b W6b, B3a B7b; W3a W7b.
  // Rank 3 (half_rank 0, second half): F4b F5b; F6b F0a; B0a W0a F1a; F7b B1a W1a, F2a B4b W4b; B2a W2a, F3a B5b W5b;
  // B3a W3a B6b; W6b B7b; W7b.
  const s = spec(4, 8);
  const r = simulateChecked(s, costs(4, 1, 1, 1));
  assert.equal(
    opList(r, 0),
    'F0a F1a F2a F4b B4b W4b F5b F3a B5b W5b F6b B0a W0a B6b W6b F7b B1a W1a B7b W7b B2a W2a B3a W3a',
  );
  assert.equal(
    opList(r, 1),
    'F0a F4b F1a F5b F2a B4b W4b F6b B0a W0a F3a B5b W5b F7b B1a W1a B6b W6b B2a W2a B7b B3a W7b W3a',
  );
  assert.equal(
    opList(r, 2),
    'F4b F0a F5b F1a F6b B0a W0a F2a B4b W4b F7b B1a W1a F3a B5b W5b B2a W2a B6b W6b B3a B7b W3a W7b',
  );
  assert.equal(
    opList(r, 3),
    'F4b F5b F6b F0a B0a W0a F1a F7b B1a W1a F2a B4b W4b B2a W2a F3a B5b W5b B3a W3a B6b W6b B7b W7b',
  );
  // ENTRY on each direction's first forwards (rank 0 direction 0, rank 3 direction 1), EXIT on the loss stage's F and B
  // (rank 3 direction 0, rank 0 direction 1: dualpipe.py:75), nowhere else.
  const flags = buildProgramsUnchecked(s).opFlags!;
  for (let rank = 0; rank < 4; rank++)
    for (let q = r.stageOffsets[rank]; q < r.stageOffsets[rank + 1]; q++) {
      const d = r.modelChunk[q];
      const entry = r.kind[q] === OP_F && ((rank === 0 && d === 0) || (rank === 3 && d === 1));
      const exit = r.kind[q] !== OP_W && ((rank === 3 && d === 0) || (rank === 0 && d === 1));
      assert.equal((flags[q] & ENTRY) !== 0, entry, `rank ${rank} op ${q} ENTRY`);
      assert.equal((flags[q] & EXIT) !== 0, exit, `rank ${rank} op ${q} EXIT`);
    }
});

test("the README's DualPipe picture (8 ranks, 20 microbatches), cell by cell", () => {
  // images/dualpipe.png at 3da1bbe, read cell by cell (66 cells; one cell = one forward, one backward for inputs or one
  // backward for weights; a full backward is two green cells, an overlapped pair an orange cell then two green ones):
  // o = forward, g = backward (input or full), b = backward for weights, . = idle. Our timeline at unit costs, drawn the
  // same way (a full backward's W in green, a deferred W in blue), has the picture's cells in the same order on every
  // rank, every forward in the same cell and the same end (66 = 3·20 + (8/2 − 1)·2, the README's bubble). Only in the
  // cool-down (steps 5 and 6) does the picture draw some backwards one cell later, after an idle cell, than their inputs
  // allow: we start each once its gradient is there — on ranks 0 and 7 step 5's B1 is the loss stage's and waits only for
  // its own forward (dualpipe.py:98-101, :400-402) — and the independent checker confirms each op starts exactly when
  // its inputs and its rank allow. No forward moves, and the step ends in the same cell.
  const picture = [
    'oooooooogbogbogboogg...oggoggoggoggogg.ggogg.ggogg.ggogggggbgbgbgb',
    '.oooooooogbogboogg..oggoggoggoggoggoggogg.ggogg.ggogg.ggggggbgbgbb',
    '..oooooooogboogg.oggoggoggoggoggoggoggoggogg.ggogg.gg.gggggggbgbbb',
    '...oooooooooggoggoggoggoggoggoggoggoggoggoggogg.gg.gg.ggggggggbbbb',
    '...oooooooooggoggoggoggoggoggoggoggoggoggoggogg.gg.gg.ggggggggbbbb',
    '..oooooooogboogg.oggoggoggoggoggoggoggoggogg.ggogg.gg.gggggggbgbbb',
    '.oooooooogbogboogg..oggoggoggoggoggoggogg.ggogg.ggogg.ggggggbgbgbb',
    'oooooooogbogbogboogg...oggoggoggoggogg.ggogg.ggogg.ggogggggbgbgbgb',
  ];
  const s = spec(8, 20);
  const r = simulateChecked(s, costs(8, 1, 1, 1));
  // The CLI's uniform costs give each of DualPipe's chunks a whole stage's F, B and W (not half, as a V's chunks).
  assert.deepEqual(uniformCosts(s, 1, 1, 1), costs(8, 1, 1, 1));
  const flags = buildProgramsUnchecked(s).opFlags!;
  assertMatchesPicture(r, flags, picture);
});

test('README bubble: the step is m(F + B + W) + (PP/2 − 1)(F&B + B − 3W) on every rank, PP = p', () => {
  // The table's symbols: F a forward chunk, B a full backward chunk (input + weights), W a weight-gradient chunk, F&B
  // the overlapped pair, run as F then the full backward (dualpipe.py:126-129): F&B = F + B. A rank runs m/2 chunks in
  // each direction, m of each kind. The closed form holds where the README's picture draws it: a backward for inputs no
  // longer than a forward (F = B = W there); we check it at three such cost ratios.
  for (const [f, b, w] of [
    [1, 1, 1],
    [2, 2, 1],
    [1, 1, 0.5],
  ]) {
    for (let p = 2; p <= 10; p += 2) {
      for (let m = 2 * p; m <= 3 * p + 4; m += 2) {
        const r = simulateChecked(spec(p, m), costs(p, f, b, w));
        const full = b + w;
        assert.equal(
          r.makespan,
          m * (f + b + w) + (p / 2 - 1) * (f + full + full - 3 * w),
          `f=${f} b=${b} p=${p} m=${m}`,
        );
      }
    }
  }
});

test('README activations PP + 1: p + 1 microbatches between F and B on every rank', () => {
  // Warm-up: 2(p/2 − h − 1) + 2(h + 1) = p forwards (h = half_rank), and step 3 keeps p (a B, then an F); the first pair's
  // F comes before its B: one more. In the README's unit, one microbatch's activations on one stage.
  for (let p = 2; p <= 10; p += 2) {
    for (const m of [2 * p, 3 * p + 2]) {
      const r = simulateChecked(spec(p, m), costs(p, 1, 1, 1));
      for (let rank = 0; rank < p; rank++) {
        let live = 0;
        let most = 0;
        for (let q = r.stageOffsets[rank]; q < r.stageOffsets[rank + 1]; q++) {
          live += r.kind[q] === OP_F ? 1 : r.kind[q] === OP_B ? -1 : 0;
          most = Math.max(most, live);
        }
        assert.equal(most, p + 1, `p=${p} m=${m} rank ${rank}`);
        assert.equal(r.peakUnits[rank], p + 1, `p=${p} m=${m} rank ${rank}: simulator's peak (until W)`);
      }
    }
  }
});

test('dependency checker: 600 random DualPipe configurations with random per-stage costs and p2p delays', () => {
  const rand = prng(20261208);
  for (let n = 0; n < 600; n++) {
    const p = 2 * randInt(rand, 1, 5);
    const m = 2 * randInt(rand, p, 3 * p);
    const c = randomVCosts(rand, p, n);
    const r = simulateChecked(spec(p, m), c);
    // Each rank runs m/2 microbatches on each chunk: 3m ops, m of them W.
    let ws = 0;
    for (let q = 0; q < r.opCount; q++) if (r.kind[q] === OP_W) ws++;
    assert.equal(ws, p * m);
    assert.equal(r.opCount, 3 * p * m);
  }
});

test("the checker catches a late entry forward and a microbatch on the other direction's chunk", () => {
  // The checker is independent of the simulator: move rank p − 1's first direction-1 forward (an entry) later by one and
  // it reports the idle time; put a direction-0 microbatch on chunk 1 and it reports the wrong direction.
  const s = spec(4, 8);
  const c = costs(4, 1, 1, 1);
  const r = simulateChecked(s, c);
  const q = r.stageOffsets[3];
  const late = { ...r, start: Float64Array.from(r.start), end: Float64Array.from(r.end) };
  late.start[q] += 1;
  late.end[q] += 1;
  assert.match(checkTimeline(late, c, true) ?? '', /idles|before its inputs|overlap|lasts/);
  const swapped = { ...r, modelChunk: Uint16Array.from(r.modelChunk) };
  swapped.modelChunk[r.stageOffsets[0]] = 1;
  assert.match(checkTimeline(swapped, c, true) ?? '', /other direction|appears twice/);
});

test('constraints: even PP, even m ≥ 2·PP (dualpipe.py:332-333), two chunks, no splits — one short reason', () => {
  const why = /DualPipe needs an even PP and an even number of microbatches ≥ 2·PP/;
  assert.match(scheduleNotApplicable(spec(3, 12)) ?? '', why);
  assert.match(scheduleNotApplicable(spec(4, 6)) ?? '', why);
  assert.match(scheduleNotApplicable(spec(4, 9)) ?? '', why);
  assert.match(scheduleNotApplicable(spec(4, 6)) ?? '', /\(PP=4, m=6\)/);
  assert.equal(scheduleNotApplicable(spec(4, 8)), null);
  assert.equal(scheduleNotApplicable(spec(2, 4)), null);
  assert.match(scheduleNotApplicable({ ...spec(4, 8), virtualStages: 1 }) ?? '', /exactly 2 model chunks/);
  assert.match(scheduleNotApplicable({ ...spec(4, 8), splits: 2 }) ?? '', /does not split sequences/);
});

const LAUNCH =
  'torchrun --nproc_per_node 8 pretrain_gpt.py --num-layers 32 --hidden-size 2048 --num-attention-heads 16 ' +
  '--seq-length 2048 --max-position-embeddings 2048 --micro-batch-size 1 --global-batch-size 64 --vocab-size 32000 ' +
  '--pipeline-model-parallel-size 4 --bf16 --untie-embeddings-and-output-weights';

test('a what-if only: no flag selects DualPipe; its evaluation holds 2× parameters and PP + 1 activations per rank', () => {
  // MindSpeed's --schedules-method has dualpipev only (MindSpeed-LLM flag set); so does PyTorch's pipelining.
  const r = analyze(`${LAUNCH}\n`, { fileName: 'train.sh' });
  assert.equal(r.selectedSchedule, '1f1b');
  const e = r.schedules.dualpipe;
  const one = r.schedules['1f1b'];
  assert.ok(e?.applicable && e.sim && e.memory, e?.reason ?? '');
  assert.ok(one?.applicable && one.memory);
  assert.equal(e.whatIf, true);
  assert.equal(e.virtualStages, 2);
  // 64 / 1 / DP 2 = 32 microbatches: 16 per direction, each rank 3 × 32 ops.
  assert.equal(e.sim.spec.microbatches, 32);
  assert.equal(e.sim.stageOffsets[1] - e.sim.stageOffsets[0], 3 * 32);
  // README parameters 2×: rank r holds 1F1B's stages r and p − 1 − r, each 32/4 = 8 layers (not a V's 4).
  for (let rank = 0; rank < 4; rank++) {
    const mirror = 3 - rank;
    assert.equal(
      e.memory[rank].breakdownBytes.weights,
      one.memory[rank].breakdownBytes.weights + one.memory[mirror].breakdownBytes.weights,
      `rank ${rank}`,
    );
  }
  // README activations PP + 1: rank 1 (no embedding, no loss) holds p + 1 = 5 microbatches of a stage's activations,
  // 1F1B's rank 1 holds p − 1 = 3 of the same stage's (its warm-up) — 5/3 of it.
  const ratio = e.memory[1].breakdownBytes.activations / one.memory[1].breakdownBytes.activations;
  assert.ok(Math.abs(ratio - 5 / 3) < 1e-9, `activations ratio ${ratio}`);
});

test('the sweep searches DualPipe where it applies and names its one reason where not', () => {
  const gpu = GPU_PROFILES[0]!;
  // PP 3 (36 layers on 6 GPUs): odd, so DualPipe is left out of the sweep with the reference's rule, once.
  const oddText = LAUNCH.replace('pipeline-model-parallel-size 4', 'pipeline-model-parallel-size 3')
    .replace('--num-layers 32', '--num-layers 36')
    .replace('--nproc_per_node 8', '--nproc_per_node 6');
  const odd = analyze(`${oddText}\n`, { fileName: 'train.sh' });
  const shape3 = resolveModelShape(odd.config);
  assert.ok(shape3.ok);
  const reasons = sweepExclusions(odd.config, shape3.shape, { gpu }).filter((x) => x.schedule === 'dualpipe');
  assert.equal(reasons.length, 1);
  assert.match(reasons[0]!.reason, /DualPipe needs an even PP/);
  assert.equal(odd.schedules.dualpipe?.applicable, false);
  // PP 4, 32 microbatches: searched (and simulated as a what-if).
  const even = analyze(`${LAUNCH}\n`, { fileName: 'train.sh' });
  const shape4 = resolveModelShape(even.config);
  assert.ok(shape4.ok);
  assert.equal(
    sweepExclusions(even.config, shape4.shape, { gpu }).find((x) => x.schedule === 'dualpipe'),
    undefined,
  );
  assert.match(even.recommendation?.searched ?? '', /DualPipe \(v = 2\)/);
});

test('costs: virtual stage p + x costs as model stage x — a whole stage (L/p layers), not a V chunk (L/2p)', () => {
  const r = analyze(`${LAUNCH}\n`, { fileName: 'train.sh' });
  const shape = resolveModelShape(r.config);
  assert.ok(shape.ok);
  const gpu = GPU_PROFILES[0]!;
  // Blocking sends on both (p2pOverlap off): each stage pays the send to its direction's next stage, which for
  // direction 1 is the next model stage too, and no stage sends across the turn (same rank).
  const flags = { ...costFlagsOf(r.config), p2pOverlap: false };
  const one = buildStageCosts(shape.shape, 1, [2048], true, gpu, DEFAULT_COST_CONSTANTS, flags);
  const dual = buildStageCosts(shape.shape, 2, [2048], true, gpu, DEFAULT_COST_CONSTANTS, {
    ...flags,
    chunkPlacement: 'v-shape',
    bidirectional: true,
  });
  const p = 4;
  for (let x = 0; x < p; x++)
    for (const s of [x, p + x]) {
      assert.equal(dual.costs.forward[s], one.costs.forward[x], `F of virtual stage ${s}`);
      assert.equal(dual.costs.backward[s], one.costs.backward[x], `B of virtual stage ${s}`);
      assert.equal(dual.costs.weight[s], one.costs.weight[x], `W of virtual stage ${s}`);
    }
  // 2× parameters: each rank reduces the gradients of both its stages over DP.
  for (let rank = 0; rank < p; rank++)
    assert.equal(
      dual.dpGradBytesPerRank[rank],
      one.dpGradBytesPerRank[rank] + one.dpGradBytesPerRank[p - 1 - rank],
      `rank ${rank}`,
    );
});

test("the sweep's step-time lower bound stays below DualPipe's simulated step (direction 1 starts at rank p − 1)", () => {
  const gpu = GPU_PROFILES[0]!;
  for (const pp of [2, 4, 8]) {
    const text = LAUNCH.replace('pipeline-model-parallel-size 4', `pipeline-model-parallel-size ${pp}`).replace(
      '--global-batch-size 64',
      `--global-batch-size ${(8 / pp) * 2 * pp * 2}`,
    );
    const r = analyze(`${text}\n`, { fileName: 'train.sh' });
    const choice = { schedule: 'dualpipe' as const, splits: 1, strategy: 'average' as const, virtualStages: 2 };
    const e = evaluateSchedule(r.config, choice, { gpu });
    assert.ok(e.applicable && e.stepTimeMs != null, e.reason ?? '');
    const bound = stepTimeLowerBound(r.config, choice, { gpu });
    assert.ok(bound != null && bound <= e.stepTimeMs + 1e-9, `PP ${pp}: bound ${bound} > step ${e.stepTimeMs}`);
    // Not vacuous: at least the busiest rank's work.
    assert.ok(bound > 0.8 * e.stepTimeMs, `PP ${pp}: bound ${bound} vs step ${e.stepTimeMs}`);
  }
});
