// Who may run now, across the shards of a fleet: at most `parallel` runs at once (config reconcileParallelShards), and
// at most one run that may place a new tenant. Placement (program/placement.ts) is computed fleet-wide in every shard
// from the write-back records as that run read them: two shards placing at once would each place their new tenant
// against a snapshot without the other's, and could together fill a server past its capacity, or both take the last
// room on it. Runs that only touch recorded tenants place nothing and go in parallel.
// Order: the placement lock (when wanted) before a slot, never the other way round, so no two runs wait on each other.

/** A first-in first-out counting semaphore. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {}

  get inUse(): number {
    return this.active;
  }

  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.active += 1;
        resolve(this.releaser());
      };
      if (this.active < this.size && this.waiting.length === 0) grant();
      else this.waiting.push(grant);
    });
  }

  /** Takes a place only when one is free at once. */
  tryAcquire(): (() => void) | undefined {
    if (this.active >= this.size || this.waiting.length > 0) return undefined;
    this.active += 1;
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.waiting.shift()?.();
    };
  }
}

/** What a run holds while it runs. */
export interface Pass {
  /** Whether this run holds the placement lock. */
  readonly placing: boolean;
  /** Takes the placement lock if it is free right now (a run that learnt only after it started that it may place). */
  tryPlacement(): boolean;
  release(): void;
}

export class RunGate {
  private readonly slots: Semaphore;
  private readonly placement = new Semaphore(1);

  constructor(parallel: number) {
    this.slots = new Semaphore(parallel);
  }

  /** Runs in progress. */
  get running(): number {
    return this.slots.inUse;
  }

  /** Whether a run holds the placement lock. */
  get placing(): boolean {
    return this.placement.inUse > 0;
  }

  /** Waits for the placement lock (when `placing`), then for a slot. */
  async enter(placing: boolean): Promise<Pass> {
    let releasePlacement = placing ? await this.placement.acquire() : undefined;
    const releaseSlot = await this.slots.acquire();
    return {
      get placing() {
        return releasePlacement !== undefined;
      },
      tryPlacement: () => (releasePlacement ??= this.placement.tryAcquire()) !== undefined,
      release: () => {
        releaseSlot();
        releasePlacement?.();
        releasePlacement = undefined;
      },
    };
  }
}
