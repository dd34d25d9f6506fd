// Placement at fleet size: 10,000 tenants over 200 servers of mixed sizes (quick: 300 over 10), half of them deployed
// (recorded on a server, sticky) and half new. Pure: program/capacity.ts on already rendered plans, no engine, no
// network. Baseline: the program's planning without placement (program/plan.ts planTenants: policies and renders)
// of the same tenants in the same run.
import type { Provisioning } from "../lib/tenants/provisioning";
import type { Tenant } from "../lib/tenants/tenant";
import type { ServerSpec } from "../lib/servers";
import { placeFleet } from "../program/capacity";
import { planTenants, type PlatformValues } from "../program/plan";
import { QUICK } from "./support";
import { entry, type Bench } from "./types";

const TENANTS = QUICK ? 300 : 10_000;
const SERVERS = QUICK ? 10 : 200;
const TEMPLATES = ["openclaw", "telegram-bot", "llm-stack"] as const;
const TIERS = ["starter", "pro", "business"] as const;

const PLATFORM: PlatformValues = {
  aiRouterUrl: "https://ai-router.bench.invalid/v1",
  baseDomain: "agents.bench.invalid",
  coolifyUrl: "https://coolify.bench.invalid",
  pocketbaseUrl: "https://api.bench.invalid",
};

function tenantFor(n: number): Tenant {
  const template = TEMPLATES[n % TEMPLATES.length];
  const tier = TIERS[Math.floor(n / 3) % TIERS.length];
  const bot = template === "telegram-bot";
  return {
    id: `t${String(n).padStart(14, "0")}`,
    slug: `tenant-${n}`,
    name: `Tenant ${n}`,
    status: "active",
    plan: { id: `plan-${tier}`, name: tier, tier, allowedTemplates: [...TEMPLATES], models: ["gpt-4o-mini"], limits: {} },
    template,
    customDomainVerified: false,
    routerKey: `sk-bench-${n}-router-key-not-real`,
    settings: template === "llm-stack" ? { webuiName: `Chat ${n}` } : {},
    secrets: bot ? { telegramBotToken: `${100_000 + n}:BENCH_fake_token_not_real_${String(n).padStart(8, "0")}` } : {},
    telegramAllowFrom: bot ? [String(100_000 + n)] : [],
  };
}

/** 64 to 192 GiB, 16 to 48 cores: room for about 10,000 of these tenants in all. */
function serverFor(n: number): ServerSpec {
  const step = n % 5;
  return { uuid: `srv-${String(n).padStart(4, "0")}`, cpus: 16 + 8 * step, memoryGb: 64 + 32 * step, reserved: { cpus: 1, memoryGb: 2 }, draining: n % 50 === 49 };
}

/** ms per tenant of placeFleet over TENANTS tenants and SERVERS servers, against planTenants of the same tenants. */
export const run: Bench = async () => {
  const tenants = Array.from({ length: TENANTS }, (_, n) => tenantFor(n));
  const servers = Array.from({ length: SERVERS }, (_, n) => serverFor(n));
  planTenants(tenants.slice(0, 30), PLATFORM); // warm-up: template parse, JIT

  let start = process.hrtime.bigint();
  const { plans, invalid } = planTenants(tenants, PLATFORM);
  const planMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (invalid.length > 0) throw new Error(`bench tenants do not plan: ${invalid[0].errors[0].message}`);

  const config = { servers, overcommitRatios: { cpu: 4, memory: 1 }, coolifyServerUuid: undefined };
  // Every other tenant deployed by an earlier run, recorded where that run placed it.
  const earlier = placeFleet(plans.filter((_, i) => i % 2 === 0), [], [], new Map(), config);
  const records = new Map<string, Provisioning>();
  for (const plan of earlier.plans) {
    const placement = earlier.placements.get(plan.tenant.id)!;
    records.set(plan.tenant.id, {
      id: `rec-${plan.tenant.id}`, tenantId: plan.tenant.id, coolifyProjectUuid: "p", coolifyServiceUuid: `svc-${plan.tenant.id}`, templateRef: plan.rendered.templateRef,
      status: "running:healthy", statusReason: "", urls: {}, lastError: "", credentials: {}, serverUuid: placement.server, reservation: placement.reservation,
    });
  }
  placeFleet(plans.slice(0, 100), [], [], records, config); // warm-up

  start = process.hrtime.bigint();
  const placed = placeFleet(plans, [], [], records, config);
  const placeMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (placed.placements.size + placed.refused.length !== TENANTS) throw new Error(`placed ${placed.placements.size} and refused ${placed.refused.length} of ${TENANTS}`);
  const over = placed.result.usage.find((u) => u.reserved.memoryMb > u.allocatable.memoryMb || u.reserved.cpus > u.allocatable.cpus);
  if (over) throw new Error(`server ${over.uuid} is above its allocatable`);

  const label = `${TENANTS.toLocaleString("en-US")} tenants over ${SERVERS} servers, half deployed`;
  return [
    entry("placement.place", `ms per tenant (${label}; baseline: planTenants without placement)`, placeMs / TENANTS, "ms", planMs / TENANTS),
    entry("placement.refused", `tenants refused for capacity (${label})`, placed.refused.length, "tenants", null),
  ];
};
