import { afterAll, beforeAll } from "vitest";
import { startCoolifyEmulator, type CoolifyEmulator, type EmulatorOptions } from "../../../emulator/server";
import { createProject, createService, type CoolifyConnection } from "../../../lib/coolify";

/** A two-container compose stack: `app` (takes URLs, declares a generated one) and `db` (a database). */
export const COMPOSE = `services:
  app:
    image: ghcr.io/example/app:1.2.3
    environment:
      - SERVICE_URL_APP_3000
      - DB_PASSWORD=\${SERVICE_PASSWORD_DB}
      - GREETING=\${GREETING:-hello}
  db:
    image: postgres:16
    environment:
      - POSTGRES_PASSWORD=\${SERVICE_PASSWORD_DB}
    volumes:
      - db-data:/var/lib/postgresql/data
`;

/** A connection with the throttle off and millisecond retry backoff, so tests stay fast. */
export function fastConnection(emulator: CoolifyEmulator, extra: Partial<CoolifyConnection> = {}): CoolifyConnection {
  return {
    url: emulator.url,
    token: emulator.token,
    rateLimitPerMinute: 0,
    timeoutMs: 5_000,
    ...extra,
    transport: { retryBaseDelayMs: 10, retryMaxDelayMs: 40, ...extra.transport },
  };
}

/** Starts one emulator for the calling test file (generous server-side rate limit, short async delays). */
export function useEmulator(options: EmulatorOptions = {}): { emulator: CoolifyEmulator; conn: CoolifyConnection } {
  const ctx = {} as { emulator: CoolifyEmulator; conn: CoolifyConnection };
  beforeAll(async () => {
    ctx.emulator = await startCoolifyEmulator({ rateLimitPerMinute: 100_000, lifecycleDelayMs: 40, deleteDelayMs: 40, ...options });
    ctx.conn = fastConnection(ctx.emulator);
  });
  afterAll(async () => {
    await ctx.emulator?.close();
  });
  return ctx;
}

/** Creates a project and a service from `COMPOSE` in its production environment. */
export async function seedService(conn: CoolifyConnection, emulator: CoolifyEmulator, name = "stack"): Promise<{ projectUuid: string; serviceUuid: string }> {
  const { uuid: projectUuid } = await createProject(conn, { name: `project ${name}` });
  const { uuid: serviceUuid } = await createService(conn, {
    project_uuid: projectUuid,
    environment_name: "production",
    server_uuid: emulator.serverUuid,
    name,
    compose: COMPOSE,
  });
  return { projectUuid, serviceUuid };
}

/** Polls `check` every 20 ms until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
