// Which host names a tenant's web container may answer on. Pure, applied to every tenant before anything
// is declared. A tenant answers on its own `<slug>.<baseDomain>`, plus its custom domain once the Admin
// Portal has verified it (`custom_domain_verified`); an unverified one is left off, and the write-back
// record says why. Refused, naming tenant, field and reason: a platform host (coolifyUrl, pocketbaseUrl,
// aiRouterUrl, the base domain apex, config reservedHosts), any other host under the base domain, a host
// another tenant claims, a wildcard. Coolify's own check compares whole URLs, port included, within one team
// only (coolify-api.md §7.7), and Traefik routes by host alone: so the policy compares normalised hosts.
import { domainToASCII } from "node:url";
import { ConfigError } from "../lib/config";
import type { Tenant } from "../lib/tenants/tenant";
import { quote, sharedBy, tenantList, TenantRefusal } from "./refusal";

export interface DomainPlatform {
  baseDomain: string;
  coolifyUrl: string;
  pocketbaseUrl: string;
  aiRouterUrl: string;
  /** Further hosts no tenant may take; `*.zone` reserves the zone and every host under it. */
  reservedHosts?: string[];
}

export interface DomainDecision {
  /** The custom domain to attach, normalised; absent when there is none or it is left off. */
  customHost?: string;
  /** Why the custom domain is left off, for the write-back record. */
  leftOff?: string;
}

export interface DomainPolicyResult {
  /** By slug, for each tenant that takes hosts and was not refused. */
  decisions: Map<string, DomainDecision>;
  refusals: TenantRefusal[];
}

interface Reserved {
  host: string;
  /** true: the host and every host under it. */
  zone: boolean;
  what: string;
}

const FIELD = "custom_domain";
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Lower case, punycode (IDNA, as browsers and Traefik see the name), without one trailing dot and without a
 * `:port`; null when nothing host-like is left. Does not judge the result: see `isHostName`.
 */
export function normaliseHost(raw: string): string | null {
  let host = raw.trim();
  const port = /^([^:]*):\d{1,5}$/.exec(host);
  if (port) host = port[1];
  if (host.endsWith(".")) host = host.slice(0, -1);
  const ascii = domainToASCII(host);
  return ascii === "" ? null : ascii;
}

/** Two or more DNS labels, the last not numeric (so no IPv4 address); no wildcard, no empty label. */
export function isHostName(host: string): boolean {
  const labels = host.split(".");
  return host.length <= 253 && labels.length >= 2 && labels.every((label) => LABEL.test(label)) && !/^\d+$/.test(labels[labels.length - 1]);
}

