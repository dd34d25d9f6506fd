// Planning with config `rollout`: every tenant is planned as today, the rollout (program/rollout.ts) decides who
// moves this run, and a tenant that waits for its wave (or goes back after a halt) is planned again at the version it
// runs, with its own current inputs: so its own change applies at once, at that version. Every plan records the
// digests of what it applies (program/applied-run.ts). Pure.
//
// Only template versions are held back: a change of a platform value re-renders every tenant at its version, as
// without a rollout (the applied spec keeps no platform values to render the old stack from).
import type { Provisioning } from "../lib/tenants/provisioning";
import type { RolloutPolicy } from "../lib/rollout-config";
import type { Tenant } from "../lib/tenants/tenant";
import { appliedRunOf, atVersion, changedOwnInputs, ownDigestOf, renderedDigestOf } from "./applied-run";
import { planTenants, type FleetPlan, type PlatformValues } from "./plan";
import { decideRollout, healthOf, type RolloutDecision, type RolloutState, type RolloutTenant } from "./rollout";

export interface RolloutFleetInput {
  tenants: Tenant[];
  records: Map<string, Provisioning>;
  platform: PlatformValues;
  routed: Map<string, string[]>;
  appliedSecrets: Map<string, Record<string, string>>;
  policy: RolloutPolicy;
  state?: RolloutState;
  now: number;
}

export interface RolloutFleet {
  fleet: FleetPlan;
  decision: RolloutDecision;
  /** What the fleet is rolled out to: the latest version of each template an unpinned deployed tenant runs. */
  release: string;
}

const versionOf = (templateRef: string) => templateRef.slice(templateRef.indexOf("@") + 1);

/** Plans the fleet with the rollout's decision applied. */
export function planWithRollout({ tenants, records, platform, routed, appliedSecrets, policy, state, now }: RolloutFleetInput): RolloutFleet {
  const plan = (list: Tenant[]) => planTenants(list, platform, routed, appliedSecrets);
  const first = plan(tenants);
  const candidates: RolloutTenant[] = first.plans.map(({ tenant, rendered }) => {
    const record = records.get(tenant.id);
    const applied = appliedRunOf(record);
    return {
      id: tenant.id,
      slug: tenant.slug,
      ...(tenant.rolloutRing ? { ring: tenant.rolloutRing } : {}),
      pinned: tenant.templateVersion !== undefined,
      ownChange: changedOwnInputs(tenant, applied),
      ...(applied ? { applied: { version: applied.version } } : {}),
      target: { version: versionOf(rendered.templateRef) },
      // A suspended tenant is stopped on purpose: its stopped service is no failure of the release.
      health: tenant.status === "suspended" ? "healthy" : healthOf(record?.status),
    };
  });
  const release = [...new Set(first.plans.filter((p) => p.tenant.templateVersion === undefined && records.has(p.tenant.id)).map((p) => p.rendered.templateRef))].sort().join(",");
  const decision = decideRollout({ policy, release, tenants: candidates, ...(state ? { state } : {}), now });

  const targets = new Map(candidates.map((c) => [c.id, c.target.version]));
  const kept = (t: Tenant): string | undefined => {
    const move = decision.moves.get(t.id);
    const version = move?.kind === "stay" ? move.version : move?.kind === "revert" ? move.to.version : undefined;
    return version !== undefined && version !== targets.get(t.id) ? version : undefined;
  };
  const adjusted = tenants.map((t) => (kept(t) !== undefined ? atVersion(t, kept(t)!) : t));
  const second = adjusted.some((t, i) => t !== tenants[i]) ? plan(adjusted) : first;
  // The own digest of the tenant as it asked (the version a wait sets is no pin of its own).
  const own = new Map(tenants.map((t) => [t.id, t]));
  const plans = second.plans.map((p) => ({ ...p, recorded: { renderedDigest: renderedDigestOf(p.rendered), ownDigest: ownDigestOf(own.get(p.tenant.id) ?? p.tenant) } }));
  return { fleet: { plans, invalid: second.invalid }, decision, release };
}
