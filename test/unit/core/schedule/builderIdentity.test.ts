// Issue 18's builder speed-up must not move a single op: the rewritten ZB-V, V-Half / V-Min and group-interleaved
// builders against the builders as they were at fc4d4be (reference/*Reference.ts, unchanged copies), array by array,
// on random sizes and on the edges. Those orders were checked against the Zero-Bubble fork's own Python in session 7
// (zbv.py, zbv_greedy.py, group_interleaved_1f1b.py at 39f2c186; vShape.test.ts, zeroBubbleV.test.ts and
// groupInterleaved.test.ts keep hand-written cases of it), so equal arrays here mean the fork's order still.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeZbVOrders, zbVRepeatFrom } from '../../../../src/core/schedule/zeroBubbleV';
import { writeVShapeOrders, vShapeRepeatFrom, type VShapeMemory } from '../../../../src/core/schedule/vShape';
import { writeBySteadyRepeat } from '../../../../src/core/schedule/steadyRepeat';
import { writeGroupInterleavedOrders } from '../../../../src/core/schedule/groupInterleaved';
import { writeZbVOrders as refZbV } from './reference/zeroBubbleVReference';
import { writeVShapeOrders as refVShape } from './reference/vShapeReference';
import { writeGroupInterleavedOrders as refGroupInterleaved } from './reference/groupInterleavedReference';
import { prng, randInt } from '../../../support/scheduleCheck';

interface Out {
  stageOffsets: Int32Array;
  kind: Uint8Array;
  microbatch: Int32Array;
  modelChunk: Uint16Array;
}

/** Arrays for p stages of `perStage` ops each; every op slot starts at a value no builder writes, so a gap shows. */
function arrays(p: number, perStage: number): Out {
  const n = p * perStage;
  return {
    stageOffsets: Int32Array.from({ length: p + 1 }, (_, r) => r * perStage),
    kind: new Uint8Array(n).fill(255),
    microbatch: new Int32Array(n).fill(-7),
    modelChunk: new Uint16Array(n).fill(65535),
  };
}

function same(what: string, a: Out, b: Out): void {
  // deepStrictEqual on typed arrays names the first index that differs.
  assert.deepStrictEqual(a.kind, b.kind, `${what}: kind`);
  assert.deepStrictEqual(a.microbatch, b.microbatch, `${what}: microbatch`);
  assert.deepStrictEqual(a.modelChunk, b.modelChunk, `${what}: model chunk`);
}

/** Random (p, m) plus the small edges (m < p, m = 1) and a few long runs. */
function sizes(seed: number, count: number, minP: number): [number, number][] {
  const rand = prng(seed);
  const out: [number, number][] = [
    [minP, 1],
    [minP, 2],
    [8, 3],
    [16, 200],
    [5, 97],
  ];
  while (out.length < count) out.push([randInt(rand, minP, 16), randInt(rand, 1, 48)]);
  return out;
}

test('ZB-V: the rewritten builder gives the fc4d4be arrays on 150 sizes', () => {
  for (const [p, m] of sizes(18, 150, 1)) {
    const a = arrays(p, 6 * m);
    const b = arrays(p, 6 * m);
    writeZbVOrders(p, m, a);
    refZbV(p, m, b);
    same(`ZB-V p=${p} m=${m}`, a, b);
  }
});

test('V-Half and V-Min: the rewritten builder gives the fc4d4be arrays on 150 sizes each', () => {
  for (const setup of ['half', 'min'] as VShapeMemory[])
    for (const [p, m] of sizes(setup === 'half' ? 181 : 182, 150, 2)) {
      const a = arrays(p, 6 * m);
      const b = arrays(p, 6 * m);
      writeVShapeOrders(p, m, setup, a);
      refVShape(p, m, setup, b);
      same(`V-${setup} p=${p} m=${m}`, a, b);
    }
});

test('group-interleaved: the rewritten builder gives the fc4d4be arrays on 200 (p, v, G, m)', () => {
  const rand = prng(183);
  const cases: [number, number, number, number][] = [
    [2, 2, 1, 1],
    [2, 2, 2, 1],
    [8, 4, 8, 3],
    [16, 2, 8, 100],
    [7, 3, 4, 29],
  ];
  while (cases.length < 200) {
    const p = randInt(rand, 2, 12);
    cases.push([p, randInt(rand, 2, 5), randInt(rand, 1, p), randInt(rand, 1, 40)]);
  }
  for (const [p, v, g, m] of cases) {
    const a = arrays(p, 3 * v * m);
    const b = arrays(p, 3 * v * m);
    writeGroupInterleavedOrders(p, m, v, g, a);
    refGroupInterleaved(p, m, v, g, b);
    same(`group-interleaved p=${p} v=${v} G=${g} m=${m}`, a, b);
  }
});

