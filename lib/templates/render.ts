import { dump } from "js-yaml";
import { z } from "zod";
import { EMPTY_VAR, inlineValues } from "./compose-values";
import { findCoolifyViolations, generatedSecretsOf, plainVariablesOf, TEMPLATE_LABEL } from "./coolify-rules";
import { TemplateError } from "./errors";
import { isDnsLabel, isHostName, isRouterKey, modelIdSchema, normaliseDomain, normaliseRouterUrl } from "./inputs";
import { limitsSchema, PLAN_TIERS, type EnvContext, type Limits, type PlanTier, type TemplateManifest } from "./manifest";
import { loadCompose, type TemplateVersion } from "./template-version";

export type { Limits, PlanTier } from "./manifest";

/** What a render needs besides the template version (templates/index.ts adds the template reference). */
export interface TenantRenderInput {
  /** settings/secrets are validated by the manifest's zod schemas. */
  tenant: { slug: string; settings: Record<string, unknown>; secrets: Record<string, string> };
  /** `limits` (from PocketBase) replace the manifest's per-tier defaults for the whole stack, see templates/README.md. */
  plan: { tier: PlanTier; models: string[]; limits?: Partial<Limits> };
  platform: { aiRouterUrl: string; aiRouterKey: string; baseDomain: string };
  /** Hosts or `https://host` URLs the domain container answers on. */
  domains: string[];
}

export interface RenderedStack {
  /** `<id>@<version>`. */
  templateRef: string;
  compose: Record<string, unknown>;
  /**
   * js-yaml dump with sorted keys: byte-identical for identical input. Engine 1 (the 1.0.x versions): identical for
   * every tenant of a plan. Engine 2: also carries the tenant's non-secret values, encoded (compose-values.ts).
   */
  composeYaml: string;
  /**
   * The Coolify service's env rows. Engine 1: every tenant and platform value (sent literal). Engine 2: only the
   * secrets, whose alphabets are safe in every way Coolify writes a row, plus the empty CF_EMPTY.
   */
  env: Record<string, string>;
  /** Engine 2: the non-secret values written into the compose text, before encoding (for previews); else {}. */
  composeValues: Record<string, string>;
  secretEnvKeys: string[];
  /** Compose service that takes the tenant domain(s); "" when the template has no HTTP ingress. */
  domainService: string;
  /** Its container port (Coolify url form https://host:port); 0 when there is no domain service. */
  domainPort: number;
  /** Coolify magic variables the compose relies on (generated once, never regenerated). */
  generatedSecrets: string[];
  /** Per compose service, the limits written into its `deploy.resources.limits`: what placement reserves (reservation.ts). */
  limits: Record<string, Limits>;
}

const planSchema = z.object({
  tier: z.enum(PLAN_TIERS),
  models: z.array(modelIdSchema).min(1).max(200),
  limits: limitsSchema.partial().optional(),
});

