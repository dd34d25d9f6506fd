// Planning with config `rollout`: every tenant is planned as today, the rollout (program/rollout.ts) decides who
// moves this run, and a tenant that waits for its wave (or goes back after a halt) is planned again at the version
// and with the platform values it runs (aiRouterUrl, baseDomain: program/applied-run.ts RenderValues), with its own
// current inputs: so its own change applies at once, at that version and with those values. Every plan records the
// digests and render values of what it applies. A tenant sent back by a halt says so in its record's status_reason.
// Pure, but for reading the rendering sources once when the code changed (program/render-code.ts).
//
// A change of the program itself or of a template's files under the same version moves in the same waves: a tenant
// whose current render differs from the one its record keeps, at the same version and platform values and without a
// change of its own, is behind by code; while it waits (or after a halt sends it back) it is declared with the render
// its record keeps (program/stored-render.ts), byte for byte, with its current secrets and AI Router key. A record
// written before renders were kept holds none: that tenant moves in the next run, as before, and that run keeps its
// render. The AI Router key is never held back (swapped in at declare time): a rotation reaches every tenant at once.
import { getTemplate, TemplateError } from "../templates";
import type { Provisioning } from "../lib/tenants/provisioning";
import type { RolloutPolicy } from "../lib/rollout-config";
import type { Tenant } from "../lib/tenants/tenant";
import { appliedRunOf, atVersion, changedOwnInputs, renderedDigestOf, renderValuesDigest, renderValuesOf, sameRenderValues, withRecordedDigests, type AppliedRun, type RenderValues } from "./applied-run";
import { planTenants, renderTenant, routerKeyOf, usesRouterKey, type FleetPlan, type PlatformValues, type TenantPlan } from "./plan";
import { renderCodeDigest } from "./render-code";
import { decideRollout, healthOf, isBehindByCode, settleWave, type Health, type RolloutDecision, type RolloutState, type RolloutTenant } from "./rollout";
import { heldRenderOf } from "./stored-render";

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
  /** The digest of the rendering code (default: program/render-code.ts renderCodeDigest), read only when a tenant is behind by code. */
  codeDigest?: () => string;
}

export interface RolloutFleet {
  fleet: FleetPlan;
  decision: RolloutDecision;
  /**
   * What the fleet is rolled out to: the latest version of each template an unpinned deployed tenant runs, the
   * digest of the platform values (`platform@sha256:...`) and, once the rendering code changed, its digest
   * (`code@sha256:...`), so a change of any of them starts a rollout of its own.
   */
  release: string;
}

const versionOf = (templateRef: string) => templateRef.slice(templateRef.indexOf("@") + 1);

/**
 * The rollout's key: the released versions the unpinned deployed tenants would run, the platform values' digest and,
 * when given, the part naming a change of the rendering code (`code@<digest>`, codePartOf).
 */
export function releaseOf(plans: TenantPlan[], records: Map<string, Provisioning>, values: RenderValues, code?: string): string {
  const versions = [...new Set(plans.filter((p) => p.tenant.templateVersion === undefined && records.has(p.tenant.id)).map((p) => p.rendered.templateRef))].sort();
  return [...versions, `platform@${renderValuesDigest(values)}`, ...(code ? [code] : [])].join(",");
}

const CODE_PART = "code@";

/**
 * The key's code part: the digest of the rendering code while a tenant is behind by code; else the part of the
 * rollout under way (or last done), so the key stays the same while its last wave soaks and after it, when no one is
 * behind any more; none before the first change of code. Only a change of code some stack shows starts a rollout.
 */
