// The Service provider's model: its input and output types, and the pure pieces (ownership marker, env
// items, defaults, local checks and the update plan). No network; the unit-test surface of providers/service.ts.
import type * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import type * as coolify from "../lib/coolify";
import { composeDigest, digest, isDigest, isUnknown, sameCompose, sameValue, type CheckFailure } from "./diff";
import { adoptionOf, ownerOf, TENANT_ID, type Owner, type StackName } from "./ownership";
import type { DesiredState } from "./service-status";

/** The Coolify service name of a tenant: what Coolify shows. It decides nothing (adoption and the teardown guard go
 * by the tenant id in the marker and the uuid); only guard state from before uuids is read by it. */
export const serviceName = (slug: string) => `cf-${slug}`;

/** Plain, resolved inputs. */
export interface ServiceInputs {
  /** Coolify `name`. Replacement: no. */
  name: string;
  /** Coolify `description`; an ownership marker is appended. */
  description?: string;
  /** Project to create in. Replacement: yes. */
  projectUuid: string;
  /** Environment of the project (Coolify matches by name first). Default `production`. Replacement: yes. */
  environmentName?: string;
  /** Server to deploy on. Replacement: yes. */
  serverUuid: string;
  /** Docker network; only needed on a server with several. Replacement: yes. */
  destinationUuid?: string;
  /** The compose YAML, sent base64 as `docker_compose_raw`; compared as parsed YAML. */
  compose: string;
  /** Env variables written with one bulk upsert; a secret. */
  env: Record<string, string>;
  /** `<template>@<version>`, recorded in the marker. */
  templateRef: string;
  /** Any change restarts the service. */
  redeployTrigger?: string;
  /** `running` (default) or `stopped` (a suspended tenant). */
  desiredState?: DesiredState;
  /** Wait for `running:healthy` after create/update. Default true. */
  waitForHealthy?: boolean;
  /** Default 300. */
  healthTimeoutSeconds?: number;
  /** Delete the service's volumes with it. Default false: data outlives a teardown. */
  deleteVolumes?: boolean;
  /** Coolify magic variables (e.g. `SERVICE_PASSWORD_64_ADMIN`) whose generated values to read back as the
   * secret output `generated`; needs a read:sensitive token, else they come back empty. */
  readGenerated?: string[];
  /** Compose service name -> public URLs, sent with the create so that no PATCH and no restart follow the start.
   * Create only: never diffed or patched here; the `Domain` resource owns the URLs after create. */
  initialUrls?: Record<string, string[]>;
  /** The stack that declares the service (`<organisation>/<project>/<stack>`), written into the marker. Not patched:
   * a change only rewrites the marker. */
  owner?: StackName;
  /** Adopt a service carrying this stack's marker (CLOUDFREEDOM_CLAIM_FROM); a deliberate migration. */
  claimFrom?: string;
  /** The tenant's PocketBase id, written into the marker: a create adopts only a service marked for it, and refuses
   * one with this name marked for another tenant. Not patched: a change (state from before tenant ids) rewrites the
   * marker in place. */
  tenantId?: string;
  /** The tenant (slug) the service belongs to, for messages. */
  tenant?: string;
  /** The tenant is held (program/tenant-stack.ts). Its ignoreChanges lists `held`, so an update, which gets its last
   * applied inputs back, never sees it; a create, which has none, is refused at the check. Never in state. */
  held?: boolean;
  /** This run may replace the service (CLOUDFREEDOM_ALLOW_REPLACE names the tenant or `*`). Default false:
   * a replacement is a teardown (new uuid, empty volumes, new generated secrets) and is refused. */
  allowReplace?: boolean;
  /** `fail` (default): a service that does not reach its desired state fails the step. `record`: the step
   * succeeds with the observed status and `problem`, and the next update restarts it; the caller reports it. */
  onUnhealthy?: "fail" | "record";
}