/** Renders one tenant's stack from a resolved template version. Pure: no I/O beyond reading the template once. Throws TemplateError. */
export function renderVersion(entry: TemplateVersion, input: TenantRenderInput): RenderedStack {
  const slug = typeof input.tenant?.slug === "string" ? input.tenant.slug : "";
  const manifest = entry.manifest;
  const templateRef = `${manifest.id}@${manifest.version}`;
  const fail: Fail = (field, problem, fix) => {
    throw new TemplateError({ tenant: slug, template: templateRef, field, problem, fix });
  };

  if (!isDnsLabel(slug)) fail("tenant.slug", "not DNS-safe", "use 1-63 lower-case letters, digits and inner hyphens");
  const plan = planSchema.safeParse(input.plan);
  if (!plan.success) failWithZod(fail, "plan", plan.error, "fix the tenant's plan record in PocketBase");
  const { tier, models, limits: overrides } = plan.data;
  const platform = checkPlatform(input.platform, fail);
  const domains = checkDomains(input.domains, manifest, fail);
  const settings = manifest.settings.safeParse(input.tenant?.settings ?? {});
  if (!settings.success) failWithZod(fail, "settings", settings.error, "correct the tenant setting");
  const secrets = manifest.secrets.safeParse(input.tenant?.secrets ?? {});
  if (!secrets.success) failWithZod(fail, "secrets", secrets.error, "correct the tenant secret");

  const limits = effectiveLimits(manifest, tier, overrides ?? {}, fail);
  const ctx: EnvContext<unknown, unknown> = {
    settings: settings.data,
    secrets: secrets.data,
    plan: { tier, models: [...models] },
    platform,
    domains,
    limits,
  };
  const issue = manifest.check(ctx)[0];
  if (issue) fail(issue.field, issue.problem, issue.fix);

  const built = composeFor(entry, tier, limits, templateRef, fail);
  const values = manifest.env(ctx);
  const missing = built.variables.filter((name) => name !== EMPTY_VAR && !(name in values));
  if (missing.length > 0) fail("env", `the compose references ${missing.join(", ")} but the manifest provides no value`, "fix the template's env()");

  let compose = JSON.parse(built.json) as Record<string, unknown>;
  let composeYaml = built.yaml;
  let env = values;
  let composeValues: Record<string, string> = {};
  if (manifest.engine === 2) {
    // Non-secret values go into the compose text, secrets stay rows (compose-values.ts explains why).
    const secret = new Set(manifest.secretEnvKeys);
    composeValues = Object.fromEntries(Object.entries(values).filter(([key]) => !secret.has(key)));
    env = { ...Object.fromEntries(Object.entries(values).filter(([key]) => secret.has(key))), [EMPTY_VAR]: "" };
    inlineValues(compose, composeValues);
    compose = sortKeys(compose);
    composeYaml = dump(compose, { lineWidth: -1, noRefs: true });
  }

  return {
    templateRef,
    compose,
    composeYaml,
    composeValues: sortKeys(composeValues),
    env: sortKeys(env),
    secretEnvKeys: [...manifest.secretEnvKeys].sort(),
    domainService: manifest.domain?.service ?? "",
    domainPort: manifest.domain?.port ?? 0,
    generatedSecrets: [...built.generatedSecrets],
    limits,
  };
}

interface BuiltCompose {
  /** Each render returns a fresh copy parsed from this, so callers may mutate their compose object. */
  json: string;
  yaml: string;
  variables: string[];
  generatedSecrets: string[];
}

// The compose depends only on template version, tier and effective limits (tenant values live in env),
// so it is built, checked and dumped once per combination.
const built = new Map<string, BuiltCompose>();
const BUILT_MAX = 512;

function composeFor(entry: TemplateVersion, tier: PlanTier, limits: Record<string, Limits>, templateRef: string, fail: Fail): BuiltCompose {
  const key = `${templateRef}|${tier}|${JSON.stringify(limits)}`;
  const cached = built.get(key);
  if (cached) return cached;
  const compose = buildCompose(loadCompose(entry), entry.manifest, tier, limits, templateRef);
  const violations = findCoolifyViolations(compose, templateRef, entry.manifest.engine ?? 1);
  if (violations.length > 0) fail("compose", violations.join("; "), "fix the template (a new version folder if it is released)");
  const result: BuiltCompose = {
    json: JSON.stringify(compose),
    yaml: dump(compose, { lineWidth: -1, noRefs: true }),
    variables: plainVariablesOf(compose),
    generatedSecrets: generatedSecretsOf(compose),
  };
  if (built.size >= BUILT_MAX) built.clear();
  built.set(key, result);
  return result;
}

type Fail = (field: string, problem: string, fix: string) => never;

function failWithZod(fail: Fail, root: string, error: z.ZodError, fix: string): never {
  const issue = error.issues[0];
  const field = issue.path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : `${acc}.${String(key)}`), root);
  // zod messages name the rule, never the rejected value, so secrets do not leak into the error.
  return fail(field, issue.message, fix);
}

function checkPlatform(platform: TenantRenderInput["platform"], fail: Fail): EnvContext<unknown, unknown>["platform"] {
  const aiRouterUrl = normaliseRouterUrl(String(platform?.aiRouterUrl ?? ""));
  if (!aiRouterUrl) fail("platform.aiRouterUrl", "not an http(s) URL without credentials, query or fragment", "set the AI Router base URL in the stack config");
  if (!isRouterKey(String(platform?.aiRouterKey ?? ""))) fail("platform.aiRouterKey", "missing, or not 8-512 letters, digits and . _ ~ + / = : -", "set the tenant's AI Router key");
  const baseDomain = String(platform?.baseDomain ?? "").toLowerCase();
  if (!isHostName(baseDomain)) fail("platform.baseDomain", "not a DNS name", "set the platform base domain, e.g. agents.example.com");
  return { aiRouterUrl, aiRouterKey: platform.aiRouterKey, baseDomain };
}

