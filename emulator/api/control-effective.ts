// GET /_emulator/services/{uuid}/effective: what each container of a service got at its last start or restart,
// as the real compose loader resolved Coolify's docker-compose.yml and .env (deploy.ts).
import { reply, type Reply } from "./http";
import type { EmulatorStore } from "../model/store";

/**
 * 200 `{uuid, at, containers: {<compose service>: {image, environment, labels, limits}}, warnings}`;
 * 409 `{uuid, at, error}` with compose-go's text when the last start was refused; 404 before any start.
 * Returns undefined for any other route.
 */
export function handleEffective(store: EmulatorStore, route: string): Reply | undefined {
  const match = /^GET \/services\/([^/]+)\/effective$/.exec(route);
  if (!match) return undefined;
  const service = store.findService(match[1]);
  if (!service) return reply(404, { message: "Service not found." });
  const deployment = service.deployment;
  if (!deployment) return reply(404, { message: "Service has not been started yet." });
  if (!deployment.result.ok) return reply(409, { uuid: service.uuid, at: deployment.at, error: deployment.result.error });
  return reply(200, { uuid: service.uuid, at: deployment.at, containers: deployment.result.containers, warnings: deployment.result.warnings });
}
