// The public URLs of one container of a Coolify service (coolify-api.md §7.7): GET /services/{uuid}/applications,
// PATCH /services/{uuid}/applications/{app_uuid} with `url` (force_domain_override in the query), then
// POST /services/{uuid}/restart so Traefik picks up the new labels. The ID is `<service uuid>/<container>`.
// serviceUuid and container force a replacement; urls are patched in place. Delete clears the URLs, unless the
// service now carries another stack's marker.
import * as pulumi from "@pulumi/pulumi";
import * as coolify from "../lib/coolify";
import { configure, coolifyConnection } from "./connection";
import { changedKeys, isUnknown, type CheckFailure } from "./diff";
import { ForeignOwnerError, isOwnedBy, type StackName } from "./ownership";
import { hosted } from "./runtime";
import { serviceOwner } from "./service-model";

/** Plain, resolved inputs. */
export interface DomainInputs {
  /** The service. Replacement: yes. */
  serviceUuid: string;
  /** Compose service name of the container (a service application, not a database). Replacement: yes. */
  container: string;
  /** Full URLs with scheme; a port is the container port Traefik forwards to, e.g. `https://a.example.com:8080`. */
  urls: string[];
  /** Take the URLs even when another resource uses them (Coolify's force_domain_override). Default false. */
  forceOverride?: boolean;
  /** Restart the service so the new routes apply. Default true. */
  restart?: boolean;
  /** The container's service application uuid (the Service output `applications[container]`); saves a lookup. */
  applicationUuid?: string;
  /** The container's fqdn as the Service last read it (its output `fqdns[container]`). When it already holds `urls`
   * (the Service sent them with its create, and its start applied them), create sends nothing. Never diffed. */
  knownFqdn?: string;
  /** The stack that declares the service (its marker must name it before a delete clears the URLs). */
  owner?: StackName;
}

/** State after create/read. */
export interface DomainOutputs extends DomainInputs {
  applicationUuid: string;
  /** The container's fqdn as Coolify stores it (lower-cased scheme and host, comma-joined). */
  fqdn: string;
}

/** Inputs of the `Domain` resource. */
export type DomainArgs = { [K in keyof DomainInputs]: pulumi.Input<DomainInputs[K]> };

// Coolify refuses these characters in a URL (§7.7).
const FORBIDDEN = /[`$;&|<>()\\\n\r]/;

export function checkDomain(inputs: DomainInputs): CheckFailure[] {
  if (isUnknown(inputs.urls)) return [];
  return (inputs.urls ?? []).flatMap((url) => {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    const ok = parsed && /^https?:$/.test(parsed.protocol) && parsed.hostname && !FORBIDDEN.test(url) && !url.includes(",");
    return ok ? [] : [{ property: "urls", reason: `"${url}" is not a full http(s) URL Coolify accepts (e.g. https://acme.example.com)` }];
  });
}

/** A 409 names the resource that holds the domain; say so, and how to proceed. */
export function conflictError(e: coolify.CoolifyApiError, inputs: DomainInputs): Error {
  const holders = e.conflicts.map((c) => `${c.domain} is used by ${c.resource_type ?? "resource"} "${c.resource_name ?? "?"}"${c.resource_uuid ? ` (${c.resource_uuid})` : ""}`);
  return new Error(
    `Coolify refused the URLs of container "${inputs.container}" in service ${inputs.serviceUuid}: ${holders.join("; ") || e.message}. ` +
      "Nothing was changed. Free the domain in Coolify, choose another one, or set forceOverride to take it anyway.",
  );
}

/** Coolify lower-cases the URLs it stores (§7.3); the same URLs in another case are no drift. */
export function sameUrls(a: readonly string[], b: readonly string[]): boolean {
  const norm = (url: string) => {
    try {
      return new URL(url.toLowerCase()).href;
    } catch {
      return url.toLowerCase();
    }
  };
  return a.length === b.length && a.every((url, i) => norm(url) === norm(b[i]));
}

/**
 * URLs to write again: changed inputs, or a create that failed after writing them (no fqdn recorded). `restart` is
 * not one: it only says whether applying URLs restarts the service. It flips with suspension and reactivation, and
 * as a change it restarted a service the Service resource had just started and seen healthy (the run then ended
 * with the tenant restarting and its record saying running:healthy; test/engine-docker/program-lifecycle.test.ts).
 */
function needsApply(olds: DomainOutputs, news: DomainInputs): boolean {
  const unapplied = olds.fqdn === "" && (news.urls ?? []).length > 0;
  return unapplied || changedKeys<DomainInputs>(olds, news, ["serviceUuid", "container", "urls", "forceOverride"]).length > 0;
}

async function applicationUuid(conn: coolify.CoolifyConnection, inputs: DomainInputs): Promise<string> {
  const apps = await coolify.listServiceApplications(conn, inputs.serviceUuid);
  const app = apps.find((a) => a.name === inputs.container);
  if (!app) {
    throw new Error(`service ${inputs.serviceUuid} has no container "${inputs.container}" that can take a URL (have: ${apps.map((a) => a.name).join(", ") || "none"})`);
  }
  return app.uuid;
}

