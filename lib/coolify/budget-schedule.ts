// One even schedule of Coolify requests shared by several runs (the reconciler's parallel shard runs): the spacing
// of acquireSlot at the whole limit, a 429 pause that holds every run, and waiting callers served round-robin by run,
// so a run with many requests queued (engine --parallel) does not make another run's next request wait behind them.
import { randomUUID } from "node:crypto";
import { acquireSlot, pauseUntil, type Clock } from "./throttle";

/** One waiting caller: `granted` resolves at its slot; `abandon` drops it while it waits (its client went away). */
export interface BudgetTicket {
  granted: Promise<void>;
  abandon(): void;
}

export interface BudgetSchedule {
  /** Queues one request of `run` for a slot. */
  take(run: string): BudgetTicket;
  /** Holds every run back for `ms` (a 429 one of them saw). */
  pause(ms: number): void;
  /** Callers waiting, over all runs. */
  waiting(): number;
  /** Slots handed out since creation. */
  granted(): number;
}

interface Waiter {
  grant(): void;
}

export function createBudgetSchedule(clock: Clock, limitPerMinute: number, windowMs = 60_000): BudgetSchedule {
  // A key of its own: two budgets in one process (tests, the bench) never share a schedule.
  const key = `budget#${randomUUID()}`;
  // Insertion order is the round-robin order: a run served goes to the back if it still has callers waiting.
  const queues = new Map<string, Waiter[]>();
  let dispatching = false;
  let handedOut = 0;

  const next = (): Waiter | undefined => {
    const first = queues.entries().next();
    if (first.done) return undefined;
    const [run, waiters] = first.value;
    queues.delete(run);
    const waiter = waiters.shift();
    if (waiters.length > 0) queues.set(run, waiters);
    return waiter;
  };

  const dispatch = async () => {
    if (dispatching) return;
    dispatching = true;
    try {
      while (queues.size > 0) {
        // The caller is picked once the slot is due, so a run that asked meanwhile takes its turn at once.
        await acquireSlot(clock, key, limitPerMinute, windowMs);
        const waiter = next();
        if (waiter) {
          handedOut += 1;
          waiter.grant();
        }
      }
    } finally {
      dispatching = false;
    }
  };

  return {
    take(run) {
      let waiter!: Waiter;
      const granted = new Promise<void>((resolve) => (waiter = { grant: resolve }));
      const waiters = queues.get(run) ?? [];
      waiters.push(waiter);
      queues.set(run, waiters);
      void dispatch();
      return {
        granted,
        abandon() {
          const list = queues.get(run);
          const at = list?.indexOf(waiter) ?? -1;
          if (!list || at < 0) return;
          list.splice(at, 1);
          if (list.length === 0) queues.delete(run);
        },
      };
    },
    pause(ms) {
      pauseUntil(clock, key, clock.now() + Math.max(0, ms));
    },
    waiting: () => [...queues.values()].reduce((sum, list) => sum + list.length, 0),
    granted: () => handedOut,
  };
}