function checkDomains(raw: unknown, manifest: TemplateManifest, fail: Fail): string[] {
  if (!Array.isArray(raw)) return fail("domains", "must be a list", "pass [] or a list of hosts");
  if (!manifest.domain) {
    if (raw.length > 0) fail("domains", `${manifest.id} has no HTTP service to put a domain on`, "pass domains: []");
    return [];
  }
  if (raw.length === 0) fail("domains", "at least one domain is required", `pass the tenant's host, e.g. <slug>.<base domain>`);
  if (raw.length > 10) fail("domains", "more than 10 domains", "drop unused domains");
  const hosts = raw.map((value, i) => normaliseDomain(typeof value === "string" ? value : "") ?? fail(`domains[${i}]`, "not a host name or https://host URL (no port, path or wildcard)", "pass e.g. acme.agents.example.com"));
  const duplicate = hosts.findIndex((host, i) => hosts.indexOf(host) !== i);
  if (duplicate !== -1) fail(`domains[${duplicate}]`, "listed twice", "remove the duplicate");
  return hosts;
}

/**
 * Plan overrides are totals for the stack: each container gets the override split in proportion to its
 * tier default (a one-container template gets exactly the override).
 */
function effectiveLimits(manifest: TemplateManifest, tier: PlanTier, overrides: Partial<Limits>, fail: Fail): Record<string, Limits> {
  const defaults = Object.entries(manifest.services).map(([name, spec]) => [name, spec.limits[tier]] as const);
  const total = (key: keyof Limits) => defaults.reduce((sum, [, limits]) => sum + limits[key], 0);
  const share = (key: keyof Limits, value: number) => (overrides[key] === undefined ? value : (value / total(key)) * overrides[key]!);
  const result: Record<string, Limits> = {};
  for (const [name, limits] of defaults) {
    const effective = {
      cpus: Math.max(0.05, Math.round(share("cpus", limits.cpus) * 100) / 100),
      memoryMb: Math.floor(share("memoryMb", limits.memoryMb)),
      pids: Math.max(32, Math.floor(share("pids", limits.pids))),
    };
    const min = Math.max(64, manifest.services[name].minMemoryMb ?? 0);
    if (effective.memoryMb < min) {
      fail("plan.limits.memoryMb", `gives ${name} ${effective.memoryMb} MiB, below its minimum of ${min} MiB`, "raise the plan's memory limit");
    }
    result[name] = effective;
  }
  return result;
}

function buildCompose(
  base: Readonly<Record<string, unknown>>,
  manifest: TemplateManifest,
  tier: PlanTier,
  limits: Record<string, Limits>,
  templateRef: string,
): Record<string, unknown> {
  const compose = structuredClone(base) as { services?: Record<string, Record<string, unknown>> };
  for (const [name, service] of Object.entries(compose.services ?? {})) {
    const spec = manifest.services[name];
    const limit = limits[name];
    if (!spec || !limit) continue; // reported by findCoolifyViolations as a missing limit
    if (manifest.engine === 2) {
      // One place for all three: compose refuses pids_limit beside deploy limits that lack the same pids.
      service.deploy = { resources: { limits: { cpus: limit.cpus, memory: `${limit.memoryMb}M`, pids: limit.pids } } };
    } else {
      service.deploy = { resources: { limits: { cpus: limit.cpus, memory: `${limit.memoryMb}M` } } };
      service.pids_limit = limit.pids;
    }
    service.labels = { ...(service.labels as Record<string, string> | undefined), [TEMPLATE_LABEL]: templateRef };
    const extra = { ...spec.tiers?.[tier]?.environment };
    if (spec.nodeHeapPercent) extra.NODE_OPTIONS = `--max-old-space-size=${Math.floor((limit.memoryMb * spec.nodeHeapPercent) / 100)}`;
    if (Object.keys(extra).length > 0) {
      const environment = Array.isArray(service.environment) ? (service.environment as unknown[]) : [];
      service.environment = [...environment, ...Object.entries(extra).map(([key, value]) => `${key}=${value}`)];
    }
    const command = spec.tiers?.[tier]?.command;
    if (command) service.command = [...command];
  }
  return sortKeys(compose);
}

/** Deep copy with mapping keys sorted; sequences keep their order. */
function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (typeof value !== "object" || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  return sorted as T;
}