export function codePartOf(tenants: RolloutTenant[], state: RolloutState | undefined, codeDigest: () => string): string | undefined {
  if (tenants.some(isBehindByCode)) return `${CODE_PART}${codeDigest()}`;
  return state?.release.split(",").find((part) => part.startsWith(CODE_PART));
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
export function planWithRollout({ tenants, records, platform, routed, appliedSecrets, policy, state, now, healthTimeoutSeconds, codeDigest = renderCodeDigest }: RolloutFleetInput): RolloutFleet {
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
      // Its render digest counts only where its render is kept: a tenant that cannot be held is never behind by code.
      ...(applied ? { applied: { version: applied.version, platform: applied.platform ?? current, ...(applied.render && applied.renderedDigest ? { renderedDigest: applied.renderedDigest, render: applied.render } : {}) } } : {}),
      target: { version: versionOf(rendered.templateRef), platform: current, renderedDigest: renderedDigestOf(rendered) },
      health: healthIn(tenant, record?.status),
    };
  });
  const release = releaseOf(first.plans, records, current, codePartOf(candidates, state, codeDigest));
  const decision = decideRollout({ policy, release, tenants: candidates, ...(state ? { state } : {}), now, ...(healthTimeoutSeconds !== undefined ? { healthTimeoutSeconds } : {}) });

  const byId = new Map(candidates.map((c) => [c.id, c]));
  /** What a waiting or reverted tenant runs; undefined for one that takes the target. */
  const runOf = (id: string): AppliedRun | undefined => {
    const move = decision.moves.get(id);
    return move?.kind === "stay" ? { version: move.version, platform: move.platform, ...(move.render ? { render: move.render } : {}) } : move?.kind === "revert" ? move.to : undefined;
  };
  /** The version and platform values a waiting or reverted tenant keeps (a pinned tenant always runs its pin), and
   * the render its record keeps, for one without a change of its own (that change renders with the current code). */
  const kept = (t: Tenant): { version?: string; values?: RenderValues; render?: string; platform?: RenderValues } => {
    const run = runOf(t.id);
    if (!run) return {};
    return {
      ...(t.templateVersion === undefined && run.version !== byId.get(t.id)?.target.version ? { version: run.version } : {}),
      ...(run.platform && !sameRenderValues(run.platform, current) ? { values: run.platform } : {}),
      ...(run.render && !byId.get(t.id)?.ownChange ? { render: run.render, platform: run.platform ?? current } : {}),
    };
  };
  const keeps = new Map(tenants.map((t) => [t.id, kept(t)]));
  const adjusted = tenants.map((t) => (keeps.get(t.id)!.version !== undefined ? atVersion(t, keeps.get(t.id)!.version!) : t));
  const second = adjusted.some((t, i) => t !== tenants[i]) ? plan(adjusted) : first;
  // The own digest of the tenant as it asked (the version a wait sets is no pin of its own).
  const own = new Map(tenants.map((t) => [t.id, t]));
  const plans = second.plans.map((planned) => {
    const keep = keeps.get(planned.tenant.id) ?? {};
    const again = keep.render ? heldAgain(planned, keep.render, keep.platform!, platform) : keep.values ? withValues(planned, keep.values, platform) : { plan: planned, values: current };
    if (again.problem) decision.events.push(again.problem);
    const p = again.plan;
    const move = decision.moves.get(p.tenant.id);
    const statusReason = move?.kind === "revert" ? [move.reason, p.statusReason].filter(Boolean).join("; ") : p.statusReason;
    return withRecordedDigests({ ...p, statusReason }, again.values, own.get(p.tenant.id) ?? p.tenant);
  });
  return { fleet: { plans, invalid: second.invalid }, decision, release };
}

/** A plan rendered again with the platform values it ran with, and the values it ends up with; `problem`: the event line. */
interface Again {
  plan: TenantPlan;
  values: RenderValues;
  problem?: string;
}

/** renderedWith, or the plan with the current values when it does not render with `values`. */
function withValues(plan: TenantPlan, values: RenderValues, platform: PlatformValues): Again {
  const again = renderedWith(plan, values, platform);
  if (!again.problem) return { plan: again.plan, values };
  return { plan, values: renderValuesOf(platform), problem: `${plan.tenant.slug} does not render with the platform values it ran with (${again.problem}): it takes the current ones now` };
}

/**
 * The plan declared with the render its record keeps (`values`: the platform values it was rendered with). One that
 * does not read, or takes a secret the tenant no longer has, is rendered by the current code with `values` instead.
 */
function heldAgain(plan: TenantPlan, render: string, values: RenderValues, platform: PlatformValues): Again {
  const held = heldRenderOf(render, plan.tenant);
  if (!("problem" in held)) return { plan: { ...plan, rendered: held.rendered, hosts: held.hosts, routerKey: routerKeyOf(plan.tenant, usesRouterKey(held.rendered)) }, values };
  const again = sameRenderValues(values, renderValuesOf(platform)) ? { plan, values } : withValues(plan, values, platform);
  const problem = `${plan.tenant.slug} is not declared with the stack it runs (${held.problem}): the current code renders it`;
  return { ...again, problem: again.problem ? `${problem}; ${again.problem}` : problem };
}
