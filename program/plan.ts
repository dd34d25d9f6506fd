// From PocketBase tenants to what each tenant stack declares: pure and synchronous, so every tenant is
// validated and rendered before any resource is declared. One bad tenant stops the run with an error
// naming it and its field, and no tenant (good or bad) is touched, nor torn down.
import { getTemplate, renderStack, TemplateError, type RenderedStack } from "../templates";
import type { Tenant } from "../lib/tenants/tenant";

/** The platform values rendering needs. The AI Router key travels separately, as a secret. */
export interface PlatformValues {
  aiRouterUrl: string;
  baseDomain: string;
}

export interface TenantPlan {
  tenant: Tenant;
  rendered: RenderedStack;
  /** Hosts the domain container answers on: `<slug>.<baseDomain>`, then the custom domain. Empty without one. */
  hosts: string[];
}

/** Stands in for the AI Router key while rendering; `withRouterKey` swaps the secret in. */
export const ROUTER_KEY_PLACEHOLDER = "cf-router-key-placeholder";

export class TenantPlanError extends Error {
  constructor(readonly errors: TemplateError[]) {
    super(`${errors.length} tenant(s) cannot be rendered; nothing was changed:\n${errors.map((e) => `  - ${e.message}`).join("\n")}`);
    this.name = "TenantPlanError";
  }
}

/** PocketBase keeps Telegram ids in their own field; each template names the input differently. */
function settingsOf(tenant: Tenant): Record<string, unknown> {
  const settings = { ...tenant.settings };
  if (tenant.telegramAllowFrom.length > 0) {
    if (tenant.template === "openclaw") settings.telegramAllowFrom ??= tenant.telegramAllowFrom;
    if (tenant.template === "telegram-bot") settings.allowedUserIds ??= tenant.telegramAllowFrom;
  }
  return settings;
}

export function planTenant(tenant: Tenant, platform: PlatformValues): TenantPlan {
  const hasDomain = getTemplate(tenant.template, tenant.templateVersion, tenant.slug).manifest.domain !== null;
  const hosts = hasDomain ? [`${tenant.slug}.${platform.baseDomain}`, ...(tenant.customDomain ? [tenant.customDomain] : [])] : [];
  const rendered = renderStack({
    template: tenant.template,
    version: tenant.templateVersion,
    tenant: { slug: tenant.slug, settings: settingsOf(tenant), secrets: tenant.secrets },
    plan: { tier: tenant.plan.tier, models: tenant.plan.models, limits: tenant.plan.limits[tenant.template] },
    platform: { aiRouterUrl: platform.aiRouterUrl, aiRouterKey: ROUTER_KEY_PLACEHOLDER, baseDomain: platform.baseDomain },
    domains: hosts,
  });
  return { tenant, rendered, hosts };
}

/** Plans every tenant that is to be deployed (active or suspended); cancelled ones are left out. */
export function planTenants(tenants: Tenant[], platform: PlatformValues): TenantPlan[] {
  const plans: TenantPlan[] = [];
  const errors: TemplateError[] = [];
  for (const tenant of tenants.filter((t) => t.status !== "cancelled")) {
    try {
      plans.push(planTenant(tenant, platform));
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      errors.push(e);
    }
  }
  if (errors.length > 0) throw new TenantPlanError(errors);
  return plans;
}

/** The env map with the real AI Router key in place of the placeholder. */
export function withRouterKey(env: Record<string, string>, key: string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, value === ROUTER_KEY_PLACEHOLDER ? key : value]));
}
