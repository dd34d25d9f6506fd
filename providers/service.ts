// A Coolify compose service (coolify-api.md §7): POST/GET/PATCH/DELETE /services, /services/{uuid}/envs/bulk,
// POST /services/{uuid}/start|stop|restart. The ID is the service uuid. serverUuid, projectUuid,
// environmentName and destinationUuid force a replacement, which is refused unless `allowReplace` (a replacement
// is a teardown: new uuid, empty volumes, new generated secrets); everything else is patched in place, and a
// changed compose, env map or redeploy trigger restarts the service. Create adopts a service at the same placement
// whose marker names our stack and this tenant's id, so a lost 201 leaves no duplicate; another stack's marker, and
// a service of this name marked for another tenant, are refused (providers/ownership.ts).
import * as pulumi from "@pulumi/pulumi";
import * as coolify from "../lib/coolify";
import { configure, coolifyConnection, providerTimings, runDeleteVolumes } from "./connection";
import { changedKeys, composeDigest, isUnknown, sameCompose, sameValue } from "./diff";
import { assertDeletable, assertSameTenant, isClaimable, isOwnedBy } from "./ownership";
import { hosted } from "./runtime";
import { readGenerated, syncEnvs } from "./service-envs";
import { adoptable, checkService, isCandidate, coolifyDescription, envItems, initialUrlItems, planUpdate, serviceOwner, stateOf, withDefaults, type ServiceArgs, type ServiceInputs, type ServiceOutputs } from "./service-model";
import { ServiceStatusError, waitForDeleted, waitForState } from "./service-status";

const REPLACES = ["serverUuid", "projectUuid", "environmentName", "destinationUuid"] as const;
const PATCHED = ["name", "description", "templateRef", "env", "redeployTrigger", "desiredState", "waitForHealthy", "healthTimeoutSeconds", "deleteVolumes", "readGenerated", "owner", "tenantId"] as const;

function timing(inputs: ServiceInputs, queuedAt?: number) {
  const { pollIntervalMs, restartSettleMs } = providerTimings();
  const queued = queuedAt === undefined ? {} : { queued: { at: queuedAt, settleMs: restartSettleMs } };
  return { timeoutMs: (inputs.healthTimeoutSeconds ?? 300) * 1000, pollIntervalMs, ...queued };
}

/** Starts, restarts or stops the service and waits for it; `problem` says why it did not converge (record mode). */
async function converge(conn: coolify.CoolifyConnection, uuid: string, inputs: ServiceInputs, restart: boolean): Promise<{ service: coolify.Service; problem: string }> {
  const desired = inputs.desiredState ?? "running";
  // Set when a start or restart was queued: until the status shows it, a healthy status is the old containers'.
  let queuedAt: number | undefined;
  try {
    if (desired === "stopped") await coolify.stopService(conn, uuid);
    else {
      const at = Date.now();
      await (restart ? coolify.restartService(conn, uuid) : coolify.startService(conn, uuid));
      queuedAt = at;
    }
  } catch (e) {
    // "already running" / "already stopped" means converged (§11.7).
    if (!(e instanceof coolify.CoolifyApiError && e.status === 400 && /already/.test(e.coolifyMessage ?? ""))) throw e;
  }
  if (desired === "running" && inputs.waitForHealthy === false) return { service: await coolify.getService(conn, uuid), problem: "" };
  try {
    return { service: await waitForState(conn, uuid, desired, timing(inputs, queuedAt)), problem: "" };
  } catch (e) {
    // Reported by the caller (the program names it at the end of the run); the next update restarts it.
    if (!(e instanceof ServiceStatusError) || inputs.onUnhealthy !== "record") throw e;
    return { service: e.service ?? (await coolify.getService(conn, uuid)), problem: e.message };
  }
}

