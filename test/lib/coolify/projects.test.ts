import { describe, expect, it } from "vitest";
import {
  CoolifyApiError, createEnvironment, createProject, deleteEnvironment, deleteProject, getEnvironment, getProject, isConflict,
  isNotFound, listEnvironments, listProjects, updateEnvironment, updateProject,
} from "../../../lib/coolify";
import { seedService, useEmulator } from "./emulator-harness";

const h = useEmulator();

describe("projects", () => {
  it("creates a project with a production environment and finds it in the list", async () => {
    const { uuid } = await createProject(h.conn, { name: "tenant-acme", description: "Acme stacks" });
    const project = await getProject(h.conn, uuid);
    expect(project).toMatchObject({ uuid, name: "tenant-acme", description: "Acme stacks" });
    expect(project.environments.map((e) => e.name)).toEqual(["production"]);
    expect((await listProjects(h.conn)).some((p) => p.uuid === uuid)).toBe(true);
  });

  it("updates name and description", async () => {
    const { uuid } = await createProject(h.conn, { name: "old-name" });
    await expect(updateProject(h.conn, uuid, { name: "new-name", description: "d" })).resolves.toMatchObject({ uuid, name: "new-name" });
    expect((await getProject(h.conn, uuid)).name).toBe("new-name");
  });

  it("deletes a project, after which it is not found", async () => {
    const { uuid } = await createProject(h.conn, { name: "short-lived" });
    await deleteProject(h.conn, uuid);
    const err = await getProject(h.conn, uuid).catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
    expect((err as CoolifyApiError).message).toBe(`Coolify API GET /api/v1/projects/${uuid} failed (404): Project not found.`);
  });

  it("refuses to delete a project that still has resources", async () => {
    const { projectUuid } = await seedService(h.conn, h.emulator, "keeps-project");
    await expect(deleteProject(h.conn, projectUuid)).rejects.toMatchObject({ status: 400, coolifyMessage: "Project has resources, so it cannot be deleted." });
  });
});

describe("environments", () => {
  it("creates, lists, gets by name and uuid, renames and deletes an environment", async () => {
    const { uuid: project } = await createProject(h.conn, { name: "env-tests" });
    const { uuid: env } = await createEnvironment(h.conn, project, { name: "staging" });
    expect((await listEnvironments(h.conn, project)).map((e) => e.name).sort()).toEqual(["production", "staging"]);
    expect((await getEnvironment(h.conn, project, "staging")).uuid).toBe(env);
    expect((await getEnvironment(h.conn, project, env)).name).toBe("staging");
    await expect(updateEnvironment(h.conn, project, env, { name: "preview", description: "PRs" })).resolves.toMatchObject({ uuid: env, name: "preview" });
    await deleteEnvironment(h.conn, project, env);
    await expect(getEnvironment(h.conn, project, env)).rejects.toSatisfy(isNotFound);
  });

  it("reports a duplicate environment name as a conflict", async () => {
    const { uuid: project } = await createProject(h.conn, { name: "dup-env" });
    const err = await createEnvironment(h.conn, project, { name: "production" }).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect((err as CoolifyApiError).message).toContain("(409): Environment with this name already exists.");
  });
});