/** State after create/read. */
export interface ServiceOutputs extends ServiceInputs {
  uuid: string;
  status: string;
  /** Compose service name -> service application uuid (the containers that can take URLs). */
  applications: Record<string, string>;
  /** Compose service name -> its fqdn as Coolify reported it (only containers that have one). */
  fqdns: Record<string, string>;
  /** The generated values named by `readGenerated` (a secret); absent when `readGenerated` is empty. */
  generated?: Record<string, string>;
  /** Why the service is not in its desired state (`onUnhealthy: record`), else "". */
  problem?: string;
}

/** Inputs of the `Service` resource. */
export type ServiceArgs = { [K in keyof Omit<ServiceInputs, "env">]: pulumi.Input<ServiceInputs[K]> } & {
  env: pulumi.Input<Record<string, pulumi.Input<string>>>;
};


/**
 * Names every input that forces a replacement, so the replacement (created before the old service is deleted)
 * never adopts the service it replaces.
 */
export function ownershipMarker(inputs: ServiceInputs): string {
  const stack = inputs.owner ? `stack=${inputs.owner} ` : "";
  const tenant = inputs.tenantId ? `tenant=${inputs.tenantId} ` : "";
  return `[cloudfreedom-agents ${stack}${tenant}${placementOf(inputs)}]`;
}

/** Where the service lives: the part of the marker a replacement changes. */
function placementOf(inputs: ServiceInputs): string {
  const destination = inputs.destinationUuid ? ` destination=${inputs.destinationUuid}` : "";
  return `project=${inputs.projectUuid} env=${inputs.environmentName ?? "production"} server=${inputs.serverUuid}${destination}`;
}

const MARKER = /\[cloudfreedom-agents (?:stack=(?<stack>\S+) )?(?:tenant=(?<tenant>\S+) )?(?<placement>project=[^\]]*)\]/;

export function coolifyDescription(inputs: ServiceInputs): string {
  return [inputs.description, `${inputs.templateRef} ${ownershipMarker(inputs)}`].filter(Boolean).join(" ");
}

/** Who owns a Coolify service, by its marker. */
export function serviceOwner(service: Pick<coolify.ServiceSummary, "description">): Owner {
  return ownerOf(service.description, MARKER);
}

/** Marked by us (any stack) at the same placement: what a create may adopt, or must refuse. */
export function isCandidate(service: coolify.ServiceSummary, inputs: ServiceInputs): boolean {
  return MARKER.exec(service.description ?? "")?.groups?.placement === placementOf(inputs);
}

/**
 * The service a create adopts: at this placement, marked for this tenant and our stack (or the stack the run claims
 * from), whatever its name. Throws for one marked for this tenant by another stack, and for one with this name marked
 * for another tenant (or, from before tenant ids, for none): see providers/ownership.ts.
 */
export function adoptable(services: coolify.ServiceSummary[], inputs: ServiceInputs): coolify.ServiceSummary | undefined {
  const objects = services.filter((s) => isCandidate(s, inputs)).map((service) => ({ object: service, owner: serviceOwner(service) }));
  return adoptionOf(objects, { ...inputs, kind: "service", action: "adopt or restart" });
}

export function envItems(env: Record<string, string>): coolify.ServiceEnvInput[] {
  // Literal: a tenant value such as `${X}` or `{{team.KEY}}` must reach the container as written (§7.6).
  return Object.keys(env).sort().map((key) => ({ key, value: env[key], is_literal: true, is_multiline: env[key].includes("\n") }));
}

/** Inputs with their defaults filled in, so spelling out a default is no change (and no replacement). */
export function withDefaults(inputs: ServiceInputs): ServiceInputs {
  return {
    ...inputs, environmentName: inputs.environmentName ?? "production", desiredState: inputs.desiredState ?? "running",
    waitForHealthy: inputs.waitForHealthy ?? true, healthTimeoutSeconds: inputs.healthTimeoutSeconds ?? 300, deleteVolumes: inputs.deleteVolumes ?? false,
    readGenerated: inputs.readGenerated ?? [],
  };
}

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** The templateRef of a held tenant's Service that has no applied spec to re-render (program/tenant-stack.ts): a
 * stand-in that only an update replaces, as `held` refuses a create. */
