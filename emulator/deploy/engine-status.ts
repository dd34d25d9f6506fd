// Docker mode: container statuses come from the engine of each service's server, as Coolify's status job
// (GetContainersStatus) reads them with `docker container inspect` and aggregates per container (model/status.ts
// engineContainerStatus); here the Engine API's container list gives the same state, and the health docker ps shows
// in its Status text.
import type { EmulatorStore } from "../model/store";
import type { ServiceEngine } from "../model/engine";
import type { ServiceRecord } from "../model/records";
import { engineContainerStatus } from "../model/status";

/**
 * Sets each container row of the given services (default: all) from the engine of the service's server; a missing
 * container is `exited`. Each engine is listed once.
 */
export async function refreshFromEngine(store: EmulatorStore, only?: ServiceRecord[]): Promise<void> {
  const byEngine = new Map<ServiceEngine, ServiceRecord[]>();
  for (const service of only ?? store.findServices()) {
    const engine = store.engineOf(service);
    if (engine) byEngine.set(engine, [...(byEngine.get(engine) ?? []), service]);
  }
  for (const [engine, services] of byEngine) {
    const containers = await engine.containers();
    for (const service of services) {
      for (const row of [...service.applications, ...service.databases]) {
        const found = containers.find((c) => c.project === service.uuid && c.service === row.name);
        const status = found ? engineContainerStatus(found.state, found.health) : "exited";
        if (row.status !== status) {
          row.status = status;
          row.updatedAt = store.now();
        }
      }
    }
  }
}

/**
 * Refreshes every service's statuses every `intervalMs` until stopped. One refresh at a time, and a tick that finds
 * one still running is skipped: a busy engine slower than the interval must not queue refreshes without end.
 */
export function startStatusPoller(store: EmulatorStore, intervalMs: number): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    running = refreshFromEngine(store).catch(() => undefined).finally(() => { busy = false; });
  }, intervalMs);
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