// `generated` only when the inputs ask for values: state encrypts even an empty map (about 150 bytes). An output left
// out is unknown in a preview, so whatever reads `generated` must not when `readGenerated` is empty.
function toOutputs(inputs: ServiceInputs, service: coolify.Service, generated: Record<string, string> = {}, problem = ""): ServiceOutputs {
  const applications = Object.fromEntries((service.applications ?? []).map((app) => [app.name, app.uuid]));
  const fqdns = Object.fromEntries((service.applications ?? []).flatMap((app) => (app.fqdn ? [[app.name, app.fqdn]] : [])));
  const asked = (inputs.readGenerated ?? []).length > 0 ? { generated } : {};
  return { ...stateOf(inputs), uuid: service.uuid, status: service.status ?? "unknown", applications, fqdns, ...asked, problem };
}

type PartialStateError = Error & { id: string; properties: Partial<ServiceOutputs>; reasons: string[] };

/**
 * The service exists (its POST succeeded, or it was adopted) but a later step failed: a lost start answer, a 422
 * on the env bulk, a status that never converged. The error carries id and state, so the engine records it
 * (`pulumi destroy` and a teardown reach it, no orphan) and the next `up` updates it. The state leaves `env` out
 * on purpose: the next diff then sees the env as changed, so the update rewrites it and restarts the service.
 */
function partialState(e: unknown, uuid: string, inputs: ServiceInputs): PartialStateError {
  const error = e instanceof Error ? e : new Error(String(e));
  const status = e instanceof ServiceStatusError ? e.status : "unknown";
  const properties = { ...stateOf(inputs), env: {}, uuid, status, applications: {}, fqdns: {}, problem: error.message };
  return Object.assign(error, { id: uuid, properties, reasons: [error.message] });
}

/** A domain conflict (409) or a refused URL (422 with a plain list, §7.7): the create was rolled back. */
function urlsRefused(e: unknown): boolean {
  return e instanceof coolify.CoolifyApiError && (e.status === 409 || (e.status === 422 && coolify.GENERAL_ERRORS_KEY in e.errors));
}

export class ServiceElsewhereError extends Error {
  constructor(readonly tenant: string, service: coolify.ServiceSummary, server: string) {
    super(
      `tenant ${tenant}: Coolify service "${service.name}" (${service.uuid}) is already marked for this tenant by this fleet, at another placement ` +
        `(server, project or environment) than this run's, on server ${server}; refusing to create a second service (nothing was created). Most likely the tenant's state is in ` +
        `another stack (a shard whose servers changed, or a move between shards not finished): move its state to the stack of the shard that ` +
        `declares it. If the tenant is to move, CLOUDFREEDOM_MOVE=${tenant}:${server} (or CLOUDFREEDOM_ALLOW_REPLACE=${tenant}) replaces that service.`,
    );
    this.name = "ServiceElsewhereError";
  }
}

/**
 * A service of ours (or of the stack the run claims from) marked for this tenant at another placement. A create that
 * is not a replacement the run allows must not add a second service beside it: in a sharded fleet every shard writes
 * the fleet's owner, so this is another shard's, or an older stack's, service of the same tenant.
 */
export function markedElsewhere(services: coolify.ServiceSummary[], inputs: ServiceInputs): coolify.ServiceSummary | undefined {
  if (!inputs.tenantId || inputs.allowReplace) return undefined;
  return services.find((service) => {
    const owner = serviceOwner(service);
    return owner.marked && owner.tenant === inputs.tenantId && (isOwnedBy(owner, inputs.owner) || isClaimable(owner, inputs.claimFrom)) && !isCandidate(service, inputs);
  });
}

