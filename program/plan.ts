// From PocketBase tenants to what each tenant stack declares: pure and synchronous, so every tenant is
// validated and rendered before any resource is declared. Besides rendering, the isolation policies judge
// every tenant (domain-policy.ts, tenant-policy.ts); their refusals are collected per tenant like render
// errors. A bad tenant does not stop the run: it comes back in `invalid` with the errors naming it, its
// field and the fix, and the program holds it at its last applied spec (or refuses it, if it was never
// applied) while every other tenant converges.
import { z } from "zod";
import { getTemplate, renderStack, TemplateError, type RenderedStack, type TemplateVersion } from "../templates";
import type { Tenant } from "../lib/tenants/tenant";
import { applyDomainPolicy, type DomainDecision, type DomainPlatform } from "./domain-policy";
import { TenantRefusal } from "./refusal";
import { draftRefusals, routerKeyRefusals, sharedSecretRefusals, type TenantPolicyOptions } from "./tenant-policy";

/** The platform values rendering and the policies need. The AI Router key travels separately, as a secret. */
export interface PlatformValues extends DomainPlatform, TenantPolicyOptions {
  aiRouterUrl: string;
  baseDomain: string;
}

export interface TenantPlan {
  tenant: Tenant;
  rendered: RenderedStack;
  /** Hosts the domain container answers on: `<slug>.<baseDomain>`, then the verified custom domain. Empty without one. */
  hosts: string[];
  /** Why the stack differs from what the tenant asked for (an unverified custom domain left off); "" when it does not. */
  statusReason: string;
  /** Which AI Router key the stack gets: the tenant's own, the platform's shared fallback, or none (unused). */
  routerKey: "tenant" | "shared" | "none";
  /**
   * Digests its applied spec records (program/applied-run.ts) and the stored render (program/stored-render.ts); set
   * only with config `rollout`, so without it the record is as before.
   */
  recorded?: { renderedDigest: string; ownDigest: string; platform: { aiRouterUrl: string; baseDomain: string }; render?: string };
}

/** Stands in for the AI Router key while rendering; `withRouterKey` swaps the secret in. */
export const ROUTER_KEY_PLACEHOLDER = "cf-router-key-placeholder";

/** A tenant that cannot be planned, with every render error and policy refusal naming it. */
export interface InvalidTenant {
  tenant: Tenant;
  errors: TemplateError[];
}

export interface FleetPlan {
  plans: TenantPlan[];
  invalid: InvalidTenant[];
}

/** Why a tenant cannot be planned, in one line. */
export function reasonOf(invalid: InvalidTenant): string {
  return invalid.errors.map((e) => e.message).join("; ");
}

export class TenantPlanError extends Error {
  constructor(readonly errors: TemplateError[]) {
    super(`${errors.length} tenant(s) cannot be rendered:\n${errors.map((e) => `  - ${e.message}`).join("\n")}`);
    this.name = "TenantPlanError";
  }
}

/**
 * PocketBase keeps Telegram ids and the owner's e-mail in their own fields, which the Admin Portal owns; each template
 * names the input differently, and only versions whose settings declare `ownerEmail` take it (llm-stack >= 1.1.0: the
 * Open WebUI admin account). Those setting names always come from the dedicated fields: a tenant's own `settings`
 * can neither set nor override them (the admin account, who may talk to the bot).
 */
export function settingsOf(tenant: Tenant, version: TemplateVersion): Record<string, unknown> {
  const { ownerEmail: _owner, telegramAllowFrom: _allow, allowedUserIds: _ids, ...settings } = tenant.settings;
  const schema = version.manifest.settings;
  if (tenant.ownerEmail !== undefined && schema instanceof z.ZodObject && "ownerEmail" in schema.shape) settings.ownerEmail = tenant.ownerEmail;
  if (tenant.telegramAllowFrom.length > 0) {
    if (tenant.template === "openclaw") settings.telegramAllowFrom = tenant.telegramAllowFrom;
    if (tenant.template === "telegram-bot") settings.allowedUserIds = tenant.telegramAllowFrom;
  }
  return settings;
}

