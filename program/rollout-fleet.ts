// Planning with config `rollout`: every tenant is planned as today, the rollout (program/rollout.ts) decides who
// moves this run, and a tenant that waits for its wave (or goes back after a halt) is planned again at the version
// and with the platform values it runs (aiRouterUrl, baseDomain: program/applied-run.ts RenderValues), with its own
// current inputs: so its own change applies at once, at that version and with those values. Every plan records the
// digests and render values of what it applies. A tenant sent back by a halt says so in its record's status_reason.
// Pure.
//
// A change of the program itself or of a template's code under the same version cannot be held back: the old render
// is gone with the old code, so it reaches every tenant in the next run, as without a rollout. The AI Router key is
// never held back either (swapped in at declare time): a rotation reaches every tenant at once.
import { getTemplate, TemplateError } from "../templates";
import type { Provisioning } from "../lib/tenants/provisioning";
import type { RolloutPolicy } from "../lib/rollout-config";
import type { Tenant } from "../lib/tenants/tenant";
import { appliedRunOf, atVersion, changedOwnInputs, renderValuesDigest, renderValuesOf, sameRenderValues, withRecordedDigests, type RenderValues } from "./applied-run";
import { planTenants, renderTenant, type FleetPlan, type PlatformValues, type TenantPlan } from "./plan";
import { decideRollout, healthOf, settleWave, type Health, type RolloutDecision, type RolloutState, type RolloutTenant } from "./rollout";

export interface RolloutFleetInput {
  tenants: Tenant[];
  records: Map<string, Provisioning>;
  platform: PlatformValues;
  routed: Map<string, string[]>;
  appliedSecrets: Map<string, Record<string, string>>;
  policy: RolloutPolicy;
  state?: RolloutState;
  now: number;
  /** Config healthTimeoutSeconds: how long past its soak a wave waits for a member still pending (program/rollout.ts). */
  healthTimeoutSeconds?: number;
}

export interface RolloutFleet {
  fleet: FleetPlan;
  decision: RolloutDecision;
  /**
   * What the fleet is rolled out to: the latest version of each template an unpinned deployed tenant runs, and the
   * digest of the platform values (`platform@sha256:...`), so a change of either starts a rollout of its own.
   */
  release: string;
}

const versionOf = (templateRef: string) => templateRef.slice(templateRef.indexOf("@") + 1);

/** The rollout's key: the released versions the unpinned deployed tenants would run, and the platform values' digest. */
export function releaseOf(plans: TenantPlan[], records: Map<string, Provisioning>, values: RenderValues): string {
  const versions = [...new Set(plans.filter((p) => p.tenant.templateVersion === undefined && records.has(p.tenant.id)).map((p) => p.rendered.templateRef))].sort();
  return [...versions, `platform@${renderValuesDigest(values)}`].join(",");
}

/**
 * The plan rendered again with the platform values `values` in place of the current ones: the stack byte for byte as
 * it was applied with them (the host `<slug>.<baseDomain>` included). A TemplateError leaves the plan as it is and
 * comes back as `problem`.
 */
export function renderedWith(plan: TenantPlan, values: RenderValues, platform: PlatformValues): { plan: TenantPlan; problem?: string } {
  const { tenant, rendered } = plan;
  const hosts = plan.hosts.map((host) => (host === `${tenant.slug}.${platform.baseDomain}` ? `${tenant.slug}.${values.baseDomain}` : host));
  try {
    const version = getTemplate(tenant.template, versionOf(rendered.templateRef), tenant.slug);
    return { plan: { ...plan, hosts, rendered: renderTenant(tenant, version, { ...platform, ...values }, hosts) } };
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    return { plan, problem: e.message };
  }
}

/** A tenant's health from its status; a suspended tenant is stopped on purpose: its stopped service is no failure of the release. */
function healthIn(tenant: Tenant, status: string | undefined): Health {
  return tenant.status === "suspended" ? "healthy" : healthOf(status);
}

/**
 * The rollout once the up is over (program/rollout.ts settleWave), from the status each tenant's stack reported in it
 * (by tenant id; a tenant the up did not report is left out).
 */
export function settleFleet(state: RolloutState, tenants: Tenant[], statuses: Map<string, string>, policy: RolloutPolicy, now: number): RolloutState {
  const reported = tenants.filter((t) => statuses.has(t.id));
  const health = new Map(reported.map((t) => [t.id, healthIn(t, statuses.get(t.id))]));
  return settleWave(state, health, new Map(tenants.map((t) => [t.id, t.slug])), policy, now);
}

/** Plans the fleet with the rollout's decision applied. */
export function planWithRollout({ tenants, records, platform, routed, appliedSecrets, policy, state, now, healthTimeoutSeconds }: RolloutFleetInput): RolloutFleet {
  const plan = (list: Tenant[]) => planTenants(list, platform, routed, appliedSecrets);
  const current = renderValuesOf(platform);
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
      // A record that names no render values (written before they were recorded) counts as applied with the current
      // ones: a platform change reaches such a tenant in the next run, no rollout holds it back; that run records them.
      ...(applied ? { applied: { version: applied.version, platform: applied.platform ?? current } } : {}),
      target: { version: versionOf(rendered.templateRef), platform: current },
      health: healthIn(tenant, record?.status),
    };
  });
  const release = releaseOf(first.plans, records, current);
  const decision = decideRollout({ policy, release, tenants: candidates, ...(state ? { state } : {}), now, ...(healthTimeoutSeconds !== undefined ? { healthTimeoutSeconds } : {}) });

  const targets = new Map(candidates.map((c) => [c.id, c.target.version]));
  /** The version and platform values a waiting or reverted tenant keeps; a pinned tenant always runs its pin. */
  const kept = (t: Tenant): { version?: string; values?: RenderValues } => {
    const move = decision.moves.get(t.id);
    const run = move?.kind === "stay" ? { version: move.version, platform: move.platform } : move?.kind === "revert" ? move.to : undefined;
    if (!run) return {};
    return {
      ...(t.templateVersion === undefined && run.version !== targets.get(t.id) ? { version: run.version } : {}),
      ...(run.platform && !sameRenderValues(run.platform, current) ? { values: run.platform } : {}),
    };
  };
  const keeps = new Map(tenants.map((t) => [t.id, kept(t)]));
  const adjusted = tenants.map((t) => (keeps.get(t.id)!.version !== undefined ? atVersion(t, keeps.get(t.id)!.version!) : t));
  const second = adjusted.some((t, i) => t !== tenants[i]) ? plan(adjusted) : first;
  // The own digest of the tenant as it asked (the version a wait sets is no pin of its own).
  const own = new Map(tenants.map((t) => [t.id, t]));
  const plans = second.plans.map((planned) => {
    const values = keeps.get(planned.tenant.id)?.values;
    const again = values ? renderedWith(planned, values, platform) : { plan: planned };
    if (again.problem) decision.events.push(`${planned.tenant.slug} does not render with the platform values it ran with (${again.problem}): it takes the current ones now`);
    const p = again.plan;
    const move = decision.moves.get(p.tenant.id);
    const statusReason = move?.kind === "revert" ? [move.reason, p.statusReason].filter(Boolean).join("; ") : p.statusReason;
    const applied = p === planned ? current : values!;
    return withRecordedDigests({ ...p, statusReason }, applied, own.get(p.tenant.id) ?? p.tenant);
  });
  return { fleet: { plans, invalid: second.invalid }, decision, release };
}
