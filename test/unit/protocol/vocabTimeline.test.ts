// D (issue 18): the vocabulary-parallel run on its way to the panel (src/protocol/vocabTimeline.ts, pack.ts, payload.ts,
// messages.ts). The drawn collectives are checked against the simulator itself: every op that waits for one starts
// exactly when the later of its rank's previous op and that collective ends (simulateVocabParallel starts each op at
// max(its rank's clock, its readiness)), which the test re-derives from the drawn collectives alone. The split of the
// fused output-layer step follows the fork's lm_head_step_helper (sail-sg/VocabularyParallelism 6191c3bf,
// megatron/core/pipeline_parallel/vocab_parallel_schedule.py:709-716 the backward of microbatch i − 1, then
// :720-733 the forward of microbatch i).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze } from '../../../src/core/analyze';
import { simulateVocabParallel, type VocabDurations } from '../../../src/core/schedule/vocabParallel';
import { OP_B, OP_F, type VocabParallelFigures } from '../../../src/core/types';
import { toJson } from '../../../src/report/json';
import { isHostToWebview } from '../../../src/protocol/messages';
import { COLL_BROADCAST, COLL_C0, COLL_C1, OP_S, OP_T } from '../../../src/protocol/opKinds';
import { packTimeline, unpackTimeline, type TimelineArrays } from '../../../src/protocol/pack';
import { buildAnalysisMessage } from '../../../src/protocol/payload';
import { decodeReportMessages, encodeReportMessages } from '../../../src/protocol/reportData';
import { vocabTimeline } from '../../../src/protocol/vocabTimeline';
import { prng as mulberry32 } from '../../support/scheduleCheck';
import { repoPath } from '../../support/paths';

const FORK = readFileSync(repoPath('test/fixtures/vocab/vocab-parallel-fork.sh'), 'utf8');
const ALG1 = FORK.replace('VOCAB_PARALLEL=1\n', 'VOCAB_PARALLEL=1\nFB_SPLIT=1\n');
const near = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

function durations(rand: () => number, p: number, alg: 1 | 2): VocabDurations {
  const u = (lo: number, hi: number): number => lo + (hi - lo) * rand();
  return {
    forwardMs: Float64Array.from({ length: p }, () => u(0.5, 2)),
    backwardMs: Float64Array.from({ length: p }, () => u(1, 4)),
    sPassMs: u(0.05, 1),
    tPassMs: u(0.05, 1),
    p2pForwardMs: u(0, 0.2),
    p2pBackwardMs: u(0, 0.2),
    broadcastMs: u(0, 0.5),
    c0Ms: u(0, 0.5),
    c1Ms: alg === 1 ? u(0, 0.5) : 0,
  };
}

/** The drawn collective of (kind, microbatch): [start, end], or undefined. */
function collective(t: TimelineArrays, kind: number, mb: number): [number, number] | undefined {
  for (let i = 0; i < t.collKind.length; i++)
    if (t.collKind[i] === kind && t.collMicrobatch[i] === mb) return [t.collStart[i]!, t.collEnd[i]!];
  return undefined;
}

function drawn(vp: VocabParallelFigures): TimelineArrays {
  const v = vocabTimeline(vp);
  assert.ok(v);
  const { layout, buffer } = packTimeline(v.ops, undefined, v.collectives);
  const t = unpackTimeline(JSON.parse(JSON.stringify(layout)), buffer);
  assert.ok(typeof t !== 'string', String(t));
  return t;
}

