// The env rows of a Coolify service that the Service provider writes and reads (coolify-api.md §7.6, §9).
import * as coolify from "../lib/coolify";
import { digest } from "./diff";
import { envItems } from "./service-model";

/** Coolify generates magic variables once, at create, and never again (§9): one read after deploy suffices. */
export async function readGenerated(conn: coolify.CoolifyConnection, uuid: string, keys: string[] | undefined): Promise<Record<string, string>> {
  if (!keys || keys.length === 0) return {};
  const rows = await coolify.listServiceEnvs(conn, uuid);
  return Object.fromEntries(rows.filter((row) => keys.includes(row.key) && (row.value ?? null) !== null).map((row) => [row.key, row.value as string]));
}

/** Writes changed and new variables in one bulk call; removes the ones we dropped (never Coolify's own). */
export async function syncEnvs(conn: coolify.CoolifyConnection, uuid: string, olds: Record<string, string>, news: Record<string, string>): Promise<void> {
  // `olds` is what the state kept (stateOf): a long value's digest, or the value itself.
  const changed = Object.fromEntries(Object.entries(news).filter(([key, value]) => olds[key] !== value && olds[key] !== digest(value)));
  if (Object.keys(changed).length > 0) await coolify.upsertServiceEnvs(conn, uuid, envItems(changed));
  const removed = Object.keys(olds).filter((key) => !(key in news));
  if (removed.length === 0) return;
  for (const row of await coolify.listServiceEnvs(conn, uuid)) {
    if (removed.includes(row.key) && !row.is_coolify) await coolify.deleteServiceEnv(conn, uuid, row.uuid);
  }
}
