// The rendered stack a tenant was applied with, kept in its applied spec (config `rollout` only) so that a tenant that
// waits for its rollout wave, or goes back after a halt, is declared again byte for byte even when the code that
// rendered it is gone (a fix to a template's compose under the same version, a change of lib/templates or plan.ts):
// the compose text, the env rows without their secrets, and what the declaration takes besides (template reference,
// domain container and port, limits, generated secrets, hosts). The secret rows keep only where their value comes
// from (the AI Router key placeholder, or one of the tenant's secrets by name), so the tenant's current secrets and
// key are swapped in at declare time, as for every other tenant: a rotation never waits for a wave. Stored as
// gzip + base64 of its JSON: 0.9-1.8 KB per tenant against 1.5-4.1 KB of JSON for every template version of today
// (test/program/rollout-code-render.test.ts keeps them under 2 KB); the rollout's outcomes carry it too, for the
// members of the wave under way and those a halt sent back. Pure.
import * as yaml from "js-yaml";
import { gunzipSync, gzipSync } from "node:zlib";
import type { Tenant } from "../lib/tenants/tenant";
import type { Limits, RenderedStack } from "../templates";
import { ROUTER_KEY_PLACEHOLDER, type TenantPlan } from "./plan";

/** Where a secret env row's value comes from at declare time. */
type SecretSource =
  /** The AI Router key (its placeholder; withRouterKey swaps the key in). */
  | { router: true }
  /** The tenant's secret of this name (Tenant.secrets). */
  | { secret: string }
  /** Empty (an unset optional secret): no secret at all. */
  | { empty: true };

/** What the blob holds. */
interface StoredStack {
  templateRef: string;
  compose: string;
  /** The non-secret env rows, as rendered. */
  env: Record<string, string>;
  /** Each secret env row's source, by row name. */
  secrets: Record<string, SecretSource>;
  domain: [service: string, port: number];
  limits: Record<string, Limits>;
  generated: string[];
  hosts: string[];
}

/** A stored render brought back: the plan's stack and hosts, with the tenant's current secrets in the secret rows. */
export interface HeldRender {
  rendered: RenderedStack;
  hosts: string[];
}

/**
 * The plan's rendered stack as its applied spec keeps it, or undefined when it cannot be kept without a secret: a
 * secret row whose value is neither the router key placeholder, one of the tenant's secrets nor empty, or a secret
 * value found in the compose or a non-secret row. Such a tenant is not held by its record: it moves as without one.
 */
export function storedRenderOf({ tenant, rendered, hosts }: TenantPlan): string | undefined {
  const secretKeys = new Set(rendered.secretEnvKeys);
  const secrets: Record<string, SecretSource> = {};
  for (const key of rendered.secretEnvKeys) {
    const value = rendered.env[key];
    if (value === undefined) continue;
    const source = sourceOf(value, tenant);
    if (!source) return undefined;
    secrets[key] = source;
  }
  const env = Object.fromEntries(Object.entries(rendered.env).filter(([key]) => !secretKeys.has(key)));
  const known = [...Object.values(tenant.secrets), tenant.routerKey ?? ""].filter((value) => value !== "");
  const text = [rendered.composeYaml, ...Object.values(env)];
  if (known.some((secret) => text.some((t) => t.includes(secret)))) return undefined;
  const stored: StoredStack = {
    templateRef: rendered.templateRef, compose: rendered.composeYaml, env, secrets,
    domain: [rendered.domainService, rendered.domainPort], limits: rendered.limits, generated: rendered.generatedSecrets, hosts,
  };
  return gzipSync(JSON.stringify(stored), { level: 9 }).toString("base64");
}

function sourceOf(value: string, tenant: Tenant): SecretSource | undefined {
  if (value === ROUTER_KEY_PLACEHOLDER) return { router: true };
  if (value === "") return { empty: true };
  const name = Object.keys(tenant.secrets).sort().find((key) => tenant.secrets[key] === value);
  return name === undefined ? undefined : { secret: name };
}

/**
 * The stored render with the tenant's current secrets; `problem` when the blob does not read or names a secret the
 * tenant no longer has (then the tenant is planned with the current code, as without a stored render).
 */
export function heldRenderOf(blob: string, tenant: Tenant): HeldRender | { problem: string } {
  let stored: StoredStack;
  try {
    stored = JSON.parse(gunzipSync(Buffer.from(blob, "base64")).toString("utf8")) as StoredStack;
  } catch {
    return { problem: "its applied spec's stored render does not read" };
  }
  const env: Record<string, string> = { ...stored.env };
  for (const [key, source] of Object.entries(stored.secrets)) {
    if ("router" in source) env[key] = ROUTER_KEY_PLACEHOLDER;
    else if ("empty" in source) env[key] = "";
    else if (tenant.secrets[source.secret] !== undefined) env[key] = tenant.secrets[source.secret];
    else return { problem: `its stored render takes its secret ${source.secret}, which it no longer has` };
  }
  const sorted = Object.fromEntries(Object.keys(env).sort().map((key) => [key, env[key]]));
  let parsed: Record<string, unknown> | undefined;
  const rendered: RenderedStack = {
    templateRef: stored.templateRef,
    // Parsed when read: a run declares the compose text, and parsing every waiting tenant's would cost 0.7 ms each.
    get compose() {
      return (parsed ??= yaml.load(stored.compose) as Record<string, unknown>);
    },
    composeYaml: stored.compose,
    env: sorted,
    composeValues: {},
    secretEnvKeys: Object.keys(stored.secrets).sort(),
    domainService: stored.domain[0],
    domainPort: stored.domain[1],
    generatedSecrets: stored.generated,
    limits: stored.limits,
  };
  return { rendered, hosts: stored.hosts };
}