export const HELD_TEMPLATE_REF = "held";

/** Local checks, no network. Invalid YAML must never reach Coolify, which answers it with a 500 (§11.10). */
export function checkService(inputs: ServiceInputs): CheckFailure[] {
  const failures: CheckFailure[] = [];
  // A held tenant's inputs are its last applied ones (ignoreChanges); on a create there are none, so it is refused.
  if (inputs.held === true || inputs.templateRef === HELD_TEMPLATE_REF) {
    return [{ property: "held", reason: `tenant ${inputs.tenant ?? inputs.name} is held (its record is invalid) and this stack has no applied spec of its service: refused, nothing is created or adopted; correct the tenant's record (its agent_provisioning status_reason says what)` }];
  }
  for (const key of ["name", "projectUuid", "serverUuid", "compose", "templateRef"] as const) {
    if (!inputs[key]) failures.push({ property: key, reason: "required" });
  }
  if (inputs.compose && !isUnknown(inputs.compose)) {
    try {
      const doc = yaml.load(inputs.compose) as { services?: unknown } | null;
      if (!doc || typeof doc.services !== "object" || doc.services === null) failures.push({ property: "compose", reason: "needs a `services:` map" });
    } catch (e) {
      failures.push({ property: "compose", reason: `is not valid YAML: ${(e as Error).message.split("\n")[0]}` });
    }
  }
  if (inputs.tenantId !== undefined && !isUnknown(inputs.tenantId) && !TENANT_ID.test(inputs.tenantId)) {
    failures.push({ property: "tenantId", reason: `must match ${TENANT_ID.source} (a PocketBase record id)` });
  }
  for (const key of isUnknown(inputs.env) ? [] : Object.keys(inputs.env ?? {})) {
    if (!ENV_KEY.test(key)) failures.push({ property: "env", reason: `key "${key}" must match ${ENV_KEY.source} (Coolify's rule)` });
  }
  return failures;
}

/** Which in-place changes an update has to make. */
export function planUpdate(olds: ServiceInputs, news: ServiceInputs) {
  const composeChanged = !sameCompose(olds.compose, news.compose);
  const envChanged = !sameValue(olds.env, news.env);
  const restart = composeChanged || envChanged || !sameValue(olds.redeployTrigger, news.redeployTrigger);
  // A service that did not converge last time (`onUnhealthy: record`) is restarted.
  const unconverged = Boolean((olds as Partial<{ problem: string }>).problem);
  return {
    composeChanged, envChanged, restart: restart || unconverged,
    metaChanged: coolifyDescription(olds) !== coolifyDescription(news) || olds.name !== news.name,
  };
}

/** The `urls` items of the create body (coolify-api.md §7.7): one comma-joined list per container. */
export function initialUrlItems(inputs: ServiceInputs): coolify.ServiceUrl[] {
  const entries = Object.entries(inputs.initialUrls ?? {}).filter(([, urls]) => urls.length > 0);
  return entries.map(([name, urls]) => ({ name, url: urls.join(",") }));
}

/**
 * What the state keeps of the inputs (the outputs' copy of them): the compose as a `digest`, each env value longer
 * than a digest as its digest (the env stays a secret either way), and no `initialUrls` (create only). The inputs in
 * state keep the full text, so a preview still shows a changed compose; diff, update and refresh compare against
 * this. Idempotent, and unknowns stay unknown.
 */
export function stateOf<T extends ServiceInputs>(inputs: T): T {
  const { initialUrls: _create, ...state } = inputs;
  if (typeof inputs.compose === "string" && !isUnknown(inputs.compose)) state.compose = composeDigest(inputs.compose);
  if (inputs.env && typeof inputs.env === "object") {
    state.env = Object.fromEntries(Object.entries(inputs.env).map(([key, value]) => [key, envValueState(value)]));
  }
  return state as T;
}

function envValueState(value: string): string {
  if (isUnknown(value) || isDigest(value)) return value;
  const hashed = digest(value);
  return value.length > hashed.length ? hashed : value;
}
