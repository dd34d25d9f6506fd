/** Fault injection: in-process switches, also settable over HTTP at /_emulator/faults (see control.ts). */

export interface RequestMatch {
  /** e.g. "POST"; any method when omitted. */
  method?: string;
  /** Prefix of the full request path, e.g. "/api/v1/services"; any path when omitted. */
  pathPrefix?: string;
}

export interface FailBurst extends RequestMatch {
  count: number;
  /** 5xx or 429. Default 503. */
  status?: number;
  /** Seconds sent in Retry-After on a 429 (default 1). */
  retryAfterSeconds?: number;
}

export interface DropBurst extends RequestMatch {
  count: number;
  /** true: handle the request (state changes happen), then destroy the socket without answering. */
  afterProcessing?: boolean;
}

export type ContainerHealth = "unhealthy" | "degraded";

interface Counted<T> {
  rule: T;
  remaining: number;
}

function matches(rule: RequestMatch, method: string, path: string): boolean {
  return (!rule.method || rule.method.toUpperCase() === method) && (!rule.pathPrefix || path.startsWith(rule.pathPrefix));
}

function take<T extends RequestMatch>(list: Counted<T>[], method: string, path: string): T | undefined {
  const hit = list.find((entry) => entry.remaining > 0 && matches(entry.rule, method, path));
  if (!hit) return undefined;
  hit.remaining -= 1;
  if (hit.remaining === 0) list.splice(list.indexOf(hit), 1);
  return hit.rule;
}

export class Faults {
  /** Milliseconds added before every /api response. */
  latencyMs = 0;
  /** Overrides the emulator's deleteDelayMs for deletes queued while set. */
  deleteDelayMs: number | null = null;
  private readonly failures: Counted<FailBurst>[] = [];
  private readonly drops: Counted<DropBurst>[] = [];
  /** Compose service name (optionally `<service uuid>/<name>`) -> how it misbehaves once running. */
  readonly containerHealth = new Map<string, ContainerHealth>();

  failNext(burst: FailBurst): void {
    this.failures.push({ rule: { ...burst }, remaining: burst.count });
  }

  dropNext(burst: DropBurst): void {
    this.drops.push({ rule: { ...burst }, remaining: burst.count });
  }

  /**
   * "unhealthy": the container runs but its healthcheck fails → service `running:unhealthy`.
   * "degraded": the container crash-loops → service `degraded:unhealthy`.
   */
  markContainer(container: string, health: ContainerHealth = "unhealthy", serviceUuid?: string): void {
    this.containerHealth.set(serviceUuid ? `${serviceUuid}/${container}` : container, health);
  }

  clearContainer(container: string, serviceUuid?: string): void {
    this.containerHealth.delete(serviceUuid ? `${serviceUuid}/${container}` : container);
  }

  healthOf(serviceUuid: string, container: string): ContainerHealth | undefined {
    return this.containerHealth.get(`${serviceUuid}/${container}`) ?? this.containerHealth.get(container);
  }

  takeFailure(method: string, path: string): FailBurst | undefined {
    return take(this.failures, method, path);
  }

  takeDrop(method: string, path: string): DropBurst | undefined {
    return take(this.drops, method, path);
  }

  reset(): void {
    this.latencyMs = 0;
    this.deleteDelayMs = null;
    this.failures.length = 0;
    this.drops.length = 0;
    this.containerHealth.clear();
  }
}
