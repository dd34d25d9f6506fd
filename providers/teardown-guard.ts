// The teardown guard: no Coolify object, only state. It keeps the set of tenants whose resources exist
// (`deployed`): every tenant a run declared, plus every tenant a run removed whose Coolify service is still there.
// Its `check` runs before anything changes (in preview too) and refuses a run that would tear down more tenants
// than the budget, or a tenant that vanished from PocketBase without being cancelled, unless this run explicitly
// allows those tenants. A removal approved by a run that then failed before its deletes stays in `deployed` (its
// service is still in Coolify), so it keeps counting against the budget until the service is really gone: no
// sequence of failed runs can pile removals up. Every tenant stack depends on the guard.
// "Still there" goes by identity, never by a name derived from a slug: the service's uuid the guard learnt (a 404 on
// it is the only proof it is gone) or the tenant id in a service marker. State from before uuids, with only a
// service name, counts as present unless the name still finds it or this run allows the tenant's removal.
import * as pulumi from "@pulumi/pulumi";
import { configure } from "./connection";
import { sameValue, type CheckFailure } from "./diff";
import { entryOf, gatherEvidence, stillPresent, type GuardTenant } from "./guard-presence";
import type { StackName } from "./ownership";
import { forwardTo } from "./runtime";
import { serviceName } from "./service-model";

export type { GuardTenant };

/** Plain, resolved inputs. */
export interface TeardownGuardInputs {
  /** The tenants this run declares, by PocketBase record id (`slug` only; the check adds what it knows). */
  declared: Record<string, GuardTenant>;
  /** Ids of the tenants PocketBase reports as cancelled: the only ones that may go without an explicit allow. */
  cancelled: string[];
  /** How many tenants a run may remove; default max(1, 10% of the deployed set). */
  budget?: number;
  /** Slugs this run may remove regardless (`*` = all), from CLOUDFREEDOM_ALLOW_TEARDOWN. */
  allow: string[];
  /** The stack that owns the services (their marker), to tell ours from another stack's. */
  owner?: StackName;
  /** Where the services live; a change replaces every service (a teardown of every tenant) and is refused. */
  placement?: Record<string, string>;
  /** Slugs whose services this run may replace (`*` = all), from CLOUDFREEDOM_ALLOW_REPLACE. */
  allowReplace?: string[];
  /** Ids of the tenants this run moves to another server (CLOUDFREEDOM_MOVE): a teardown of their old service each. */
  moving?: string[];
  /** Set by `check`: the tenants whose resources exist after this run's approval (declared + still present). */
  deployed?: Record<string, GuardTenant>;
  /** State written before tenants were keyed by id: the declared slugs. */
  tenants?: string[];
}

export type TeardownGuardArgs = { [K in keyof Omit<TeardownGuardInputs, "deployed" | "tenants">]: pulumi.Input<TeardownGuardInputs[K]> };

/** Whether CLOUDFREEDOM_ALLOW_TEARDOWN (`allow`: slugs, or `*`) lets this run remove the tenant of that slug. */
export function isAllowed(allow: string[], slug: string): boolean {
  return allow.includes("*") || allow.includes(slug);
}

export function defaultBudget(previous: number): number {
  return Math.max(1, Math.floor(previous / 10));
}

/** What the previous run left deployed; state from before ids lists slugs, whose services were named by `serviceName`.
 * Entries from before uuids (`{slug, service}`) are read as they are. */
export function previouslyDeployed(olds: Partial<TeardownGuardInputs> | undefined, news: TeardownGuardInputs): Record<string, GuardTenant> {
  if (olds?.deployed) return olds.deployed;
  const bySlug = new Map(Object.entries(news.declared).map(([id, t]) => [t.slug, id]));
  return Object.fromEntries((olds?.tenants ?? []).map((slug) => [bySlug.get(slug) ?? `slug:${slug}`, { slug, service: serviceName(slug) }]));
}

/** Previously deployed tenants this run does not declare: candidates for removal. */
export function undeclared(previous: Record<string, GuardTenant>, news: TeardownGuardInputs): string[] {
  return Object.keys(previous).filter((id) => !(id in news.declared));
}

/**
 * Why this run must not proceed, or nothing. Pure. `removed`: the undeclared tenants whose resources still
 * exist (those already gone count for nothing).
 */
