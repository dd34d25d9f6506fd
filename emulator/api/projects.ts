import type { RequestContext, Route } from "./context";
import { failMessage, reply } from "./http";
import { newUuid } from "../model/ids";
import type { EnvironmentRecord, ProjectRecord } from "../model/records";
import type { EmulatorStore } from "../model/store";
import { assertValid, collectErrors, type Rules } from "./validation";

// Allowed characters per notes §5.
const NAME_PATTERN = /^[\p{L}\p{M}\p{N}\s\-_.@/&()#,:+]+$/u;
const DESCRIPTION_PATTERN = /^[\p{L}\p{N}\s\-_.,!?()'"+=*@/&]+$/u;

const PROJECT_RULES: Rules = {
  name: { type: "string", min: 3, max: 255, pattern: NAME_PATTERN },
  description: { type: "string", nullable: true, max: 255, pattern: DESCRIPTION_PATTERN },
};

export function findTeamProject(ctx: RequestContext, uuid: string): ProjectRecord {
  const project = ctx.store.projects.find((p) => p.uuid === uuid && p.teamId === ctx.auth.teamId);
  return project ?? failMessage(404, "Project not found.");
}

/** `{env}` segments match by name first, then uuid (notes §5). */
export function findEnvironment(store: EmulatorStore, project: ProjectRecord, nameOrUuid: string): EnvironmentRecord | undefined {
  const inProject = store.environments.filter((e) => e.projectId === project.id);
  return inProject.find((e) => e.name === nameOrUuid) ?? inProject.find((e) => e.uuid === nameOrUuid);
}

function requireEnvironment(ctx: RequestContext, project: ProjectRecord, nameOrUuid: string): EnvironmentRecord {
  return findEnvironment(ctx.store, project, nameOrUuid) ?? failMessage(404, "Environment not found.");
}

function addEnvironment(store: EmulatorStore, project: ProjectRecord, name: string, description: string | null = null): EnvironmentRecord {
  const at = store.now();
  const environment = { id: store.nextId(), uuid: newUuid(), name, description, projectId: project.id, createdAt: at, updatedAt: at };
  store.environments.push(environment);
  return environment;
}

function environmentJson(e: EnvironmentRecord) {
  return { id: e.id, uuid: e.uuid, name: e.name, description: e.description, project_id: e.projectId, created_at: e.createdAt, updated_at: e.updatedAt };
}

function environmentHasResources(ctx: RequestContext, environment: EnvironmentRecord): boolean {
  return ctx.store.findServices().some((s) => s.environmentId === environment.id);
}

function createProject(ctx: RequestContext) {
  assertValid(collectErrors(ctx.body, { ...PROJECT_RULES, name: { ...PROJECT_RULES.name, required: true } }));
  const at = ctx.store.now();
  const project: ProjectRecord = {
    id: ctx.store.nextId(), uuid: newUuid(), name: String(ctx.body.name),
    description: (ctx.body.description as string | null | undefined) ?? null, teamId: ctx.auth.teamId, createdAt: at, updatedAt: at,
  };
  ctx.store.projects.push(project);
  // Every new project gets a `production` environment (notes §5).
  addEnvironment(ctx.store, project, "production");
  return reply(201, { uuid: project.uuid });
}

function getProject(ctx: RequestContext) {
  const p = findTeamProject(ctx, ctx.params.uuid);
  const environments = ctx.store.environments.filter((e) => e.projectId === p.id).map(environmentJson);
  return reply(200, {
    id: p.id, uuid: p.uuid, name: p.name, description: p.description, team_id: p.teamId, environments,
    created_at: p.createdAt, updated_at: p.updatedAt,
  });
}

function updateProject(ctx: RequestContext) {
  // Body validated before the 404 lookup (notes §5).
  assertValid(collectErrors(ctx.body, PROJECT_RULES));
  const project = findTeamProject(ctx, ctx.params.uuid);
  if (typeof ctx.body.name === "string") project.name = ctx.body.name;
  if ("description" in ctx.body) project.description = (ctx.body.description as string | null) ?? null;
  project.updatedAt = ctx.store.now();
  // PATCH answers 201, not 200 (notes §5).
  return reply(201, { uuid: project.uuid, name: project.name, description: project.description });
}

function deleteProject(ctx: RequestContext) {
  const project = findTeamProject(ctx, ctx.params.uuid);
  const environments = ctx.store.environments.filter((e) => e.projectId === project.id);
  // Services whose queued delete has not run yet still count (notes §5, §7.5).
  if (environments.some((e) => environmentHasResources(ctx, e))) {
    return failMessage(400, "Project has resources, so it cannot be deleted.");
  }
  for (const e of environments) ctx.store.environments.splice(ctx.store.environments.indexOf(e), 1);
  ctx.store.projects.splice(ctx.store.projects.indexOf(project), 1);
  return reply(200, { message: "Project deleted." });
}

function listEnvironments(ctx: RequestContext) {
  const project = findTeamProject(ctx, ctx.params.uuid);
  const rows = ctx.store.environments.filter((e) => e.projectId === project.id);
  return reply(200, rows.map((e) => ({ id: e.id, name: e.name, uuid: e.uuid })));
}

function createEnvironment(ctx: RequestContext) {
  assertValid(collectErrors(ctx.body, { name: { type: "string", required: true, max: 255, pattern: NAME_PATTERN } }));
  const project = findTeamProject(ctx, ctx.params.uuid);
  const name = String(ctx.body.name);
  if (ctx.store.environments.some((e) => e.projectId === project.id && e.name === name)) {
    return failMessage(409, "Environment with this name already exists.");
  }
  return reply(201, { uuid: addEnvironment(ctx.store, project, name).uuid });
}

function getEnvironment(ctx: RequestContext) {
  const project = findTeamProject(ctx, ctx.params.uuid);
  const environment = requireEnvironment(ctx, project, ctx.params.env);
  const services = ctx.store.findServices().filter((s) => s.environmentId === environment.id);
  const empty = { applications: [], postgresqls: [], redis: [], mongodbs: [], mysqls: [], mariadbs: [] };
  return reply(200, {
    ...environmentJson(environment), ...empty,
    services: services.map((s) => ({ id: s.id, uuid: s.uuid, name: s.name, description: s.description })),
  });
}

function updateEnvironment(ctx: RequestContext) {
  assertValid(collectErrors(ctx.body, { ...PROJECT_RULES, name: { ...PROJECT_RULES.name } }));
  const project = findTeamProject(ctx, ctx.params.uuid);
  const environment = requireEnvironment(ctx, project, ctx.params.env);
  const name = ctx.body.name;
  if (typeof name === "string" && name !== environment.name) {
    if (ctx.store.environments.some((e) => e.projectId === project.id && e.name === name)) {
      return failMessage(409, "Environment with this name already exists.");
    }
    environment.name = name;
  }
  if ("description" in ctx.body) environment.description = (ctx.body.description as string | null) ?? null;
  environment.updatedAt = ctx.store.now();
  return reply(200, { uuid: environment.uuid, name: environment.name, description: environment.description });
}

function deleteEnvironment(ctx: RequestContext) {
  const project = findTeamProject(ctx, ctx.params.uuid);
  const environment = requireEnvironment(ctx, project, ctx.params.env);
  if (environmentHasResources(ctx, environment)) {
    return failMessage(400, "Environment has resources, so it cannot be deleted.");
  }
  ctx.store.environments.splice(ctx.store.environments.indexOf(environment), 1);
  return reply(200, { message: "Environment deleted." });
}

export const projectRoutes: Route[] = [
  { method: "GET", path: "/projects", ability: "read", handler: (ctx) =>
    reply(200, ctx.store.findProjects({ team: ctx.auth.teamId }).map((p) => ({ id: p.id, uuid: p.uuid, name: p.name, description: p.description }))) },
  { method: "POST", path: "/projects", ability: "write", json: true, handler: createProject },
  { method: "GET", path: "/projects/{uuid}", ability: "read", handler: getProject },
  { method: "PATCH", path: "/projects/{uuid}", ability: "write", json: true, handler: updateProject },
  { method: "DELETE", path: "/projects/{uuid}", ability: "write", handler: deleteProject },
  { method: "GET", path: "/projects/{uuid}/environments", ability: "read", handler: listEnvironments },
  { method: "POST", path: "/projects/{uuid}/environments", ability: "write", json: true, handler: createEnvironment },
  { method: "PATCH", path: "/projects/{uuid}/environments/{env}", ability: "write", json: true, handler: updateEnvironment },
  { method: "DELETE", path: "/projects/{uuid}/environments/{env}", ability: "write", handler: deleteEnvironment },
  { method: "GET", path: "/projects/{uuid}/{env}", ability: "read", handler: getEnvironment },
];
