// Docker-mode control routes: GET /_emulator/engine (where the engine and the proxy are) and
// GET /_emulator/services/{uuid}/engine (what the engine did at the service's last start and stop: each command,
// its exit code and output; a start the engine refused carries `ok: false` and the engine's message in `error`).
import type { DockerModeInfo } from "../deploy/docker-mode";
import type { EmulatorStore } from "../model/store";
import { reply, type Reply } from "./http";

/** Returns undefined for any other route. */
export function handleEngine(store: EmulatorStore, info: DockerModeInfo | undefined, route: string): Reply | undefined {
  if (route === "GET /engine") {
    return info ? reply(200, info) : reply(404, { message: "The emulator runs without an engine (pure mode); start it with --docker." });
  }
  const match = /^GET \/services\/([^/]+)\/engine$/.exec(route);
  if (!match) return undefined;
  const service = store.findService(match[1]);
  if (!service) return reply(404, { message: "Service not found." });
  const deployment = service.deployment;
  if (!deployment) return reply(404, { message: "Service has not been started yet." });
  const loader = deployment.result.ok ? { ok: true } : { ok: false, error: deployment.result.error };
  return reply(200, { uuid: service.uuid, at: deployment.at, loader, start: deployment.engine ?? null, stop: deployment.stop ?? null });
}
