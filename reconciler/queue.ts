// One run at a time, at most one queued: every request that arrives while a run is going (or while events
// are still being debounced) is merged into the single pending request.

/** A change to a source record, from realtime or from the catch-up after a reconnect. */
export interface Change {
  collection: string;
  id: string;
  action: "create" | "update" | "delete";
  /** When the reconciler learnt of it (ms since epoch), for the change-to-healthy metric. */
  seenAt: number;
}

export type Trigger = "startup" | "timer" | "api" | "realtime" | "catch-up" | "retry";

/**
 * What one run may do beyond the guards, asked for by an authenticated POST /reconcile and recorded with the run:
 * the same as an operator's CLOUDFREEDOM_ALLOW_TEARDOWN, _ALLOW_REPLACE, _CLAIM_FROM and _DELETE_VOLUMES.
 */
export interface RunAllow {
  teardown: string[];
  replace: string[];
  claimFrom?: string;
  deleteVolumes?: boolean;
}

/** The environment of the CLI (and so of the program and providers) for a run with this allow. */
export function allowEnv(allow: RunAllow | undefined): Record<string, string> {
  if (!allow) return {};
  return {
    ...(allow.teardown.length > 0 ? { CLOUDFREEDOM_ALLOW_TEARDOWN: allow.teardown.join(",") } : {}),
    ...(allow.replace.length > 0 ? { CLOUDFREEDOM_ALLOW_REPLACE: allow.replace.join(",") } : {}),
    ...(allow.claimFrom ? { CLOUDFREEDOM_CLAIM_FROM: allow.claimFrom } : {}),
    ...(allow.deleteVolumes !== undefined ? { CLOUDFREEDOM_DELETE_VOLUMES: String(allow.deleteVolumes) } : {}),
  };
}

export interface RunRequest {
  triggers: Trigger[];
  /** A full run: every tenant (timer, startup, an API call without tenants, an event the reconciler cannot map). */
  full: boolean;
  changes: Change[];
  /** Tenant slugs or record ids named by an API call. */
  tenants: string[];
  /** A one-run allow (POST /reconcile); applies to the run that executes this request and its busy retries only. */
  allow?: RunAllow;
  /** May place a new tenant (a change of a tenant without a record): runs under the fleet's placement lock (gate.ts). */
  placing?: boolean;
  /**
   * Record ids of new tenants the shard routing sent them to did not declare (the program placed them on another
   * shard's server, or refused them): they run once in every shard, never split off or sent round again.
   */
  anywhere?: string[];
}

export function mergeRequests(a: RunRequest | undefined, b: RunRequest): RunRequest {
  if (a === undefined) return { ...b, triggers: [...new Set(b.triggers)] };
  return {
    triggers: [...new Set([...a.triggers, ...b.triggers])],
    full: a.full || b.full,
    changes: [...a.changes, ...b.changes],
    tenants: [...new Set([...a.tenants, ...b.tenants])],
    ...((a.allow ?? b.allow) ? { allow: a.allow ?? b.allow } : {}),
    ...(a.placing || b.placing ? { placing: true } : {}),
    ...(a.anywhere || b.anywhere ? { anywhere: [...new Set([...(a.anywhere ?? []), ...(b.anywhere ?? [])])] } : {}),
  };
}

export interface QueueOptions {
  /** Quiet time after the last debounced submit before the request is ready. */
  debounceMs: number;
  /** A steady stream of events still runs after this long. */
  maxWaitMs: number;
  execute: (request: RunRequest) => Promise<void>;
}

export class RunQueue {
  private pending: RunRequest | undefined;
  private pendingSince = 0;
  private ready = false;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: QueueOptions) {}

  /** Adds a request; debounced ones wait for a quiet period, others are ready at once. */
  submit(request: RunRequest, debounce: boolean): void {
    if (this.stopped) return;
    if (this.pending === undefined) this.pendingSince = Date.now();
    this.pending = mergeRequests(this.pending, request);
    clearTimeout(this.timer);
    if (!debounce) {
      this.ready = true;
    } else if (!this.ready) {
      const wait = Math.min(this.options.debounceMs, Math.max(0, this.pendingSince + this.options.maxWaitMs - Date.now()));
      this.timer = setTimeout(() => {
        this.ready = true;
        this.pump();
      }, wait);
    }
    this.pump();
  }

  /** Requests waiting (0 or 1) plus the run in progress (0 or 1). */
  get depth(): number {
    return (this.pending ? 1 : 0) + (this.current ? 1 : 0);
  }

  /** Whether the request waiting (not the run in progress) carries a one-run allow. */
  get allowWaiting(): boolean {
    return this.pending?.allow !== undefined;
  }

  get running(): boolean {
    return this.current !== undefined;
  }

  /** Resolves once nothing runs and nothing waits. */
  async idle(): Promise<void> {
    while (this.current || this.pending) await (this.current ?? new Promise((done) => setTimeout(done, 50)));
  }

  /** Drops what waits and returns the run in progress, if any. */
  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.pending = undefined;
    return this.current ?? Promise.resolve();
  }

  private pump(): void {
    if (this.current || !this.ready || !this.pending || this.stopped) return;
    const request = this.pending;
    this.pending = undefined;
    this.ready = false;
    this.current = this.options.execute(request).catch(() => undefined).finally(() => {
      this.current = undefined;
      this.pump();
    });
  }
}
