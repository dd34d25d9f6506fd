// Shared set-up of the provider tests: one in-process emulator per test, found by the providers through
// COOLIFY_URL / COOLIFY_TOKEN (read at call time, as in the dynamic-provider process), with short polls.
import { afterEach, beforeEach } from "vitest";
import { startCoolifyEmulator, type CoolifyEmulator, type RequestLogEntry } from "../../emulator/server";
import { createProject, createService, type CoolifyConnection } from "../../lib/coolify";

/** Two containers: `web` (takes URLs; declares a magic password, so Coolify adds an is_coolify row) and `db`. */
export const COMPOSE = `services:
  web:
    image: nginx:1.27.3
    environment:
      - GREETING=\${GREETING}
      - ADMIN_PASSWORD=\${SERVICE_PASSWORD_ADMIN}
  db:
    image: postgres:16.4
    volumes:
      - dbdata:/var/lib/postgresql/data
volumes:
  dbdata: {}
`;

/** The same document as COMPOSE, written differently (flow style, other order, comments). */
export const COMPOSE_REFORMATTED = `# reformatted by hand
volumes: { dbdata: {} }
services:
  db: { image: "postgres:16.4", volumes: ["dbdata:/var/lib/postgresql/data"] }
  web:
    environment: ["GREETING=\${GREETING}", "ADMIN_PASSWORD=\${SERVICE_PASSWORD_ADMIN}"]
    image: nginx:1.27.3
`;

export interface Harness {
  emulator: CoolifyEmulator;
  conn: CoolifyConnection;
}

/** A fresh emulator for each test; env points the providers at it. */
export function useEmulator(): Harness {
  const h = {} as Harness;
  beforeEach(async () => {
    h.emulator = await startCoolifyEmulator({ rateLimitPerMinute: 100_000, lifecycleDelayMs: 20, deleteDelayMs: 60 });
    h.conn = { url: h.emulator.url, token: h.emulator.token, rateLimitPerMinute: 0 };
    Object.assign(process.env, {
      COOLIFY_URL: h.emulator.url,
      COOLIFY_TOKEN: h.emulator.token,
      COOLIFY_POLL_INTERVAL_MS: "10",
      COOLIFY_DELETE_TIMEOUT_SECONDS: "5",
      COOLIFY_RATE_LIMIT: "100000",
    });
  });
  afterEach(async () => {
    await h.emulator?.close();
  });
  return h;
}

/** Requests matching a method and a path pattern (paths start at /api/v1). */
export function calls(emulator: CoolifyEmulator, method: string, path: RegExp): RequestLogEntry[] {
  return emulator.requests.filter((r) => r.method === method && path.test(r.path));
}

/** Everything but reads. */
export function writes(emulator: CoolifyEmulator): string[] {
  return emulator.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
}

/** A project and a (not started) service from COMPOSE in it, made through the client as another tool would. */
export async function seedService(h: Harness, name = "other-stack"): Promise<{ projectUuid: string; serviceUuid: string }> {
  const { uuid: projectUuid } = await createProject(h.conn, { name: `project ${name}` });
  const { uuid: serviceUuid } = await createService(h.conn, {
    project_uuid: projectUuid, environment_name: "production", server_uuid: h.emulator.serverUuid, name, compose: COMPOSE,
  });
  return { projectUuid, serviceUuid };
}
