// Issue 18's builder speed-up must not move a single op: the rewritten ZB-V, V-Half / V-Min and group-interleaved
// builders against the builders as they were at fc4d4be (reference/*Reference.ts, unchanged copies), array by array,
// on random sizes and on the edges. Those orders were checked against the Zero-Bubble fork's own Python in session 7
// (zbv.py, zbv_greedy.py, group_interleaved_1f1b.py at 39f2c186; vShape.test.ts, zeroBubbleV.test.ts and
// groupInterleaved.test.ts keep hand-written cases of it), so equal arrays here mean the fork's order still.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeZbVOrders } from '../../../../src/core/schedule/zeroBubbleV';
import { writeVShapeOrders, type VShapeMemory } from '../../../../src/core/schedule/vShape';
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
