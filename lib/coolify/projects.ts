import { apiPath, request, type CoolifyConnection } from "./client";
import { isNotFound } from "./errors";
import { ListCache, type ListOptions } from "./list-cache";
import type { CreateProjectInput, Environment, EnvironmentDetail, MessageResponse, Project, ProjectDetail, UpdateNamedInput } from "./types";

/**
 * Lists the team's projects. Names are not unique (coolify-api.md §5).
 * @throws CoolifyApiError
 */
export function listProjects(conn: CoolifyConnection): Promise<Project[]> {
  return request<Project[]>(conn, "GET", "/projects");
}

const projects = new ListCache<Project>(listProjects);

/**
 * `listProjects` once per process and connection, kept in step with the creates, renames and deletes made through
 * this client (list-cache.ts). Pass `fresh` after a lost answer.
 * @throws CoolifyApiError
 */
export function listProjectsCached(conn: CoolifyConnection, options: ListOptions = {}): Promise<Project[]> {
  return projects.list(conn, options);
}

/**
 * Gets a project with its environments.
 * @throws CoolifyApiError 404 for an unknown uuid or another team's project.
 */
export function getProject(conn: CoolifyConnection, uuid: string): Promise<ProjectDetail> {
  return request<ProjectDetail>(conn, "GET", apiPath`/projects/${uuid}`);
}

/**
 * Creates a project (Coolify adds a `production` environment) and returns its uuid. Not idempotent: a repeat
 * creates a duplicate, and a lost response is a status-0 error, so re-list by name before retrying.
 * @throws CoolifyApiError 422 on an invalid name or description.
 */
export async function createProject(conn: CoolifyConnection, input: CreateProjectInput): Promise<{ uuid: string }> {
  const created = await request<{ uuid: string }>(conn, "POST", "/projects", { body: input });
  projects.remember(conn, { uuid: created.uuid, name: input.name, description: input.description ?? null });
  return created;
}

/**
 * Renames or re-describes a project. `input` must not be empty (Coolify answers 400).
 * @throws CoolifyApiError 404, 422.
 */
export async function updateProject(conn: CoolifyConnection, uuid: string, input: UpdateNamedInput): Promise<Project> {
  // Answers 201, not 200 (coolify-api.md §5).
  const updated = await request<Project>(conn, "PATCH", apiPath`/projects/${uuid}`, { body: input });
  projects.patch(conn, uuid, input);
  return updated;
}

/**
 * Deletes a project and its environments.
 * @throws CoolifyApiError 404; 400 "Project has resources" while queued resource deletes run (retry, §5 and §11.3).
 */
export async function deleteProject(conn: CoolifyConnection, uuid: string): Promise<void> {
  try {
    await request<MessageResponse>(conn, "DELETE", apiPath`/projects/${uuid}`);
  } catch (e) {
    if (isNotFound(e)) projects.forget(conn, uuid);
    throw e;
  }
  projects.forget(conn, uuid);
}

/**
 * Lists a project's environments (`id`, `name`, `uuid`).
 * @throws CoolifyApiError 404 for an unknown project.
 */
export function listEnvironments(conn: CoolifyConnection, projectUuid: string): Promise<Environment[]> {
  return request<Environment[]>(conn, "GET", apiPath`/projects/${projectUuid}/environments`);
}

/**
 * Gets an environment with its resources. `env` is matched by name first, then uuid; environments named
 * `environments` or `envs` collide with other routes, so pass their uuid (coolify-api.md §5).
 * @throws CoolifyApiError 404.
 */
export function getEnvironment(conn: CoolifyConnection, projectUuid: string, env: string): Promise<EnvironmentDetail> {
  return request<EnvironmentDetail>(conn, "GET", apiPath`/projects/${projectUuid}/${env}`);
}

/**
 * Creates an environment and returns its uuid.
 * @throws CoolifyApiError 409 when the name is taken in the project.
 */
export function createEnvironment(conn: CoolifyConnection, projectUuid: string, input: { name: string }): Promise<{ uuid: string }> {
  return request<{ uuid: string }>(conn, "POST", apiPath`/projects/${projectUuid}/environments`, { body: { name: input.name } });
}

/**
 * Renames or re-describes an environment (`env` by name or uuid).
 * @throws CoolifyApiError 404; 409 when the new name is taken.
 */
export function updateEnvironment(conn: CoolifyConnection, projectUuid: string, env: string, input: UpdateNamedInput): Promise<Environment> {
  return request<Environment>(conn, "PATCH", apiPath`/projects/${projectUuid}/environments/${env}`, { body: input });
}

/**
 * Deletes an environment (`env` by name or uuid).
 * @throws CoolifyApiError 404; 400 "Environment has resources" (retry after queued deletes finish).
 */
export async function deleteEnvironment(conn: CoolifyConnection, projectUuid: string, env: string): Promise<void> {
  await request<MessageResponse>(conn, "DELETE", apiPath`/projects/${projectUuid}/environments/${env}`);
}
