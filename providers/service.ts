// A Coolify compose service (coolify-api.md §7): POST/GET/PATCH/DELETE /services, /services/{uuid}/envs/bulk,
// POST /services/{uuid}/start|stop|restart. The ID is the service uuid. serverUuid, projectUuid,
// environmentName and destinationUuid force a replacement; everything else is patched in place, and a
// changed compose, env map or redeploy trigger restarts the service. Create adopts a service of the same
// name in the same project environment that carries our marker, so a lost 201 leaves no duplicate.
import * as pulumi from "@pulumi/pulumi";
import * as coolify from "../lib/coolify";
import { configure, coolifyConnection, providerTimings } from "./connection";
import * as yaml from "js-yaml";
import { changedKeys, isUnknown, sameCompose, sameValue, type CheckFailure } from "./diff";
import { forwardTo } from "./runtime";
import { waitForDeleted, waitForState, type DesiredState } from "./service-status";

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
}

/** State after create/read. */
export interface ServiceOutputs extends ServiceInputs {
  uuid: string;
  status: string;
  /** Compose service name -> service application uuid (the containers that can take URLs). */
  applications: Record<string, string>;
}

/** Inputs of the `Service` resource. */
export type ServiceArgs = { [K in keyof Omit<ServiceInputs, "env">]: pulumi.Input<ServiceInputs[K]> } & {
  env: pulumi.Input<Record<string, pulumi.Input<string>>>;
};

const REPLACES = ["serverUuid", "projectUuid", "environmentName", "destinationUuid"] as const;
const PATCHED = ["name", "description", "templateRef", "env", "redeployTrigger", "desiredState", "waitForHealthy", "healthTimeoutSeconds", "deleteVolumes"] as const;

/**
 * Names every input that forces a replacement, so the replacement (created before the old service is deleted)
 * never adopts the service it replaces.
 */
export function ownershipMarker(inputs: ServiceInputs): string {
  const destination = inputs.destinationUuid ? ` destination=${inputs.destinationUuid}` : "";
  return `[cloudfreedom-agents project=${inputs.projectUuid} env=${inputs.environmentName ?? "production"} server=${inputs.serverUuid}${destination}]`;
}

export function coolifyDescription(inputs: ServiceInputs): string {
  return [inputs.description, `${inputs.templateRef} ${ownershipMarker(inputs)}`].filter(Boolean).join(" ");
}

export function isOurs(service: coolify.Service, inputs: ServiceInputs): boolean {
  return service.name === inputs.name && (service.description ?? "").includes(ownershipMarker(inputs));
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
  };
}

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** Local checks, no network. Invalid YAML must never reach Coolify, which answers it with a 500 (§11.10). */
export function checkService(inputs: ServiceInputs): CheckFailure[] {
  const failures: CheckFailure[] = [];
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
  return { composeChanged, envChanged, restart, metaChanged: coolifyDescription(olds) !== coolifyDescription(news) || olds.name !== news.name };
}

function timing(inputs: ServiceInputs) {
  return { timeoutMs: (inputs.healthTimeoutSeconds ?? 300) * 1000, pollIntervalMs: providerTimings().pollIntervalMs };
}

async function converge(conn: coolify.CoolifyConnection, uuid: string, inputs: ServiceInputs, restart: boolean): Promise<coolify.Service> {
  const desired = inputs.desiredState ?? "running";
  try {
    if (desired === "stopped") await coolify.stopService(conn, uuid);
    else if (restart) await coolify.restartService(conn, uuid);
    else await coolify.startService(conn, uuid);
  } catch (e) {
    // "already running" / "already stopped" means converged (§11.7).
    if (!(e instanceof coolify.CoolifyApiError && e.status === 400 && /already/.test(e.coolifyMessage ?? ""))) throw e;
  }
  if (desired === "running" && inputs.waitForHealthy === false) return coolify.getService(conn, uuid);
  return waitForState(conn, uuid, desired, timing(inputs));
}

function toOutputs(inputs: ServiceInputs, service: coolify.Service): ServiceOutputs {
  const applications = Object.fromEntries((service.applications ?? []).map((app) => [app.name, app.uuid]));
  return { ...inputs, uuid: service.uuid, status: service.status ?? "unknown", applications };
}

async function adoptOrCreate(conn: coolify.CoolifyConnection, inputs: ServiceInputs): Promise<{ uuid: string; adopted: boolean }> {
  const find = async () => (await coolify.listServices(conn)).find((s) => isOurs(s, inputs));
  const existing = await find();
  if (existing) return { uuid: existing.uuid, adopted: true };
  try {
    const created = await coolify.createService(conn, {
      project_uuid: inputs.projectUuid, environment_name: inputs.environmentName ?? "production", server_uuid: inputs.serverUuid,
      ...(inputs.destinationUuid ? { destination_uuid: inputs.destinationUuid } : {}),
      name: inputs.name, description: coolifyDescription(inputs), compose: inputs.compose, instant_deploy: false,
    });
    return { uuid: created.uuid, adopted: false };
  } catch (e) {
    // A POST is never replayed; when its answer was lost, the service may exist all the same (§11.1).
    const recovered = e instanceof coolify.CoolifyApiError && e.status === 0 ? await find().catch(() => undefined) : undefined;
    if (recovered) return { uuid: recovered.uuid, adopted: false };
    throw e;
  }
}