export function judgeTeardown(previous: Record<string, GuardTenant>, news: TeardownGuardInputs, removed: string[]): CheckFailure[] {
  const slugOf = (id: string) => previous[id].slug;
  const allowed = (id: string) => isAllowed(news.allow, slugOf(id));
  const slugs = (ids: string[]) => ids.map(slugOf).sort();
  const unexplained = removed.filter((id) => !news.cancelled.includes(id) && !allowed(id));
  const failures: CheckFailure[] = [];
  if (unexplained.length > 0) {
    failures.push({
      property: "tenants",
      reason:
        `deployed tenant(s) ${slugs(unexplained).join(", ")} are missing from PocketBase but not cancelled; refusing to tear them down. ` +
        `Restore or cancel them in PocketBase, or allow this run: CLOUDFREEDOM_ALLOW_TEARDOWN=${slugs(unexplained).join(",")} pulumi up`,
    });
  }
  const budget = news.budget ?? defaultBudget(Object.keys(previous).length);
  // A move replaces the tenant's service on another server: its old service (and its volumes' use) is torn down.
  const moved = (news.moving ?? []).filter((id) => id in previous && !removed.includes(id));
  const torn = [...removed, ...moved];
  const unallowed = torn.filter((id) => !allowed(id));
  if (torn.length > budget && unallowed.length > 0) {
    failures.push({
      property: "tenants",
      reason:
        `this run would tear down ${torn.length} tenants (${slugs(torn).join(", ")}${moved.length > 0 ? `; moving ${slugs(moved).join(", ")} tears down its old service` : ""}), over the budget of ${budget}; ` +
        "removals approved by earlier runs that failed before their deletes still count. " +
        `If that is intended, allow it for this run: CLOUDFREEDOM_ALLOW_TEARDOWN=${slugs(torn).join(",")} pulumi up`,
    });
  }
  return failures;
}

/**
 * A placement setting that changed since the last run replaces the service of every tenant that stays: refused,
 * naming them, unless this run allows their replacement. Pure. (The Service provider refuses per tenant as well,
 * and knows when a new destination is the one a service already uses.)
 */
export function judgePlacement(olds: Partial<TeardownGuardInputs> | undefined, news: TeardownGuardInputs, previous: Record<string, GuardTenant>): CheckFailure[] {
  if (!olds?.placement || !news.placement) return [];
  const allow = news.allowReplace ?? [];
  const changed = Object.keys({ ...olds.placement, ...news.placement })
    // An empty server: tenants are placed per tenant (coolifyServers), each kept on its own (program/placement.ts).
    .filter((key) => key !== "destination" && !(key === "server" && !news.placement![key]) && (olds.placement![key] ?? "") !== (news.placement![key] ?? ""));
  const staying = Object.keys(previous).filter((id) => id in news.declared).map((id) => previous[id].slug).sort();
  const refused = allow.includes("*") ? [] : staying.filter((slug) => !allow.includes(slug));
  if (changed.length === 0 || refused.length === 0) return [];
  const what = changed.map((key) => `${key} "${olds.placement![key] ?? ""}" -> "${news.placement![key] ?? ""}"`).join(", ");
  return [{
    property: "placement",
    reason:
      `${what} would replace the Coolify service of ${refused.length} tenant(s) (${refused.join(", ")}): a replacement is a teardown ` +
      "(new service, empty volumes, newly generated secrets). Revert the setting, or allow it for this run: " +
      `CLOUDFREEDOM_ALLOW_REPLACE=${refused.join(",")} pulumi up (or CLOUDFREEDOM_ALLOW_REPLACE='*')`,
  }];
}

export const provider: pulumi.dynamic.ResourceProvider<TeardownGuardInputs, TeardownGuardInputs> = {
  configure,

  async check(olds, news) {
    // olds is empty on the first run: nothing was deployed, so nothing can be removed.
    const previous = previouslyDeployed(olds, news);
    const candidates = undeclared(previous, news);
    const evidence = await gatherEvidence(previous, candidates, news.owner);
    const allowed = (id: string) => isAllowed(news.allow, previous[id].slug);
    const removed = candidates.filter((id) => stillPresent(id, previous[id], evidence, allowed(id)));
    const deployed = Object.fromEntries([
      ...removed.map((id) => [id, entryOf(previous[id].slug, previous[id], evidence.byTenant.get(id))] as const),
      ...Object.entries(news.declared).map(([id, t]) => [id, entryOf(t.slug, previous[id], evidence.byTenant.get(id))] as const),
    ]);
    return { inputs: { ...news, deployed }, failures: [...judgeTeardown(previous, news, removed), ...judgePlacement(olds, news, previous)] };
  },

  async diff(_id, olds, news) {
    const key = (i: Partial<TeardownGuardInputs>) => [i.deployed, i.declared, i.cancelled, i.budget, i.allow, i.owner, i.placement, i.allowReplace, i.moving];
    return { changes: !sameValue(key(olds), key(news)) };
  },

  async create(inputs) {
    return { id: "teardown-guard", outs: inputs };
  },

  async update(_id, _olds, news) {
    return { outs: news };
  },
};

/** Guards state-based teardown; see the header. */
export class TeardownGuard extends pulumi.dynamic.Resource {
  declare readonly deployed: pulumi.Output<Record<string, GuardTenant>>;

  constructor(name: string, args: TeardownGuardArgs, opts?: pulumi.CustomResourceOptions) {
    super(forwardTo("teardown-guard"), name, { ...args, deployed: undefined }, opts, "cloudfreedom", "TeardownGuard");
  }
}
