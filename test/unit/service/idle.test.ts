// The service's deferred full analysis (issue 16): it runs once the user pauses, and the next edit cancels it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdleRunner, type TimerApi } from '../../../src/service/idle';

/** A hand-driven clock: `advance(ms)` fires every timer that is due, in order. */
function fakeTimers(): TimerApi & { advance: (ms: number) => void } {
  let now = 0;
  let next = 0;
  const due = new Map<number, { at: number; run: () => void }>();
  return {
    set: (run, ms) => {
      const id = next++;
      due.set(id, { at: now + ms, run });
      return id as unknown as ReturnType<typeof setTimeout>;
    },
    clear: (t) => void due.delete(t as unknown as number),
    advance: (ms) => {
      now += ms;
      for (const [id, t] of [...due].sort((a, b) => a[1].at - b[1].at)) if (t.at <= now && due.delete(id)) t.run();
    },
  };
}

test('the deferred work runs after the pause, once', () => {
  const clock = fakeTimers();
  const idle = new IdleRunner(750, clock);
  let runs = 0;
  idle.schedule('a', () => runs++);
  assert.equal(idle.pending('a'), true);
  clock.advance(749);
  assert.equal(runs, 0);
  clock.advance(1);
  assert.equal(runs, 1);
  assert.equal(idle.pending('a'), false);
  clock.advance(5000);
  assert.equal(runs, 1);
});

test('an edit before the pause ends cancels it; rescheduling restarts the wait; documents are independent', () => {
  const clock = fakeTimers();
  const idle = new IdleRunner(750, clock);
  const ran: string[] = [];
  idle.schedule('a', () => ran.push('a1'));
  idle.schedule('b', () => ran.push('b'));
  clock.advance(500);
  idle.cancel('a'); // the next keystroke in a
  clock.advance(500);
  assert.deepEqual(ran, ['b']);
  idle.schedule('a', () => ran.push('a2'));
  clock.advance(700);
  idle.schedule('a', () => ran.push('a3')); // replaced, not added
  clock.advance(749);
  assert.deepEqual(ran, ['b']);
  clock.advance(1);
  assert.deepEqual(ran, ['b', 'a3']);
  idle.schedule('a', () => ran.push('a4'));
  idle.dispose();
  clock.advance(10_000);
  assert.deepEqual(ran, ['b', 'a3']);
});
