// Where the providers find Coolify and PocketBase. Credentials arrive at run time through the dynamic provider's
// `configure` (the stack config, secrets decrypted) or, failing that, the environment, read inside the
// call; nothing here runs at import, so nothing is frozen into the serialized provider in state.
import type * as pulumi from "@pulumi/pulumi";
import { requireSupportedVersion, type CoolifyConnection } from "../lib/coolify";
import type { PocketBaseSource } from "../lib/tenants/connection";
import { RATE_BUDGET_VARIABLES } from "../lib/coolify/rate-budget";

/** Timing knobs of the providers; the defaults suit a real Coolify, tests shorten them. */
export interface ProviderTimings {
  /** Pause between status polls. */
  pollIntervalMs: number;
  /** How long a delete keeps retrying Coolify's "has resources" 400 and waits for a queued delete. */
  deleteTimeoutMs: number;
  /**
   * After a queued start or restart, how long a `running:healthy` that may still be the old containers' is not
   * trusted unless the status showed the restart first (providers/service-status.ts). Config
   * `coolifyRestartSettleSeconds` (env COOLIFY_RESTART_SETTLE_SECONDS); unset, 20 polls: 60 s at the default poll,
   * Coolify's status refresh interval. Costs nothing when the status shows the restart (Coolify's does, for its stop
   * and `docker compose up`); an update whose poll never catches it waits up to this long.
   */
  restartSettleMs: number;
}

let configured: pulumi.dynamic.ConfigureRequest["config"] | undefined;

/** Remembers the stack config the engine hands to `configure` (one process serves all dynamic resources). */
export async function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  configured = req.config;
}

function setting(configKey: string, envKey: string): string | undefined {
  return configured?.get(configKey) ?? process.env[envKey] ?? undefined;
}

/** The Coolify connection from config `coolifyUrl`/`coolifyToken` (env `COOLIFY_URL`/`COOLIFY_TOKEN`). */
export function coolifyConnection(): CoolifyConnection {
  const url = setting("coolifyUrl", "COOLIFY_URL");
  const token = setting("coolifyToken", "COOLIFY_TOKEN");
  if (!url || !token) {
    throw new Error(
      "Coolify credentials missing: run `pulumi config set coolifyUrl https://<coolify host>` and " +
        "`pulumi config set --secret coolifyToken <token>` (or export COOLIFY_URL / COOLIFY_TOKEN)",
    );
  }
  // A reconciler running shards in parallel hands each run a shared budget (COOLIFY_RATE_BUDGET_*, which the client
  // reads itself, lib/coolify/rate-budget.ts) and its share of the one limit as the fallback should the budget fail
  // (reconciler/config.ts shardRunPlan); config would otherwise give every run the whole of it.
  const rate = Number(process.env[RATE_BUDGET_VARIABLES.share] || (setting("coolifyRateLimit", "COOLIFY_RATE_LIMIT") ?? ""));
  // Nothing is written to a Coolify outside the supported versions (lib/coolify/versions.ts) unless the run allows it.
  return { url, token, ...(rate > 0 ? { rateLimitPerMinute: rate } : {}), beforeWrite: (conn) => requireSupportedVersion(conn) };
}

/** PocketBase from config `pocketbaseUrl`/`pocketbaseEmail`/`pocketbasePassword` (env `POCKETBASE_URL`/`_EMAIL`/`_PASSWORD`). */
export function pocketbaseSource(): PocketBaseSource {
  const url = setting("pocketbaseUrl", "POCKETBASE_URL");
  const email = setting("pocketbaseEmail", "POCKETBASE_EMAIL");
  const password = setting("pocketbasePassword", "POCKETBASE_PASSWORD");
  if (!url || !email || !password) {
    throw new Error(
      "PocketBase credentials missing: run `pulumi config set pocketbaseUrl <url>`, `pulumi config set pocketbaseEmail <email>` " +
        "and `pulumi config set --secret pocketbasePassword <password>` (or export POCKETBASE_URL / _EMAIL / _PASSWORD)",
    );
  }
  return { url, email, password };
}

export function providerTimings(): ProviderTimings {
  const number = (configKey: string, envKey: string, fallback: number) => {
    const value = Number(setting(configKey, envKey) ?? "");
    return value > 0 ? value : fallback;
  };
  const pollIntervalMs = number("coolifyPollIntervalMs", "COOLIFY_POLL_INTERVAL_MS", 3_000);
  return {
    pollIntervalMs,
    deleteTimeoutMs: number("coolifyDeleteTimeoutSeconds", "COOLIFY_DELETE_TIMEOUT_SECONDS", 180) * 1000,
    // Tied to the poll by default so that a test run, which polls every few ms, needs no knob of its own.
    restartSettleMs: number("coolifyRestartSettleSeconds", "COOLIFY_RESTART_SETTLE_SECONDS", (20 * pollIntervalMs) / 1000) * 1000,
  };
}

/**
 * This run's `deleteVolumesOnTeardown` (env CLOUDFREEDOM_DELETE_VOLUMES), or undefined when unset. A delete only
 * sees the state of the run that created or last updated the resource; this is how it follows the run that deletes.
 */
export function runDeleteVolumes(): boolean | undefined {
  const value = setting("deleteVolumesOnTeardown", "CLOUDFREEDOM_DELETE_VOLUMES");
  return value === undefined || value === "" ? undefined : value === "true";
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
