// A PocketBase shaped like CloudFreedom's production one: tenants + subscriptions + plans that the product
// does not own (production-schema/, with field names of their own and the status on the subscription),
// plus the product's migrations and the operator's view (pocketbase/examples, unchanged).
import { resolve } from "node:path";
import type PocketBase from "pocketbase";
import { connect } from "../../lib/tenants/connection";
import { PRODUCT_MIGRATIONS_DIR, startPocketBase, type PocketBaseInstance } from "../../pocketbase/local-server";

export const PRODUCTION_SCHEMA_DIR = resolve(__dirname, "production-schema");
export const EXAMPLE_VIEW_DIR = resolve(__dirname, "../../pocketbase/examples");
export const PRODUCTION_LIKE_MIGRATIONS = [PRODUCTION_SCHEMA_DIR, PRODUCT_MIGRATIONS_DIR, EXAMPLE_VIEW_DIR];
/** What the example view reads: the realtime sources for this schema. */
export const PRODUCTION_SOURCE_COLLECTIONS = ["tenants", "subscriptions", "plans"];

export const BOT_TOKEN = "987654321:AAProductionLikeTokenForChirpBot001";
export const ROUTER_KEYS: Record<string, string> = { acme: "sk-tenant-acme-secret-0001", bolt: "sk-tenant-bolt-secret-0003", chirp: "sk-tenant-chirp-secret-0002" };

const PLANS = [
  { code: "basic", title: "Basic", price_cents: 900, agent_tier: "starter", agent_templates: ["openclaw", "telegram-bot"], ai_models: ["gpt-4o-mini"], agent_limits: { openclaw: { cpus: 1, memoryMb: 2048 } } },
  { code: "team", title: "Team", price_cents: 4900, agent_tier: "pro", agent_templates: ["openclaw", "telegram-bot", "llm-stack"], ai_models: ["gpt-4o-mini", "mistral-small-3.1"], agent_limits: {} },
  { code: "enterprise", title: "Enterprise", price_cents: 19900, agent_tier: "business", agent_templates: ["openclaw", "telegram-bot", "llm-stack"], ai_models: ["llama-3.3-70b-instruct", "gpt-4o-mini"], agent_limits: null },
];

/** Subdomain -> tenant fields, its plan code and its subscription status (Billing's vocabulary). */
const TENANTS = [
  { subdomain: "acme", company: "Acme Corp", contact_email: "owner@acme.example", agent_template: "llm-stack", agent_settings: { webuiName: "Acme Chat" }, plan: "team", status: "active" },
  { subdomain: "bolt", company: "Bolt Labs", agent_template: "openclaw", plan: "basic", status: "trialing" },
  { subdomain: "chirp", company: "Chirp Messaging", agent_template: "telegram-bot", telegram_bot_token: BOT_TOKEN, telegram_users: [100000001], plan: "enterprise", status: "past_due" },
  { subdomain: "dora", company: "Dora Ltd", agent_template: "openclaw", plan: "basic", status: "canceled" },
];

export interface ProductionLike {
  pocketbase: PocketBaseInstance;
  /** Subdomain -> tenant record id. */
  tenantIds: Record<string, string>;
}

/** Starts the production-like PocketBase and fills it as the Admin Portal and Billing would. */
export async function startProductionLike(): Promise<ProductionLike> {
  const pocketbase = await startPocketBase({ migrations: PRODUCTION_LIKE_MIGRATIONS });
  const pb = await connect(pocketbase);
  const planIds: Record<string, string> = {};
  for (const plan of PLANS) planIds[plan.code] = (await pb.collection("plans").create(plan)).id;
  const tenantIds: Record<string, string> = {};
  for (const { plan, status, ...tenant } of TENANTS) {
    const id = (await pb.collection("tenants").create(tenant)).id;
    tenantIds[tenant.subdomain] = id;
    const router_key = ROUTER_KEYS[tenant.subdomain] ?? "";
    await pb.collection("subscriptions").create({ tenant: id, plan: planIds[plan], status, router_key, ...(status === "canceled" ? { canceled_at: "2026-10-15 00:00:00.000Z", ended_at: "2026-11-01 00:00:00.000Z" } : {}) });
  }
  return { pocketbase, tenantIds };
}

/** Sets the Billing status of a tenant's subscription. */
export async function setSubscriptionStatus(pb: PocketBase, subdomain: string, status: string): Promise<void> {
  const tenant = await pb.collection("tenants").getFirstListItem(pb.filter("subdomain = {:subdomain}", { subdomain }));
  const subscription = await pb.collection("subscriptions").getFirstListItem(pb.filter("tenant = {:id}", { id: tenant.id }));
  await pb.collection("subscriptions").update(subscription.id, { status });
}
