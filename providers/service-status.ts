// Waiting for a Coolify service to converge. Start, stop, restart and delete are queued jobs: the API
// answers at once and `status` follows later (coolify-api.md §7.2, §7.4, §11.2).
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

/** Polls the service until it reaches the desired state; throws `ServiceStatusError` on failure or timeout. */
export async function waitForState(
  conn: coolify.CoolifyConnection,
  uuid: string,
  desired: DesiredState,
  options: { timeoutMs: number; pollIntervalMs: number },
): Promise<coolify.Service> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const service = await coolify.getService(conn, uuid);
    const status = service.status ?? "unknown";
    const verdict = judgeStatus(status, desired);
    if (verdict === "done") return service;
    if (verdict === "failed") throw new ServiceStatusError(service.name, status, containerStatuses(service), "failed to start", service);
    if (Date.now() + options.pollIntervalMs > deadline) {
      const seconds = Number((options.timeoutMs / 1000).toFixed(1));
      throw new ServiceStatusError(service.name, status, containerStatuses(service), `did not become ${desired === "running" ? "running:healthy" : "stopped"} within ${seconds}s`, service);
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
