// A held tenant, re-rendered from its own inputs as the last run applied them (kept in its write-back record,
// agent_provisioning.applied_spec) with the platform's current values: the plan's tier, models and limits, the AI
// Router key, the platform URLs. So a hold freezes what the tenant decides (slug, template version, settings,
// Telegram ids, owner e-mail, bot token, custom domain) and nothing the platform decides. Pure.
import { z } from "zod";
import { getTemplate, TemplateError } from "../templates";
import type { Provisioning } from "../lib/tenants/provisioning";
import type { Tenant } from "../lib/tenants/tenant";
import { reasonOf, renderTenant, routerKeyOf, usesRouterKey, type InvalidTenant, type PlatformValues, type TenantPlan } from "./plan";
import { routerKeyRefusals } from "./tenant-policy";

/** The tenant's own inputs as applied; what a hold keeps. */
export interface AppliedSpec {
  slug: string;
  template: string;
  /** The resolved version, never "latest". */
  templateVersion: string;
  settings: Record<string, unknown>;
  ownerEmail?: string;
  telegramAllowFrom: string[];
  /** The tenant's secrets (the bot token): the record field is hidden, the Pulumi input a secret. */
  secrets: Record<string, string>;
  /** The hosts the domain container answered on (the custom domain only once verified). */
  hosts: string[];
  /** With config `rollout`: a digest of the rendered stack (compose and non-secret env; program/applied-run.ts). */
  renderedDigest?: string;
  /** With config `rollout`: a digest of the tenant's own inputs and plan, to tell a change of its own. */
  ownDigest?: string;
  /** With config `rollout`: the platform values the stack was rendered with (no secret; program/applied-run.ts). */
  platform?: { aiRouterUrl: string; baseDomain: string };
  /**
   * With config `rollout`: the rendered stack as applied, without its secrets (gzip + base64; program/stored-render.ts),
   * so a tenant that waits for its wave is declared byte for byte even after the code that rendered it changed.
   */
  render?: string;
}

const appliedSpecSchema = z.object({
  slug: z.string().min(1),
  template: z.string().min(1),
  templateVersion: z.string().min(1),
  settings: z.record(z.string(), z.unknown()),
  ownerEmail: z.string().optional(),
  telegramAllowFrom: z.array(z.string()),
  secrets: z.record(z.string(), z.string()),
  hosts: z.array(z.string()),
  renderedDigest: z.string().optional(),
  ownDigest: z.string().optional(),
  platform: z.object({ aiRouterUrl: z.string(), baseDomain: z.string() }).optional(),
  render: z.string().optional(),
});

/** What a planned tenant applies of its own inputs, for its write-back record. */
export function appliedSpecOf(plan: TenantPlan): AppliedSpec {
  const { tenant, rendered, hosts } = plan;
  return {
    slug: tenant.slug,
    template: tenant.template,
    templateVersion: rendered.templateRef.slice(rendered.templateRef.indexOf("@") + 1),
    settings: tenant.settings,
    ...(tenant.ownerEmail !== undefined ? { ownerEmail: tenant.ownerEmail } : {}),
    telegramAllowFrom: tenant.telegramAllowFrom,
    secrets: tenant.secrets,
    hosts,
    ...(plan.recorded ?? {}),
  };
}

/** Each tenant's secrets as its last run applied them, by tenant id (records without an applied spec give none). */
export function appliedSecrets(records: Map<string, Provisioning>): Map<string, Record<string, string>> {
  const secrets = new Map<string, Record<string, string>>();
  for (const [tenantId, record] of records) {
    const applied = parseAppliedSpec(record.appliedSpec);
    if (applied) secrets.set(tenantId, applied.secrets);
  }
  return secrets;
}

/** The applied spec a record holds; undefined when it has none (written before applied specs) or not this shape. */
export function parseAppliedSpec(value: unknown): AppliedSpec | undefined {
  const parsed = appliedSpecSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** What a held tenant's stack is declared with (program/tenant-stack.ts). */
export interface Hold {
  reason: string;
  /** The tenant had a domain container (its record lists URLs). */
  hasDomain: boolean;
  /** Its write-back record: what a held resource without state in this stack would be declared with, never stand-ins. */
  record?: Provisioning;
  /** The tenant re-rendered from its applied spec with the platform's current values; absent: everything stays as applied. */
  plan?: TenantPlan;
  /** The env stays as applied (the AI Router key is what the hold is about). */
  keepEnv?: boolean;
}

/** The hold of an invalid tenant that has a write-back record. */
export function holdOf(invalid: InvalidTenant, record: Provisioning, platform: PlatformValues | undefined): Hold {
  const base = { reason: reasonOf(invalid), hasDomain: Object.keys(record.urls).length > 0, record };
  if (!platform) return base;
  const held = planHeld(invalid, parseAppliedSpec(record.appliedSpec), platform);
  if ("problem" in held) return { ...base, reason: `${base.reason}; ${held.problem}` };
  return { ...base, plan: held.plan, keepEnv: held.keepEnv };
}

export type HeldPlan =
  /** Re-rendered; `keepEnv`: the AI Router key is what the hold is about (missing, malformed, shared), so the env
   * stays as applied while the compose takes the plan. */
  | { plan: TenantPlan; keepEnv: boolean }
  /** Not re-rendered: everything stays as applied, and `problem` says why. */
  | { problem: string };

/**
 * The held tenant's plan: its applied own inputs over its current record's platform-owned ones (status, plan, router
 * key). Never throws for a template problem: a spec that no longer renders (the plan's new limits below the
 * template's minimum, say) comes back as `problem`, and the tenant stays as applied.
 */
export function planHeld({ tenant, errors }: InvalidTenant, applied: AppliedSpec | undefined, platform: PlatformValues): HeldPlan {
  if (!applied) return { problem: "its record holds no applied spec yet (written by the next run that deploys it), so it stays as applied" };
  // Its plan's own columns do not parse: their stand-ins are no decision of the platform's to apply.
  if (errors.some((e) => e.field.startsWith("plan_"))) return { problem: "its plan does not parse, so it stays as applied" };
  const own: Tenant = {
    ...tenant,
    slug: applied.slug,
    template: applied.template,
    templateVersion: applied.templateVersion,
    settings: applied.settings,
    ownerEmail: applied.ownerEmail,
    telegramAllowFrom: applied.telegramAllowFrom,
    secrets: applied.secrets,
    customDomain: undefined,
    fieldErrors: undefined,
  };
  try {
    const rendered = renderTenant(own, getTemplate(own.template, own.templateVersion, own.slug), platform, applied.hosts);
    const usesKey = usesRouterKey(rendered);
    const keepEnv = usesKey && (errors.some((e) => e.field === "ai_router_key") || routerKeyRefusals(own, usesKey, platform).length > 0);
    return { plan: { tenant: own, rendered, hosts: applied.hosts, statusReason: "", routerKey: routerKeyOf(own, usesKey) }, keepEnv };
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    return { problem: `the platform's current plan cannot be applied to it (${e.message}), so it stays as applied` };
  }
}
