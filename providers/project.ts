// A Coolify project (coolify-api.md §5): GET/POST /projects, GET/PATCH/DELETE /projects/{uuid}.
// The ID is the project uuid. Nothing forces a replacement: name and description are patched in place.
// Create adopts a project of the same name that carries our stack's ownership marker, since Coolify names are
// not unique and a lost 201 would otherwise leave a duplicate behind; another stack's project is refused, and
// delete checks the marker first.
import * as pulumi from "@pulumi/pulumi";
import * as coolify from "../lib/coolify";
import { configure, coolifyConnection, providerTimings, sleep } from "./connection";
import { changedKeys, isUnknown, type CheckFailure } from "./diff";
import { assertDeletable, ForeignOwnerError, isClaimable, isOwnedBy, ownerOf, type Owner, type StackName } from "./ownership";
import { hosted } from "./runtime";

/** Plain, resolved inputs. */
export interface ProjectInputs {
  /** Coolify `name` (3-255 characters). Not unique in Coolify; with the marker it identifies our project. */
  name: string;
  /** Coolify `description`; the ownership marker is appended. */
  description?: string;
  /** The stack that declares the project (`<organisation>/<project>/<stack>`), written into the marker. */
  owner?: StackName;
  /** Adopt a project carrying this stack's marker (CLOUDFREEDOM_CLAIM_FROM); a deliberate migration. */
  claimFrom?: string;
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
const MARKER = /\(managed by cloudfreedom-agents(?: stack=(?<stack>[^\s)]+))?\)/;
/** Room for `stack=<organisation>/<project>/<stack>` in the marker (Pulumi names are short). */
const MARKER_ROOM = OWNERSHIP_MARKER.length + 100;
const NAME_PATTERN = /^[\p{L}\p{M}\p{N}\s\-_.@/&()#,:+]{3,255}$/u;
const DESCRIPTION_PATTERN = /^[\p{L}\p{N}\s\-_.,!?()'"+=*@/&]*$/u;

export function checkProject(inputs: ProjectInputs): CheckFailure[] {
  const failures: CheckFailure[] = [];
  if (!isUnknown(inputs.name) && !NAME_PATTERN.test(inputs.name ?? "")) {
    failures.push({ property: "name", reason: "3-255 letters, digits, spaces or - _ . @ / & ( ) # , : + (Coolify's rule)" });
  }
  if (inputs.description !== undefined && !isUnknown(inputs.description) && !DESCRIPTION_PATTERN.test(inputs.description)) {
    failures.push({ property: "description", reason: "letters, digits, spaces or - _ . , ! ? ( ) ' \" + = * @ / & only (Coolify's rule)" });
  } else if (!isUnknown(inputs.description) && (inputs.description ?? "").length > 254 - MARKER_ROOM) {
    failures.push({ property: "description", reason: `at most ${254 - MARKER_ROOM} characters (Coolify's 255, less the ownership marker)` });
  }
  return failures;
}

export function ownershipMarker(inputs: ProjectInputs): string {
  return inputs.owner ? `(managed by cloudfreedom-agents stack=${inputs.owner})` : OWNERSHIP_MARKER;
}

export function coolifyDescription(inputs: ProjectInputs): string {
  return inputs.description ? `${inputs.description} ${ownershipMarker(inputs)}` : ownershipMarker(inputs);
}

export function projectOwner(project: Pick<coolify.Project, "description">): Owner {
  return ownerOf(project.description, MARKER);
}

/** The project a create adopts: same name, our stack's marker (or a legacy one), or the stack this run claims from. */
export function adoptable(projects: coolify.Project[], inputs: ProjectInputs): coolify.Project | undefined {
  const named = projects.filter((p) => p.name === inputs.name && projectOwner(p).marked);
  const ours = named.find((p) => isOwnedBy(projectOwner(p), inputs.owner) || isClaimable(projectOwner(p), inputs.claimFrom));
  if (ours) return ours;
  const foreign = named[0];
  const other = foreign ? projectOwner(foreign) : undefined;
  if (foreign && other?.marked && other.stack) throw new ForeignOwnerError(`Coolify project "${foreign.name}" (${foreign.uuid})`, other.stack, inputs.owner, "adopt");
  return undefined;
}

function toOutputs(uuid: string, inputs: ProjectInputs, description: string): ProjectOutputs {
  return { ...inputs, uuid, coolifyDescription: description };
}

export const provider: pulumi.dynamic.ResourceProvider<ProjectInputs, ProjectOutputs> = {
  configure,

  async check(_olds, news) {
    return { inputs: news, failures: checkProject(news) };
  },

  async diff(_id, olds, news) {
    const changed = changedKeys<ProjectInputs>(olds, news, ["name", "description", "owner"]);
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
      if (existing.description !== description) await coolify.updateProject(conn, existing.uuid, { description });
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

/** A Coolify project, adopted by name and ownership marker when it already exists. */
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
