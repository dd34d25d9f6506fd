// A Coolify project (coolify-api.md §5): GET/POST /projects, GET/PATCH/DELETE /projects/{uuid}.
// The ID is the project uuid. Nothing forces a replacement: name and description are patched in place.
// Create adopts a project whose ownership marker names this stack and this tenant (by PocketBase id, whatever its
// name), since a lost 201 would otherwise leave a duplicate behind; another stack's project, and one of this stack
// with the name this tenant's would get but marked for another tenant or none, are refused (providers/ownership.ts).
// A project of no tenant (the shared project) is identified by name and stack. Delete checks the marker first.
import * as pulumi from "@pulumi/pulumi";
import * as coolify from "../lib/coolify";
import { configure, coolifyConnection, providerTimings, sleep } from "./connection";
import { changedKeys, isUnknown, type CheckFailure } from "./diff";
import { adoptionOf, assertDeletable, assertSameTenant, ownerOf, TENANT_ID, type Owner, type StackName } from "./ownership";
import { hosted } from "./runtime";

/** Plain, resolved inputs. */
export interface ProjectInputs {
  /** Coolify `name` (3-255 characters). Not unique in Coolify; with the marker it identifies our project. */
  name: string;
  /** Coolify `description`; the ownership marker is appended. */
  description?: string;
  /** The stack that declares the project (`<organisation>/<project>/<stack>`), written into the marker. */
  owner?: StackName;
  /** The tenant's PocketBase id, written into the marker; a create adopts only a project marked for it. Unset for
   * a project of no tenant (the shared one). A change (state from before tenant ids) rewrites the marker in place. */
  tenantId?: string;
  /** Adopt a project carrying this stack's marker (CLOUDFREEDOM_CLAIM_FROM); a deliberate migration. */
  claimFrom?: string;
  /** Its tenant is held (program/tenant-stack.ts): its ignoreChanges drops this on an update, so only a create, which
   * has no applied inputs, sees it and is refused at the check. Never in state. */
  held?: boolean;
}

/** State after create/read. */
export interface ProjectOutputs extends ProjectInputs {
  uuid: string;
  /** The description as stored in Coolify, marker included. */
  coolifyDescription: string;
}

/** Inputs of the `Project` resource. */
export type ProjectArgs = { [K in keyof ProjectInputs]: pulumi.Input<ProjectInputs[K]> };

