// What a tenant runs, as its write-back record says (agent_provisioning.applied_spec: the template version and, with
// config `rollout`, a digest of the rendered stack, one of the tenant's own inputs and the platform values its stack
// was rendered with), and what a run compares it with: whether the tenant changed something of its own (plan,
// settings, domain, pin, ...), which applies at once, or only the platform moved under it (a new release, a platform
// value), which waits for its rollout wave (program/rollout.ts). Pure.
import { createHash } from "node:crypto";
import type { Provisioning } from "../lib/tenants/provisioning";
import type { Tenant } from "../lib/tenants/tenant";
import type { RenderedStack } from "../templates";
import { parseAppliedSpec } from "./held-plan";
import type { PlatformValues, TenantPlan } from "./plan";
import { storedRenderOf } from "./stored-render";

/**
 * The platform values a tenant's stack is rendered with (program/plan.ts renderTenant), so a stack can be rendered
 * again byte for byte with the values it was applied with. No secret: the AI Router key is swapped in at declare time
 * with its current value, so a key rotation (like a suspension, a cancellation, a lower plan) reaches every tenant at
 * once and never waits for a wave.
 */
export interface RenderValues {
  aiRouterUrl: string;
  baseDomain: string;
}

/** What one tenant runs. */
export interface AppliedRun {
  /** The template version, never "latest". */
  version: string;
  /** The rendered stack's digest; absent on records written without config `rollout`. */
  renderedDigest?: string;
  /** The digest of the tenant's own inputs as applied; absent on records written without config `rollout`. */
  ownDigest?: string;
  /** The platform values its stack was rendered with; absent on records written without config `rollout`. */
  platform?: RenderValues;
  /**
   * The rendered stack as applied, without secrets (program/stored-render.ts); absent on records written before it
   * was kept. What a tenant that waits (or goes back after a halt) is declared with when the code changed under it.
   */
  render?: string;
}

/** The values of `platform` a stack is rendered with. */
export function renderValuesOf(platform: PlatformValues): RenderValues {
  return { aiRouterUrl: platform.aiRouterUrl, baseDomain: platform.baseDomain };
}

/** Whether two sets of render values render the same stack. */
export function sameRenderValues(a: RenderValues, b: RenderValues): boolean {
  return a.aiRouterUrl === b.aiRouterUrl && a.baseDomain === b.baseDomain;
}

/** A short digest of the render values: what names a rollout of a platform change (program/rollout-fleet.ts). */
export function renderValuesDigest(values: RenderValues): string {
  return sha(canonical(values)).slice(0, "sha256:".length + 12);
}

/** JSON with keys sorted at every level, so the order values arrive in does not count. */
function canonical(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted)
      : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]))
        : v;
  return JSON.stringify(sorted(value));
}

function sha(text: string): string {
  return `sha256:${createHash("sha256").update(text).digest("hex").slice(0, 32)}`;
}

/** The rendered stack: its template, compose text and env without the secrets (the router key is still its placeholder). */
export function renderedDigestOf(rendered: RenderedStack): string {
  const secret = new Set(rendered.secretEnvKeys);
  const env = Object.fromEntries(Object.entries(rendered.env).filter(([name]) => !secret.has(name)));
  return sha(canonical({ templateRef: rendered.templateRef, compose: rendered.composeYaml, env }));
}

/**
 * What the tenant decides, and its plan: a change of any of these is the tenant's own and applies at once. Its secrets
 * count as a change too (a new bot token), yet only their digest is kept. The AI Router key and the status are the
 * platform's (rotation, suspension), not counted here.
 */
export function ownDigestOf(tenant: Tenant): string {
  return sha(canonical({
    slug: tenant.slug,
    template: tenant.template,
    pin: tenant.templateVersion ?? "",
    settings: tenant.settings,
    ownerEmail: tenant.ownerEmail ?? "",
    telegramAllowFrom: tenant.telegramAllowFrom,
    secrets: sha(canonical(tenant.secrets)),
    domain: [tenant.customDomain ?? "", tenant.customDomainVerified, tenant.customDomainVerifiedHost ?? ""],
    plan: tenant.plan,
  }));
}

/**
 * The plan with the digests, render values and stored render its applied spec records (written by config `rollout`
 * runs only). The own digest is of the tenant as it asked (`asked`): a version a rollout's wait sets is no pin of its
 * own. A stack that cannot be stored without a secret (program/stored-render.ts) records no render.
 */
export function withRecordedDigests(plan: TenantPlan, values: RenderValues, asked: Tenant = plan.tenant): TenantPlan {
  const render = storedRenderOf(plan);
  return { ...plan, recorded: { renderedDigest: renderedDigestOf(plan.rendered), ownDigest: ownDigestOf(asked), platform: values, ...(render ? { render } : {}) } };
}

/**
 * What the tenant's record says it runs: the applied spec's version, digests and render values, else the version of
 * `template_ref` (records written before applied specs); undefined without a record or a version.
 */
export function appliedRunOf(record: Provisioning | undefined): AppliedRun | undefined {
  if (!record) return undefined;
  const spec = parseAppliedSpec(record.appliedSpec);
  if (spec) {
    return {
      version: spec.templateVersion,
      ...(spec.renderedDigest ? { renderedDigest: spec.renderedDigest } : {}),
      ...(spec.ownDigest ? { ownDigest: spec.ownDigest } : {}),
      ...(spec.platform ? { platform: spec.platform } : {}),
      ...(spec.render ? { render: spec.render } : {}),
    };
  }
  const at = record.templateRef.indexOf("@");
  return at > 0 ? { version: record.templateRef.slice(at + 1) } : undefined;
}

/**
 * Whether the tenant changed something of its own since its last applied run. A record without an own digest (written
 * before config `rollout`) counts as unchanged: the platform, not the tenant, decides its next move.
 */
export function changedOwnInputs(tenant: Tenant, applied: AppliedRun | undefined): boolean {
  return applied?.ownDigest !== undefined && applied.ownDigest !== ownDigestOf(tenant);
}

/** The tenant as it renders at `version`: an unpinned tenant kept on its applied version until a rollout reaches it. */
export function atVersion(tenant: Tenant, version: string): Tenant {
  return tenant.templateVersion === version ? tenant : { ...tenant, templateVersion: version };
}