async function adoptOrCreate(conn: coolify.CoolifyConnection, inputs: ServiceInputs): Promise<{ uuid: string; adopted: boolean }> {
  // The list is fetched once per run (lib/coolify/list-cache.ts); after a lost answer it is fetched again.
  const find = async (fresh = false) => adoptable(await coolify.listServicesCached(conn, { fresh }), inputs);
  const services = await coolify.listServicesCached(conn);
  const existing = adoptable(services, inputs);
  if (existing) return { uuid: existing.uuid, adopted: true };
  const elsewhere = markedElsewhere(services, inputs);
  if (elsewhere) throw new ServiceElsewhereError(inputs.tenant ?? inputs.name, elsewhere, inputs.serverUuid);
  const post = (urls: coolify.ServiceUrl[]) => coolify.createService(conn, {
    project_uuid: inputs.projectUuid, environment_name: inputs.environmentName ?? "production", server_uuid: inputs.serverUuid,
    ...(inputs.destinationUuid ? { destination_uuid: inputs.destinationUuid } : {}),
    name: inputs.name, description: coolifyDescription(inputs), compose: inputs.compose, instant_deploy: false,
    ...(urls.length > 0 ? { urls } : {}),
  });
  try {
    const urls = initialUrlItems(inputs);
    // Refused URLs (held by the service this one replaces, say) make Coolify drop the new service before it answers
    // (§7.1 step 9): create it without them, and the Domain resource sets them or names the holder.
    const created = await post(urls).catch((e: unknown) => (urls.length > 0 && urlsRefused(e) ? post([]) : Promise.reject(e)));
    return { uuid: created.uuid, adopted: false };
  } catch (e) {
    // A POST is never replayed; when its answer was lost, the service may exist all the same (§11.1).
    const recovered = e instanceof coolify.CoolifyApiError && e.status === 0 ? await find(true).catch(() => undefined) : undefined;
    if (recovered) return { uuid: recovered.uuid, adopted: false };
    throw e;
  }
}

/**
 * An unset destination means "the one Coolify picked". On a server with a single destination Coolify always uses
 * that one (§6), so naming it is no change; the server's destinations are listed only for that transition.
 */
async function sameDestination(olds: ServiceInputs, news: ServiceInputs): Promise<boolean> {
  if (news.destinationUuid === undefined) return true;
  if (olds.destinationUuid !== undefined || isUnknown(news.destinationUuid) || isUnknown(news.serverUuid)) return false;
  const destinations = await coolify.listServerDestinations(coolifyConnection(), news.serverUuid);
  return destinations.length === 1 && destinations[0].uuid === news.destinationUuid;
}

export class ReplacementRefusedError extends Error {
  constructor(readonly tenant: string, readonly reasons: string[]) {
    super(
      `tenant ${tenant}: this run would replace its Coolify service (${reasons.join(", ")} changed). A replacement is a teardown: ` +
        "a new service with empty volumes and newly generated secrets, the old one deleted. Nothing was changed. " +
        `Revert the setting, or allow it for this run: CLOUDFREEDOM_ALLOW_REPLACE=${tenant} pulumi up`,
    );
    this.name = "ReplacementRefusedError";
  }
}

