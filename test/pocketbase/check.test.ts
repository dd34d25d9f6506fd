// npm run pocketbase:check against a real PocketBase with a production-like schema and the operator's view.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../lib/tenants/connection";
import { DEFAULT_TENANT_VIEW } from "../../lib/tenants/collections";
import type { PocketBaseInstance } from "../../pocketbase/local-server";
import { startRewritingProxy } from "../lib/tenants/rewriting-proxy";
import { createProgram } from "../support/pulumi";
import { BOT_TOKEN, PRODUCTION_SOURCE_COLLECTIONS, ROUTER_KEYS, setSubscriptionStatus, startProductionLike } from "./production-like";

const SCRIPT = resolve(__dirname, "../../scripts/pocketbase-check.ts");

let pocketbase: PocketBaseInstance;
let admin: PocketBase;
let exampleQuery: string;

beforeAll(async () => {
  ({ pocketbase } = await startProductionLike());
  admin = await connect(pocketbase);
  exampleQuery = (await admin.collections.getOne(DEFAULT_TENANT_VIEW)).viewQuery as string;
});

afterAll(async () => {
  await pocketbase?.stop();
});

/** Runs the script with the connection in the environment; resolves with its exit code and output. */
async function check(env: Record<string, string> = {}, url = pocketbase.url): Promise<{ code: number; out: string }> {
  const base = { ...process.env, POCKETBASE_URL: url, POCKETBASE_EMAIL: pocketbase.email, POCKETBASE_PASSWORD: pocketbase.password, POCKETBASE_TENANT_SOURCES: PRODUCTION_SOURCE_COLLECTIONS.join(",") };
  try {
    const { stdout, stderr } = await promisify(execFile)("tsx", [SCRIPT], { env: { ...base, ...env } });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

/** Replaces the view's SQL for one test, then restores the operator's example. */
async function withViewQuery<T>(edit: (query: string) => string, body: () => Promise<T>): Promise<T> {
  await admin.collections.update(DEFAULT_TENANT_VIEW, { viewQuery: edit(exampleQuery) });
  try {
    return await body();
  } finally {
    await admin.collections.update(DEFAULT_TENANT_VIEW, { viewQuery: exampleQuery });
  }
}

describe("npm run pocketbase:check", () => {
  it("passes on a production-like instance with the product's migrations and the operator's view, sending only GETs", async () => {
    const proxy = await startRewritingProxy(pocketbase.url);
    const requests: string[] = [];
    proxy.setRewrite((request, response) => (requests.push(`${request.method} ${request.path.split("?")[0]}`), response));
    try {
      const { code, out } = await check({}, proxy.url);
      expect(out).toContain("No problems");
      expect(code).toBe(0);
      expect(out).toMatch(/ok +"agent_tenants" has all 21 columns/);
      expect(out).toMatch(/all 4 rows of "agent_tenants" pass the loader's parser/);
      expect(out).toMatch(/secret columns telegram_bot_token, ai_router_key are hidden/);
      for (const secret of [pocketbase.password, BOT_TOKEN, ...Object.values(ROUTER_KEYS)]) expect(out).not.toContain(secret);
    } finally {
      await proxy.close();
    }
    expect(requests.filter((request) => !request.startsWith("GET "))).toEqual(["POST /api/collections/_superusers/auth-with-password"]);
  });

  it("fails naming the missing column and how to add it", async () => {
    await withViewQuery(
      (query) => query.replace("  t.domain_verified AS custom_domain_verified,\n", ""),
      async () => {
        const { code, out } = await check();
        expect(code).toBe(1);
        expect(out).toContain('PROBLEM  the view "agent_tenants" has no column "custom_domain_verified"');
        expect(out).toContain("fix: add `<your field or expression> AS custom_domain_verified`");
        expect(out).toMatch(/1 problem\(s\)/);
      },
    );
  });

  it("fails on a column of the wrong type and on a secret that is not hidden, each with its fix", async () => {
    await withViewQuery(
      (query) => query.replace("t.domain_verified AS", "(t.domain_verified OR 0) AS").replace("s.router_key AS", "COALESCE(s.router_key, '') AS"),
      async () => {
        const { code, out } = await check();
        expect(code).toBe(1);
        expect(out).toContain('column "custom_domain_verified" of "agent_tenants" is of type json, the loader needs bool');
        expect(out).toContain("CAST(... AS BOOLEAN) AS custom_domain_verified");
        expect(out).toContain('the secret column "ai_router_key" of "agent_tenants" is not hidden');
        expect(out).toContain('column "ai_router_key" of "agent_tenants" is of type json');
        expect(out).not.toContain(ROUTER_KEYS.acme);
      },
    );
  });

  it("fails on a status the view does not map, naming the tenant, and on the row the loader would refuse", async () => {
    await setSubscriptionStatus(admin, "bolt", "incomplete_expired");
    const view = await admin.collections.getOne(DEFAULT_TENANT_VIEW);
    await admin.collections.update(DEFAULT_TENANT_VIEW, { viewQuery: String(view.viewQuery).replace("'canceled', 'incomplete_expired'", "'canceled'") });
    try {
      const { code, out } = await check();
      expect(code).toBe(1);
      expect(out).toContain('1 row(s) of "agent_tenants" have a status other than active, suspended, cancelled ("bolt": "incomplete_expired")');
      expect(out).toContain('tenant "bolt", column "status"');
    } finally {
      await admin.collections.update(DEFAULT_TENANT_VIEW, { viewQuery: exampleQuery });
      await setSubscriptionStatus(admin, "bolt", "trialing");
    }
  });

  it("warns, without failing, about a field that would hold only its tenant, naming tenant, column and fix", async () => {
    const bolt = await admin.collection("tenants").getFirstListItem(admin.filter("subdomain = {:s}", { s: "bolt" }));
    const before = bolt.telegram_users;
    await admin.collection("tenants").update(bolt.id, { telegram_users: ["@bob"] });
    try {
      const { code, out } = await check();
      expect(code).toBe(0);
      expect(out).toContain('tenant "bolt", column "telegram_allow_from[0]": must be numeric Telegram user ids (not @names); the program holds this tenant');
      expect(out).toContain('fix: correct this tenant\'s data behind column "telegram_allow_from"');
    } finally {
      await admin.collection("tenants").update(bolt.id, { telegram_users: before });
    }
  });

  it("fails when the view is missing, and warns about realtime sources the view reads but nobody watches", async () => {
    const missing = await check({ POCKETBASE_TENANT_VIEW: "agent_tenants_v2" });
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('PROBLEM  the tenant view "agent_tenants_v2" does not exist');
    const unwatched = await check({ POCKETBASE_TENANT_SOURCES: "tenants,plans" });
    expect(unwatched.code).toBe(0);
    expect(unwatched.out).toContain("warning  the view reads subscriptions, which tenantSourceCollections (tenants, plans) leaves out");
    expect(unwatched.out).toContain("fix: pulumi config set tenantSourceCollections tenants,plans,subscriptions");
  });

  it("reads the connection, view and sources from the selected stack's config when the environment has none", async () => {
    const program = await createProgram({
      project: "cloudfreedom-agents",
      source: "export {};\n",
      config: { pocketbaseUrl: pocketbase.url, pocketbaseEmail: pocketbase.email, tenantView: "agent_tenants_next", tenantSourceCollections: "tenants,subscriptions,plans" },
      secrets: { pocketbasePassword: pocketbase.password },
    });
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_BACKEND_URL: `file://${program.backendDir}`, PULUMI_CONFIG_PASSPHRASE: "test-passphrase" };
      for (const key of ["POCKETBASE_URL", "POCKETBASE_EMAIL", "POCKETBASE_PASSWORD", "POCKETBASE_TENANT_VIEW", "POCKETBASE_TENANT_SOURCES"]) delete env[key];
      const run = await promisify(execFile)("tsx", [SCRIPT, "--stack", "test"], { cwd: program.workDir, env }).then(
        ({ stdout }) => ({ code: 0, out: stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, out: error.stdout }),
      );
      expect(run.out).toContain(`logged in to PocketBase at ${pocketbase.url}`);
      expect(run.out).toContain('the tenant view "agent_tenants_next" does not exist');
      expect(run.out).toContain("ok       \"agent_provisioning\" exists");
      expect(run.out).not.toContain(pocketbase.password);
      expect(run.code).toBe(1);
    } finally {
      program.dispose();
    }
  });

  it("reports a wrong password as a problem without showing it", async () => {
    const { code, out } = await check({ POCKETBASE_PASSWORD: "not-the-password-123" });
    expect(code).toBe(1);
    expect(out).toContain("rejected the superuser");
    expect(out).not.toContain("not-the-password-123");
  });
});