function planTenant(tenant: Tenant, platform: PlatformValues, domain: DomainDecision | undefined): TenantPlan | TemplateError[] {
  const version = getTemplate(tenant.template, tenant.templateVersion, tenant.slug);
  const drafts = draftRefusals(tenant, version, platform);
  if (drafts.length > 0) return drafts;
  const hosts = version.manifest.domain !== null ? [`${tenant.slug}.${platform.baseDomain}`, ...(domain?.customHost ? [domain.customHost] : [])] : [];
  const rendered = renderTenant(tenant, version, platform, hosts);
  const usesKey = usesRouterKey(rendered);
  const keys = routerKeyRefusals(tenant, usesKey, platform);
  if (keys.length > 0) return keys;
  return { tenant, rendered, hosts, statusReason: domain?.leftOff ?? "", routerKey: routerKeyOf(tenant, usesKey) };
}

/** Whose AI Router key a rendered stack gets: none, the tenant's own, or the platform's shared one. */
export function routerKeyOf(tenant: Tenant, usesKey: boolean): TenantPlan["routerKey"] {
  return !usesKey ? "none" : tenant.routerKey !== undefined ? "tenant" : "shared";
}

/** Renders the tenant's stack with the router key placeholder. Throws TemplateError. */
export function renderTenant(tenant: Tenant, version: TemplateVersion, platform: PlatformValues, hosts: string[]): RenderedStack {
  return renderStack({
    template: tenant.template,
    version: version.manifest.version,
    tenant: { slug: tenant.slug, settings: settingsOf(tenant, version), secrets: tenant.secrets },
    plan: { tier: tenant.plan.tier, models: tenant.plan.models, limits: tenant.plan.limits[tenant.template] },
    platform: { aiRouterUrl: platform.aiRouterUrl, aiRouterKey: ROUTER_KEY_PLACEHOLDER, baseDomain: platform.baseDomain },
    domains: hosts,
  });
}

/** Whether the rendered stack takes the AI Router key. */
export function usesRouterKey(rendered: RenderedStack): boolean {
  return Object.values(rendered.env).includes(ROUTER_KEY_PLACEHOLDER);
}

/**
 * Plans every tenant that is to be deployed (active or suspended; program/lifecycle.ts hands a cancelled tenant
 * in its grace period over as suspended); cancelled ones are left out and claim nothing. Every render error and
 * policy refusal lands in `invalid`, by tenant. `routed`: hosts still routed to each tenant; `appliedSecrets`: each
 * tenant's secrets as its last run applied them (a shared bot token stays with the tenant that runs with it).
 */
export function planTenants(
  tenants: Tenant[],
  platform: PlatformValues,
  routed: Map<string, string[]> = new Map(),
  appliedSecrets: Map<string, Record<string, string>> = new Map(),
): FleetPlan {
  const deployed = tenants.filter((t) => t.status !== "cancelled");
  const domains = applyDomainPolicy(deployed, platform, takesHosts, routed);
  const fleet = [...domains.refusals, ...sharedSecretRefusals(deployed, appliedSecrets)];
  const plans: TenantPlan[] = [];
  const invalid: InvalidTenant[] = [];
  for (const tenant of deployed) {
    // A field of the tenant's own row that does not parse (lib/tenants/tenant.ts) is judged like a render error.
    const refused: TemplateError[] = [...fieldRefusals(tenant), ...fleet.filter((e) => e.tenantId === tenant.id)];
    try {
      const planned = refused.length === 0 ? planTenant(tenant, platform, domains.decisions.get(tenant.id)) : [];
      if (Array.isArray(planned)) refused.push(...planned);
      else plans.push(planned);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      refused.push(e);
    }
    if (refused.length > 0) invalid.push({ tenant, errors: refused });
  }
  return { plans, invalid };
}

/** A refusal for each field of the tenant's row that does not parse. */
function fieldRefusals(tenant: Tenant): TenantRefusal[] {
  return (tenant.fieldErrors ?? []).map((e) => new TenantRefusal(tenant, e.field, e.problem, e.fix));
}

/** Whether the tenant's template has a web container to put hosts on; an unknown template is refused later. */
function takesHosts(tenant: Tenant): boolean {
  try {
    return getTemplate(tenant.template, tenant.templateVersion, tenant.slug).manifest.domain !== null;
  } catch (e) {
    if (e instanceof TemplateError) return false;
    throw e;
  }
}

/** The env map with the real AI Router key in place of the placeholder. */
export function withRouterKey(env: Record<string, string>, key: string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, value === ROUTER_KEY_PLACEHOLDER ? key : value]));
}