test('every op waiting for a drawn collective starts when it ends or when its rank is free (600 random runs)', () => {
  const rand = mulberry32(18);
  for (let n = 0; n < 600; n++) {
    const alg: 1 | 2 = n % 2 ? 1 : 2;
    const p = 2 + Math.floor(rand() * 7);
    const m = 1 + Math.floor(rand() * 12);
    const d = durations(rand, p, alg);
    const run = simulateVocabParallel(p, m, alg, d);
    assert.ok(typeof run !== 'string', String(run));
    const t = drawn({
      algorithm: alg,
      plainStepTimeMs: 0,
      plainBubbleFraction: null,
      busyMsPerStage: [],
      inFlightPerStage: [],
      run,
      durations: d,
    });
    const where = `p=${p} m=${m} algorithm ${alg} (#${n})`;
    // Every rank draws F, B, S and T once per microbatch: 4m ops, one more than the run's 3m + 1 per m − 1.
    for (let r = 0; r < p; r++) assert.equal(t.stageOffsets[r + 1]! - t.stageOffsets[r]!, 4 * m, where);
    const sEnd = new Float64Array(m).fill(-Infinity);
    const tEnd = new Float64Array(m).fill(-Infinity);
    for (let q = 0; q < t.opCount; q++) {
      const i = t.microbatch[q]!;
      if (t.kind[q] === OP_S) sEnd[i] = Math.max(sEnd[i]!, t.end[q]!);
      if (t.kind[q] === OP_T) tEnd[i] = Math.max(tEnd[i]!, t.end[q]!);
    }
    for (let r = 0; r < p; r++) {
      let prevEnd = 0;
      for (let q = t.stageOffsets[r]!; q < t.stageOffsets[r + 1]!; q++) {
        const i = t.microbatch[q]!;
        const kind = t.kind[q]!;
        let ready: number | null = null;
        // The fused step starts with T of i − 1 when there is one (its S follows on the same rank at once).
        const stepStart = kind === OP_T || (kind === OP_S && (i === 0 || t.kind[q - 1] !== OP_T));
        if (stepStart) {
          const step = kind === OP_T ? i + 1 : i;
          const bcast = collective(t, COLL_BROADCAST, step);
          const prevC0 = step > 0 ? collective(t, COLL_C0, step - 1) : undefined;
          // Algorithm 2: the input by broadcast and the previous statistics by C0; Algorithm 1: the broadcast that
          // carries the input and the loss gradient, sent after that C0.
          ready = alg === 2 ? Math.max(bcast?.[1] ?? -Infinity, prevC0?.[1] ?? -Infinity) : bcast![1];
          if (alg === 1 && prevC0) assert.ok(bcast![0] >= prevC0[1] - 1e-9, where);
        }
        if (kind === OP_B && r === p - 1) ready = collective(t, alg === 2 ? COLL_C0 : COLL_C1, i)![1];
        if (ready !== null)
          assert.ok(near(t.start[q]!, Math.max(prevEnd, ready)), `${where} rank ${r} op ${q}: ${t.start[q]}`);
        if (kind === OP_T) assert.ok(near(t.end[q]! - t.start[q]!, d.tPassMs), where);
        if (kind === OP_S) assert.ok(near(t.end[q]! - t.start[q]!, d.sPassMs), where);
        prevEnd = t.end[q]!;
      }
    }
    // Each barrier starts when the last rank finishes the fused step holding the pass it reduces: C0(i) after S(i)
    // (the step's last part), C1(i) after T(i) and the S(i + 1) that follows it in the same step.
    for (let i = 0; i < m; i++) {
      assert.ok(near(collective(t, COLL_C0, i)![0], sEnd[i]!), where);
      const stepEnd = i + 1 < m ? Math.max(tEnd[i]!, sEnd[i + 1]!) : tEnd[i]!;
      if (alg === 1) assert.ok(near(collective(t, COLL_C1, i)![0], stepEnd), where);
      else assert.equal(collective(t, COLL_C1, i), undefined);
    }
    assert.equal(t.collKind.length, alg === 1 ? 3 * m + 1 : 2 * m, where);
  }
});

test('the analysis carries the run to the panel, packed, and the CLI JSON does not print it', () => {
  for (const [text, alg] of [
    [FORK, 2],
    [ALG1, 1],
  ] as const) {
    const r = analyze(text, { fileName: 'pretrain_gpt.sh' });
    const e = r.schedules['1f1b']!;
    assert.equal(e.vocabParallel?.algorithm, alg);
    assert.ok(e.vocabParallel.run && e.vocabParallel.durations);
    const json = JSON.parse(JSON.stringify(toJson('pretrain_gpt.sh', r))) as {
      schedules: { '1f1b': { vocabParallel: Record<string, unknown> } };
    };
    assert.deepEqual(Object.keys(json.schedules['1f1b'].vocabParallel), [
      'algorithm',
      'plainStepTimeMs',
      'plainBubbleFraction',
      'busyMsPerStage',
      'inFlightPerStage',
    ]);
    const msg = buildAnalysisMessage(r, { fileName: 'f.sh', overrides: {}, canApply: false, canWhatIf: false });
    // Through the standalone report's encoding too: the header is JSON, the run one more buffer.
    const [copy] = decodeReportMessages(encodeReportMessages([msg]));
    assert.ok(isHostToWebview(copy));
    assert.equal(copy.type, 'analysis');
    const sh = copy.header.schedules.find((s) => s.schedule === '1f1b')!;
    assert.deepEqual(Object.keys(sh.vocabParallel!).sort(), Object.keys(json.schedules['1f1b'].vocabParallel).sort());
    assert.ok(sh.vocabTimeline && sh.timeline && sh.vocabTimeline.bufferIndex !== sh.timeline.bufferIndex);
    const t = unpackTimeline(sh.vocabTimeline.layout, copy.buffers[sh.vocabTimeline.bufferIndex]);
    assert.ok(typeof t !== 'string', String(t));
    // PP 8, 24 microbatches: F, B, S, T of each on every rank, ending where the run ends.
    assert.equal(t.stages, 8);
    assert.equal(t.opCount, 8 * 4 * 24);
    assert.equal(t.memTimeMs.length, 0);
    assert.equal(
      Math.max(...t.end),
      e.vocabParallel.run.endMs.reduce((a, b) => Math.max(a, b), 0),
    );
    assert.deepEqual(Array.from(t.busy), Array.from(e.vocabParallel.run.busyMs));
    const counts = [0, 0, 0, 0, 0];
    for (const k of t.kind) counts[k]!++;
    assert.deepEqual(counts, [192, 192, 0, 192, 192]);
    // Transformer p2p: rank 1's forward of microbatch 0 is fed by rank 0's, p2pForwardMs after it ends.
    const f0 = t.stageOffsets[1]!;
    assert.equal(t.kind[f0], OP_F);
    assert.ok(near(t.p2pStart[f0]!, t.end[0]!));
    assert.ok(near(t.p2pEnd[f0]! - t.p2pStart[f0]!, e.vocabParallel.durations.p2pForwardMs));
  }
  // A file without Vocabulary Parallelism sends no run.
  const plain = analyze(FORK.replace('VOCAB_PARALLEL=1\n', ''), { fileName: 'pretrain_gpt.sh' });
  const msg = buildAnalysisMessage(plain, { fileName: 'f.sh', overrides: {}, canApply: false, canWhatIf: false });
  assert.ok(msg.header.schedules.every((s) => s.vocabTimeline === undefined));
});

