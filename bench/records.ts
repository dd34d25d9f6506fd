// Reading the fleet's write-back records, as every run of the program and the reconciler's routing do: listProvisioning
// of N records (real PocketBase, records shaped as a run writes them, applied_spec included) against a bare
// getFullList of the same records, so parsing stays a small part of it. Building the record schema per record made
// it 8-9x at 2,000 (850-1,040 ms against ~100 ms).
import { performance } from "node:perf_hooks";
import { connect, withSession } from "../lib/tenants/connection";
import { listProvisioning, upsertProvisioning } from "../lib/tenants/provisioning";
import { startPocketBase } from "../pocketbase/local-server";
import { DEMO_PLANS } from "../pocketbase/seed";
import { QUICK } from "./support";
import { entry, type Bench } from "./types";

const RECORDS = QUICK ? 200 : 2_000;
const ROUNDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

/** An applied spec as a run writes it (held-plan.ts AppliedSpec's fields), for a realistic record size. */
function appliedSpec(slug: string): Record<string, unknown> {
  return {
    template: "openclaw", templateVersion: "1.0.0", settings: { telegramAllowFrom: ["100001"] }, domains: [`${slug}.agents.bench.invalid`],
    plan: { tier: "starter", models: ["gpt-4o-mini"], limits: {} }, secrets: {}, platform: { aiRouterUrl: "https://ai.bench.invalid/v1", baseDomain: "agents.bench.invalid" },
  };
}

export const run: Bench = async () => {
  const pocketbase = await startPocketBase();
  try {
    const pb = await connect(pocketbase);
    for (const plan of DEMO_PLANS) await pb.collection("plans").create({ ...plan });
    const starter = await pb.collection("plans").getFirstListItem('name = "starter"');
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < RECORDS) {
        const slug = `tenant-${String(next++).padStart(5, "0")}`;
        const tenant = await pb.collection("tenants").create({ slug, name: slug, status: "active", plan: starter.id, template: "openclaw", settings: {} });
        await upsertProvisioning(pocketbase, tenant.id, {
          coolifyProjectUuid: `p-${tenant.id}`, coolifyServiceUuid: `s-${tenant.id}`, templateRef: "openclaw@1.0.0", status: "running:healthy",
          urls: { web: `https://${slug}.agents.bench.invalid` }, credentials: {}, serverUuid: "server-0", reservation: { cpus: 1, memoryMb: 2048 }, appliedSpec: appliedSpec(slug),
        });
      }
    }));
    const listed: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let start = performance.now();
      const raw = await withSession(pocketbase, (session) => session.collection("agent_provisioning").getFullList({ batch: 500 }));
      bare.push(performance.now() - start);
      start = performance.now();
      const records = await listProvisioning(pocketbase);
      listed.push(performance.now() - start);
      if (records.size !== RECORDS || raw.length !== RECORDS) throw new Error(`listed ${records.size} records (bare ${raw.length}), expected ${RECORDS}`);
    }
    const value = median(listed);
    const baseline = median(bare);
    return [entry("records.list", `ms to list ${RECORDS.toLocaleString("en-US")} provisioning records, median of ${ROUNDS} (baseline: bare getFullList of the same)`, value, "ms", baseline, { goal: "<= 2x", met: value <= 2 * baseline })];
  } finally {
    await pocketbase.stop();
  }
};
