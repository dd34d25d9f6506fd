// A tenant the policies refuse (a reserved host, a shared bot token, a missing router key, ...). It is a
// TemplateError, so planTenants collects it per tenant like a render failure: the run stops naming every
// bad tenant, or, where a flow holds bad tenants instead, only the named one is held.
import { TemplateError } from "../templates";
import type { Tenant } from "../lib/tenants/tenant";

export class TenantRefusal extends TemplateError {
  /** The refused tenant's PocketBase id: refusals are matched to tenants by it, never by slug. */
  readonly tenantId: string;

  constructor(tenant: Tenant, field: string, problem: string, fix: string) {
    super({ tenant: tenant.slug, template: `${tenant.template}@${tenant.templateVersion ?? "latest"}`, field, problem, fix });
    this.name = "TenantRefusal";
    this.tenantId = tenant.id;
    this.message = `tenant ${quote(tenant.slug)}: ${field}: ${problem}. Fix: ${fix}`;
  }
}

/** JSON-quoted and cut to 80 characters, so a hostile value cannot flood or forge log lines. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

/** Groups of two or more items that share the same non-empty key, in input order. */
export function sharedBy<T>(items: T[], keyOf: (item: T) => string | undefined): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === undefined || key === "") continue;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return [...groups.values()].filter((group) => group.length > 1);
}
