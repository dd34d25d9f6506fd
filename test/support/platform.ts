// The whole platform for end-to-end tests: a real PocketBase (demo and product migrations + demo seed), the Coolify
// emulator, and this repository's program (index.ts) as a Pulumi project in a temporary folder.
// No vitest here: the benchmarks (bench/program.ts, bench/reconciler.ts) load this module under tsx, where importing
// vitest throws ("Vitest cannot be imported in a CommonJS module using require()"). BENCH_QUICK=1 in .ci/run catches it.
import type PocketBase from "pocketbase";
import type { UpOptions } from "@pulumi/pulumi/automation";
import { PROVISIONING_COLLECTION } from "../../lib/tenants/collections";
import { connect } from "../../lib/tenants/connection";
import { startCoolifyEmulator, type CoolifyEmulator } from "../../emulator/server";
import { startPocketBase, type PocketBaseInstance } from "../../pocketbase/local-server";
import { createProgram, repoRoot, type TestProgram } from "./pulumi";

export const AI_ROUTER_KEY = "sk-router-e2e-0123456789abcdef";

/** Requests per minute the platform's emulator allows and its providers' throttle spaces for. */
const UNTHROTTLED = 100_000;

export interface Platform {
  pocketbase: PocketBaseInstance;
  coolify: CoolifyEmulator;
  program: TestProgram;
  /** An admin client of the PocketBase, for editing tenants between runs. */
  admin(): Promise<PocketBase>;
  writes(): Array<{ method: string; path: string }>;
  dispose(): Promise<void>;
}

export interface PlatformOptions {
  pocketbaseUrl?: (pb: PocketBaseInstance) => Promise<string>;
  /** Another PocketBase than the seeded demo one (e.g. a production-like schema). */
  pocketbase?: () => Promise<PocketBaseInstance>;
  /** Stack config added to (or overriding) the defaults below. */
  config?: Record<string, string>;
  /** What loads the program's TypeScript (createProgram's loader); default tsx, several seconds less per run. */
  loader?: "ts-node" | "tsx";
}

export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const pocketbase = options.pocketbase ? await options.pocketbase() : await startPocketBase({ seed: true });
  // The providers' throttle spaces their requests 60 s / 200 apart by default (Coolify's default limit): 0.3 s a
  // request, most of an up here (124 requests, 38 s of a 20-tenant fleet's first up of 51 s). The emulator allows far
  // more, and COOLIFY_RATE_LIMIT lets the providers use it. It counts only where config coolifyRateLimit is unset, so a
  // test of that config (or of the reconciler's shares of it) still sees the config's value and the default of 200.
  const coolify = await startCoolifyEmulator({ lifecycleDelayMs: 30, deleteDelayMs: 100, rateLimitPerMinute: UNTHROTTLED });
  const pocketbaseUrl = options.pocketbaseUrl ? await options.pocketbaseUrl(pocketbase) : pocketbase.url;
  const program = await createProgram({
    project: "cloudfreedom-agents",
    source: `module.exports = require(${JSON.stringify(`${repoRoot}/index.ts`)});\n`,
    loader: options.loader ?? "tsx",
    config: {
      coolifyUrl: coolify.url,
      coolifyServerUuid: coolify.serverUuid,
      baseDomain: "agents.cloudfreedom.test",
      pocketbaseUrl,
      pocketbaseEmail: pocketbase.email,
      aiRouterUrl: "https://ai.cloudfreedom.test/v1",
      healthTimeoutSeconds: "20",
      coolifyPollIntervalMs: "40",
      coolifyDeleteTimeoutSeconds: "20",
      // A dev stack: the tests move a tenant to a draft template version.
      allowDraftTemplates: "true",
      ...options.config,
    },
    secrets: { coolifyToken: coolify.token, pocketbasePassword: pocketbase.password, aiRouterKey: AI_ROUTER_KEY },
    env: { COOLIFY_RATE_LIMIT: String(UNTHROTTLED) },
  });
  return {
    pocketbase,
    coolify,
    program,
    admin: () => connect(pocketbase),
    writes: () => coolify.requests.filter((r) => r.method !== "GET").map(({ method, path }) => ({ method, path })),
    dispose: async () => {
      program.dispose();
      await coolify.close();
      await pocketbase.stop();
    },
  };
}

/**
 * startPlatform, then the first up, which must create the demo tenants' 16 resources: 3 x (component, project,
 * service, record) + 2 domains (the bot has none) + guard + stack. A failed up disposes the platform.
 */
export async function startDeployedPlatform(options: PlatformOptions = {}, up: UpOptions = {}): Promise<Platform> {
  const platform = await startPlatform(options);
  try {
    const result = await platform.program.stack.up(up);
    const changes = JSON.stringify(result.summary.resourceChanges);
    if (changes !== JSON.stringify({ create: 16 })) throw new Error(`the first up should create the demo's 16 resources, made ${changes}`);
    return platform;
  } catch (error) {
    await platform.dispose();
    throw error;
  }
}

/** The write-back record of a tenant found by slug. */
export async function provisioningRecordOf(pb: PocketBase, slug: string) {
  const tenant = await pb.collection("tenants").getFirstListItem(pb.filter("slug = {:slug}", { slug }));
  return pb.collection(PROVISIONING_COLLECTION).getFirstListItem(pb.filter("tenant = {:id}", { id: tenant.id }));
}

/** Sets fields of a tenant found by slug. */
export async function updateTenant(pb: PocketBase, slug: string, fields: Record<string, unknown>): Promise<void> {
  const record = await pb.collection("tenants").getFirstListItem(pb.filter("slug = {:slug}", { slug }));
  await pb.collection("tenants").update(record.id, fields);
}