export const provider: pulumi.dynamic.ResourceProvider<ServiceInputs, ServiceOutputs> = {
  configure,

  async check(_olds, news) {
    return { inputs: news, failures: checkService(news) };
  },

  async diff(_id, oldInputs, newInputs) {
    const [olds, news] = [withDefaults(oldInputs), withDefaults(newInputs)];
    const replaces = changedKeys<ServiceInputs>(olds, news, [...REPLACES]).map(String);
    const changed = [...replaces, ...changedKeys<ServiceInputs>(olds, news, [...PATCHED]).map(String)];
    if (!sameCompose(olds.compose, news.compose)) changed.push("compose");
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: false };
  },

  async create(inputs) {
    const conn = coolifyConnection();
    const { uuid, adopted } = await adoptOrCreate(conn, inputs);
    if (adopted) await coolify.updateService(conn, uuid, { name: inputs.name, description: coolifyDescription(inputs), compose: inputs.compose });
    const items = envItems(inputs.env);
    if (items.length > 0) await coolify.upsertServiceEnvs(conn, uuid, items);
    const service = await converge(conn, uuid, inputs, adopted);
    return { id: uuid, outs: toOutputs(inputs, service) };
  },

  async read(id, props) {
    const conn = coolifyConnection();
    try {
      const service = await coolify.getService(conn, id);
      const current = toOutputs(props!, service);
      // The compose is visible only to a read:sensitive token (§2); without it, keep ours.
      const compose = service.docker_compose_raw && !sameCompose(service.docker_compose_raw, props!.compose) ? service.docker_compose_raw : props!.compose;
      return { id, props: { ...current, name: service.name, compose } };
    } catch (e) {
      if (coolify.isNotFound(e)) return { id: "", props: {} as ServiceOutputs };
      throw e;
    }
  },

  async update(id, olds, news) {
    const conn = coolifyConnection();
    const plan = planUpdate(olds, news);
    if (plan.metaChanged || plan.composeChanged) {
      await coolify.updateService(conn, id, {
        ...(plan.metaChanged ? { name: news.name, description: coolifyDescription(news) } : {}),
        ...(plan.composeChanged ? { compose: news.compose } : {}),
      });
    }
    if (plan.envChanged) await syncEnvs(conn, id, olds.env ?? {}, news.env);
    const stateChanged = (olds.desiredState ?? "running") !== (news.desiredState ?? "running");
    const service = plan.restart || stateChanged ? await converge(conn, id, news, plan.restart && !stateChanged) : await coolify.getService(conn, id);
    return { outs: toOutputs(news, service) };
  },

  async delete(id, props) {
    const conn = coolifyConnection();
    const { deleteTimeoutMs, pollIntervalMs } = providerTimings();
    try {
      await coolify.deleteService(conn, id, { deleteVolumes: props.deleteVolumes ?? false });
    } catch (e) {
      if (coolify.isNotFound(e)) return;
      throw e;
    }
    await waitForDeleted(conn, id, { timeoutMs: deleteTimeoutMs, pollIntervalMs });
  },
};

/** Writes changed and new variables in one bulk call; removes the ones we dropped (never Coolify's own). */
async function syncEnvs(conn: coolify.CoolifyConnection, uuid: string, olds: Record<string, string>, news: Record<string, string>): Promise<void> {
  const changed = Object.fromEntries(Object.entries(news).filter(([key, value]) => olds[key] !== value));
  if (Object.keys(changed).length > 0) await coolify.upsertServiceEnvs(conn, uuid, envItems(changed));
  const removed = Object.keys(olds).filter((key) => !(key in news));
  if (removed.length === 0) return;
  for (const row of await coolify.listServiceEnvs(conn, uuid)) {
    if (removed.includes(row.key) && !row.is_coolify) await coolify.deleteServiceEnv(conn, uuid, row.uuid);
  }
}

/** A compose stack on Coolify, started and waited for until healthy. */
export class Service extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly uuid: pulumi.Output<string>;
  declare readonly status: pulumi.Output<string>;
  declare readonly applications: pulumi.Output<Record<string, string>>;
  declare readonly templateRef: pulumi.Output<string>;

  constructor(name: string, args: ServiceArgs, opts?: pulumi.CustomResourceOptions) {
    const props = { ...args, env: pulumi.secret(args.env), uuid: undefined, status: undefined, applications: undefined };
    super(forwardTo("service"), name, props, { ...opts, additionalSecretOutputs: ["env"] }, "coolify", "Service");
  }
}
