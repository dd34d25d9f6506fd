// Waiting for a Coolify service to converge. Start, stop, restart and delete are queued jobs: the API
// answers at once and `status` follows later (coolify-api.md §7.2, §7.4, §11.2).
//
// A restart's stale window (Coolify v4.3.8–4.3.10, HEAD of 2026-08-22 alike): POST /services/{uuid}/restart only
// dispatches RestartService (ServicesController::action_restart) and answers 200. Until a worker runs that job, the
// status is still the old containers' (often `running:healthy`). The job is StartService with stopBeforeStart
// (unless latest=true): StopService removes the containers and writes `exited` to every service_applications /
// service_databases row, then StartService queues the `docker compose up` activity, and while that activity is
// queued or in progress Service::getStatusAttribute answers `starting:unhealthy` (isStarting). After it the rows
// stay `exited` until a status job rewrites them: ServerCheckJob every minute (every five on Cloud;
// ServerManagerJob) or a Sentinel push (sentinel_push_interval_seconds, default 60). Nothing the API returns moves
// with the new containers alone: `last_online_at` and `updated_at` are rewritten by every status job, container or
// not. So a healthy status counts only after the status showed the restart (`exited` or `starting…`), or once a
// settle time of about one status refresh has passed since the restart was queued.
// Not covered, a Coolify quirk: a status job stores a container whose Docker health is still `starting` as
// `running:starting`, and ContainerStatusAggregator::aggregateFromStrings counts that as `running:healthy`
// (GetContainersStatus, PushServerUpdateJob), so a refresh during a new container's start period reads healthy.
import * as coolify from "../lib/coolify";
import { sleep } from "./connection";

export type DesiredState = "running" | "stopped";

/** Each container of a service with its own status, e.g. `openwebui: running:unhealthy`. */
export function containerStatuses(service: coolify.Service): string {
  const rows = [...(service.applications ?? []), ...(service.databases ?? [])];
  return rows.map((row) => `${row.name}: ${row.status ?? "unknown"}`).join(", ") || "no containers";
}

/** Whether a status is final for the desired state: "done", "failed", or still "pending". */
export function judgeStatus(status: string, desired: DesiredState): "done" | "failed" | "pending" {
  if (desired === "stopped") return status.startsWith("exited") ? "done" : "pending";
  if (status.startsWith("running:healthy")) return "done";
  // A crash-looping or dead container does not heal on its own; `running:unhealthy` may still turn healthy.
  if (status.startsWith("degraded")) return "failed";
  return "pending";
}

export class ServiceStatusError extends Error {
  constructor(
    readonly serviceName: string,
    readonly status: string,
    readonly containers: string,
    reason: string,
    /** The service as last read. */
    readonly service?: coolify.Service,
  ) {
    super(`Coolify service "${serviceName}" ${reason} (status ${status}; containers: ${containers}). ` +
      "Check the container logs in Coolify; the next `pulumi up` adopts the service and retries.");
    this.name = "ServiceStatusError";
  }
}

/** A start or restart the provider queued: when, and how long its healthy status needs no sign of it. */
export interface QueuedAction {
  at: number;
  settleMs: number;
}

/** Statuses that Coolify's start or restart job itself writes: StopService's `exited`, the activity's `starting:unhealthy`. */
export function showsRestart(status: string): boolean {
  return status.startsWith("exited") || status.startsWith("starting");
}

/**
 * Polls the service until it reaches the desired state; throws `ServiceStatusError` on failure or timeout. After a
 * queued start or restart (`queued`), a status is judged only once it can be the new containers' (header comment).
 */
export async function waitForState(
  conn: coolify.CoolifyConnection,
  uuid: string,
  desired: DesiredState,
  options: { timeoutMs: number; pollIntervalMs: number; queued?: QueuedAction },
): Promise<coolify.Service> {
  const deadline = Date.now() + options.timeoutMs;
  const { queued } = options;
  let current = queued === undefined;
  for (;;) {
    const service = await coolify.getService(conn, uuid);
    const status = service.status ?? "unknown";
    if (!current && queued) current = showsRestart(status) || Date.now() - queued.at >= queued.settleMs;
    const verdict = current ? judgeStatus(status, desired) : "pending";
    if (verdict === "done") return service;
    if (verdict === "failed") throw new ServiceStatusError(service.name, status, containerStatuses(service), "failed to start", service);
    if (Date.now() + options.pollIntervalMs > deadline) {
      const seconds = Number((options.timeoutMs / 1000).toFixed(1));
      const stale = current ? "" : " (Coolify's status had not yet shown the restart: it is still the old containers')";
      throw new ServiceStatusError(service.name, status, containerStatuses(service), `did not become ${desired === "running" ? "running:healthy" : "stopped"} within ${seconds}s${stale}`, service);
    }
    await sleep(options.pollIntervalMs);
  }
}

/** Polls until a queued delete has run (GET answers 404). */
export async function waitForDeleted(conn: coolify.CoolifyConnection, uuid: string, options: { timeoutMs: number; pollIntervalMs: number }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    try {
      await coolify.getService(conn, uuid);
    } catch (e) {
      if (coolify.isNotFound(e)) return;
      throw e;
    }
    if (Date.now() > deadline) throw new Error(`Coolify service ${uuid} was still present ${Math.round(options.timeoutMs / 1000)}s after its delete was queued`);
    await sleep(options.pollIntervalMs);
  }
}
