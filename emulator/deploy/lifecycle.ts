import { deployService, type Deployment } from "./deploy";
import { refreshFromEngine } from "./engine-status";
import type { EngineRun } from "../model/deployment";
import type { Faults } from "../model/faults";
import { timestamp } from "../model/ids";
import type { DeleteFlags, ServiceRecord } from "../model/records";
import type { EmulatorStore } from "../model/store";

function containers(service: ServiceRecord) {
  return [...service.applications, ...service.databases];
}

/**
 * Queued StartService (notes §7.4): after one delay the job runs (`starting:unhealthy`), after another the
 * containers report `running:healthy`. Health faults are applied when the status is read (status.ts).
 */
export function queueStart(store: EmulatorStore, service: ServiceRecord): void {
  const generation = ++service.lifecycleGeneration;
  const step = store.settings.lifecycleDelayMs;
  const current = () => service.lifecycleGeneration === generation && store.findService(service.uuid) === service;
  store.schedule(step, () => {
    if (!current()) return;
    service.activity = "starting";
    // The job writes docker-compose.yml and .env and runs `docker compose up` (deploy.ts).
    const deployment = deployService(store, service);
    if (store.engineOf(service)) {
      void deployment.then((done) => completeOnEngine(store, service, done, current));
      return;
    }
    // Scheduled from the first step, not beside it: Node runs due timers one delay-list at a time, so after a busy
    // event loop a second step scheduled at 2 x step could run first and the start would never finish.
    store.schedule(step, () => void deployment.then(complete));
  });
  function complete(done: Deployment): void {
    if (!current()) return;
    service.deployment = done;
    service.activity = null;
    const at = store.now();
    // A project compose refuses never starts a container: Coolify's job fails and every container stays exited.
    for (const row of containers(service)) {
      row.status = done.result.ok ? "running:healthy" : "exited";
      row.updatedAt = at;
    }
  }
}

/**
 * Docker mode: the loaded files go to the engine (engine.ts); a start the loader or the engine refuses leaves the
 * containers as the engine has them (usually none: `exited`), with the reason on the deployment (control route
 * GET /_emulator/services/{uuid}/engine). Statuses then come from the real containers (engine-status.ts).
 */
async function completeOnEngine(store: EmulatorStore, service: ServiceRecord, done: Deployment, current: () => boolean): Promise<void> {
  const engine = store.engineOf(service);
  if (!engine || !current()) return;
  if (done.result.ok) done.engine = await engine.start(service, done).catch((error: unknown) => failedRun("start", error));
  if (!current()) return;
  service.deployment = done;
  await refreshFromEngine(store, [service]).catch(() => undefined);
  if (current()) service.activity = null;
}

/** An engine action that threw before it could record its commands (a work dir not writable, say). */
function failedRun(action: EngineRun["action"], error: unknown): EngineRun {
  const message = error instanceof Error ? error.message : String(error);
  return { action, at: timestamp(), ok: false, steps: [], error: message };
}

export function queueStop(store: EmulatorStore, service: ServiceRecord): void {
  const generation = ++service.lifecycleGeneration;
  const engine = store.engineOf(service);
  if (engine) {
    store.schedule(store.settings.lifecycleDelayMs, () => {
      if (service.lifecycleGeneration !== generation) return;
      service.activity = null;
      void engine.stop(service).catch((error: unknown) => failedRun("stop", error)).then(async (run) => {
        if (service.deployment) service.deployment.stop = run;
        await refreshFromEngine(store, [service]).catch(() => undefined);
      });
    });
    return;
  }
  store.schedule(store.settings.lifecycleDelayMs, () => {
    if (service.lifecycleGeneration !== generation) return;
    service.activity = null;
    const at = store.now();
    for (const row of containers(service)) {
      row.status = "exited";
      row.updatedAt = at;
    }
  });
}

/** DeleteResourceJob (notes §7.5): the service stays readable until the job has run. */
export function queueDelete(store: EmulatorStore, faults: Faults, service: ServiceRecord, flags: DeleteFlags): void {
  service.pendingDeletes.push(flags);
  service.lifecycleGeneration++;
  const delay = faults.deleteDelayMs ?? store.settings.deleteDelayMs;
  const engine = store.engineOf(service);
  if (engine) {
    store.schedule(delay, () => {
      // Coolify's DeleteResourceJob force-deletes the rows whatever the engine said (its `finally`).
      void engine.remove(service, flags).catch((error: unknown) => failedRun("delete", error)).then((run) => {
        store.finishServiceDelete(service.uuid, flags);
        const entry = [...store.deletions].reverse().find((d) => d.uuid === service.uuid);
        if (entry) entry.engine = run;
      });
    });
    return;
  }
  store.schedule(delay, () => store.finishServiceDelete(service.uuid, flags));
}
