// Work that waits for the user to pause: one pending task per key (a document URI), run after `idleMs` unless it is
// rescheduled or cancelled first. No vscode here, so the unit tests drive it with their own timers.

type Timer = ReturnType<typeof setTimeout>;

export interface TimerApi {
  set: (run: () => void, ms: number) => Timer;
  clear: (timer: Timer) => void;
}

const NODE_TIMERS: TimerApi = { set: (run, ms) => setTimeout(run, ms), clear: (t) => clearTimeout(t) };

export class IdleRunner {
  private readonly pendingTasks = new Map<string, Timer>();

  constructor(
    private readonly idleMs: number,
    private readonly timers: TimerApi = NODE_TIMERS,
  ) {}

  /** Replaces the key's pending task; `work` runs once, `idleMs` from now, unless cancelled or replaced. */
  schedule(key: string, work: () => void): void {
    this.cancel(key);
    this.pendingTasks.set(
      key,
      this.timers.set(() => {
        this.pendingTasks.delete(key);
        work();
      }, this.idleMs),
    );
  }

  pending(key: string): boolean {
    return this.pendingTasks.has(key);
  }

  cancel(key: string): void {
    const t = this.pendingTasks.get(key);
    if (t !== undefined) this.timers.clear(t);
    this.pendingTasks.delete(key);
  }

  dispose(): void {
    for (const t of this.pendingTasks.values()) this.timers.clear(t);
    this.pendingTasks.clear();
  }
}