/** The hosts no tenant may take. Throws ConfigError for an unusable `reservedHosts` entry. */
export function reservedHostsOf(platform: DomainPlatform): Reserved[] {
  const urlHost = (url: string) => normaliseHost(new URL(url).hostname.replace(/^\[|\]$/g, "")) ?? new URL(url).hostname;
  const reserved: Reserved[] = [
    { host: urlHost(platform.coolifyUrl), zone: false, what: "the Coolify dashboard, config coolifyUrl" },
    { host: urlHost(platform.pocketbaseUrl), zone: false, what: "PocketBase, config pocketbaseUrl" },
    { host: urlHost(platform.aiRouterUrl), zone: false, what: "the AI Router, config aiRouterUrl" },
    { host: baseOf(platform), zone: false, what: "the apex of the base domain, config baseDomain" },
  ];
  const problems: string[] = [];
  for (const entry of platform.reservedHosts ?? []) {
    const zone = entry.startsWith("*.");
    const host = normaliseHost(zone ? entry.slice(2) : entry);
    if (host === null || !isHostName(host)) problems.push(`reservedHosts entry ${quote(entry)} is not a host name or *.zone: pulumi config set reservedHosts 'status.example.com,*.example.com'`);
    else reserved.push({ host, zone, what: `config reservedHosts ${quote(entry)}` });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return reserved;
}

/**
 * Decides every tenant's custom domain. `tenants` are the tenants to deploy; only those for which
 * `takesHosts` is true (their template has a web container) have their custom domain judged.
 */
export function applyDomainPolicy(tenants: Tenant[], platform: DomainPlatform, takesHosts: (tenant: Tenant) => boolean): DomainPolicyResult {
  const reserved = reservedHostsOf(platform);
  const base = baseOf(platform);
  const hostOwner = new Map(tenants.map((tenant) => [`${tenant.slug}.${base}`, tenant]));
  const decisions = new Map<string, DomainDecision>();
  const refusals: TenantRefusal[] = [];
  const claims: Array<{ tenant: Tenant; host: string }> = [];

  for (const tenant of tenants.filter(takesHosts)) {
    const raw = tenant.customDomain;
    if (raw === undefined || raw === "") {
      decisions.set(tenant.slug, {});
      continue;
    }
    const host = normaliseHost(raw);
    const own = `${tenant.slug}.${base}`;
    const refuse = (problem: string, fix: string) => refusals.push(new TenantRefusal(tenant, FIELD, problem, fix));
    if (raw.includes("*")) {
      refuse(`custom domain ${quote(raw)} is a wildcard; a tenant gets single host names only`, "set custom_domain to one host name such as agents.example.com, or clear it");
    } else if (host === null || !isHostName(host)) {
      refuse(`custom domain ${quote(raw)} is not a host name`, "set a host name such as agents.example.com (no scheme, IP address, path or wildcard), or clear it");
    } else if (host === own) {
      decisions.set(tenant.slug, {});
    } else {
      const platformHost = reserved.find((r) => r.host === host || (r.zone && host.endsWith(`.${r.host}`)));
      const owner = hostOwner.get(host);
      if (platformHost) {
        refuse(`custom domain ${quote(host)} is reserved for the platform (${platformHost.what})`, "clear custom_domain; a tenant can never take a platform host");
      } else if (host.endsWith(`.${base}`)) {
        const whose = owner ? `; it is tenant ${quote(owner.slug)}'s host` : "";
        refuse(`custom domain ${quote(host)} is under the platform's base domain ${quote(base)}, where only ${quote(own)} belongs to this tenant${whose}`, `clear custom_domain (the tenant already answers on ${own}), or set a domain it owns outside ${base}`);
      } else {
        claims.push({ tenant, host });
      }
    }
  }

  const refused = new Set<Tenant>();
  for (const shared of sharedBy(claims, (claim) => claim.host)) {
    const host = shared[0].host;
    const group = shared.map((claim) => claim.tenant);
    const verified = group.filter((tenant) => tenant.customDomainVerified);
    const keeper = verified.length === 1 ? verified[0] : undefined;
    for (const tenant of group.filter((t) => t !== keeper)) {
      refused.add(tenant);
      const others = group.filter((t) => t !== tenant);
      const problem = `custom domain ${quote(host)} is also claimed by ${tenantList(others)}${keeper ? ", which verified it" : ""}`;
      const fix = keeper ? "clear custom_domain of this tenant; the verified holder keeps the domain" : "keep the domain on the one tenant that owns it (verified through the Admin Portal) and clear it on the others";
      refusals.push(new TenantRefusal(tenant, FIELD, problem, fix));
    }
  }
  for (const { tenant, host } of claims.filter((c) => !refused.has(c.tenant))) {
    const leftOff = `custom domain ${host} is left off until it is verified (custom_domain_verified); the tenant answers on its own host meanwhile`;
    decisions.set(tenant.slug, tenant.customDomainVerified ? { customHost: host } : { leftOff });
  }
  return { decisions, refusals };
}

function baseOf(platform: DomainPlatform): string {
  return normaliseHost(platform.baseDomain) ?? platform.baseDomain;
}