export const provider: pulumi.dynamic.ResourceProvider<ServiceInputs, ServiceOutputs> = {
  configure,

  async check(_olds, news) {
    return { inputs: news, failures: checkService(news) };
  },

  async diff(id, oldInputs, newInputs) {
    const [olds, news] = [withDefaults(stateOf(oldInputs)), withDefaults(stateOf(newInputs))];
    assertSameTenant(`Coolify service "${olds.name}" (${id}) in this stack's state`, olds.tenantId, isUnknown(news.tenantId) ? undefined : news.tenantId);
    let replaces = changedKeys<ServiceInputs>(olds, news, [...REPLACES]).map(String);
    const changed = [...replaces, ...changedKeys<ServiceInputs>(olds, news, [...PATCHED]).map(String)];
    if (replaces.includes("destinationUuid") && (await sameDestination(olds, news))) replaces = replaces.filter((key) => key !== "destinationUuid");
    if (!sameCompose(olds.compose, news.compose)) changed.push("compose");
    if ((olds as Partial<ServiceOutputs>).problem) changed.push("problem");
    // A value known only after apply (preview) cannot be judged yet; the up judges it.
    const known = replaces.filter((key) => !isUnknown(news[key as keyof ServiceInputs]));
    if (known.length > 0 && !news.allowReplace) throw new ReplacementRefusedError(news.tenant ?? news.name, known);
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: false };
  },

  async create(inputs) {
    const conn = coolifyConnection();
    const { uuid, adopted } = await adoptOrCreate(conn, inputs);
    // From here on the service exists: every failure records it (partial state) so that a teardown reaches it.
    try {
      if (adopted) await coolify.updateService(conn, uuid, { name: inputs.name, description: coolifyDescription(inputs), compose: inputs.compose });
      const items = envItems(inputs.env);
      if (items.length > 0) await coolify.upsertServiceEnvs(conn, uuid, items);
      const { service, problem } = await converge(conn, uuid, inputs, adopted);
      return { id: uuid, outs: toOutputs(inputs, service, await readGenerated(conn, uuid, inputs.readGenerated), problem) };
    } catch (e) {
      throw partialState(e, uuid, inputs);
    }
  },

  async read(id, props) {
    const conn = coolifyConnection();
    try {
      const service = await coolify.getService(conn, id);
      const current = toOutputs(props!, service, props!.generated);
      // The compose is visible only to a read:sensitive token (§2); without it, keep ours.
      const compose = service.docker_compose_raw && !sameCompose(service.docker_compose_raw, props!.compose) ? service.docker_compose_raw : props!.compose;
      return { id, props: { ...current, name: service.name, compose: composeDigest(compose) } };
    } catch (e) {
      if (coolify.isNotFound(e)) return { id: "", props: {} as ServiceOutputs };
      throw e;
    }
  },

  async update(id, oldState, news) {
    const olds = oldState as ServiceOutputs;
    const conn = coolifyConnection();
    const plan = planUpdate(stateOf(olds), stateOf(news));
    if (plan.metaChanged || plan.composeChanged) {
      await coolify.updateService(conn, id, {
        ...(plan.metaChanged ? { name: news.name, description: coolifyDescription(news) } : {}),
        ...(plan.composeChanged ? { compose: news.compose } : {}),
      });
    }
    if (plan.envChanged) await syncEnvs(conn, id, olds.env ?? {}, news.env);
    const stateChanged = (olds.desiredState ?? "running") !== (news.desiredState ?? "running");
    const { service, problem } = plan.restart || stateChanged
      ? await converge(conn, id, news, plan.restart && !stateChanged)
      : { service: await coolify.getService(conn, id), problem: "" };
    const generated = sameValue(olds.readGenerated, news.readGenerated) && olds.generated ? olds.generated : await readGenerated(conn, id, news.readGenerated);
    return { outs: toOutputs(news, service, generated, problem) };
  },

  async delete(id, props) {
    const conn = coolifyConnection();
    const { deleteTimeoutMs, pollIntervalMs } = providerTimings();
    try {
      assertDeletable(`Coolify service "${props.name}" (${id})`, serviceOwner(await coolify.getService(conn, id)), props.owner);
      // This run's config decides, false when unset: never the state an earlier run left (deleteVolumes there is a record).
      await coolify.deleteService(conn, id, { deleteVolumes: runDeleteVolumes() ?? false });
    } catch (e) {
      if (coolify.isNotFound(e)) return;
      throw e;
    }
    await waitForDeleted(conn, id, { timeoutMs: deleteTimeoutMs, pollIntervalMs });
  },
};

/** A compose stack on Coolify, started and waited for until healthy. */
export class Service extends pulumi.CustomResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly uuid: pulumi.Output<string>;
  /** The server it runs on, as in its state (an input; program/capacity.ts reads it for a tenant no record places). */
  declare readonly serverUuid: pulumi.Output<string>;
  declare readonly status: pulumi.Output<string>;
  declare readonly applications: pulumi.Output<Record<string, string>>;
  declare readonly fqdns: pulumi.Output<Record<string, string>>;
  declare readonly templateRef: pulumi.Output<string>;
  declare readonly generated: pulumi.Output<Record<string, string> | undefined>;
  declare readonly problem: pulumi.Output<string>;

  constructor(name: string, args: ServiceArgs, opts?: pulumi.CustomResourceOptions) {
    const props = { ...args, env: pulumi.secret(args.env), uuid: undefined, status: undefined, applications: undefined, fqdns: undefined, generated: undefined, problem: undefined };
    const [type, inputs] = hosted("service", "coolify", "Service", props);
    // `env` needs no entry: the engine keeps an output secret when the input of that name was.
    super(type, name, inputs, { ...opts, additionalSecretOutputs: ["generated"] });
  }
}

export type { ServiceArgs, ServiceInputs, ServiceOutputs };