export const OWNERSHIP_MARKER = "(managed by cloudfreedom-agents)";
const MARKER = /\(managed by cloudfreedom-agents(?: stack=(?<stack>[^\s)]+))?(?: tenant=(?<tenant>[^\s)]+))?\)/;
/** Room for ` stack=<organisation>/<project>/<stack>` (80: Pulumi names are short) and ` tenant=<id>` (the longest id) in the marker. */
const MARKER_ROOM = OWNERSHIP_MARKER.length + 80 + " tenant=".length + 64;
const NAME_PATTERN = /^[\p{L}\p{M}\p{N}\s\-_.@/&()#,:+]{3,255}$/u;
const DESCRIPTION_PATTERN = /^[\p{L}\p{N}\s\-_.,!?()'"+=*@/&]*$/u;

export function checkProject(inputs: ProjectInputs): CheckFailure[] {
  if (inputs.held === true) {
    return [{ property: "held", reason: `its tenant ${inputs.tenantId ?? ""} is held (its record is invalid) and this stack has no applied spec of its project: refused, nothing is created or adopted; correct the tenant's record (its agent_provisioning status_reason says what)` }];
  }
  const failures: CheckFailure[] = [];
  if (!isUnknown(inputs.name) && !NAME_PATTERN.test(inputs.name ?? "")) {
    failures.push({ property: "name", reason: "3-255 letters, digits, spaces or - _ . @ / & ( ) # , : + (Coolify's rule)" });
  }
  if (inputs.description !== undefined && !isUnknown(inputs.description) && !DESCRIPTION_PATTERN.test(inputs.description)) {
    failures.push({ property: "description", reason: "letters, digits, spaces or - _ . , ! ? ( ) ' \" + = * @ / & only (Coolify's rule)" });
  } else if (!isUnknown(inputs.description) && (inputs.description ?? "").length > 254 - MARKER_ROOM) {
    failures.push({ property: "description", reason: `at most ${254 - MARKER_ROOM} characters (Coolify's 255, less the ownership marker)` });
  }
  if (inputs.tenantId !== undefined && !isUnknown(inputs.tenantId) && !TENANT_ID.test(inputs.tenantId)) {
    failures.push({ property: "tenantId", reason: `must match ${TENANT_ID.source} (a PocketBase record id)` });
  }
  return failures;
}

export function ownershipMarker(inputs: ProjectInputs): string {
  const stack = inputs.owner ? ` stack=${inputs.owner}` : "";
  const tenant = inputs.tenantId ? ` tenant=${inputs.tenantId}` : "";
  return stack || tenant ? `(managed by cloudfreedom-agents${stack}${tenant})` : OWNERSHIP_MARKER;
}

export function coolifyDescription(inputs: ProjectInputs): string {
  return inputs.description ? `${inputs.description} ${ownershipMarker(inputs)}` : ownershipMarker(inputs);
}

export function projectOwner(project: Pick<coolify.Project, "description">): Owner {
  return ownerOf(project.description, MARKER);
}

/** The project a create adopts: marked for this tenant and our stack (or a legacy stack), or the stack this run claims from. */
export function adoptable(projects: coolify.Project[], inputs: ProjectInputs): coolify.Project | undefined {
  const objects = projects.map((project) => ({ object: project, owner: projectOwner(project) }));
  return adoptionOf(objects, { ...inputs, kind: "project", action: "adopt" });
}

function toOutputs(uuid: string, inputs: ProjectInputs, description: string): ProjectOutputs {
  return { ...inputs, uuid, coolifyDescription: description };
}

export const provider: pulumi.dynamic.ResourceProvider<ProjectInputs, ProjectOutputs> = {
  configure,

  async check(_olds, news) {
    return { inputs: news, failures: checkProject(news) };
  },

  async diff(id, olds, news) {
    assertSameTenant(`Coolify project "${olds.name}" (${id}) in this stack's state`, olds.tenantId, isUnknown(news.tenantId) ? undefined : news.tenantId);
    const changed = changedKeys<ProjectInputs>(olds, news, ["name", "description", "owner", "tenantId"]);
    // A description edited in Coolify (marker removed, say) shows in coolifyDescription after a refresh.
    const drifted = olds.coolifyDescription !== undefined && !isUnknown(news.description) && olds.coolifyDescription !== coolifyDescription(news);
    return { changes: changed.length > 0 || drifted, replaces: [], deleteBeforeReplace: false };
  },

  async create(inputs) {
    const conn = coolifyConnection();
    const description = coolifyDescription(inputs);
    // The list is fetched once per run (lib/coolify/list-cache.ts); after a lost answer it is fetched again.
    const find = async (fresh: boolean) => adoptable(await coolify.listProjectsCached(conn, { fresh }), inputs);
    const existing = await find(false);
    if (existing) {
      // Adopted by its marker, it may still carry a name from an old slug.
      if (existing.description !== description || existing.name !== inputs.name) await coolify.updateProject(conn, existing.uuid, { name: inputs.name, description });
      return { id: existing.uuid, outs: toOutputs(existing.uuid, inputs, description) };
    }
    const uuid = await coolify.createProject(conn, { name: inputs.name, description }).then((p) => p.uuid, async (e: unknown) => {
      // A POST is never replayed; when its answer was lost, the project may exist all the same (§11.1).
      const recovered = e instanceof coolify.CoolifyApiError && e.status === 0 ? await find(true).catch(() => undefined) : undefined;
      if (!recovered) throw e;
      return recovered.uuid;
    });
    return { id: uuid, outs: toOutputs(uuid, inputs, description) };
  },

  async read(id, props) {
    const conn = coolifyConnection();
    try {
      const project = await coolify.getProject(conn, id);
      return { id, props: { ...props!, name: project.name, coolifyDescription: project.description ?? "", uuid: id } };
    } catch (e) {
      if (coolify.isNotFound(e)) return { id: "", props: {} as ProjectOutputs };
      throw e;
    }
  },

  async update(id, _olds, news) {
    const conn = coolifyConnection();
    const description = coolifyDescription(news);
    await coolify.updateProject(conn, id, { name: news.name, description });
    return { outs: toOutputs(id, news, description) };
  },

  async delete(id, props) {
    const conn = coolifyConnection();
    const { deleteTimeoutMs, pollIntervalMs } = providerTimings();
    const deadline = Date.now() + deleteTimeoutMs;
    try {
      assertDeletable(`Coolify project "${props.name}" (${id})`, projectOwner(await coolify.getProject(conn, id)), props.owner);
    } catch (e) {
      if (coolify.isNotFound(e)) return;
      throw e;
    }
    for (;;) {
      try {
        return await coolify.deleteProject(conn, id);
      } catch (e) {
        if (coolify.isNotFound(e)) return;
        // Service deletes are queued, so the project "has resources" until those jobs finish (§5, §11.3).
        const busy = e instanceof coolify.CoolifyApiError && e.status === 400 && /has resources/.test(e.coolifyMessage ?? "");
        if (!busy || Date.now() > deadline) throw e;
        await sleep(pollIntervalMs);
      }
    }
  },
};

/** A Coolify project, adopted by its ownership marker (tenant and stack) when it already exists. */
export class Project extends pulumi.CustomResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string | undefined>;
  declare readonly uuid: pulumi.Output<string>;
  declare readonly coolifyDescription: pulumi.Output<string>;

  constructor(name: string, args: ProjectArgs, opts?: pulumi.CustomResourceOptions) {
    const [type, inputs] = hosted("project", "coolify", "Project", { ...args, uuid: undefined, coolifyDescription: undefined });
    super(type, name, inputs, opts);
  }
}
