// The loader against a production-like schema through the operator's view: the lifecycle comes from the
// subscription, the secrets from hidden fields of two collections, and what the view cannot map stops the load.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../lib/tenants/connection";
import { loadTenants } from "../../lib/tenants/load";
import type { PocketBaseInstance } from "../../pocketbase/local-server";
import { expectSourceError } from "../lib/tenants/expect-source-error";
import { BOT_TOKEN, ROUTER_KEYS, setSubscriptionStatus, startProductionLike } from "./production-like";

let pocketbase: PocketBaseInstance;
let tenantIds: Record<string, string>;
let admin: PocketBase;

beforeAll(async () => {
  ({ pocketbase, tenantIds } = await startProductionLike());
  admin = await connect(pocketbase);
});

afterAll(async () => {
  await pocketbase?.stop();
});

describe("loadTenants through the operator's view over tenants + subscriptions + plans", () => {
  it("maps every tenant, with its status derived from the subscription and its secrets", async () => {
    const tenants = await loadTenants(pocketbase);
    expect(tenants.map((t) => [t.slug, t.status, t.plan.name, t.plan.tier, t.template])).toEqual([
      ["acme", "active", "team", "pro", "llm-stack"],
      ["bolt", "active", "basic", "starter", "openclaw"],
      ["chirp", "active", "enterprise", "business", "telegram-bot"],
      ["dora", "cancelled", "basic", "starter", "openclaw"],
    ]);
    const [acme, , chirp, dora] = tenants;
    expect(acme).toMatchObject({ id: tenantIds.acme, name: "Acme Corp", ownerEmail: "owner@acme.example", routerKey: ROUTER_KEYS.acme, settings: { webuiName: "Acme Chat" } });
    expect(chirp).toMatchObject({ secrets: { telegramBotToken: BOT_TOKEN }, telegramAllowFrom: ["100000001"], routerKey: ROUTER_KEYS.chirp });
    expect(chirp?.plan.limits).toEqual({});
    expect(dora?.cancelledAt).toBe("2026-11-01 00:00:00.000Z");
  });

  it("maps cancelled_at to when service ended (Stripe's ended_at), not to when the cancel was requested (canceled_at)", async () => {
    const dora = (await loadTenants(pocketbase)).find((t) => t.slug === "dora");
    const subscription = await admin.collection("subscriptions").getFirstListItem(admin.filter("tenant = {:id}", { id: tenantIds.dora }));
    expect(subscription.canceled_at).toBe("2026-10-15 00:00:00.000Z");
    expect(dora?.cancelledAt).toBe(subscription.ended_at);
  });

  it("reads the host the Admin Portal verified next to the verified flag", async () => {
    const tenant = await admin.collection("tenants").getOne(tenantIds.bolt);
    await admin.collection("tenants").update(tenant.id, { domain: "Agents.Bolt.Example.", domain_verified: true, domain_verified_host: "agents.bolt.example" });
    try {
      const bolt = (await loadTenants(pocketbase)).find((t) => t.slug === "bolt");
      expect(bolt).toMatchObject({ customDomain: "agents.bolt.example", customDomainVerified: true, customDomainVerifiedHost: "agents.bolt.example" });
    } finally {
      await admin.collection("tenants").update(tenant.id, { domain: "", domain_verified: false, domain_verified_host: "" });
    }
  });

  it("reads the tenant's rollout ring (config rollout's canary wave) through the view's optional rollout_ring", async () => {
    expect((await loadTenants(pocketbase)).every((t) => t.rolloutRing === undefined)).toBe(true);
    await admin.collection("tenants").update(tenantIds.bolt, { agent_rollout_ring: "canary" });
    try {
      const tenants = await loadTenants(pocketbase);
      expect(tenants.filter((t) => t.rolloutRing !== undefined).map((t) => [t.slug, t.rolloutRing])).toEqual([["bolt", "canary"]]);
    } finally {
      await admin.collection("tenants").update(tenantIds.bolt, { agent_rollout_ring: "" });
    }
  });

  it("follows the subscription: paused is suspended, canceled is cancelled", async () => {
    await setSubscriptionStatus(admin, "acme", "paused");
    await setSubscriptionStatus(admin, "bolt", "canceled");
    try {
      const status = Object.fromEntries((await loadTenants(pocketbase)).map((t) => [t.slug, t.status]));
      expect(status).toMatchObject({ acme: "suspended", bolt: "cancelled" });
    } finally {
      await setSubscriptionStatus(admin, "acme", "active");
      await setSubscriptionStatus(admin, "bolt", "trialing");
    }
  });

  it("stops naming the tenant when its subscription status is one the view does not map", async () => {
    const view = await admin.collections.getOne("agent_tenants");
    const query = String(view.viewQuery);
    await admin.collections.update("agent_tenants", { viewQuery: query.replace("'canceled', 'incomplete_expired'", "'canceled'") });
    await setSubscriptionStatus(admin, "bolt", "incomplete_expired");
    try {
      const error = await expectSourceError(loadTenants(pocketbase), "malformed", [pocketbase.password, BOT_TOKEN, ...Object.values(ROUTER_KEYS)]);
      expect(error.tenant).toBe("bolt");
      expect(error.field).toBe("status");
    } finally {
      await setSubscriptionStatus(admin, "bolt", "trialing");
      await admin.collections.update("agent_tenants", { viewQuery: query });
    }
  });

  it("stops naming the tenant when it has no subscription, rather than dropping it from the list", async () => {
    const extra = await admin.collection("tenants").create({ subdomain: "eve", company: "Eve GmbH", agent_template: "openclaw" });
    try {
      const error = await expectSourceError(loadTenants(pocketbase), "malformed", [pocketbase.password]);
      expect(error.tenant).toBe("eve");
      expect(error.field).toBe("status");
    } finally {
      await admin.collection("tenants").delete(extra.id);
    }
  });
});
