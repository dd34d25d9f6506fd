import type PocketBase from "pocketbase";
import { connect } from "../lib/tenants/connection";
import type { RecordModel } from "pocketbase";

// Demo data: three plans and one active tenant per template. Idempotent: plans are matched by
// name and tenants by slug, then updated in place. Run directly:
//   tsx pocketbase/seed.ts --url http://127.0.0.1:8090 --email admin@example.com --password '...'
// (or leave out --password and set POCKETBASE_PASSWORD).

export const DEMO_PLANS = [
  {
    name: "starter",
    tier: "starter",
    allowed_templates: ["openclaw", "telegram-bot"],
    models: ["llama-3.1-8b-instruct", "gpt-4o-mini"],
    limits: { openclaw: { cpus: 1, memoryMb: 2048, pids: 256 }, "telegram-bot": { cpus: 0.5, memoryMb: 512, pids: 128 } },
  },
  {
    name: "pro",
    tier: "pro",
    allowed_templates: ["openclaw", "telegram-bot", "llm-stack"],
    models: ["llama-3.1-8b-instruct", "mistral-small-3.1", "gpt-4o-mini"],
    limits: { openclaw: { cpus: 2, memoryMb: 2048 }, "llm-stack": { cpus: 2, memoryMb: 4096, pids: 512 } },
  },
  {
    name: "business",
    tier: "business",
    allowed_templates: ["openclaw", "telegram-bot", "llm-stack"],
    models: ["llama-3.1-8b-instruct", "mistral-small-3.1", "llama-3.3-70b-instruct", "gpt-4o-mini"],
    limits: { "llm-stack": { cpus: 4, memoryMb: 8192, pids: 1024 } },
  },
] as const;

/** Fake but well-formed: a numeric bot id, a colon and 35 characters, as BotFather issues them. */
export const DEMO_BOT_TOKEN = "123456789:AAFakeDemoTokenForChirpTelegram0001";

/** Fake per-tenant AI Router keys, as Billing would issue them: each tenant has its own. */
export const DEMO_ROUTER_KEYS = {
  acme: "sk-demo-acme-router-key-not-real-0001",
  bolt: "sk-demo-bolt-router-key-not-real-0002",
  chirp: "sk-demo-chirp-router-key-not-real-0003",
} as const;

export const DEMO_TENANTS = [
  { slug: "acme", name: "Acme Corp", status: "active", plan: "pro", template: "llm-stack", settings: { webuiName: "Acme Chat" }, owner_email: "owner@acme.example", ai_router_key: DEMO_ROUTER_KEYS.acme },
  { slug: "bolt", name: "Bolt Labs", status: "active", plan: "starter", template: "openclaw", settings: {}, owner_email: "owner@bolt.example", ai_router_key: DEMO_ROUTER_KEYS.bolt },
  {
    slug: "chirp",
    name: "Chirp Messaging",
    status: "active",
    plan: "business",
    template: "telegram-bot",
    settings: {},
    telegram_bot_token: DEMO_BOT_TOKEN,
    telegram_allow_from: ["100000001", "100000002"],
    owner_email: "owner@chirp.example",
    ai_router_key: DEMO_ROUTER_KEYS.chirp,
  },
] as const;

export interface SeedResult {
  /** Plan name -> record id. */
  plans: Record<string, string>;
  /** Tenant slug -> record id. */
  tenants: Record<string, string>;
}

/** Upserts the demo plans and tenants. `pb` must be authenticated as a superuser. */
export async function seedDemo(pb: PocketBase): Promise<SeedResult> {
  const plans: Record<string, string> = {};
  for (const plan of DEMO_PLANS) {
    plans[plan.name] = (await upsert(pb, "plans", "name", plan.name, { ...plan })).id;
  }
  const tenants: Record<string, string> = {};
  for (const { plan, ...tenant } of DEMO_TENANTS) {
    const planId = plans[plan];
    if (planId === undefined) throw new Error(`seed: demo tenant "${tenant.slug}" names unknown plan "${plan}"; add it to DEMO_PLANS.`);
    tenants[tenant.slug] = (await upsert(pb, "tenants", "slug", tenant.slug, { ...tenant, plan: planId })).id;
  }
  return { plans, tenants };
}

async function upsert(pb: PocketBase, collection: string, key: string, value: string, body: Record<string, unknown>): Promise<RecordModel> {
  const found = await pb.collection(collection).getList(1, 1, { filter: pb.filter(`${key} = {:value}`, { value }), skipTotal: true });
  const existing = found.items[0];
  return existing === undefined ? pb.collection(collection).create(body) : pb.collection(collection).update(existing.id, body);
}

function parseArgs(argv: string[]): { url: string; email: string; password: string } {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === undefined || !flag.startsWith("--") || value === undefined) {
      throw new Error(`seed: expected --url URL --email EMAIL [--password PASSWORD], got "${argv.join(" ")}".`);
    }
    values.set(flag.slice(2), value);
  }
  const url = values.get("url");
  const email = values.get("email");
  const password = values.get("password") ?? process.env.POCKETBASE_PASSWORD;
  if (url === undefined || email === undefined || password === undefined) {
    throw new Error("seed: pass --url and --email, and --password or POCKETBASE_PASSWORD (a PocketBase superuser).");
  }
  return { url, email, password };
}

async function main(): Promise<void> {
  const { url, email, password } = parseArgs(process.argv.slice(2));
  const result = await seedDemo(await connect({ url, email, password }));
  console.log(`Seeded ${Object.keys(result.plans).length} plans and ${Object.keys(result.tenants).length} tenants at ${url}.`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
