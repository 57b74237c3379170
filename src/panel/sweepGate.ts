// One k sweep in flight per panel (issue 15). Each sweep is up to 2 × LIMITS.maxSweepPoints full analyses on the
// extension host; a webview that asks again before the answer (a tab switch, an edit, a what-if — or a hostile page
// posting in a loop) must not queue that work up. So the newest request supersedes every older one: a running sweep
// stops at its next point, a waiting one never starts, and a result that is no longer the newest is dropped instead
// of posted. Starts are spaced by a minimum interval, so a flood costs at most one point per interval. Pure (no
// vscode): the clock is injected and the unit tests drive it.

export interface SweepClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: SweepClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Minimum time between the starts of two sweeps of one panel. Normal use never meets it — the webview asks on a tab
 * switch and after each analysis, which the service already debounces by 250 ms — while a flood is held to a few
 * starts a second.
 */
export const MIN_SWEEP_INTERVAL_MS = 200;

/** Thrown from a sweep's checkpoint when a newer request has superseded it; the gate catches it. */
class SweepSuperseded extends Error {}

/**
 * Why a request got no result: a newer request (or a cancel) superseded it. A sweep that fails for any other reason
 * rejects, and the message handler reports that as it reports any failure.
 */
export const SUPERSEDED = 'superseded';

export class SweepGate {
  /** The sequence number of the newest request; a sweep of any older one is stale. */
  private newest = 0;
  private running: Promise<void> | undefined;
  private lastStartMs = Number.NEGATIVE_INFINITY;
  /** How many requests ended superseded (running or waiting), for the log and the tests. */
  supersededCount = 0;

  constructor(
    private readonly clock: SweepClock = realClock,
    private readonly minIntervalMs: number = MIN_SWEEP_INTERVAL_MS,
  ) {}

  /**
   * Runs `sweep` once every older sweep has stopped and the interval has passed, unless a newer request comes first.
   * The sweep calls `checkpoint()` between its points; it throws once the sweep is stale, ending it there.
   */
  async submit<T>(sweep: (checkpoint: () => void) => Promise<T>): Promise<T | typeof SUPERSEDED> {
    const seq = ++this.newest;
    const isNewest = (): boolean => seq === this.newest;
    for (;;) {
      if (!isNewest()) return this.superseded();
      if (this.running) {
        await this.running;
        continue;
      }
      const waitMs = this.lastStartMs + this.minIntervalMs - this.clock.now();
      if (waitMs <= 0) break;
      await this.clock.sleep(waitMs);
    }
    this.lastStartMs = this.clock.now();
    const done = sweep(() => {
      if (!isNewest()) throw new SweepSuperseded();
    });
    const settled = done.then(
      () => undefined,
      () => undefined,
    );
    this.running = settled;
    try {
      const result = await done;
      // A request that came in after the last checkpoint still makes this result stale.
      return isNewest() ? result : this.superseded();
    } catch (err) {
      if (err instanceof SweepSuperseded) return this.superseded();
      throw err;
    } finally {
      if (this.running === settled) this.running = undefined;
    }
  }

  /** Supersedes whatever runs or waits (the document or the what-if changed, the panel closed). */
  cancel(): void {
    this.newest++;
  }

  private superseded(): typeof SUPERSEDED {
    this.supersededCount++;
    return SUPERSEDED;
  }
}