test('a run op kind without a row in the table is not drawn: the panel keeps plain 1F1B', () => {
  const d = durations(mulberry32(3), 2, 2);
  const run = simulateVocabParallel(2, 3, 2, d);
  assert.ok(typeof run !== 'string');
  const vp = {
    algorithm: 2 as const,
    plainStepTimeMs: 0,
    plainBubbleFraction: null,
    busyMsPerStage: [],
    inFlightPerStage: [],
    durations: d,
  };
  assert.ok(vocabTimeline({ ...vp, run }));
  assert.equal(vocabTimeline({ ...vp, run: { ...run, kind: run.kind.map((k) => (k === 2 ? 9 : k)) } }), null);
  assert.equal(vocabTimeline({ ...vp, run: { ...run, stages: 3 } }), null); // 20 ops on 3 ranks
  assert.equal(vocabTimeline(vp), null);
});

test('unpack and the message guard reject forged collectives and vocabulary-timeline references', () => {
  const d = durations(mulberry32(5), 3, 1);
  const run = simulateVocabParallel(3, 4, 1, d);
  assert.ok(typeof run !== 'string');
  const v = vocabTimeline({
    algorithm: 1,
    plainStepTimeMs: 0,
    plainBubbleFraction: null,
    busyMsPerStage: [],
    inFlightPerStage: [],
    run,
    durations: d,
  })!;
  const good = packTimeline(v.ops, undefined, v.collectives);
  const forged = (edit: (c: typeof v.collectives) => void): string => {
    const c = {
      collKind: v.collectives.collKind.slice(),
      collMicrobatch: v.collectives.collMicrobatch.slice(),
      collStart: v.collectives.collStart.slice(),
      collEnd: v.collectives.collEnd.slice(),
    };
    edit(c);
    const p = packTimeline(v.ops, undefined, c);
    const r = unpackTimeline(p.layout, p.buffer);
    assert.equal(typeof r, 'string');
    return r as string;
  };
  assert.match(
    forged((c) => (c.collKind[0] = 3)),
    /collective 0 has a bad kind/,
  );
  assert.match(
    forged((c) => (c.collEnd[2] = c.collStart[2]! - 1)),
    /collective 2 has a bad kind or end < start/,
  );
  assert.match(
    forged((c) => (c.collMicrobatch = c.collMicrobatch.subarray(1))),
    /collective sections differ in length/,
  );
  // A kind past the table (OP_KINDS) in the ops themselves.
  const ops = { ...v.ops, kind: v.ops.kind.slice() };
  ops.kind[0] = 5;
  const bad = packTimeline(ops, undefined, v.collectives);
  assert.match(String(unpackTimeline(bad.layout, bad.buffer)), /op 0 has a bad kind/);
  // The header's reference must point at one of the message's buffers.
  const header = (vocabTimeline: unknown): unknown => ({
    type: 'analysis',
    protocolVersion: 1,
    buffers: [good.buffer],
    header: {
      fileName: 'f.sh',
      gpu: {},
      gpus: [],
      config: {},
      selectedSchedule: '1f1b',
      overrides: {},
      schedules: [{ schedule: '1f1b', applicable: true, timeline: null, vocabTimeline }],
    },
  });
  assert.ok(isHostToWebview(header({ bufferIndex: 0, layout: good.layout })));
  assert.ok(isHostToWebview(header(null)));
  assert.ok(!isHostToWebview(header({ bufferIndex: 1, layout: good.layout })));
  assert.ok(!isHostToWebview(header({ bufferIndex: -1 })));
  assert.ok(!isHostToWebview(header('0')));
  // The drawn kinds: T and S in the same step, T first (lm_head_step_helper's order).
  const r0 = Array.from(v.ops.kind.subarray(0, v.ops.stageOffsets[1]));
  assert.ok(r0.indexOf(OP_T) > r0.indexOf(OP_S));
  assert.ok(r0.includes(OP_B) && r0.includes(OP_F));
  const firstT = r0.indexOf(OP_T);
  assert.equal(r0[firstT + 1], OP_S, 'S of microbatch 1 follows T of microbatch 0 in the same step');
});