// The V builders repeat the steady state of two short greedy orders for a long run (steadyRepeat.ts) from m = 2M + 2
// on (M = zbVRepeatFrom / vShapeRepeatFrom); below, the greedy construction runs in full. The sizes around that switch,
// random sizes past it on p up to 40, and the bench's million ops, against the references (the full greedy order).
const V_BUILDERS: {
  name: string;
  from: (p: number) => number;
  ours: (p: number, m: number, out: Out) => void;
  ref: (p: number, m: number, out: Out) => void;
}[] = [
  { name: 'ZB-V', from: zbVRepeatFrom, ours: writeZbVOrders, ref: refZbV },
  ...(['half', 'min'] as VShapeMemory[]).map((setup) => ({
    name: `V-${setup}`,
    from: vShapeRepeatFrom,
    ours: (p: number, m: number, out: Out): void => writeVShapeOrders(p, m, setup, out),
    ref: (p: number, m: number, out: Out): void => refVShape(p, m, setup, out),
  })),
];

test('ZB-V, V-Half and V-Min: a long run repeats the steady state — the greedy arrays on either side of the switch', () => {
  const rand = prng(1818);
  for (const b of V_BUILDERS)
    for (const p of [2, 3, 4, 5, 7, 8, 12, 16, 23, 40]) {
      const switchAt = 2 * b.from(p) + 2;
      const ms = [switchAt - 1, switchAt, switchAt + 1, switchAt + randInt(rand, 2, 60), 3 * switchAt + 5];
      if (p <= 8) ms.push(randInt(rand, 8 * switchAt, 12 * switchAt));
      for (const m of ms) {
        const a = arrays(p, 6 * m);
        const r = arrays(p, 6 * m);
        b.ours(p, m, a);
        b.ref(p, m, r);
        same(`${b.name} p=${p} m=${m}`, a, r);
      }
    }
});

test('ZB-V, V-Half and V-Min: the repeated steady state at the bench size (p = 16, 10,923 microbatches, 1M ops)', () => {
  for (const b of V_BUILDERS) {
    const a = arrays(16, 6 * 10923);
    const r = arrays(16, 6 * 10923);
    b.ours(16, 10923, a);
    b.ref(16, 10923, r);
    same(`${b.name} bench size`, a, r);
  }
});

test('the steady-state repeat holds from M on (p = 1…40), from the measured warm-up on, and is refused below it', () => {
  for (const b of V_BUILDERS)
    for (let p = b.name === 'ZB-V' ? 1 : 2; p <= 40; p++) {
      const m = 2 * b.from(p) + 2;
      const a = arrays(p, 6 * m);
      const build = (mm: number, out: Out): void => b.ours(p, mm, out);
      // At M the check passes (so the sizes above do take the repeat path, not the fallback).
      assert.ok(writeBySteadyRepeat(p, m, b.from(p), build, a), `${b.name} p=${p}: the repeat refused at M`);
    }
  // The warm-ups measured on the greedy orders (steadyRepeat.ts), which each builder's M exceeds by 3 or more: ZB-V's
  // order at m + 1 is its order at m with one period inserted from m = 2p on, V-Half's from 2⌊p/2⌋ + 3 (p ≥ 5), V-Min's
  // from ⌊2p/3⌋ + 2. One microbatch less and it is not, so the repeat is refused (writing nothing) and the caller
  // builds in full; from the warm-up on, the repeat gives the greedy order.
  const warmUp: Record<string, (p: number) => number> = {
    'ZB-V': (p) => 2 * p,
    'V-half': (p) => 2 * Math.floor(p / 2) + 3,
    'V-min': (p) => Math.floor((2 * p) / 3) + 2,
  };
  for (const b of V_BUILDERS)
    for (let p = 5; p <= 24; p++) {
      const warm = warmUp[b.name]!(p);
      assert.ok(warm + 3 <= b.from(p), `${b.name} p=${p}: M has a margin of 3`);
      const m = 3 * warm + 1;
      const build = (mm: number, out: Out): void => b.ref(p, mm, out);
      const untouched = arrays(p, 6 * m);
      assert.equal(writeBySteadyRepeat(p, m, warm - 1, build, untouched), false, `${b.name} p=${p} below its warm-up`);
      same(`${b.name} p=${p} refused: nothing written`, untouched, arrays(p, 6 * m));
      const repeated = arrays(p, 6 * m);
      const full = arrays(p, 6 * m);
      assert.ok(writeBySteadyRepeat(p, m, warm, build, repeated), `${b.name} p=${p} at its warm-up`);
      b.ref(p, m, full);
      same(`${b.name} p=${p} repeated from its warm-up`, repeated, full);
    }
});