/** A failure after the URLs were written. */
class AppliedError extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

async function apply(conn: coolify.CoolifyConnection, appUuid: string, inputs: DomainInputs, urls: string[] | null): Promise<string> {
  let app: coolify.ServiceApplication;
  try {
    app = await coolify.setServiceApplicationUrls(conn, inputs.serviceUuid, appUuid, urls, { forceDomainOverride: inputs.forceOverride ?? false });
  } catch (e) {
    throw e instanceof coolify.CoolifyApiError && coolify.isConflict(e) ? conflictError(e, inputs) : e;
  }
  try {
    if (inputs.restart ?? true) await coolify.restartService(conn, inputs.serviceUuid);
  } catch (e) {
    throw new AppliedError(e instanceof Error ? e : new Error(String(e)));
  }
  return app.fqdn ?? "";
}

/** The state keeps `fqdn`, not the Service's view of it that create compared against. */
function withoutKnown(inputs: DomainInputs): DomainInputs {
  const { knownFqdn: _known, ...rest } = inputs;
  return rest;
}

export const provider: pulumi.dynamic.ResourceProvider<DomainInputs, DomainOutputs> = {
  configure,

  async check(_olds, news) {
    return { inputs: news, failures: checkDomain(news) };
  },

  async diff(_id, olds, news) {
    const replaces = changedKeys<DomainInputs>(olds, news, ["serviceUuid", "container"]).map(String);
    // `owner` alone is stored without touching Coolify (see update).
    const changed = changedKeys<DomainInputs>(olds, news, ["owner"]).length > 0 || needsApply(olds as DomainOutputs, news);
    return { changes: changed, replaces, deleteBeforeReplace: true };
  },

  async create(inputs) {
    const conn = coolifyConnection();
    const appUuid = inputs.applicationUuid ?? (await applicationUuid(conn, inputs));
    const id = `${inputs.serviceUuid}/${inputs.container}`;
    const inPlace = inputs.knownFqdn !== undefined && sameUrls(inputs.knownFqdn.split(",").filter(Boolean), inputs.urls);
    if (inPlace) return { id, outs: { ...withoutKnown(inputs), applicationUuid: appUuid, fqdn: inputs.knownFqdn! } };
    try {
      const fqdn = await apply(conn, appUuid, inputs, inputs.urls);
      return { id, outs: { ...withoutKnown(inputs), applicationUuid: appUuid, fqdn } };
    } catch (e) {
      // URLs set but the restart failed: record the domain (partial state, `fqdn` empty so the next up re-applies).
      if (!(e instanceof AppliedError)) throw e;
      throw Object.assign(e.cause, { id, properties: { ...withoutKnown(inputs), applicationUuid: appUuid, fqdn: "" }, reasons: [e.cause.message] });
    }
  },

  async read(id, props) {
    const conn = coolifyConnection();
    try {
      const app = await coolify.getServiceApplication(conn, props!.serviceUuid, props!.applicationUuid);
      const stored = (app.fqdn ?? "").split(",").filter(Boolean);
      const urls = sameUrls(stored, props!.urls ?? []) ? props!.urls : stored;
      return { id, props: { ...props!, fqdn: app.fqdn ?? "", urls } };
    } catch (e) {
      if (coolify.isNotFound(e)) return { id: "", props: {} as DomainOutputs };
      throw e;
    }
  },

  async update(_id, olds, news) {
    if (!needsApply(olds, news)) return { outs: { ...olds, ...withoutKnown(news), applicationUuid: olds.applicationUuid, fqdn: olds.fqdn } };
    const conn = coolifyConnection();
    const fqdn = await apply(conn, olds.applicationUuid, news, news.urls).catch((e: unknown) => {
      throw e instanceof AppliedError ? e.cause : e;
    });
    return { outs: { ...withoutKnown(news), applicationUuid: olds.applicationUuid, fqdn } };
  },

  async delete(_id, props) {
    const conn = coolifyConnection();
    try {
      // The URLs belong to the service: never clear them on a service another stack has claimed.
      const owner = serviceOwner(await coolify.getService(conn, props.serviceUuid));
      if (owner.marked && owner.stack && !isOwnedBy(owner, props.owner)) {
        throw new ForeignOwnerError(`the URLs of Coolify service ${props.serviceUuid}`, owner.stack, props.owner, "clear");
      }
      await coolify.setServiceApplicationUrls(conn, props.serviceUuid, props.applicationUuid, null);
    } catch (e) {
      if (!coolify.isNotFound(e)) throw e;
    }
  },
};

/** The URLs of one container of a Coolify service. */
export class Domain extends pulumi.CustomResource {
  declare readonly urls: pulumi.Output<string[]>;
  declare readonly fqdn: pulumi.Output<string>;
  declare readonly applicationUuid: pulumi.Output<string>;

  constructor(name: string, args: DomainArgs, opts?: pulumi.CustomResourceOptions) {
    const [type, inputs] = hosted("domain", "coolify", "Domain", { applicationUuid: undefined, ...args, fqdn: undefined });
    super(type, name, inputs, opts);
  }
}
