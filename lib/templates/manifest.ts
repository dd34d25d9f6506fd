import { z } from "zod";

export const PLAN_TIERS = ["starter", "pro", "business"] as const;
export type PlanTier = (typeof PLAN_TIERS)[number];

/** Per-container limits: compose `deploy.resources.limits` (cpus, memory, and pids from engine 2; `pids_limit` before). */
export interface Limits {
  cpus: number;
  memoryMb: number;
  pids: number;
}

export const limitsSchema = z
  .object({
    cpus: z.number().positive().max(64),
    memoryMb: z.number().int().min(64).max(262_144),
    pids: z.number().int().min(32).max(65_536),
  })
  .strict();

/** What a manifest's `env` and `check` see: validated tenant input plus normalised platform values. */
export interface EnvContext<S, T> {
  settings: S;
  secrets: T;
  plan: { tier: PlanTier; models: string[] };
  /** `aiRouterUrl` is the OpenAI-compatible base URL, normalised to end in `/v1`. */
  platform: { aiRouterUrl: string; aiRouterKey: string; baseDomain: string };
  /** Lower-case hosts, no scheme. */
  domains: string[];
  /** Effective limits per compose service, after plan overrides. */
  limits: Record<string, Limits>;
}

/** A problem the zod schemas cannot see because it involves the plan or platform (e.g. a model outside the plan). */
export interface ManifestIssue {
  field: string;
  problem: string;
  fix: string;
}

export interface ServiceSpec {
  /** Per-tier defaults (templates.md §5.4); PocketBase plan limits override them. */
  limits: Record<PlanTier, Limits>;
  /** Renders fail below this (OpenClaw's V8 aborts at boot under ~1.5 GiB, templates.md §3). */
  minMemoryMb?: number;
  /** Adds `NODE_OPTIONS=--max-old-space-size=<percent of the memory limit>` (templates.md §5.4). */
  nodeHeapPercent?: number;
  /** Per-tier additions: extra `KEY=value` environment entries and/or the container command. */
  tiers?: Partial<Record<PlanTier, { environment?: Record<string, string>; command?: string[] }>>;
}

/**
 * One released (or draft) template version: `templates/<id>/<version>/manifest.ts` next to its `compose.yaml`.
 * Methods (not function properties) so a manifest of any settings type fits the registry's `TemplateManifest`.
 */
export interface TemplateManifest<S = unknown, T = unknown> {
  id: string;
  version: string;
  /** Only `released` versions count for `latestVersion`; a released folder is never edited again. */
  status: "draft" | "released";
  description: string;
  /** The container that takes the tenant domain(s), or null for stacks without HTTP ingress. */
  domain: { service: string; port: number } | null;
  services: Record<string, ServiceSpec>;
  /**
   * How the renderer delivers values. Absent (1): every value is an env row, pids as `pids_limit` (the 1.0.x
   * versions, kept byte for byte). 2: non-secret values are written into the compose, encoded so they arrive exactly
   * (lib/templates/compose-values.ts), secrets stay rows, and all limits sit in `deploy.resources.limits`.
   */
  engine?: 2;
  /** Coolify magic variables the compose relies on (generated once by Coolify, coolify-api.md §9). */
  generatedSecrets: string[];
  settings: z.ZodType<S>;
  secrets: z.ZodType<T>;
  /** Env keys whose values are secrets (masked in output, stored as Pulumi secrets). */
  secretEnvKeys: string[];
  /** Clearly fake inputs for the render command, tests and the bench. */
  example: { settings: Record<string, unknown>; secrets: Record<string, string> };
  check(ctx: EnvContext<S, T>): ManifestIssue[];
  env(ctx: EnvContext<S, T>): Record<string, string>;
}

const serviceName = z.string().regex(/^[a-z][a-z0-9]*$/, "lower-case letters and digits only (Coolify derives SERVICE_URL_<NAME> from it)");
const envKey = z.string().regex(/^CF_[A-Z0-9_]+$/, "tenant/platform env keys are namespaced CF_*");
const zodSchema = z.custom<z.ZodType>(
  (value) => typeof value === "object" && value !== null && "safeParse" in value,
  "must be a zod schema",
);
const method = z.custom<(...args: never[]) => unknown>((value) => typeof value === "function", "must be a function");

/** Shape check for manifest objects; the registry runs it on every manifest at load. */
export const manifestSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]{1,40}$/),
    version: z.string().regex(/^\d+\.\d+\.\d+$/, "plain semver x.y.z"),
    status: z.enum(["draft", "released"]),
    description: z.string().min(1),
    domain: z.object({ service: serviceName, port: z.number().int().min(1).max(65_535) }).strict().nullable(),
    engine: z.literal(2).optional(),
    services: z.record(
      serviceName,
      z
        .object({
          limits: z.object({ starter: limitsSchema, pro: limitsSchema, business: limitsSchema }).strict(),
          minMemoryMb: z.number().int().positive().optional(),
          nodeHeapPercent: z.number().int().min(10).max(90).optional(),
          tiers: z
            .partialRecord(
              z.enum(PLAN_TIERS),
              z
                .object({
                  environment: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string()).optional(),
                  command: z.array(z.string()).optional(),
                })
                .strict(),
            )
            .optional(),
        })
        .strict(),
    ),
    generatedSecrets: z.array(z.string().regex(/^SERVICE_[A-Z0-9_]+$/)),
    settings: zodSchema,
    secrets: zodSchema,
    secretEnvKeys: z.array(envKey),
    example: z.object({ settings: z.record(z.string(), z.unknown()), secrets: z.record(z.string(), z.string()) }).strict(),
    check: method,
    env: method,
  })
  .strict();

/** Types a manifest object; the registry checks it against `manifestSchema` when it loads. */
export function defineManifest<S, T>(manifest: TemplateManifest<S, T>): TemplateManifest<S, T> {
  return manifest;
}
