// The panel's sweep gate (issue 15: "one sweep in flight per panel; a newer request cancels the older one", with a
// rate limit). Driven by a fake clock, so the timing assertions are exact and the tests never sleep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SUPERSEDED, SweepGate, type SweepClock } from '../../../src/panel/sweepGate';

/** A clock that only moves when the gate sleeps; records every sleep. */
function fakeClock(): SweepClock & { sleeps: number[]; t: number } {
  const c = {
    t: 1000,
    sleeps: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.sleeps.push(ms);
      c.t += ms;
    },
  };
  return c;
}

/** A sweep of `points` points that yields between them (as the host does) and logs what it ran. */
function sweep(name: string, points: number, log: string[], clock: { t: number }) {
  return async (checkpoint: () => void): Promise<string> => {
    for (let i = 0; i < points; i++) {
      log.push(`${name}${i}@${clock.t}`);
      await new Promise<void>((r) => setImmediate(r));
      checkpoint();
    }
    return `${name} done`;
  };
}

test('a lone request runs at once and returns its result', async () => {
  const clock = fakeClock();
  const log: string[] = [];
  const gate = new SweepGate(clock, 200);
  assert.equal(await gate.submit(sweep('a', 3, log, clock)), 'a done');
  assert.deepEqual(log, ['a0@1000', 'a1@1000', 'a2@1000']);
  assert.deepEqual(clock.sleeps, []);
});

test('a newer request stops the running sweep at its next point; the older gets no result', async () => {
  const clock = fakeClock();
  const log: string[] = [];
  const gate = new SweepGate(clock, 0);
  const a = gate.submit(sweep('a', 10, log, clock));
  const b = gate.submit(sweep('b', 2, log, clock));
  assert.deepEqual(await Promise.all([a, b]), [SUPERSEDED, 'b done']);
  // a ran one point, then b — never both at once, and a never resumed.
  assert.deepEqual(log, ['a0@1000', 'b0@1000', 'b1@1000']);
  assert.equal(gate.supersededCount, 1);
});

test('a flood of requests runs only the newest to the end, and starts are rate-limited', async () => {
  const clock = fakeClock();
  const log: string[] = [];
  const gate = new SweepGate(clock, 200);
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) => gate.submit(sweep(`s${i}-`, 10, log, clock))),
  );
  assert.equal(results.filter((r) => r === SUPERSEDED).length, 99);
  assert.equal(results[99], 's99- done');
  // The first started at once and ran one point; the 98 in between never started; the newest waited out the
  // interval from the first start (200 ms) and then ran all 10 points.
  assert.deepEqual(log.slice(0, 2), ['s0-0@1000', 's99-0@1200']);
  assert.equal(log.length, 1 + 10);
  assert.deepEqual(clock.sleeps, [200]);
});

test('requests that follow each other are spaced by the interval, measured from the previous start', async () => {
  const clock = fakeClock();
  const log: string[] = [];
  const gate = new SweepGate(clock, 200);
  await gate.submit(sweep('a', 1, log, clock));
  clock.t += 50;
  await gate.submit(sweep('b', 1, log, clock));
  clock.t += 500;
  await gate.submit(sweep('c', 1, log, clock));
  assert.deepEqual(log, ['a0@1000', 'b0@1200', 'c0@1700']);
  assert.deepEqual(clock.sleeps, [150]);
});

test('cancel() drops a result that finishes after its last checkpoint, and a waiting request never starts', async () => {
  const clock = fakeClock();
  const gate = new SweepGate(clock, 0);
  let release = (): void => undefined;
  const slow = gate.submit(async () => {
    await new Promise<void>((r) => (release = r));
    return 'stale';
  });
  await new Promise<void>((r) => setImmediate(r));
  gate.cancel();
  release();
  assert.equal(await slow, SUPERSEDED);
  // A request that waits for a running sweep: cancel() ends both, and the waiting one never runs a point.
  const log: string[] = [];
  const running = gate.submit(sweep('r', 3, log, clock));
  const waiting = gate.submit(sweep('w', 3, log, clock));
  gate.cancel();
  assert.deepEqual(await Promise.all([running, waiting]), [SUPERSEDED, SUPERSEDED]);
  assert.deepEqual(log, ['r0@1000']);
});

test('a sweep that fails rejects with its own error, and the gate takes the next request', async () => {
  const clock = fakeClock();
  const gate = new SweepGate(clock, 0);
  await assert.rejects(
    gate.submit(async () => {
      throw new RangeError('Invalid array length');
    }),
    RangeError,
  );
  assert.equal(await gate.submit(async () => 'next'), 'next');
  assert.equal(gate.supersededCount, 0);
});
